import assert from "node:assert/strict";
import { compareSemver, isValidSemver } from "../lib/compare_semver.ts";

// Expectations follow golang.org/x/mod/semver: "v" prefix required, vMAJOR and
// vMAJOR.MINOR are shorthands, no leading zeros in numbers or numeric prerelease
// identifiers, identifiers are [0-9A-Za-z-] and non-empty, build metadata ignored.

const VALID = [
  "v0",
  "v1",
  "v1.2",
  "v0.0.0",
  "v1.0.0",
  "v1.2.3",
  "v10.20.30",
  "v1.0.0-rc1",
  "v1.0.0-rc5",
  "v1.0.0-rc10",
  "v1.0.0-rc.1",
  "v1.0.0-0",
  "v1.0.0-0a",
  "v1.0.0-01a",
  "v1.0.0-a-b",
  "v1.0.0--",
  "v1.0.0-alpha.beta.1",
  "v1.0.0-x.7.z.92",
  "v1.0.0-rc2-dev",
  "v1.0.0+build",
  "v1.0.0+01",
  "v1.0.0+build.1.2",
  "v1.0.0-rc1+build.5",
  "v1.0.0+-",
  "v99999999999999999999.0.0",
];

const INVALID = [
  "",
  "v",
  "1.0.0",
  "V1.0.0",
  " v1.0.0",
  "v1.0.0 ",
  "v1.0.0\n",
  "vv1.0.0",
  "v1.",
  "v1.2.",
  "v1..2",
  "v.1",
  "v-1",
  "v+1",
  "va",
  "v1a",
  "v1.2a",
  "v1.2.3a",
  "v1.2.3.4",
  "v01",
  "v01.0.0",
  "v1.00.0",
  "v1.0.00",
  "v1.0.01",
  "v1-rc1",
  "v1.0-rc1",
  "v1.0+build",
  "v1+build",
  "v1.0.0-",
  "v1.0.0+",
  "v1.0.0-+build",
  "v1.0.0-rc1+",
  "v1.0.0-01",
  "v1.0.0-00",
  "v1.0.0-rc.01",
  "v1.0.0-rc..1",
  "v1.0.0-rc.",
  "v1.0.0-.rc",
  "v1.0.0+a..b",
  "v1.0.0+a.",
  "v1.0.0-rc_1",
  "v1.0.0-rc 1",
  "v1.0.0-rc1+b_1",
  "v1.0.0-rc1+b+c",
  "v1.0.0-\u00e9",
  "v\uff11.0.0",
  "vbad",
];

// [v, w, Compare(v, w)]; the reverse order must give the opposite sign.
const COMPARE: Array<[string, string, -1 | 0 | 1]> = [
  ["v1.0.0", "v1.0.0", 0],
  ["v1", "v1.0.0", 0],
  ["v1.2", "v1.2.0", 0],
  ["v1", "v1.0", 0],
  ["v1.0.0+build", "v1.0.0", 0],
  ["v1.0.0+a", "v1.0.0+b", 0],
  ["v1.0.0-rc1+a", "v1.0.0-rc1+b", 0],
  ["v1.0.0", "v1.0.1", -1],
  ["v1.0.9", "v1.1.0", -1],
  ["v1.9.9", "v2.0.0", -1],
  ["v2", "v10", -1],
  ["v9.0.0", "v10.0.0", -1],
  ["v1.9.0", "v1.10.0", -1],
  ["v1.0.9", "v1.0.10", -1],
  ["v99999999999999999998.0.0", "v99999999999999999999.0.0", -1],
  ["v1.0.0-alpha", "v1.0.0", -1],
  ["v1.0.0-rc1", "v1", -1],
  ["v1.0.0-alpha", "v1.0.0-alpha.1", -1],
  ["v1.0.0-alpha.1", "v1.0.0-alpha.beta", -1],
  ["v1.0.0-alpha.beta", "v1.0.0-beta", -1],
  ["v1.0.0-beta", "v1.0.0-beta.2", -1],
  ["v1.0.0-beta.2", "v1.0.0-beta.11", -1],
  ["v1.0.0-beta.11", "v1.0.0-rc.1", -1],
  ["v1.0.0-rc.1", "v1.0.0", -1],
  ["v1.0.0-2", "v1.0.0-10", -1],
  ["v1.0.0-9", "v1.0.0-99999999999999999999", -1],
  ["v1.0.0-1", "v1.0.0-a", -1],
  ["v1.0.0-999", "v1.0.0-0a", -1],
  ["v1.0.0-1a", "v1.0.0-a", -1],
  ["v1.0.0-A", "v1.0.0-a", -1],
  ["v1.0.0-Z", "v1.0.0-a", -1],
  ["v1.0.0--", "v1.0.0-0a", -1],
  ["v1.0.0-rc10", "v1.0.0-rc5", -1],
  ["v1.0.0-rc1", "v1.0.0-rc10", -1],
  ["v1.0.0-rc1", "v1.0.0-rc2", -1],
  ["v1.0.0-rc1", "v1.0.0-rc5", -1],
  ["v1.0.0-rc2-dev", "v1.0.0-rc5", -1],
  ["v1.0.0-rc1", "v1.0.0-rc2-dev", -1],
  ["v1.0.0-rc5", "v1.0.0-rc5-dev", -1],
  ["v1.0.0-rc", "v1.0.0-rc1", -1],
  ["v1.0.0-rc", "v1.0.0-rc.1", -1],
  ["v1.0.0-rc.1", "v1.0.0-rc1", -1],
  ["v1.0.0-rc.1", "v1.0.0-rc-1", -1],
  ["v1.0.0-rc1", "v1.0.0-rc1.1", -1],
  ["v1.0.0-rc5", "v1.0.0-rc6", -1],
  ["v1.0.0-rc5", "v1.0.0", -1],
  ["v0.0.0", "v0.0.1-0", -1],
  // invalid sorts below every valid version; two invalid versions are equal
  ["vbad", "v0.0.0", -1],
  ["", "v0.0.0-0", -1],
  ["1.0.0", "v0.0.0", -1],
  ["v1.0-rc1", "v0.0.0-0", -1],
  ["v01.0.0", "v0", -1],
  ["v1.0.0-01", "v1.0.0-rc1", -1],
  ["vbad", "vworse", 0],
  ["", "v", 0],
  ["2.0.0", "1.0.0", 0],
  ["v2.0.0.0", "v1.0-rc1", 0],
  ["v1.0.0-01", "v1.0.0-00", 0],
];

