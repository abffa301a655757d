/**
 * The version lives in one place, deno.json's "version": CHANGELOG.md's
 * newest release, `-version` (main.ts reads deno.json) and the Debian
 * package (scripts/package.ts) must say the same.
 */

import assert from "node:assert/strict";
import { debFileName, newestRelease } from "../scripts/package.ts";
import { repoDir, runHook } from "./_hook.ts";

const meta = JSON.parse(Deno.readTextFileSync(`${repoDir()}/deno.json`));
const changelog = Deno.readTextFileSync(`${repoDir()}/CHANGELOG.md`);

Deno.test("deno.json, CHANGELOG.md's newest release and -version give the same version", async () => {
  assert.match(meta.version, /^\d+\.\d+\.\d+$/);
  assert.equal(newestRelease(changelog)?.version, meta.version);
  const r = await runHook({ args: ["-version"], env: { PATH: "/usr/bin:/bin" } });
  assert.equal(r.code, 0);
  assert.equal(r.stdout.split("\n")[0], `NVIDIA Container Runtime Hook version ${meta.version}`);
  assert.equal(
    debFileName(meta.version, "amd64"),
    `nvidia-container-runtime-hook_${meta.version}-1_amd64.deb`,
  );
});

Deno.test("CHANGELOG.md keeps Keep a Changelog's form: Unreleased, then releases newest first", () => {
  const headings = [...changelog.matchAll(/^## (.*)$/gm)].map((m) => m[1] as string);
  assert.equal(headings[0], "[Unreleased]");
  const releases = headings.slice(1).map((h) => {
    const m = h.match(/^\[(\d+)\.(\d+)\.(\d+)\] - (\d{4}-\d{2}-\d{2})$/);
    assert.ok(m !== null, `release heading ${JSON.stringify(h)}`);
    const date = m[4] as string;
    assert.equal(new Date(`${date}T00:00:00Z`).toISOString().slice(0, 10), date);
    return { version: [Number(m[1]), Number(m[2]), Number(m[3])], date };
  });
  assert.ok(releases.length >= 2);
  for (let i = 1; i < releases.length; i++) {
    const [newer, older] = [releases[i - 1]!, releases[i]!];
    const cmp = newer.version.findIndex((n, k) => n !== older.version[k]);
    assert.ok(cmp >= 0 && newer.version[cmp]! > older.version[cmp]!, "versions descend");
    assert.ok(newer.date >= older.date, "dates descend");
  }
  // Only Keep a Changelog's section names under a release.
  for (const m of changelog.matchAll(/^### (.*)$/gm)) {
    assert.ok(
      ["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"].includes(m[1] as string),
      `section ${JSON.stringify(m[1])}`,
    );
  }
});

Deno.test("newestRelease() takes the first dated release heading", async (t) => {
  const table: [string, { version: string; date: string } | undefined][] = [
    ["## [Unreleased]\n\n## [1.2.3] - 2026-01-02\n\n## [1.2.2] - 2025-12-31\n", {
      version: "1.2.3",
      date: "2026-01-02",
    }],
    ["## [Unreleased]\n", undefined],
    ["## [1.2.3]\n", undefined],
    ["## 1.2.3 - 2026-01-02\n", undefined],
  ];
  for (const [text, expected] of table) {
    await t.step(JSON.stringify(text), () => assert.deepEqual(newestRelease(text), expected));
  }
});
