import assert from "node:assert/strict";
import { CAPABILITIES, type Capability, parseCapabilities } from "../lib/capabilities.ts";
import { InputError } from "../lib/errors.ts";

// SPEC 5.6 (without supported-driver-capabilities).

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
