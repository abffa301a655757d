import assert from "node:assert/strict";
import { parseJson } from "../lib/_json.ts";

function ok(text: string): unknown {
  const r = parseJson(text);
  assert.ok(r.ok, `expected ${JSON.stringify(text.slice(0, 40))} to parse`);
  return r.value;
}

function reason(text: string): string {
  const r = parseJson(text);
  assert.ok(!r.ok, `expected ${JSON.stringify(text.slice(0, 40))} to be rejected`);
  return r.reason;
}

Deno.test("parseJson() accepts every kind of JSON value", async (t) => {
  const table: [string, unknown][] = [
    ["{}", {}],
    ["[]", []],
    ['{"a":1,"b":[true,false,null],"c":{"d":"e"}}', {
      a: 1,
      b: [true, false, null],
      c: { d: "e" },
    }],
    ["[1,-2,3.5,1e3,-0.25E-2]", [1, -2, 3.5, 1000, -0.0025]],
    ['"x\\n\\t\\"\\\\\\/\\u00e9"', 'x\n\t"\\/\u00e9'],
    ["true", true],
    ["false", false],
    ["null", null],
    ["0", 0],
    ["42", 42],
    [' \t\r\n{"a" : [ 1 , 2 ] }\r\n ', { a: [1, 2] }],
    ['{\n  "pid": 42\n}\n', { pid: 42 }],
  ];
  for (const [input, expected] of table) {
    await t.step(JSON.stringify(input), () => {
      assert.deepEqual(ok(input), expected);
    });
  }
});

Deno.test("parseJson() keeps the last value of a repeated key", () => {
  assert.deepEqual(ok('{"a":1,"a":2}'), { a: 2 });
});

Deno.test("parseJson() makes __proto__ an own key without touching any prototype", () => {
  const v = ok('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}');
  assert.ok(typeof v === "object" && v !== null);
  assert.ok(Object.hasOwn(v, "__proto__"));
  assert.equal(Object.getPrototypeOf(v), Object.prototype);
  assert.equal((v as Record<string, unknown>)["polluted"], undefined);
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
});

Deno.test("parseJson() reports empty input", async (t) => {
  for (const input of ["", " ", "\n", " \t\r\n "]) {
    await t.step(JSON.stringify(input), () => {
      assert.equal(reason(input), "empty input");
    });
  }
});

Deno.test("parseJson() names the line and column of the first error", async (t) => {
  const table: [string, string][] = [
    ["{]", "invalid JSON at line 1, column 2"],
    ['{"a":1,}', "invalid JSON at line 1, column 8"],
    ["[1,]", "invalid JSON at line 1, column 4"],
    ["[1 2]", "invalid JSON at line 1, column 4"],
    ["trux", "invalid JSON at line 1, column 4"],
    ["-", "invalid JSON at line 1, column 1"],
    ["NaN", "invalid JSON at line 1, column 1"],
    ["{'a':1}", "invalid JSON at line 1, column 2"],
    ['{"a" 1}', "invalid JSON at line 1, column 6"],
    ['"a\u0001"', "invalid JSON at line 1, column 3"],
    ['"\\q"', "invalid JSON at line 1, column 3"],
    ['"\\u12g4"', "invalid JSON at line 1, column 6"],
    ['{\n  "a": x\n}', "invalid JSON at line 2, column 8"],
    ["[\n1\n2]", "invalid JSON at line 3, column 1"],
    ["[\r\n1\r\nx]", "invalid JSON at line 3, column 1"],
    ['{\n"a": [\n1,\n2,\n],\n"b": 2}', "invalid JSON at line 5, column 1"],
    // The error lies after a long number: the column must still be exact.
    ["[" + "1".repeat(500) + "x]", "invalid JSON at line 1, column 502"],
  ];
  for (const [input, expected] of table) {
    await t.step(JSON.stringify(input.length > 40 ? input.slice(0, 40) + "..." : input), () => {
      assert.equal(reason(input), expected);
    });
  }
});

Deno.test("parseJson() reports input that ends too early", async (t) => {
  for (const input of ["{", "[1,", '{"a":', '"abc', "tru", "[\n{\n", "[[[[[[[[[[[[[[[[ "]) {
    await t.step(JSON.stringify(input), () => {
      assert.equal(reason(input), "invalid JSON: unexpected end of input");
    });
  }
});

Deno.test("parseJson() reports data after the JSON value with its position", async (t) => {
  const table: [string, string][] = [
    ["{} x", "unexpected data after the JSON value at line 1, column 4"],
    ["{}{}", "unexpected data after the JSON value at line 1, column 3"],
    ["1 2", "unexpected data after the JSON value at line 1, column 3"],
    ['{"pid":1}\n\n]', "unexpected data after the JSON value at line 3, column 1"],
    ["null null", "unexpected data after the JSON value at line 1, column 6"],
  ];
  for (const [input, expected] of table) {
    await t.step(JSON.stringify(input), () => {
      assert.equal(reason(input), expected);
    });
  }
});

Deno.test("parseJson() never quotes the input in its reason", async (t) => {
  const secret = "hunter2-S3CR3T-token";
  const table = [
    `{"password": "${secret}", oops}`,
    `{"env": ["AWS_SECRET=${secret}"]`,
    `{"${secret}": 1,}`,
    `${secret}`,
    `["${secret}\u0001"]`,
    `{"a": "${secret}"} ${secret}`,
    `{"a": "${secret}\\x"}`,
    `[${secret.length}, ${secret}]`,
  ];
  for (const input of table) {
    await t.step(JSON.stringify(input), () => {
      const r = reason(input);
      for (const piece of [secret, "hunter2", "S3CR3T", "token", "password", "AWS_SECRET"]) {
        assert.ok(!r.includes(piece), `reason ${JSON.stringify(r)} leaks ${piece}`);
      }
    });
  }
});

Deno.test("parseJson() does not crash on 100000 levels of nesting", async (t) => {
  const depth = 100000;
  await t.step("valid nested arrays", () => {
    let v = ok("[".repeat(depth) + "]".repeat(depth));
    let levels = 0;
    while (Array.isArray(v)) {
      levels++;
      v = v[0];
    }
    assert.equal(levels, depth);
  });
  await t.step("valid nested objects", () => {
    const v = ok('{"a":'.repeat(depth) + "1" + "}".repeat(depth));
    assert.equal(typeof v, "object");
  });
  await t.step("unclosed arrays", () => {
    assert.equal(reason("[".repeat(depth)), "invalid JSON: unexpected end of input");
  });
  await t.step("unclosed objects", () => {
    assert.equal(reason('{"a":'.repeat(depth)), "invalid JSON: unexpected end of input");
  });
  await t.step("an error at the bottom", () => {
    assert.equal(
      reason("[".repeat(depth) + "x" + "]".repeat(depth)),
      `invalid JSON at line 1, column ${depth + 1}`,
    );
  });
  await t.step("mismatched closers", () => {
    assert.equal(
      reason("[".repeat(depth) + "}" + "]".repeat(depth - 1)),
      `invalid JSON at line 1, column ${depth + 1}`,
    );
  });
});
