import assert from "node:assert/strict";
import { stableJson } from "../lib/stable_json.ts";

Deno.test("stableJson() sorts keys at every level, two-space indents, final newline", async (t) => {
  const table: [string, unknown, string][] = [
    ["empty object", {}, "{}\n"],
    ["empty array", [], "[]\n"],
    ["flat", { b: 1, a: 2 }, '{\n  "a": 2,\n  "b": 1\n}\n'],
    [
      "nested objects",
      { z: { y: true, x: null }, a: "s" },
      '{\n  "a": "s",\n  "z": {\n    "x": null,\n    "y": true\n  }\n}\n',
    ],
    [
      "objects inside arrays, array order kept",
      { list: [{ d: 2, c: 3 }, 1, [{ f: 0, e: 1 }]] },
      '{\n  "list": [\n    {\n      "c": 3,\n      "d": 2\n    },\n    1,\n    [\n' +
      '      {\n        "e": 1,\n        "f": 0\n      }\n    ]\n  ]\n}\n',
    ],
    ["a top-level string", "x", '"x"\n'],
    ["a top-level number", 1.5, "1.5\n"],
    ["null", null, "null\n"],
    ["false", false, "false\n"],
  ];
  for (const [name, value, text] of table) {
    await t.step(name, () => {
      assert.equal(stableJson(value), text);
    });
  }
});

Deno.test("stableJson() orders keys by UTF-16 code units", () => {
  const value = { "b": 0, "a_b": 0, "a-b": 0, "B": 0, "aa": 0, "a": 0 };
  const keys = stableJson(value).split("\n").slice(1, -2).map((l) => l.trim().split(":")[0]);
  assert.deepEqual(keys, ['"B"', '"a"', '"a-b"', '"a_b"', '"aa"', '"b"']);
});

Deno.test("stableJson() prints integer-like keys first, in numeric order (JS object order)", () => {
  // Not string order ("10" < "9"), but as deterministic; the report has no such keys.
  const text = stableJson({ "b": 0, "10": 0, "9": 0 });
  assert.equal(text, '{\n  "9": 0,\n  "10": 0,\n  "b": 0\n}\n');
});

Deno.test("stableJson() prints equal values the same whatever their key order", () => {
  const one = { config: { origin: "o", file: null }, argv: ["a", "b"], schema: 1 };
  const two = { schema: 1, argv: ["a", "b"], config: { file: null, origin: "o" } };
  assert.equal(stableJson(one), stableJson(two));
  assert.deepEqual(JSON.parse(stableJson(one)), one);
});

Deno.test("stableJson() follows JSON.stringify for undefined members", () => {
  assert.equal(stableJson({ a: undefined, b: 1 }), '{\n  "b": 1\n}\n');
  assert.equal(stableJson([undefined, 1]), "[\n  null,\n  1\n]\n");
});

Deno.test("stableJson() keeps __proto__ as a plain key and pollutes nothing", async (t) => {
  const table: [string, string, string][] = [
    [
      "top level",
      '{"b": 1, "__proto__": {"polluted": true}}',
      '{\n  "__proto__": {\n    "polluted": true\n  },\n  "b": 1\n}\n',
    ],
    [
      "nested",
      '{"a": {"__proto__": {"polluted": true}, "constructor": {"prototype": 1}}}',
      '{\n  "a": {\n    "__proto__": {\n      "polluted": true\n    },\n' +
      '    "constructor": {\n      "prototype": 1\n    }\n  }\n}\n',
    ],
    ["inside an array", '[{"__proto__": []}]', '[\n  {\n    "__proto__": []\n  }\n]\n'],
  ];
  for (const [name, json, text] of table) {
    await t.step(name, () => {
      const value: unknown = JSON.parse(json);
      assert.equal(stableJson(value), text);
      assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
      assert.equal(Object.prototype.hasOwnProperty.call(Object.prototype, "polluted"), false);
    });
  }
});
