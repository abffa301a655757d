/**
 * Runs differential cases (tests/_differential.ts) through NVIDIA's hook and
 * ours and prints the ones that differ, grouped by a short signature (the
 * outcome pair and error message, or which argv options and CLI variables
 * differ), each group with its count, the divergence rows it matched and its
 * smallest example. For developers fixing the hook; the suite is
 * tests/differential_test.ts.
 *
 *     deno run --allow-read --allow-write --allow-env --allow-run scripts/differential_report.ts \
 *       [--runs N] [--seed S] [--jobs J] [--fixtures | --fixtures-only] [--unmatched-only]
 *       [--max-groups G] [--case I | --fixture NAME] [--json FILE]
 *
 * `--unmatched-only` keeps the differences no divergence row covers (what
 * fails the suite); `--case I` / `--fixture NAME` prints one case in full.
 *
 * @module
 */

import { DIVERGENCES, matchDivergences } from "../lib/divergences.ts";
import {
  type CaseResult,
  count,
  describe,
  type DiffCase,
  diffJobs,
  fixtureCase,
  fixtureCases,
  judge,
  minus,
  newTally,
  normalizeArgv,
  NVIDIA_HOOK,
  nvidiaHookAvailable,
  pool,
  runDiffCase,
  type Tally,
  type Verdict,
} from "../tests/_differential.ts";
import { DEFAULT_DIFF_RUNS, diffSeed, generateCase } from "../tests/_differential_gen.ts";

interface Options {
  runs: number;
  seed: number;
  jobs: number;
  fixtures: boolean;
  generated: boolean;
  unmatchedOnly: boolean;
  maxGroups: number;
  exampleChars: number;
  case: number | undefined;
  fixture: string | undefined;
  json: string | undefined;
}

const USAGE = "usage: differential_report.ts [--runs N] [--seed S] [--jobs J] " +
  "[--fixtures | --fixtures-only] [--unmatched-only] [--max-groups G] [--example-chars C] " +
  "[--case I | --fixture NAME] [--json FILE]";

function parseOptions(args: readonly string[]): Options {
  const o: Options = {
    runs: DEFAULT_DIFF_RUNS,
    seed: diffSeed(),
    jobs: diffJobs(),
    fixtures: false,
    generated: true,
    unmatchedOnly: false,
    maxGroups: 25,
    exampleChars: 400,
    case: undefined,
    fixture: undefined,
    json: undefined,
  };
  const num = (name: string, v: string | undefined) => {
    const n = Number(v);
    if (v === undefined || v.trim() === "" || !Number.isSafeInteger(n) || n < 0) {
      throw new Error(`${name} needs a non-negative integer\n${USAGE}`);
    }
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const [name, inline] = a.includes("=")
      ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)]
      : [a, undefined];
    const value = () => inline ?? args[++i];
    switch (name) {
      case "--runs":
        o.runs = num(name, value());
        break;
      case "--seed":
        o.seed = num(name, value()) >>> 0;
        break;
      case "--jobs":
        o.jobs = Math.max(1, num(name, value()));
        break;
      case "--fixtures":
        o.fixtures = true;
        break;
      case "--fixtures-only":
        o.fixtures = true;
        o.generated = false;
        break;
      case "--unmatched-only":
        o.unmatchedOnly = true;
        break;
      case "--max-groups":
        o.maxGroups = num(name, value());
        break;
      case "--example-chars":
        o.exampleChars = num(name, value());
        break;
      case "--case":
        o.case = num(name, value());
        break;
      case "--fixture":
        o.fixture = value();
        break;
      case "--json":
        o.json = value();
        break;
      case "-h":
      case "--help":
        print(USAGE);
        Deno.exit(0);
        break;
      default:
        throw new Error(`unknown option ${JSON.stringify(a)}\n${USAGE}`);
    }
  }
  return o;
}

function print(text: string): void {
  Deno.stdout.writeSync(new TextEncoder().encode(`${text}\n`));
}

