/**
 * docs/decisions.md shows the divergence table of lib/divergences.ts as it
 * is (scripts/divergence_table.ts --write regenerates the block).
 */

import assert from "node:assert/strict";
import { DIVERGENCE_IDS, DIVERGENCES } from "../lib/divergences.ts";
import { withTable } from "../scripts/divergence_table.ts";
import { repoDir } from "./_hook.ts";

/** A Markdown text with table cells trimmed and rule cells shortened (as `deno fmt` pads them). */
function normal(text: string): string {
  return text.split("\n").map((line) =>
    line.startsWith("|")
      ? line.split("|").map((c) => c.trim()).map((c) => /^-+$/.test(c) ? "-" : c).join("|")
      : line
  ).join("\n");
}

Deno.test("docs/decisions.md holds the divergence table as lib/divergences.ts has it", () => {
  const text = Deno.readTextFileSync(`${repoDir()}/docs/decisions.md`);
  assert.equal(
    normal(text),
    normal(withTable(text)),
    "run: deno run --allow-read --allow-write=docs scripts/divergence_table.ts --write",
  );
});

Deno.test("DIVERGENCES has one row per id, in DIVERGENCE_IDS order", () => {
  assert.deepEqual(DIVERGENCES.map((d) => d.id), [...DIVERGENCE_IDS]);
});

Deno.test("DIVERGENCES: only excuse rows excuse differences", () => {
  for (const d of DIVERGENCES) {
    assert.equal(d.differs.length > 0, d.kind === "excuse", d.id);
  }
});
