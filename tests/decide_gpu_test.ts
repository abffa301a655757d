import assert from "node:assert/strict";
import { throwsExactly } from "./_assert.ts";
import { envSource, gpuDecision, hookConfig, req, type TopPatch, type Wants } from "./_builders.ts";
import type { Capability } from "../lib/capabilities.ts";
import {
  decideGpu,
  type GpuDecision,
  IMEX_CHANNELS,
  isLegacy,
  MAX_REQUIREMENTS,
  mergeVisibleDevices,
  VISIBLE_DEVICES,
} from "../lib/decide_gpu.ts";
import { parseEnv } from "../lib/env_map.ts";
import { InputError, PolicyError } from "../lib/errors.ts";
import type { HookConfig } from "../lib/hook_config.ts";
import type { Mount } from "../lib/parse_spec.ts";

const ALL_CAPS: Capability[] = [
  "compute",
  "compat32",
  "graphics",
  "utility",
  "video",
  "display",
  "ngx",
];
/** The seven sorted by name, as decisions carry them (the order of the CLI options). */
const SORTED_CAPS: Capability[] = [
  "compat32",
  "compute",
  "display",
  "graphics",
  "ngx",
  "utility",
  "video",
];
const CAPS_LIST = "compute, compat32, graphics, utility, video, display, ngx";
const NOT_SET = { wantsGpu: false, reason: "NVIDIA_VISIBLE_DEVICES is not set" } as const;
const GATE = "accept-nvidia-visible-devices-envvar-when-unprivileged";
const VAR_RUN = "/var/run/nvidia-container-devices";
const RUN = "/run/nvidia-container-devices";

function env(...entries: string[]): Map<string, string> {
  return new Map(parseEnv(entries, "/b/config.json"));
}

function config(
  options: { swarm?: string[]; merge?: boolean; disableRequire?: boolean } = {},
): HookConfig {
  return hookConfig({ alphaMergeVisibleDevicesEnvvars: options.merge ?? false }, {
    disableRequire: options.disableRequire ?? false,
    swarmResource: options.swarm ?? [],
  });
}

/** The default config with top-level, `runtime` and `features` fields replaced. */
const top = (patch: TopPatch): HookConfig => hookConfig({}, patch);

/** Device mounts are read. */
const MOUNTS_ON = top({ acceptDeviceListAsVolumeMounts: true });

function decide(entries: string[], privileged = false, c: HookConfig = config()): GpuDecision {
  return decideGpu({ env: env(...entries), privileged }, c);
}

function decideWith(
  entries: string[],
  mounts: Mount[],
  c: HookConfig,
  privileged = false,
): GpuDecision {
  return decideGpu({ env: env(...entries), privileged, mounts }, c);
}

const devNull = (destination: string): Mount => ({ source: "/dev/null", destination });

function voided(source: string): GpuDecision {
  return { wantsGpu: false, reason: `${source} requests no device (empty or "void")` };
}

/** Asserts that the container wants no GPU and that the reason names each of `words`. */
function assertNoGpu(decision: GpuDecision, ...words: string[]): void {
  assert.equal(decision.wantsGpu, false, JSON.stringify(decision));
  if (decision.wantsGpu) return;
  for (const word of words) {
    assert.ok(decision.reason.includes(word), `${JSON.stringify(decision.reason)} lacks ${word}`);
  }
}

/** Asserts a GPU decision and returns it. */
function wants(decision: GpuDecision): Wants {
  assert.equal(decision.wantsGpu, true, JSON.stringify(decision));
  return decision as Wants;
}

const gpu = (fields: Partial<Wants>): GpuDecision => gpuDecision(fields);

/** A legacy image without NVIDIA_VISIBLE_DEVICES: all devices, all capabilities, cuda>=. */
function legacyGpu(cuda: string, fields: Partial<Wants> = {}): GpuDecision {
  return gpuDecision({
    source: { kind: "legacy" },
    legacy: true,
    capabilities: SORTED_CAPS,
    capabilitySource: "legacy-default",
    requirements: [req(cuda, "CUDA_VERSION")],
    ...fields,
  });
}

function capabilityError(name: string): string {
  return `Unknown driver capability ${JSON.stringify(name)} in NVIDIA_DRIVER_CAPABILITIES;` +
    ` expected "all" or a comma-separated list of ${CAPS_LIST}`;
}

function unsupportedError(name: string, supported: string): string {
  return `Driver capability ${JSON.stringify(name)} in NVIDIA_DRIVER_CAPABILITIES is not` +
    ` supported on this host (supported-driver-capabilities: ${supported})`;
}

function cudaError(value: string): string {
  return `Invalid CUDA_VERSION ${JSON.stringify(value)}:` +
    ` expected [v]MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD] with decimal numbers`;
}

function migError(name: string): string {
  return `Cannot set ${name} in an unprivileged container (CAP_SYS_ADMIN is not in its bounding set)`;
}

const ADVICE = "use the NVIDIA Container Runtime (--runtime=nvidia) or CDI instead";

function modeError(mode: string): string {
  return `Cannot serve nvidia-container-runtime.mode ${JSON.stringify(mode)}: the hook serves` +
    ` only "auto" and "legacy"; ${ADVICE}`;
}

function cdiError(value: string): string {
  return `Cannot serve CDI device names (${JSON.stringify(value)}) in mode "auto": ${ADVICE}`;
}

// --- 5.4 legacy images ---

Deno.test("isLegacy() needs a non-empty CUDA_VERSION and no NVIDIA_REQUIRE_CUDA", async (t) => {
  const table: [string[], boolean][] = [
    [[], false],
    [["CUDA_VERSION=9.0"], true],
    [["CUDA_VERSION=9.0", "NVIDIA_REQUIRE_CUDA="], true],
    [["CUDA_VERSION=9.0", "NVIDIA_REQUIRE_CUDA=cuda>=9.0"], false],
    [["CUDA_VERSION="], false],
    [["CUDA_VERSION=", "NVIDIA_REQUIRE_CUDA=cuda>=9.0"], false],
    [["NVIDIA_REQUIRE_CUDA=cuda>=9.0"], false],
    [["CUDA_VERSION=garbage"], true],
    [["CUDA_VERSION= "], true],
    [["cuda_version=9.0"], false],
    [["CUDA_VERSION=9.0", "NVIDIA_REQUIRE_DRIVER=driver>=384"], true],
  ];
  for (const [entries, expected] of table) {
    await t.step(JSON.stringify(entries), () => {
      assert.equal(isLegacy(env(...entries)), expected);
    });
  }
});

// --- 5.5 devices ---

Deno.test("decideGpu() finds no GPU request when NVIDIA_VISIBLE_DEVICES is absent", async (t) => {
  const table = [
    [],
    ["PATH=/bin"],
    ["NVIDIA_DRIVER_CAPABILITIES=all"],
    ["nvidia_visible_devices=all"],
    ["NVIDIA_VISIBLE_DEVICES_0=all"],
    ["CUDA_VERSION=", "NVIDIA_REQUIRE_CUDA=cuda>=11.0"],
  ];
  for (const entries of table) {
    await t.step(JSON.stringify(entries), () => {
      assert.deepEqual(decide(entries), NOT_SET);
      assert.deepEqual(decide(entries, true), NOT_SET);
    });
  }
});

Deno.test("decideGpu() finds no GPU request in an empty list or a void item", async (t) => {
  for (
    const value of [
      "",
      " ",
      ",",
      " , ,",
      "void",
      " void ",
      "0,void",
      "void,all",
      "all,void",
      "none,void",
      "all,none,void",
      "none,all,void",
      "0,all, void",
    ]
  ) {
    await t.step(JSON.stringify(value), () => {
      assert.deepEqual(decide([`NVIDIA_VISIBLE_DEVICES=${value}`]), voided(VISIBLE_DEVICES));
      assert.deepEqual(
        decide([`NVIDIA_VISIBLE_DEVICES=${value}`, "CUDA_VERSION=9.0"]),
        voided(VISIBLE_DEVICES),
      );
    });
  }
});

Deno.test("decideGpu() reads the device list", async (t) => {
  const table: [string, Wants["devices"]][] = [
    ["all", { kind: "all" }],
    [" all ", { kind: "all" }],
    ["0,all", { kind: "all" }],
    ["all,none", { kind: "all" }],
    ["0,all,none", { kind: "all" }],
    ["none,all", { kind: "none" }],
    ["0,none,all", { kind: "none" }],
    ["none", { kind: "none" }],
    ["0,none", { kind: "none" }],
    ["none,,", { kind: "none" }],
    ["0", { kind: "list", ids: ["0"] }],
    ["0,1", { kind: "list", ids: ["0", "1"] }],
    [" 1 , 0 ,,1, 0", { kind: "list", ids: ["1", "0"] }],
    ["ALL", { kind: "list", ids: ["ALL"] }],
    ["None,Void", { kind: "list", ids: ["None", "Void"] }],
    [
      "GPU-3a5e1c1a-0000-1111-2222-333344445555,MIG-GPU-3a5e1c1a/1/0",
      {
        kind: "list",
        ids: ["GPU-3a5e1c1a-0000-1111-2222-333344445555", "MIG-GPU-3a5e1c1a/1/0"],
      },
    ],
    ["0:1", { kind: "list", ids: ["0:1"] }],
  ];
  for (const [value, devices] of table) {
    await t.step(JSON.stringify(value), () => {
      assert.deepEqual(decide([`NVIDIA_VISIBLE_DEVICES=${value}`]), gpu({ devices }));
    });
  }
});

Deno.test("decideGpu() echoes whether the container is privileged", () => {
  assert.deepEqual(
    decide(["NVIDIA_VISIBLE_DEVICES=0"], true),
    gpu({
      privileged: true,
      devices: { kind: "list", ids: ["0"] },
    }),
  );
});

Deno.test("decideGpu() gives a legacy image all devices when NVIDIA_VISIBLE_DEVICES is absent", () => {
  assert.deepEqual(
    decide(["CUDA_VERSION=9.0.176"]),
    legacyGpu("cuda>=9.0"),
  );
});

