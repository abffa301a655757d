import assert from "node:assert/strict";
import { gpuDecision, hookConfig, req, type Wants } from "./_builders.ts";
import { type ArgvOptions, buildArgv } from "../lib/build_argv.ts";
import { parseCapabilities } from "../lib/capabilities.ts";
import { defaultHookConfig, type HookConfig } from "../lib/hook_config.ts";
import { InputError } from "../lib/errors.ts";
import { throwsExactly } from "./_assert.ts";

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
  requirements: [
    req("cuda>=11.0 brand=tesla", "NVIDIA_REQUIRE_CUDA"),
    req("driver>=450", "NVIDIA_REQUIRE_DRIVER"),
  ],
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
    "--compute",
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
        "--compute",
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
          "--compute",
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
        [
          CLI,
          "--load-kmods",
          "configure",
          ...expected,
          "--compute",
          "--utility",
          "--pid=4242",
          "/b/rootfs",
        ],
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
  await t.step("all seven, sorted by name as parseCapabilities() gives them", () => {
    assert.deepEqual(
      buildArgv(
        defaultHookConfig(),
        decision({
          capabilities: parseCapabilities("all", false),
        }),
        OPTIONS,
      ),
      [
        CLI,
        "--load-kmods",
        "configure",
        "--device=all",
        "--compat32",
        "--compute",
        "--display",
        "--graphics",
        "--ngx",
        "--utility",
        "--video",
        "--pid=4242",
        "/b/rootfs",
      ],
    );
  });
  await t.step("the default compute,utility", () => {
    assert.deepEqual(
      buildArgv(
        defaultHookConfig(),
        decision({ capabilities: parseCapabilities(undefined, false) }),
        OPTIONS,
      ),
      [
        CLI,
        "--load-kmods",
        "configure",
        "--device=all",
        "--compute",
        "--utility",
        "--pid=4242",
        "/b/rootfs",
      ],
    );
  });
  await t.step("the decision's order passed as given; requirements in order", () => {
    assert.deepEqual(
      buildArgv(
        defaultHookConfig(),
        decision({
          capabilities: ["ngx", "compute"],
          requirements: [
            req("b", "NVIDIA_REQUIRE_B"),
            req("a", "NVIDIA_REQUIRE_A"),
            req("cuda>=9.0", "CUDA_VERSION"),
          ],
        }),
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
          "--compute",
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
    decision({
      requirements: [req("cuda>=11.0 brand=tesla", "NVIDIA_REQUIRE_CUDA"), req("$(id)", "X")],
    }),
    { cliPath: "/opt/my cli", debugFlag: false, pid: 2147483647, rootfs: "/b/root fs" },
  );
  assert.deepEqual(argv, [
    "/opt/my cli",
    "--load-kmods",
    "--ldcache=/x;rm -rf /",
    "--user=a b",
    "configure",
    "--device=all",
    "--compute",
    "--utility",
    "--require=cuda>=11.0 brand=tesla",
    "--require=$(id)",
    "--pid=2147483647",
    "/b/root fs",
  ]);
});

Deno.test("buildArgv() puts every option at once in the order of SPEC 6.2", () => {
  const config = hookConfig({
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
  }, {
    runtime: { cudaCompatMode: "ldconfig" },
    features: { disableImexChannelCreation: true, ignoreImexChannelRequests: false },
  });
  const full = decision({
    ...FULL_DECISION,
    imexChannels: { kind: "list", ids: ["0", "3"] },
    imexSource: "env",
  });
  const expected = [
    CLI,
    "--root=/run/nvidia/driver",
    "--load-kmods",
    "--no-create-imex-channels",
    "--no-pivot",
    "--debug=/var/log/nvidia-container-toolkit.log",
    "--ldcache=/etc/ld.so.cache",
    "--user=root:video",
    "configure",
    "--cuda-compat-mode=ldconfig",
    "--ldconfig=@/sbin/ldconfig",
    "--no-cgroups",
    "--device=0,GPU-abc",
    "--mig-config=0",
    "--mig-monitor=all",
    "--imex-channel=0,3",
    "--compute",
    "--utility",
    "--video",
    "--require=cuda>=11.0 brand=tesla",
    "--require=driver>=450",
    "--pid=4242",
    "/b/rootfs",
  ];
  const options = { ...OPTIONS, compatOption: "--cuda-compat-mode=ldconfig" };
  assert.deepEqual(buildArgv(config, full, options), expected);
  expected[5] = "--debug=/dev/stderr";
  assert.deepEqual(buildArgv(config, full, { ...options, debugFlag: true }), expected);
});

Deno.test("buildArgv() passes the compat option as given, right after configure", async (t) => {
  const table: [string | undefined, string[]][] = [
    [undefined, []],
    ["--cuda-compat-mode=ldconfig", ["--cuda-compat-mode=ldconfig"]],
    ["--cuda-compat-mode=disabled", ["--cuda-compat-mode=disabled"]],
    ["--no-cntlibs", ["--no-cntlibs"]],
  ];
  // Whatever the config's own mode: the option alone decides.
  const modes = [undefined, "", "ldconfig", "mount", "disabled", "hook"] as const;
  for (const [compatOption, expected] of table) {
    await t.step(String(compatOption), () => {
      for (const cudaCompatMode of modes) {
        const cfg = hookConfig({ ldconfig: "@/sbin/ldconfig", noCgroups: true }, {
          runtime: { cudaCompatMode },
        });
        assert.deepEqual(buildArgv(cfg, decision(), { ...OPTIONS, compatOption }), [
          CLI,
          "--load-kmods",
          "configure",
          ...expected,
          "--ldconfig=@/sbin/ldconfig",
          "--no-cgroups",
          "--device=all",
          "--compute",
          "--utility",
          "--pid=4242",
          "/b/rootfs",
        ]);
      }
    });
  }
});

Deno.test("buildArgv() passes each [later] option only when set", async (t) => {
  const table: [string, HookConfig, Partial<Wants>, string[], string[]][] = [
    ["nothing", hookConfig({ loadKmods: false }), {}, [], []],
    [
      "features.disable-imex-channel-creation",
      hookConfig({ loadKmods: false }, { features: { disableImexChannelCreation: true } }),
      {},
      ["--no-create-imex-channels"],
      [],
    ],
    [
      "features.ignore-imex-channel-requests alone passes nothing",
      hookConfig({ loadKmods: false }, { features: { ignoreImexChannelRequests: true } }),
      {},
      [],
      [],
    ],
    [
      "cuda-compat-mode and the compat features pass nothing (cudaCompatOption decides)",
      hookConfig({ loadKmods: false }, {
        runtime: { cudaCompatMode: "mount" },
        cliVersion: { major: 1, minor: 17, patch: 7 },
        features: { allowCudaCompatLibsFromContainer: true, allowLdconfigFromContainer: true },
      }),
      {},
      [],
      [],
    ],
    [
      "mode, skip-mode-detection and the accept keys pass nothing",
      hookConfig({ loadKmods: false }, {
        runtime: { mode: "legacy" },
        skipModeDetection: true,
        acceptDeviceListAsVolumeMounts: true,
        acceptEnvvarUnprivileged: false,
        swarmResource: ["A"],
        supportedDriverCapabilities: ["utility"],
      }),
      {},
      [],
      [],
    ],
    [
      "--no-create-imex-channels after --load-kmods, before --no-pivot",
      hookConfig({ noPivot: true }, { features: { disableImexChannelCreation: true } }),
      {},
      ["--load-kmods", "--no-create-imex-channels", "--no-pivot"],
      [],
    ],
  ];
  for (const [name, config, fields, global, configure] of table) {
    await t.step(name, () => {
      assert.deepEqual(buildArgv(config, decision(fields), OPTIONS), [
        CLI,
        ...global,
        "configure",
        ...configure,
        "--device=all",
        "--compute",
        "--utility",
        "--pid=4242",
        "/b/rootfs",
      ]);
    });
  }
});

Deno.test("buildArgv() turns the IMEX request into --imex-channel after MIG, before capabilities", async (t) => {
  const table: [Wants["imexChannels"], string[]][] = [
    [{ kind: "none" }, []],
    // The CLI refuses --imex-channel=all: all asks for no channel.
    [{ kind: "all" }, []],
    [{ kind: "list", ids: ["0"] }, ["--imex-channel=0"]],
    [{ kind: "list", ids: ["3", "1"] }, ["--imex-channel=3,1"]],
  ];
  for (const [imexChannels, expected] of table) {
    await t.step(JSON.stringify(imexChannels), () => {
      assert.deepEqual(
        buildArgv(
          defaultHookConfig(),
          decision({ imexChannels, imexSource: "env", migMonitor: "0", privileged: true }),
          OPTIONS,
        ),
        [
          CLI,
          "--load-kmods",
          "configure",
          "--device=all",
          "--mig-monitor=0",
          ...expected,
          "--compute",
          "--utility",
          "--pid=4242",
          "/b/rootfs",
        ],
      );
    });
  }
});

Deno.test("buildArgv() JSDoc example", () => {
  assert.deepEqual(
    buildArgv(defaultHookConfig(), decision({ devices: { kind: "list", ids: ["0"] } }), {
      cliPath: "/usr/bin/nvidia-container-cli",
      debugFlag: false,
      pid: 42,
      rootfs: "/b/rootfs",
    }),
    [
      "/usr/bin/nvidia-container-cli",
      "--load-kmods",
      "configure",
      "--device=0",
      "--compute",
      "--utility",
      "--pid=42",
      "/b/rootfs",
    ],
  );
});

Deno.test("buildArgv() refuses a value holding a NUL byte, naming the option", async (t) => {
  const table: [string, HookConfig, Wants, ArgvOptions, string][] = [
    [
      "device",
      config(),
      decision({ devices: { kind: "list", ids: ["0\u0000--no-cgroups"] } }),
      OPTIONS,
      "Cannot pass --device to nvidia-container-cli: its value holds a NUL byte",
    ],
    [
      "requirement",
      config(),
      decision({ requirements: [req("cuda>=12\u0000", "NVIDIA_REQUIRE_CUDA")] }),
      OPTIONS,
      "Cannot pass --require to nvidia-container-cli: its value holds a NUL byte",
    ],
    [
      "config user",
      config({ user: "root\u0000" }),
      decision(),
      OPTIONS,
      "Cannot pass --user to nvidia-container-cli: its value holds a NUL byte",
    ],
    [
      "rootfs",
      config(),
      decision(),
      { ...OPTIONS, rootfs: "/b/root\u0000fs" },
      "Cannot pass the rootfs or CLI path to nvidia-container-cli: its value holds a NUL byte",
    ],
  ];
  for (const [name, cfg, dec, opts, message] of table) {
    await t.step(name, () => {
      throwsExactly(() => buildArgv(cfg, dec, opts), message, InputError);
    });
  }
});

Deno.test("buildArgv() writes --pid=PID when there is no pid (explain --bundle)", () => {
  const argv = buildArgv(config(), decision(), { ...OPTIONS, pid: "PID" });
  assert.deepEqual(argv.slice(-2), ["--pid=PID", "/b/rootfs"]);
});
