import assert from "node:assert/strict";
import { throwsExactly } from "./_assert.ts";
import { req } from "./_builders.ts";
import {
  JETPACK_PREFIX,
  REQUIRE_PREFIX,
  type Requirement,
  requirements,
  requirementsDisabled,
} from "../lib/requirements.ts";

// SPEC 5.7: every NVIDIA_REQUIRE_* value in process.env order (empty values
// and NVIDIA_REQUIRE_JETPACK* skipped), then cuda>=MAJOR.MINOR for a legacy
// image; nothing, and CUDA_VERSION not even parsed, when disable-require or
// NVIDIA_DISABLE_REQUIRE (Go ParseBool) is true.

const current = { legacy: false, disableRequire: false };
const legacy = { legacy: true, disableRequire: false };

const cudaError = (quoted: string): string =>
  `Invalid CUDA_VERSION ${quoted}: expected [v]MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD]` +
  ` with decimal numbers`;

Deno.test("REQUIRE_PREFIX and JETPACK_PREFIX are the SPEC 5.7 prefixes", () => {
  assert.equal(REQUIRE_PREFIX, "NVIDIA_REQUIRE_");
  assert.equal(JETPACK_PREFIX, "NVIDIA_REQUIRE_JETPACK");
});

Deno.test("requirements() collects NVIDIA_REQUIRE_* values in process.env order", async (t) => {
  const cases: Array<[string, Array<[string, string]>, Requirement[]]> = [
    ["no variables", [], []],
    ["unrelated variables", [["PATH", "/bin"], ["NVIDIA_VISIBLE_DEVICES", "all"]], []],
    ["one requirement", [["NVIDIA_REQUIRE_CUDA", "cuda>=11.0"]], [
      req("cuda>=11.0", "NVIDIA_REQUIRE_CUDA"),
    ]],
    [
      "value passed untouched",
      [["NVIDIA_REQUIRE_CUDA", "cuda>=11.0 brand=tesla,driver>=418,driver<419"]],
      [req("cuda>=11.0 brand=tesla,driver>=418,driver<419", "NVIDIA_REQUIRE_CUDA")],
    ],
    [
      "env order, not name order",
      [
        ["NVIDIA_REQUIRE_DRIVER", "driver>=450"],
        ["PATH", "/bin"],
        ["NVIDIA_REQUIRE_CUDA", "cuda>=11.0"],
        ["NVIDIA_REQUIRE_ARCH", "arch=x86_64"],
      ],
      [
        req("driver>=450", "NVIDIA_REQUIRE_DRIVER"),
        req("cuda>=11.0", "NVIDIA_REQUIRE_CUDA"),
        req("arch=x86_64", "NVIDIA_REQUIRE_ARCH"),
      ],
    ],
    [
      "empty values skipped",
      [["NVIDIA_REQUIRE_A", ""], ["NVIDIA_REQUIRE_B", "b>=1"], ["NVIDIA_REQUIRE_C", ""]],
      [req("b>=1", "NVIDIA_REQUIRE_B")],
    ],
    ["empty suffix counts", [["NVIDIA_REQUIRE_", "x>=1"]], [req("x>=1", "NVIDIA_REQUIRE_")]],
    [
      "same value twice kept twice",
      [["NVIDIA_REQUIRE_A", "cuda>=10.0"], ["NVIDIA_REQUIRE_B", "cuda>=10.0"]],
      [req("cuda>=10.0", "NVIDIA_REQUIRE_A"), req("cuda>=10.0", "NVIDIA_REQUIRE_B")],
    ],
    [
      "names that only look like requirements",
      [
        ["NVIDIA_REQUIRE", "a>=1"],
        ["nvidia_require_cuda", "b>=1"],
        ["Nvidia_Require_Cuda", "c>=1"],
        ["X_NVIDIA_REQUIRE_CUDA", "d>=1"],
        ["NVIDIA_REQUIRES_CUDA", "e>=1"],
        ["NVIDIA_DISABLE_REQUIRE", "false"],
        [" NVIDIA_REQUIRE_CUDA", "f>=1"],
      ],
      [],
    ],
    [
      "CUDA_VERSION ignored for a current image",
      [["CUDA_VERSION", "11.0"], ["NVIDIA_REQUIRE_CUDA", "cuda>=11.0"]],
      [req("cuda>=11.0", "NVIDIA_REQUIRE_CUDA")],
    ],
    ["invalid CUDA_VERSION not parsed for a current image", [["CUDA_VERSION", "garbage"]], []],
  ];
  for (const [name, entries, want] of cases) {
    await t.step(name, () => {
      assert.deepEqual(requirements(new Map(entries), current), want);
    });
  }
});