Deno.test("decideGpu() reads NVIDIA_VISIBLE_DEVICES of a legacy image", async (t) => {
  const table: [string, Wants["devices"]][] = [
    ["all", { kind: "all" }],
    ["none", { kind: "none" }],
    ["1", { kind: "list", ids: ["1"] }],
  ];
  for (const [value, devices] of table) {
    await t.step(value, () => {
      assert.deepEqual(
        decide(["CUDA_VERSION=8.0", `NVIDIA_VISIBLE_DEVICES=${value}`]),
        legacyGpu("cuda>=8.0", { source: envSource(), devices }),
      );
    });
  }
});

// --- 5.3 swarm-resource (2020: one variable name) ---

Deno.test("decideGpu() prefers the swarm-resource variable when present", async (t) => {
  const c = config({ swarm: ["DOCKER_RESOURCE_GPU"] });
  const table: [string[], GpuDecision][] = [
    [
      ["NVIDIA_VISIBLE_DEVICES=1", "DOCKER_RESOURCE_GPU=0"],
      gpu({ source: envSource("DOCKER_RESOURCE_GPU"), devices: { kind: "list", ids: ["0"] } }),
    ],
    [
      ["DOCKER_RESOURCE_GPU=GPU-a,GPU-b"],
      gpu({
        source: envSource("DOCKER_RESOURCE_GPU"),
        devices: { kind: "list", ids: ["GPU-a", "GPU-b"] },
      }),
    ],
    [["DOCKER_RESOURCE_GPU=", "NVIDIA_VISIBLE_DEVICES=all"], voided("DOCKER_RESOURCE_GPU")],
    [["DOCKER_RESOURCE_GPU=void", "NVIDIA_VISIBLE_DEVICES=all"], voided("DOCKER_RESOURCE_GPU")],
    [["DOCKER_RESOURCE_GPU=", "CUDA_VERSION=9.0"], voided("DOCKER_RESOURCE_GPU")],
    [
      ["DOCKER_RESOURCE_GPU=all", "NVIDIA_VISIBLE_DEVICES=void"],
      gpu({ source: envSource("DOCKER_RESOURCE_GPU") }),
    ],
    [["NVIDIA_VISIBLE_DEVICES=1"], gpu({ devices: { kind: "list", ids: ["1"] } })],
    [["NVIDIA_VISIBLE_DEVICES="], voided(VISIBLE_DEVICES)],
    [["docker_resource_gpu=0"], NOT_SET],
    [[], NOT_SET],
    [["CUDA_VERSION=9.0"], legacyGpu("cuda>=9.0")],
  ];
  for (const [entries, expected] of table) {
    await t.step(JSON.stringify(entries), () => {
      assert.deepEqual(decide(entries, false, c), expected);
    });
  }
});

Deno.test("decideGpu() ignores the swarm variable when swarm-resource is unset", () => {
  assert.deepEqual(decide(["DOCKER_RESOURCE_GPU=0"]), NOT_SET);
  assert.deepEqual(
    decide(["DOCKER_RESOURCE_GPU=0", "NVIDIA_VISIBLE_DEVICES=1"]),
    gpu({ devices: { kind: "list", ids: ["1"] } }),
  );
});

// --- 5.2 alpha merge ---

Deno.test("mergeVisibleDevices() joins NVIDIA_VISIBLE_DEVICES_* in process.env order", async (t) => {
  const table: [string[], string | undefined][] = [
    [["NVIDIA_VISIBLE_DEVICES_B=1", "NVIDIA_VISIBLE_DEVICES_A=0"], "1,0"],
    [
      ["NVIDIA_VISIBLE_DEVICES_A=0", "NVIDIA_VISIBLE_DEVICES=5", "NVIDIA_VISIBLE_DEVICES_B=1"],
      "0,1",
    ],
    [["NVIDIA_VISIBLE_DEVICES_=2"], "2"],
    [["NVIDIA_VISIBLE_DEVICES_=2", "NVIDIA_VISIBLE_DEVICES_X=3"], "2,3"],
    [
      ["NVIDIA_VISIBLE_DEVICES_B=1", "NVIDIA_VISIBLE_DEVICES_A=0", "NVIDIA_VISIBLE_DEVICES_B=3"],
      "3,0",
    ],
    [["NVIDIA_VISIBLE_DEVICES_A=", "NVIDIA_VISIBLE_DEVICES_B=1"], ",1"],
    [["NVIDIA_VISIBLE_DEVICES=5"], "5"],
    [["NVIDIA_VISIBLE_DEVICESX=1", "NVIDIA_VISIBLE_DEVICES=5"], "5"],
    [["nvidia_visible_devices_a=1"], undefined],
    [[], undefined],
  ];
  for (const [entries, expected] of table) {
    await t.step(JSON.stringify(entries), () => {
      assert.equal(mergeVisibleDevices(env(...entries)).get(VISIBLE_DEVICES), expected);
    });
  }
});

Deno.test("mergeVisibleDevices() leaves its input unchanged", () => {
  const input = env("NVIDIA_VISIBLE_DEVICES=5", "NVIDIA_VISIBLE_DEVICES_A=0");
  const merged = mergeVisibleDevices(input);
  assert.equal(merged.get(VISIBLE_DEVICES), "0");
  assert.equal(input.get(VISIBLE_DEVICES), "5");
  assert.equal(merged.get("NVIDIA_VISIBLE_DEVICES_A"), "0");
});

Deno.test("decideGpu() merges NVIDIA_VISIBLE_DEVICES_* only when configured", async (t) => {
  const merge = config({ merge: true });
  await t.step("off: suffixed variables are ignored", () => {
    assert.deepEqual(decide(["NVIDIA_VISIBLE_DEVICES_A=0"]), NOT_SET);
    assert.deepEqual(
      decide(["NVIDIA_VISIBLE_DEVICES_A=0", "NVIDIA_VISIBLE_DEVICES=1"]),
      gpu({ devices: { kind: "list", ids: ["1"] } }),
    );
  });
  const table: [string[], GpuDecision][] = [
    [
      ["NVIDIA_VISIBLE_DEVICES_B=1", "NVIDIA_VISIBLE_DEVICES=5", "NVIDIA_VISIBLE_DEVICES_A=0"],
      gpu({ devices: { kind: "list", ids: ["1", "0"] } }),
    ],
    [["NVIDIA_VISIBLE_DEVICES_=2"], gpu({ devices: { kind: "list", ids: ["2"] } })],
    [["NVIDIA_VISIBLE_DEVICES=3"], gpu({ devices: { kind: "list", ids: ["3"] } })],
    [
      ["NVIDIA_VISIBLE_DEVICES_A=", "NVIDIA_VISIBLE_DEVICES_B=1"],
      gpu({ devices: { kind: "list", ids: ["1"] } }),
    ],
    [["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_VISIBLE_DEVICES_A="], voided(VISIBLE_DEVICES)],
    [["NVIDIA_VISIBLE_DEVICES_A=0", "NVIDIA_VISIBLE_DEVICES_B=void"], voided(VISIBLE_DEVICES)],
    [["NVIDIA_VISIBLE_DEVICES_A=0", "NVIDIA_VISIBLE_DEVICES_B=all"], gpu({})],
    [
      ["NVIDIA_VISIBLE_DEVICES_A=1", "NVIDIA_VISIBLE_DEVICES_B=1"],
      gpu({ devices: { kind: "list", ids: ["1"] } }),
    ],
    [
      ["CUDA_VERSION=9.0", "NVIDIA_VISIBLE_DEVICES_A=2"],
      legacyGpu("cuda>=9.0", { source: envSource(), devices: { kind: "list", ids: ["2"] } }),
    ],
  ];
  for (const [entries, expected] of table) {
    await t.step(JSON.stringify(entries), () => {
      assert.deepEqual(decide(entries, false, merge), expected);
    });
  }
  await t.step("swarm variable still wins over merged devices", () => {
    assert.deepEqual(
      decide(
        ["NVIDIA_VISIBLE_DEVICES_A=0", "DOCKER_RESOURCE_GPU=7"],
        false,
        config({ merge: true, swarm: ["DOCKER_RESOURCE_GPU"] }),
      ),
      gpu({ source: envSource("DOCKER_RESOURCE_GPU"), devices: { kind: "list", ids: ["7"] } }),
    );
  });
});

// --- 5.6 driver capabilities ---

Deno.test("decideGpu() reads NVIDIA_DRIVER_CAPABILITIES, sorted by name", async (t) => {
  const table: [string | undefined, Capability[]][] = [
    [undefined, ["compute", "utility"]],
    ["", ["compute", "utility"]],
    [" ", []],
    [",", []],
    [" , ,", []],
    ["all", SORTED_CAPS],
    [" all ", SORTED_CAPS],
    ["compute,all", SORTED_CAPS],
    ["compute", ["compute"]],
    ["utility", ["utility"]],
    ["compute,utility", ["compute", "utility"]],
    ["utility,compute", ["compute", "utility"]],
    ["utility, compute ,utility", ["compute", "utility"]],
    ["compute,,video", ["compute", "video"]],
    ["video,graphics,compat32", ["compat32", "graphics", "video"]],
    [",ngx", ["ngx"]],
    ["ngx,display,video,utility,graphics,compat32,compute", SORTED_CAPS],
    ["compute,compat32,graphics,utility,video,display,ngx", SORTED_CAPS],
  ];
  for (const [value, capabilities] of table) {
    await t.step(value === undefined ? "absent" : JSON.stringify(value), () => {
      const entries = ["NVIDIA_VISIBLE_DEVICES=all"];
      if (value !== undefined) entries.push(`NVIDIA_DRIVER_CAPABILITIES=${value}`);
      const capabilitySource = value === undefined ? "default" : "env";
      assert.deepEqual(decide(entries), gpu({ capabilities, capabilitySource }));
    });
  }
});

