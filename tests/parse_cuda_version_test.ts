import assert from "node:assert/strict";
import { throwsExactly } from "./_assert.ts";
import { InputError } from "../lib/errors.ts";
import { parseCudaVersion } from "../lib/parse_cuda_version.ts";

// SPEC 5.7 [today]: surrounding whitespace trimmed (ours: NVIDIA's hook
// refuses it), an optional leading "v", one to three dot-separated decimal
// numbers (leading zeros allowed; major and minor at most 4294967295, the
// patch at most 2^64 - 1), an optional "-PRERELEASE" (dot-separated
// identifiers of [0-9A-Za-z-], numeric ones without a leading zero) and an
// optional "+BUILD" (dot-separated identifiers of [0-9A-Za-z-]); the
// suffixes are ignored; missing parts are 0. The result is [major, minor].

const message = (quoted: string): string =>
  `Invalid CUDA_VERSION ${quoted}: expected [v]MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD]` +
  ` with decimal numbers`;

function valid(cases: Array<[string, [number, number]]>) {
  return async (t: Deno.TestContext) => {
    for (const [value, want] of cases) {
      await t.step(JSON.stringify(value), () => {
        assert.deepEqual(parseCudaVersion(value), want);
      });
    }
  };
}

function invalid(cases: Array<[string, string]>) {
  return async (t: Deno.TestContext) => {
    for (const [value, quoted] of cases) {
      await t.step(JSON.stringify(value), () => {
        throwsExactly(() => parseCudaVersion(value), message(quoted), InputError);
      });
    }
  };
}

Deno.test(
  "parseCudaVersion() accepts what NVIDIA's current hook accepts, giving major and minor",
  valid([
    ["9.0", [9, 0]],
    ["9", [9, 0]],
    ["9.0.1", [9, 0]],
    ["v9.0", [9, 0]],
    ["9.0-rc1", [9, 0]],
    ["9-rc1", [9, 0]],
    ["9.0.1-rc1", [9, 0]],
    ["9.0+b", [9, 0]],
    ["9.0.1+b", [9, 0]],
    ["09.0", [9, 0]],
    ["9.00", [9, 0]],
    ["4294967295.1", [4294967295, 1]],
    ["9.0-rc1.2", [9, 0]],
    ["10.2.89", [10, 2]],
    ["1.2.3-a+b", [1, 2]],
    ["9.0-0", [9, 0]],
    ["9.0+01", [9, 0]],
    ["9.0-a-b", [9, 0]],
    ["9.0--", [9, 0]],
    ["9.0-rc1+b.c", [9, 0]],
    ["v09", [9, 0]],
    ["00009.0", [9, 0]],
    ["9.0-A-Z", [9, 0]],
    ["0.0", [0, 0]],
  ]),
);

Deno.test(
  "parseCudaVersion() refuses what NVIDIA's current hook refuses, naming the value",
  invalid([
    ["9.0.1.2", '"9.0.1.2"'],
    ["vv9.0", '"vv9.0"'],
    ["V9.0", '"V9.0"'],
    ["9.0.", '"9.0."'],
    [".9", '".9"'],
    ["9. 0", '"9. 0"'],
    ["abc", '"abc"'],
    ["9.x", '"9.x"'],
    ["4294967296.0", '"4294967296.0"'],
    ["9.0-", '"9.0-"'],
    ["9.0-rc_1", '"9.0-rc_1"'],
    ["9.0rc1", '"9.0rc1"'],
    ["-1.0", '"-1.0"'],
    ["9..0", '"9..0"'],
    ["v", '"v"'],
    ["9.0-01", '"9.0-01"'],
    ["9.0-rc.01", '"9.0-rc.01"'],
    ["9.0+", '"9.0+"'],
    ["9.0-.a", '"9.0-.a"'],
    ["9.0-a..b", '"9.0-a..b"'],
    ["1.4294967296", '"1.4294967296"'],
    ["1.99999999999999999999", '"1.99999999999999999999"'],
    ["99999999999999999999", '"99999999999999999999"'],
    ["9.0.99999999999999999999", '"9.0.99999999999999999999"'],
    ["9.0.1-rc1+", '"9.0.1-rc1+"'],
    ["9.0-\u00e9", '"9.0-\u00e9"'],
  ]),
);

Deno.test(
  "parseCudaVersion() reads one to three decimal numbers, leading zeros allowed",
  valid([
    ["9", [9, 0]],
    ["10", [10, 0]],
    ["0", [0, 0]],
    ["9.2", [9, 2]],
    ["10.1", [10, 1]],
    ["9.0.176", [9, 0]],
    ["11.8.0", [11, 8]],
    ["12.4.1", [12, 4]],
    ["0.0.0", [0, 0]],
    ["09", [9, 0]],
    ["08.02", [8, 2]],
    ["010.001.0176", [10, 1]],
    ["0000000009.0", [9, 0]],
    ["0".repeat(100) + "9", [9, 0]],
  ]),
);

