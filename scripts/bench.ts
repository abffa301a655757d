/**
 * Startup benchmark of the hook against the floor of any Deno hook, in one
 * run: wall time and peak RSS, cases interleaved run by run after warm-up
 * rounds, as medians, p90 and ratios, checked against the budget.
 *
 * Run: deno task bench [runs] [--check] [--source]
 *   runs      measured runs of each case (default 50)
 *   --check   exit 1 when a budget line is over (otherwise the exit status
 *             is 0 whatever the numbers: the table is a report)
 *   --source  run main.ts and its modules from source instead of the bundle
 *
 * Every case's CLI is the stand-in scripts/_bench_cli.c (compiled with gcc):
 * `--version` prints `cli-version: 1.17.8`, anything else exits 0.
 *
 * (a) floor: scripts/_bench_floor.ts, a minimal Deno program run the same
 *     way as the hook: reads stdin, parses it and <bundle>/config.json,
 *     runs the stand-in CLI, exits with its status;
 * (b) the hook on a non-GPU bundle, (c) on a GPU bundle, both with the
 *     config.toml a current toolkit writes, its `path` set to the stand-in;
 * (d) (c) with 2,000 container variables and a 5 MiB config.json;
 * (e) the floor on (d)'s bundle, what reading and parsing the 5 MiB
 *     config.json costs any Deno hook;
 * (f0) 16 floors started at once, (f) 16 copies of (c) started at once:
 *     wall time until the last has exited, peak RSS summed;
 * (g) (c) with the decision log on (log-file in a temporary directory
 *     under /run).
 * The CLI version cache under /run is warm after the warm-up rounds (steady
 * state); the cost of a cold cache (the hook runs `cli --version`) is
 * measured once, after the table.
 *
 * The hook runs as it ships: the compile task compiles the one-module bundle
 * of main.ts (`deno task bundle`), so the benchmark bundles main.ts the same
 * way into a temporary file and runs that (`--source` runs main.ts instead).
 * The hook and the floor run as `deno run` with exactly the hook's
 * permission flags plus `--quiet --config deno.json`, with an environment of
 * the runtime's PATH and the variables Deno needs to find its cache. Time
 * and RSS come from the launcher scripts/_bench_runner.c (wait4 rusage);
 * see scripts/_bench_measure.ts.
 */

import { HOOK_PERMISSIONS } from "./_hook_permissions.ts";
import {
  containerId,
  CUDA_ENV,
  dockerSpec,
  largeCudaSpecText,
  PLAIN_ENV,
  toolkitConfigToml,
} from "./_bench_fixtures.ts";
import {
  type BenchCase,
  type CaseSamples,
  measure,
  median,
  p90,
  runOnce,
} from "./_bench_measure.ts";

const WARMUP_ROUNDS = 5;
const LARGE_ENV_COUNT = 2000;
const LARGE_SPEC_BYTES = 5 * 1024 * 1024;
const BURST = 16;
const COLD_RUNS = 5;
const CLI_VERSION_CACHE = "/run/nvidia-container-runtime-hook/cli-version.json";

/**
 * Budget lines: the case's median `what` against the reference case's
 * median: at most `max` times it (`ratio`), or at most `max` ms above it
 * (`plus`).
 */
interface Budget {
  label: string;
  ref: string;
  what: "time" | "RSS";
  kind: "ratio" | "plus";
  max: number;
}
const BUDGET: readonly Budget[] = [
  { label: "(b)", ref: "(a)", what: "time", kind: "ratio", max: 0.95 },
  { label: "(c)", ref: "(a)", what: "time", kind: "ratio", max: 1.1 },
  { label: "(c)", ref: "(a)", what: "RSS", kind: "ratio", max: 1.1 },
  { label: "(d)", ref: "(e)", what: "time", kind: "ratio", max: 1.3 },
  { label: "(f)", ref: "(f0)", what: "time", kind: "ratio", max: 1.1 },
  { label: "(g)", ref: "(c)", what: "time", kind: "plus", max: 1.0 },
];