Deno.test("decideGpu() gives a legacy image all capabilities only when the variable is absent", async (t) => {
  const table: [string | undefined, Capability[]][] = [
    [undefined, SORTED_CAPS],
    ["", ["compute", "utility"]],
    [",", []],
    [" ", []],
    ["video", ["video"]],
    ["video,compute", ["compute", "video"]],
    ["all", SORTED_CAPS],
  ];
  for (const [value, capabilities] of table) {
    await t.step(value === undefined ? "absent" : JSON.stringify(value), () => {
      const entries = ["CUDA_VERSION=10.1"];
      if (value !== undefined) entries.push(`NVIDIA_DRIVER_CAPABILITIES=${value}`);
      const capabilitySource = value === undefined ? "legacy-default" : "env";
      assert.deepEqual(
        decide(entries),
        legacyGpu("cuda>=10.1", { capabilities, capabilitySource }),
      );
    });
  }
});

Deno.test("decideGpu() rejects an unknown driver capability", async (t) => {
  const table: [string, string][] = [
    ["compute,foo", "foo"],
    ["foo,compute", "foo"],
    ["Compute", "Compute"],
    ["UTILITY", "UTILITY"],
    ["compute utility", "compute utility"],
    ["compute,bar,baz", "bar"],
    ["none", "none"],
    ["void", "void"],
  ];
  for (const [value, name] of table) {
    await t.step(value, () => {
      throwsExactly(
        () => decide(["NVIDIA_VISIBLE_DEVICES=0", `NVIDIA_DRIVER_CAPABILITIES=${value}`]),
        capabilityError(name),
      );
    });
  }
  await t.step("a long name is cut to 64 characters", () => {
    const name = "q".repeat(64) + "#".repeat(40);
    throwsExactly(
      () => decide(["NVIDIA_VISIBLE_DEVICES=0", `NVIDIA_DRIVER_CAPABILITIES=compute,${name}`]),
      `Unknown driver capability ${JSON.stringify("q".repeat(64) + "...")} in` +
        ` NVIDIA_DRIVER_CAPABILITIES; expected "all" or a comma-separated list of ${CAPS_LIST}`,
    );
  });
});

// --- 5.7 requirements ---

Deno.test("decideGpu() passes NVIDIA_REQUIRE_* in process.env order, skipping empty values", async (t) => {
  const table: [string[], [string, string][]][] = [
    [["NVIDIA_REQUIRE_CUDA=cuda>=11.0"], [["cuda>=11.0", "NVIDIA_REQUIRE_CUDA"]]],
    [
      [
        "NVIDIA_REQUIRE_CUDA=cuda>=11.0 brand=tesla,driver>=418",
        "NVIDIA_REQUIRE_DRIVER=driver>=450",
      ],
      [
        ["cuda>=11.0 brand=tesla,driver>=418", "NVIDIA_REQUIRE_CUDA"],
        ["driver>=450", "NVIDIA_REQUIRE_DRIVER"],
      ],
    ],
    [["NVIDIA_REQUIRE_Z=z", "NVIDIA_REQUIRE_A=a", "NVIDIA_REQUIRE_M=m"], [
      ["z", "NVIDIA_REQUIRE_Z"],
      ["a", "NVIDIA_REQUIRE_A"],
      ["m", "NVIDIA_REQUIRE_M"],
    ]],
    [["NVIDIA_REQUIRE_B=b1", "NVIDIA_REQUIRE_A=a", "NVIDIA_REQUIRE_B=b2"], [
      ["b2", "NVIDIA_REQUIRE_B"],
      ["a", "NVIDIA_REQUIRE_A"],
    ]],
    [["NVIDIA_REQUIRE_A=", "NVIDIA_REQUIRE_B=b"], [["b", "NVIDIA_REQUIRE_B"]]],
    [["NVIDIA_REQUIRE_A=a", "NVIDIA_REQUIRE_A="], []],
    [["NVIDIA_REQUIRE_=x"], [["x", "NVIDIA_REQUIRE_"]]],
    [["NVIDIA_REQUIRE=x", "NVIDIA_REQUIREMENT=y", "nvidia_require_cuda=z"], []],
    [["NVIDIA_REQUIRE_CUDA=cuda>=11.0", "CUDA_VERSION=11.0"], [[
      "cuda>=11.0",
      "NVIDIA_REQUIRE_CUDA",
    ]]],
    // [later] Jetson mount lists are not constraints
    [["NVIDIA_REQUIRE_JETPACK=csv-mounts=all"], []],
    [
      [
        "NVIDIA_REQUIRE_JETPACK_HOST_MOUNTS=/usr/lib/aarch64-linux-gnu/tegra",
        "NVIDIA_REQUIRE_CUDA=cuda>=10.2",
        "NVIDIA_REQUIRE_JETPACK=csv-mounts=all",
      ],
      [["cuda>=10.2", "NVIDIA_REQUIRE_CUDA"]],
    ],
    [["NVIDIA_REQUIRE_JETPAC=j"], [["j", "NVIDIA_REQUIRE_JETPAC"]]],
  ];
  for (const [entries, pairs] of table) {
    await t.step(JSON.stringify(entries), () => {
      const requirements = pairs.map(([value, source]) => req(value, source));
      assert.deepEqual(decide(["NVIDIA_VISIBLE_DEVICES=all", ...entries]), gpu({ requirements }));
    });
  }
});

Deno.test("decideGpu() adds cuda>=MAJOR.MINOR from CUDA_VERSION of a legacy image, last", async (t) => {
  const table: [string, string][] = [
    ["9.0.176", "cuda>=9.0"],
    ["9.0", "cuda>=9.0"],
    ["9", "cuda>=9.0"],
    ["10.2.89", "cuda>=10.2"],
    [" 9.2 ", "cuda>=9.2"],
    ["\t8.0\n", "cuda>=8.0"],
    ["010.02", "cuda>=10.2"],
    ["0", "cuda>=0.0"],
    ["4294967295.4294967295.4294967295", "cuda>=4294967295.4294967295"],
    // [later] an optional leading v
    ["v9.0.176", "cuda>=9.0"],
    ["v10", "cuda>=10.0"],
    [" v11.2 ", "cuda>=11.2"],
  ];
  for (const [version, requirement] of table) {
    await t.step(JSON.stringify(version), () => {
      assert.deepEqual(
        decide([
          `CUDA_VERSION=${version}`,
          "NVIDIA_REQUIRE_DRIVER=driver>=384",
          "NVIDIA_REQUIRE_CUDA=",
        ]),
        legacyGpu(requirement, {
          requirements: [
            req("driver>=384", "NVIDIA_REQUIRE_DRIVER"),
            req(requirement, "CUDA_VERSION"),
          ],
        }),
      );
    });
  }
});

Deno.test("decideGpu() rejects an invalid CUDA_VERSION of a legacy image", async (t) => {
  const table = [
    "9. 0",
    "9 .0",
    "9.0.1.2",
    "9.0.",
    ".9",
    "9..0",
    "abc",
    "9.0-",
    "9.0+",
    "9.0rc1",
    "9.0-01",
    "9.0-rc_1",
    "9.0a",
    "-1",
    "4294967296",
    "9.4294967296",
    "9.0.99999999999999999999",
    "1e3",
    "0x10",
    " ",
    "9,0",
    "V9.0",
    "vv9",
    "v",
  ];
  for (const version of table) {
    await t.step(JSON.stringify(version), () => {
      throwsExactly(
        () => decide([`CUDA_VERSION=${version}`, "NVIDIA_VISIBLE_DEVICES=0"]),
        cudaError(version),
      );
    });
  }
  await t.step("a long value is cut to 64 characters", () => {
    const version = "9." + "x".repeat(100);
    throwsExactly(
      () => decide([`CUDA_VERSION=${version}`]),
      `Invalid CUDA_VERSION ${JSON.stringify(version.slice(0, 64) + "...")}:` +
        " expected [v]MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD] with decimal numbers",
    );
  });
});

Deno.test("decideGpu() does not parse CUDA_VERSION of an image that is not legacy", () => {
  assert.deepEqual(
    decide(["CUDA_VERSION=garbage", "NVIDIA_REQUIRE_CUDA=cuda>=11.0", "NVIDIA_VISIBLE_DEVICES=0"]),
    gpu({
      devices: { kind: "list", ids: ["0"] },
      requirements: [req("cuda>=11.0", "NVIDIA_REQUIRE_CUDA")],
    }),
  );
});

/** `n` distinct `NVIDIA_REQUIRE_Rk=rk` variables. */
function requireVars(n: number): string[] {
  return Array.from({ length: n }, (_, k) => `NVIDIA_REQUIRE_R${k}=r${k}`);
}

function tooMany(n: number, legacy: boolean): string {
  return `Cannot pass ${n} requirements to nvidia-container-cli: it accepts at most 32` +
    ` (NVIDIA_REQUIRE_* variables${legacy ? " and CUDA_VERSION" : ""})`;
}

