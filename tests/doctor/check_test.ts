import assert from "node:assert/strict";
import { CHECK_IDS, fail, listed, ok, STATUSES, warn } from "../../lib/doctor/check.ts";

Deno.test("ok(), warn() and fail() build checks; ok has no fix", () => {
  assert.deepEqual(ok("cli.user", "m"), { id: "cli.user", status: "ok", message: "m", fix: "" });
  assert.deepEqual(warn("cli.user", "m", "f"), {
    id: "cli.user",
    status: "warn",
    message: "m",
    fix: "f",
  });
  assert.deepEqual(fail("cli.path", "m", "f"), {
    id: "cli.path",
    status: "fail",
    message: "m",
    fix: "f",
  });
  assert.deepEqual([...STATUSES], ["ok", "warn", "fail"]);
});

Deno.test("CHECK_IDS are unique, section.name, and grouped by section", () => {
  assert.equal(new Set(CHECK_IDS).size, CHECK_IDS.length);
  for (const id of CHECK_IDS) assert.match(id, /^[a-z-]+\.[a-z-]+$/);
  const sections = CHECK_IDS.map((id) => id.split(".")[0]);
  const order = sections.filter((s, i) => s !== sections[i - 1]);
  assert.equal(new Set(order).size, order.length, "each section's checks are together");
  assert.deepEqual(order, [
    "hook",
    "cli",
    "driver",
    "docker",
    "containerd",
    "hooks-d",
    "mode",
    "cgroups",
  ]);
});

Deno.test("listed() shows at most max items and counts the rest", async (t) => {
  const table: [string[], number, string][] = [
    [[], 4, ""],
    [["a"], 4, "a"],
    [["a", "b", "c", "d"], 4, "a, b, c, d"],
    [["a", "b", "c", "d", "e"], 4, "a, b, c, d and 1 more"],
    [["a", "b", "c"], 2, "a, b and 1 more"],
  ];
  for (const [items, max, text] of table) {
    await t.step(text || "(none)", () => assert.equal(listed(items, max), text));
  }
});
