/**
 * The differential harness: runs one case through NVIDIA's current hook
 * (`../shared/nvidia-hook/bin/nvidia-container-runtime-hook`) and through
 * ours ({@linkcode hookCommand}), each against the same recording stand-in
 * `nvidia-container-cli`, and compares the outcomes; judges a difference
 * against the divergence table of lib/divergences.ts. Used by
 * tests/differential_test.ts and scripts/differential_report.ts.
 *
 * Per case: a temp dir `<tmp>` with `bundle/` (`config.json`, `rootfs/`), the
 * stand-in at `<tmp>/bin/nvidia-container-cli` (first on `PATH`), the config
 * file at `<tmp>/config.toml` named by `NVIDIA_CTK_CONFIG_FILE_PATH`. Both
 * hooks get exactly `PATH=<tmp>/bin:/usr/bin:/bin` (plus that variable);
 * ours also `NVIDIA_CONTAINER_RUNTIME_HOOK_CONFIG_PREFIX=<tmp>/prefix` (an
 * empty dir, so that it reads nothing of the host's /etc or /run) and what
 * Deno needs ({@linkcode launcherEnv}); those entries are taken out of the
 * CLI environment ours passes on before comparing. NVIDIA's hook runs first,
 * then ours, each with its own record dir.
 *
 * @module
 */

import type { DiffKind, Divergence, DivergenceCase, Outcome } from "../lib/divergences.ts";
import { bundleNames, BUNDLES, readCase } from "./_cases.ts";
import { hookCommand, launcherEnv, repoDir } from "./_hook.ts";

export type { DiffKind, Divergence, DivergenceCase, Outcome };

/** NVIDIA's hook binary. */
export const NVIDIA_HOOK = `${repoDir()}/../shared/nvidia-hook/bin/nvidia-container-runtime-hook`;

/** The config file NVIDIA's hook reads when nothing else names one. */
export const NVIDIA_DEFAULT_CONFIG = "/etc/nvidia-container-runtime/config.toml";

/** What the stand-in CLI answers to `--version` unless a case says otherwise. */
export const CLI_VERSION = "1.18.0";

/** Longest time one hook run may take, in ms. */
export const PROCESS_LIMIT_MS = 20_000;

const OURS_ONLY_PREFIX = "NVIDIA_CONTAINER_RUNTIME_HOOK_CONFIG_PREFIX";

/** One case of the differential suite. Placeholders: `<tmp>`, `<bundle>`, `<cli>`. */
export interface DiffCase {
  /** Hook flags before `prestart`. */
  args: readonly string[];
  /** The text on stdin. */
  state: string;
  /** The bundle's `config.json`; `undefined`: no file. */
  spec: string | undefined;
  /** The hook's `config.toml`; `undefined`: no config file. */
  config: string | undefined;
  /** The hooks' working directory: `<bundle>` (as runc) or `<tmp>`. */
  cwd: "bundle" | "tmp";
  /** Where the config file goes, relative to `<tmp>` (default `config.toml`). */
  configAt?: string;
  /**
   * Whether `NVIDIA_CTK_CONFIG_FILE_PATH` names the config file for both
   * hooks (default: whenever `config` is defined).
   */
  configEnv?: boolean;
  /** More variables of both hooks' environment. */
  hostEnv?: Readonly<Record<string, string>>;
  /** Empty files to create, relative to `<tmp>`. */
  hostFiles?: readonly string[];
  /**
   * Where stand-in CLIs are installed, relative to `<tmp>` (default
   * `["bin/nvidia-container-cli"]`; `[]`: none). `<cli>` is the first.
   */
  cliAt?: readonly string[];
  /** Exit status of the stand-in (default 0). */
  cliExit?: number;
  /** The stand-in's answer to `--version` (default {@linkcode CLI_VERSION}); `null`: nothing. */
  cliVersion?: string | null;
}

/** What one hook did. Paths under the case's temp dir read `<tmp>`. */
export interface HookResult {
  outcome: Outcome;
  code: number;
  signal: string | null;
  timedOut: boolean;
  /** The CLI's argv (`argv[0]` as invoked), or `null` when it did not run. */
  argv: string[] | null;
  /** The CLI's environment entries, sorted, duplicates kept; `null` when it did not run. */
  env: string[] | null;
  stderr: string;
}

