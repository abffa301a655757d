import assert from "node:assert/strict";
import { InputError } from "../lib/errors.ts";
import { requirements } from "../lib/requirements.ts";

// SPEC 5.7 without the [later] items: every NVIDIA_REQUIRE_* value in
// process.env order (empty values skipped), then cuda>=MAJOR.MINOR for a
// legacy image; nothing when disable-require or NVIDIA_DISABLE_REQUIRE
// (Go ParseBool) is true, but a legacy CUDA_VERSION is still parsed.

const current = { legacy: false, disableRequire: false };
const legacy = { legacy: true, disableRequire: false };

const cudaError = (quoted: string): string =>
  `Invalid CUDA_VERSION ${quoted}: expected MAJOR[.MINOR[.PATCH]] in decimal numbers`;

Deno.test("requirements() collects NVIDIA_REQUIRE_* values in process.env order", async (t) => {
  const cases: Array<[string, Array<[string, string]>, string[]]> = [
    ["no variables", [], []],
    ["unrelated variables", [["PATH", "/bin"], ["NVIDIA_VISIBLE_DEVICES", "all"]], []],
    ["one requirement", [["NVIDIA_REQUIRE_CUDA", "cuda>=11.0"]], ["cuda>=11.0"]],
    [
      "value passed untouched",
      [["NVIDIA_REQUIRE_CUDA", "cuda>=11.0 brand=tesla,driver>=418,driver<419"]],
      ["cuda>=11.0 brand=tesla,driver>=418,driver<419"],
    ],
    [
      "env order, not name order",
      [
        ["NVIDIA_REQUIRE_DRIVER", "driver>=450"],
        ["PATH", "/bin"],
        ["NVIDIA_REQUIRE_CUDA", "cuda>=11.0"],
        ["NVIDIA_REQUIRE_ARCH", "arch=x86_64"],
      ],
      ["driver>=450", "cuda>=11.0", "arch=x86_64"],
    ],
    [
      "empty values skipped",
      [["NVIDIA_REQUIRE_A", ""], ["NVIDIA_REQUIRE_B", "b>=1"], ["NVIDIA_REQUIRE_C", ""]],
      ["b>=1"],
    ],
    ["empty suffix counts", [["NVIDIA_REQUIRE_", "x>=1"]], ["x>=1"]],
    [
      "same value twice kept twice",
      [["NVIDIA_REQUIRE_A", "cuda>=10.0"], ["NVIDIA_REQUIRE_B", "cuda>=10.0"]],
      ["cuda>=10.0", "cuda>=10.0"],
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
      ["cuda>=11.0"],
    ],
    ["invalid CUDA_VERSION not parsed for a current image", [["CUDA_VERSION", "garbage"]], []],
  ];
  for (const [name, entries, want] of cases) {
    await t.step(name, () => {
      assert.deepEqual(requirements(new Map(entries), current), want);
    });
  }
});

Deno.test("requirements() adds cuda>=MAJOR.MINOR last for a legacy image", async (t) => {
  const cases: Array<[string, Array<[string, string]>, string[]]> = [
    ["major.minor", [["CUDA_VERSION", "9.0"]], ["cuda>=9.0"]],
    ["patch dropped", [["CUDA_VERSION", "9.0.176"]], ["cuda>=9.0"]],
    ["major only", [["CUDA_VERSION", "10"]], ["cuda>=10.0"]],
    ["minor kept", [["CUDA_VERSION", "8.2.1"]], ["cuda>=8.2"]],
    ["leading zeros", [["CUDA_VERSION", "08.02"]], ["cuda>=8.2"]],
    ["whitespace", [["CUDA_VERSION", " 9.2 "]], ["cuda>=9.2"]],
    ["largest parts", [["CUDA_VERSION", "4294967295.4294967295.1"]], [
      "cuda>=4294967295.4294967295",
    ]],
    [
      "after the other requirements, even when CUDA_VERSION comes first",
      [
        ["CUDA_VERSION", "9.0.176"],
        ["NVIDIA_REQUIRE_DRIVER", "driver>=384"],
        ["NVIDIA_REQUIRE_ARCH", "arch=x86_64"],
      ],
      ["driver>=384", "arch=x86_64", "cuda>=9.0"],
    ],
    [
      "empty NVIDIA_REQUIRE_CUDA skipped",
      [["NVIDIA_REQUIRE_CUDA", ""], ["CUDA_VERSION", "9.1"]],
      ["cuda>=9.1"],
    ],
  ];
  for (const [name, entries, want] of cases) {
    await t.step(name, () => {
      assert.deepEqual(requirements(new Map(entries), legacy), want);
    });
  }
});

Deno.test("requirements() rejects an invalid legacy CUDA_VERSION with InputError", async (t) => {
  const cases: Array<[string, { legacy: boolean; disableRequire: boolean }, string, string]> = [
    ["9.x", legacy, "", '"9.x"'],
    ["v9.0", legacy, "", '"v9.0"'],
    ["9. 0", legacy, "", '"9. 0"'],
    ["9.0.0.0", legacy, "", '"9.0.0.0"'],
    ["4294967296", legacy, "", '"4294967296"'],
    ["9.x", { legacy: true, disableRequire: true }, "", '"9.x"'],
    ["9.x", legacy, "true", '"9.x"'],
    ["9.x", legacy, "1", '"9.x"'],
  ];
  for (const [version, options, disable, quoted] of cases) {
    const label = `${JSON.stringify(version)} disable-require=${options.disableRequire}` +
      ` NVIDIA_DISABLE_REQUIRE=${JSON.stringify(disable)}`;
    await t.step(label, () => {
      const env = new Map([
        ["NVIDIA_REQUIRE_DRIVER", "driver>=384"],
        ["CUDA_VERSION", version],
        ["NVIDIA_DISABLE_REQUIRE", disable],
      ]);
      assert.throws(() => requirements(env, options), (e: unknown) => {
        assert.ok(e instanceof InputError, `expected InputError, got ${e}`);
        assert.equal(e.message, cudaError(quoted));
        return true;
      });
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
      assert.deepEqual(requirements(env, current), ["cuda>=11.0"]);
      const legacyEnv = new Map([
        ["CUDA_VERSION", "9.0"],
        ["NVIDIA_DISABLE_REQUIRE", value],
      ]);
      assert.deepEqual(requirements(legacyEnv, legacy), ["cuda>=9.0"]);
    });
  }
  await t.step("absent", () => {
    const env = new Map([["NVIDIA_REQUIRE_CUDA", "cuda>=11.0"]]);
    assert.deepEqual(requirements(env, current), ["cuda>=11.0"]);
  });
  await t.step("lower-case name is not the variable", () => {
    const env = new Map([["nvidia_disable_require", "true"], [
      "NVIDIA_REQUIRE_CUDA",
      "cuda>=11.0",
    ]]);
    assert.deepEqual(requirements(env, current), ["cuda>=11.0"]);
  });
});
