/**
 * The ld cache parser: the caches glibc's ldconfig writes on this machine
 * (new, compat, old), compared with `ldconfig -p`; caches written by the
 * test builder (itself checked with `ldconfig -p`); and damaged caches.
 */

import assert from "node:assert/strict";
import { ldCacheLookup, parseLdCache } from "../../lib/doctor/ld_cache.ts";
import { buildLdCache, DRIVER_LIBS } from "./_ld_cache.ts";

const inCi = Deno.env.get("CI") === "true";

function ldconfig(): string | undefined {
  for (const p of ["/sbin/ldconfig", "/usr/sbin/ldconfig"]) {
    try {
      if (Deno.statSync(p).isFile) return p;
    } catch {
      // Not there.
    }
  }
  if (inCi) throw new Error("CI=true: ldconfig (libc-bin) is needed by the ld cache tests");
  return undefined;
}

/** `ldconfig -p -C FILE`: the soname => path pairs, in order. */
function ldconfigPrint(bin: string, file: string): string[] {
  const out = new Deno.Command(bin, { args: ["-p", "-C", file], stdout: "piped", stderr: "null" })
    .outputSync();
  return new TextDecoder().decode(out.stdout).split("\n").slice(1).filter((l) => l.includes("=>"))
    .map((l) => {
      const m = /^\s+(\S+) \(.*\) => (.*)$/.exec(l);
      return `${m?.[1]} => ${m?.[2]}`;
    });
}

Deno.test({
  name: "parseLdCache() reads the caches ldconfig writes, as ldconfig -p reads them",
  ignore: ldconfig() === undefined,
  fn: async (t) => {
    const bin = ldconfig() as string;
    const tmp = Deno.makeTempDirSync({ prefix: "hook-ldcache-" });
    try {
      // A real library dir of this machine, so that ldconfig has ELF files to list.
      const libdir = ["/lib/x86_64-linux-gnu", "/lib/aarch64-linux-gnu", "/lib64", "/usr/lib"]
        .find((d) => {
          try {
            return Deno.statSync(d).isDirectory;
          } catch {
            return false;
          }
        }) as string;
      Deno.writeTextFileSync(`${tmp}/ld.so.conf`, `${libdir}\n`);
      for (const format of ["new", "compat"]) {
        await t.step(format, () => {
          const file = `${tmp}/${format}.cache`;
          const r = new Deno.Command(bin, {
            args: ["-X", "-c", format, "-f", `${tmp}/ld.so.conf`, "-C", file],
            stdout: "null",
            stderr: "null",
          }).outputSync();
          assert.equal(r.code, 0);
          const parsed = parseLdCache(Deno.readFileSync(file));
          assert.ok(parsed.ok, JSON.stringify(parsed));
          const expected = ldconfigPrint(bin, file);
          assert.ok(expected.length > 5, `ldconfig listed ${expected.length} libraries`);
          assert.deepEqual(parsed.entries.map((e) => `${e.key} => ${e.value}`), expected);
        });
      }
      await t.step("old", () => {
        const file = `${tmp}/old.cache`;
        new Deno.Command(bin, {
          args: ["-X", "-c", "old", "-f", `${tmp}/ld.so.conf`, "-C", file],
          stdout: "null",
          stderr: "null",
        }).outputSync();
        assert.deepEqual(parseLdCache(Deno.readFileSync(file)), {
          ok: false,
          error: 'old format only ("ld.so-1.7.0"), no "glibc-ld.so.cache1.1" table',
        });
      });
      await t.step("this host's /etc/ld.so.cache", () => {
        const parsed = parseLdCache(Deno.readFileSync("/etc/ld.so.cache"));
        assert.ok(parsed.ok);
        assert.deepEqual(
          parsed.entries.map((e) => `${e.key} => ${e.value}`),
          ldconfigPrint(bin, "/etc/ld.so.cache"),
        );
      });
    } finally {
      Deno.removeSync(tmp, { recursive: true });
    }
  },
});

Deno.test({
  name: "the test builder writes caches ldconfig -p reads (new and compat)",
  ignore: ldconfig() === undefined,
  fn: async (t) => {
    const bin = ldconfig() as string;
    const tmp = Deno.makeTempDirSync({ prefix: "hook-ldcache-" });
    try {
      for (const format of ["new", "compat"] as const) {
        await t.step(format, () => {
          Deno.writeFileSync(`${tmp}/c`, buildLdCache(DRIVER_LIBS, { format }));
          assert.deepEqual(
            ldconfigPrint(bin, `${tmp}/c`),
            DRIVER_LIBS.map((l) => `${l.key} => ${l.value}`),
          );
        });
      }
    } finally {
      Deno.removeSync(tmp, { recursive: true });
    }
  },
});

