import assert from "node:assert/strict";
import { normalizeLdconfig } from "../lib/normalize_ldconfig.ts";

// SPEC 6.2: an ldconfig value starting with `@` names a host path; if it ends
// in `.real`, that file does not exist on the host but the path without
// `.real` does, the latter is used. Anything else is passed unchanged.

/** An `exists` check that knows only these host paths and records its calls. */
function host(...paths: string[]): { exists: (p: string) => boolean; asked: string[] } {
  const asked: string[] = [];
  const known = new Set(paths);
  return {
    exists: (p: string) => {
      asked.push(p);
      return known.has(p);
    },
    asked,
  };
}

Deno.test("normalizeLdconfig() drops .real when only the plain host path exists", async (t) => {
  const table: [string, string[], string][] = [
    ["@/sbin/ldconfig.real", ["/sbin/ldconfig"], "@/sbin/ldconfig"],
    [
      "@/run/nvidia/driver/sbin/ldconfig.real",
      ["/run/nvidia/driver/sbin/ldconfig"],
      "@/run/nvidia/driver/sbin/ldconfig",
    ],
    ["@/sbin/ldconfig.real.real", ["/sbin/ldconfig.real"], "@/sbin/ldconfig.real"],
    ["@ldconfig.real", ["ldconfig"], "@ldconfig"],
  ];
  for (const [value, paths, want] of table) {
    await t.step(`${value} with ${JSON.stringify(paths)}`, () => {
      assert.equal(normalizeLdconfig(value, host(...paths).exists), want);
    });
  }
});

Deno.test("normalizeLdconfig() keeps the value otherwise", async (t) => {
  const table: [string, string[]][] = [
    // .real exists (with or without the plain path)
    ["@/sbin/ldconfig.real", ["/sbin/ldconfig.real"]],
    ["@/sbin/ldconfig.real", ["/sbin/ldconfig.real", "/sbin/ldconfig"]],
    // neither exists
    ["@/sbin/ldconfig.real", []],
    ["@/sbin/ldconfig.real", ["/usr/sbin/ldconfig"]],
    // no .real suffix: nothing to normalise, whatever exists
    ["@/sbin/ldconfig", []],
    ["@/sbin/ldconfig", ["/sbin/ldconfig.real"]],
    ["@/sbin/ldconfig", ["/sbin/ldconfig"]],
    ["@/sbin/ldconfig.REAL", ["/sbin/ldconfig"]],
    ["@/sbin/ldconfig.real/", ["/sbin/ldconfig"]],
    ["@/sbin/ldconfigreal", ["/sbin/ldconfig"]],
    // no "@": a path inside the container, never looked up on the host
    ["/sbin/ldconfig.real", ["/sbin/ldconfig"]],
    ["/sbin/ldconfig.real", []],
    ["/sbin/ldconfig", ["/sbin/ldconfig"]],
    ["ldconfig.real", ["ldconfig"]],
    // "@.real": the path without .real would be empty
    ["@.real", [""]],
    ["@.real", []],
    ["@.real", ["", ".real"]],
    ["", []],
    ["@", [""]],
  ];
  for (const [value, paths] of table) {
    await t.step(`${JSON.stringify(value)} with ${JSON.stringify(paths)}`, () => {
      assert.equal(normalizeLdconfig(value, host(...paths).exists), value);
    });
  }
});

Deno.test("normalizeLdconfig() keeps an unset value unset", () => {
  assert.equal(normalizeLdconfig(undefined, host("/sbin/ldconfig").exists), undefined);
});

Deno.test("normalizeLdconfig() looks up host paths only for @ values ending in .real", async (t) => {
  await t.step("no @: never asks", () => {
    const h = host("/sbin/ldconfig");
    normalizeLdconfig("/sbin/ldconfig.real", h.exists);
    assert.deepEqual(h.asked, []);
  });
  await t.step("no .real: never asks", () => {
    const h = host("/sbin/ldconfig");
    normalizeLdconfig("@/sbin/ldconfig", h.exists);
    assert.deepEqual(h.asked, []);
  });
  await t.step("asks for host paths, without the @", () => {
    const h = host("/sbin/ldconfig");
    normalizeLdconfig("@/sbin/ldconfig.real", h.exists);
    assert.ok(h.asked.length > 0);
    for (const p of h.asked) {
      assert.ok(p === "/sbin/ldconfig.real" || p === "/sbin/ldconfig", p);
    }
  });
});

Deno.test("normalizeLdconfig() JSDoc examples", () => {
  assert.equal(
    normalizeLdconfig("@/sbin/ldconfig.real", (p) => p === "/sbin/ldconfig"),
    "@/sbin/ldconfig",
  );
  assert.equal(normalizeLdconfig("/sbin/ldconfig.real", () => false), "/sbin/ldconfig.real");
});
