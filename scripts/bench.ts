/**
 * Startup benchmark of the hook against the floor of any Deno hook, in one
 * run: wall time and peak RSS, cases interleaved run by run after warm-up
 * rounds, as medians, p90 and ratios to the floor, checked against the
 * budget of issue 6.
 *
 * Run: deno task bench [runs] [--check] [--source]
 *   runs      measured runs of each case (default 50)
 *   --check   exit 1 when a budget line is over (otherwise the exit status
 *             is 0 whatever the numbers: the table is a report)
 *   --source  run main.ts and its modules from source instead of the bundle
 *
 * (a) floor: scripts/_bench_floor.ts, a minimal Deno program run the same
 *     way as the hook: reads stdin, parses it and <bundle>/config.json,
 *     runs /bin/true, exits with its status;
 * (b) the hook on a non-GPU bundle, (c) on a GPU bundle, both with the
 *     config.toml a current toolkit writes, its `path` set to /bin/true;
 * (d) (c) with 2,000 container variables and a 5 MiB config.json;
 * (e) not budgeted: the floor on (d)'s bundle, what reading and parsing the
 *     5 MiB config.json costs any Deno hook.
 *
 * The hook runs as it ships: the compile task compiles the one-module bundle
 * of main.ts (`deno task bundle`), so the benchmark bundles main.ts the same
 * way into a temporary file and runs that (`--source` runs main.ts instead).
 * The hook and the floor run as `deno run` with exactly the hook's
 * permission flags plus `--quiet --config deno.json`, with an environment of
 * the runtime's PATH and the variables Deno needs to find its cache. Peak
 * RSS needs GNU time (Debian package `time`); see scripts/_bench_measure.ts.
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
  findGnuTime,
  measure,
  median,
  p90,
  timeOnce,
} from "./_bench_measure.ts";

const WARMUP_ROUNDS = 5;
const LARGE_ENV_COUNT = 2000;
const LARGE_SPEC_BYTES = 5 * 1024 * 1024;

/** Budget lines: the case's median over the floor's, at most `max`. */
const BUDGET: { label: string; what: "time" | "RSS"; max: number }[] = [
  { label: "(b)", what: "time", max: 1.0 },
  { label: "(c)", what: "time", max: 1.3 },
  { label: "(d)", what: "time", max: 1.6 },
  { label: "(c)", what: "RSS", max: 1.2 },
];

const repo = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const encoder = new TextEncoder();
const out = (s = "") => Deno.stdout.writeSync(encoder.encode(s + "\n"));
const err = (s: string) => Deno.stderr.writeSync(encoder.encode(s + "\n"));