Deno.test("decideGpu() passes at most MAX_REQUIREMENTS (32) requirements", async (t) => {
  assert.equal(MAX_REQUIREMENTS, 32);
  await t.step("32 are passed", () => {
    const decision = wants(decide(["NVIDIA_VISIBLE_DEVICES=0", ...requireVars(32)]));
    assert.equal(decision.requirements.length, 32);
    assert.deepEqual(decision.requirements.at(-1), req("r31", "NVIDIA_REQUIRE_R31"));
  });
  await t.step("33 are refused", () => {
    throwsExactly(
      () => decide(["NVIDIA_VISIBLE_DEVICES=0", ...requireVars(33)]),
      tooMany(33, false),
      PolicyError,
    );
  });
  await t.step("1000 are refused with their count", () => {
    throwsExactly(
      () => decide(["NVIDIA_VISIBLE_DEVICES=0", ...requireVars(1000)]),
      tooMany(1000, false),
      PolicyError,
    );
  });
  await t.step("a legacy image counts CUDA_VERSION: 31 variables and it are passed", () => {
    const decision = wants(decide(["CUDA_VERSION=11.0", ...requireVars(31)]));
    assert.equal(decision.requirements.length, 32);
    assert.deepEqual(decision.requirements.at(-1), req("cuda>=11.0", "CUDA_VERSION"));
  });
  await t.step("a legacy image counts CUDA_VERSION: 32 variables and it are refused", () => {
    throwsExactly(
      () => decide(["CUDA_VERSION=11.0", ...requireVars(32)]),
      tooMany(33, true),
      PolicyError,
    );
  });
  await t.step("empty values and NVIDIA_REQUIRE_JETPACK* are not counted", () => {
    const entries = [
      "NVIDIA_VISIBLE_DEVICES=0",
      ...requireVars(32),
      "NVIDIA_REQUIRE_EMPTY=",
      "NVIDIA_REQUIRE_JETPACK=csv-mounts=all",
      "NVIDIA_REQUIRE_JETPACK_HOST_MOUNTS=/usr/lib",
    ];
    assert.equal(wants(decide(entries)).requirements.length, 32);
  });
  await t.step("a repeated variable counts once (its last value)", () => {
    const entries = ["NVIDIA_VISIBLE_DEVICES=0", ...requireVars(32), "NVIDIA_REQUIRE_R0=again"];
    assert.equal(wants(decide(entries)).requirements.length, 32);
  });
  await t.step("none are counted when requirements are disabled", () => {
    const disabled = config({ disableRequire: true });
    assert.deepEqual(
      wants(decide(["NVIDIA_VISIBLE_DEVICES=0", ...requireVars(33)], false, disabled)).requirements,
      [],
    );
    assert.deepEqual(
      wants(decide(["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DISABLE_REQUIRE=true", ...requireVars(33)]))
        .requirements,
      [],
    );
  });
  await t.step("not checked for a container that wants no GPU", () => {
    assert.deepEqual(decide(requireVars(33)), NOT_SET);
    assert.deepEqual(
      decide(["NVIDIA_VISIBLE_DEVICES=void", ...requireVars(33)]),
      voided(VISIBLE_DEVICES),
    );
  });
});

Deno.test("decideGpu() drops all requirements when disable-require is set", async (t) => {
  const c = config({ disableRequire: true });
  await t.step("NVIDIA_REQUIRE_*", () => {
    assert.deepEqual(
      decide(["NVIDIA_VISIBLE_DEVICES=all", "NVIDIA_REQUIRE_CUDA=cuda>=11.0"], false, c),
      gpu({}),
    );
  });
  await t.step("legacy image", () => {
    assert.deepEqual(
      decide(["CUDA_VERSION=9.0", "NVIDIA_REQUIRE_X=x"], false, c),
      legacyGpu("", { requirements: [] }),
    );
  });
});

Deno.test("decideGpu() drops all requirements when NVIDIA_DISABLE_REQUIRE is true for Go", async (t) => {
  for (const value of ["1", "t", "T", "TRUE", "true", "True"]) {
    await t.step(value, () => {
      assert.deepEqual(
        decide([
          "NVIDIA_VISIBLE_DEVICES=all",
          "NVIDIA_REQUIRE_CUDA=cuda>=11.0",
          `NVIDIA_DISABLE_REQUIRE=${value}`,
        ]),
        gpu({}),
      );
      assert.deepEqual(
        decide(["CUDA_VERSION=9.0", `NVIDIA_DISABLE_REQUIRE=${value}`]),
        legacyGpu("", { requirements: [] }),
      );
    });
  }
});

Deno.test("decideGpu() does not parse CUDA_VERSION when requirements are disabled", async (t) => {
  for (const version of ["bad", "9. 0", "4294967296", "V9"]) {
    await t.step(`${JSON.stringify(version)} with disable-require`, () => {
      assert.deepEqual(
        decide([`CUDA_VERSION=${version}`], false, config({ disableRequire: true })),
        legacyGpu("", { requirements: [] }),
      );
    });
    await t.step(`${JSON.stringify(version)} with NVIDIA_DISABLE_REQUIRE=true`, () => {
      assert.deepEqual(
        decide([
          `CUDA_VERSION=${version}`,
          "NVIDIA_DISABLE_REQUIRE=true",
          "NVIDIA_VISIBLE_DEVICES=0",
        ]),
        legacyGpu("", {
          source: envSource(),
          devices: { kind: "list", ids: ["0"] },
          requirements: [],
        }),
      );
    });
  }
});

Deno.test("decideGpu() keeps requirements when NVIDIA_DISABLE_REQUIRE is false or not a Go boolean", async (t) => {
  for (
    const value of ["", "0", "f", "false", "FALSE", "yes", "on", "tRUE", " true", "true ", "2"]
  ) {
    await t.step(JSON.stringify(value), () => {
      assert.deepEqual(
        decide([
          "NVIDIA_VISIBLE_DEVICES=all",
          "NVIDIA_REQUIRE_CUDA=cuda>=11.0",
          `NVIDIA_DISABLE_REQUIRE=${value}`,
        ]),
        gpu({ requirements: [req("cuda>=11.0", "NVIDIA_REQUIRE_CUDA")] }),
      );
    });
  }
  await t.step("nvidia_disable_require=true", () => {
    assert.deepEqual(
      decide([
        "NVIDIA_VISIBLE_DEVICES=all",
        "NVIDIA_REQUIRE_CUDA=c",
        "nvidia_disable_require=true",
      ]),
      gpu({ requirements: [req("c", "NVIDIA_REQUIRE_CUDA")] }),
    );
  });
});

// --- 5.8 MIG ---

Deno.test("decideGpu() passes MIG options of a privileged container", async (t) => {
  const table: [string[], Partial<Wants>][] = [
    [["NVIDIA_MIG_CONFIG_DEVICES=all"], { migConfig: "all" }],
    [["NVIDIA_MIG_MONITOR_DEVICES=0,1"], { migMonitor: "0,1" }],
    [
      ["NVIDIA_MIG_CONFIG_DEVICES=0", "NVIDIA_MIG_MONITOR_DEVICES=all"],
      { migConfig: "0", migMonitor: "all" },
    ],
    [["NVIDIA_MIG_CONFIG_DEVICES=", "NVIDIA_MIG_MONITOR_DEVICES="], {}],
  ];
  for (const [entries, fields] of table) {
    await t.step(JSON.stringify(entries), () => {
      assert.deepEqual(
        decide(["NVIDIA_VISIBLE_DEVICES=all", ...entries], true),
        gpu({ privileged: true, ...fields }),
      );
    });
  }
});

Deno.test("decideGpu() accepts empty MIG options in an unprivileged container", () => {
  assert.deepEqual(
    decide([
      "NVIDIA_VISIBLE_DEVICES=all",
      "NVIDIA_MIG_CONFIG_DEVICES=",
      "NVIDIA_MIG_MONITOR_DEVICES=",
    ]),
    gpu({}),
  );
});

Deno.test("decideGpu() refuses MIG options in an unprivileged container", async (t) => {
  const table: [string[], string][] = [
    [["NVIDIA_MIG_CONFIG_DEVICES=all"], "NVIDIA_MIG_CONFIG_DEVICES"],
    [["NVIDIA_MIG_CONFIG_DEVICES= "], "NVIDIA_MIG_CONFIG_DEVICES"],
    [["NVIDIA_MIG_MONITOR_DEVICES=all"], "NVIDIA_MIG_MONITOR_DEVICES"],
    [
      ["NVIDIA_MIG_MONITOR_DEVICES=all", "NVIDIA_MIG_CONFIG_DEVICES=all"],
      "NVIDIA_MIG_CONFIG_DEVICES",
    ],
    [["NVIDIA_MIG_CONFIG_DEVICES=", "NVIDIA_MIG_MONITOR_DEVICES=0"], "NVIDIA_MIG_MONITOR_DEVICES"],
  ];
  for (const [entries, name] of table) {
    await t.step(JSON.stringify(entries), () => {
      throwsExactly(
        () => decide(["NVIDIA_VISIBLE_DEVICES=none", ...entries]),
        migError(name),
        PolicyError,
      );
    });
  }
});

// --- error precedence and non-GPU containers ---

Deno.test("decideGpu() checks MIG config, MIG monitor, CUDA_VERSION, requirements, capabilities, IMEX, mode in that order", async (t) => {
  const mig = "NVIDIA_MIG_CONFIG_DEVICES=all";
  const monitor = "NVIDIA_MIG_MONITOR_DEVICES=all";
  const cuda = "CUDA_VERSION=bad";
  const caps = "NVIDIA_DRIVER_CAPABILITIES=bogus";
  await t.step("all four", () => {
    throwsExactly(
      () => decide([caps, cuda, monitor, mig, "NVIDIA_VISIBLE_DEVICES=0"]),
      migError("NVIDIA_MIG_CONFIG_DEVICES"),
      PolicyError,
    );
  });
  await t.step("monitor, CUDA_VERSION, capabilities", () => {
    throwsExactly(
      () => decide([caps, cuda, monitor, "NVIDIA_VISIBLE_DEVICES=0"]),
      migError("NVIDIA_MIG_MONITOR_DEVICES"),
      PolicyError,
    );
  });
  await t.step("CUDA_VERSION, capabilities", () => {
    throwsExactly(
      () => decide([caps, cuda, "NVIDIA_VISIBLE_DEVICES=0"]),
      cudaError("bad"),
    );
  });
  await t.step("capabilities", () => {
    throwsExactly(
      () => decide([caps, "NVIDIA_VISIBLE_DEVICES=0"]),
      capabilityError("bogus"),
    );
  });
  await t.step("CUDA_VERSION, capabilities, privileged with MIG", () => {
    throwsExactly(() => decide([caps, cuda, mig, monitor], true), cudaError("bad"), InputError);
  });
  await t.step("capabilities before the mode", () => {
    throwsExactly(
      () => decide([caps, "NVIDIA_VISIBLE_DEVICES=0"], false, top({ runtime: { mode: "cdi" } })),
      capabilityError("bogus"),
    );
  });
  await t.step("CUDA_VERSION before the mode", () => {
    throwsExactly(
      () => decide([cuda], false, top({ runtime: { mode: "cdi" } })),
      cudaError("bad"),
    );
  });
  await t.step("MIG before the mode", () => {
    throwsExactly(
      () => decide([mig, "NVIDIA_VISIBLE_DEVICES=0"], false, top({ runtime: { mode: "csv" } })),
      migError("NVIDIA_MIG_CONFIG_DEVICES"),
      PolicyError,
    );
  });
  const many = requireVars(33);
  const imex = `${IMEX_CHANNELS}=x`;
  const cdi = top({ runtime: { mode: "cdi" } });
  await t.step("MIG monitor before the requirements", () => {
    throwsExactly(
      () => decide([...many, monitor, "NVIDIA_VISIBLE_DEVICES=0"]),
      migError("NVIDIA_MIG_MONITOR_DEVICES"),
      PolicyError,
    );
  });
  await t.step("CUDA_VERSION before the requirements", () => {
    throwsExactly(() => decide([...many, cuda]), cudaError("bad"));
  });
  await t.step("requirements before capabilities, IMEX and the mode", () => {
    throwsExactly(
      () => decide([caps, imex, ...many, "NVIDIA_VISIBLE_DEVICES=0"], false, cdi),
      tooMany(33, false),
      PolicyError,
    );
  });
  await t.step("capabilities before IMEX", () => {
    throwsExactly(
      () => decide([caps, imex, "NVIDIA_VISIBLE_DEVICES=0"], false, cdi),
      capabilityError("bogus"),
    );
  });
  await t.step("IMEX before the mode", () => {
    throwsExactly(
      () => decide([imex, "NVIDIA_VISIBLE_DEVICES=0"], false, cdi),
      imexError("x"),
      PolicyError,
    );
  });
});

