import assert from "node:assert/strict";
import {
  configFileToEdit,
  hookChecks,
  loadHookFacts,
  MAX_CONFIG_BYTES,
} from "../../lib/doctor/checks_hook.ts";
import { configCandidates } from "../../lib/hook_config.ts";
import { CONFIG, configFacts, hostOf } from "./_facts.ts";
import { exe, link } from "./_memory_view.ts";

function checkOf(id: string, toml: string | undefined, tree = {}) {
  const host = hostOf(toml === undefined ? tree : { ...tree, [CONFIG]: toml });
  const facts = loadHookFacts(host, configCandidates("", {}), "/", "V 1\n");
  const found = hookChecks(facts, host).find((c) => c.id === id);
  assert.ok(found !== undefined);
  return found;
}

Deno.test("loadHookFacts() finds the config file as prestart does", async (t) => {
  await t.step("the first existing candidate wins", () => {
    const host = hostOf({
      "/run/nvidia/driver/etc/nvidia-container-runtime/config.toml": "disable-require = true\n",
      [CONFIG]: "",
    });
    const f = loadHookFacts(host, configCandidates("", {}), "/", "V\n");
    assert.equal(f.file, "/run/nvidia/driver/etc/nvidia-container-runtime/config.toml");
    assert.equal(f.origin, "built-in path");
    assert.equal(f.config.disableRequire, true);
  });
  await t.step("none: built-in defaults, every candidate listed", () => {
    const f = loadHookFacts(hostOf({}), configCandidates("", {}), "/", "V\n");
    assert.equal(f.file, null);
    assert.deepEqual(f.searched, [
      "/run/nvidia/driver/etc/nvidia-container-runtime/config.toml",
      CONFIG,
    ]);
    assert.equal(f.report.error, null);
  });
  await t.step("a missing -config file is an error", () => {
    const f = loadHookFacts(hostOf({}), configCandidates("/x.toml", {}), "/", "V\n");
    assert.equal(f.report.error, "Cannot read config file /x.toml: no such file or directory");
    assert.equal(f.origin, "-config flag");
  });
  await t.step("a relative -config file is taken from cwd", () => {
    const host = hostOf({ "/srv/c.toml": "disable-require = true\n" });
    const f = loadHookFacts(host, configCandidates("c.toml", {}), "/srv", "V\n");
    assert.equal(f.file, "/srv/c.toml");
    assert.equal(f.config.disableRequire, true);
  });
  await t.step("an unreadable built-in file is an error, not skipped", () => {
    const host = hostOf({ [CONFIG]: { kind: "unreadable", name: "PermissionDenied" } });
    const f = factsOfHost(host);
    assert.equal(f.report.error, `Cannot read config file ${CONFIG}: permission denied`);
  });
  await t.step("a file over 4 MiB is an error", () => {
    const f = configFacts(" ".repeat(MAX_CONFIG_BYTES + 1));
    assert.equal(f.report.error, `Cannot read config file ${CONFIG}: larger than 4194304 bytes`);
  });
  await t.step("the version's lines are joined", () => {
    const f = loadHookFacts(
      hostOf({}),
      [],
      "/",
      "NVIDIA Container Runtime Hook version 0.1.0\ncommit: abc\n",
    );
    assert.equal(f.version, "NVIDIA Container Runtime Hook version 0.1.0, commit: abc");
  });
});

function factsOfHost(host: ReturnType<typeof hostOf>) {
  return loadHookFacts(host, configCandidates("", {}), "/", "V\n");
}

Deno.test("hook.compat-libs warns when the container's compat libraries are allowed", () => {
  const key = "allow-cuda-compat-libs-from-container";
  assert.equal(checkOf("hook.compat-libs", `[features]\n${key} = true\n`).status, "warn");
  assert.equal(checkOf("hook.compat-libs", `[features]\n${key} = false\n`).status, "ok");
  assert.equal(checkOf("hook.compat-libs", undefined).status, "ok");
});

Deno.test("configFileToEdit() names the loaded file, else the default one", () => {
  assert.equal(configFileToEdit(configFacts(undefined)), CONFIG);
  const host = hostOf({ "/etc/x.toml": "" });
  assert.equal(
    configFileToEdit(loadHookFacts(host, configCandidates("/etc/x.toml", {}), "/", "")),
    "/etc/x.toml",
  );
});

Deno.test("hookChecks() returns the hook's checks in order, the version first", () => {
  const host = hostOf({});
  const checks = hookChecks(loadHookFacts(host, [], "/", "V 1\n"), host);
  assert.deepEqual(checks.map((c) => c.id), [
    "hook.version",
    "hook.config",
    "hook.unprivileged-envvar",
    "hook.compat-libs",
    "hook.ldconfig",
  ]);
  assert.deepEqual(checks[0], { id: "hook.version", status: "ok", message: "V 1", fix: "" });
});

