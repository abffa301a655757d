import assert from "node:assert/strict";
import { throwsExactly } from "./_assert.ts";
import { capabilityFormat, isPrivileged } from "../lib/is_privileged.ts";

const FILE = "/run/bundle/config.json";

/** Versions whose capabilities are a plain list: >= v1.0.0-rc1 and < v1.0.0-rc5. */
const LIST_VERSIONS = [
  "1.0.0-rc1",
  "1.0.0-rc2",
  "1.0.0-rc3",
  "1.0.0-rc4",
  "1.0.0-rc10",
  "1.0.0-rc1.1",
  "1.0.0-rc2-dev",
  "1.0.0-rc4+build.5",
];

/** Versions that already start with `v`, taken as is [today]: list form. */
const V_LIST_VERSIONS = [
  "v1.0.0-rc1",
  "v1.0.0-rc2",
  "v1.0.0-rc3",
  "v1.0.0-rc4",
  "v1.0.0-rc10",
  "v1.0.0-rc2-dev",
  "v1.0.0-rc4+build.5",
];

/** Versions that already start with `v`, taken as is [today]: sets form. */
const V_SETS_VERSIONS = [
  "v1.0.0-rc5",
  "v1.0.0",
  "v1.0.2",
  "v1.1.0",
  "v1.0",
  "v1",
  "v0.6.0",
  "v1.0.0-rc0",
  // Still invalid with the `v` taken as is: sorted lowest.
  "v",
  "vv1.0.0-rc2",
  "v 1.0.0-rc2",
  "v1.0.0-rc2 ",
  "v01.0.0-rc2",
  "v1.0-rc2",
];

/** Versions whose capabilities are an object of sets. */
const SETS_VERSIONS = [
  "1.0.0-rc5",
  "1.0.0-rc5+dev",
  "1.0.0-rc6",
  "1.0.0",
  "1.0.1",
  "1.0.2",
  "1.0.2-dev",
  "1.1.0",
  "1.1.0-rc.1",
  "1.2.0",
  "1.0",
  "1",
  "2.0.0",
  "0.6.0",
  "0.9.9",
  "1.0.0-rc0",
  "1.0.0-rc",
  "1.0.0-alpha",
  "1.0.0-RC2",
  "1.0.0-1",
  // Invalid versions sort below every valid one.
  "",
  "V1.0.0-rc2",
  " v1.0.0-rc2",
  "1.0.0-rc2 ",
  " 1.0.0-rc2",
  "01.0.0-rc2",
  "1.0.0-rc2..1",
  "1.0.0-",
  "1.0.0-rc2+",
  "1.0.0.0",
  "one",
];

Deno.test("capabilityFormat() takes the list form from 1.0.0-rc1 up to 1.0.0-rc5", async (t) => {
  for (const v of LIST_VERSIONS) {
    await t.step(JSON.stringify(v), () => {
      assert.equal(capabilityFormat(v), "list");
    });
  }
});

Deno.test("capabilityFormat() takes the sets form for every other version", async (t) => {
  for (const v of SETS_VERSIONS) {
    await t.step(JSON.stringify(v), () => {
      assert.equal(capabilityFormat(v), "sets");
    });
  }
});

Deno.test("capabilityFormat() takes a version that starts with v as is", async (t) => {
  for (const v of V_LIST_VERSIONS) {
    await t.step(`${JSON.stringify(v)}: list`, () => {
      assert.equal(capabilityFormat(v), "list");
    });
  }
  for (const v of V_SETS_VERSIONS) {
    await t.step(`${JSON.stringify(v)}: sets`, () => {
      assert.equal(capabilityFormat(v), "sets");
    });
  }
});

Deno.test("capabilityFormat() JSDoc examples", () => {
  assert.equal(capabilityFormat("1.0.0-rc2"), "list");
  assert.equal(capabilityFormat("v1.0.0-rc2"), "list");
  assert.equal(capabilityFormat("1.0.2"), "sets");
});

Deno.test("isPrivileged() reads the list form of a v-prefixed ociVersion", async (t) => {
  await t.step("CAP_SYS_ADMIN in the list", () => {
    assert.equal(isPrivileged("v1.0.0-rc2", ["CAP_SYS_ADMIN"], FILE), true);
  });
  await t.step("without CAP_SYS_ADMIN", () => {
    assert.equal(isPrivileged("v1.0.0-rc2", ["CAP_CHOWN"], FILE), false);
  });
  await t.step("an object of sets is refused", () => {
    throwsExactly(
      () => isPrivileged("v1.0.0-rc2", { bounding: ["CAP_SYS_ADMIN"] }, FILE),
      `Cannot parse ${FILE}: "process.capabilities" must be an array of strings` +
        ` for ociVersion "v1.0.0-rc2", got an object`,
    );
  });
  await t.step("v1.0.2 reads the bounding set", () => {
    assert.equal(isPrivileged("v1.0.2", { bounding: ["CAP_SYS_ADMIN"] }, FILE), true);
  });
});

Deno.test("isPrivileged() is false without capabilities", async (t) => {
  for (const v of ["1.0.0-rc2", "1.0.2", ""]) {
    await t.step(JSON.stringify(v), () => {
      assert.equal(isPrivileged(v, undefined, FILE), false);
    });
  }
});

