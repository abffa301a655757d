import assert from "node:assert/strict";
import { CAPABILITIES, type Capability, parseCapabilities } from "../lib/capabilities.ts";
import { throwsExactly } from "./_assert.ts";
import { InputError, PolicyError } from "../lib/errors.ts";

// SPEC 5.6, with [later] supported-driver-capabilities as the third parameter.

const ALL: Capability[] = [
  "compute",
  "compat32",
  "graphics",
  "utility",
  "video",
  "display",
  "ngx",
];

const unknown = (quoted: string): string =>
  `Unknown driver capability ${quoted} in NVIDIA_DRIVER_CAPABILITIES;` +
  ` expected "all" or a comma-separated list of compute, compat32, graphics, utility, video, display, ngx`;

Deno.test("CAPABILITIES lists the seven capabilities in canonical order", () => {
  assert.deepEqual([...CAPABILITIES], ALL);
});

Deno.test("parseCapabilities() defaults an absent variable by image kind", async (t) => {
  await t.step("absent, legacy image: all seven", () => {
    assert.deepEqual(parseCapabilities(undefined, true), ALL);
  });
  await t.step("absent, current image: utility", () => {
    assert.deepEqual(parseCapabilities(undefined, false), ["utility"]);
  });
});

Deno.test("parseCapabilities() gives utility for an empty value", async (t) => {
  for (const legacy of [false, true]) {
    for (const value of ["", " ", ",", " , ,", ",,", "\t"]) {
      await t.step(`${JSON.stringify(value)} legacy=${legacy}`, () => {
        assert.deepEqual(parseCapabilities(value, legacy), ["utility"]);
      });
    }
  }
});

Deno.test("parseCapabilities() gives all seven for an all item anywhere", async (t) => {
  for (const legacy of [false, true]) {
    for (
      const value of ["all", " all ", "all,", "utility,all", "all,utility", "compute, all ,video"]
    ) {
      await t.step(`${JSON.stringify(value)} legacy=${legacy}`, () => {
        assert.deepEqual(parseCapabilities(value, legacy), ALL);
      });
    }
  }
});

Deno.test("parseCapabilities() keeps the user's order, trimmed and de-duplicated", async (t) => {
  const cases: Array<[string, Capability[]]> = [
    ["utility", ["utility"]],
    ["compute", ["compute"]],
    ["compute,utility", ["compute", "utility"]],
    ["utility,compute", ["utility", "compute"]],
    ["utility, compute", ["utility", "compute"]],
    [" video , graphics ", ["video", "graphics"]],
    ["compute,compute", ["compute"]],
    ["compute,utility,compute", ["compute", "utility"]],
    [",compute", ["compute"]],
    ["compute,,video", ["compute", "video"]],
    ["compute,", ["compute"]],
    ["ngx,display,video,utility,graphics,compat32,compute", [
      "ngx",
      "display",
      "video",
      "utility",
      "graphics",
      "compat32",
      "compute",
    ]],
    ["compute,compat32,graphics,utility,video,display,ngx", ALL],
  ];
  for (const [value, want] of cases) {
    await t.step(JSON.stringify(value), () => {
      assert.deepEqual(parseCapabilities(value, false), want);
      assert.deepEqual(parseCapabilities(value, true), want);
    });
  }
});

Deno.test("parseCapabilities() rejects an unknown name with InputError naming it", async (t) => {
  const cases: Array<[string, string]> = [
    ["foo", '"foo"'],
    ["compute,foo", '"foo"'],
    ["foo,compute", '"foo"'],
    ["foo,bar", '"foo"'],
    [" foo ", '"foo"'],
    ["Compute", '"Compute"'],
    ["UTILITY", '"UTILITY"'],
    ["ALL", '"ALL"'],
    ["All,compute", '"All"'],
    ["none", '"none"'],
    ["void", '"void"'],
    ["compute;utility", '"compute;utility"'],
    ["compute utility", '"compute utility"'],
    ["gpu", '"gpu"'],
    ["compute,utility,display,vid", '"vid"'],
    ["__proto__", '"__proto__"'],
    ["a\nb", '"a\\nb"'],
    ["x".repeat(80), `"${"x".repeat(64)}..."`],
  ];
  for (const [value, quoted] of cases) {
    await t.step(JSON.stringify(value), () => {
      assert.throws(() => parseCapabilities(value, false), (e: unknown) => {
        assert.ok(e instanceof InputError, `expected InputError, got ${e}`);
        assert.equal(e.message, unknown(quoted));
        return true;
      });
      assert.throws(() => parseCapabilities(value, true), InputError);
    });
  }
});

Deno.test("parseCapabilities() returns a fresh array each call", () => {
  parseCapabilities(undefined, true).pop();
  parseCapabilities("all", false).pop();
  parseCapabilities(undefined, false).push("compute");
  assert.deepEqual(parseCapabilities(undefined, true), ALL);
  assert.deepEqual(parseCapabilities("all", false), ALL);
  assert.deepEqual(parseCapabilities(undefined, false), ["utility"]);
  assert.deepEqual([...CAPABILITIES], ALL);
});

