import assert from "node:assert/strict";
import {
  cliChecks,
  loadCliFacts,
  VERSION_MAX_BYTES,
  VERSION_TIMEOUT_MS,
} from "../../lib/doctor/checks_cli.ts";
import { loadHookFacts } from "../../lib/doctor/checks_hook.ts";
import { hostReader, type RunOptions, type RunResult } from "../../lib/doctor/host.ts";
import { configCandidates } from "../../lib/hook_config.ts";
import { CONFIG } from "./_facts.ts";
import { exe, memoryView, type Spec } from "./_memory_view.ts";

const V1177: RunResult = {
  ok: true,
  code: 0,
  output: "cli-version: 1.17.7\nlib-version: 1.17.7\n",
  truncated: false,
  timedOut: false,
};

async function cli(
  tree: Record<string, Spec>,
  run: RunResult = V1177,
  pathEnv = "/usr/bin",
  cwd = "/",
) {
  const runs: { path: string; args: readonly string[]; options: RunOptions }[] = [];
  const view = memoryView(tree, {
    run: (path, args, options) => {
      runs.push({ path, args, options });
      return run;
    },
  });
  const host = hostReader(view, "/");
  const hook = loadHookFacts(host, configCandidates("", {}), cwd, "V\n");
  const facts = await loadCliFacts(host, hook.config, pathEnv, cwd);
  const checks = cliChecks(facts, hook, host);
  const row = (id: string) => {
    const c = checks.find((x) => x.id === id);
    return [c?.status, c?.message];
  };
  return { facts, checks, runs, row };
}

Deno.test("loadCliFacts() searches PATH, then the default directories, as prestart", async (t) => {
  await t.step("PATH first", async () => {
    const r = await cli(
      { "/opt/bin/nvidia-container-cli": exe(), "/usr/bin/nvidia-container-cli": exe() },
      V1177,
      "/opt/bin",
    );
    assert.equal(r.facts.path, "/opt/bin/nvidia-container-cli");
    assert.deepEqual(r.row("cli.path"), [
      "ok",
      "/opt/bin/nvidia-container-cli (found in the search directories)",
    ]);
  });
  await t.step("a file without execute bits is skipped", async () => {
    const r = await cli(
      { "/usr/local/bin/nvidia-container-cli": "text", "/usr/bin/nvidia-container-cli": exe() },
      V1177,
      "",
    );
    assert.equal(r.facts.path, "/usr/bin/nvidia-container-cli");
  });
  await t.step("nvidia-container-cli.root is searched first", async () => {
    const r = await cli({
      [CONFIG]: '[nvidia-container-cli]\nroot = "/run/nvidia/driver"\n',
      "/run/nvidia/driver/usr/bin/nvidia-container-cli": exe(),
      "/usr/bin/nvidia-container-cli": exe(),
    });
    assert.equal(r.facts.path, "/run/nvidia/driver/usr/bin/nvidia-container-cli");
  });
  await t.step("--version runs with a timeout, a cap and only PATH", async () => {
    const r = await cli({ "/usr/bin/nvidia-container-cli": exe() });
    assert.deepEqual(r.runs, [{
      path: "/usr/bin/nvidia-container-cli",
      args: ["--version"],
      options: {
        env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" },
        timeoutMs: VERSION_TIMEOUT_MS,
        maxBytes: VERSION_MAX_BYTES,
      },
    }]);
    assert.equal(VERSION_TIMEOUT_MS, 5000);
  });
});