Deno.test(
  "parseCudaVersion() takes major and minor up to 4294967295 and the patch up to 2^64 - 1",
  valid([
    ["4294967295", [4294967295, 0]],
    ["04294967295", [4294967295, 0]],
    ["4294967295.4294967295", [4294967295, 4294967295]],
    ["4294967295.4294967295.4294967295", [4294967295, 4294967295]],
    ["1.0.4294967296", [1, 0]],
    ["1.0.18446744073709551615", [1, 0]],
    ["1.0.018446744073709551615", [1, 0]],
  ]),
);

Deno.test(
  "parseCudaVersion() refuses a major or minor above 4294967295 or a patch above 2^64 - 1",
  invalid([
    ["4294967296", '"4294967296"'],
    ["v4294967296", '"v4294967296"'],
    ["1.4294967296", '"1.4294967296"'],
    ["4294967296.0.0", '"4294967296.0.0"'],
    ["1.0.18446744073709551616", '"1.0.18446744073709551616"'],
    ["18446744073709551616", '"18446744073709551616"'],
    ["9".repeat(70), `"${"9".repeat(64)}..."`],
  ]),
);

Deno.test(
  "parseCudaVersion() accepts one leading v",
  valid([
    ["v9", [9, 0]],
    ["v9.0.176", [9, 0]],
    ["v12.4.1", [12, 4]],
    ["v08.02", [8, 2]],
    ["v0", [0, 0]],
    [" v10.1 ", [10, 1]],
    ["\tv11.8\n", [11, 8]],
    ["v4294967295.4294967295.4294967295", [4294967295, 4294967295]],
    ["v9.0-rc1+b", [9, 0]],
  ]),
);

Deno.test(
  "parseCudaVersion() ignores a pre-release suffix",
  valid([
    ["9.0-rc", [9, 0]],
    ["9.0-rc.1", [9, 0]],
    ["9.0-rc.0", [9, 0]],
    ["9.0-0a", [9, 0]],
    ["9.0-01a", [9, 0]],
    ["9.0-alpha.beta.10", [9, 0]],
    ["9-0", [9, 0]],
    ["12.4.1-x.7.z.92", [12, 4]],
  ]),
);

Deno.test(
  "parseCudaVersion() ignores a build suffix, leading zeros allowed",
  valid([
    ["9.0+001", [9, 0]],
    ["9.0+build.01", [9, 0]],
    ["9.0+-", [9, 0]],
    ["9+exp.sha.5114f85", [9, 0]],
    ["9.0-rc.1+01.a-b", [9, 0]],
  ]),
);

Deno.test(
  "parseCudaVersion() refuses a malformed pre-release or build suffix",
  invalid([
    ["9.0-rc..1", '"9.0-rc..1"'],
    ["9.0-rc.", '"9.0-rc."'],
    ["9.0-00", '"9.0-00"'],
    ["9.0-rc/1", '"9.0-rc/1"'],
    ["9.0-rc 1", '"9.0-rc 1"'],
    ["9.0 -rc1", '"9.0 -rc1"'],
    ["9.0+b..c", '"9.0+b..c"'],
    ["9.0+.b", '"9.0+.b"'],
    ["9.0+b.", '"9.0+b."'],
    ["9.0+b_c", '"9.0+b_c"'],
    ["9.0+b+c", '"9.0+b+c"'],
    ["9.0-rc1+", '"9.0-rc1+"'],
    ["9.0-+b", '"9.0-+b"'],
    ["-rc1", '"-rc1"'],
    ["+b", '"+b"'],
    ["v-9", '"v-9"'],
    ["9.-1", '"9.-1"'],
  ]),
);

Deno.test(
  "parseCudaVersion() trims surrounding whitespace",
  valid([
    [" 9.0 ", [9, 0]],
    [" 9.0.176 ", [9, 0]],
    ["\t10.1\n", [10, 1]],
    ["9.0\r\n", [9, 0]],
    [" 9.0-rc1+b ", [9, 0]],
  ]),
);

Deno.test("parseCudaVersion() JSDoc examples", () => {
  assert.deepEqual(parseCudaVersion(" 9.0.176 "), [9, 0]);
  assert.deepEqual(parseCudaVersion("v10"), [10, 0]);
  assert.deepEqual(parseCudaVersion("9.0-rc1"), [9, 0]);
});

Deno.test(
  "parseCudaVersion() rejects anything else with InputError naming the value",
  invalid([
    ["", '""'],
    [" ", '" "'],
    ["\n", '"\\n"'],
    [".", '"."'],
    ["9.", '"9."'],
    ["9.0.0.0", '"9.0.0.0"'],
    ["1.2.3.4.5", '"1.2.3.4.5"'],
    [" v ", '" v "'],
    ["vv9", '"vv9"'],
    ["v.9", '"v.9"'],
    ["v 9", '"v 9"'],
    ["9v", '"9v"'],
    ["9.v0", '"9.v0"'],
    ["ver9", '"ver9"'],
    ["v9.0.0.0", '"v9.0.0.0"'],
    ["9.0a", '"9.0a"'],
    ["a9.0", '"a9.0"'],
    ["9 .0", '"9 .0"'],
    ["9 0", '"9 0"'],
    [" 9. 0 ", '" 9. 0 "'],
    ["+9", '"+9"'],
    ["-9", '"-9"'],
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
  ]),
);
