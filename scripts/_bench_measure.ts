/**
 * Measuring process startup for scripts/bench.ts: wall time and peak RSS of
 * whole processes, cases interleaved run by run.
 *
 * Every run goes through the launcher scripts/_bench_runner.c (compiled by
 * the benchmark with gcc): it forks COUNT copies of the program, holds them
 * at a barrier, starts the clock when the barrier opens and stops it when
 * the last copy has been reaped, and reports each copy's `ru_maxrss` as
 * wait4() gives it (peak resident set in KiB, the largest of the process,
 * across its execve, and of the children it waited for). Neither the
 * launcher's own start nor this Deno process's spawn is on the clock, and
 * one run gives both the time and the RSS.
 *
 * @module
 */

/** One program to measure. */
export interface BenchCase {
  /** Short label, e.g. "(a)". */
  label: string;
  /** What it is, for the table. */
  name: string;
  /** The argv: program (absolute path) and arguments. */
  argv: readonly string[];
  /** A file whose bytes each copy gets on its stdin (at most 60 KiB). */
  stateFile: string;
  /** The whole environment of the process (nothing is inherited). */
  env: Record<string, string>;
  /** How many copies start at once (1 for a single start). */
  count: number;
}

/** The samples of one case. */
export interface CaseSamples {
  /** Wall time of each run (all copies), in milliseconds. */
  ms: number[];
  /** Peak RSS of each run, summed over its copies, in KiB. */
  rssKiB: number[];
}

/** Options of {@linkcode measure}. */
export interface MeasureOptions {
  /** The compiled launcher. */
  runner: string;
  /** Measured rounds (each case runs once per round). */
  runs: number;
  /** Rounds run first and thrown away. */
  warmup: number;
  /** Called after each round with the round's number (from 1). */
  progress?: (round: number, total: number) => void;
}

/** What one run of a case gave. */
export interface RunResult {
  ms: number;
  rssKiB: number;
  /** What the copies wrote on stderr. */
  stderr: string;
}

/** Runs `c` once through `runner`; throws when a copy fails. */
export async function runOnce(c: BenchCase, runner: string): Promise<RunResult> {
  const out = await new Deno.Command(runner, {
    args: [String(c.count), c.stateFile, ...c.argv],
    env: c.env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) {
    throw new Error(
      `${c.label} ${c.name}: exit status ${out.code} from ${c.argv.join(" ")}:\n${stderr}`,
    );
  }
  const [wallUs, sumRss] = new TextDecoder().decode(out.stdout).trim().split(" ").map(Number);
  if (!Number.isFinite(wallUs) || !Number.isFinite(sumRss) || sumRss! <= 0) {
    throw new Error(`${c.label}: the runner printed ${JSON.stringify(out.stdout)}`);
  }
  return { ms: wallUs! / 1000, rssKiB: sumRss!, stderr };
}

/**
 * Runs every case `warmup + runs` times, interleaved (each round runs a, b,
 * c, ... once), so that drift of the machine hits all cases alike. Throws
 * on a failed run.
 */
export async function measure(
  cases: readonly BenchCase[],
  options: MeasureOptions,
): Promise<CaseSamples[]> {
  const samples = cases.map(() => ({ ms: [] as number[], rssKiB: [] as number[] }));
  const total = options.warmup + options.runs;
  for (let round = 0; round < total; round++) {
    const keep = round >= options.warmup;
    for (const [k, c] of cases.entries()) {
      const r = await runOnce(c, options.runner);
      if (keep) {
        samples[k]!.ms.push(r.ms);
        samples[k]!.rssKiB.push(r.rssKiB);
      }
    }
    options.progress?.(round + 1, total);
  }
  return samples;
}

/** The median (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** The 90th percentile, nearest rank. */
export function p90(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(s.length * 0.9) - 1)]!;
}
