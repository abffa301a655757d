/**
 * Measuring process startup for scripts/bench.ts: wall time, CPU time and
 * peak RSS of whole processes, cases interleaved run by run.
 *
 * Every run goes through the launcher scripts/_bench_runner.c (compiled by
 * {@linkcode buildTools} with gcc): it forks the copies of a case, holds
 * them at a barrier, starts the clock when the barrier opens and stops it
 * when the last copy has been reaped, and reports each copy's `ru_maxrss`
 * from wait4() (the peak resident set of the process and of the children
 * it waited for, in KiB: what GNU time's `%M` reports). Wall time, CPU time
 * and RSS come from the same run, with neither this process's spawn nor
 * the launcher's forks in the wall time.
 *
 * @module
 */

/** One program to measure. */
export interface BenchCase {
  /** Short label, e.g. "(a)". */
  label: string;
  /** What it is, for the table. */
  name: string;
  /** Copies started at once (1 for a single start). */
  count: number;
  /** The argv: program and arguments. */
  argv: readonly string[];
  /** A file whose bytes each copy gets on its stdin, which is then closed. */
  stateFile: string;
  /** The whole environment of the process (nothing is inherited). */
  env: Record<string, string>;
  /**
   * The file a steady-state run must leave alone (the hook's CLI version
   * cache): a run that replaced it missed the cache, and is run again.
   */
  steadyFile?: string;
}

/** The samples of one case. */
export interface CaseSamples {
  /** Wall time of each run, in milliseconds. */
  ms: number[];
  /** CPU time (user + system, all copies) of each run, in milliseconds. */
  cpuMs: number[];
  /** Peak RSS of each run, in KiB: one process, or the sum over the copies. */
  rssKiB: number[];
  /** Runs thrown away and run again because they replaced `steadyFile`. */
  reruns: number;
}

/** The compiled helpers of the benchmark. */
export interface Tools {
  /** The launcher (scripts/_bench_runner.c). */
  runner: string;
  /** The stand-in nvidia-container-cli (scripts/_bench_cli.c). */
  cli: string;
}

const decoder = new TextDecoder();

/**
 * Compiles scripts/_bench_runner.c and scripts/_bench_cli.c with `gcc -O2`
 * into `dir`; throws with gcc's message when it cannot.
 */
export function buildTools(dir: string): Tools {
  const scripts = new URL(".", import.meta.url).pathname;
  const build = (source: string, out: string) => {
    let result: Deno.CommandOutput;
    try {
      result = new Deno.Command("gcc", {
        args: ["-O2", "-Wall", "-o", out, `${scripts}${source}`],
        stdin: "null",
      }).outputSync();
    } catch (e) {
      throw new Error(
        `gcc: ${
          e instanceof Error ? e.message : e
        } (gcc builds scripts/${source}: apt-get install gcc)`,
      );
    }
    if (!result.success) throw new Error(`gcc ${source}: ${decoder.decode(result.stderr)}`);
    return out;
  };
  return {
    runner: build("_bench_runner.c", `${dir}/bench-runner`),
    cli: build("_bench_cli.c", `${dir}/nvidia-container-cli`),
  };
}

/** One run's numbers. */
export interface RunResult {
  ms: number;
  cpuMs: number;
  rssKiB: number;
}

/** Runs `c` once through the launcher; throws (with the copies' stderr) on a non-zero exit. */
export function runOnce(c: BenchCase, tools: Tools, errFile: string): RunResult {
  const out = new Deno.Command(tools.runner, {
    args: [String(c.count), c.stateFile, errFile, ...c.argv],
    env: c.env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  if (!out.success) {
    let stderr = "";
    try {
      stderr = Deno.readTextFileSync(errFile).slice(-2000);
    } catch {
      // Nothing written.
    }
    throw new Error(
      `${c.label} ${c.name}: ${decoder.decode(out.stderr).trim()} from ${c.argv.join(" ")}` +
        (stderr === "" ? "" : `\n${stderr}`),
    );
  }
  const [wall, sumRss, , user, sys] = decoder.decode(out.stdout).trim().split(" ").map(Number);
  if (![wall, sumRss, user, sys].every((x) => Number.isFinite(x))) {
    throw new Error(`the launcher printed ${JSON.stringify(decoder.decode(out.stdout))}`);
  }
  return { ms: wall! / 1000, cpuMs: (user! + sys!) / 1000, rssKiB: sumRss! };
}

/** The identity of `path` (inode and change time), or "" when it is not there. */
function identity(path: string): string {
  try {
    const i = Deno.lstatSync(path);
    return `${i.ino}/${i.ctime?.getTime()}/${i.mtime?.getTime()}`;
  } catch {
    return "";
  }
}

/** Most times one measured run is run again before the benchmark gives up. */
const MAX_RERUNS = 20;

/**
 * Runs `c` once; when it replaced its `steadyFile` (another process on the
 * machine had replaced the cache entry, so this run missed it), runs it
 * again. Returns the run and how many were thrown away.
 */
function steadyRun(c: BenchCase, tools: Tools, errFile: string): [RunResult, number] {
  for (let thrown = 0;; thrown++) {
    const before = c.steadyFile === undefined ? "" : identity(c.steadyFile);
    const r = runOnce(c, tools, errFile);
    if (c.steadyFile === undefined || identity(c.steadyFile) === before) return [r, thrown];
    if (thrown === MAX_RERUNS) {
      throw new Error(`${c.label}: ${c.steadyFile} changed in ${MAX_RERUNS} runs in a row`);
    }
  }
}

/** Options of {@linkcode measure}. */
export interface MeasureOptions {
  /** Measured rounds (each case runs once per round). */
  runs: number;
  /** Rounds run first and thrown away. */
  warmup: number;
  /** The compiled launcher and stand-in CLI. */
  tools: Tools;
  /** A scratch file for the copies' stderr. */
  errFile: string;
  /** Called after each round with the round's number (from 1). */
  progress?: (round: number, total: number) => void;
}

/**
 * Runs every case `warmup + runs` times, interleaved: each round runs every
 * case once, starting one case further each round (a b c ..., b c ... a,
 * ...), so that drift of the machine and the order hit all cases alike.
 * A measured run that replaced its case's `steadyFile` is run again (see
 * `steadyRun`). Throws on a non-zero exit.
 */
export function measure(cases: readonly BenchCase[], options: MeasureOptions): CaseSamples[] {
  const samples = cases.map(() => ({
    ms: [] as number[],
    cpuMs: [] as number[],
    rssKiB: [] as number[],
    reruns: 0,
  }));
  const total = options.warmup + options.runs;
  for (let round = 0; round < total; round++) {
    for (let i = 0; i < cases.length; i++) {
      const k = (round + i) % cases.length;
      const [r, thrown] = round >= options.warmup
        ? steadyRun(cases[k]!, options.tools, options.errFile)
        : [runOnce(cases[k]!, options.tools, options.errFile), 0];
      samples[k]!.reruns += thrown;
      if (round >= options.warmup) {
        samples[k]!.ms.push(r.ms);
        samples[k]!.cpuMs.push(r.cpuMs);
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
