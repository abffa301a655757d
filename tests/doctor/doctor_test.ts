import assert from "node:assert/strict";
import { CHECK_IDS } from "../../lib/doctor/check.ts";
import {
  type DoctorReport,
  formatDoctor,
  hasFailure,
  runDoctor,
  SECTIONS,
} from "../../lib/doctor/doctor.ts";
import { HostError } from "../../lib/errors.ts";
import { configCandidates } from "../../lib/hook_config.ts";
import { memoryView, type Spec } from "./_memory_view.ts";

function input(tree: Record<string, Spec>, root = "/") {
  return {
    view: memoryView(tree),
    root,
    version: "NVIDIA Container Runtime Hook version 0.1.0\n",
    candidates: configCandidates("", {}),
    cwd: "/",
    pathEnv: "/usr/bin",
  };
}

Deno.test("runDoctor() reports every check once, in CHECK_IDS order", async () => {
  const report = await runDoctor(input({}));
  assert.equal(report.schema, 1);
  assert.deepEqual(report.checks.map((c) => c.id), [...CHECK_IDS]);
  for (const c of report.checks) {
    assert.ok(!c.message.includes("\n") && !c.fix.includes("\n"), c.id);
    assert.equal(c.status === "ok", c.fix === "", `${c.id}: a fix exactly when not ok`);
  }
});

Deno.test("runDoctor() refuses a root that is not a directory", async () => {
  await assert.rejects(() => runDoctor(input({ "/srv/file": "" }, "/srv/file")), {
    name: "HostError",
    message: 'Cannot read --root "/srv/file": not a directory',
  });
  await assert.rejects(() => runDoctor(input({}, "/nope")), HostError);
});

Deno.test("runDoctor() turns a bug in one section into that section's failures", async () => {
  const i = input({ "/usr/bin/nvidia-container-cli": { kind: "exe" } });
  i.view.run = () => {
    throw new Error("boom\nsecond line");
  };
  const report = await runDoctor(i);
  const cli = report.checks.filter((c) => c.id.startsWith("cli."));
  assert.deepEqual(
    cli,
    ["cli.path", "cli.version", "cli.user"].map((id) => ({
      id,
      status: "fail",
      message: "Internal error: boom\\u000asecond line",
      fix: "report this as a bug of nvidia-container-runtime-hook",
    })),
  );
  assert.equal(report.checks.length, CHECK_IDS.length);
  assert.equal(
    report.checks.find((c) => c.id === "driver.gpus")?.message,
    "no GPU under /proc/driver/nvidia/gpus",
  );
});

Deno.test("SECTIONS title every section of CHECK_IDS, in order", () => {
  const prefixes = [...new Set(CHECK_IDS.map((id) => id.split(".")[0]))];
  assert.deepEqual([...SECTIONS.keys()], prefixes);
});

const SAMPLE: DoctorReport = {
  schema: 1,
  checks: [
    { id: "hook.version", status: "ok", message: "V 1", fix: "" },
    { id: "hook.config", status: "warn", message: "w\u001b[2J", fix: "edit it" },
    { id: "driver.version", status: "fail", message: "no driver", fix: "install it" },
  ],
};

Deno.test("formatDoctor() prints one line per check under its section, and a summary", () => {
  assert.equal(
    formatDoctor(SAMPLE),
    [
      "This hook",
      "  ok   hook.version: V 1",
      "  warn hook.config: w\\u001b[2J -- fix: edit it",
      "",
      "NVIDIA driver",
      "  FAIL driver.version: no driver -- fix: install it",
      "",
      "summary: 1 ok, 1 warn, 1 FAIL: not ready for GPU containers",
      "",
    ].join("\n"),
  );
  assert.equal(
    formatDoctor({ schema: 1, checks: SAMPLE.checks.slice(0, 2) }).split("\n").at(-2),
    "summary: 1 ok, 1 warn, 0 FAIL: ready for GPU containers",
  );
});

Deno.test("hasFailure() is true exactly when a check fails", () => {
  assert.equal(hasFailure(SAMPLE), true);
  assert.equal(hasFailure({ schema: 1, checks: SAMPLE.checks.slice(0, 2) }), false);
});