const unsupported = (quoted: string, supported: string): string =>
  `Driver capability ${quoted} in NVIDIA_DRIVER_CAPABILITIES is not supported on this host` +
  ` (supported-driver-capabilities: ${supported})`;

Deno.test("parseCapabilities() allows every capability by default", () => {
  assert.deepEqual(parseCapabilities("ngx,compute", false), ["ngx", "compute"]);
  assert.deepEqual(parseCapabilities("ngx,compute", false, CAPABILITIES), ["ngx", "compute"]);
  assert.deepEqual(parseCapabilities("all", false, CAPABILITIES), ALL);
});

Deno.test("parseCapabilities() keeps requested capabilities inside the supported set", async (t) => {
  const cases: Array<[string, Capability[], Capability[]]> = [
    ["compute", ["compute", "utility"], ["compute"]],
    ["utility,compute", ["compute", "utility"], ["utility", "compute"]],
    [" compute , compute ", ["compute"], ["compute"]],
    ["video,graphics", ["graphics", "video", "display"], ["video", "graphics"]],
    ["ngx", ALL, ["ngx"]],
  ];
  for (const [value, supported, want] of cases) {
    await t.step(`${JSON.stringify(value)} in ${supported.join(",")}`, () => {
      assert.deepEqual(parseCapabilities(value, false, supported), want);
      assert.deepEqual(parseCapabilities(value, true, supported), want);
    });
  }
});

Deno.test("parseCapabilities() refuses a requested capability outside the supported set", async (t) => {
  const cases: Array<[string, Capability[], string, string]> = [
    ["video", ["compute", "utility"], '"video"', "compute, utility"],
    ["compute,video", ["compute", "utility"], '"video"', "compute, utility"],
    ["utility", ["compute"], '"utility"', "compute"],
    [" graphics ", ["compute", "utility"], '"graphics"', "compute, utility"],
    ["compute", [], '"compute"', "none"],
    ["utility", [], '"utility"', "none"],
  ];
  for (const [value, supported, quoted, list] of cases) {
    await t.step(`${JSON.stringify(value)} in ${JSON.stringify(supported)}`, () => {
      throwsExactly(
        () => parseCapabilities(value, false, supported),
        unsupported(quoted, list),
        PolicyError,
      );
      throwsExactly(
        () => parseCapabilities(value, true, supported),
        unsupported(quoted, list),
        PolicyError,
      );
    });
  }
  await t.step("an unknown name is still an InputError", () => {
    throwsExactly(() => parseCapabilities("foo", false, ["compute"]), unknown('"foo"'), InputError);
  });
});

Deno.test("parseCapabilities() gives the supported ones for an all request", async (t) => {
  const cases: Array<[string, Capability[], Capability[]]> = [
    ["all", ["compute", "utility"], ["compute", "utility"]],
    ["utility,all", ["video"], ["video"]],
    ["all", ["ngx", "compute"], ["ngx", "compute"]],
    ["all", [], []],
    ["compute,all", ALL, ALL],
  ];
  for (const [value, supported, want] of cases) {
    await t.step(`${JSON.stringify(value)} in ${JSON.stringify(supported)}`, () => {
      const got = parseCapabilities(value, false, supported);
      // In canonical order, whatever order the supported list has.
      assert.deepEqual(got, CAPABILITIES.filter((c) => want.includes(c)));
      assert.deepEqual(parseCapabilities(value, true, supported), got);
    });
  }
});

Deno.test("parseCapabilities() intersects the default utility with the supported set", async (t) => {
  const cases: Array<[string | undefined, Capability[], Capability[]]> = [
    [undefined, ["compute", "utility"], ["utility"]],
    [undefined, ["compute"], []],
    [undefined, [], []],
    ["", ["utility"], ["utility"]],
    ["", ["compute", "video"], []],
    [" , ", ["compute"], []],
    [",", ALL, ["utility"]],
  ];
  for (const [value, supported, want] of cases) {
    await t.step(`${JSON.stringify(value) ?? "absent"} in ${JSON.stringify(supported)}`, () => {
      assert.deepEqual(parseCapabilities(value, false, supported), want);
    });
  }
  await t.step("empty value of a legacy image too", () => {
    assert.deepEqual(parseCapabilities("", true, ["compute"]), []);
    assert.deepEqual(parseCapabilities("", true, ["utility", "compute"]), ["utility"]);
  });
});

Deno.test("parseCapabilities() intersects the legacy default with the supported set", async (t) => {
  const cases: Array<[Capability[], Capability[]]> = [
    [ALL, ALL],
    [["compute", "utility"], ["compute", "utility"]],
    [["utility", "compute"], ["compute", "utility"]],
    [["ngx"], ["ngx"]],
    [[], []],
  ];
  for (const [supported, want] of cases) {
    await t.step(JSON.stringify(supported), () => {
      assert.deepEqual(parseCapabilities(undefined, true, supported), want);
    });
  }
});

Deno.test("parseCapabilities() JSDoc examples", () => {
  assert.deepEqual(parseCapabilities("utility, compute", false), ["utility", "compute"]);
  assert.deepEqual(parseCapabilities(undefined, true, ["compute", "utility"]), [
    "compute",
    "utility",
  ]);
});