Deno.test("cli.path takes nvidia-container-cli.path as it is, never searching", async (t) => {
  const table: [string, Record<string, Spec>, string, string][] = [
    ["/opt/cli", { "/opt/cli": exe() }, "ok", "/opt/cli (nvidia-container-cli.path)"],
    ["cli", { "/srv/cli": exe() }, "ok", "/srv/cli (nvidia-container-cli.path)"],
    [
      "/opt/cli",
      { "/usr/bin/nvidia-container-cli": exe() },
      "fail",
      'Cannot run nvidia-container-cli "/opt/cli": no such file or directory',
    ],
    [
      "/opt/cli",
      { "/opt/cli": "text" },
      "fail",
      'Cannot run nvidia-container-cli "/opt/cli": permission denied',
    ],
    ["/opt", { "/opt/x": "" }, "fail", 'Cannot run nvidia-container-cli "/opt": permission denied'],
  ];
  for (const [path, tree, status, message] of table) {
    await t.step(`${path} ${status}`, async () => {
      const r = await cli(
        { ...tree, [CONFIG]: `[nvidia-container-cli]\npath = "${path}"\n` },
        V1177,
        "/usr/bin",
        "/srv",
      );
      assert.deepEqual(r.row("cli.path"), [status, message]);
      if (status === "fail") {
        assert.equal(
          r.checks[0]?.fix,
          `install nvidia-container-cli at that path, or fix nvidia-container-cli.path in ${CONFIG}`,
        );
        assert.deepEqual(r.runs, []);
      }
    });
  }
});

Deno.test("cli.version reports how --version went", async (t) => {
  const base = { ok: true as const, code: 0, truncated: false, timedOut: false };
  const table: [string, RunResult, string, string][] = [
    [
      "1.17.8",
      { ...base, output: "cli-version: 1.17.8\n" },
      "ok",
      "nvidia-container-cli 1.17.8 takes --cuda-compat-mode",
    ],
    [
      "2.0.0",
      { ...base, output: "cli-version: 2.0.0\n" },
      "ok",
      "nvidia-container-cli 2.0.0 takes --cuda-compat-mode",
    ],
    [
      "1.17.6",
      { ...base, output: "cli-version: 1.17.6\n" },
      "warn",
      "nvidia-container-cli 1.17.6 does not take --cuda-compat-mode (1.17.7 and later do): the container's CUDA compat libraries cannot be controlled",
    ],
    [
      "a cut output with a good first line",
      { ...base, output: "cli-version: 1.17.7\nxxxx", truncated: true },
      "ok",
      "nvidia-container-cli 1.17.7 takes --cuda-compat-mode",
    ],
    [
      "cannot start",
      { ok: false, error: "exec format error" },
      "fail",
      "Cannot run /usr/bin/nvidia-container-cli --version: exec format error",
    ],
    [
      "killed",
      { ...base, code: null, output: "" },
      "fail",
      "/usr/bin/nvidia-container-cli --version was killed by a signal",
    ],
    [
      "timed out",
      { ...base, code: null, output: "", timedOut: true },
      "fail",
      "/usr/bin/nvidia-container-cli --version did not finish within 5 s",
    ],
    [
      "a second line only",
      { ...base, output: "\ncli-version: 1.17.7\n" },
      "fail",
      '/usr/bin/nvidia-container-cli --version printed "", not "cli-version: X.Y.Z"',
    ],
    [
      "a long control-laden line",
      { ...base, output: `\u001b[31m${"x".repeat(100)}\n` },
      "fail",
      `/usr/bin/nvidia-container-cli --version printed "\\u001b[31m${
        "x".repeat(59)
      }...", not "cli-version: X.Y.Z"`,
    ],
  ];
  for (const [name, run, status, message] of table) {
    await t.step(name, async () => {
      const r = await cli({ "/usr/bin/nvidia-container-cli": exe() }, run);
      assert.deepEqual(r.row("cli.version"), [status, message]);
    });
  }
});

