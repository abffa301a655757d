import assert from "node:assert/strict";
import {
  CAPABILITIES,
  type Capability,
  capabilityOrder,
  DEFAULT_CAPABILITIES,
  parseCapabilities,
} from "../lib/capabilities.ts";
import { throwsExactly } from "./_assert.ts";
import { InputError, PolicyError } from "../lib/errors.ts";

// SPEC 5.6 [today], with [later] supported-driver-capabilities as the third
// parameter. Results are sorted by name, the order of the CLI options.

const ALL: Capability[] = [
  "compute",
  "compat32",
  "graphics",
  "utility",
  "video",
  "display",
  "ngx",
];

/** The seven sorted by name: `--compat32 --compute --display --graphics --ngx --utility --video`. */
const SORTED: Capability[] = [
  "compat32",
  "compute",
  "display",
  "graphics",
  "ngx",
  "utility",
  "video",
];

const unknown = (quoted: string): string =>
  `Unknown driver capability ${quoted} in NVIDIA_DRIVER_CAPABILITIES;` +
  ` expected "all" or a comma-separated list of compute, compat32, graphics, utility, video, display, ngx`;

Deno.test("CAPABILITIES lists the seven capabilities in canonical order", () => {
  assert.deepEqual([...CAPABILITIES], ALL);
});

Deno.test("DEFAULT_CAPABILITIES is compute and utility", () => {
  assert.deepEqual([...DEFAULT_CAPABILITIES], ["compute", "utility"]);
});

Deno.test("capabilityOrder() sorts the capabilities by name", async (t) => {
  await t.step("the canonical list sorts to the order of the CLI options", () => {
    assert.deepEqual([...CAPABILITIES].sort(capabilityOrder), SORTED);
  });
  await t.step("any order sorts the same", () => {
    assert.deepEqual([...SORTED].reverse().sort(capabilityOrder), SORTED);
    assert.deepEqual(
      (["video", "ngx", "compute", "utility", "compat32", "display", "graphics"] as Capability[])
        .sort(
          capabilityOrder,
        ),
      SORTED,
    );
  });
  const cases: Array<[Capability, Capability, number]> = [
    ["compat32", "compute", -1],
    ["compute", "compat32", 1],
    ["compute", "utility", -1],
    ["utility", "compute", 1],
    ["display", "graphics", -1],
    ["video", "utility", 1],
    ["ngx", "ngx", 0],
  ];
  for (const [a, b, sign] of cases) {
    await t.step(`${a} vs ${b}: ${sign}`, () => {
      assert.equal(Math.sign(capabilityOrder(a, b)), sign);
    });
  }
  await t.step("JSDoc example", () => {
    assert.deepEqual((["utility", "compute"] as Capability[]).sort(capabilityOrder), [
      "compute",
      "utility",
    ]);
  });
});

Deno.test("parseCapabilities() defaults an absent variable by image kind", async (t) => {
  await t.step("absent, legacy image: all seven, sorted by name", () => {
    assert.deepEqual(parseCapabilities(undefined, true), SORTED);
  });
  await t.step("absent, current image: compute,utility", () => {
    assert.deepEqual(parseCapabilities(undefined, false), ["compute", "utility"]);
  });
});

Deno.test("parseCapabilities() gives compute,utility for an empty value", async (t) => {
  for (const legacy of [false, true]) {
    await t.step(`"" legacy=${legacy}`, () => {
      assert.deepEqual(parseCapabilities("", legacy), ["compute", "utility"]);
    });
  }
});

Deno.test("parseCapabilities() gives no capability for a value of only empty items", async (t) => {
  for (const legacy of [false, true]) {
    for (const value of [" ", ",", " , ,", ",,", "\t", "  ", " ,"]) {
      await t.step(`${JSON.stringify(value)} legacy=${legacy}`, () => {
        assert.deepEqual(parseCapabilities(value, legacy), []);
      });
    }
  }
});

Deno.test("parseCapabilities() gives all seven, sorted by name, for an all item anywhere", async (t) => {
  for (const legacy of [false, true]) {
    for (
      const value of ["all", " all ", "all,", "utility,all", "all,utility", "compute, all ,video"]
    ) {
      await t.step(`${JSON.stringify(value)} legacy=${legacy}`, () => {
        assert.deepEqual(parseCapabilities(value, legacy), SORTED);
      });
    }
  }
});

