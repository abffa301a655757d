import assert from "node:assert/strict";
import { gpuDecision, hookConfig, type Wants } from "./_builders.ts";
import { type ArgvOptions, buildArgv } from "../lib/build_argv.ts";
import { defaultHookConfig, type HookConfig } from "../lib/hook_config.ts";

const CLI = "/usr/bin/nvidia-container-cli";
const OPTIONS: ArgvOptions = { cliPath: CLI, debugFlag: false, pid: 4242, rootfs: "/b/rootfs" };

const decision = gpuDecision;
const config = (cli: Partial<HookConfig["cli"]> = {}): HookConfig => hookConfig(cli);

const FULL = config({
  root: "/run/nvidia/driver",
  path: "/opt/cli",
  environment: ["A=1"],
  debug: "/var/log/nvidia-container-toolkit.log",
  ldcache: "/etc/ld.so.cache",
  loadKmods: true,
  noPivot: true,
  noCgroups: true,
  user: "root:video",
  ldconfig: "@/sbin/ldconfig",
});

const FULL_DECISION = decision({
  privileged: true,
  devices: { kind: "list", ids: ["0", "GPU-abc"] },
  migConfig: "0",
  migMonitor: "all",
  capabilities: ["compute", "utility", "video"],
  requirements: ["cuda>=11.0 brand=tesla", "driver>=450"],
});

Deno.test("buildArgv() puts every option in the 2020 order", () => {
  assert.deepEqual(buildArgv(FULL, FULL_DECISION, OPTIONS), [
    CLI,
    "--root=/run/nvidia/driver",
    "--load-kmods",
    "--no-pivot",
    "--debug=/var/log/nvidia-container-toolkit.log",
    "--ldcache=/etc/ld.so.cache",
    "--user=root:video",
    "configure",
    "--ldconfig=@/sbin/ldconfig",
    "--no-cgroups",
    "--device=0,GPU-abc",
    "--mig-config=0",
    "--mig-monitor=all",
    "--compute",
    "--utility",
    "--video",
    "--require=cuda>=11.0 brand=tesla",
    "--require=driver>=450",
    "--pid=4242",
    "/b/rootfs",
  ]);
});

Deno.test("buildArgv() with the default config", () => {
  assert.deepEqual(buildArgv(defaultHookConfig(), decision(), OPTIONS), [
    CLI,
    "--load-kmods",
    "configure",
    "--device=all",
    "--utility",
    "--pid=4242",
    "/b/rootfs",
  ]);
});

Deno.test("buildArgv() passes each config option only when set", async (t) => {
  const table: [Partial<HookConfig["cli"]>, string[], string[]][] = [
    [{ loadKmods: false }, [], []],
    [{ loadKmods: false, root: "/r" }, ["--root=/r"], []],
    [{ loadKmods: false, noPivot: true }, ["--no-pivot"], []],
    [{ loadKmods: false, debug: "/tmp/d.log" }, ["--debug=/tmp/d.log"], []],
    [{ loadKmods: false, ldcache: "/tmp/ld.so.cache" }, ["--ldcache=/tmp/ld.so.cache"], []],
    [{ loadKmods: false, user: "1000:1000" }, ["--user=1000:1000"], []],
    [{ loadKmods: false, ldconfig: "/sbin/ldconfig" }, [], ["--ldconfig=/sbin/ldconfig"]],
    [{ loadKmods: false, noCgroups: true }, [], ["--no-cgroups"]],
    [{ loadKmods: true }, ["--load-kmods"], []],
    [
      {
        loadKmods: false,
        path: "/x/cli",
        environment: ["A=1"],
        alphaMergeVisibleDevicesEnvvars: true,
      },
      [],
      [],
    ],
  ];
  for (const [cli, global, configure] of table) {
    await t.step(JSON.stringify(cli), () => {
      assert.deepEqual(buildArgv(config(cli), decision(), OPTIONS), [
        CLI,
        ...global,
        "configure",
        ...configure,
        "--device=all",
        "--utility",
        "--pid=4242",
        "/b/rootfs",
      ]);
    });
  }
});