/** The option name of an argv element: `--device` for `--device=0`, a word for the others. */
function optionName(el: string, i: number, argv: readonly string[]): string {
  if (i === 0) return "argv0";
  if (i === argv.length - 1 && !el.startsWith("-")) return "rootfs";
  if (!el.startsWith("-")) return el;
  const eq = el.indexOf("=");
  return eq < 0 ? el : el.slice(0, eq);
}

function byName(
  list: readonly string[],
  name: (s: string, i: number) => string,
): Map<string, string[]> {
  const m = new Map<string, string[]>();
  list.forEach((s, i) => {
    const k = name(s, i);
    m.set(k, [...(m.get(k) ?? []), s]);
  });
  return m;
}

/** `-x` only NVIDIA's, `+x` only ours, `~x` both with other values; `order` if none. */
function listDelta(
  nvidia: readonly string[],
  ours: readonly string[],
  name: (s: string, i: number, all: readonly string[]) => string,
): string {
  const a = byName(nvidia, (s, i) => name(s, i, nvidia));
  const b = byName(ours, (s, i) => name(s, i, ours));
  const parts: string[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(k);
    const y = b.get(k);
    if (y === undefined) parts.push(`-${k}`);
    else if (x === undefined) parts.push(`+${k}`);
    else if (JSON.stringify([...x].sort()) !== JSON.stringify([...y].sort())) parts.push(`~${k}`);
  }
  return parts.length === 0 ? "order" : parts.join(" ");
}

/** The hook's error line (ours may follow it with a stack trace under -debug). */
function errorLine(stderr: string): string {
  const lines = stderr.trim().split("\n").filter((l) =>
    l !== "" && !l.startsWith("Auto-detected mode") && !l.includes("running nvidia-container-cli")
  );
  return lines.findLast((l) => l.startsWith("nvidia-container-runtime-hook: ")) ?? lines.at(-1) ??
    "";
}

/** An error line with values masked, so that one message makes one group. */
function messageShape(stderr: string): string {
  return errorLine(stderr)
    .replace(/^nvidia-container-runtime-hook: (container [^:]*: )?/, "")
    .replace(/"(?:[^"\\]|\\.)*"/g, '"..."')
    .replace(/'[^']*'/g, "'...'")
    .replace(/<tmp>\S*/g, "<tmp>...")
    .replace(/\b\d+\b/g, "N")
    .slice(0, 160);
}

/** The group signature of a differing result. */
function signature(r: CaseResult): string {
  const parts: string[] = [];
  for (const k of r.kinds) {
    if (k === "argv") {
      parts.push(
        `argv ${
          listDelta(
            normalizeArgv(r.nvidia.argv ?? []),
            normalizeArgv(r.ours.argv ?? []),
            optionName,
          )
        }`,
      );
    } else if (k === "env") {
      const name = (s: string) => s.slice(0, Math.max(0, s.indexOf("=")));
      parts.push(`env ${listDelta(r.nvidia.env ?? [], r.ours.env ?? [], name)}`);
    } else {
      const erring = r.ours.outcome === "error"
        ? r.ours
        : r.nvidia.outcome === "error"
        ? r.nvidia
        : undefined;
      const who = erring === r.ours ? "ours" : "nvidia";
      parts.push(erring === undefined ? k : `${k} (${who}: ${messageShape(erring.stderr)})`);
    }
  }
  return parts.join("; ");
}

/** JSON-ish text without the whitespace outside strings (duplicate keys and all kept). */
function squeeze(s: string): string {
  return s.replace(/("(?:[^"\\]|\\.)*")|\s+/g, (_, str: string | undefined) => str ?? "");
}