Deno.test("requirements() skips NVIDIA_REQUIRE_JETPACK* (Jetson mount lists)", async (t) => {
  const cases: Array<[string, Array<[string, string]>, Requirement[]]> = [
    ["NVIDIA_REQUIRE_JETPACK", [["NVIDIA_REQUIRE_JETPACK", "csv-mounts=all"]], []],
    [
      "NVIDIA_REQUIRE_JETPACK_HOST_MOUNTS",
      [["NVIDIA_REQUIRE_JETPACK_HOST_MOUNTS", "/usr/lib/aarch64-linux-gnu/tegra"]],
      [],
    ],
    ["NVIDIA_REQUIRE_JETPACKX", [["NVIDIA_REQUIRE_JETPACKX", "x"]], []],
    [
      "between real requirements",
      [
        ["NVIDIA_REQUIRE_CUDA", "cuda>=10.2"],
        ["NVIDIA_REQUIRE_JETPACK", "csv-mounts=all"],
        ["NVIDIA_REQUIRE_L4T", "l4t>=32.4"],
      ],
      [req("cuda>=10.2", "NVIDIA_REQUIRE_CUDA"), req("l4t>=32.4", "NVIDIA_REQUIRE_L4T")],
    ],
    ["NVIDIA_REQUIRE_JETPAC is not a JETPACK name", [["NVIDIA_REQUIRE_JETPAC", "j"]], [
      req("j", "NVIDIA_REQUIRE_JETPAC"),
    ]],
    ["NVIDIA_REQUIRE_jetpack is case-sensitive", [["NVIDIA_REQUIRE_jetpack", "j"]], [
      req("j", "NVIDIA_REQUIRE_jetpack"),
    ]],
    ["NVIDIA_REQUIRE_XJETPACK", [["NVIDIA_REQUIRE_XJETPACK", "j"]], [
      req("j", "NVIDIA_REQUIRE_XJETPACK"),
    ]],
  ];
  for (const [name, entries, want] of cases) {
    await t.step(name, () => {
      assert.deepEqual(requirements(new Map(entries), current), want);
    });
  }
  await t.step("legacy image: cuda>= still added", () => {
    assert.deepEqual(
      requirements(
        new Map([["NVIDIA_REQUIRE_JETPACK", "csv-mounts=all"], ["CUDA_VERSION", "10.2"]]),
        legacy,
      ),
      [req("cuda>=10.2", "CUDA_VERSION")],
    );
  });
});

Deno.test("requirements() adds cuda>=MAJOR.MINOR last for a legacy image", async (t) => {
  const cases: Array<[string, Array<[string, string]>, Requirement[]]> = [
    ["major.minor", [["CUDA_VERSION", "9.0"]], [req("cuda>=9.0", "CUDA_VERSION")]],
    ["patch dropped", [["CUDA_VERSION", "9.0.176"]], [req("cuda>=9.0", "CUDA_VERSION")]],
    ["major only", [["CUDA_VERSION", "10"]], [req("cuda>=10.0", "CUDA_VERSION")]],
    ["minor kept", [["CUDA_VERSION", "8.2.1"]], [req("cuda>=8.2", "CUDA_VERSION")]],
    ["leading zeros", [["CUDA_VERSION", "08.02"]], [req("cuda>=8.2", "CUDA_VERSION")]],
    ["whitespace", [["CUDA_VERSION", " 9.2 "]], [req("cuda>=9.2", "CUDA_VERSION")]],
    ["v prefix", [["CUDA_VERSION", "v9.0.176"]], [req("cuda>=9.0", "CUDA_VERSION")]],
    ["v prefix, major only", [["CUDA_VERSION", "v10"]], [req("cuda>=10.0", "CUDA_VERSION")]],
    ["whitespace then v", [["CUDA_VERSION", " v9.2 "]], [req("cuda>=9.2", "CUDA_VERSION")]],
    ["largest parts", [["CUDA_VERSION", "4294967295.4294967295.1"]], [
      req("cuda>=4294967295.4294967295", "CUDA_VERSION"),
    ]],
    ["largest patch", [["CUDA_VERSION", "9.1.18446744073709551615"]], [
      req("cuda>=9.1", "CUDA_VERSION"),
    ]],
    ["pre-release ignored", [["CUDA_VERSION", "9.0-rc1"]], [req("cuda>=9.0", "CUDA_VERSION")]],
    ["pre-release on a major", [["CUDA_VERSION", "9-rc1"]], [req("cuda>=9.0", "CUDA_VERSION")]],
    ["build ignored", [["CUDA_VERSION", "10.2.89+b"]], [req("cuda>=10.2", "CUDA_VERSION")]],
    ["both suffixes ignored", [["CUDA_VERSION", "v1.2.3-a+b"]], [
      req("cuda>=1.2", "CUDA_VERSION"),
    ]],
    [
      "after the other requirements, even when CUDA_VERSION comes first",
      [
        ["CUDA_VERSION", "9.0.176"],
        ["NVIDIA_REQUIRE_DRIVER", "driver>=384"],
        ["NVIDIA_REQUIRE_ARCH", "arch=x86_64"],
      ],
      [
        req("driver>=384", "NVIDIA_REQUIRE_DRIVER"),
        req("arch=x86_64", "NVIDIA_REQUIRE_ARCH"),
        req("cuda>=9.0", "CUDA_VERSION"),
      ],
    ],
    [
      "empty NVIDIA_REQUIRE_CUDA skipped",
      [["NVIDIA_REQUIRE_CUDA", ""], ["CUDA_VERSION", "9.1"]],
      [req("cuda>=9.1", "CUDA_VERSION")],
    ],
  ];
  for (const [name, entries, want] of cases) {
    await t.step(name, () => {
      assert.deepEqual(requirements(new Map(entries), legacy), want);
    });
  }
});

