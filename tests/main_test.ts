/**
 * Process-level tests of main.ts that the fixture bundles cannot express:
 * usage and flags, poststart/poststop, size limits, CLI start failures,
 * exit status of a CLI killed by a signal, signal forwarding, -debug.
 */

import assert from "node:assert/strict";
import { launcherEnv, runHook, writeFakeCli } from "./_hook.ts";

const USAGE = `Usage of nvidia-container-runtime-hook:
  -config string
        configuration file
  -debug
        enable debug output
  -version
        show the version information

Commands:
  prestart
        run the prestart hook
  poststart
        no-op
  poststop
        no-op
  explain [--bundle DIR] [--json] [-config FILE]
        show the decision prestart would make (state on stdin, or a bundle directory)
  check-config [--json] [FILE]
        load the config file prestart would use (or FILE) and report its settings
  print-oci-hook [--path P]
        print the OCI hooks.d JSON for podman and CRI-O
  doctor [--root DIR] [--json]
        check whether this host is ready for GPU containers, and say what to fix
`;
const P = "nvidia-container-runtime-hook: ";

/** A temp dir with a GPU bundle and an empty config prefix. */
function setup(env: string[] = ["NVIDIA_VISIBLE_DEVICES=0"]) {
  const tmp = Deno.makeTempDirSync({ prefix: "hook-main-" });
  Deno.mkdirSync(`${tmp}/bundle`);
  Deno.mkdirSync(`${tmp}/bin`);
  Deno.writeTextFileSync(
    `${tmp}/bundle/config.json`,
    JSON.stringify({ ociVersion: "1.0.2", process: { env }, root: { path: "rootfs" } }),
  );
  const hookEnv: Record<string, string> = {
    ...launcherEnv(),
    PATH: `${tmp}/bin:/usr/bin:/bin`,
    NVIDIA_CONTAINER_RUNTIME_HOOK_CONFIG_PREFIX: `${tmp}/prefix`,
  };
  const state = JSON.stringify({ pid: 4242, bundle: `${tmp}/bundle` });
  return { tmp, hookEnv, state, done: () => Deno.removeSync(tmp, { recursive: true }) };
}

Deno.test("main() prints usage and exits 2 without a command", async () => {
  const s = setup();
  try {
    const r = await runHook({ args: [], env: s.hookEnv });
    assert.equal(r.stderr, `${P}No command given\n${USAGE}`);
    assert.equal(r.code, 2);
  } finally {
    s.done();
  }
});

Deno.test("main() prints the version from deno.json and the git commit with -version", async (t) => {
  const s = setup();
  try {
    const version = JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url)))
      .version;
    assert.match(version, /^\d+\.\d+\.\d+/);
    const git = new Deno.Command("git", {
      args: ["rev-parse", "HEAD"],
      cwd: new URL("..", import.meta.url),
    }).outputSync();
    const commit = new TextDecoder().decode(git.stdout).trim();
    // A compiled binary or the bundle carries the commit of its build_info.json.
    const compiled = (Deno.env.get("HOOK_BIN") ?? "") !== "" ||
      (Deno.env.get("HOOK_JS") ?? "") !== "";
    for (const args of [["-version"], ["--version", "prestart"], ["-version=true", "nope"]]) {
      await t.step(args.join(" "), async () => {
        // No stdin is read: the state below would be an error for prestart.
        const r = await runHook({ args, env: s.hookEnv, stdin: "not json" });
        assert.equal(r.stderr, "");
        assert.equal(r.code, 0);
        const lines = r.stdout.split("\n");
        assert.equal(lines[0], `NVIDIA Container Runtime Hook version ${version}`);
        if (compiled) assert.match(lines[1] ?? "", /^commit: [0-9a-f]{40}$/);
        else assert.equal(lines[1], `commit: ${commit}`);
        assert.deepEqual(lines.slice(2), [""]);
      });
    }
    await t.step("-version=false prestart runs the hook", async () => {
      const r = await runHook({
        args: ["-version=false", "prestart"],
        env: s.hookEnv,
        stdin: "[]",
      });
      assert.equal(r.stdout, "");
      assert.equal(
        r.stderr,
        `${P}Cannot parse container state on stdin: expected a JSON object, got an array\n`,
      );
      assert.equal(r.code, 1);
    });
  } finally {
    s.done();
  }
});

