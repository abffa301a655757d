import assert from "node:assert/strict";
import { parseToml, TomlDateTime, TomlFloat, TomlSyntaxError } from "../lib/parse_toml.ts";

// lib/parse_toml.ts replaces npm:smol-toml 1.9.1 on the hook's startup path. It
// reads strict TOML 1.0 (tests/toml_conformance_test.ts runs the TOML
// project's cases): none of what smol-toml 1.9 took from TOML 1.1 (\x and \e
// escapes, times without seconds, inline tables over several lines or with a
// trailing comma); 64-bit integers, as bigints beyond 2^53 - 1.

/** Plain objects and sorted keys, so that deepEqual compares content only. */
function plain(v: unknown): unknown {
  if (v instanceof Date) return `date:${v.toISOString()}`;
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = plain((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

Deno.test("parseToml() reads the config a current toolkit writes", () => {
  const text = `#accept-nvidia-visible-devices-as-volume-mounts = false
disable-require = false
supported-driver-capabilities = "compat32,compute,display,graphics,ngx,utility,video"
#swarm-resource = "DOCKER_RESOURCE_GPU"

[nvidia-container-cli]
environment = []
ldconfig = "@/sbin/ldconfig.real"
load-kmods = true

[nvidia-container-runtime]
log-level = "info"
mode = "auto"
runtimes = ["docker-runc", "runc", "crun"]

[nvidia-container-runtime.modes]

[nvidia-container-runtime.modes.cdi]
annotation-prefixes = ["cdi.k8s.io/"]
default-kind = "nvidia.com/gpu"
`;
  assert.deepEqual(plain(parseToml(text)), {
    "disable-require": false,
    "nvidia-container-cli": {
      environment: [],
      ldconfig: "@/sbin/ldconfig.real",
      "load-kmods": true,
    },
    "nvidia-container-runtime": {
      "log-level": "info",
      mode: "auto",
      modes: { cdi: { "annotation-prefixes": ["cdi.k8s.io/"], "default-kind": "nvidia.com/gpu" } },
      runtimes: ["docker-runc", "runc", "crun"],
    },
    "supported-driver-capabilities": "compat32,compute,display,graphics,ngx,utility,video",
  });
});

Deno.test("parseToml() reads every kind of value", async (t) => {
  const cases: [string, unknown][] = [
    ['a = "x\\ty\\u00e9\\U0001F600\\"\\\\"', 'x\ty\u00e9\u{1F600}"\\'],
    ["a = 'C:\\\\no\\escapes'", "C:\\\\no\\escapes"],
    ['a = """\nline 1\nline 2"""', "line 1\nline 2"],
    ['a = """a \\\n   b"""', "a b"],
    ['a = """a""""', 'a"'],
    ["a = '''\nraw\\n'''''", "raw\\n''"],
    ["a = 1_000", 1000],
    ["a = 0xFF", 255],
    ["a = 0o17", 15],
    ["a = 0b101", 5],
    ["a = -0", 0],
    ["a = 9007199254740991", 9007199254740991],
    ["a = 9007199254740992", 9007199254740992n],
    ["a = 9223372036854775807", 9223372036854775807n],
    ["a = -9223372036854775808", -9223372036854775808n],
    ["a = 0x7FFF_FFFF_FFFF_FFFF", 9223372036854775807n],
    ["a = -0.0", -0],
    ["a = +1.5e-3", 0.0015],
    ["a = -inf", -Infinity],
    ["a = true", true],
    ["a = 1979-05-27T07:32:00-07:00", "date:1979-05-27T14:32:00.000Z"],
    ["a = 1979-05-27 07:32:00.5Z", "date:1979-05-27T07:32:00.500Z"],
    ["a = 1979-05-27", "date:1979-05-27T00:00:00.000Z"],
    ["a = 2000-02-29", "date:2000-02-29T00:00:00.000Z"],
    ["a = 07:32:00.999999", "date:1970-01-01T07:32:00.999Z"],
    ["a = [1, 'x', [true], {b = 2},]", [1, "x", [true], { b: 2 }]],
    ["a = [\n  1, # one\n  2,\n]", [1, 2]],
    ["a = { b.c = 1, d = { e = [] } }", { b: { c: 1 }, d: { e: [] } }],
    ["a = { b = [\n  1,\n] }", { b: [1] }],
    ["a = {}", {}],
    ["\ufeffa = 1", 1],
    ['\ufeffa = "fast path"', "fast path"],
  ];
  for (const [text, value] of cases) {
    await t.step(JSON.stringify(text), () => {
      assert.deepEqual(plain(parseToml(text).a), value);
    });
  }
  await t.step("nan", () => assert.ok(Number.isNaN(parseToml("a = nan").a)));
});

Deno.test("parseToml() builds tables from headers, dotted keys and arrays of tables", () => {
  const text = `a.b = 1
"quoted key".'literal' = 2
[t]
x.y = 3
[t.u.v]
[[list]]
n = 1
[list.sub]
m = 2
[[list]]
n = 3
[fruit]
apple.color = "red"
[fruit.apple.texture]
smooth = true
`;
  assert.deepEqual(plain(parseToml(text)), {
    a: { b: 1 },
    "quoted key": { literal: 2 },
    t: { x: { y: 3 }, u: { v: {} } },
    list: [{ n: 1, sub: { m: 2 } }, { n: 3 }],
    fruit: { apple: { color: "red", texture: { smooth: true } } },
  });
});

Deno.test("parseToml() tables have no prototype: __proto__ is a plain key", () => {
  const doc = parseToml("__proto__ = { polluted = true }\n[constructor]\nx = 1\n");
  assert.equal(Object.getPrototypeOf(doc), null);
  assert.deepEqual(plain(doc["__proto__"]), { polluted: true });
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
  assert.deepEqual(plain(doc["constructor"]), { x: 1 });
});

Deno.test("parseToml() rejects invalid documents at their line and column", async (t) => {
  const cases: [string, number, number][] = [
    ["a = 1\n  b = @\n", 2, 7],
    ['a = "A" "B"\n', 1, 9],
    ["a = tru\n", 1, 5],
    ["a =\n", 1, 4],
    ["a = 1 b = 2", 1, 7],
    ["= 1", 1, 1],
    ['a = "open', 1, 5],
    ['a = "bad \\q escape"', 1, 10],
    ['a = "\\uD800"', 1, 6],
    ["a = 01", 1, 5],
    ["a = 1__0", 1, 5],
    ["a = 0x", 1, 5],
    ["a = 1.", 1, 5],
    ["a = 9223372036854775808", 1, 5],
    ["a = -9223372036854775809", 1, 5],
    ["a = 0xFFFF_FFFF_FFFF_FFFF", 1, 5],
    ['a = "\\x41"', 1, 6],
    ['a = "\\e"', 1, 6],
    ['a = """\\e"""', 1, 8],
    ["a = 1979-13-01", 1, 5],
    ["a = 2100-02-29", 1, 5],
    ["a = 2023-04-31", 1, 5],
    ["a = 07:60:00", 1, 5],
    ["a = 07:32", 1, 5],
    ["a = 1979-05-27T07:32Z", 1, 5],
    ["a = 1979-05-27 07:32", 1, 5],
    ["a = 1979-05-27T07:32:60Z", 1, 5],
    ["a = 1979-05-27T07:32:00+0700", 1, 5],
    ["a = {b = 1,}", 1, 12],
    ["a = {\n  b = 1 }", 1, 6],
    ["a = { b = 1\n}", 1, 12],
    ["a = { b = 1 # c\n}", 1, 13],
    ["\ufeff\ufeffa = 1", 1, 2],
    ["a = 1\n\ufeffb = 2", 2, 1],
    ["a = [1 2]", 1, 8],
    ["a = {b = 1 c = 2}", 1, 12],
    ["a = {,}", 1, 6],
    ["a = 1\r\nb = 2\rc = 3", 2, 6],
    ["# bad \u0001 comment", 1, 7],
    ["a = 1\na = 2", 2, 1],
    ["[t]\n[t]", 2, 1],
    ["a = 1\n[a]", 2, 1],
    ["[[t]]\n[t]", 2, 1],
    ["[t]\n[[t]]", 2, 1],
    ["a = []\n[[a]]", 2, 1],
    ["a = {b = 1}\na.c = 2", 2, 1],
    ["a = {b = 1}\n[a.c]", 2, 1],
    ["[fruit]\napple.color = 1\n[fruit.apple]", 3, 1],
    ["[a.b.c]\n[a]\nb.d = 1", 3, 1],
    ["[ [a]]", 1, 3],
    ["[a]]", 1, 4],
  ];
  for (const [text, line, column] of cases) {
    await t.step(JSON.stringify(text), () => {
      assert.throws(() => parseToml(text), (e: unknown) => {
        assert.ok(e instanceof TomlSyntaxError, String(e));
        assert.deepEqual([e.line, e.column], [line, column], e.message);
        assert.ok(e.message !== "" && !e.message.includes("\n"));
        return true;
      });
    });
  }
});

Deno.test("parseToml() refuses values nested more than 1000 deep", () => {
  assert.throws(() => parseToml(`a = ${"[".repeat(1001)}${"]".repeat(1001)}`), TomlSyntaxError);
  assert.equal((parseToml(`a = ${"[".repeat(1000)}${"]".repeat(1000)}`).a as unknown[]).length, 1);
});

/** A date-time as its kind and the wall clock it denotes, offset included. */
function dateText(d: Date): string {
  if (!(d instanceof TomlDateTime)) {
    // smol-toml's TomlDate writes itself as authored.
    const t = d as Date & { isDate(): boolean; isTime(): boolean; isLocal(): boolean };
    const kind = t.isDate()
      ? "local-date"
      : t.isTime()
      ? "local-time"
      : t.isLocal()
      ? "local-date-time"
      : "offset-date-time";
    return `${kind} ${d.toISOString().replace(/[+-]00:00$/, "Z")}`;
  }
  const offset = d.offsetMinutes ?? 0;
  const wall = new Date(d.getTime() + offset * 60_000).toISOString();
  switch (d.kind) {
    case "local-date":
      return `${d.kind} ${wall.slice(0, 10)}`;
    case "local-time":
      return `${d.kind} ${wall.slice(11, 23)}`;
    case "local-date-time":
      return `${d.kind} ${wall.slice(0, 23)}`;
    case "offset-date-time": {
      const abs = Math.abs(offset);
      const zone = offset === 0
        ? "Z"
        : `${offset < 0 ? "-" : "+"}${String(Math.floor(abs / 60)).padStart(2, "0")}:${
          String(abs % 60).padStart(2, "0")
        }`;
      return `${d.kind} ${wall.slice(0, 23)}${zone}`;
    }
  }
}

Deno.test("parseToml() keeps the kind and offset of dates and times", async (t) => {
  const cases: [string, string, number | null, string][] = [
    ["1979-05-27T00:32:00-07:00", "offset-date-time", -420, "1979-05-27T07:32:00.000Z"],
    ["1979-05-27T07:32:00+05:30", "offset-date-time", 330, "1979-05-27T02:02:00.000Z"],
    ["1979-05-27T07:32:00Z", "offset-date-time", 0, "1979-05-27T07:32:00.000Z"],
    ["1979-05-27t07:32:00.25z", "offset-date-time", 0, "1979-05-27T07:32:00.250Z"],
    ["1979-05-27 07:32:00", "local-date-time", null, "1979-05-27T07:32:00.000Z"],
    ["1979-05-27", "local-date", null, "1979-05-27T00:00:00.000Z"],
    ["07:32:01.5", "local-time", null, "1970-01-01T07:32:01.500Z"],
  ];
  for (const [text, kind, offset, iso] of cases) {
    await t.step(text, () => {
      const d = parseToml(`a = ${text}`).a;
      assert.ok(d instanceof TomlDateTime && d instanceof Date, String(d));
      assert.deepEqual([d.kind, d.offsetMinutes, d.toISOString()], [kind, offset, iso]);
    });
  }
});

Deno.test("parseToml() decodes each escape to its exact code point", async (t) => {
  // A mutation that decoded \b as \f passed every other test.
  const cases: [string, number][] = [
    ["\\b", 0x08],
    ["\\t", 0x09],
    ["\\n", 0x0a],
    ["\\f", 0x0c],
    ["\\r", 0x0d],
    ['\\"', 0x22],
    ["\\\\", 0x5c],
    ["\\u0000", 0x00],
    ["\\u00E9", 0xe9],
    ["\\u00e9", 0xe9],
    ["\\u007F", 0x7f],
    ["\\uFFFF", 0xffff],
    ["\\U0001F600", 0x1f600],
    ["\\U0010FFFF", 0x10ffff],
    ["\\U00000041", 0x41],
  ];
  const codes = (v: unknown) => [...(v as string)].map((c) => c.codePointAt(0));
  for (const [escape, code] of cases) {
    await t.step(escape, () => {
      const want = [0x58, code, 0x59];
      assert.deepEqual(codes(parseToml(`a = "X${escape}Y"`).a), want, "basic string");
      assert.deepEqual(codes(parseToml(`a = """X${escape}Y"""`).a), want, "multi-line");
      assert.deepEqual(codes(Object.keys(parseToml(`"X${escape}Y" = 1`))[0]), want, "quoted key");
      // Literal strings have no escapes.
      assert.equal(parseToml(`a = 'X${escape}Y'`).a, `X${escape}Y`);
    });
  }
});

Deno.test("parseToml() agrees with smol-toml 1.9.1 on mutated config files", async () => {
  // The parser the hook used before: same values, and refusals on the same
  // line, on documents made by seeded random edits of valid ones. Where
  // smol-toml reads TOML 1.1 syntax, parseToml must refuse it saying so.
  const { parse: smol } = await import("smol-toml");
  const seeds = [
    '#c\ndisable-require = false\n[nvidia-container-cli]\nenvironment = []\nload-kmods = true\npath = "/usr/bin/x"\n[a.b]\nruntimes = ["runc", "crun"]\n',
    "a = 1\nb = 'x'\n[t]\nc = [1, 2, {d = 3}]\n[[arr]]\ne = \"\\u00e9\\b\"\n[[arr]]\nf.g = 1979-05-27T07:32:00Z\n",
    "x = \"\"\"\nfoo \\\n  bar\"\"\"\ny = '''lit'''\nz = { a.b = 1, c = [true, false] }\n[p.q]\nr = -0x_1\n",
    "[a.b.c]\nd = 1\n[a]\ne = 2\n[a.f]\ng.h = 3\nn = [\n  1, # c\n  2,\n]\nm = +inf\nk = 1e-5\nt = 07:32:00\n",
    "u = 1979-05-27T00:32:00.999-07:00\nv = 1979-05-27 07:32:00\nw = 1979-05-27\ns = { q = 'x', r = { } }\n",
  ];
  const alphabet = `[]{}=,.#"'\n\r\t \\0123456789abefxuTZ_-+:\u0000\u007f\u00e9`;
  // mulberry32: every bit of its output is well mixed (a plain LCG's low
  // bits are not, and picked the same seed and edit nearly every time).
  let state = 42;
  const rnd = (n: number) => {
    state = (state + 0x6d2b79f5) | 0;
    let x = Math.imul(state ^ (state >>> 15), 1 | state);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) % n;
  };
  const json = (v: unknown) =>
    JSON.stringify(v, function (this: Record<string, unknown>, k, x) {
      const raw = this[k];
      if (raw instanceof Date) return `date:${dateText(raw)}`;
      if (typeof x === "bigint") return `${x}n`;
      return Number.isNaN(x) ? "NaN" : x;
    });
  const outcome = (f: (t: string) => unknown, t: string) => {
    try {
      return `ok ${json(f(t))}`;
    } catch (e) {
      return `error on line ${(e as { line?: number }).line}`;
    }
  };
  const seen = { same: 0, refused: 0, toml11: 0, date: 0 };
  for (let i = 0; i < 3000; i++) {
    let text = seeds[rnd(seeds.length)] as string;
    const at = rnd(text.length + 1);
    const ch = alphabet[rnd(alphabet.length)] as string;
    text = rnd(2) === 0
      ? text.slice(0, at) + ch + text.slice(at)
      : text.slice(0, at) + ch + text.slice(at + 1);
    const theirs = outcome((t) => smol(t, { integersAsBigInt: "asNeeded" }), text);
    const ours = outcome(parseToml, text);
    if (ours !== theirs) {
      // Allowed: smol-toml read TOML 1.1 syntax (and accepted it, or failed
      // later on), or accepted a malformed date (it hands date-like values to
      // Date(), which takes "1979-05-,7"). parseToml must refuse, saying so.
      let e: unknown;
      try {
        parseToml(text);
      } catch (x) {
        e = x;
      }
      assert.ok(e instanceof TomlSyntaxError, `${JSON.stringify(text)}: ${ours} / ${theirs}`);
      const from = (text.split("\n")[e.line - 1] ?? "").slice(e.column - 1);
      if (/is TOML 1\.1, not TOML 1\.0/.test(e.message)) seen.toml11++;
      else {
        assert.match(from, /^\d{4}-\d{2}-/, `${JSON.stringify(text)}: ${ours} / ${theirs}`);
        seen.date++;
      }
      continue;
    }
    assert.equal(ours, theirs, JSON.stringify(text));
    seen[ours.startsWith("ok ") ? "same" : "refused"]++;
  }
  // The edits must reach every outcome often enough to mean something.
  assert.ok(seen.same > 500 && seen.refused > 500 && seen.toml11 > 5, JSON.stringify(seen));
});

Deno.test('parseToml() with floats: "tagged" returns floats as TomlFloat, integers as numbers', () => {
  const text = "a = 1.0\nb = -0.0\nc = 1e3\nd = inf\ne = nan\nf = 2.5\ng = 1\nh = 0x10\n" +
    "t = { x = 3.0 }\nl = [1, 2.0]\n";
  const doc = parseToml(text, { floats: "tagged" });
  const floats = ["a", "b", "c", "d", "e", "f"].map((k) => doc[k]);
  assert.ok(floats.every((v) => v instanceof TomlFloat));
  assert.deepEqual(floats.map((v) => (v as TomlFloat).value), [1, -0, 1000, Infinity, NaN, 2.5]);
  assert.deepEqual([doc.g, doc.h], [1, 16]);
  assert.ok((doc.t as Record<string, unknown>).x instanceof TomlFloat);
  assert.deepEqual((doc.l as unknown[]).map((v) => v instanceof TomlFloat), [false, true]);
  // Untagged (the default, which the hook uses), the same text gives numbers.
  assert.deepEqual(parseToml(text).a, 1);
  // A tagged float is a value, not a table: a dotted key cannot extend it.
  assert.throws(() => parseToml("a = 1.0\na.b = 2\n", { floats: "tagged" }), TomlSyntaxError);
});
