/**
 * Startup benchmark of the hook against the floor of any Deno hook, in one
 * run: wall time, CPU time and peak RSS, cases interleaved run by run after
 * warm-up rounds, as medians and ratios, checked against the budget.
 *
 * Run: deno task bench [runs] [--check] [--source]
 *   runs      measured runs of each case (default 50)
 *   --check   exit 1 when a budget line is over (otherwise the exit status
 *             is 0 whatever the numbers: the table is a report)
 *   --source  run main.ts and its modules from source instead of the bundle
 *
 * (a)   floor: scripts/_bench_floor.ts, a minimal Deno program run the same
 *       way as the hook: reads stdin, parses it and <bundle>/config.json,
 *       spawns the stand-in CLI and waits for it, exits with its status;
 * (b)   the hook on a non-GPU bundle, (c) on a GPU bundle, both with the
 *       config.toml a current toolkit writes, its `path` set to the
 *       stand-in CLI;
 * (d)   (c) with 2,000 container variables and a 5 MiB config.json;
 * (e)   the floor on (d)'s bundle, what reading and parsing the 5 MiB
 *       config.json costs any Deno hook;
 * (a16) 16 floors started at once, (f) 16 (c) hooks started at once: wall
 *       time until the last has exited, RSS summed over the 16;
 * (g)   (c) with the decision log on (log-file in a temp dir under /run);
 * (x)   not budgeted: the floor with an FFI exec() instead of its spawn.
 *
 * The stand-in CLI (scripts/_bench_cli.c, compiled here with gcc) prints
 * `cli-version: 1.17.8` for --version and exits 0 for anything else; the
 * hook execs it and the floor spawns it. The hook remembers the CLI's
 * version in /run/nvidia-container-runtime-hook/cli-version.json, keyed by
 * the CLI file: every GPU case uses the same stand-in, so after the first
 * run the cache is warm, as on a host, and the table is the steady state.
 * The cold start (a cache miss: the hook runs `--version` first) is
 * measured afterwards on its own, with two copies of the stand-in run in
 * turn so that every run misses.
 *
 * The hook runs as it ships: the compile task compiles the one-module bundle
 * of main.ts (`deno task bundle`), so the benchmark bundles main.ts the same
 * way into a temporary file and runs that (`--source` runs main.ts instead),
 * with the `--v8-flags` of the compile task. The hook and the floor run as
 * `deno run` with exactly the hook's permission flags and the flags of the
 * installed launcher (scripts/install.ts), with an environment of the
 * runtime's PATH and the variables Deno needs to find its cache. Every run
 * goes through scripts/_bench_runner.c (see scripts/_bench_measure.ts).
 */

import { HOOK_PERMISSIONS } from "./_hook_permissions.ts";
import { OFFLINE_FLAGS } from "./install.ts";
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
  buildTools,
  type CaseSamples,
  measure,
  median,
  p90,
  runOnce,
  type Tools,
} from "./_bench_measure.ts";

const WARMUP_ROUNDS = 5;
const LARGE_ENV_COUNT = 2000;
const LARGE_SPEC_BYTES = 5 * 1024 * 1024;
const BURST = 16;
const COLD_RUNS = 9;
/** The hook's CLI version cache (main.ts). */
const VERSION_CACHE = "/run/nvidia-container-runtime-hook/cli-version.json";

/**
 * Budget lines: the median of `label` over the median of `ref`, at most
 * `max`, or (with `plusMs`) the median of `label` at most `ref`'s plus
 * `plusMs` milliseconds.
 */
type Budget =
  & { label: string; ref: string; what: "time" | "RSS" }
  & ({ max: number; plusMs?: undefined } | { plusMs: number; max?: undefined });

const BUDGET: readonly Budget[] = [
  { label: "(b)", ref: "(a)", what: "time", max: 0.95 },
  { label: "(c)", ref: "(a)", what: "time", max: 1.1 },
  { label: "(c)", ref: "(a)", what: "RSS", max: 1.1 },
  { label: "(d)", ref: "(e)", what: "time", max: 1.3 },
  { label: "(f)", ref: "(a16)", what: "time", max: 1.1 },
  { label: "(g)", ref: "(c)", what: "time", plusMs: 1 },
];

