import assert from "node:assert/strict";
import { LDCONFIG, ldconfigOption, normalizeLdconfig } from "../lib/normalize_ldconfig.ts";

// SPEC 6.2, as NVIDIA's current hook decides it (settled with its binary):
// an ldconfig value starting with `@` names a host path P; when P ends in
// `.real`, P is kept if it exists and `.real` is dropped otherwise; when P
// does not end in `.real`, `P.real` is used if that file exists. Anything
// else is passed unchanged. [today] `--ldconfig=` is always passed: with
// none configured (absent or `""`), `@/sbin/ldconfig.real` when that host
// file exists, else `@/sbin/ldconfig` (SPEC 3.2).

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

Deno.test("normalizeLdconfig() keeps a .real value whose host file exists", async (t) => {
  const table: [string, string[]][] = [
    ["@/sbin/ldconfig.real", ["/sbin/ldconfig.real"]],
    ["@/sbin/ldconfig.real", ["/sbin/ldconfig.real", "/sbin/ldconfig"]],
    ["@/sbin/ldconfig.real.real", ["/sbin/ldconfig.real.real", "/sbin/ldconfig.real"]],
  ];
  for (const [value, paths] of table) {
    await t.step(`${value} with ${JSON.stringify(paths)}`, () => {
      assert.equal(normalizeLdconfig(value, host(...paths).exists), value);
    });
  }
});

Deno.test("normalizeLdconfig() drops .real when that host file does not exist", async (t) => {
  const table: [string, string[], string][] = [
    ["@/sbin/ldconfig.real", ["/sbin/ldconfig"], "@/sbin/ldconfig"],
    // whether or not the plain path exists
    ["@/sbin/ldconfig.real", [], "@/sbin/ldconfig"],
    ["@/sbin/ldconfig.real", ["/usr/sbin/ldconfig"], "@/sbin/ldconfig"],
    [
      "@/run/nvidia/driver/sbin/ldconfig.real",
      ["/run/nvidia/driver/sbin/ldconfig"],
      "@/run/nvidia/driver/sbin/ldconfig",
    ],
    ["@/sbin/ldconfig.real.real", ["/sbin/ldconfig.real"], "@/sbin/ldconfig.real"],
    ["@ldconfig.real", ["ldconfig"], "@ldconfig"],
    // only one .real is dropped, and the result is not looked up again
    ["@/sbin/ldconfig.real.real", [], "@/sbin/ldconfig.real"],
  ];
  for (const [value, paths, want] of table) {
    await t.step(`${value} with ${JSON.stringify(paths)}`, () => {
      assert.equal(normalizeLdconfig(value, host(...paths).exists), want);
    });
  }
});

Deno.test("normalizeLdconfig() upgrades a host path to .real when that file exists", async (t) => {
  const table: [string, string[], string][] = [
    ["@/sbin/ldconfig", ["/sbin/ldconfig.real"], "@/sbin/ldconfig.real"],
    ["@/sbin/ldconfig", ["/sbin/ldconfig.real", "/sbin/ldconfig"], "@/sbin/ldconfig.real"],
    ["@/usr/sbin/ldconfig", ["/usr/sbin/ldconfig.real"], "@/usr/sbin/ldconfig.real"],
    ["@/sbin/ldconfig.REAL", ["/sbin/ldconfig.REAL.real"], "@/sbin/ldconfig.REAL.real"],
  ];
  for (const [value, paths, want] of table) {
    await t.step(`${value} with ${JSON.stringify(paths)}`, () => {
      assert.equal(normalizeLdconfig(value, host(...paths).exists), want);
    });
  }
});