Deno.test("requirements() rejects an invalid legacy CUDA_VERSION with InputError", async (t) => {
  const cases: Array<[string, string]> = [
    ["9.x", '"9.x"'],
    ["V9.0", '"V9.0"'],
    ["vv9.0", '"vv9.0"'],
    ["v", '"v"'],
    ["v 9.0", '"v 9.0"'],
    ["9. 0", '"9. 0"'],
    ["9.0.0.0", '"9.0.0.0"'],
    ["4294967296", '"4294967296"'],
    ["9.0-", '"9.0-"'],
    ["9.0+", '"9.0+"'],
    ["9.0rc1", '"9.0rc1"'],
    ["9.0-01", '"9.0-01"'],
    ["9.0-rc_1", '"9.0-rc_1"'],
    ["9.0.99999999999999999999", '"9.0.99999999999999999999"'],
  ];
  for (const [version, quoted] of cases) {
    await t.step(JSON.stringify(version), () => {
      const env = new Map([
        ["NVIDIA_REQUIRE_DRIVER", "driver>=384"],
        ["CUDA_VERSION", version],
      ]);
      throwsExactly(() => requirements(env, legacy), cudaError(quoted));
    });
  }
  await t.step("NVIDIA_DISABLE_REQUIRE false or unparsable still parses it", () => {
    for (const disable of ["", "false", "0", "yes"]) {
      const env = new Map([["CUDA_VERSION", "9.x"], ["NVIDIA_DISABLE_REQUIRE", disable]]);
      throwsExactly(() => requirements(env, legacy), cudaError('"9.x"'));
    }
  });
});

Deno.test("requirements() does not parse CUDA_VERSION when requirements are disabled", async (t) => {
  const cases: Array<[string, { legacy: boolean; disableRequire: boolean }, string]> = [
    ["9.x", { legacy: true, disableRequire: true }, ""],
    ["9.x", legacy, "true"],
    ["9.x", legacy, "1"],
    ["9.x", legacy, "T"],
    ["garbage", legacy, "True"],
    ["9.0.0.0", { legacy: true, disableRequire: true }, "false"],
    ["4294967296", legacy, "TRUE"],
  ];
  for (const [version, options, disable] of cases) {
    const label = `${JSON.stringify(version)} disable-require=${options.disableRequire}` +
      ` NVIDIA_DISABLE_REQUIRE=${JSON.stringify(disable)}`;
    await t.step(label, () => {
      const env = new Map([
        ["NVIDIA_REQUIRE_DRIVER", "driver>=384"],
        ["CUDA_VERSION", version],
        ["NVIDIA_DISABLE_REQUIRE", disable],
      ]);
      assert.deepEqual(requirements(env, options), []);
    });
  }
});

