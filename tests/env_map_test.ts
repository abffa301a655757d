import assert from "node:assert/strict";
import { throwsExactly } from "./_assert.ts";
import { parseEnv } from "../lib/env_map.ts";

const FILE = "/run/bundle/config.json";

Deno.test("parseEnv() gives an empty map for an absent process.env", () => {
  const env = parseEnv(undefined, FILE);
  assert.ok(env instanceof Map);
  assert.equal(env.size, 0);
});

Deno.test("parseEnv() gives an empty map for an empty array", () => {
  assert.deepEqual([...parseEnv([], FILE)], []);
});

Deno.test("parseEnv() splits each entry at its first =", async (t) => {
  const table: [string, [string, string]][] = [
    ["A=1", ["A", "1"]],
    ["A=", ["A", ""]],
    ["A=b=c", ["A", "b=c"]],
    ["A==", ["A", "="]],
    ["=x", ["", "x"]],
    ["PATH=/usr/bin:/bin", ["PATH", "/usr/bin:/bin"]],
    ["A= spaced value ", ["A", " spaced value "]],
    ["lower=case", ["lower", "case"]],
    ["A=line\nbreak", ["A", "line\nbreak"]],
  ];
  for (const [entry, pair] of table) {
    await t.step(JSON.stringify(entry), () => {
      assert.deepEqual([...parseEnv([entry], FILE)], [pair]);
    });
  }
});

Deno.test("parseEnv() keeps each name at its first position with its last value", () => {
  const env = parseEnv(["B=1", "A=2", "C=3", "B=4", "A=5"], FILE);
  assert.deepEqual([...env], [["B", "4"], ["A", "5"], ["C", "3"]]);
});

Deno.test("parseEnv() keeps names case-sensitive", () => {
  const env = parseEnv(["NVIDIA_VISIBLE_DEVICES=0", "nvidia_visible_devices=1"], FILE);
  assert.deepEqual([...env], [["NVIDIA_VISIBLE_DEVICES", "0"], ["nvidia_visible_devices", "1"]]);
});

Deno.test("parseEnv() stores __proto__ and constructor as plain names", () => {
  const env = parseEnv(["__proto__=x", "constructor=y", "hasOwnProperty=z"], FILE);
  assert.deepEqual([...env], [["__proto__", "x"], ["constructor", "y"], ["hasOwnProperty", "z"]]);
  assert.equal(env.get("toString"), undefined);
  assert.equal(env.has("toString"), false);
  assert.equal(({} as Record<string, unknown>)["x"], undefined);
});

Deno.test("parseEnv() rejects a process.env that is not an array", async (t) => {
  const table: [unknown, string][] = [
    ["A=1", "a string"],
    [5, "a number"],
    [true, "a boolean"],
    [{ A: "1" }, "an object"],
  ];
  for (const [entries, got] of table) {
    await t.step(JSON.stringify(entries), () => {
      throwsExactly(
        () => parseEnv(entries, FILE),
        `Cannot parse ${FILE}: "process.env" must be an array of strings, got ${got}`,
      );
    });
  }
});

Deno.test("parseEnv() rejects an entry that is not a string, naming its index", async (t) => {
  const table: [unknown[], number, string][] = [
    [[5], 0, "a number"],
    [["A=1", null], 1, "null"],
    [["A=1", "B=2", true], 2, "a boolean"],
    [[["A=1"]], 0, "an array"],
    [[{ A: "1" }], 0, "an object"],
  ];
  for (const [entries, i, got] of table) {
    await t.step(JSON.stringify(entries), () => {
      throwsExactly(
        () => parseEnv(entries, FILE),
        `Cannot parse ${FILE}: "process.env[${i}]" must be a string, got ${got}`,
      );
    });
  }
});

Deno.test("parseEnv() rejects an entry without = by index, never by value", async (t) => {
  const table: [string[], number][] = [
    [["NOEQUALS"], 0],
    [["A=1", "AWS_SECRET_ACCESS_KEY:wJalrXUtnFEMI"], 1],
    [["A=1", "B=2", ""], 2],
  ];
  for (const [entries, i] of table) {
    await t.step(JSON.stringify(entries), () => {
      throwsExactly(
        () => parseEnv(entries, FILE),
        `Cannot parse ${FILE}: "process.env[${i}]" must have the form KEY=VALUE`,
      );
    });
  }
});
