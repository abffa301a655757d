import assert from "node:assert/strict";
import { didYouMean, editDistance } from "../lib/did_you_mean.ts";

Deno.test("editDistance() counts insertions, deletions and substitutions", async (t) => {
  const table: [string, string, number][] = [
    ["", "", 0],
    ["a", "", 1],
    ["", "abc", 3],
    ["load-kmods", "load-kmods", 0],
    ["load-kmod", "load-kmods", 1],
    ["no-cgroup", "no-cgroups", 1],
    ["NVIDIA_DISABLE_REQUIRES", "NVIDIA_DISABLE_REQUIRE", 1],
    ["NVIDIA_VISIBLE_DEVICE", "NVIDIA_VISIBLE_DEVICES", 1],
    ["no-pivot", "no-privot", 1],
    ["kitten", "sitting", 3],
    ["flaw", "lawn", 2],
    // A swap of neighbours is two edits (Levenshtein, not Damerau).
    ["ab", "ba", 2],
    // Case counts.
    ["Load-Kmods", "load-kmods", 2],
    // UTF-16 code units: an astral character is two.
    ["\u{1F600}", "", 2],
    ["\u00e9", "e", 1],
  ];
  for (const [a, b, d] of table) {
    await t.step(`${JSON.stringify(a)} ${JSON.stringify(b)}`, () => {
      assert.equal(editDistance(a, b), d);
      assert.equal(editDistance(b, a), d, "symmetric");
    });
  }
});

Deno.test("editDistance() gives Infinity past 128 characters (bounded work)", async (t) => {
  const table: [string, string, number][] = [
    ["a".repeat(128), "a".repeat(128), 0],
    ["a".repeat(128), "", 128],
    ["a".repeat(129), "a".repeat(129), Infinity],
    ["a".repeat(129), "a", Infinity],
    ["a", "b".repeat(129), Infinity],
  ];
  for (const [a, b, d] of table) {
    await t.step(`${a.length} and ${b.length} characters`, () => {
      assert.equal(editDistance(a, b), d);
    });
  }
});

Deno.test("didYouMean() suggests the nearest candidate for a near miss", async (t) => {
  const keys = [
    "nvidia-container-cli.load-kmods",
    "nvidia-container-cli.no-cgroups",
    "nvidia-container-cli.no-pivot",
  ];
  const variables = [
    "NVIDIA_VISIBLE_DEVICES",
    "NVIDIA_DRIVER_CAPABILITIES",
    "NVIDIA_DISABLE_REQUIRE",
  ];
  const table: [string, readonly string[], string][] = [
    ["nvidia-container-cli.load-kmod", keys, "nvidia-container-cli.load-kmods"],
    ["nvidia-container-cli.no-cgroup", keys, "nvidia-container-cli.no-cgroups"],
    ["nvidia-container-cli.nopivot", keys, "nvidia-container-cli.no-pivot"],
    ["load-kmod", ["load-kmods", "no-cgroups"], "load-kmods"],
    ["no-cgroup", ["no-cgroups", "no-pivot"], "no-cgroups"],
    ["NVIDIA_DISABLE_REQUIRES", variables, "NVIDIA_DISABLE_REQUIRE"],
    ["NVIDIA_VISIBLE_DEVICE", variables, "NVIDIA_VISIBLE_DEVICES"],
    ["NVIDIA_DRIVER_CAPABILITES", variables, "NVIDIA_DRIVER_CAPABILITIES"],
    ["NVIDIA_VISIBLEDEVICES", variables, "NVIDIA_VISIBLE_DEVICES"],
    // Two edits are still near for a long word.
    ["nvidia-container-cli.load-kmd", keys, "nvidia-container-cli.load-kmods"],
    // Four characters: one edit is near (3 * 1 < 4).
    ["abcx", ["abcd"], "abcd"],
  ];
  for (const [word, candidates, expected] of table) {
    await t.step(word, () => {
      assert.equal(didYouMean(word, candidates), expected);
    });
  }
});

Deno.test("didYouMean() gives nothing for far words, exact words, short words", async (t) => {
  const keys = ["nvidia-container-cli.load-kmods", "nvidia-container-cli.no-cgroups"];
  const table: [string, string, readonly string[]][] = [
    ["a far word", "colour", ["no-cgroups"]],
    ["three edits", "nvidia-container-cli.lad-kmodsxy", keys],
    ["a different table", "nvidia-container-runtime.load-kmods", keys],
    ["the word itself", "nvidia-container-cli.load-kmods", keys],
    ["no candidates", "load-kmods", []],
    ["empty word", "", ["a"]],
    // One edit is not "near" for words of three characters or fewer.
    ["three characters", "abc", ["abd"]],
    ["two characters", "ab", ["abc"]],
    ["longer than 128 characters", `${"x".repeat(129)}`, [`${"x".repeat(128)}`]],
  ];
  for (const [name, word, candidates] of table) {
    await t.step(name, () => {
      assert.equal(didYouMean(word, candidates), undefined);
    });
  }
});

Deno.test("didYouMean() breaks ties in favour of the earlier candidate", () => {
  assert.equal(didYouMean("abcdefg", ["abcdefx", "abcdefy"]), "abcdefx");
  assert.equal(didYouMean("abcdefg", ["abcdefy", "abcdefx"]), "abcdefy");
  // A nearer later candidate still wins.
  assert.equal(didYouMean("abcdefg", ["abcdexx", "abcdefx"]), "abcdefx");
});