Deno.test("isValidSemver() accepts the versions Go's x/mod/semver accepts", async (t) => {
  for (const v of VALID) {
    await t.step(JSON.stringify(v), () => {
      assert.equal(isValidSemver(v), true);
    });
  }
});

Deno.test("isValidSemver() rejects the versions Go's x/mod/semver rejects", async (t) => {
  for (const v of INVALID) {
    await t.step(JSON.stringify(v), () => {
      assert.equal(isValidSemver(v), false);
    });
  }
});

Deno.test("compareSemver() orders versions as Go's semver.Compare", async (t) => {
  for (const [v, w, want] of COMPARE) {
    await t.step(`${JSON.stringify(v)} vs ${JSON.stringify(w)}`, () => {
      assert.equal(compareSemver(v, w), want);
      assert.equal(compareSemver(w, v), want === 0 ? 0 : -want);
    });
  }
});

Deno.test("compareSemver() puts every invalid version below every valid one", async (t) => {
  for (const bad of INVALID) {
    await t.step(JSON.stringify(bad), () => {
      for (const good of VALID) {
        assert.equal(compareSemver(bad, good), -1, `${bad} vs ${good}`);
        assert.equal(compareSemver(good, bad), 1, `${good} vs ${bad}`);
      }
      for (const other of INVALID) {
        assert.equal(compareSemver(bad, other), 0, `${bad} vs ${other}`);
      }
    });
  }
});

Deno.test("compareSemver() equals every valid version to itself", async (t) => {
  for (const v of VALID) {
    await t.step(JSON.stringify(v), () => {
      assert.equal(compareSemver(v, v), 0);
    });
  }
});

Deno.test("compareSemver() selects the rc1..rc5 window of OCI capabilities (SPEC 5.1)", async (t) => {
  // The array form of process.capabilities: v1.0.0-rc1 <= "v" + ociVersion < v1.0.0-rc5.
  const inWindow = (ociVersion: string): boolean =>
    compareSemver("v" + ociVersion, "v1.0.0-rc1") >= 0 &&
    compareSemver("v" + ociVersion, "v1.0.0-rc5") < 0;
  const cases: Array<[string, boolean]> = [
    ["1.0.0-rc1", true],
    ["1.0.0-rc2", true],
    ["1.0.0-rc2-dev", true],
    ["1.0.0-rc4", true],
    ["1.0.0-rc10", true],
    ["1.0.0-rc1+dev", true],
    ["1.0.0-rc5", false],
    ["1.0.0-rc5-dev", false],
    ["1.0.0-rc6", false],
    ["1.0.0-rc", false],
    ["1.0.0-alpha", false],
    ["1.0.0", false],
    ["1.0", false],
    ["1.0.2-dev", false],
    ["1.2.0", false],
    ["0.6.0", false],
    ["1.0-rc1", false],
    ["1.0.0-rc01", false],
    ["", false],
    ["v1.0.0-rc2", false],
  ];
  for (const [ociVersion, want] of cases) {
    await t.step(JSON.stringify(ociVersion), () => {
      assert.equal(inWindow(ociVersion), want);
    });
  }
});