const repo = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const encoder = new TextEncoder();
const decoder = new TextDecoder();
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

function tasks(): Record<string, unknown> {
  return JSON.parse(Deno.readTextFileSync(`${repo}/deno.json`))?.tasks ?? {};
}

/**
 * Runs every `deno bundle` command of deno.json's `bundle` task (the hook's
 * bundle of main.ts and the operator commands' bundle beside it), each with
 * its flags (e.g. `--minify`) kept and its `--output` moved into `dir`
 * (same file name), so that the benchmark runs what the compile task
 * ships. Returns the hook's bundle and the commands, for the report.
 */
function bundleHook(dir: string): { file: string; commands: string } {
  const task = tasks()["bundle"];
  const commands = (typeof task === "string" ? task.split("&&") : []).map((c) => c.trim())
    .filter((c) => c.startsWith("deno bundle "));
  let file: string | undefined;
  const shown: string[] = [];
  for (const command of commands) {
    const words = command.split(/\s+/);
    const at = words.indexOf("--output");
    if (at < 0 || at + 1 >= words.length) {
      throw new Error(`deno.json: ${JSON.stringify(command)} has no "--output FILE"`);
    }
    const original = words[at + 1]!;
    const name = original.slice(original.lastIndexOf("/") + 1);
    const output = `${dir}/${name}`;
    words[at + 1] = output;
    const entry = words[words.length - 1]!;
    const args = words.slice(1).map((w, k) => (k === words.length - 2 ? `${repo}/${w}` : w));
    const result = new Deno.Command(Deno.execPath(), { args, cwd: repo, stdin: "null" })
      .outputSync();
    if (!result.success) throw new Error(`${command}: ${decoder.decode(result.stderr)}`);
    if (entry === "main.ts") file = output;
    shown.push(command.replace(original, `<tmp>/${name}`));
  }
  if (file === undefined) {
    throw new Error(`deno.json: the bundle task has no "deno bundle ... --output FILE main.ts"`);
  }
  return { file, commands: shown.join(" && ") };
}

/** The `--v8-flags=...` words of the compile task (the flags the shipped hook runs with). */
function compileV8Flags(): string[] {
  const task = tasks()["compile"];
  const compile = typeof task === "string"
    ? task.split("&&").map((c) => c.trim()).find((c) => c.startsWith("deno compile "))
    : undefined;
  return (compile ?? "").split(/\s+/).filter((w) => w.startsWith("--v8-flags="));
}

/** The first line of `argv`'s output that starts with `prefix` ("" for the first line). */
function probe(argv: string[], prefix = ""): string {
  try {
    const [program, ...args] = argv as [string, ...string[]];
    const out = new Deno.Command(program, { args, stdin: "null", stderr: "null" }).outputSync();
    const line = decoder.decode(out.stdout).split("\n").find((l) => l.startsWith(prefix));
    return line === undefined || line === "" ? "unknown" : line;
  } catch {
    return "unknown";
  }
}

/** The machine, as docs/performance.md names it. */
function machine(): string {
  // /proc files need --allow-all in Deno 2; cat reads them under --allow-run.
  const cpu = probe(["cat", "/proc/cpuinfo"], "model name").replace(/^model name\s*:\s*/, "");
  return `${navigator.hardwareConcurrency} CPUs (nproc), ${cpu}, Linux ${probe(["uname", "-r"])}`;
}

function loadAverage(): string {
  return Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
}