const repo = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const encoder = new TextEncoder();
const out = (s = "") => Deno.stdout.writeSync(encoder.encode(s + "\n"));
const err = (s: string) => Deno.stderr.writeSync(encoder.encode(s + "\n"));

function usage(message: string): never {
  err(`bench: ${message}\nusage: deno task bench [runs] [--check] [--source]`);
  Deno.exit(2);
}

interface Options {
  runs: number;
  check: boolean;
  source: boolean;
}

function parseCommandLine(args: readonly string[]): Options {
  const options: Options = { runs: 50, check: false, source: false };
  for (const arg of args) {
    if (arg === "--check") options.check = true;
    else if (arg === "--source") options.source = true;
    else if (/^[1-9][0-9]*$/.test(arg)) options.runs = Number(arg);
    else usage(`unexpected argument ${JSON.stringify(arg)}`);
  }
  return options;
}

/** Compiles scripts/<name>.c into `out` with gcc -O2. */
function compileC(name: string, out: string): string {
  const result = new Deno.Command("gcc", {
    args: ["-O2", "-Wall", "-Werror", "-o", out, `${repo}/scripts/${name}.c`],
    stdin: "null",
  }).outputSync();
  if (!result.success) {
    throw new Error(`gcc scripts/${name}.c: ${new TextDecoder().decode(result.stderr)}`);
  }
  return out;
}

/**
 * Bundles main.ts into `out` with the `deno bundle` command of deno.json's
 * `bundle` task (its flags, e.g. `--minify`, kept; only the output moved),
 * then runs the task's post-processing step scripts/_eager_functions.ts on
 * it when the task has one, so that the benchmark runs what the compile
 * task ships.
 */
function bundleHook(out: string): string {
  const task: unknown = JSON.parse(Deno.readTextFileSync(`${repo}/deno.json`))?.tasks?.bundle;
  const steps = typeof task === "string" ? task.split("&&").map((s) => s.trim()) : [];
  const words = (steps[0] ?? "").split(/\s+/);
  const at = words.indexOf("--output");
  if (words[0] !== "deno" || words[1] !== "bundle" || at < 0 || at + 1 >= words.length) {
    throw new Error(
      `deno.json: the bundle task does not start with "deno bundle ... --output FILE"`,
    );
  }
  const shipped = words[at + 1]!;
  words[at + 1] = out;
  const dir = out.slice(0, out.lastIndexOf("/"));
  const run = (args: string[], what: string) => {
    const result = new Deno.Command(Deno.execPath(), { args, cwd: repo, stdin: "null" })
      .outputSync();
    if (!result.success) throw new Error(`${what}: ${new TextDecoder().decode(result.stderr)}`);
  };
  const args = words.slice(1).map((w) => (w === "main.ts" ? `${repo}/main.ts` : w));
  run(args, steps[0]!);
  const shown = [["deno", ...args.map((a) => (a === out ? "<tmp>" : a.replace(`${repo}/`, "")))]
    .join(" ")];
  for (const step of steps.slice(1)) {
    const w = step.split(/\s+/);
    if (!w.includes("scripts/_eager_functions.ts")) continue;
    const post = w.slice(1).map((a) =>
      a === shipped
        ? out
        : a === "--allow-write=dist"
        ? `--allow-write=${dir}`
        : a.startsWith("scripts/")
        ? `${repo}/${a}`
        : a
    );
    run(post, step);
    shown.push(step.replace(shipped, "<tmp>"));
  }
  return shown.join(" && ");
}

/** The first line of `argv`'s output that starts with `prefix` ("" for the first line). */
function probe(argv: string[], prefix = ""): string {
  try {
    const [program, ...args] = argv as [string, ...string[]];
    const out = new Deno.Command(program, { args, stdin: "null", stderr: "null" }).outputSync();
    const line = new TextDecoder().decode(out.stdout).split("\n").find((l) => l.startsWith(prefix));
    return line === undefined || line === "" ? "unknown" : line;
  } catch {
    return "unknown";
  }
}