Deno.test("hook.config counts the warnings and leaves ldconfig to hook.ldconfig", async (t) => {
  await t.step("two warnings", () => {
    const c = checkOf(
      "hook.config",
      "[nvidia-container-cli]\nno-cgroup = true\nload-kmod = true\n",
    );
    assert.equal(c.status, "warn");
    assert.equal(
      c.message,
      `${CONFIG} (built-in path): line 2: unknown key "nvidia-container-cli.no-cgroup"; did you mean "nvidia-container-cli.no-cgroups"? (and 1 more)`,
    );
  });
  await t.step("an allowed container ldconfig alone", () => {
    const toml =
      '[nvidia-container-cli]\nldconfig = "/sbin/ldconfig"\n[features]\nallow-ldconfig-from-container = true\n';
    const c = checkOf("hook.config", toml);
    assert.deepEqual([c.status, c.message], [
      "ok",
      `${CONFIG} (built-in path) loads without warnings`,
    ]);
  });
  await t.step("a wrong type", () => {
    const c = checkOf("hook.config", "[nvidia-container-cli]\nload-kmods = 1\n");
    assert.equal(c.status, "fail");
    assert.equal(
      c.message,
      `Cannot load config file ${CONFIG}: "nvidia-container-cli.load-kmods" must be a boolean (line 2)`,
    );
  });
});

Deno.test("hook.unprivileged-envvar says whether true is the default", async (t) => {
  const gate = "accept-nvidia-visible-devices-envvar-when-unprivileged";
  await t.step("set to true", () => {
    const c = checkOf("hook.unprivileged-envvar", `${gate} = true\n`);
    assert.equal(c.status, "warn");
    assert.ok(c.message.startsWith(`${gate} is true: any unprivileged container`), c.message);
  });
  await t.step("the default", () => {
    const c = checkOf("hook.unprivileged-envvar", "");
    assert.ok(c.message.startsWith(`${gate} is true (the default): `), c.message);
  });
});

Deno.test("hook.ldconfig checks the host path, .real normalised as prestart does", async (t) => {
  const table: [string, Record<string, ReturnType<typeof exe>>, string, string][] = [
    [
      "@/sbin/ldconfig.real",
      { "/sbin/ldconfig": exe() },
      "ok",
      'nvidia-container-cli.ldconfig "@/sbin/ldconfig.real" runs the host\'s /sbin/ldconfig',
    ],
    [
      "@/sbin/ldconfig.real",
      { "/sbin/ldconfig.real": exe() },
      "ok",
      'nvidia-container-cli.ldconfig "@/sbin/ldconfig.real" runs the host\'s /sbin/ldconfig.real',
    ],
    [
      "@/sbin/ldconfig",
      { "/sbin/ldconfig": link("/usr/sbin/ldconfig"), "/usr/sbin/ldconfig": exe() },
      "ok",
      'nvidia-container-cli.ldconfig "@/sbin/ldconfig" runs the host\'s /sbin/ldconfig',
    ],
    [
      "@/sbin/ldconfig",
      { "/sbin/ldconfig": "not executable" },
      "fail",
      'nvidia-container-cli.ldconfig "@/sbin/ldconfig": /sbin/ldconfig is not an executable file on the host',
    ],
    ["@", {}, "fail", 'nvidia-container-cli.ldconfig "@" names no absolute host path after "@"'],
    [
      "@sbin/ldconfig",
      {},
      "fail",
      'nvidia-container-cli.ldconfig "@sbin/ldconfig" names no absolute host path after "@"',
    ],
  ];
  for (const [value, tree, status, message] of table) {
    await t.step(`${value} ${Object.keys(tree).join(",")}`, () => {
      const c = checkOf("hook.ldconfig", `[nvidia-container-cli]\nldconfig = "${value}"\n`, tree);
      assert.deepEqual([c.status, c.message], [status, message]);
    });
  }
});

Deno.test("the settings checks are skipped when the config file does not load", async (t) => {
  const skipped = "skipped: the config file does not load (see hook.config)";
  await t.step("a syntax error", () => {
    for (const id of ["hook.unprivileged-envvar", "hook.compat-libs", "hook.ldconfig"]) {
      const c = checkOf(id, "x = [\n");
      assert.deepEqual([c.status, c.message, c.fix], ["ok", skipped, ""], id);
    }
  });
  await t.step("a wrong type elsewhere: ldconfig still read from the file", () => {
    const c = checkOf(
      "hook.ldconfig",
      '[nvidia-container-cli]\nload-kmods = 1\nldconfig = "@/sbin/ldconfig"\n',
      {
        "/sbin/ldconfig": exe(),
      },
    );
    assert.deepEqual([c.status, c.message], [
      "ok",
      'nvidia-container-cli.ldconfig "@/sbin/ldconfig" runs the host\'s /sbin/ldconfig',
    ]);
  });
});