/** What the hook and the floor get as environment: nothing of this shell but Deno's cache. */
function childEnv(): Record<string, string> {
  const env: Record<string, string> = {
    PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    DENO_NO_UPDATE_CHECK: "1",
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

/** The config with the decision log on: `log-file` in the hook's own table. */
function withLogFile(toml: string, logFile: string): string {
  const header = "[nvidia-container-runtime-hook]\n";
  if (!toml.includes(header)) throw new Error("the toolkit config has no hook table");
  return toml.replace(header, `${header}log-file = ${JSON.stringify(logFile)}\n`);
}

interface Fixtures {
  cases: BenchCase[];
  /** The hook cases again, with a config whose CLI records that it ran. */
  probes: { label: string; probe: BenchCase; gpu: boolean }[];
  marker: string;
  logFile: string;
  largeBytes: number;
  /** (c) with a CLI in a file of its own, for cold runs: [copy 1, copy 2]. */
  cold: [BenchCase, BenchCase];
  warm: BenchCase;
}

function fixtures(tmp: string, runTmp: string, hookFile: string, tools: Tools): Fixtures {
  const deno = Deno.execPath();
  const base = ["run", ...OFFLINE_FLAGS, ...HOOK_PERMISSIONS];
  const hookArgv = [deno, ...base, ...compileV8Flags(), hookFile];
  const floor = (script: string) => [deno, ...base, `${repo}/scripts/${script}`, tools.cli];
  const config = `${tmp}/config.toml`;
  Deno.writeTextFileSync(config, toolkitConfigToml(tools.cli));
  const logFile = `${runTmp}/decisions.log`;
  const logConfig = `${tmp}/log.toml`;
  Deno.writeTextFileSync(logConfig, withLogFile(toolkitConfigToml(tools.cli), logFile));

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
        id: containerId(bundle.length),
        status: "creating",
        pid: 4242,
        bundle,
        annotations: {},
      }),
    );
    return file;
  };
  const states = { plain: state(plain), gpu: state(gpu), large: state(large) };
  const hook = (label: string, name: string, s: string, cfg: string, count = 1): BenchCase => ({
    label,
    name,
    count,
    argv: [...hookArgv, "-config", cfg, "prestart"],
    stateFile: s,
    env,
    steadyFile: VERSION_CACHE,
  });
  const floorCase = (label: string, name: string, s: string, count = 1): BenchCase => ({
    label,
    name,
    count,
    argv: floor("_bench_floor.ts"),
    stateFile: s,
    env,
  });
  // Each case next to the one its budget compares it with: (a) (b) (c) (g), (e) (d), (a16) (f).
  const cases: BenchCase[] = [
    floorCase("(a)", "floor", states.gpu),
    hook("(b)", "hook, non-GPU", states.plain, config),
    hook("(c)", "hook, GPU", states.gpu, config),
    hook("(g)", "hook, GPU, decision log", states.gpu, logConfig),
    {
      ...floorCase("(x)", "floor, FFI exec (no budget)", states.gpu),
      argv: floor("_bench_floor_exec.ts"),
    },
    floorCase("(e)", "floor on (d)'s bundle", states.large),
    hook("(d)", "hook, GPU, 2,000 env, 5 MiB", states.large, config),
    floorCase("(a16)", `${BURST} floors at once`, states.gpu, BURST),
    hook("(f)", `${BURST} GPU hooks at once`, states.gpu, config, BURST),
  ];

  // The same hook runs, with a CLI that leaves a mark: (b) must not run it,
  // (c), (d) and (g) must, or the cases do not measure what they claim.
  const marker = `${tmp}/cli-ran`;
  const cli = `${tmp}/mark-cli`;
  Deno.writeTextFileSync(
    cli,
    `#!/bin/sh\nif [ "$1" = --version ]; then echo 'cli-version: 1.17.8'; exit 0; fi\n` +
      `echo ran >> '${marker}'\n`,
    { mode: 0o755 },
  );
  Deno.chmodSync(cli, 0o755);
  const probeConfig = `${tmp}/probe.toml`;
  Deno.writeTextFileSync(probeConfig, toolkitConfigToml(cli));
  const probeLog = `${tmp}/probe-log.toml`;
  Deno.writeTextFileSync(probeLog, withLogFile(toolkitConfigToml(cli), `${runTmp}/probe.log`));
  const probes = [
    { label: "(b)", probe: hook("(b)", "probe", states.plain, probeConfig), gpu: false },
    { label: "(c)", probe: hook("(c)", "probe", states.gpu, probeConfig), gpu: true },
    { label: "(d)", probe: hook("(d)", "probe", states.large, probeConfig), gpu: true },
    { label: "(g)", probe: hook("(g)", "probe", states.gpu, probeLog), gpu: true },
  ];

  // Two more copies of the stand-in: run in turn, every run misses the cache.
  const copies = [1, 2].map((i) => {
    const copy = `${tmp}/cold-${i}/nvidia-container-cli`;
    Deno.mkdirSync(`${tmp}/cold-${i}`);
    Deno.copyFileSync(tools.cli, copy);
    Deno.chmodSync(copy, 0o755);
    const cfg = `${tmp}/cold-${i}.toml`;
    Deno.writeTextFileSync(cfg, toolkitConfigToml(copy));
    return hook("(c)", "hook, GPU, cold", states.gpu, cfg);
  }) as [BenchCase, BenchCase];
  return {
    cases,
    probes,
    marker,
    logFile,
    largeBytes: largeText.length,
    cold: copies,
    warm: cases.find((c) => c.label === "(c)")!,
  };
}