Deno.test("decideGpu() never fails for a container that wants no GPU", async (t) => {
  const bad = [
    "NVIDIA_MIG_CONFIG_DEVICES=all",
    "NVIDIA_MIG_MONITOR_DEVICES=all",
    "NVIDIA_DRIVER_CAPABILITIES=bogus",
  ];
  const table: [string[], GpuDecision][] = [
    [[], NOT_SET],
    [["NVIDIA_VISIBLE_DEVICES="], voided(VISIBLE_DEVICES)],
    [["NVIDIA_VISIBLE_DEVICES=void"], voided(VISIBLE_DEVICES)],
    [["NVIDIA_VISIBLE_DEVICES=0,void"], voided(VISIBLE_DEVICES)],
    [["CUDA_VERSION=bad", "NVIDIA_VISIBLE_DEVICES="], voided(VISIBLE_DEVICES)],
    [["CUDA_VERSION=bad", "NVIDIA_VISIBLE_DEVICES=void"], voided(VISIBLE_DEVICES)],
    [["CUDA_VERSION=", "NVIDIA_REQUIRE_CUDA=x"], NOT_SET],
  ];
  for (const [entries, expected] of table) {
    await t.step(JSON.stringify(entries), () => {
      assert.deepEqual(decide([...bad, ...entries]), expected);
    });
  }
  const strict: [string, HookConfig][] = [
    ["mode cdi", top({ runtime: { mode: "cdi" } })],
    ["supported-driver-capabilities compute", top({ supportedDriverCapabilities: ["compute"] })],
    ["IMEX requests ignored", top({ features: { ignoreImexChannelRequests: true } })],
  ];
  for (const [name, c] of strict) {
    await t.step(`${name}: nothing is checked without a GPU request`, () => {
      const extra = [...bad, "NVIDIA_DRIVER_CAPABILITIES=video", "NVIDIA_IMEX_CHANNELS=0"];
      assert.deepEqual(
        decide([...extra, "CUDA_VERSION=", "NVIDIA_REQUIRE_CUDA=x"], false, c),
        NOT_SET,
      );
      assert.deepEqual(
        decide([...extra, "CUDA_VERSION=bad", "NVIDIA_VISIBLE_DEVICES=void"], false, c),
        voided(VISIBLE_DEVICES),
      );
      assert.deepEqual(
        decide(["NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=0,void"], false, c),
        voided(VISIBLE_DEVICES),
      );
    });
  }
});

// --- 5.3 [later] swarm-resource as a list ---

Deno.test("decideGpu() joins every present swarm-resource variable in list order", async (t) => {
  const ab = config({ swarm: ["A", "B"] });
  const table: [string, string[], HookConfig, GpuDecision][] = [
    [
      "first only",
      ["A=0", "NVIDIA_VISIBLE_DEVICES=9"],
      ab,
      gpu({
        source: envSource("A"),
        devices: { kind: "list", ids: ["0"] },
      }),
    ],
    [
      "second only",
      ["B=1", "NVIDIA_VISIBLE_DEVICES=9"],
      ab,
      gpu({
        source: envSource("B"),
        devices: { kind: "list", ids: ["1"] },
      }),
    ],
    [
      "both",
      ["A=0", "B=1"],
      ab,
      gpu({
        source: envSource("A", "B"),
        devices: { kind: "list", ids: ["0", "1"] },
      }),
    ],
    [
      "both, process.env order does not matter",
      ["B=1", "A=0"],
      ab,
      gpu({
        source: envSource("A", "B"),
        devices: { kind: "list", ids: ["0", "1"] },
      }),
    ],
    [
      "list order B,A",
      ["A=0", "B=1"],
      config({ swarm: ["B", "A"] }),
      gpu({
        source: envSource("B", "A"),
        devices: { kind: "list", ids: ["1", "0"] },
      }),
    ],
    [
      "repeats across variables dropped",
      ["A=0,1", "B=1, 2"],
      ab,
      gpu({
        source: envSource("A", "B"),
        devices: { kind: "list", ids: ["0", "1", "2"] },
      }),
    ],
    [
      "present but empty joins as an empty item",
      ["A=", "B=1"],
      ab,
      gpu({
        source: envSource("A", "B"),
        devices: { kind: "list", ids: ["1"] },
      }),
    ],
    ["all in one variable", ["A=0", "B=all"], ab, gpu({ source: envSource("A", "B") })],
    [
      "none in one variable",
      ["A=none", "B=0"],
      ab,
      gpu({
        source: envSource("A", "B"),
        devices: { kind: "none" },
      }),
    ],
    [
      "neither present: NVIDIA_VISIBLE_DEVICES",
      ["NVIDIA_VISIBLE_DEVICES=3"],
      ab,
      gpu({
        devices: { kind: "list", ids: ["3"] },
      }),
    ],
    ["neither present, legacy image", ["CUDA_VERSION=9.0"], ab, legacyGpu("cuda>=9.0")],
    ["names are case-sensitive", ["a=0", "b=1"], ab, NOT_SET],
    [
      "an empty list is no swarm variable",
      ["NVIDIA_VISIBLE_DEVICES=2"],
      config({ swarm: [] }),
      gpu({
        devices: { kind: "list", ids: ["2"] },
      }),
    ],
  ];
  for (const [name, entries, c, expected] of table) {
    await t.step(name, () => {
      assert.deepEqual(decide(entries, false, c), expected);
    });
  }
});

Deno.test("decideGpu() lets present-but-empty swarm variables request no GPU", async (t) => {
  const ab = config({ swarm: ["A", "B"] });
  const table: [string[], string[]][] = [
    [["A=", "NVIDIA_VISIBLE_DEVICES=all"], ["A"]],
    [["B=", "NVIDIA_VISIBLE_DEVICES=all"], ["B"]],
    [["A=", "B= ", "NVIDIA_VISIBLE_DEVICES=all"], ["A", "B"]],
    [["A=0", "B=void"], ["A", "B"]],
    [["A=,", "CUDA_VERSION=9.0"], ["A"]],
  ];
  for (const [entries, names] of table) {
    await t.step(JSON.stringify(entries), () => {
      assertNoGpu(decide(entries, false, ab), ...names);
    });
  }
});

// --- 5.3 [later] device requests from volume mounts ---

Deno.test("decideGpu() takes devices from /dev/null mounts when accepted", async (t) => {
  const table: [string, string[], Mount[], GpuDecision][] = [
    [
      "one device",
      [],
      [devNull(`${VAR_RUN}/0`)],
      gpu({
        source: { kind: "mounts" },
        devices: { kind: "list", ids: ["0"] },
      }),
    ],
    [
      "MIG names",
      [],
      [
        devNull(`${VAR_RUN}/MIG-GPU-1/1/0`),
        devNull(`${VAR_RUN}/GPU-2`),
      ],
      gpu({
        source: { kind: "mounts" },
        devices: { kind: "list", ids: ["MIG-GPU-1/1/0", "GPU-2"] },
      }),
    ],
    [
      "a /run/nvidia-container-devices mount is no request",
      [],
      [
        devNull(`${RUN}/MIG-GPU-1/1/0`),
        devNull(`${VAR_RUN}/GPU-2`),
      ],
      gpu({
        source: { kind: "mounts" },
        devices: { kind: "list", ids: ["GPU-2"] },
      }),
    ],
    [
      "only /run/nvidia-container-devices mounts: the environment decides",
      ["NVIDIA_VISIBLE_DEVICES=1"],
      [devNull(`${RUN}/0`), devNull(`${RUN}/imex/2`)],
      gpu({ devices: { kind: "list", ids: ["1"] } }),
    ],
    [
      "the environment is not consulted",
      ["NVIDIA_VISIBLE_DEVICES=1"],
      [devNull(`${VAR_RUN}/0`)],
      gpu({
        source: { kind: "mounts" },
        devices: { kind: "list", ids: ["0"] },
      }),
    ],
    ["not even a void NVIDIA_VISIBLE_DEVICES", ["NVIDIA_VISIBLE_DEVICES=void"], [
      devNull(`${VAR_RUN}/0`),
    ], gpu({ source: { kind: "mounts" }, devices: { kind: "list", ids: ["0"] } })],
    [
      "nor a swarm variable",
      ["A=7"],
      [devNull(`${VAR_RUN}/0`)],
      gpu({
        source: { kind: "mounts" },
        devices: { kind: "list", ids: ["0"] },
      }),
    ],
    // Mount names are device names as they stand: all, none and void are no
    // keywords there (NVIDIA's current hook passes them to the CLI as given).
    [
      "all is a device name",
      [],
      [devNull(`${VAR_RUN}/all`)],
      gpu({ source: { kind: "mounts" }, devices: { kind: "list", ids: ["all"] } }),
    ],
    [
      "all among names",
      [],
      [devNull(`${VAR_RUN}/0`), devNull(`${VAR_RUN}/all`)],
      gpu({ source: { kind: "mounts" }, devices: { kind: "list", ids: ["0", "all"] } }),
    ],
    [
      "none is a device name",
      [],
      [devNull(`${VAR_RUN}/none`)],
      gpu({ source: { kind: "mounts" }, devices: { kind: "list", ids: ["none"] } }),
    ],
    [
      "void is a device name, whatever the environment says",
      ["NVIDIA_VISIBLE_DEVICES=all"],
      [devNull(`${VAR_RUN}/0`), devNull(`${VAR_RUN}/void`)],
      gpu({ source: { kind: "mounts" }, devices: { kind: "list", ids: ["0", "void"] } }),
    ],
    [
      "legacy image",
      ["CUDA_VERSION=9.0"],
      [devNull(`${VAR_RUN}/1`)],
      legacyGpu("cuda>=9.0", {
        source: { kind: "mounts" },
        devices: { kind: "list", ids: ["1"] },
      }),
    ],
    ["other mounts: the environment decides", ["NVIDIA_VISIBLE_DEVICES=1"], [
      { source: "proc", destination: "/proc" },
      { source: "/dev/zero", destination: `${VAR_RUN}/0` },
      devNull(`/var/run/nvidia-container-devicesX/0`),
    ], gpu({ devices: { kind: "list", ids: ["1"] } })],
    [
      "IMEX mounts only: the environment decides the devices",
      ["NVIDIA_VISIBLE_DEVICES=1"],
      [
        devNull(`${VAR_RUN}/imex/2`),
      ],
      gpu({
        devices: { kind: "list", ids: ["1"] },
        imexChannels: { kind: "list", ids: ["2"] },
        imexSource: "mounts",
      }),
    ],
  ];
  const c = top({ acceptDeviceListAsVolumeMounts: true, swarmResource: ["A"] });
  for (const [name, entries, mounts, expected] of table) {
    await t.step(name, () => {
      assert.deepEqual(decideWith(entries, mounts, c), expected);
    });
  }
  await t.step("IMEX mounts alone request no GPU", () => {
    assert.deepEqual(decideWith([], [devNull(`${VAR_RUN}/imex/2`)], c), NOT_SET);
  });
});