Deno.test("normalizeLdconfig() keeps the value otherwise", async (t) => {
  const table: [string, string[]][] = [
    // a host path without .real, and no .real file beside it
    ["@/sbin/ldconfig", []],
    ["@/sbin/ldconfig", ["/sbin/ldconfig"]],
    ["@/usr/sbin/ldconfig", ["/sbin/ldconfig.real"]],
    ["@/sbin/ldconfig.REAL", ["/sbin/ldconfig", "/sbin/ldconfig.real"]],
    ["@/sbin/ldconfig.real/", ["/sbin/ldconfig", "/sbin/ldconfig.real"]],
    ["@/sbin/ldconfigreal", ["/sbin/ldconfig"]],
    // no "@": a path inside the container, never looked up on the host
    ["/sbin/ldconfig.real", ["/sbin/ldconfig"]],
    ["/sbin/ldconfig.real", []],
    ["/sbin/ldconfig", ["/sbin/ldconfig", "/sbin/ldconfig.real"]],
    ["ldconfig.real", ["ldconfig"]],
    ["", []],
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

Deno.test("normalizeLdconfig() looks up host paths only for @ values", async (t) => {
  await t.step("no @: never asks", () => {
    const h = host("/sbin/ldconfig");
    normalizeLdconfig("/sbin/ldconfig.real", h.exists);
    normalizeLdconfig("/sbin/ldconfig", h.exists);
    assert.deepEqual(h.asked, []);
  });
  await t.step("a .real value: asks for it, without the @", () => {
    const h = host("/sbin/ldconfig");
    normalizeLdconfig("@/sbin/ldconfig.real", h.exists);
    assert.deepEqual(h.asked, ["/sbin/ldconfig.real"]);
  });
  await t.step("another value: asks for its .real file, without the @", () => {
    const h = host("/sbin/ldconfig");
    normalizeLdconfig("@/sbin/ldconfig", h.exists);
    assert.deepEqual(h.asked, ["/sbin/ldconfig.real"]);
  });
});

Deno.test("normalizeLdconfig() JSDoc examples", () => {
  assert.equal(
    normalizeLdconfig("@/sbin/ldconfig.real", (p) => p === "/sbin/ldconfig"),
    "@/sbin/ldconfig",
  );
  assert.equal(
    normalizeLdconfig("@/sbin/ldconfig", (p) => p === "/sbin/ldconfig.real"),
    "@/sbin/ldconfig.real",
  );
  assert.equal(normalizeLdconfig("/sbin/ldconfig.real", () => false), "/sbin/ldconfig.real");
});

Deno.test("LDCONFIG is the host's /sbin/ldconfig", () => {
  assert.equal(LDCONFIG, "/sbin/ldconfig");
});

Deno.test("ldconfigOption() defaults to the host's ldconfig when none is configured", async (t) => {
  const table: [string, string[], string][] = [
    ["ldconfig.real exists", ["/sbin/ldconfig.real"], "@/sbin/ldconfig.real"],
    ["both exist", ["/sbin/ldconfig.real", "/sbin/ldconfig"], "@/sbin/ldconfig.real"],
    ["only ldconfig exists", ["/sbin/ldconfig"], "@/sbin/ldconfig"],
    ["neither exists", [], "@/sbin/ldconfig"],
    [
      "only other ldconfigs exist",
      ["/usr/sbin/ldconfig.real", "/sbin/ldconfig.REAL"],
      "@/sbin/ldconfig",
    ],
  ];
  for (const [name, paths, want] of table) {
    await t.step(`absent, ${name}`, () => {
      assert.equal(ldconfigOption(undefined, host(...paths).exists), want);
    });
    await t.step(`"", ${name}`, () => {
      assert.equal(ldconfigOption("", host(...paths).exists), want);
    });
  }
  await t.step("asks the host only about /sbin/ldconfig.real", () => {
    const h = host("/sbin/ldconfig");
    ldconfigOption(undefined, h.exists);
    assert.deepEqual(h.asked, ["/sbin/ldconfig.real"]);
  });
});

Deno.test("ldconfigOption() normalises a configured value", async (t) => {
  const table: [string, string[], string][] = [
    ["@/sbin/ldconfig.real", ["/sbin/ldconfig"], "@/sbin/ldconfig"],
    ["@/sbin/ldconfig.real", ["/sbin/ldconfig.real"], "@/sbin/ldconfig.real"],
    ["@/sbin/ldconfig.real", [], "@/sbin/ldconfig"],
    ["@/sbin/ldconfig", ["/sbin/ldconfig"], "@/sbin/ldconfig"],
    ["@/sbin/ldconfig", ["/sbin/ldconfig.real"], "@/sbin/ldconfig.real"],
    ["@/usr/sbin/ldconfig", ["/sbin/ldconfig.real", "/sbin/ldconfig"], "@/usr/sbin/ldconfig"],
    [
      "@/run/nvidia/driver/sbin/ldconfig.real",
      ["/run/nvidia/driver/sbin/ldconfig", "/sbin/ldconfig.real"],
      "@/run/nvidia/driver/sbin/ldconfig",
    ],
    // no "@" (allowed by features.allow-ldconfig-from-container): passed as is
    ["/sbin/ldconfig", ["/sbin/ldconfig.real"], "/sbin/ldconfig"],
    ["/sbin/ldconfig.real", ["/sbin/ldconfig"], "/sbin/ldconfig.real"],
  ];
  for (const [value, paths, want] of table) {
    await t.step(`${value} with ${JSON.stringify(paths)}`, () => {
      assert.equal(ldconfigOption(value, host(...paths).exists), want);
    });
  }
  const hosts = [[], ["/sbin/ldconfig"], ["/sbin/ldconfig.real"], [
    "/sbin/ldconfig",
    "/sbin/ldconfig.real",
  ]];
  for (const value of ["@/sbin/ldconfig.real", "@/sbin/ldconfig", "@/opt/ldconfig", "/x"]) {
    for (const paths of hosts) {
      await t.step(`${value} with ${JSON.stringify(paths)}: as normalizeLdconfig() gives`, () => {
        assert.equal(
          ldconfigOption(value, host(...paths).exists),
          normalizeLdconfig(value, host(...paths).exists),
        );
      });
    }
  }
});

Deno.test("ldconfigOption() JSDoc examples", () => {
  assert.equal(ldconfigOption(undefined, (p) => p === "/sbin/ldconfig"), "@/sbin/ldconfig");
  assert.equal(ldconfigOption(undefined, () => true), "@/sbin/ldconfig.real");
  assert.equal(ldconfigOption("@/usr/sbin/ldconfig", () => false), "@/usr/sbin/ldconfig");
  assert.equal(ldconfigOption("", () => false), "@/sbin/ldconfig");
});
