import assert from "node:assert/strict";
import { throwsExactly } from "./_assert.ts";
import { gpuDecision, hookConfig, type Wants } from "./_builders.ts";
import type { Capability } from "../lib/capabilities.ts";
import {
  decideGpu,
  type GpuDecision,
  isLegacy,
  mergeVisibleDevices,
  VISIBLE_DEVICES,
} from "../lib/decide_gpu.ts";
import { parseEnv } from "../lib/env_map.ts";
import { InputError, PolicyError } from "../lib/errors.ts";
import type { HookConfig } from "../lib/hook_config.ts";

const ALL_CAPS: Capability[] = [
  "compute",
  "compat32",
  "graphics",
  "utility",
  "video",
  "display",
  "ngx",
];
const CAPS_LIST = "compute, compat32, graphics, utility, video, display, ngx";
const NOT_SET = { wantsGpu: false, reason: "NVIDIA_VISIBLE_DEVICES is not set" } as const;

function env(...entries: string[]): Map<string, string> {
  return new Map(parseEnv(entries, "/b/config.json"));
}

function config(
  options: { swarm?: string; merge?: boolean; disableRequire?: boolean } = {},
): HookConfig {
  return hookConfig({ alphaMergeVisibleDevicesEnvvars: options.merge ?? false }, {
    disableRequire: options.disableRequire ?? false,
    swarmResource: options.swarm,
  });
}

function decide(entries: string[], privileged = false, c: HookConfig = config()): GpuDecision {
  return decideGpu({ env: env(...entries), privileged }, c);
}

function voided(source: string): GpuDecision {
  return { wantsGpu: false, reason: `${source} requests no device (empty or "void")` };
}

const gpu = (fields: Partial<Wants>): GpuDecision => gpuDecision(fields);

function capabilityError(name: string): string {
  return `Unknown driver capability ${JSON.stringify(name)} in NVIDIA_DRIVER_CAPABILITIES;` +
    ` expected "all" or a comma-separated list of ${CAPS_LIST}`;
}

function cudaError(value: string): string {
  return `Invalid CUDA_VERSION ${
    JSON.stringify(value)
  }: expected MAJOR[.MINOR[.PATCH]] in decimal numbers`;
}

function migError(name: string): string {
  return `Cannot set ${name} in an unprivileged container (CAP_SYS_ADMIN is not in its bounding set)`;
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
    ["none,all", { kind: "all" }],
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
    gpu({
      source: "",
      legacy: true,
      capabilities: ALL_CAPS,
      requirements: ["cuda>=9.0"],
    }),
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
        gpu({ legacy: true, devices, capabilities: ALL_CAPS, requirements: ["cuda>=8.0"] }),
      );
    });
  }
});

// --- 5.3 swarm-resource (2020: one variable name) ---

Deno.test("decideGpu() prefers the swarm-resource variable when present", async (t) => {
  const c = config({ swarm: "DOCKER_RESOURCE_GPU" });
  const table: [string[], GpuDecision][] = [
    [
      ["NVIDIA_VISIBLE_DEVICES=1", "DOCKER_RESOURCE_GPU=0"],
      gpu({ source: "DOCKER_RESOURCE_GPU", devices: { kind: "list", ids: ["0"] } }),
    ],
    [
      ["DOCKER_RESOURCE_GPU=GPU-a,GPU-b"],
      gpu({ source: "DOCKER_RESOURCE_GPU", devices: { kind: "list", ids: ["GPU-a", "GPU-b"] } }),
    ],
    [["DOCKER_RESOURCE_GPU=", "NVIDIA_VISIBLE_DEVICES=all"], voided("DOCKER_RESOURCE_GPU")],
    [["DOCKER_RESOURCE_GPU=void", "NVIDIA_VISIBLE_DEVICES=all"], voided("DOCKER_RESOURCE_GPU")],
    [["DOCKER_RESOURCE_GPU=", "CUDA_VERSION=9.0"], voided("DOCKER_RESOURCE_GPU")],
    [
      ["DOCKER_RESOURCE_GPU=all", "NVIDIA_VISIBLE_DEVICES=void"],
      gpu({ source: "DOCKER_RESOURCE_GPU" }),
    ],
    [["NVIDIA_VISIBLE_DEVICES=1"], gpu({ devices: { kind: "list", ids: ["1"] } })],
    [["NVIDIA_VISIBLE_DEVICES="], voided(VISIBLE_DEVICES)],
    [["docker_resource_gpu=0"], NOT_SET],
    [[], NOT_SET],
    [
      ["CUDA_VERSION=9.0"],
      gpu({ source: "", legacy: true, capabilities: ALL_CAPS, requirements: ["cuda>=9.0"] }),
    ],
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
      gpu({
        legacy: true,
        devices: { kind: "list", ids: ["2"] },
        capabilities: ALL_CAPS,
        requirements: ["cuda>=9.0"],
      }),
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
        config({ merge: true, swarm: "DOCKER_RESOURCE_GPU" }),
      ),
      gpu({ source: "DOCKER_RESOURCE_GPU", devices: { kind: "list", ids: ["7"] } }),
    );
  });
});

// --- 5.6 driver capabilities ---