Deno.test("decideGpu() ignores device mounts unless accept-nvidia-visible-devices-as-volume-mounts", async (t) => {
  const mounts = [devNull(`${VAR_RUN}/0`), devNull(`${RUN}/imex/1`)];
  const table: [string, HookConfig][] = [
    ["default", config()],
    ["false", top({ acceptDeviceListAsVolumeMounts: false })],
  ];
  for (const [name, c] of table) {
    await t.step(name, () => {
      assert.deepEqual(decideWith([], mounts, c), NOT_SET);
      assert.deepEqual(decideWith([], mounts, c, true), NOT_SET);
      assert.deepEqual(
        decideWith(["NVIDIA_VISIBLE_DEVICES=2"], mounts, c),
        gpu({ devices: { kind: "list", ids: ["2"] } }),
      );
    });
  }
  await t.step("mounts absent from the input are no mounts", () => {
    assert.deepEqual(decide([], false, MOUNTS_ON), NOT_SET);
    assert.deepEqual(
      decide(["NVIDIA_VISIBLE_DEVICES=0"], false, MOUNTS_ON),
      gpu({
        devices: { kind: "list", ids: ["0"] },
      }),
    );
  });
});

// --- 5.3 [later] the unprivileged environment gate ---

Deno.test("decideGpu() ignores NVIDIA_VISIBLE_DEVICES of an unprivileged container when the gate is off", async (t) => {
  type Request = "env" | "swarm" | "legacy" | "mounts";
  const requests: Record<Request, { entries: string[]; mounts: Mount[] }> = {
    env: { entries: ["NVIDIA_VISIBLE_DEVICES=0"], mounts: [] },
    swarm: { entries: ["DOCKER_RESOURCE_GPU=0"], mounts: [] },
    legacy: { entries: ["CUDA_VERSION=9.0"], mounts: [] },
    mounts: { entries: [], mounts: [devNull(`${VAR_RUN}/0`)] },
  };
  for (const privileged of [false, true]) {
    for (const accept of [true, false]) {
      for (const request of ["env", "swarm", "legacy", "mounts"] as const) {
        const honoured = privileged || accept || request === "mounts";
        const name = `privileged=${privileged} ${GATE}=${accept} ${request}: ` +
          (honoured ? "GPU" : "no GPU");
        await t.step(name, () => {
          const c = top({
            acceptEnvvarUnprivileged: accept,
            acceptDeviceListAsVolumeMounts: true,
            swarmResource: ["DOCKER_RESOURCE_GPU"],
          });
          const { entries, mounts } = requests[request];
          const decision = decideWith(entries, mounts, c, privileged);
          if (honoured) {
            assert.equal(wants(decision).privileged, privileged);
          } else {
            assertNoGpu(decision, GATE);
          }
        });
      }
    }
  }
});

Deno.test("decideGpu() checks nothing else for a gated unprivileged container", async (t) => {
  const c = top({ acceptEnvvarUnprivileged: false });
  const table: string[][] = [
    ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_MIG_CONFIG_DEVICES=all"],
    ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DRIVER_CAPABILITIES=bogus"],
    ["CUDA_VERSION=bad"],
    ["NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=0"],
  ];
  for (const entries of table) {
    await t.step(JSON.stringify(entries), () => {
      assertNoGpu(decide(entries, false, c), GATE);
    });
  }
  await t.step("a privileged container with the same request is checked", () => {
    throwsExactly(
      () => decide(["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DRIVER_CAPABILITIES=bogus"], true, c),
      capabilityError("bogus"),
    );
  });
});

// --- 5.6 [later] supported-driver-capabilities ---

Deno.test("decideGpu() restricts capabilities to supported-driver-capabilities", async (t) => {
  const table: [Capability[], string | undefined, Capability[], string][] = [
    [["compute", "utility"], "compute", ["compute"], "env"],
    [["compute", "utility"], "utility,compute", ["compute", "utility"], "env"],
    [["compute", "utility"], "all", ["compute", "utility"], "env"],
    [["utility", "compute"], "all", ["compute", "utility"], "env"],
    [["utility", "video"], "video,all", ["utility", "video"], "env"],
    [["video", "display", "ngx"], "all", ["display", "ngx", "video"], "env"],
    [["compute", "utility"], undefined, ["compute", "utility"], "default"],
    [["compute", "utility"], "", ["compute", "utility"], "env"],
    [["compute"], undefined, ["compute"], "default"],
    [["compute"], "", ["compute"], "env"],
    [["utility", "video"], undefined, ["utility"], "default"],
    [["video"], undefined, [], "default"],
    [["video"], "", [], "env"],
    [["compute"], " , ", [], "env"],
    [ALL_CAPS, ",", [], "env"],
    [[], undefined, [], "default"],
    [[], "all", [], "env"],
    [ALL_CAPS, "ngx", ["ngx"], "env"],
  ];
  for (const [supported, value, capabilities, source] of table) {
    await t.step(`${JSON.stringify(value) ?? "absent"} with ${JSON.stringify(supported)}`, () => {
      const entries = ["NVIDIA_VISIBLE_DEVICES=all"];
      if (value !== undefined) entries.push(`NVIDIA_DRIVER_CAPABILITIES=${value}`);
      assert.deepEqual(
        decide(entries, false, top({ supportedDriverCapabilities: supported })),
        gpu({ capabilities, capabilitySource: source as Wants["capabilitySource"] }),
      );
    });
  }
});

Deno.test("decideGpu() intersects the legacy default with supported-driver-capabilities", async (t) => {
  const table: [Capability[], Capability[]][] = [
    [["compute", "utility"], ["compute", "utility"]],
    [["utility", "compute"], ["compute", "utility"]],
    [["video", "ngx", "compat32"], ["compat32", "ngx", "video"]],
    [["video"], ["video"]],
    [[], []],
  ];
  for (const [supported, capabilities] of table) {
    await t.step(JSON.stringify(supported), () => {
      assert.deepEqual(
        decide(["CUDA_VERSION=9.0"], false, top({ supportedDriverCapabilities: supported })),
        legacyGpu("cuda>=9.0", { capabilities }),
      );
    });
  }
});

Deno.test("decideGpu() refuses a requested capability outside supported-driver-capabilities", async (t) => {
  const table: [Capability[], string, string, string][] = [
    [["compute", "utility"], "video", "video", "compute, utility"],
    [["compute", "utility"], "compute,graphics", "graphics", "compute, utility"],
    [["compute"], "utility", "utility", "compute"],
    [[], "compute", "compute", "none"],
  ];
  for (const [supported, value, name, list] of table) {
    await t.step(`${value} with ${JSON.stringify(supported)}`, () => {
      throwsExactly(
        () =>
          decide(
            ["NVIDIA_VISIBLE_DEVICES=0", `NVIDIA_DRIVER_CAPABILITIES=${value}`],
            false,
            top({ supportedDriverCapabilities: supported }),
          ),
        unsupportedError(name, list),
        PolicyError,
      );
    });
  }
  await t.step("an unknown name stays an InputError", () => {
    throwsExactly(
      () =>
        decide(
          ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DRIVER_CAPABILITIES=foo"],
          false,
          top({ supportedDriverCapabilities: ["compute"] }),
        ),
      capabilityError("foo"),
    );
  });
});

// --- 5.8 [later] IMEX channels ---

/** The note of an IMEX request "all", which asks for no channel. */
const IMEX_ALL_NOTE =
  'IMEX request "all" asks for no channel (nvidia-container-cli accepts only channel numbers)';

/** The refusal of one IMEX channel taken from `from`. */
function imexError(id: string, from = IMEX_CHANNELS): string {
  return `Cannot request IMEX channel ${JSON.stringify(id)} from ${from}: a channel is a` +
    ` decimal number below 1048576 (or "all", which asks for no channel)`;
}