Deno.test("main() exits 2 with usage on flag errors", async (t) => {
  const s = setup();
  const table: [string[], string][] = [
    [["-x", "prestart"], "Flag provided but not defined: -x"],
    [["--nope=1", "prestart"], "Flag provided but not defined: -nope"],
    [["-debug=maybe", "prestart"], 'Invalid boolean value "maybe" for -debug: parse error'],
    [["-config"], "Flag needs an argument: -config"],
    [["---debug", "prestart"], "Bad flag syntax: ---debug"],
    [["start"], 'Unknown command "start"'],
    [["-debug", "false", "prestart"], 'Unknown command "false"'],
  ];
  try {
    for (const [args, message] of table) {
      await t.step(args.join(" "), async () => {
        const r = await runHook({ args, env: s.hookEnv, stdin: s.state });
        assert.equal(r.stderr, `${P}${message}\n${USAGE}`);
        assert.equal(r.code, 2);
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() prints usage and exits 0 for -h, -help and --help", async (t) => {
  const s = setup();
  try {
    for (const flag of ["-h", "-help", "--help", "--h"]) {
      await t.step(flag, async () => {
        const r = await runHook({ args: [flag, "prestart"], env: s.hookEnv });
        assert.deepEqual([r.code, r.stdout, r.stderr], [0, "", USAGE]);
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() poststart and poststop do nothing, ignore stdin and trailing args", async (t) => {
  const s = setup();
  const cli = writeFakeCli(`${s.tmp}/bin/nvidia-container-cli`, `${s.tmp}/rec`, 0);
  try {
    for (const command of ["poststart", "poststop"]) {
      await t.step(command, async () => {
        const r = await runHook({
          args: ["-debug", command, "--whatever", "-x"],
          env: s.hookEnv,
          stdin: "not json at all",
        });
        assert.deepEqual([r.code, r.stdout, r.stderr], [0, "", ""]);
        assert.equal(cli.argv(), null);
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() accepts every flag spelling of Go's flag package", async (t) => {
  const s = setup();
  const cli = writeFakeCli(`${s.tmp}/bin/nvidia-container-cli`, `${s.tmp}/rec`, 0);
  Deno.writeTextFileSync(`${s.tmp}/c.toml`, '[nvidia-container-cli]\nuser = "u1"\n');
  const withUser = ["--user=u1", "configure"];
  const table: [string[], string[]][] = [
    [["-config", `${s.tmp}/c.toml`, "prestart"], withUser],
    [[`-config=${s.tmp}/c.toml`, "prestart"], withUser],
    [["--config", `${s.tmp}/c.toml`, "prestart"], withUser],
    [[`--config=${s.tmp}/c.toml`, "prestart"], withUser],
    [["-config=", "prestart"], ["configure"]],
    [["-config", `${s.tmp}/c.toml`, "--", "prestart"], withUser],
    [["prestart", "-config", `${s.tmp}/c.toml`], ["configure"]],
  ];
  try {
    for (const [args, tail] of table) {
      await t.step(args.join(" "), async () => {
        Deno.removeSync(`${s.tmp}/rec`, { recursive: true });
        Deno.mkdirSync(`${s.tmp}/rec`);
        const r = await runHook({ args, env: s.hookEnv, stdin: s.state });
        assert.deepEqual([r.code, r.stderr], [0, ""]);
        assert.deepEqual(cli.argv(), [
          `${s.tmp}/bin/nvidia-container-cli`,
          "--load-kmods",
          ...tail,
          "--device=0",
          "--utility",
          "--pid=4242",
          `${s.tmp}/bundle/rootfs`,
        ]);
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() -debug passes --debug=/dev/stderr and traces the decision", async () => {
  const s = setup();
  const cli = writeFakeCli(`${s.tmp}/bin/nvidia-container-cli`, `${s.tmp}/rec`, 0);
  try {
    const r = await runHook({ args: ["-debug=true", "prestart"], env: s.hookEnv, stdin: s.state });
    assert.equal(r.code, 0);
    assert.deepEqual(cli.argv()?.slice(1, 3), ["--load-kmods", "--debug=/dev/stderr"]);
    const lines = r.stderr.trimEnd().split("\n");
    assert.ok(lines.every((l) => l.startsWith(`${P}debug: `)), r.stderr);
    assert.ok(r.stderr.includes("config: no config file found, using the defaults"), r.stderr);
    assert.ok(r.stderr.includes(`state: pid 4242, bundle ${s.tmp}/bundle`), r.stderr);
  } finally {
    s.done();
  }
});

Deno.test("main() -config names a file that must exist", async () => {
  const s = setup();
  try {
    const r = await runHook({
      args: ["-config", `${s.tmp}/missing.toml`, "prestart"],
      env: s.hookEnv,
      stdin: s.state,
    });
    assert.equal(
      r.stderr,
      `${P}Cannot read config file ${s.tmp}/missing.toml: no such file or directory\n`,
    );
    assert.equal(r.code, 1);
  } finally {
    s.done();
  }
});

Deno.test("main() refuses a config file that is a directory", async () => {
  const s = setup();
  Deno.mkdirSync(`${s.tmp}/prefix/etc/nvidia-container-runtime/config.toml`, { recursive: true });
  try {
    const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state });
    assert.equal(
      r.stderr,
      `${P}Cannot read config file ${s.tmp}/prefix/etc/nvidia-container-runtime/config.toml: is a directory\n`,
    );
    assert.equal(r.code, 1);
  } finally {
    s.done();
  }
});

Deno.test("main() refuses stdin larger than 1 MiB and accepts exactly 1 MiB", async (t) => {
  const s = setup([]);
  try {
    const base = JSON.stringify({ pid: 4242, bundle: `${s.tmp}/bundle` });
    const pad = (n: number) => base + " ".repeat(n - base.length);
    await t.step("1 MiB", async () => {
      const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: pad(1024 * 1024) });
      assert.deepEqual([r.code, r.stderr], [0, ""]);
    });
    await t.step("1 MiB + 1", async () => {
      const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: pad(1024 * 1024 + 1) });
      assert.equal(
        r.stderr,
        `${P}Cannot read container state on stdin: larger than 1048576 bytes\n`,
      );
      assert.equal(r.code, 1);
    });
  } finally {
    s.done();
  }
});

Deno.test("main() refuses a config.json larger than 64 MiB", async () => {
  const s = setup();
  try {
    using f = Deno.openSync(`${s.tmp}/bundle/config.json`, { write: true, truncate: true });
    f.truncateSync(64 * 1024 * 1024 + 1);
    const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state });
    assert.equal(
      r.stderr,
      `${P}Cannot read OCI spec ${s.tmp}/bundle/config.json: larger than 67108864 bytes\n`,
    );
    assert.equal(r.code, 1);
  } finally {
    s.done();
  }
});

Deno.test("main() reports a CLI that cannot be started, naming its path", async (t) => {
  const s = setup();
  const table: [string, (p: string) => void, string][] = [
    ["missing", () => {}, "no such file or directory"],
    [
      "not executable",
      (p) => Deno.writeTextFileSync(p, "#!/bin/sh\n", { mode: 0o644 }),
      "permission denied",
    ],
  ];
  try {
    for (const [name, make, reason] of table) {
      await t.step(name, async () => {
        const cli = `${s.tmp}/cli-${name.replaceAll(" ", "-")}`;
        make(cli);
        Deno.writeTextFileSync(`${s.tmp}/c.toml`, `[nvidia-container-cli]\npath = "${cli}"\n`);
        const r = await runHook({
          args: ["-config", `${s.tmp}/c.toml`, "prestart"],
          env: s.hookEnv,
          stdin: s.state,
        });
        assert.equal(r.stderr, `${P}Cannot run nvidia-container-cli "${cli}": ${reason}\n`);
        assert.equal(r.code, 1);
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() exits 128+N when the CLI dies of signal N", async () => {
  const s = setup();
  Deno.writeTextFileSync(`${s.tmp}/bin/nvidia-container-cli`, "#!/bin/sh\nkill -KILL $$\n", {
    mode: 0o755,
  });
  try {
    const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state });
    assert.deepEqual([r.code, r.stderr], [137, ""]);
  } finally {
    s.done();
  }
});

Deno.test("main() forwards SIGTERM, SIGINT and SIGHUP to the CLI", async (t) => {
  const s = setup();
  // The stand-in records the signal it gets and exits with 100 + its number.
  Deno.writeTextFileSync(
    `${s.tmp}/bin/nvidia-container-cli`,
    [
      "#!/bin/sh",
      `trap 'echo TERM > "${s.tmp}/sig"; exit 115' TERM`,
      `trap 'echo INT > "${s.tmp}/sig"; exit 102' INT`,
      `trap 'echo HUP > "${s.tmp}/sig"; exit 101' HUP`,
      `touch "${s.tmp}/ready"`,
      // Long enough for a loaded CI machine; the signal ends it early.
      "i=0; while [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done",
      "exit 0",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  const [cmd, ...pre] = (await import("./_hook.ts")).hookCommand() as [string, ...string[]];
  try {
    for (const [signal, code] of [["SIGTERM", 115], ["SIGINT", 102], ["SIGHUP", 101]] as const) {
      await t.step(signal, async () => {
        try {
          Deno.removeSync(`${s.tmp}/ready`);
        } catch { /* first round */ }
        const child = new Deno.Command(cmd, {
          args: [...pre, "prestart"],
          env: s.hookEnv,
          clearEnv: true,
          stdin: "piped",
          stdout: "null",
          stderr: "piped",
        }).spawn();
        const w = child.stdin.getWriter();
        await w.write(new TextEncoder().encode(s.state));
        await w.close();
        for (let i = 0; i < 1200; i++) {
          try {
            Deno.statSync(`${s.tmp}/ready`);
            break;
          } catch {
            await new Promise((r) => setTimeout(r, 25));
          }
        }
        child.kill(signal);
        const out = await child.output();
        assert.equal(Deno.readTextFileSync(`${s.tmp}/sig`).trim(), signal.slice(3));
        assert.equal(out.code, code);
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() never echoes a secret from config.json in an error", async () => {
  const s = setup(["AWS_SECRET_ACCESS_KEY=hunter2", "NVIDIA_VISIBLE_DEVICES=0", "BROKEN"]);
  try {
    const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state });
    assert.equal(
      r.stderr,
      `${P}Cannot parse ${s.tmp}/bundle/config.json: "process.env[2]" must have the form KEY=VALUE\n`,
    );
    assert.equal(r.code, 1);
    Deno.writeTextFileSync(
      `${s.tmp}/bundle/config.json`,
      '{"ociVersion": "1.0.2", "process": {"env": ["PASSWORD=hunter2" oops]}}',
    );
    const r2 = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state });
    assert.equal(
      r2.stderr,
      `${P}Cannot parse ${s.tmp}/bundle/config.json: invalid JSON at line 1, column 64\n`,
    );
    assert.ok(!r2.stderr.includes("hunter2"));
  } finally {
    s.done();
  }
});

Deno.test("main() prints a stack trace only with -debug", async () => {
  const s = setup();
  try {
    const plain = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: "[]" });
    assert.equal(
      plain.stderr,
      `${P}Cannot parse container state on stdin: expected a JSON object, got an array\n`,
    );
    const debug = await runHook({ args: ["-debug", "prestart"], env: s.hookEnv, stdin: "[]" });
    assert.ok(debug.stderr.includes(`${P}Cannot parse container state on stdin`), debug.stderr);
    assert.ok(debug.stderr.includes("    at parseState"), debug.stderr);
    assert.equal(debug.code, 1);
  } finally {
    s.done();
  }
});

Deno.test("main() searches and passes the host's PATH, not the entry Deno adds without node", async () => {
  // Without `node` on PATH, `deno run` puts <DENO_DIR>/node_compat_bin first
  // on the process's PATH; the CLI search and the CLI's PATH must not see it.
  const s = setup();
  try {
    const cli = writeFakeCli(`${s.tmp}/bin/nvidia-container-cli`, `${s.tmp}/record`, 0);
    const env = { ...s.hookEnv, PATH: `${s.tmp}/bin` };
    const r = await runHook({ args: ["prestart"], env, stdin: s.state });
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
    assert.equal(
      cli.env()?.["PATH"],
      `${s.tmp}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    );
  } finally {
    s.done();
  }
});