Deno.test("decideGpu() reads NVIDIA_DRIVER_CAPABILITIES", async (t) => {
  const table: [string | undefined, Capability[]][] = [
    [undefined, ["utility"]],
    ["", ["utility"]],
    [" ", ["utility"]],
    [",", ["utility"]],
    [" , ,", ["utility"]],
    ["all", ALL_CAPS],
    [" all ", ALL_CAPS],
    ["compute,all", ALL_CAPS],
    ["compute", ["compute"]],
    ["compute,utility", ["compute", "utility"]],
    ["utility,compute", ["utility", "compute"]],
    ["utility, compute ,utility", ["utility", "compute"]],
    ["compute,,video", ["compute", "video"]],
    [",ngx", ["ngx"]],
    ["ngx,display,video,utility,graphics,compat32,compute", [
      "ngx",
      "display",
      "video",
      "utility",
      "graphics",
      "compat32",
      "compute",
    ]],
  ];
  for (const [value, capabilities] of table) {
    await t.step(value === undefined ? "absent" : JSON.stringify(value), () => {
      const entries = ["NVIDIA_VISIBLE_DEVICES=all"];
      if (value !== undefined) entries.push(`NVIDIA_DRIVER_CAPABILITIES=${value}`);
      assert.deepEqual(decide(entries), gpu({ capabilities }));
    });
  }
});

Deno.test("decideGpu() gives a legacy image all capabilities only when the variable is absent", async (t) => {
  const table: [string | undefined, Capability[]][] = [
    [undefined, ALL_CAPS],
    ["", ["utility"]],
    [",", ["utility"]],
    ["video", ["video"]],
    ["all", ALL_CAPS],
  ];
  for (const [value, capabilities] of table) {
    await t.step(value === undefined ? "absent" : JSON.stringify(value), () => {
      const entries = ["CUDA_VERSION=10.1"];
      if (value !== undefined) entries.push(`NVIDIA_DRIVER_CAPABILITIES=${value}`);
      assert.deepEqual(
        decide(entries),
        gpu({ source: "", legacy: true, capabilities, requirements: ["cuda>=10.1"] }),
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
  const table: [string[], string[]][] = [
    [["NVIDIA_REQUIRE_CUDA=cuda>=11.0"], ["cuda>=11.0"]],
    [
      [
        "NVIDIA_REQUIRE_CUDA=cuda>=11.0 brand=tesla,driver>=418",
        "NVIDIA_REQUIRE_DRIVER=driver>=450",
      ],
      ["cuda>=11.0 brand=tesla,driver>=418", "driver>=450"],
    ],
    [["NVIDIA_REQUIRE_Z=z", "NVIDIA_REQUIRE_A=a", "NVIDIA_REQUIRE_M=m"], ["z", "a", "m"]],
    [["NVIDIA_REQUIRE_B=b1", "NVIDIA_REQUIRE_A=a", "NVIDIA_REQUIRE_B=b2"], ["b2", "a"]],
    [["NVIDIA_REQUIRE_A=", "NVIDIA_REQUIRE_B=b"], ["b"]],
    [["NVIDIA_REQUIRE_A=a", "NVIDIA_REQUIRE_A="], []],
    [["NVIDIA_REQUIRE_=x"], ["x"]],
    [["NVIDIA_REQUIRE=x", "NVIDIA_REQUIREMENT=y", "nvidia_require_cuda=z"], []],
    [["NVIDIA_REQUIRE_CUDA=cuda>=11.0", "CUDA_VERSION=11.0"], ["cuda>=11.0"]],
  ];
  for (const [entries, requirements] of table) {
    await t.step(JSON.stringify(entries), () => {
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
  ];
  for (const [version, requirement] of table) {
    await t.step(JSON.stringify(version), () => {
      assert.deepEqual(
        decide([
          `CUDA_VERSION=${version}`,
          "NVIDIA_REQUIRE_DRIVER=driver>=384",
          "NVIDIA_REQUIRE_CUDA=",
        ]),
        gpu({
          source: "",
          legacy: true,
          capabilities: ALL_CAPS,
          requirements: ["driver>=384", requirement],
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
    "9.0-rc",
    "9.0a",
    "-1",
    "4294967296",
    "9.4294967296",
    "1e3",
    "0x10",
    " ",
    "9,0",
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
        " expected MAJOR[.MINOR[.PATCH]] in decimal numbers",
    );
  });
});

Deno.test("decideGpu() does not parse CUDA_VERSION of an image that is not legacy", () => {
  assert.deepEqual(
    decide(["CUDA_VERSION=garbage", "NVIDIA_REQUIRE_CUDA=cuda>=11.0", "NVIDIA_VISIBLE_DEVICES=0"]),
    gpu({ devices: { kind: "list", ids: ["0"] }, requirements: ["cuda>=11.0"] }),
  );
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
      gpu({ source: "", legacy: true, capabilities: ALL_CAPS, requirements: [] }),
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
        gpu({ source: "", legacy: true, capabilities: ALL_CAPS, requirements: [] }),
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
        gpu({ requirements: ["cuda>=11.0"] }),
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
      gpu({ requirements: ["c"] }),
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

Deno.test("decideGpu() checks MIG config, MIG monitor, CUDA_VERSION, capabilities in that order", async (t) => {
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
});