/** A case as the hooks saw it (placeholders substituted). */
export type SeenCase = DivergenceCase & { state: string };

/** A case run through both hooks. */
export interface CaseResult {
  /** The case as the hooks saw it. */
  seen: SeenCase;
  /** The case's temp dir (removed by now), `<tmp>` in the texts. */
  tmp: string;
  nvidia: HookResult;
  ours: HookResult;
  /** How they differ; empty when they agree. */
  kinds: DiffKind[];
}

/** What the harness needs of a divergence row. */
export interface Row {
  id: string;
  differs: readonly DiffKind[];
}

/** Whether NVIDIA's hook binary is there. */
export function nvidiaHookAvailable(): boolean {
  try {
    return Deno.statSync(NVIDIA_HOOK).isFile;
  } catch {
    return false;
  }
}

/** Whether CI=true (a missing prerequisite fails instead of skipping). */
export function inCi(): boolean {
  return Deno.env.get("CI") === "true";
}

/**
 * `argv` with the `--require=` options sorted among the places they hold
 * (NVIDIA's hook emits them in Go map order); everything else stays put.
 */
export function normalizeArgv(argv: readonly string[]): string[] {
  const isRequire = (a: string) => a.startsWith("--require=");
  const sorted = argv.filter(isRequire).sort();
  let next = 0;
  return argv.map((a) => (isRequire(a) ? sorted[next++] as string : a));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** How two hook results differ: the outcome pair `nvidia->ours`, or `argv` / `env`. */
export function diffKinds(
  nvidia: Pick<HookResult, "outcome" | "argv" | "env">,
  ours: Pick<HookResult, "outcome" | "argv" | "env">,
): DiffKind[] {
  if (nvidia.outcome !== ours.outcome) return [`${nvidia.outcome}->${ours.outcome}`];
  if (nvidia.outcome !== "cli") return [];
  const kinds: DiffKind[] = [];
  if (!sameList(normalizeArgv(nvidia.argv ?? []), normalizeArgv(ours.argv ?? []))) {
    kinds.push("argv");
  }
  if (!sameList(nvidia.env ?? [], ours.env ?? [])) kinds.push("env");
  return kinds;
}

/** Entries of `a` not in `b`, as multisets. */
export function minus(a: readonly string[], b: readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const x of b) counts.set(x, (counts.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const n = counts.get(x) ?? 0;
    if (n > 0) counts.set(x, n - 1);
    else out.push(x);
  }
  return out;
}

/** The first position where the normalised argvs differ, with both elements. */
export function firstArgvDifference(
  nvidia: readonly string[],
  ours: readonly string[],
): { index: number; nvidia: string | undefined; ours: string | undefined } | undefined {
  const a = normalizeArgv(nvidia);
  const b = normalizeArgv(ours);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return { index: i, nvidia: a[i], ours: b[i] };
  }
  return undefined;
}

function standIn(recordDir: string, exit: number, version: string | null): string {
  // Absolute paths only: the config's `environment` may replace PATH.
  const answer = version === null ? "" : `printf '%s\\n' 'cli-version: ${version}'; `;
  return [
    "#!/bin/sh",
    `if [ "$1" = --version ]; then ${answer}exit 0; fi`,
    `printf '%s\\0' "$0" "$@" > '${recordDir}/argv'`,
    `/bin/cat /proc/$$/environ > '${recordDir}/env'`,
    `exit ${exit}`,
    "",
  ].join("\n");
}

function readEntries(path: string): string[] | null {
  try {
    return Deno.readTextFileSync(path).split("\0").slice(0, -1);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  }
}

function parentOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