Deno.test("cli.user looks the user and group up in /etc/passwd and /etc/group", async (t) => {
  const passwd =
    "# comment\n+nis\nroot:x:0:0::/root:/bin/sh\nsvc$:x:900:900::/:/bin/false\n\nbroken\n";
  const group = "root:x:0:\nvideo:x:44:\n";
  const accounts = { "/etc/passwd": passwd, "/etc/group": group };
  const table: [string, Record<string, Spec>, string, string][] = [
    ["root", accounts, "ok", 'nvidia-container-cli.user "root" exists on the host'],
    ["0:44", accounts, "ok", 'nvidia-container-cli.user "0:44" exists on the host'],
    ["svc$:video", accounts, "ok", 'nvidia-container-cli.user "svc$:video" exists on the host'],
    [
      "1000",
      accounts,
      "warn",
      'nvidia-container-cli.user "1000": user id 1000 has no entry in /etc/passwd (the CLI uses the number as it is)',
    ],
    [
      "root:1000",
      accounts,
      "warn",
      'nvidia-container-cli.user "root:1000": group id 1000 has no entry in /etc/group (the CLI uses the number as it is)',
    ],
    [
      "root:gpu",
      accounts,
      "fail",
      'nvidia-container-cli.user "root:gpu": group "gpu" is not in /etc/group',
    ],
    ["nis", accounts, "fail", 'nvidia-container-cli.user "nis": user "nis" is not in /etc/passwd'],
    [
      "1000:gpu",
      accounts,
      "fail",
      'nvidia-container-cli.user "1000:gpu": group "gpu" is not in /etc/group',
    ],
    [
      "root",
      {},
      "warn",
      'nvidia-container-cli.user "root": Cannot read /etc/passwd: no such file or directory',
    ],
    [
      ":44",
      accounts,
      "fail",
      'nvidia-container-cli.user ":44" is not UID[:GID] (numbers or names)',
    ],
    [
      "a b",
      accounts,
      "fail",
      'nvidia-container-cli.user "a b" is not UID[:GID] (numbers or names)',
    ],
    ["-1", accounts, "fail", 'nvidia-container-cli.user "-1" is not UID[:GID] (numbers or names)'],
  ];
  for (const [user, tree, status, message] of table) {
    await t.step(user, async () => {
      const r = await cli({ ...tree, [CONFIG]: `[nvidia-container-cli]\nuser = "${user}"\n` });
      assert.deepEqual(r.row("cli.user"), [status, message]);
    });
  }
});

Deno.test("cli.version compares nvidia-container-runtime-hook.cli-version with the CLI", async (t) => {
  const base = { ok: true as const, code: 0, truncated: false, timedOut: false };
  const says = (v: string) => ({ ...base, output: `cli-version: ${v}\n` });
  const table: [string, string, string, string][] = [
    [
      'cli-version = "1.17.7"',
      "1.17.7",
      "ok",
      "nvidia-container-cli 1.17.7 takes --cuda-compat-mode (as nvidia-container-runtime-hook.cli-version says)",
    ],
    [
      'cli-version = "1.17.5"',
      "1.17.0",
      "fail",
      "nvidia-container-runtime-hook.cli-version is 1.17.5, but /usr/bin/nvidia-container-cli is 1.17.0: prestart passes --no-cntlibs, which this CLI rejects",
    ],
    [
      'cli-version = "1.17.5"\n[features]\nallow-cuda-compat-libs-from-container = true',
      "1.17.0",
      "warn",
      "nvidia-container-runtime-hook.cli-version is 1.17.5, but /usr/bin/nvidia-container-cli is 1.17.0: prestart passes the options of 1.17.5, not those of 1.17.0",
    ],
    [
      'cli-version = "1.18.0"',
      "1.17.9",
      "warn",
      "nvidia-container-runtime-hook.cli-version is 1.18.0, but /usr/bin/nvidia-container-cli is 1.17.9: prestart passes the options of 1.18.0, not those of 1.17.9",
    ],
  ];
  for (const [toml, actual, status, message] of table) {
    await t.step(`${toml.split("\n")[0]} / ${actual}`, async () => {
      const config = `[nvidia-container-runtime-hook]\n${toml}\n`;
      const r = await cli(
        { "/usr/bin/nvidia-container-cli": exe(), [CONFIG]: config },
        says(actual),
      );
      assert.deepEqual(r.row("cli.version"), [status, message]);
    });
  }
});

Deno.test("cli.user is skipped when the config file does not load", async () => {
  const r = await cli({ [CONFIG]: "[nvidia-container-cli\n" });
  assert.deepEqual(r.row("cli.user"), [
    "ok",
    "skipped: the config file does not load (see hook.config)",
  ]);
});
