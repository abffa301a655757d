/**
 * docs/doctor.md describes every check, and docs/troubleshooting.md is keyed
 * by texts the hook, the CLI or Docker really print and names real checks.
 */

import assert from "node:assert/strict";
import { repoDir } from "../_hook.ts";
import { CHECK_IDS } from "../../lib/doctor/check.ts";
import { NO_GPU_DRIVER } from "../../lib/doctor/checks_docker.ts";

const DOCTOR = Deno.readTextFileSync(`${repoDir()}/docs/doctor.md`);
const TROUBLE = Deno.readTextFileSync(`${repoDir()}/docs/troubleshooting.md`);

Deno.test("docs/doctor.md has one section per check, in report order", () => {
  const ids = [...DOCTOR.matchAll(/^#### `([^`]+)`$/gm)].map((m) => m[1]);
  assert.deepEqual(ids, [...CHECK_IDS]);
});

Deno.test("docs/troubleshooting.md is keyed by the messages users see", () => {
  const headings = [...TROUBLE.matchAll(/^## `(.+)`$/gm)].map((m) => m[1] as string);
  assert.deepEqual(headings.slice(0, 7), [
    NO_GPU_DRIVER,
    "unsatisfied condition: cuda>=X",
    "load library failed: libnvidia-ml.so.1",
    "Failed to initialize NVML: Unknown Error",
    'Cannot serve nvidia-container-runtime.mode "cdi"',
    'Cannot serve CDI device names (...) in mode "auto"',
    "Cannot find nvidia-container-cli in ...",
  ]);
  // The hook's own texts are the code's.
  const sources = [
    Deno.readTextFileSync(`${repoDir()}/lib/decide_gpu.ts`),
    Deno.readTextFileSync(`${repoDir()}/main.ts`),
  ].join("\n");
  for (
    const text of [
      "Cannot serve nvidia-container-runtime.mode",
      "Cannot serve CDI device names",
      "Cannot find nvidia-container-cli in",
    ]
  ) {
    assert.ok(sources.includes(text), text);
  }
});

Deno.test("docs/troubleshooting.md names only checks doctor has", () => {
  const named = [...TROUBLE.matchAll(/(?:ok|warn|FAIL) ([a-z-]+\.[a-z-]+)/g)].map((m) => m[1]);
  assert.ok(named.length >= 10, `${named.length} checks named`);
  for (const id of named) assert.ok((CHECK_IDS as readonly string[]).includes(id as string), id);
});