async function runProcess(
  argv: readonly string[],
  env: Record<string, string>,
  cwd: string,
  stdin: string,
  limitMs: number,
): Promise<{ code: number; signal: string | null; timedOut: boolean; stderr: string }> {
  const [cmd, ...args] = argv as [string, ...string[]];
  const start = performance.now();
  const child = new Deno.Command(cmd, {
    args,
    env,
    clearEnv: true,
    cwd,
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
    signal: AbortSignal.timeout(limitMs),
  }).spawn();
  const writer = child.stdin.getWriter();
  try {
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  } catch {
    // The hook may exit before reading all of stdin.
  }
  const out = await child.output();
  const timedOut = performance.now() - start >= limitMs;
  return {
    code: out.code,
    signal: out.signal,
    timedOut,
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** Replaces `<tmp>`, `<bundle>` and `<cli>` in `s`. */
function filler(tmp: string, cli: string): (s: string) => string {
  return (s) =>
    s.replaceAll("<tmp>", tmp).replaceAll("<bundle>", `${tmp}/bundle`).replaceAll("<cli>", cli);
}

let defaultConfigChecked = false;

function assertNoDefaultConfig(): void {
  if (defaultConfigChecked) return;
  let exists = true;
  try {
    Deno.lstatSync(NVIDIA_DEFAULT_CONFIG);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    exists = false;
  }
  if (exists) {
    throw new Error(
      `${NVIDIA_DEFAULT_CONFIG} exists on this machine: NVIDIA's hook would read it in cases ` +
        `without a config file, so the differential suite cannot run here`,
    );
  }
  defaultConfigChecked = true;
}

/** Options of {@linkcode runDiffCase}. */
export interface RunDiffOptions {
  /** Per-process limit in ms (default {@linkcode PROCESS_LIMIT_MS}). */
  limitMs?: number;
  /** Our hook's command (default {@linkcode hookCommand}). */
  ours?: readonly string[];
}

/** Runs one case through both hooks and compares them. */
export async function runDiffCase(c: DiffCase, options: RunDiffOptions = {}): Promise<CaseResult> {
  const limitMs = options.limitMs ?? PROCESS_LIMIT_MS;
  const tmp = Deno.makeTempDirSync({ prefix: "hook-diff-" });
  try {
    const bundle = `${tmp}/bundle`;
    const cliAt = c.cliAt ?? ["bin/nvidia-container-cli"];
    const cli = `${tmp}/${cliAt[0] ?? "bin/nvidia-container-cli"}`;
    const fill = filler(tmp, cli);
    const unfill = (s: string) => s.replaceAll(tmp, "<tmp>");
    Deno.mkdirSync(`${bundle}/rootfs`, { recursive: true });
    Deno.mkdirSync(`${tmp}/bin`);
    Deno.mkdirSync(`${tmp}/prefix`);
    const spec = c.spec === undefined ? undefined : fill(c.spec);
    if (spec !== undefined) Deno.writeTextFileSync(`${bundle}/config.json`, spec);
    const config = c.config === undefined ? undefined : fill(c.config);
    const configPath = `${tmp}/${c.configAt ?? "config.toml"}`;
    if (config !== undefined) {
      Deno.mkdirSync(parentOf(configPath), { recursive: true });
      Deno.writeTextFileSync(configPath, config);
    }
    for (const file of c.hostFiles ?? []) {
      Deno.mkdirSync(parentOf(`${tmp}/${file}`), { recursive: true });
      Deno.writeTextFileSync(`${tmp}/${file}`, "");
    }
    const env: Record<string, string> = { PATH: `${tmp}/bin:/usr/bin:/bin` };
    if (c.configEnv ?? config !== undefined) env["NVIDIA_CTK_CONFIG_FILE_PATH"] = configPath;
    for (const [k, v] of Object.entries(c.hostEnv ?? {})) env[k] = fill(v);
    if ((env["NVIDIA_CTK_CONFIG_FILE_PATH"] ?? "") === "") assertNoDefaultConfig();
    const oursOnly: Record<string, string> = {
      ...launcherEnv(),
      [OURS_ONLY_PREFIX]: `${tmp}/prefix`,
    };
    const args = c.args.map(fill);
    const state = fill(c.state);
    const cwd = c.cwd === "bundle" ? bundle : tmp;

    const run = async (who: "nvidia" | "ours"): Promise<HookResult> => {
      const record = `${tmp}/record-${who}`;
      Deno.mkdirSync(record);
      for (const at of cliAt) {
        const path = `${tmp}/${at}`;
        Deno.mkdirSync(parentOf(path), { recursive: true });
        Deno.writeTextFileSync(path, standIn(record, c.cliExit ?? 0, c.cliVersion ?? CLI_VERSION));
        Deno.chmodSync(path, 0o755);
      }
      const command = who === "nvidia"
        ? [NVIDIA_HOOK, ...args, "prestart"]
        : [...(options.ours ?? hookCommand()), ...args, "prestart"];
      const hookEnv = who === "nvidia" ? env : { ...env, ...oursOnly };
      const p = await runProcess(command, hookEnv, cwd, state, limitMs);
      const argv = readEntries(`${record}/argv`);
      let cliEnv = readEntries(`${record}/env`);
      if (cliEnv !== null && who === "ours") {
        // What only ours was given is not part of the comparison.
        cliEnv = minus(cliEnv, Object.entries(oursOnly).map(([k, v]) => `${k}=${v}`));
      }
      return {
        outcome: argv !== null ? "cli" : p.code === 0 && p.signal === null ? "skip" : "error",
        code: p.code,
        signal: p.signal,
        timedOut: p.timedOut,
        argv: argv?.map(unfill) ?? null,
        env: cliEnv?.map(unfill).sort() ?? null,
        stderr: unfill(p.stderr),
      };
    };
    const nvidia = await run("nvidia");
    const ours = await run("ours");
    return {
      seen: { args, state, spec, config, cwdIsBundle: c.cwd === "bundle" },
      tmp,
      nvidia,
      ours,
      kinds: diffKinds(nvidia, ours),
    };
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
}

/** Runs `fn` on every item with at most `jobs` at once; results in item order. */
export async function pool<T, R>(
  items: readonly T[],
  jobs: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  return results;
}

/** Cases run at once: `DIFF_JOBS` when set, else 4. */
export function diffJobs(): number {
  const text = Deno.env.get("DIFF_JOBS");
  const n = text === undefined || text === "" ? 4 : Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error("DIFF_JOBS must be a positive integer");
  return n;
}

/** How a case's difference stands against the divergence table. */
export interface Verdict {
  /** The rows `matchDivergences` returned. */
  matched: string[];
  /** Matched rows whose `differs` holds every observed kind. */
  covering: string[];
  /** Agreed, or differed as a covering row says; never when a process timed out. */
  ok: boolean;
  /** Why not ok, when not. */
  problem?: string;
}

/** Judges a result against the table (`match` is `matchDivergences`). */
export function judge(
  r: CaseResult,
  table: readonly Row[],
  match: (c: DivergenceCase) => readonly string[],
): Verdict {
  if (r.nvidia.timedOut || r.ours.timedOut) {
    const who = r.nvidia.timedOut ? "NVIDIA's hook" : "our hook";
    return { matched: [], covering: [], ok: false, problem: `${who} ran past the time limit` };
  }
  let matched: string[];
  try {
    matched = [...match(r.seen)];
  } catch (e) {
    return {
      matched: [],
      covering: [],
      ok: false,
      problem: `matchDivergences threw: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
  if (r.kinds.length === 0) return { matched, covering: [], ok: true };
  const rows = new Map(table.map((d) => [d.id, d]));
  // Each kind of difference must be listed by some row the case meets (a
  // case can meet two rules at once: a relative root.path and a replaced
  // environment variable, say).
  const covering = matched.filter((id) =>
    r.kinds.some((k) => rows.get(id)?.differs.includes(k) === true)
  );
  const uncovered = r.kinds.filter((k) =>
    !covering.some((id) => rows.get(id)?.differs.includes(k) === true)
  );
  if (uncovered.length === 0) return { matched, covering, ok: true };
  return {
    matched,
    covering,
    ok: false,
    problem: matched.length === 0
      ? `differ (${r.kinds.join(", ")}) and no divergence row matches`
      : `differ (${uncovered.join(", ")}) and no matched row (${matched.join(", ")}) lists it`,
  };
}

/** Per-row counts over a run. */
export interface Tally {
  compared: number;
  differed: number;
  failed: number;
  /** Row id -> cases that matched it and differed. */
  hits: Map<string, number>;
}

/** An empty tally with every row at 0. */
export function newTally(table: readonly Row[]): Tally {
  return { compared: 0, differed: 0, failed: 0, hits: new Map(table.map((d) => [d.id, 0])) };
}

/** Counts one judged result into `t`. */
export function count(t: Tally, r: CaseResult, v: Verdict): void {
  t.compared++;
  if (r.kinds.length > 0) {
    t.differed++;
    for (const id of v.matched) t.hits.set(id, (t.hits.get(id) ?? 0) + 1);
  }
  if (!v.ok) t.failed++;
}

function block(label: string, text: string | undefined): string {
  if (text === undefined) return `  ${label}: (none)`;
  const lines = text.replace(/\n$/, "").split("\n");
  return lines.length === 1 && lines[0]!.length < 200
    ? `  ${label}: ${JSON.stringify(text)}`
    : `  ${label}:\n${lines.map((l) => `    | ${l}`).join("\n")}`;
}

function showResult(who: string, h: HookResult): string {
  const head = `  ${who}: ${h.outcome} (exit ${h.code}${h.signal ? `, ${h.signal}` : ""}${
    h.timedOut ? ", timed out" : ""
  })`;
  const err = h.stderr.trim().split("\n").filter((l) => !l.startsWith("Auto-detected mode"))
    .slice(-2).map((l) => `    stderr: ${l.slice(0, 300)}`);
  return [head, ...err].join("\n");
}

/** The full text of a case and both results, for a failure. */
export function describe(r: CaseResult, label: string, v?: Verdict): string {
  const un = (s: string | undefined) => s?.replaceAll(r.tmp, "<tmp>");
  const out = [
    label,
    ...(v?.problem === undefined ? [] : [`  problem: ${v.problem}`]),
    ...(v === undefined || v.matched.length === 0
      ? []
      : [`  matched rows: ${v.matched.join(", ")}`]),
    `  args: ${JSON.stringify(r.seen.args.map(un))}`,
    block("state", un(r.seen.state)),
    block("spec", un(r.seen.spec)),
    block("config", un(r.seen.config)),
    showResult("nvidia", r.nvidia),
    showResult("ours", r.ours),
  ];
  if (r.nvidia.argv !== null && r.ours.argv !== null) {
    const a = normalizeArgv(r.nvidia.argv);
    const b = normalizeArgv(r.ours.argv);
    if (sameList(a, b)) out.push(`  argv (both): ${JSON.stringify(a)}`);
    else out.push(`  argv nvidia: ${JSON.stringify(a)}`, `  argv ours:   ${JSON.stringify(b)}`);
    const onlyN = minus(r.nvidia.env ?? [], r.ours.env ?? []);
    const onlyO = minus(r.ours.env ?? [], r.nvidia.env ?? []);
    if (onlyN.length + onlyO.length > 0) {
      out.push(`  env only nvidia: ${JSON.stringify(onlyN)}`);
      out.push(`  env only ours:   ${JSON.stringify(onlyO)}`);
    }
  } else {
    for (const [who, h] of [["nvidia", r.nvidia], ["ours", r.ours]] as const) {
      if (h.argv !== null) out.push(`  argv ${who}: ${JSON.stringify(normalizeArgv(h.argv))}`);
    }
  }
  return out.join("\n");
}

/** The summary table printed at the end of a run. */
export function summaryTable(
  table: readonly Row[],
  fixtures: Tally | undefined,
  generated: Tally | undefined,
): string {
  const lines: string[] = [];
  const head = (name: string, t: Tally | undefined) =>
    t === undefined
      ? `${name}: not run`
      : `${name}: ${t.compared} compared, ${t.differed} differed, ${t.failed} failed`;
  lines.push("differential summary", `  ${head("fixture bundles", fixtures)}`);
  lines.push(`  ${head("generated cases", generated)}`);
  lines.push(`  divergence rows: ${table.length} (hits = cases that matched the row and differed)`);
  const w = Math.max(2, ...table.map((d) => d.id.length));
  lines.push(`    ${"row".padEnd(w)}  fixtures  generated`);
  for (const d of table) {
    const f = fixtures?.hits.get(d.id) ?? 0;
    const g = generated?.hits.get(d.id) ?? 0;
    lines.push(`    ${d.id.padEnd(w)}  ${String(f).padStart(8)}  ${String(g).padStart(9)}`);
  }
  return lines.join("\n");
}

/** A fixture bundle as a differential case, or why it is not one. */
export type FixtureCase =
  | { name: string; case: DiffCase }
  | { name: string; skip: string; outOfScope: boolean };

const CLI_PLACES = {
  path: "bin/nvidia-container-cli",
  root: "driver/usr/bin/nvidia-container-cli",
  custom: "custom/my-cli",
} as const;

const CONFIG_PLACES = {
  flag: "config.toml",
  xdg: "xdg/nvidia-container-runtime/config.toml",
  ctk: "ctk/config.toml",
} as const;

/** Versions the stand-in may report for NVIDIA's hook and ours to be compared. */
function compatibleCli(version: string | undefined): boolean {
  if (version === undefined) return true;
  const [major = 0, minor = 0, patch = 0] = version.split(".").map(Number);
  return major > 1 || (major === 1 && (minor > 17 || (minor === 17 && patch >= 7)));
}

/**
 * Translates fixture bundle `name` (tests/fixtures/bundles/, format in its
 * README) to a differential case: its flags, stdin, host environment (plus
 * `HOST_MARKER=host`), host files, CLI place, exit status and version. It
 * runs in the bundle directory, as runtimes run hooks, unless case.json
 * names its `cwd` or a config variable of `hostEnv` holds a relative path
 * (then in `<tmp>`, the README's default). A config file in the built-in search places (which NVIDIA's
 * hook can only read on the real host) is handed to both hooks through
 * `NVIDIA_CTK_CONFIG_FILE_PATH`; `-config`, `XDG_CONFIG_HOME` and
 * `NVIDIA_CTK_CONFIG_FILE_PATH` cases run as they are. Not translated: cases
 * about the built-in search places, cases for CLIs before 1.17.7 (what they
 * show is ours adapting to that CLI, which NVIDIA's hook does not), and
 * commands other than `prestart` (out of scope).
 */
export function fixtureCase(name: string): FixtureCase {
  const dir = `${BUNDLES}/${name}`;
  const c = readCase(dir);
  const at = c.args.indexOf("prestart");
  if (at < 0 || at !== c.args.length - 1) {
    return { name, skip: `runs ${JSON.stringify(c.args)}, not prestart`, outOfScope: true };
  }
  const read = (file: string) => {
    try {
      return Deno.readTextFileSync(`${dir}/${file}`);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  };
  const config = read("config.toml");
  const searchEnv = "XDG_CONFIG_HOME" in c.hostEnv || "NVIDIA_CTK_CONFIG_FILE_PATH" in c.hostEnv;
  const flagged = c.args.some((a) =>
    /^--?config(=.+)?$/.test(a) && a !== "-config=" &&
    a !== "--config="
  );
  if (c.configVia === "driver" || (config !== undefined && c.configVia === "search" && searchEnv)) {
    return {
      name,
      skip:
        "about the built-in config search places, which NVIDIA's hook reads only on the real host",
      outOfScope: false,
    };
  }
  // A version the config states (nvidia-container-runtime-hook.cli-version) is used instead.
  const pinned = /^\s*cli-version\s*=\s*"(\d+\.\d+\.\d+)"/m.exec(config ?? "")?.[1];
  if (!compatibleCli(pinned ?? c.cliVersion)) {
    return {
      name,
      skip: "for a CLI before 1.17.7: shows this hook adapting to that CLI, which NVIDIA's hook " +
        "does not do (the table's case has no CLI version)",
      outOfScope: false,
    };
  }
  const viaCtk = config !== undefined && c.configVia === "search" && !flagged;
  // The README's default working directory is <tmp>; runtimes run hooks in
  // the bundle, so a case that does not name its own runs there, unless it
  // points a config variable at a relative path (which needs its <tmp>).
  const raw = JSON.parse(Deno.readTextFileSync(`${dir}/case.json`));
  const relative = ["XDG_CONFIG_HOME", "NVIDIA_CTK_CONFIG_FILE_PATH"].some((k) =>
    /^[^/<]/.test(c.hostEnv[k] ?? "")
  );
  const out: DiffCase = {
    args: c.args.slice(0, at),
    state: c.stdin,
    spec: read("config.json"),
    config,
    cwd: raw.cwd === undefined && !relative ? "bundle" : c.cwd,
    configEnv: viaCtk,
    hostEnv: { HOST_MARKER: "host", ...c.hostEnv },
    hostFiles: c.hostFiles,
    cliAt: c.installCli === "none" ? [] : [CLI_PLACES[c.installCli]],
    cliExit: c.cliExit,
    cliVersion: c.cliVersion ?? null,
  };
  if (config !== undefined && !viaCtk) {
    out.configAt = c.configVia === "search" ? "config.toml" : CONFIG_PLACES[c.configVia];
  }
  return { name, case: out };
}

/** Every fixture bundle, translated or with the reason it is not. */
export function fixtureCases(): FixtureCase[] {
  return bundleNames().map(fixtureCase);
}