/** The machine, as the README's table names it. */
function machine(): string {
  // /proc files need --allow-all in Deno 2; cat reads them under --allow-run.
  const cpu = probe(["cat", "/proc/cpuinfo"], "model name").replace(/^model name\s*:\s*/, "");
  return `${navigator.hardwareConcurrency} CPUs (nproc), ${cpu}, Linux ${probe(["uname", "-r"])}`;
}

/** What the hook and the floor get as environment: nothing of this shell but Deno's cache. */
function childEnv(): Record<string, string> {
  const env: Record<string, string> = {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  };
  for (const name of ["HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

function writeBundle(dir: string, specText: string): string {
  Deno.mkdirSync(dir);
  Deno.writeTextFileSync(`${dir}/config.json`, specText);
  return dir;
}

interface Fixtures {
  cases: BenchCase[];
  /** (c) alone, for the cold-cache runs. */
  gpu: BenchCase;
  /** The hook cases again, with a CLI that records that it ran. */
  probes: { label: string; probe: BenchCase; gpu: boolean }[];
  marker: string;
  largeBytes: number;
  logFile: string;
}

function fixtures(tmp: string, logDir: string, hookFile: string, cli: string): Fixtures {
  const deno = Deno.execPath();
  const flags = ["run", ...HOOK_PERMISSIONS, "--quiet", "--config", `${repo}/deno.json`];
  const config = `${tmp}/config.toml`;
  Deno.writeTextFileSync(config, toolkitConfigToml(cli));
  const logFile = `${logDir}/decisions.log`;
  const logConfig = `${tmp}/config-log.toml`;
  Deno.writeTextFileSync(logConfig, toolkitConfigToml(cli, logFile));

  const plain = writeBundle(`${tmp}/plain`, JSON.stringify(dockerSpec(containerId(1), PLAIN_ENV)));
  const gpu = writeBundle(`${tmp}/gpu`, JSON.stringify(dockerSpec(containerId(2), CUDA_ENV)));
  const largeText = largeCudaSpecText(containerId(3), LARGE_ENV_COUNT, LARGE_SPEC_BYTES);
  const large = writeBundle(`${tmp}/large`, largeText);

  const env = childEnv();
  const state = (bundle: string) => {
    const file = `${bundle}.state.json`;
    Deno.writeTextFileSync(
      file,
      JSON.stringify({
        ociVersion: "1.2.0",
        id: bundle.slice(bundle.lastIndexOf("/") + 1),
        status: "creating",
        pid: 4242,
        bundle,
        annotations: {},
      }),
    );
    return file;
  };
  const states = { plain: state(plain), gpu: state(gpu), large: state(large) };
  const hook = (
    label: string,
    name: string,
    stateFile: string,
    cfg: string,
    count = 1,
  ): BenchCase => ({
    label,
    name,
    argv: [deno, ...flags, hookFile, "-config", cfg, "prestart"],
    stateFile,
    env,
    count,
  });
  const floor = (label: string, name: string, stateFile: string, count = 1): BenchCase => ({
    label,
    name,
    argv: [deno, ...flags, `${repo}/scripts/_bench_floor.ts`, cli],
    stateFile,
    env,
    count,
  });
  const gpuCase = hook("(c)", "hook, GPU", states.gpu, config);
  const cases: BenchCase[] = [
    floor("(a)", "floor", states.gpu),
    hook("(b)", "hook, non-GPU", states.plain, config),
    gpuCase,
    hook("(d)", "hook, GPU, 2,000 env, 5 MiB", states.large, config),
    floor("(e)", "floor on (d)'s bundle", states.large),
    hook("(g)", "(c) with the decision log", states.gpu, logConfig),
    floor("(f0)", `${BURST} floors at once`, states.gpu, BURST),
    hook("(f)", `${BURST} x (c) at once`, states.gpu, config, BURST),
  ];

  // The same hook runs, with a CLI that leaves a mark: (b) must not run it,
  // (c) and (d) must, or the cases do not measure what they claim.
  const marker = `${tmp}/cli-ran`;
  const markCli = `${tmp}/mark-cli`;
  Deno.writeTextFileSync(
    markCli,
    `#!/bin/sh\nif [ "$1" = --version ]; then echo 'cli-version: 1.17.8'; exit 0; fi\n` +
      `echo ran >> '${marker}'\n`,
    { mode: 0o755 },
  );
  Deno.chmodSync(markCli, 0o755);
  const probeConfig = `${tmp}/probe.toml`;
  Deno.writeTextFileSync(probeConfig, toolkitConfigToml(markCli));
  const probes = [
    { label: "(b)", probe: hook("(b)", "probe", states.plain, probeConfig), gpu: false },
    { label: "(c)", probe: hook("(c)", "probe", states.gpu, probeConfig), gpu: true },
    { label: "(d)", probe: hook("(d)", "probe", states.large, probeConfig), gpu: true },
  ];
  return { cases, gpu: gpuCase, probes, marker, largeBytes: largeText.length, logFile };
}

async function checkProbes(f: Fixtures, runner: string): Promise<void> {
  for (const { label, probe, gpu } of f.probes) {
    try {
      Deno.removeSync(f.marker);
    } catch {
      // Not there yet.
    }
    await runOnce(probe, runner);
    let ran = true;
    try {
      Deno.statSync(f.marker);
    } catch {
      ran = false;
    }
    if (ran !== gpu) {
      throw new Error(
        `${label}: the hook ${ran ? "ran" : "did not run"} the CLI; expected it ${
          gpu ? "to" : "not to"
        }`,
      );
    }
  }
}

/** Median wall time of (c) with the version cache removed before each run. */
async function coldCache(f: Fixtures, runner: string): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < COLD_RUNS; i++) {
    try {
      Deno.removeSync(CLI_VERSION_CACHE);
    } catch {
      // Not there.
    }
    ms.push((await runOnce(f.gpu, runner)).ms);
  }
  return median(ms);
}

const mib = (kib: number) => kib / 1024;
const fixed = (x: number, digits: number, width: number) => x.toFixed(digits).padStart(width);

interface Row {
  c: BenchCase;
  ms: number;
  p90: number;
  rss: number;
}

function report(
  cases: readonly BenchCase[],
  samples: readonly CaseSamples[],
): { lines: string[]; over: number } {
  const rows: Row[] = cases.map((c, k) => ({
    c,
    ms: median(samples[k]!.ms),
    p90: p90(samples[k]!.ms),
    rss: median(samples[k]!.rssKiB),
  }));
  const byLabel = new Map(rows.map((r) => [r.c.label, r]));
  let over = 0;
  const lines = [
    "case                              median ms  p90 ms  peak RSS MiB  budget                      value   verdict",
  ];
  for (const row of rows) {
    const budgets = BUDGET.filter((b) => b.label === row.c.label);
    const cells = budgets.map((b) => {
      const ref = byLabel.get(b.ref)!;
      const [mine, theirs] = b.what === "time" ? [row.ms, ref.ms] : [row.rss, ref.rss];
      const value = b.kind === "ratio" ? mine / theirs : mine - theirs;
      const pass = value <= b.max;
      if (!pass) over++;
      const budget = b.kind === "ratio"
        ? `${b.what} <= ${b.max.toFixed(2)} x ${b.ref}`
        : `${b.what} <= ${b.ref} + ${b.max} ms`;
      const shown = b.kind === "ratio"
        ? `${value.toFixed(2)}x`
        : `${value >= 0 ? "+" : ""}${value.toFixed(1)} ms`;
      return { budget, shown, verdict: pass ? "PASS" : "OVER" };
    });
    const name = `${row.c.label} ${row.c.name}`.padEnd(32);
    const main = `${name}  ${fixed(row.ms, 1, 9)}  ${fixed(row.p90, 1, 6)}  ${
      fixed(mib(row.rss), 1, 12)
    }`;
    if (cells.length === 0) lines.push(`${main}  -`);
    cells.forEach((cell, i) => {
      const lead = i === 0 ? main : " ".repeat(main.length);
      lines.push(
        `${lead}  ${cell.budget.padEnd(26)}  ${cell.shown.padStart(8)}  ${cell.verdict}`,
      );
    });
  }
  return { lines, over };
}

async function main(): Promise<number> {
  const { runs, check, source } = parseCommandLine(Deno.args);
  if (runs < 50) err(`bench: ${runs} runs: the budget calls for at least 50`);
  const tmp = Deno.makeTempDirSync({ prefix: "hook-bench-" });
  const logDir = Deno.makeTempDirSync({ dir: "/run", prefix: "hook-bench-" });
  try {
    let hookFile = `${repo}/main.ts`;
    let bundled = "";
    if (!source) {
      hookFile = `${tmp}/nvidia-container-runtime-hook.js`;
      bundled = bundleHook(hookFile);
    }
    const runner = compileC("_bench_runner", `${tmp}/runner`);
    const cli = compileC("_bench_cli", `${tmp}/nvidia-container-cli`);
    const f = fixtures(tmp, logDir, hookFile, cli);
    await checkProbes(f, runner);
    const loadBefore = probe(["cat", "/proc/loadavg"]);
    const samples = await measure(f.cases, {
      runner,
      runs,
      warmup: WARMUP_ROUNDS,
      progress: (round, total) => {
        if (round % 10 === 0 || round === total) err(`bench: round ${round}/${total}`);
      },
    });
    const loadAfter = probe(["cat", "/proc/loadavg"]);
    const cold = await coldCache(f, runner);
    await runOnce(f.gpu, runner); // Warm the cache again for whoever comes next.
    const logLines = Deno.readTextFileSync(f.logFile).split("\n").length - 1;
    out(`Deno ${Deno.version.deno} (V8 ${Deno.version.v8}); ${machine()}`);
    out(`load average (1, 5, 15 min) before: ${loadBefore}; after: ${loadAfter}`);
    out(
      `${runs} runs of each case, interleaved (${f.cases.map((c) => c.label).join(" ")} ...), ` +
        `after ${WARMUP_ROUNDS} warm-up rounds; the CLI version cache warm`,
    );
    out(
      "wall time from the launcher's barrier to the last exit status; " +
        "peak RSS: ru_maxrss from wait4(), summed over the copies",
    );
    out(
      source
        ? "hook: main.ts and its modules, run from source"
        : `hook: main.ts bundled as the compile task ships it (${bundled})`,
    );
    out(`CLI: scripts/_bench_cli.c (cli-version 1.17.8), exec'd by the hook, spawned by the floor`);
    out(`(d), (e): ${LARGE_ENV_COUNT} variables, config.json of ${f.largeBytes} bytes`);
    out(`(g): ${logLines} lines in the decision log`);
    out();
    const { lines, over } = report(f.cases, samples);
    for (const line of lines) out(line);
    out();
    out(
      `not budgeted: (c) with a cold CLI version cache (runs \`cli --version\`), ` +
        `median of ${COLD_RUNS}: ${cold.toFixed(1)} ms`,
    );
    out(
      over === 0
        ? `budget: all ${BUDGET.length} lines PASS`
        : `budget: ${over} of ${BUDGET.length} lines OVER`,
    );
    return check && over > 0 ? 1 : 0;
  } finally {
    Deno.removeSync(tmp, { recursive: true });
    Deno.removeSync(logDir, { recursive: true });
  }
}

Deno.exit(await main());
