import assert from "node:assert/strict";
import { splitList } from "../lib/split_list.ts";

// SPEC 5.5: split on ",", trim spaces, drop empty items, drop repeats keeping
// the first; items stay case-sensitive and are otherwise untouched.

Deno.test("splitList() splits, trims, drops empty items and repeats", async (t) => {
  const cases: Array<[string, string[]]> = [
    ["", []],
    [" ", []],
    ["  \t ", []],
    [",", []],
    [",,,", []],
    [" , , ", []],
    ["0", ["0"]],
    [" 0 ", ["0"]],
    ["\t0\t", ["0"]],
    ["0\n", ["0"]],
    ["0,1", ["0", "1"]],
    [" 0 , 1 ", ["0", "1"]],
    ["0,,1", ["0", "1"]],
    [",0,", ["0"]],
    [",,0,,1,,", ["0", "1"]],
    ["0,1,0", ["0", "1"]],
    ["1,0,1,0", ["1", "0"]],
    [" 0,0 , 0", ["0"]],
    ["2,1,0", ["2", "1", "0"]],
    [" 0, 1,,0 ,GPU-x", ["0", "1", "GPU-x"]],
    ["a,A", ["a", "A"]],
    ["all,ALL,All", ["all", "ALL", "All"]],
    ["0 1", ["0 1"]],
    [" 0 1 ", ["0 1"]],
    ["0;1", ["0;1"]],
    ["0\t1", ["0\t1"]],
    [
      "GPU-8f6a2b1c-0000-1111-2222-333344445555, MIG-GPU-8f6a2b1c/1/0",
      ["GPU-8f6a2b1c-0000-1111-2222-333344445555", "MIG-GPU-8f6a2b1c/1/0"],
    ],
    ["nvidia.com/gpu=0,nvidia.com/gpu=all", ["nvidia.com/gpu=0", "nvidia.com/gpu=all"]],
    ["__proto__,constructor", ["__proto__", "constructor"]],
  ];
  for (const [value, want] of cases) {
    await t.step(JSON.stringify(value), () => {
      assert.deepEqual(splitList(value), want);
    });
  }
});

Deno.test("splitList() returns a fresh array each call", () => {
  const first = splitList("0,1");
  first.push("2");
  assert.deepEqual(splitList("0,1"), ["0", "1"]);
});