Deno.test("buildArgv() lets the -debug flag override the config's debug", async (t) => {
  const table: [string | undefined, boolean, string[]][] = [
    [undefined, false, []],
    [undefined, true, ["--debug=/dev/stderr"]],
    ["/var/log/d.log", false, ["--debug=/var/log/d.log"]],
    ["/var/log/d.log", true, ["--debug=/dev/stderr"]],
  ];
  for (const [debug, debugFlag, expected] of table) {
    await t.step(`debug=${debug} -debug=${debugFlag}`, () => {
      assert.deepEqual(
        buildArgv(config({ debug, ldcache: "/c" }), decision(), { ...OPTIONS, debugFlag }),
        [
          CLI,
          "--load-kmods",
          ...expected,
          "--ldcache=/c",
          "configure",
          "--device=all",
          "--utility",
          "--pid=4242",
          "/b/rootfs",
        ],
      );
    });
  }
});

Deno.test("buildArgv() turns the device request into --device", async (t) => {
  const table: [Wants["devices"], string[]][] = [
    [{ kind: "all" }, ["--device=all"]],
    [{ kind: "none" }, []],
    [{ kind: "list", ids: ["0"] }, ["--device=0"]],
    [{ kind: "list", ids: ["1", "0", "MIG-GPU-x/1/0"] }, ["--device=1,0,MIG-GPU-x/1/0"]],
  ];
  for (const [devices, expected] of table) {
    await t.step(JSON.stringify(devices), () => {
      assert.deepEqual(
        buildArgv(defaultHookConfig(), decision({ devices }), OPTIONS),
        [CLI, "--load-kmods", "configure", ...expected, "--utility", "--pid=4242", "/b/rootfs"],
      );
    });
  }
});

Deno.test("buildArgv() gives one option per capability and requirement, in order", async (t) => {
  await t.step("no capability, no requirement", () => {
    assert.deepEqual(
      buildArgv(defaultHookConfig(), decision({ capabilities: [] }), OPTIONS),
      [CLI, "--load-kmods", "configure", "--device=all", "--pid=4242", "/b/rootfs"],
    );
  });
  await t.step("all seven in canonical order", () => {
    assert.deepEqual(
      buildArgv(
        defaultHookConfig(),
        decision({
          capabilities: ["compute", "compat32", "graphics", "utility", "video", "display", "ngx"],
        }),
        OPTIONS,
      ),
      [
        CLI,
        "--load-kmods",
        "configure",
        "--device=all",
        "--compute",
        "--compat32",
        "--graphics",
        "--utility",
        "--video",
        "--display",
        "--ngx",
        "--pid=4242",
        "/b/rootfs",
      ],
    );
  });
  await t.step("user order kept", () => {
    assert.deepEqual(
      buildArgv(
        defaultHookConfig(),
        decision({ capabilities: ["ngx", "compute"], requirements: ["b", "a", "cuda>=9.0"] }),
        OPTIONS,
      ),
      [
        CLI,
        "--load-kmods",
        "configure",
        "--device=all",
        "--ngx",
        "--compute",
        "--require=b",
        "--require=a",
        "--require=cuda>=9.0",
        "--pid=4242",
        "/b/rootfs",
      ],
    );
  });
});

Deno.test("buildArgv() passes MIG options only when set", async (t) => {
  const table: [string | undefined, string | undefined, string[]][] = [
    [undefined, undefined, []],
    ["all", undefined, ["--mig-config=all"]],
    [undefined, "0,1", ["--mig-monitor=0,1"]],
    ["0", "1", ["--mig-config=0", "--mig-monitor=1"]],
  ];
  for (const [migConfig, migMonitor, expected] of table) {
    await t.step(`config=${migConfig} monitor=${migMonitor}`, () => {
      assert.deepEqual(
        buildArgv(
          defaultHookConfig(),
          decision({ migConfig, migMonitor, privileged: true }),
          OPTIONS,
        ),
        [
          CLI,
          "--load-kmods",
          "configure",
          "--device=all",
          ...expected,
          "--utility",
          "--pid=4242",
          "/b/rootfs",
        ],
      );
    });
  }
});

Deno.test("buildArgv() keeps values with spaces or shell characters as single elements", () => {
  const argv = buildArgv(
    config({ user: "a b", ldcache: "/x;rm -rf /" }),
    decision({ requirements: ["cuda>=11.0 brand=tesla", "$(id)"] }),
    { cliPath: "/opt/my cli", debugFlag: false, pid: 2147483647, rootfs: "/b/root fs" },
  );
  assert.deepEqual(argv, [
    "/opt/my cli",
    "--load-kmods",
    "--ldcache=/x;rm -rf /",
    "--user=a b",
    "configure",
    "--device=all",
    "--utility",
    "--require=cuda>=11.0 brand=tesla",
    "--require=$(id)",
    "--pid=2147483647",
    "/b/root fs",
  ]);
});
