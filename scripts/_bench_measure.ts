/**
 * Measuring process startup for scripts/bench.ts: wall time and peak RSS of
 * whole processes, cases interleaved run by run.
 *
 * Wall time is taken in this process around spawn, writing stdin and
 * waiting for the exit status. Peak RSS is taken from outside the child by
 * GNU time (`%M`: the `ru_maxrss` that wait4() reports when the process
 * ends, in KiB; the largest of the process and the children it waited for).
 * GNU time adds its own fork and exec (about 2 ms) to the wall time, so each
 * round runs every case twice: once bare, for the wall time, and once under
 * GNU time, for the RSS. Neither run changes the measured program.
 *
 * @module
 */

/** One program to measure. */
export interface BenchCase {
  /** Short label, e.g. "(a)". */
  label: string;
  /** What it is, for the table. */
  name: string;
  /** The argv: program and arguments. */
  argv: readonly string[];
  /** Bytes written to its stdin, which is then closed. */
  stdin: Uint8Array;
  /** The whole environment of the process (nothing is inherited). */
  env: Record<string, string>;
}

/** The samples of one case. */
export interface CaseSamples {
  /** Wall time of each run, in milliseconds. */
  ms: number[];
  /** Peak RSS of each run, in KiB (empty without GNU time). */
  rssKiB: number[];
}

/** Options of {@linkcode measure}. */
export interface MeasureOptions {
  /** Measured rounds (each case runs once per round). */
  runs: number;
  /** Rounds run first and thrown away. */
  warmup: number;
  /** GNU time to measure RSS with; `undefined` measures wall time only. */
  gnuTime: string | undefined;
  /** A scratch directory for GNU time's output file. */
  tmp: string;
  /** Called after each round with the round's number (from 1). */
  progress?: (round: number, total: number) => void;
}

/**
 * Finds GNU time (`time` of the Debian package `time`): `/usr/bin/time` or
 * `time` on `PATH`, accepted when `--version` says GNU. `undefined` when
 * there is none (the shell keyword `time` cannot report RSS).
 */
export function findGnuTime(path: string | undefined): string | undefined {
  const dirs = ["/usr/bin", ...(path ?? "").split(":").filter((d) => d.startsWith("/"))];
  for (const dir of dirs) {
    const candidate = `${dir}/time`;
    try {
      const out = new Deno.Command(candidate, { args: ["--version"], stdin: "null" }).outputSync();
      const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
      if (out.success && text.includes("GNU")) return candidate;
    } catch {
      // Not there or not runnable: try the next.
    }
  }
  return undefined;
}

async function feed(child: Deno.ChildProcess, bytes: Uint8Array): Promise<void> {
  const writer = child.stdin.getWriter();
  await writer.write(bytes);
  await writer.close();
}

function spawn(argv: readonly string[], c: BenchCase): Deno.ChildProcess {
  const [program, ...args] = argv as [string, ...string[]];
  return new Deno.Command(program, {
    args,
    env: c.env,
    clearEnv: true,
    stdin: "piped",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
}

function failed(c: BenchCase, code: number): Error {
  return new Error(`${c.label} ${c.name}: exit status ${code} from ${c.argv.join(" ")}`);
}

/** Runs `c` once; its wall time in milliseconds. */
export async function timeOnce(c: BenchCase): Promise<number> {
  const start = performance.now();
  const child = spawn(c.argv, c);
  await feed(child, c.stdin);
  const { code } = await child.status;
  const ms = performance.now() - start;
  if (code !== 0) throw failed(c, code);
  return ms;
}

/** Runs `c` once under GNU time; its peak RSS in KiB. */
export async function rssOnce(c: BenchCase, gnuTime: string, tmp: string): Promise<number> {
  const out = `${tmp}/rss.txt`;
  const child = spawn([gnuTime, "-f", "%M", "-o", out, ...c.argv], c);
  await feed(child, c.stdin);
  const { code } = await child.status;
  if (code !== 0) throw failed(c, code);
  const lines = Deno.readTextFileSync(out).trim().split("\n");
  const kib = Number(lines[lines.length - 1]);
  if (!Number.isFinite(kib) || kib <= 0) throw new Error(`GNU time wrote ${lines.join(" | ")}`);
  return kib;
}

/**
 * Runs every case `warmup + runs` times, interleaved: each round runs a, b,
 * c, ... for wall time, then a, b, c, ... under GNU time for RSS, so that
 * drift of the machine hits all cases alike. Throws on a non-zero exit.
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
      const ms = await timeOnce(c);
      if (keep) samples[k]!.ms.push(ms);
    }
    if (options.gnuTime !== undefined) {
      for (const [k, c] of cases.entries()) {
        const kib = await rssOnce(c, options.gnuTime, options.tmp);
        if (keep) samples[k]!.rssKiB.push(kib);
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