Deno.test("parseLdCache() reads both byte orders and the compat layout", async (t) => {
  const expected = DRIVER_LIBS.map((l) => ({ flags: 0x0303, key: l.key, value: l.value }));
  for (
    const [name, bytes] of [
      ["new", buildLdCache(DRIVER_LIBS)],
      ["compat", buildLdCache(DRIVER_LIBS, { format: "compat" })],
      ["big-endian", buildLdCache(DRIVER_LIBS, { bigEndian: true })],
    ] as const
  ) {
    await t.step(
      name,
      () => assert.deepEqual(parseLdCache(bytes), { ok: true, entries: expected }),
    );
  }
  await t.step(
    "empty",
    () => assert.deepEqual(parseLdCache(buildLdCache([])), { ok: true, entries: [] }),
  );
});

Deno.test("parseLdCache() rejects damaged caches with a reason", async (t) => {
  const good = buildLdCache(DRIVER_LIBS);
  const patched = (at: number, bytes: number[]) => {
    const b = good.slice();
    b.set(bytes, at);
    return b;
  };
  const table: [string, Uint8Array, string][] = [
    ["empty input", new Uint8Array(), 'not an ld cache (no "glibc-ld.so.cache1.1" header)'],
    [
      "text",
      new TextEncoder().encode("{not a cache}\n"),
      'not an ld cache (no "glibc-ld.so.cache1.1" header)',
    ],
    ["a header cut short", good.slice(0, 40), "truncated header"],
    ["invalid byte order", patched(28, [1]), "invalid byte order flag"],
    [
      "a count beyond the file",
      patched(20, [0xff, 0xff, 0xff, 0x7f]),
      `truncated: 2147483647 entries do not fit in ${good.length} bytes`,
    ],
    [
      "entries cut off",
      good.slice(0, 48 + 24 * 2),
      `truncated: 3 entries do not fit in ${48 + 48} bytes`,
    ],
    [
      "a key offset beyond the file",
      patched(48 + 4, [0xff, 0xff, 0, 0]),
      "entry 0 points outside the string table",
    ],
    [
      "an unterminated string",
      good.slice(0, good.length - 1),
      "entry 2 points outside the string table",
    ],
    [
      "old magic with a short table",
      new TextEncoder().encode("ld.so-1.7.0"),
      'old format only ("ld.so-1.7.0"), no "glibc-ld.so.cache1.1" table',
    ],
  ];
  for (const [name, bytes, error] of table) {
    await t.step(name, () => assert.deepEqual(parseLdCache(bytes), { ok: false, error }));
  }
  await t.step("random bytes never throw", () => {
    let seed = 7;
    for (let n = 0; n < 200; n++) {
      const b = good.slice();
      for (let k = 0; k < 8; k++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        b[seed % b.length] = seed & 0xff;
      }
      const r = parseLdCache(b);
      assert.equal(typeof r.ok, "boolean");
    }
  });
});

Deno.test("ldCacheLookup() prefers the ABI-specific entry and ignores non-ELF ones", () => {
  const entries = [
    { flags: 0x0000, key: "libcuda.so.1", value: "/libc4/libcuda.so.1" },
    { flags: 0x0003, key: "libcuda.so.1", value: "/usr/lib32/libcuda.so.1" },
    { flags: 0x0303, key: "libcuda.so.1", value: "/usr/lib64/libcuda.so.1" },
    { flags: 0x0003, key: "libnvidia-ml.so.1", value: "/usr/lib32/libnvidia-ml.so.1" },
  ];
  assert.equal(ldCacheLookup(entries, "libcuda.so.1")?.value, "/usr/lib64/libcuda.so.1");
  assert.equal(ldCacheLookup(entries, "libnvidia-ml.so.1")?.value, "/usr/lib32/libnvidia-ml.so.1");
  assert.equal(ldCacheLookup(entries.slice(0, 1), "libcuda.so.1"), undefined);
  assert.equal(ldCacheLookup(entries, "libnope.so"), undefined);
});