Deno.test("isPrivileged() reads the list form", async (t) => {
  const table: [unknown, boolean][] = [
    [["CAP_SYS_ADMIN"], true],
    [["CAP_CHOWN", "CAP_SYS_ADMIN", "CAP_KILL"], true],
    [["CAP_CHOWN", "CAP_KILL"], false],
    [[], false],
    [["cap_sys_admin"], false],
    [["SYS_ADMIN"], false],
    [["CAP_SYS_ADMIN "], false],
  ];
  for (const v of ["1.0.0-rc1", "1.0.0-rc2", "1.0.0-rc3", "1.0.0-rc4", "1.0.0-rc10"]) {
    for (const [caps, expected] of table) {
      await t.step(`${v} ${JSON.stringify(caps)}`, () => {
        assert.equal(isPrivileged(v, caps, FILE), expected);
      });
    }
  }
});

Deno.test("isPrivileged() reads the bounding set of the sets form", async (t) => {
  const table: [unknown, boolean][] = [
    [{ bounding: ["CAP_SYS_ADMIN"] }, true],
    [{ bounding: ["CAP_CHOWN", "CAP_SYS_ADMIN"], effective: ["CAP_CHOWN"] }, true],
    [
      {
        bounding: ["CAP_CHOWN"],
        effective: ["CAP_SYS_ADMIN"],
        inheritable: ["CAP_SYS_ADMIN"],
        permitted: ["CAP_SYS_ADMIN"],
        ambient: ["CAP_SYS_ADMIN"],
      },
      false,
    ],
    [{}, false],
    [{ bounding: [] }, false],
    [{ bounding: null }, false],
    [{ bounding: ["cap_sys_admin"] }, false],
    [{ Bounding: ["CAP_SYS_ADMIN"] }, false],
    [{ BOUNDING: ["CAP_SYS_ADMIN"] }, false],
    [{ bounding: ["CAP_SYS_ADMIN"], other: 5, effective: null }, true],
  ];
  for (const v of ["1.0.0-rc5", "1.0.0", "1.0.2", "1.1.0", "0.6.0", "", "garbage"]) {
    for (const [caps, expected] of table) {
      await t.step(`${JSON.stringify(v)} ${JSON.stringify(caps)}`, () => {
        assert.equal(isPrivileged(v, caps, FILE), expected);
      });
    }
  }
});

Deno.test("isPrivileged() does not read the bounding set from a prototype", () => {
  const caps = JSON.parse('{"__proto__":{"bounding":["CAP_SYS_ADMIN"]}}');
  assert.equal(isPrivileged("1.0.2", caps, FILE), false);
});

Deno.test("isPrivileged() rejects a list form that is not an array of strings", async (t) => {
  const table: [string, unknown, string][] = [
    ["1.0.0-rc2", { bounding: ["CAP_SYS_ADMIN"] }, "an object"],
    ["1.0.0-rc1", "CAP_SYS_ADMIN", "a string"],
    ["1.0.0-rc4", 5, "a number"],
    ["1.0.0-rc3", true, "a boolean"],
    ["1.0.0-rc10", ["CAP_SYS_ADMIN", 5], "an array with a non-string item"],
    ["1.0.0-rc2", [["CAP_SYS_ADMIN"]], "an array with a non-string item"],
  ];
  for (const [v, caps, got] of table) {
    await t.step(`${v} ${JSON.stringify(caps)}`, () => {
      throwsExactly(
        () => isPrivileged(v, caps, FILE),
        `Cannot parse ${FILE}: "process.capabilities" must be an array of strings` +
          ` for ociVersion ${JSON.stringify(v)}, got ${got}`,
      );
    });
  }
});

Deno.test("isPrivileged() rejects a sets form that is not an object", async (t) => {
  const table: [string, unknown, string][] = [
    ["1.0.2", ["CAP_SYS_ADMIN"], "an array"],
    ["1.0.0-rc5", ["CAP_SYS_ADMIN"], "an array"],
    ["1.1.0", "CAP_SYS_ADMIN", "a string"],
    ["0.6.0", 5, "a number"],
    ["", false, "a boolean"],
    ["not-a-version", [], "an array"],
  ];
  for (const [v, caps, got] of table) {
    await t.step(`${JSON.stringify(v)} ${JSON.stringify(caps)}`, () => {
      throwsExactly(
        () => isPrivileged(v, caps, FILE),
        `Cannot parse ${FILE}: "process.capabilities" must be an object of capability sets` +
          ` for ociVersion ${JSON.stringify(v)}, got ${got}`,
      );
    });
  }
});

Deno.test("isPrivileged() rejects a capability set of the wrong shape", async (t) => {
  const table: [Record<string, unknown>, string, string][] = [
    [{ bounding: "CAP_SYS_ADMIN" }, "bounding", "a string"],
    [{ bounding: { CAP_SYS_ADMIN: true } }, "bounding", "an object"],
    [{ bounding: [1] }, "bounding", "an array with a non-string item"],
    [{ bounding: ["CAP_SYS_ADMIN"], effective: 5 }, "effective", "a number"],
    [{ bounding: ["CAP_SYS_ADMIN"], inheritable: true }, "inheritable", "a boolean"],
    [{ permitted: "x" }, "permitted", "a string"],
    [{ ambient: [{}] }, "ambient", "an array with a non-string item"],
  ];
  for (const [caps, set, got] of table) {
    await t.step(JSON.stringify(caps), () => {
      throwsExactly(
        () => isPrivileged("1.0.2", caps, FILE),
        `Cannot parse ${FILE}: "process.capabilities.${set}" must be an array of strings, got ${got}`,
      );
    });
  }
});