Deno.test("decideGpu() reads NVIDIA_IMEX_CHANNELS of a GPU container", async (t) => {
  const table: [string, Wants["imexChannels"], string[]][] = [
    ["0", { kind: "list", ids: ["0"] }, []],
    ["0,1", { kind: "list", ids: ["0", "1"] }, []],
    [" 1 , 0 ,,1", { kind: "list", ids: ["1", "0"] }, []],
    ["1048575", { kind: "list", ids: ["1048575"] }, []],
    // all asks for no channel (the CLI refuses --imex-channel=all), with a note.
    ["all", { kind: "all" }, [IMEX_ALL_NOTE]],
    [" all ", { kind: "all" }, [IMEX_ALL_NOTE]],
    // Device-list precedence: any all item makes the request all.
    ["0,all", { kind: "all" }, [IMEX_ALL_NOTE]],
    ["x,all", { kind: "all" }, [IMEX_ALL_NOTE]],
    ["none", { kind: "none" }, []],
    ["0,none", { kind: "none" }, []],
    ["x,none", { kind: "none" }, []],
    ["void", { kind: "none" }, []],
    ["all,void", { kind: "none" }, []],
    ["", { kind: "none" }, []],
    [" , ", { kind: "none" }, []],
  ];
  for (const [value, imexChannels, notes] of table) {
    await t.step(JSON.stringify(value), () => {
      const decision = wants(decide(["NVIDIA_VISIBLE_DEVICES=all", `${IMEX_CHANNELS}=${value}`]));
      assert.deepEqual(decision.imexChannels, imexChannels);
      assert.equal(decision.imexSource, "env");
      assert.deepEqual(decision.notes, notes);
    });
  }
  await t.step("absent", () => {
    assert.deepEqual(decide(["NVIDIA_VISIBLE_DEVICES=all"]), gpu({}));
  });
  await t.step("a GPU container without devices", () => {
    assert.deepEqual(
      decide(["NVIDIA_VISIBLE_DEVICES=none", `${IMEX_CHANNELS}=3`]),
      gpu({
        devices: { kind: "none" },
        imexChannels: { kind: "list", ids: ["3"] },
        imexSource: "env",
      }),
    );
  });
  await t.step("the variable name is IMEX_CHANNELS", () => {
    assert.equal(IMEX_CHANNELS, "NVIDIA_IMEX_CHANNELS");
  });
});

Deno.test("decideGpu() considers IMEX channels only for containers that want GPUs", async (t) => {
  await t.step("no device request", () => {
    assert.deepEqual(decide([`${IMEX_CHANNELS}=0`]), NOT_SET);
    assert.deepEqual(decide([`${IMEX_CHANNELS}=all`], true), NOT_SET);
  });
  await t.step("void device request", () => {
    assert.deepEqual(
      decide(["NVIDIA_VISIBLE_DEVICES=void", `${IMEX_CHANNELS}=0`]),
      voided(VISIBLE_DEVICES),
    );
  });
  await t.step("IMEX mounts without device request", () => {
    assert.deepEqual(decideWith([], [devNull(`${RUN}/imex/0`)], MOUNTS_ON), NOT_SET);
  });
});

Deno.test("decideGpu() takes IMEX channels from mounts before NVIDIA_IMEX_CHANNELS", async (t) => {
  const table: [string, HookConfig, string[], Mount[], Partial<Wants>][] = [
    [
      "mounts win",
      MOUNTS_ON,
      ["NVIDIA_VISIBLE_DEVICES=0", `${IMEX_CHANNELS}=0`],
      [devNull(`${VAR_RUN}/imex/1`), devNull(`${VAR_RUN}/imex/2`)],
      {
        devices: { kind: "list", ids: ["0"] },
        imexChannels: { kind: "list", ids: ["1", "2"] },
        imexSource: "mounts",
      },
    ],
    [
      "a /run/nvidia-container-devices/imex mount is no request",
      MOUNTS_ON,
      ["NVIDIA_VISIBLE_DEVICES=0", `${IMEX_CHANNELS}=0`],
      [devNull(`${VAR_RUN}/imex/1`), devNull(`${RUN}/imex/2`)],
      {
        devices: { kind: "list", ids: ["0"] },
        imexChannels: { kind: "list", ids: ["1"] },
        imexSource: "mounts",
      },
    ],
    [
      "only /run/nvidia-container-devices/imex mounts: the variable",
      MOUNTS_ON,
      ["NVIDIA_VISIBLE_DEVICES=0", `${IMEX_CHANNELS}=0`],
      [devNull(`${RUN}/imex/2`)],
      {
        devices: { kind: "list", ids: ["0"] },
        imexChannels: { kind: "list", ids: ["0"] },
        imexSource: "env",
      },
    ],
    [
      "mounts with devices too",
      MOUNTS_ON,
      [`${IMEX_CHANNELS}=0`],
      [devNull(`${VAR_RUN}/GPU-1`), devNull(`${VAR_RUN}/imex/all`)],
      {
        source: { kind: "mounts" },
        devices: { kind: "list", ids: ["GPU-1"] },
        imexChannels: { kind: "all" },
        imexSource: "mounts",
        notes: [IMEX_ALL_NOTE],
      },
    ],
    [
      "no IMEX mounts: the variable",
      MOUNTS_ON,
      [`${IMEX_CHANNELS}=5`],
      [devNull(`${VAR_RUN}/GPU-1`)],
      {
        source: { kind: "mounts" },
        devices: { kind: "list", ids: ["GPU-1"] },
        imexChannels: { kind: "list", ids: ["5"] },
        imexSource: "env",
      },
    ],
    [
      "mounts not accepted: the variable",
      config(),
      ["NVIDIA_VISIBLE_DEVICES=0", `${IMEX_CHANNELS}=0`],
      [devNull(`${VAR_RUN}/imex/1`)],
      {
        devices: { kind: "list", ids: ["0"] },
        imexChannels: { kind: "list", ids: ["0"] },
        imexSource: "env",
      },
    ],
    [
      "mounts not accepted, no variable: none",
      config(),
      ["NVIDIA_VISIBLE_DEVICES=0"],
      [devNull(`${VAR_RUN}/imex/1`)],
      { devices: { kind: "list", ids: ["0"] } },
    ],
  ];
  for (const [name, c, entries, mounts, fields] of table) {
    await t.step(name, () => {
      assert.deepEqual(decideWith(entries, mounts, c), gpu(fields));
    });
  }
});

Deno.test("decideGpu() refuses an IMEX channel the CLI cannot take, naming where it came from", async (t) => {
  const table: [string, string][] = [
    ["1048576", "1048576"],
    ["-1", "-1"],
    ["0x1", "0x1"],
    ["ALL", "ALL"],
    ["None", "None"],
    ["1,2,three", "three"],
    ["00000000000000001", "00000000000000001"],
  ];
  for (const [value, bad] of table) {
    await t.step(`${IMEX_CHANNELS}=${JSON.stringify(value)}`, () => {
      throwsExactly(
        () => decide(["NVIDIA_VISIBLE_DEVICES=0", `${IMEX_CHANNELS}=${value}`]),
        imexError(bad),
        PolicyError,
      );
    });
  }
  await t.step("IMEX volume mounts", () => {
    throwsExactly(
      () =>
        decideWith(
          ["NVIDIA_VISIBLE_DEVICES=0", `${IMEX_CHANNELS}=0`],
          [devNull(`${VAR_RUN}/imex/0`), devNull(`${VAR_RUN}/imex/x`)],
          MOUNTS_ON,
        ),
      imexError("x", "the IMEX volume mounts"),
      PolicyError,
    );
  });
  await t.step("a bad variable is not read when IMEX mounts win", () => {
    assert.deepEqual(
      wants(decideWith(
        ["NVIDIA_VISIBLE_DEVICES=0", `${IMEX_CHANNELS}=x`],
        [devNull(`${VAR_RUN}/imex/7`)],
        MOUNTS_ON,
      )).imexChannels,
      { kind: "list", ids: ["7"] },
    );
  });
  await t.step("not checked when IMEX requests are ignored", () => {
    const c = top({ features: { ignoreImexChannelRequests: true } });
    const decision = wants(decide(["NVIDIA_VISIBLE_DEVICES=0", `${IMEX_CHANNELS}=x`], false, c));
    assert.deepEqual(decision.imexChannels, { kind: "none" });
  });
  await t.step("not checked when the variable is gated off", () => {
    const gated = top({ acceptEnvvarUnprivileged: false, acceptDeviceListAsVolumeMounts: true });
    const decision = wants(
      decideWith([`${IMEX_CHANNELS}=x`], [devNull(`${VAR_RUN}/0`)], gated),
    );
    assert.deepEqual(decision.imexChannels, { kind: "none" });
  });
  await t.step("not checked for a container that wants no GPU", () => {
    assert.deepEqual(decide([`${IMEX_CHANNELS}=x`]), NOT_SET);
    assert.deepEqual(
      decide(["NVIDIA_VISIBLE_DEVICES=void", `${IMEX_CHANNELS}=x`]),
      voided(VISIBLE_DEVICES),
    );
  });
});

Deno.test("decideGpu() drops every IMEX request when features.ignore-imex-channel-requests", async (t) => {
  const c = top({
    acceptDeviceListAsVolumeMounts: true,
    features: { ignoreImexChannelRequests: true },
  });
  const table: [string, string[], Mount[]][] = [
    ["variable", ["NVIDIA_VISIBLE_DEVICES=0", `${IMEX_CHANNELS}=0`], []],
    ["variable all", ["NVIDIA_VISIBLE_DEVICES=0", `${IMEX_CHANNELS}=all`], []],
    ["mounts", ["NVIDIA_VISIBLE_DEVICES=0"], [devNull(`${VAR_RUN}/imex/1`)]],
    ["both", ["NVIDIA_VISIBLE_DEVICES=0", `${IMEX_CHANNELS}=0`], [devNull(`${RUN}/imex/1`)]],
  ];
  for (const [name, entries, mounts] of table) {
    await t.step(name, () => {
      const decision = wants(decideWith(entries, mounts, c, true));
      assert.deepEqual(decision.imexChannels, { kind: "none" });
      assert.equal(decision.imexSource, "none");
      assert.equal(decision.notes.length, 1, JSON.stringify(decision.notes));
      assert.match(decision.notes[0] ?? "", /ignore-imex-channel-requests/);
    });
  }
  await t.step("no request, no note", () => {
    assert.deepEqual(
      decide(["NVIDIA_VISIBLE_DEVICES=0"], false, c),
      gpu({ devices: { kind: "list", ids: ["0"] } }),
    );
  });
  await t.step("off: the request is passed", () => {
    assert.deepEqual(
      wants(decide(["NVIDIA_VISIBLE_DEVICES=0", `${IMEX_CHANNELS}=0`], false, MOUNTS_ON))
        .imexChannels,
      { kind: "list", ids: ["0"] },
    );
  });
});

