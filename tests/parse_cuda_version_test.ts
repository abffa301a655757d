import assert from "node:assert/strict";
import { throwsExactly } from "./_assert.ts";
import { InputError } from "../lib/errors.ts";
import { parseCudaVersion } from "../lib/parse_cuda_version.ts";

// SPEC 5.7: surrounding whitespace trimmed, [later] an optional leading "v",
// then one to three dot-separated decimal numbers, leading zeros allowed,
// each at most 4294967295; missing parts are 0.

const message = (quoted: string): string =>
  `Invalid CUDA_VERSION ${quoted}: expected [v]MAJOR[.MINOR[.PATCH]] in decimal numbers`;

Deno.test("parseCudaVersion() reads one to three decimal numbers", async (t) => {
  const cases: Array<[string, [number, number, number]]> = [
    ["9", [9, 0, 0]],
    ["10", [10, 0, 0]],
    ["0", [0, 0, 0]],
    ["9.0", [9, 0, 0]],
    ["9.2", [9, 2, 0]],
    ["10.1", [10, 1, 0]],
    ["9.0.176", [9, 0, 176]],
    ["11.8.0", [11, 8, 0]],
    ["12.4.1", [12, 4, 1]],
    ["0.0.0", [0, 0, 0]],
    ["09", [9, 0, 0]],
    ["08.02", [8, 2, 0]],
    ["010.001.0176", [10, 1, 176]],
    ["0000000009.0", [9, 0, 0]],
    ["4294967295", [4294967295, 0, 0]],
    ["4294967295.4294967295.4294967295", [4294967295, 4294967295, 4294967295]],
    ["04294967295", [4294967295, 0, 0]],
    ["0".repeat(100) + "9", [9, 0, 0]],
    [" 9.0 ", [9, 0, 0]],
    [" 9.0.176 ", [9, 0, 176]],
    ["\t10.1\n", [10, 1, 0]],
    ["9.0\r\n", [9, 0, 0]],
  ];
  for (const [value, want] of cases) {
    await t.step(JSON.stringify(value), () => {
      assert.deepEqual(parseCudaVersion(value), want);
    });
  }
});

Deno.test("parseCudaVersion() accepts one leading v", async (t) => {
  const cases: Array<[string, [number, number, number]]> = [
    ["v9", [9, 0, 0]],
    ["v9.0", [9, 0, 0]],
    ["v9.0.176", [9, 0, 176]],
    ["v12.4.1", [12, 4, 1]],
    ["v08.02", [8, 2, 0]],
    ["v0", [0, 0, 0]],
    [" v10.1 ", [10, 1, 0]],
    ["\tv11.8\n", [11, 8, 0]],
    ["v4294967295.4294967295.4294967295", [4294967295, 4294967295, 4294967295]],
  ];
  for (const [value, want] of cases) {
    await t.step(JSON.stringify(value), () => {
      assert.deepEqual(parseCudaVersion(value), want);
    });
  }
});

Deno.test("parseCudaVersion() JSDoc examples", () => {
  assert.deepEqual(parseCudaVersion(" 9.0.176 "), [9, 0, 176]);
  assert.deepEqual(parseCudaVersion("v10"), [10, 0, 0]);
});

Deno.test("parseCudaVersion() rejects anything else with InputError naming the value", async (t) => {
  const cases: Array<[string, string]> = [
    ["", '""'],
    [" ", '" "'],
    ["\n", '"\\n"'],
    [".", '"."'],
    ["9.", '"9."'],
    [".9", '".9"'],
    ["9..0", '"9..0"'],
    ["9.0.", '"9.0."'],
    ["9.0.0.0", '"9.0.0.0"'],
    ["1.2.3.4.5", '"1.2.3.4.5"'],
    ["V9.0", '"V9.0"'],
    ["v", '"v"'],
    [" v ", '" v "'],
    ["vv9", '"vv9"'],
    ["v.9", '"v.9"'],
    ["v 9", '"v 9"'],
    ["v-9", '"v-9"'],
    ["9v", '"9v"'],
    ["9.v0", '"9.v0"'],
    ["ver9", '"ver9"'],
    ["v9.0.0.0", '"v9.0.0.0"'],
    ["v4294967296", '"v4294967296"'],
    ["9.0-rc", '"9.0-rc"'],
    ["9.0a", '"9.0a"'],
    ["a9.0", '"a9.0"'],
    ["9.x", '"9.x"'],
    ["9. 0", '"9. 0"'],
    ["9 .0", '"9 .0"'],
    ["9 0", '"9 0"'],
    [" 9. 0 ", '" 9. 0 "'],
    ["+9", '"+9"'],
    ["-9", '"-9"'],
    ["9.-1", '"9.-1"'],
    ["9,0", '"9,0"'],
    ["1e3", '"1e3"'],
    ["0x10", '"0x10"'],
    ["0b1", '"0b1"'],
    ["1_0", '"1_0"'],
    ["9.0.176\u0000", '"9.0.176\\u0000"'],
    ["Infinity", '"Infinity"'],
    ["NaN", '"NaN"'],
    ["\uff19.0", '"\uff19.0"'],
    ["\u0669.0", '"\u0669.0"'],
    ["4294967296", '"4294967296"'],
    ["1.4294967296", '"1.4294967296"'],
    ["1.0.4294967296", '"1.0.4294967296"'],
    ["99999999999999999999", '"99999999999999999999"'],
    ["9".repeat(70), `"${"9".repeat(64)}..."`],
  ];
  for (const [value, quoted] of cases) {
    await t.step(JSON.stringify(value), () => {
      throwsExactly(() => parseCudaVersion(value), message(quoted), InputError);
    });
  }
});
