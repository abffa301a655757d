import assert from "node:assert/strict";
import {
  type CliVersion,
  type CompatSupport,
  compatSupport,
  formatVersion,
  parseCliVersion,
  parseVersionNumber,
} from "../lib/cli_version.ts";

// The CLI's version (`cli-version: X.Y.Z`, first line of `--version`) and the
// compat-library option each generation takes (SPEC 6.2): 1.17.7 and later
// `--cuda-compat-mode=`, 1.17.4 to 1.17.6 `--no-cntlibs`, older neither.

const v = (major: number, minor: number, patch: number): CliVersion => ({ major, minor, patch });

Deno.test("parseVersionNumber() reads X.Y.Z in decimal", async (t) => {
  const table: [string, CliVersion][] = [
    ["1.17.7", v(1, 17, 7)],
    ["0.0.0", v(0, 0, 0)],
    ["1.17.0", v(1, 17, 0)],
    ["2.0.0", v(2, 0, 0)],
    ["10.20.30", v(10, 20, 30)],
    // Nine digits a part at most.
    ["999999999.999999999.999999999", v(999999999, 999999999, 999999999)],
  ];
  for (const [text, expected] of table) {
    await t.step(text, () => assert.deepEqual(parseVersionNumber(text), expected));
  }
});

Deno.test("parseVersionNumber() refuses anything else", async (t) => {
  const refused = [
    "",
    "1",
    "1.17",
    "1.17.",
    ".17.7",
    "1..7",
    "1.17.7.1",
    // Leading zeros.
    "01.17.7",
    "1.017.7",
    "1.17.07",
    "00.0.0",
    // Suffixes and prefixes.
    "1.17.7-rc.1",
    "1.17.7+git",
    "1.17.7~rc1",
    "1.17.7a",
    "v1.17.7",
    "+1.17.7",
    "1.17.-7",
    // Whitespace, even a final newline.
    " 1.17.7",
    "1.17.7 ",
    "1.17.7\n",
    "1. 17.7",
    // Not decimal digits.
    "1.17.x",
    "1e2.0.0",
    "0x1.0.0",
    "\uff11.17.7",
    // Ten digits.
    "1000000000.0.0",
    "1.0000000000.0",
  ];
  for (const text of refused) {
    await t.step(JSON.stringify(text), () => assert.equal(parseVersionNumber(text), undefined));
  }
});

/** What the 1.17.0 CLI of the test machines prints for --version. */
const REAL_1_17_0 = `cli-version: 1.17.0
lib-version: 1.17.0
build date: 2026-12-01T08:40+00:00
build revision: 63d366ee3b4183513c310ac557bf31b05b83328f
build compiler: x86_64-linux-gnu-gcc-12 12.2.0
build platform: x86_64
build flags: -D_GNU_SOURCE -D_FORTIFY_SOURCE=2 -I/usr/include/tirpc -DNDEBUG -std=gnu11 -O2
`;

Deno.test("parseCliVersion() reads the cli-version of the first line", async (t) => {
  const table: [string, string, CliVersion][] = [
    ["the 1.17.0 CLI", REAL_1_17_0, v(1, 17, 0)],
    ["one line", "cli-version: 1.17.7\n", v(1, 17, 7)],
    ["no newline", "cli-version: 1.17.7", v(1, 17, 7)],
    ["no space after the colon", "cli-version:1.17.7\n", v(1, 17, 7)],
    ["a tab after the colon", "cli-version:\t1.17.7\n", v(1, 17, 7)],
    ["surrounding blanks", "  cli-version: 1.17.7  \nlib-version: 1.17.7\n", v(1, 17, 7)],
    ["CRLF", "cli-version: 1.18.0\r\nlib-version: 1.18.0\r\n", v(1, 18, 0)],
    ["another lib-version", "cli-version: 2.0.0\nlib-version: 1.17.0\n", v(2, 0, 0)],
  ];
  for (const [name, output, expected] of table) {
    await t.step(name, () => assert.deepEqual(parseCliVersion(output), expected));
  }
});

Deno.test("parseCliVersion() gives undefined when the first line is not cli-version: X.Y.Z", async (t) => {
  const table: [string, string][] = [
    ["nothing", ""],
    ["an empty first line", "\ncli-version: 1.17.0\n"],
    ["lib-version first", "lib-version: 1.17.0\ncli-version: 1.17.0\n"],
    ["another name", "version: 1.17.0\n"],
    ["upper case", "CLI-version: 1.17.0\n"],
    ["no colon", "cli-version 1.17.0\n"],
    ["no version", "cli-version:\n"],
    ["two parts", "cli-version: 1.17\n"],
    ["a suffix", "cli-version: 1.17.0-rc.1\n"],
    ["a v prefix", "cli-version: v1.17.0\n"],
    ["a leading zero", "cli-version: 1.17.07\n"],
    ["words after it", "cli-version: 1.17.0 (debian)\n"],
    ["an error", "nvidia-container-cli: unrecognized option '--version'\n"],
  ];
  for (const [name, output] of table) {
    await t.step(name, () => assert.equal(parseCliVersion(output), undefined));
  }
});

Deno.test("formatVersion() writes X.Y.Z, the inverse of parseVersionNumber()", async (t) => {
  for (const text of ["0.0.0", "1.17.0", "1.17.7", "2.0.0", "999999999.0.1"]) {
    await t.step(text, () => {
      const parsed = parseVersionNumber(text);
      assert.ok(parsed !== undefined);
      assert.equal(formatVersion(parsed), text);
    });
  }
});

Deno.test("compatSupport() maps each CLI generation to the option it takes", async (t) => {
  const table: [CliVersion, CompatSupport][] = [
    [v(0, 0, 0), "none"],
    [v(0, 99, 99), "none"],
    [v(1, 0, 0), "none"],
    [v(1, 16, 99), "none"],
    [v(1, 17, 0), "none"],
    [v(1, 17, 3), "none"],
    [v(1, 17, 4), "no-cntlibs"],
    [v(1, 17, 5), "no-cntlibs"],
    [v(1, 17, 6), "no-cntlibs"],
    [v(1, 17, 7), "cuda-compat-mode"],
    [v(1, 17, 8), "cuda-compat-mode"],
    [v(1, 17, 100), "cuda-compat-mode"],
    [v(1, 18, 0), "cuda-compat-mode"],
    [v(2, 0, 0), "cuda-compat-mode"],
    [v(2, 0, 3), "cuda-compat-mode"],
  ];
  for (const [version, support] of table) {
    await t.step(formatVersion(version), () => assert.equal(compatSupport(version), support));
  }
});

Deno.test("cli_version JSDoc examples", () => {
  assert.deepEqual(parseVersionNumber("1.17.7"), v(1, 17, 7));
  assert.equal(parseVersionNumber("1.17"), undefined);
  assert.deepEqual(parseCliVersion("cli-version: 1.17.0\nlib-version: 1.17.0\n"), v(1, 17, 0));
  assert.equal(formatVersion(v(1, 17, 0)), "1.17.0");
  assert.equal(compatSupport(v(1, 17, 5)), "no-cntlibs");
});