Deno.test("parseCapabilities() sorts the requested names by name, trimmed and de-duplicated", async (t) => {
  const cases: Array<[string, Capability[]]> = [
    ["utility", ["utility"]],
    ["compute", ["compute"]],
    ["compute,utility", ["compute", "utility"]],
    ["utility,compute", ["compute", "utility"]],
    ["utility, compute", ["compute", "utility"]],
    [" video , graphics ", ["graphics", "video"]],
    ["compute,compute", ["compute"]],
    ["compute,utility,compute", ["compute", "utility"]],
    ["utility,compute,utility", ["compute", "utility"]],
    [",compute", ["compute"]],
    ["compute,,video", ["compute", "video"]],
    ["video,,compute", ["compute", "video"]],
    ["compute,", ["compute"]],
    ["compute,compat32", ["compat32", "compute"]],
    ["utility,display", ["display", "utility"]],
    ["ngx,graphics", ["graphics", "ngx"]],
    ["ngx,display,video,utility,graphics,compat32,compute", SORTED],
    ["compute,compat32,graphics,utility,video,display,ngx", SORTED],
    ["video,utility,ngx,graphics,display,compute,compat32", SORTED],
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
  parseCapabilities(undefined, false).push("video");
  parseCapabilities("", false).pop();
  assert.deepEqual(parseCapabilities(undefined, true), SORTED);
  assert.deepEqual(parseCapabilities("all", false), SORTED);
  assert.deepEqual(parseCapabilities(undefined, false), ["compute", "utility"]);
  assert.deepEqual([...DEFAULT_CAPABILITIES], ["compute", "utility"]);
  assert.deepEqual([...CAPABILITIES], ALL);
});

const unsupported = (quoted: string, supported: string): string =>
  `Driver capability ${quoted} in NVIDIA_DRIVER_CAPABILITIES is not supported on this host` +
  ` (supported-driver-capabilities: ${supported})`;

Deno.test("parseCapabilities() allows every capability by default", () => {
  assert.deepEqual(parseCapabilities("ngx,compute", false), ["compute", "ngx"]);
  assert.deepEqual(parseCapabilities("ngx,compute", false, CAPABILITIES), ["compute", "ngx"]);
  assert.deepEqual(parseCapabilities("all", false, CAPABILITIES), SORTED);
});

Deno.test("parseCapabilities() keeps requested capabilities inside the supported set", async (t) => {
  const cases: Array<[string, Capability[], Capability[]]> = [
    ["compute", ["compute", "utility"], ["compute"]],
    ["utility,compute", ["compute", "utility"], ["compute", "utility"]],
    ["utility,compute", ["utility", "compute"], ["compute", "utility"]],
    [" compute , compute ", ["compute"], ["compute"]],
    ["video,graphics", ["graphics", "video", "display"], ["graphics", "video"]],
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

Deno.test("parseCapabilities() gives the supported ones, sorted by name, for an all request", async (t) => {
  const cases: Array<[string, Capability[], Capability[]]> = [
    ["all", ["compute", "utility"], ["compute", "utility"]],
    ["all", ["utility", "compute"], ["compute", "utility"]],
    ["utility,all", ["video"], ["video"]],
    ["all", ["ngx", "compute"], ["compute", "ngx"]],
    ["all", ["video", "display", "compat32"], ["compat32", "display", "video"]],
    ["all", [], []],
    ["compute,all", ALL, SORTED],
  ];
  for (const [value, supported, want] of cases) {
    await t.step(`${JSON.stringify(value)} in ${JSON.stringify(supported)}`, () => {
      assert.deepEqual(parseCapabilities(value, false, supported), want);
      assert.deepEqual(parseCapabilities(value, true, supported), want);
    });
  }
});

Deno.test("parseCapabilities() intersects the default compute,utility with the supported set", async (t) => {
  const cases: Array<[string | undefined, Capability[], Capability[]]> = [
    [undefined, ["compute", "utility"], ["compute", "utility"]],
    [undefined, ["utility", "compute"], ["compute", "utility"]],
    [undefined, ["utility", "video"], ["utility"]],
    [undefined, ["compute"], ["compute"]],
    [undefined, ["video", "graphics"], []],
    [undefined, [], []],
    [undefined, ALL, ["compute", "utility"]],
    ["", ["utility"], ["utility"]],
    ["", ["compute", "video"], ["compute"]],
    ["", ["video", "ngx"], []],
    ["", [], []],
    ["", ALL, ["compute", "utility"]],
  ];
  for (const [value, supported, want] of cases) {
    await t.step(`${JSON.stringify(value) ?? "absent"} in ${JSON.stringify(supported)}`, () => {
      assert.deepEqual(parseCapabilities(value, false, supported), want);
    });
  }
  await t.step("empty value of a legacy image too", () => {
    assert.deepEqual(parseCapabilities("", true, ["compute"]), ["compute"]);
    assert.deepEqual(parseCapabilities("", true, ["utility", "compute"]), ["compute", "utility"]);
    assert.deepEqual(parseCapabilities("", true, ["video"]), []);
    assert.deepEqual(parseCapabilities("", true, ALL), ["compute", "utility"]);
  });
});

Deno.test("parseCapabilities() gives no capability for only empty items, whatever is supported", async (t) => {
  const cases: Array<[string, Capability[]]> = [
    [" , ", ["compute"]],
    [",", ALL],
    [" ", ["compute", "utility"]],
    [",,", []],
  ];
  for (const [value, supported] of cases) {
    await t.step(`${JSON.stringify(value)} in ${JSON.stringify(supported)}`, () => {
      assert.deepEqual(parseCapabilities(value, false, supported), []);
      assert.deepEqual(parseCapabilities(value, true, supported), []);
    });
  }
});

Deno.test("parseCapabilities() intersects the legacy default with the supported set", async (t) => {
  const cases: Array<[Capability[], Capability[]]> = [
    [ALL, SORTED],
    [SORTED, SORTED],
    [["compute", "utility"], ["compute", "utility"]],
    [["utility", "compute"], ["compute", "utility"]],
    [["video", "compat32", "ngx"], ["compat32", "ngx", "video"]],
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
  assert.deepEqual(parseCapabilities("utility, compute", false), ["compute", "utility"]);
  assert.deepEqual(parseCapabilities(undefined, false), ["compute", "utility"]);
  assert.deepEqual(parseCapabilities(",", false), []);
});
