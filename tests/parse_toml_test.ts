import assert from "node:assert/strict";
import { parseToml, TomlSyntaxError } from "../lib/parse_toml.ts";

// lib/parse_toml.ts replaces npm:smol-toml 1.9.1 on the hook's startup path and
// accepts and rejects what it did: TOML 1.0, plus what smol-toml 1.9 took
// from TOML 1.1 (\x and \e escapes, times without seconds, inline tables
// over several lines with a trailing comma); integers only up to 2^53 - 1.

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
    ['a = "\\x41\\e"', "A\x1b"],
    ["a = 'C:\\\\no\\escapes'", "C:\\\\no\\escapes"],
    ['a = """\nline 1\nline 2"""', "line 1\nline 2"],
    ['a = """a \\\n   b"""', "a b"],
    ['a = """a""""', 'a"'],
    ["a = '''\nraw\\n'''''", "raw\\n''"],
    ["a = 1_000", 1000],
    ["a = 0xFF", 255],
    ["a = 0o17", 15],
    ["a = 0b101", 5],
    ["a = +1.5e-3", 0.0015],
    ["a = -inf", -Infinity],
    ["a = true", true],
    ["a = 1979-05-27T07:32:00-07:00", "date:1979-05-27T14:32:00.000Z"],
    ["a = 1979-05-27 07:32:00.5Z", "date:1979-05-27T07:32:00.500Z"],
    ["a = 1979-05-27", "date:1979-05-27T00:00:00.000Z"],
    ["a = 07:32", "date:1970-01-01T07:32:00.000Z"],
    ["a = [1, 'x', [true], {b = 2},]", [1, "x", [true], { b: 2 }]],
    ["a = [\n  1, # one\n  2,\n]", [1, 2]],
    ["a = { b.c = 1, d = { e = [] } }", { b: { c: 1 }, d: { e: [] } }],
    ["a = {\n  b = 1, # comment\n}", { b: 1 }],
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
    ["a = 9007199254740992", 1, 5],
    ["a = 1979-13-01", 1, 5],
    ["a = 07:60:00", 1, 5],
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

Deno.test("parseToml() agrees with smol-toml 1.9.1 on mutated config files", async () => {
  // The parser the hook used before: same acceptance, same values, and the
  // same error line, on documents made by seeded random edits of valid ones.
  const { parse: smol } = await import("smol-toml");
  const seeds = [
    '#c\ndisable-require = false\n[nvidia-container-cli]\nenvironment = []\nload-kmods = true\npath = "/usr/bin/x"\n[a.b]\nruntimes = ["runc", "crun"]\n',
    "a = 1\nb = 'x'\n[t]\nc = [1, 2, {d = 3}]\n[[arr]]\ne = \"\\u00e9\\x41\"\n[[arr]]\nf.g = 1979-05-27T07:32:00Z\n",
    "x = \"\"\"\nfoo \\\n  bar\"\"\"\ny = '''lit'''\nz = { a.b = 1, c = [true, false] }\n[p.q]\nr = -0x_1\n",
    "[a.b.c]\nd = 1\n[a]\ne = 2\n[a.f]\ng.h = 3\nn = [\n  1, # c\n  2,\n]\nm = +inf\nk = 1e-5\nt = 07:32:00\n",
  ];
  const alphabet = `[]{}=,.#"'\n\r\t \\0123456789abefxuTZ_-+:\u0000\u007f\u00e9`;
  let seed = 42;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const outcome = (f: (t: string) => unknown, t: string) => {
    try {
      return `ok ${JSON.stringify(plain(f(t)), (_k, v) => Number.isNaN(v) ? "NaN" : v)}`;
    } catch (e) {
      return `error on line ${(e as { line?: number }).line}`;
    }
  };
  for (let i = 0; i < 3000; i++) {
    let text = seeds[rnd(seeds.length)] as string;
    const at = rnd(text.length + 1);
    const ch = alphabet[rnd(alphabet.length)] as string;
    text = rnd(2) === 0
      ? text.slice(0, at) + ch + text.slice(at)
      : text.slice(0, at) + ch + text.slice(at + 1);
    assert.equal(outcome(parseToml, text), outcome(smol, text), JSON.stringify(text));
  }
});
