/**
 * Prints the divergence table of lib/divergences.ts as the Markdown that
 * docs/decisions.md holds between its `divergences` markers (a test keeps
 * the two equal). `--write` replaces the block in docs/decisions.md.
 *
 *     deno run --allow-read --allow-write=docs scripts/divergence_table.ts [--write]
 *
 * @module
 */

import { DIVERGENCES } from "../lib/divergences.ts";

/** The markers around the generated block in docs/decisions.md. */
export const BEGIN = "<!-- divergences:begin (scripts/divergence_table.ts --write) -->";
/** See {@linkcode BEGIN}. */
export const END = "<!-- divergences:end -->";

const KIND_NOTE = {
  excuse: "",
  normalised: " (compared sorted by the suite)",
  same: " (same decision as NVIDIA's)",
} as const;

function cell(text: string): string {
  return text.replaceAll("|", "\\|");
}

/** The Markdown table, one row per divergence. */
export function divergenceTable(): string {
  const lines = [
    "| rule | SPEC | NVIDIA's current hook | this hook | why |",
    "|---|---|---|---|---|",
  ];
  for (const d of DIVERGENCES) {
    lines.push(
      `| \`${d.id}\`${KIND_NOTE[d.kind]} | ${d.spec} | ${cell(d.nvidia)} | ${cell(d.ours)} |` +
        ` ${cell(d.why)} |`,
    );
  }
  return lines.join("\n") + "\n";
}

/** `text` with the block between the markers replaced by the table. */
export function withTable(text: string): string {
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) throw new Error("docs/decisions.md: divergence markers not found");
  return text.slice(0, a + BEGIN.length) + "\n\n" + divergenceTable() + "\n" + text.slice(b);
}

if (import.meta.main) {
  const path = new URL("../docs/decisions.md", import.meta.url);
  if (Deno.args.includes("--write")) {
    Deno.writeTextFileSync(path, withTable(Deno.readTextFileSync(path)));
  } else {
    Deno.stdout.writeSync(new TextEncoder().encode(divergenceTable()));
  }
}