function usage(message: string): never {
  err(`bench: ${message}\nusage: deno task bench [runs] [--check]`);
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

/**
 * Bundles main.ts into `out` with the `deno bundle` command of deno.json's
 * `bundle` task (its flags, e.g. `--minify`, kept; only the output moved),
 * so that the benchmark runs what the compile task ships.
 */
function bundleHook(out: string): string {
  const task: unknown = JSON.parse(Deno.readTextFileSync(`${repo}/deno.json`))?.tasks?.bundle;
  const command = typeof task === "string" ? task.split("&&")[0]!.trim() : "";
  const words = command.split(/\s+/);
  const at = words.indexOf("--output");
  if (words[0] !== "deno" || words[1] !== "bundle" || at < 0 || at + 1 >= words.length) {
    throw new Error(
      `deno.json: the bundle task does not start with "deno bundle ... --output FILE"`,
    );
  }
  words[at + 1] = out;
  const args = words.slice(1).map((w) => (w === "main.ts" ? `${repo}/main.ts` : w));
  const result = new Deno.Command(Deno.execPath(), { args, cwd: repo, stdin: "null" }).outputSync();
  if (!result.success) {
    throw new Error(`${command}: ${new TextDecoder().decode(result.stderr)}`);
  }
  return ["deno", ...args.map((a) => (a === out ? "<tmp>" : a.replace(`${repo}/`, "")))].join(" ");
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
  /** The hook cases again, with a config whose CLI records that it ran. */
  probes: { label: string; probe: BenchCase; gpu: boolean }[];
  marker: string;
  largeBytes: number;
}

function fixtures(tmp: string, hookFile: string): Fixtures {
  const deno = Deno.execPath();
  const flags = ["run", ...HOOK_PERMISSIONS, "--quiet", "--config", `${repo}/deno.json`];
  const config = `${tmp}/config.toml`;
  Deno.writeTextFileSync(config, toolkitConfigToml("/bin/true"));

  const plain = writeBundle(`${tmp}/plain`, JSON.stringify(dockerSpec(containerId(1), PLAIN_ENV)));
  const gpu = writeBundle(`${tmp}/gpu`, JSON.stringify(dockerSpec(containerId(2), CUDA_ENV)));
  const largeText = largeCudaSpecText(containerId(3), LARGE_ENV_COUNT, LARGE_SPEC_BYTES);
  const large = writeBundle(`${tmp}/large`, largeText);

  const env = childEnv();
  const state = (bundle: string) =>
    encoder.encode(JSON.stringify({
      ociVersion: "1.2.0",
      id: bundle.slice(bundle.lastIndexOf("/") + 1),
      status: "creating",
      pid: 4242,
      bundle,
      annotations: {},
    }));
  const hook = (label: string, name: string, bundle: string, cfg: string): BenchCase => ({
    label,
    name,
    argv: [deno, ...flags, hookFile, "-config", cfg, "prestart"],
    stdin: state(bundle),
    env,
  });
  const cases: BenchCase[] = [
    {
      label: "(a)",
      name: "floor",
      argv: [deno, ...flags, `${repo}/scripts/_bench_floor.ts`],
      stdin: state(gpu),
      env,
    },
    hook("(b)", "hook, non-GPU", plain, config),
    hook("(c)", "hook, GPU", gpu, config),
    hook("(d)", "hook, GPU, 2,000 env, 5 MiB", large, config),
    {
      label: "(e)",
      name: "floor on (d)'s bundle",
      argv: [deno, ...flags, `${repo}/scripts/_bench_floor.ts`],
      stdin: state(large),
      env,
    },
  ];

  // The same hook runs, with a CLI that leaves a mark: (b) must not run it,
  // (c) and (d) must, or the cases do not measure what they claim.
  const marker = `${tmp}/cli-ran`;
  const cli = `${tmp}/mark-cli`;
  Deno.writeTextFileSync(cli, `#!/bin/sh\necho ran >> '${marker}'\n`, { mode: 0o755 });
  Deno.chmodSync(cli, 0o755);
  const probeConfig = `${tmp}/probe.toml`;
  Deno.writeTextFileSync(probeConfig, toolkitConfigToml(cli));
  const probes = [
    { label: "(b)", probe: hook("(b)", "probe", plain, probeConfig), gpu: false },
    { label: "(c)", probe: hook("(c)", "probe", gpu, probeConfig), gpu: true },
    { label: "(d)", probe: hook("(d)", "probe", large, probeConfig), gpu: true },
  ];
  return { cases, probes, marker, largeBytes: largeText.length };
}

async function checkProbes(f: Fixtures): Promise<void> {
  for (const { label, probe, gpu } of f.probes) {
    try {
      Deno.removeSync(f.marker);
    } catch {
      // Not there yet.
    }
    await timeOnce(probe);
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

const mib = (kib: number) => kib / 1024;
const fixed = (x: number, digits: number, width: number) => x.toFixed(digits).padStart(width);

interface Row {
  c: BenchCase;
  ms: number;
  p90: number;
  rss: number | undefined;
}

function report(
  cases: readonly BenchCase[],
  samples: readonly CaseSamples[],
  rssMeasured: boolean,
): { lines: string[]; over: number } {
  const rows: Row[] = cases.map((c, k) => ({
    c,
    ms: median(samples[k]!.ms),
    p90: p90(samples[k]!.ms),
    rss: rssMeasured ? median(samples[k]!.rssKiB) : undefined,
  }));
  const floor = rows[0]!;
  let over = 0;
  const lines = [
    "case                              median ms  p90 ms  ratio  peak RSS MiB  RSS ratio  budget                       verdict",
  ];
  for (const row of rows) {
    const ratio = row.ms / floor.ms;
    const rssRatio = row.rss !== undefined && floor.rss !== undefined
      ? row.rss / floor.rss
      : undefined;
    const budgets: string[] = [];
    const verdicts: string[] = [];
    for (const b of BUDGET.filter((b) => b.label === row.c.label)) {
      const value = b.what === "time" ? ratio : rssRatio;
      budgets.push(`${b.what} <= ${b.max.toFixed(2)}x`);
      if (value === undefined) {
        verdicts.push(`${b.what} n/a`);
        over++;
      } else {
        const pass = value <= b.max;
        if (!pass) over++;
        verdicts.push(`${b.what} ${pass ? "PASS" : "OVER"}`);
      }
    }
    lines.push(
      `${`${row.c.label} ${row.c.name}`.padEnd(32)}  ${fixed(row.ms, 1, 9)}  ${
        fixed(row.p90, 1, 6)
      }  ${fixed(ratio, 2, 5)}  ${
        row.rss === undefined ? "n/a".padStart(12) : fixed(mib(row.rss), 1, 12)
      }  ${rssRatio === undefined ? "n/a".padStart(9) : fixed(rssRatio, 2, 9)}  ${
        (budgets.join(", ") || "-").padEnd(27)
      }  ${verdicts.join(", ") || "-"}`,
    );
  }
  return { lines, over };
}

async function main(): Promise<number> {
  const { runs, check, source } = parseCommandLine(Deno.args);
  const gnuTime = findGnuTime(Deno.env.get("PATH"));
  if (gnuTime === undefined) {
    err(
      "bench: GNU time not found (/usr/bin/time from the Debian package `time`): " +
        "peak RSS is NOT measured. Install it with: apt-get install time",
    );
  }
  if (runs < 50) err(`bench: ${runs} runs: the budget calls for at least 50`);
  const tmp = Deno.makeTempDirSync({ prefix: "hook-bench-" });
  try {
    let hookFile = `${repo}/main.ts`;
    let bundled = "";
    if (!source) {
      hookFile = `${tmp}/nvidia-container-runtime-hook.js`;
      bundled = bundleHook(hookFile);
    }
    const f = fixtures(tmp, hookFile);
    await checkProbes(f);
    const samples = await measure(f.cases, {
      runs,
      warmup: WARMUP_ROUNDS,
      gnuTime,
      tmp,
      progress: (round, total) => {
        if (round % 10 === 0 || round === total) err(`bench: round ${round}/${total}`);
      },
    });
    out(
      `Deno ${Deno.version.deno} (V8 ${Deno.version.v8}); ${machine()}`,
    );
    out(
      `${runs} runs of each case, interleaved (a b c d e ...), after ${WARMUP_ROUNDS} warm-up rounds; ` +
        `wall time from spawn to exit status`,
    );
    out(
      gnuTime === undefined
        ? "peak RSS: not measured (GNU time missing; apt-get install time)"
        : `peak RSS: ru_maxrss from ${gnuTime} -f %M, in separate interleaved runs`,
    );
    out(
      source
        ? "hook: main.ts and its modules, run from source"
        : `hook: main.ts bundled as the compile task ships it (${bundled})`,
    );
    out(`(d), (e): ${LARGE_ENV_COUNT} variables, config.json of ${f.largeBytes} bytes`);
    out();
    const { lines, over } = report(f.cases, samples, gnuTime !== undefined);
    for (const line of lines) out(line);
    out();
    out(
      over === 0
        ? `budget: all ${BUDGET.length} lines PASS`
        : `budget: ${over} of ${BUDGET.length} lines OVER (or not measured)`,
    );
    return check && over > 0 ? 1 : 0;
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
}

Deno.exit(await main());
