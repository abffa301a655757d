import assert from "node:assert/strict";
import {
  HostError,
  InputError,
  MAX_QUOTED,
  PolicyError,
  printable,
  quote,
  UsageError,
} from "../lib/errors.ts";

// SPEC 7: values from the container are quoted and cut to at most 64
// characters, and every error is one line.

Deno.test("quote() shows at most 64 characters, marking a cut with ...", async (t) => {
  const a = (n: number): string => "a".repeat(n);
  const cases: Array<[string, string, string]> = [
    ["empty", "", '""'],
    ["short", "compute,foo", '"compute,foo"'],
    ["63 characters", a(63), `"${a(63)}"`],
    ["64 characters", a(64), `"${a(64)}"`],
    ["65 characters", a(65), `"${a(64)}..."`],
    ["1000 characters", a(1000), `"${a(64)}..."`],
    ["cut hides the tail", a(64) + "SECRET", `"${a(64)}..."`],
    ["64 digits then more", "0123456789".repeat(7), `"${"0123456789".repeat(6)}0123..."`],
  ];
  for (const [name, value, want] of cases) {
    await t.step(name, () => {
      assert.equal(quote(value), want);
    });
  }
});

Deno.test("quote() escapes JSON-style so the message stays on one line", async (t) => {
  const cases: Array<[string, string]> = [
    ["a\nb", '"a\\nb"'],
    ["a\rb", '"a\\rb"'],
    ["a\r\nb", '"a\\r\\nb"'],
    ["a\tb", '"a\\tb"'],
    ["a\u0000b", '"a\\u0000b"'],
    ["a\u001bb", '"a\\u001bb"'],
    ["a\u000bb", '"a\\u000bb"'],
    ["a\fb", '"a\\fb"'],
    ["a\bb", '"a\\bb"'],
    ['say "hi"', '"say \\"hi\\""'],
    ["C:\\dir", '"C:\\\\dir"'],
    ["caf\u00e9", '"caf\u00e9"'],
  ];
  for (const [value, want] of cases) {
    await t.step(JSON.stringify(value), () => {
      const got = quote(value);
      assert.equal(got, want);
      assert.equal(got.includes("\n"), false);
      assert.equal(got.includes("\r"), false);
    });
  }
});

Deno.test("quote() cuts before escaping, so escapes do not eat the 64 characters", () => {
  assert.equal(quote("\n".repeat(64)), `"${"\\n".repeat(64)}"`);
  assert.equal(quote("\n".repeat(65)), `"${"\\n".repeat(64)}..."`);
  assert.equal(quote(`${"a".repeat(64)}\nb`), `"${"a".repeat(64)}..."`);
});

Deno.test("MAX_QUOTED is 64", () => {
  assert.equal(MAX_QUOTED, 64);
});

Deno.test("error classes carry their name and message", async (t) => {
  const cases: Array<[string, Error, string]> = [
    ["InputError", new InputError("bad input"), "bad input"],
    ["PolicyError", new PolicyError("refused"), "refused"],
    ["HostError", new HostError("no cli"), "no cli"],
    ["UsageError", new UsageError("bad flag"), "bad flag"],
  ];
  for (const [name, error, message] of cases) {
    await t.step(name, () => {
      assert.equal(error.name, name);
      assert.equal(error.message, message);
      assert.ok(error instanceof Error);
      assert.equal(String(error), `${name}: ${message}`);
    });
  }
});

Deno.test("error classes are distinct", () => {
  const input = new InputError("x");
  assert.ok(input instanceof SyntaxError);
  assert.equal(input instanceof PolicyError, false);
  assert.equal(input instanceof HostError, false);
  assert.equal(input instanceof UsageError, false);
  assert.equal(new PolicyError("x") instanceof InputError, false);
  assert.equal(new UsageError("x") instanceof PolicyError, false);
  assert.equal(new HostError("x") instanceof UsageError, false);
});

Deno.test("quote() escapes DEL, C1 controls and Unicode line separators", async (t) => {
  const table: [string, string][] = [
    ["a\u2028b", '"a\\u2028b"'],
    ["a\u2029b", '"a\\u2029b"'],
    ["a\u0085b", '"a\\u0085b"'],
    ["a\u007fb", '"a\\u007fb"'],
  ];
  for (const [input, expected] of table) {
    await t.step(JSON.stringify(input), () => assert.equal(quote(input), expected));
  }
});

Deno.test("printable() escapes control characters without adding quotes", () => {
  assert.equal(printable("-a\nb"), "-a\\nb");
  assert.equal(printable("-debug"), "-debug");
});