function checkProbes(f: Fixtures, tools: Tools, errFile: string): void {
  for (const { label, probe, gpu } of f.probes) {
    try {
      Deno.removeSync(f.marker);
    } catch {
      // Not there yet.
    }
    runOnce(probe, tools, errFile);
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

/** Every (g) run wrote one whole decision line for a GPU start. */
function checkLog(file: string, expected: number): void {
  const lines = Deno.readTextFileSync(file).split("\n").filter((l) => l !== "");
  if (lines.length !== expected) {
    throw new Error(`(g): ${lines.length} decision log lines for ${expected} runs`);
  }
  for (const line of lines) {
    const entry = JSON.parse(line);
    if (entry?.outcome !== "cli") throw new Error(`(g): a decision log line says ${line}`);
  }
}

const mib = (kib: number) => kib / 1024;
const fixed = (x: number, digits: number, width: number) => x.toFixed(digits).padStart(width);

interface Row {
  c: BenchCase;
  ms: number;
  p90: number;
  cpu: number;
  rss: number;
}

function rows(cases: readonly BenchCase[], samples: readonly CaseSamples[]): Row[] {
  return cases.map((c, k) => ({
    c,
    ms: median(samples[k]!.ms),
    p90: p90(samples[k]!.ms),
    cpu: median(samples[k]!.cpuMs),
    rss: median(samples[k]!.rssKiB),
  }));
}

function table(all: readonly Row[]): string[] {
  const floor = all[0]!;
  const lines = [
    "case                               median ms  p90 ms  CPU ms  x (a)  peak RSS MiB  RSS x (a)",
  ];
  for (const row of all) {
    const per = row.c.count;
    lines.push(
      `${`${row.c.label} ${row.c.name}`.padEnd(33)}  ${fixed(row.ms, 1, 9)}  ${
        fixed(row.p90, 1, 6)
      }  ${fixed(row.cpu, 1, 6)}  ${per === 1 ? fixed(row.ms / floor.ms, 2, 5) : "    -"}  ${
        fixed(mib(row.rss), 1, 12)
      }  ${per === 1 ? fixed(row.rss / floor.rss, 2, 9) : "sum of " + per}`,
    );
  }
  return lines;
}

function budgetLines(all: readonly Row[]): { lines: string[]; over: number } {
  const by = new Map(all.map((r) => [r.c.label, r]));
  let over = 0;
  const lines: string[] = [];
  for (const b of BUDGET) {
    const row = by.get(b.label)!;
    const ref = by.get(b.ref)!;
    const unit = b.what === "time" ? "ms" : "MiB";
    const value = b.what === "time" ? row.ms : mib(row.rss);
    const refValue = b.what === "time" ? ref.ms : mib(ref.rss);
    const limit = b.max !== undefined ? refValue * b.max : refValue + b.plusMs;
    const pass = value <= limit;
    if (!pass) over++;
    const rule = b.max !== undefined
      ? `<= ${b.max.toFixed(2)} x ${b.ref}`
      : `<= ${b.ref} + ${b.plusMs} ms`;
    const actual = b.max !== undefined
      ? `${(value / refValue).toFixed(3)} x`
      : `${value - refValue >= 0 ? "+" : ""}${(value - refValue).toFixed(2)} ms`;
    lines.push(
      `${b.label.padEnd(3)} ${b.what.padEnd(4)} ${value.toFixed(1).padStart(6)} ${unit.padEnd(3)} ${
        rule.padEnd(18)
      } (${refValue.toFixed(1)} ${unit}, limit ${limit.toFixed(1)})  ${actual.padStart(9)}  ${
        pass ? "PASS" : "OVER"
      }`,
    );
  }
  return { lines, over };
}

function main(): number {
  const { runs, check, source } = parseCommandLine(Deno.args);
  if (runs < 50) err(`bench: ${runs} runs: the budget calls for at least 50`);
  const tmp = Deno.makeTempDirSync({ prefix: "hook-bench-" });
  // The decision log must lie under /var/log or /run.
  const runTmp = Deno.makeTempDirSync({ dir: "/run", prefix: "hook-bench-" });
  try {
    const tools = buildTools(tmp);
    const errFile = `${tmp}/stderr.txt`;
    let hookFile = `${repo}/main.ts`;
    let bundled = "";
    if (!source) {
      const built = bundleHook(tmp);
      hookFile = built.file;
      bundled = built.commands;
    }
    const f = fixtures(tmp, runTmp, hookFile, tools);
    const loadBefore = loadAverage();
    checkProbes(f, tools, errFile);
    const samples = measure(f.cases, {
      runs,
      warmup: WARMUP_ROUNDS,
      tools,
      errFile,
      progress: (round, total) => {
        if (round % 10 === 0 || round === total) err(`bench: round ${round}/${total}`);
      },
    });
    checkLog(f.logFile, runs + WARMUP_ROUNDS);
    // Cold starts, interleaved with warm ones: the two copies in turn miss every time.
    const cold: number[] = [];
    const warm: number[] = [];
    for (let i = 0; i < COLD_RUNS; i++) {
      cold.push(runOnce(f.cold[i % 2]!, tools, errFile).ms);
      runOnce(f.warm, tools, errFile); // the stand-in's entry back: the next warm run hits
      warm.push(runOnce(f.warm, tools, errFile).ms);
    }
    const loadAfter = loadAverage();
    const v8 = compileV8Flags();
    out(`Deno ${Deno.version.deno} (V8 ${Deno.version.v8}); ${machine()}`);
    out(`load average (1, 5, 15 min): ${loadBefore} before, ${loadAfter} after`);
    out(
      `${runs} runs of each case, interleaved (a b c ..., b c ... a, ...), after ${WARMUP_ROUNDS} ` +
        `warm-up rounds; wall time from the start of the copies to the exit of the last`,
    );
    out("peak RSS: ru_maxrss from wait4(), in the same runs (summed over the copies of a burst)");
    out(
      source
        ? "hook: main.ts and its modules, run from source"
        : `hook: main.ts bundled as the compile task ships it (${bundled})`,
    );
    out(`hook V8 flags (from the compile task): ${v8.length === 0 ? "none" : v8.join(" ")}`);
    out(
      "steady state: the CLI version cache holds the stand-in (every GPU case uses it) and " +
        "Deno's V8 code cache holds each program",
    );
    out(`(d), (e): ${LARGE_ENV_COUNT} variables, config.json of ${f.largeBytes} bytes`);
    out();
    const all = rows(f.cases, samples);
    for (const line of table(all)) out(line);
    const reruns = f.cases.map((c, k) => [c.label, samples[k]!.reruns] as const)
      .filter(([, n]) => n > 0);
    out(
      reruns.length === 0
        ? "no measured run missed the CLI version cache"
        : `run again because another process had replaced the CLI version cache (the run ` +
          `missed it): ${reruns.map(([l, n]) => `${l} ${n}`).join(", ")}`,
    );
    out();
    out(
      `cold start, CLI version cache miss (the hook runs --version first), ${COLD_RUNS} runs: ` +
        `median ${median(cold).toFixed(1)} ms against ${median(warm).toFixed(1)} ms warm ` +
        `(+${(median(cold) - median(warm)).toFixed(1)} ms, once per CLI file)`,
    );
    out();
    const { lines, over } = budgetLines(all);
    out("budget");
    for (const line of lines) out(line);
    out(
      over === 0
        ? `budget: all ${BUDGET.length} lines PASS`
        : `budget: ${over} of ${BUDGET.length} lines OVER`,
    );
    return check && over > 0 ? 1 : 0;
  } finally {
    Deno.removeSync(tmp, { recursive: true });
    Deno.removeSync(runTmp, { recursive: true });
  }
}

Deno.exit(main());