Deno.test("decideGpu() gates NVIDIA_IMEX_CHANNELS of an unprivileged container like devices", async (t) => {
  const gated = top({ acceptEnvvarUnprivileged: false, acceptDeviceListAsVolumeMounts: true });
  const devices = [devNull(`${VAR_RUN}/0`)];
  await t.step("unprivileged, gate off: the variable is ignored with a note", () => {
    const decision = wants(decideWith([`${IMEX_CHANNELS}=0`], devices, gated));
    assert.deepEqual(decision.devices, { kind: "list", ids: ["0"] });
    assert.deepEqual(decision.imexChannels, { kind: "none" });
    assert.equal(decision.imexSource, "none");
    assert.equal(decision.notes.length, 1, JSON.stringify(decision.notes));
    assert.ok((decision.notes[0] ?? "").includes(IMEX_CHANNELS), decision.notes[0]);
  });
  await t.step("unprivileged, gate off: IMEX mounts are honoured", () => {
    assert.deepEqual(
      decideWith([`${IMEX_CHANNELS}=0`], [...devices, devNull(`${VAR_RUN}/imex/4`)], gated),
      gpu({
        source: { kind: "mounts" },
        devices: { kind: "list", ids: ["0"] },
        imexChannels: { kind: "list", ids: ["4"] },
        imexSource: "mounts",
      }),
    );
  });
  await t.step("privileged, gate off: the variable is honoured", () => {
    assert.deepEqual(
      decideWith([`${IMEX_CHANNELS}=0`], devices, gated, true),
      gpu({
        source: { kind: "mounts" },
        privileged: true,
        devices: { kind: "list", ids: ["0"] },
        imexChannels: { kind: "list", ids: ["0"] },
        imexSource: "env",
      }),
    );
  });
  await t.step("unprivileged, gate on (default): the variable is honoured", () => {
    assert.deepEqual(
      decideWith([`${IMEX_CHANNELS}=0`], devices, MOUNTS_ON),
      gpu({
        source: { kind: "mounts" },
        devices: { kind: "list", ids: ["0"] },
        imexChannels: { kind: "list", ids: ["0"] },
        imexSource: "env",
      }),
    );
  });
});

// --- 5.9 [later] mode ---

Deno.test("decideGpu() serves the modes absent, auto and legacy", async (t) => {
  const table: [string, HookConfig][] = [
    ["absent", config()],
    ["auto", top({ runtime: { mode: "auto" } })],
    ["legacy", top({ runtime: { mode: "legacy" } })],
  ];
  for (const [name, c] of table) {
    await t.step(name, () => {
      assert.deepEqual(
        decide(["NVIDIA_VISIBLE_DEVICES=0"], false, c),
        gpu({ devices: { kind: "list", ids: ["0"] } }),
      );
    });
  }
});

Deno.test("decideGpu() refuses a GPU container in any other mode, empty included", async (t) => {
  for (
    const mode of [
      "",
      " ",
      "cdi",
      "csv",
      "jit-cdi",
      "unknown",
      "AUTO",
      "Legacy",
      " auto",
      "legacy ",
    ]
  ) {
    await t.step(JSON.stringify(mode), () => {
      const c = top({ runtime: { mode } });
      throwsExactly(
        () => decide(["NVIDIA_VISIBLE_DEVICES=0"], false, c),
        modeError(mode),
        PolicyError,
      );
      throwsExactly(() => decide(["CUDA_VERSION=9.0"], true, c), modeError(mode), PolicyError);
    });
  }
  await t.step("a long mode is cut to 64 characters", () => {
    const mode = "m".repeat(100);
    throwsExactly(
      () => decide(["NVIDIA_VISIBLE_DEVICES=0"], false, top({ runtime: { mode } })),
      `Cannot serve nvidia-container-runtime.mode ${
        JSON.stringify("m".repeat(64) + "...")
      }: the hook serves only "auto" and "legacy"; ${ADVICE}`,
      PolicyError,
    );
  });
  await t.step("only GPU containers are checked", () => {
    for (const mode of ["cdi", ""]) {
      const c = top({ runtime: { mode } });
      assert.deepEqual(decide([], false, c), NOT_SET);
      assert.deepEqual(
        decide(["NVIDIA_VISIBLE_DEVICES=void"], false, c),
        voided(VISIBLE_DEVICES),
      );
    }
  });
  await t.step('mode "" refuses a request of CDI names as a mode error', () => {
    throwsExactly(
      () =>
        decide(["NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=0"], false, top({ runtime: { mode: "" } })),
      modeError(""),
      PolicyError,
    );
  });
  await t.step('mode "" refuses a legacy image and a device mount too', () => {
    const c = top({ runtime: { mode: "" }, acceptDeviceListAsVolumeMounts: true });
    throwsExactly(() => decide(["CUDA_VERSION=9.0"], false, c), modeError(""), PolicyError);
    throwsExactly(() => decideWith([], [devNull(`${VAR_RUN}/0`)], c), modeError(""), PolicyError);
  });
});

Deno.test("decideGpu() refuses a request of only CDI names in mode auto", async (t) => {
  const table: [string, HookConfig][] = [
    ["absent", config()],
    ["auto", top({ runtime: { mode: "auto" } })],
  ];
  const requests: [string, string][] = [
    ["nvidia.com/gpu=0", "nvidia.com/gpu=0"],
    ["nvidia.com/gpu=all", "nvidia.com/gpu=all"],
    [" nvidia.com/gpu=0 , nvidia.com/gpu=1,nvidia.com/gpu=0", "nvidia.com/gpu=0,nvidia.com/gpu=1"],
    ["management.nvidia.com/gpu=GPU-1", "management.nvidia.com/gpu=GPU-1"],
  ];
  for (const [name, c] of table) {
    for (const [value, quoted] of requests) {
      await t.step(`mode ${name}: ${value}`, () => {
        throwsExactly(
          () => decide([`NVIDIA_VISIBLE_DEVICES=${value}`], false, c),
          cdiError(quoted),
          PolicyError,
        );
      });
    }
  }
  await t.step("from a swarm variable", () => {
    throwsExactly(
      () => decide(["A=nvidia.com/gpu=0"], false, config({ swarm: ["A"] })),
      cdiError("nvidia.com/gpu=0"),
      PolicyError,
    );
  });
  await t.step("from a device mount", () => {
    throwsExactly(
      () => decideWith([], [devNull(`${VAR_RUN}/nvidia.com/gpu=1`)], MOUNTS_ON),
      cdiError("nvidia.com/gpu=1"),
      PolicyError,
    );
  });
});

Deno.test("decideGpu() passes CDI-looking names that are not a CDI-only request", async (t) => {
  const table: [string, Wants["devices"]][] = [
    ["nvidia.com/gpu=0,1", { kind: "list", ids: ["nvidia.com/gpu=0", "1"] }],
    ["GPU-1,nvidia.com/gpu=0", { kind: "list", ids: ["GPU-1", "nvidia.com/gpu=0"] }],
    ["nvidia.com/gpu=", { kind: "list", ids: ["nvidia.com/gpu="] }],
    ["1vendor/c=0", { kind: "list", ids: ["1vendor/c=0"] }],
    ["nvidia.com/gpu", { kind: "list", ids: ["nvidia.com/gpu"] }],
    ["nvidia.com/gpu=0/1", { kind: "list", ids: ["nvidia.com/gpu=0/1"] }],
    ["nvidia.com/gpu=0,all", { kind: "all" }],
    ["nvidia.com/gpu=0,none", { kind: "none" }],
  ];
  for (const [value, devices] of table) {
    await t.step(value, () => {
      assert.deepEqual(decide([`NVIDIA_VISIBLE_DEVICES=${value}`]), gpu({ devices }));
    });
  }
});

Deno.test("decideGpu() passes CDI names in mode legacy", () => {
  assert.deepEqual(
    decide(
      ["NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=0"],
      false,
      top({ runtime: { mode: "legacy" } }),
    ),
    gpu({ devices: { kind: "list", ids: ["nvidia.com/gpu=0"] } }),
  );
});

Deno.test("decideGpu() skips the mode check when skip-mode-detection is set", async (t) => {
  for (const mode of ["cdi", "csv", "jit-cdi", "unknown", "auto", "", "legacy"]) {
    await t.step(JSON.stringify(mode), () => {
      const c = top({ runtime: { mode }, skipModeDetection: true });
      assert.deepEqual(
        decide(["NVIDIA_VISIBLE_DEVICES=0"], false, c),
        gpu({ devices: { kind: "list", ids: ["0"] } }),
      );
      assert.deepEqual(
        decide(["NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=0"], false, c),
        gpu({ devices: { kind: "list", ids: ["nvidia.com/gpu=0"] } }),
      );
    });
  }
});

// --- JSDoc examples ---

Deno.test("decide_gpu JSDoc examples", () => {
  assert.equal(
    mergeVisibleDevices(
      new Map([["NVIDIA_VISIBLE_DEVICES_A", "0"], ["NVIDIA_VISIBLE_DEVICES_B", "1"]]),
    ).get("NVIDIA_VISIBLE_DEVICES"),
    "0,1",
  );
  assert.equal(isLegacy(new Map([["CUDA_VERSION", "9.0"]])), true);
  const d = decideGpu(
    { env: new Map([["NVIDIA_VISIBLE_DEVICES", "0"]]), privileged: false },
    config(),
  );
  assert.equal(d.wantsGpu, true);
});