Deno.test("requirements() returns none when disable-require is set", async (t) => {
  const env = new Map([
    ["NVIDIA_REQUIRE_CUDA", "cuda>=11.0"],
    ["NVIDIA_REQUIRE_DRIVER", "driver>=450"],
    ["CUDA_VERSION", "11.0"],
  ]);
  await t.step("current image", () => {
    assert.deepEqual(requirements(env, { legacy: false, disableRequire: true }), []);
  });
  await t.step("legacy image", () => {
    assert.deepEqual(
      requirements(new Map([["CUDA_VERSION", "9.0"]]), { legacy: true, disableRequire: true }),
      [],
    );
  });
});

Deno.test("requirements() returns none when NVIDIA_DISABLE_REQUIRE is true for Go's ParseBool", async (t) => {
  for (const value of ["1", "t", "T", "TRUE", "true", "True"]) {
    await t.step(JSON.stringify(value), () => {
      const env = new Map([
        ["NVIDIA_REQUIRE_CUDA", "cuda>=11.0"],
        ["NVIDIA_DISABLE_REQUIRE", value],
      ]);
      assert.deepEqual(requirements(env, current), []);
      const legacyEnv = new Map([
        ["NVIDIA_DISABLE_REQUIRE", value],
        ["NVIDIA_REQUIRE_DRIVER", "driver>=384"],
        ["CUDA_VERSION", "9.0"],
      ]);
      assert.deepEqual(requirements(legacyEnv, legacy), []);
    });
  }
});

Deno.test("requirements() keeps requirements when NVIDIA_DISABLE_REQUIRE is false or unparsable", async (t) => {
  for (
    const value of ["0", "f", "false", "FALSE", "", "yes", "on", "y", "2", " true", "true ", "tRUE"]
  ) {
    await t.step(JSON.stringify(value), () => {
      const env = new Map([
        ["NVIDIA_DISABLE_REQUIRE", value],
        ["NVIDIA_REQUIRE_CUDA", "cuda>=11.0"],
      ]);
      assert.deepEqual(requirements(env, current), [req("cuda>=11.0", "NVIDIA_REQUIRE_CUDA")]);
      const legacyEnv = new Map([
        ["CUDA_VERSION", "9.0"],
        ["NVIDIA_DISABLE_REQUIRE", value],
      ]);
      assert.deepEqual(requirements(legacyEnv, legacy), [req("cuda>=9.0", "CUDA_VERSION")]);
    });
  }
  await t.step("absent", () => {
    const env = new Map([["NVIDIA_REQUIRE_CUDA", "cuda>=11.0"]]);
    assert.deepEqual(requirements(env, current), [req("cuda>=11.0", "NVIDIA_REQUIRE_CUDA")]);
  });
  await t.step("lower-case name is not the variable", () => {
    const env = new Map([["nvidia_disable_require", "true"], [
      "NVIDIA_REQUIRE_CUDA",
      "cuda>=11.0",
    ]]);
    assert.deepEqual(requirements(env, current), [req("cuda>=11.0", "NVIDIA_REQUIRE_CUDA")]);
  });
});

Deno.test("requirementsDisabled() is disable-require or NVIDIA_DISABLE_REQUIRE true for Go", async (t) => {
  const cases: Array<[string | undefined, boolean, boolean]> = [
    [undefined, false, false],
    [undefined, true, true],
    ["", false, false],
    ["", true, true],
    ["false", true, true],
    ["0", false, false],
    ["yes", false, false],
    [" true", false, false],
    ["tRUE", false, false],
    ["1", false, true],
    ["t", false, true],
    ["T", false, true],
    ["TRUE", false, true],
    ["true", false, true],
    ["True", false, true],
  ];
  for (const [value, disableRequire, want] of cases) {
    await t.step(`${JSON.stringify(value) ?? "absent"} disable-require=${disableRequire}`, () => {
      const env = new Map<string, string>();
      if (value !== undefined) env.set("NVIDIA_DISABLE_REQUIRE", value);
      assert.equal(requirementsDisabled(env, disableRequire), want);
    });
  }
});

Deno.test("requirements() and requirementsDisabled() JSDoc examples", () => {
  assert.equal(requirementsDisabled(new Map([["NVIDIA_DISABLE_REQUIRE", "1"]]), false), true);
  assert.deepEqual(
    requirements(new Map([["NVIDIA_REQUIRE_CUDA", "cuda>=11.0"]]), current),
    [{ value: "cuda>=11.0", source: "NVIDIA_REQUIRE_CUDA" }],
  );
});