function cut(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}...(${s.length} chars)` : s;
}

/** One result in a few lines: the case, then what each hook did where they differ. */
function example(label: string, r: CaseResult, max: number): string {
  const un = (s: string) => s.replaceAll(r.tmp, "<tmp>");
  const lines = [
    `    ${label}: args ${JSON.stringify(r.seen.args)} state ${squeeze(un(r.seen.state))}`,
  ];
  lines.push(
    `      spec ${r.seen.spec === undefined ? "(none)" : cut(squeeze(un(r.seen.spec)), max)}`,
  );
  if (r.seen.config !== undefined) {
    const config = un(r.seen.config).split("\n").filter((l) => l.trim() !== "").join(" | ");
    lines.push(`      config ${cut(config, max)}`);
  }
  const sameCli = r.nvidia.argv?.[0] === r.ours.argv?.[0];
  const side = (who: string, h: CaseResult["nvidia"]) => {
    if (h.outcome === "cli") {
      const argv = normalizeArgv(h.argv ?? []).slice(sameCli ? 1 : 0);
      return `${who}: cli ${cut(JSON.stringify(argv), max * 2)}`;
    }
    const msg = errorLine(h.stderr);
    return `${who}: ${h.outcome}${msg === "" ? "" : ` ${cut(msg, 300)}`}`;
  };
  lines.push(`      ${side("nvidia", r.nvidia)}`, `      ${side("ours  ", r.ours)}`);
  if (r.kinds.includes("env")) {
    const a = r.nvidia.env ?? [];
    const b = r.ours.env ?? [];
    lines.push(
      `      env nvidia-only ${JSON.stringify(minus(a, b))} ours-only ${
        JSON.stringify(minus(b, a))
      }`,
    );
  }
  return lines.join("\n");
}

interface Group {
  signature: string;
  count: number;
  rows: Map<string, number>;
  uncovered: number;
  best: { label: string; r: CaseResult; size: number };
}

async function main(): Promise<void> {
  const o = parseOptions(Deno.args);
  if (!nvidiaHookAvailable()) throw new Error(`${NVIDIA_HOOK} not found`);
  if (o.case !== undefined || o.fixture !== undefined) {
    let c: DiffCase;
    let label: string;
    if (o.fixture !== undefined) {
      const f = fixtureCase(o.fixture);
      if (!("case" in f)) throw new Error(`fixture ${o.fixture} is not run: ${f.skip}`);
      c = f.case;
      label = `fixture ${o.fixture}`;
    } else {
      c = generateCase(o.seed, o.case as number);
      label = `case ${o.case} (DIFF_SEED=${o.seed} DIFF_CASE=${o.case})`;
    }
    const r = await runDiffCase(c);
    const v = judge(r, DIVERGENCES, matchDivergences);
    print(describe(r, label, v));
    print(
      `  verdict: ${r.kinds.length === 0 ? "agree" : r.kinds.join(", ")}; ${v.ok ? "ok" : "FAILS"}`,
    );
    return;
  }
  const items: { label: string; c: DiffCase }[] = [];
  let untranslated = 0;
  if (o.fixtures) {
    for (const f of fixtureCases()) {
      if ("case" in f) items.push({ label: `fixture ${f.name}`, c: f.case });
      else if (!f.outOfScope) untranslated++;
    }
  }
  if (o.generated) {
    for (let i = 0; i < o.runs; i++) items.push({ label: `case ${i}`, c: generateCase(o.seed, i) });
  }
  const started = performance.now();
  const tally: Tally = newTally(DIVERGENCES);
  const groups = new Map<string, Group>();
  const results = await pool(items, o.jobs, async (item) => {
    const r = await runDiffCase(item.c);
    const v: Verdict = judge(r, DIVERGENCES, matchDivergences);
    count(tally, r, v);
    return { item, r, v };
  });
  let timedOut = 0;
  const outcomes = new Map<string, number>();
  for (const { item, r, v } of results) {
    if (r.nvidia.timedOut || r.ours.timedOut) timedOut++;
    outcomes.set(r.nvidia.outcome, (outcomes.get(r.nvidia.outcome) ?? 0) + 1);
    if (r.kinds.length === 0 && v.ok) continue;
    if (o.unmatchedOnly && v.ok) continue;
    const sig = r.kinds.length === 0 ? `agree but ${v.problem}` : signature(r);
    const size = JSON.stringify(r.seen).length;
    let g = groups.get(sig);
    if (g === undefined) {
      g = {
        signature: sig,
        count: 0,
        rows: new Map(),
        uncovered: 0,
        best: { label: item.label, r, size },
      };
      groups.set(sig, g);
    }
    g.count++;
    if (!v.ok) g.uncovered++;
    for (const id of v.matched) g.rows.set(id, (g.rows.get(id) ?? 0) + 1);
    if (size < g.best.size) g.best = { label: item.label, r, size };
  }
  const seconds = (performance.now() - started) / 1000;
  // Uncovered groups first (what fails the suite), then by size.
  const sorted = [...groups.values()].sort((a, b) =>
    Number(b.uncovered > 0) - Number(a.uncovered > 0) || b.count - a.count ||
    (a.signature < b.signature ? -1 : 1)
  );
  const what = [
    o.generated ? `${o.runs} generated cases (seed ${o.seed})` : "",
    o.fixtures
      ? `${
        items.length - (o.generated ? o.runs : 0)
      } fixture bundles (${untranslated} not translated)`
      : "",
  ].filter((s) => s !== "").join(" + ");
  print(`differential report: ${what}, ${o.jobs} jobs, ${seconds.toFixed(1)} s`);
  print(
    `  ${tally.compared} compared, ${
      tally.compared - tally.differed
    } agreed, ${tally.differed} differed, ` +
      `${tally.failed} not covered by the table${timedOut > 0 ? `, ${timedOut} timed out` : ""}`,
  );
  print(
    `  NVIDIA's outcomes: ${
      ["cli", "skip", "error"].map((k) => `${k} ${outcomes.get(k) ?? 0}`).join(", ")
    }`,
  );
  const shownCases = sorted.reduce((n, g) => n + g.count, 0);
  print(
    `  ${sorted.length} groups of ${shownCases} ${
      o.unmatchedOnly ? "uncovered " : ""
    }differing cases` +
      (o.generated ? ` (case N: DIFF_SEED=${o.seed} DIFF_CASE=N, or --case N)` : ""),
  );
  for (const g of sorted.slice(0, o.maxGroups)) {
    const rows = g.rows.size === 0
      ? "no row"
      : [...g.rows].map(([id, n]) => (n === g.count ? id : `${id} x${n}`)).join(", ");
    print(
      `\n[${g.count}${
        g.uncovered > 0 && g.uncovered !== g.count
          ? `, ${g.uncovered} uncovered`
          : g.uncovered > 0
          ? ", uncovered"
          : ""
      }] ${g.signature}`,
    );
    print(`    rows: ${rows}`);
    print(example(g.best.label, g.best.r, o.exampleChars));
  }
  if (sorted.length > o.maxGroups) {
    const rest = sorted.slice(o.maxGroups);
    print(
      `\n... ${rest.length} more groups (${
        rest.reduce((n, g) => n + g.count, 0)
      } cases); --max-groups raises the limit`,
    );
  }
  const hits = [...tally.hits].filter(([, n]) => n > 0).map(([id, n]) => `${id} ${n}`);
  const never = [...tally.hits].filter(([, n]) => n === 0).map(([id]) => id);
  print(`\nrows hit (matched and differed): ${hits.length === 0 ? "none" : hits.join(", ")}`);
  print(`rows not hit: ${never.length === 0 ? "none" : never.join(", ")}`);
  if (o.json !== undefined) {
    Deno.writeTextFileSync(
      o.json,
      JSON.stringify(
        {
          seed: o.seed,
          runs: o.generated ? o.runs : 0,
          compared: tally.compared,
          differed: tally.differed,
          failed: tally.failed,
          hits: Object.fromEntries(tally.hits),
          groups: sorted.map((g) => ({
            signature: g.signature,
            count: g.count,
            uncovered: g.uncovered,
            rows: Object.fromEntries(g.rows),
            example: g.best.label,
          })),
        },
        null,
        2,
      ) + "\n",
    );
  }
}

if (import.meta.main) {
  try {
    await main();
  } catch (e) {
    Deno.stderr.writeSync(new TextEncoder().encode(`${e instanceof Error ? e.message : e}\n`));
    Deno.exit(1);
  }
}
