/**
 * The differential suite: every fixture bundle that runs `prestart`, and
 * seeded generated cases, go through NVIDIA's current hook and ours with the
 * same stand-in CLI (tests/_differential.ts). A case passes when both hooks
 * agree (outcome; argv with `--require` options sorted; the CLI's
 * environment), or when a row of the divergence table (lib/divergences.ts)
 * matches it and lists every kind of difference seen.
 *
 * `DIFF_SEED=S` sets the seed, `DIFF_RUNS=N` the number of generated cases,
 * `DIFF_CASE=I` runs generated case I alone (and prints it), `DIFF_JOBS=J`
 * the cases run at once, `DIFF_SUMMARY_FILE=F` writes the summary as JSON.
 * Without `../shared/nvidia-hook` the suite skips, except under CI=true.
 */

import assert from "node:assert/strict";
import { DIVERGENCES, matchDivergences } from "../lib/divergences.ts";
import {
  type CaseResult,
  count,
  describe,
  diffJobs,
  type DiffKind,
  diffKinds,
  firstArgvDifference,
  fixtureCase,
  fixtureCases,
  type HookResult,
  inCi,
  judge,
  minus,
  newTally,
  normalizeArgv,
  NVIDIA_HOOK,
  nvidiaHookAvailable,
  pool,
  type Row,
  runDiffCase,
  summaryTable,
  type Tally,
} from "./_differential.ts";
import { diffCase, diffRuns, diffSeed, generateCase } from "./_differential_gen.ts";

const FAILURES_SHOWN = 20;

function note(text: string): void {
  Deno.stderr.writeSync(new TextEncoder().encode(`${text}\n`));
}

const available = nvidiaHookAvailable();
const ignore = !available && !inCi();
if (ignore) note(`differential suite skipped: ${NVIDIA_HOOK} not found`);

function requireHook(): void {
  if (!available) throw new Error(`${NVIDIA_HOOK} not found (CI=true: the suite cannot skip)`);
}

/** The tallies of this run, for the summary. */
const tallies: { fixtures?: Tally; generated?: Tally } = {};

interface Failure {
  label: string;
  text: string;
}

function failWith(what: string, failures: readonly Failure[], total: number, hint: string): void {
  if (failures.length === 0) return;
  const shown = failures.slice(0, FAILURES_SHOWN).map((f) => f.text).join("\n\n");
  throw new Error(
    `${failures.length} of ${total} ${what} differ from NVIDIA's hook without a divergence row` +
      ` that covers them (first ${Math.min(FAILURES_SHOWN, failures.length)} below; ${hint})\n\n` +
      shown,
  );
}

// ---- Unit tests of the comparison ----

const hr = (
  outcome: HookResult["outcome"],
  argv: string[] | null = null,
  env: string[] | null = null,
) => ({ outcome, argv, env });

Deno.test("normalizeArgv() sorts the --require options among their own places only", () => {
  assert.deepEqual(
    normalizeArgv([
      "/bin/cli",
      "configure",
      "--require=cuda>=9.0",
      "--compute",
      "--require=arch=x86_64",
      "--require=brand=tesla",
      "--pid=1",
      "/r",
    ]),
    [
      "/bin/cli",
      "configure",
      "--require=arch=x86_64",
      "--compute",
      "--require=brand=tesla",
      "--require=cuda>=9.0",
      "--pid=1",
      "/r",
    ],
  );
  // Other options keep their order, even when unsorted.
  assert.deepEqual(normalizeArgv(["--utility", "--compute", "--device=1,0"]), [
    "--utility",
    "--compute",
    "--device=1,0",
  ]);
  // A --require value that only starts like one is still sorted; "--requires" is not.
  assert.deepEqual(normalizeArgv(["--require=b", "--requires=a", "--require=a"]), [
    "--require=a",
    "--requires=a",
    "--require=b",
  ]);
});

Deno.test("diffKinds() names the outcome pair, or argv and env when both ran the CLI", async (t) => {
  const argv = ["/c", "configure", "--require=a", "--require=b", "--pid=1", "/r"];
  const swapped = ["/c", "configure", "--require=b", "--require=a", "--pid=1", "/r"];
  const cases: [string, ReturnType<typeof hr>, ReturnType<typeof hr>, DiffKind[]][] = [
    ["both skip", hr("skip"), hr("skip"), []],
    ["both error", hr("error"), hr("error"), []],
    ["cli vs error", hr("cli", argv, []), hr("error"), ["cli->error"]],
    ["error vs cli", hr("error"), hr("cli", argv, []), ["error->cli"]],
    ["skip vs error", hr("skip"), hr("error"), ["skip->error"]],
    ["cli vs skip", hr("cli", argv, []), hr("skip"), ["cli->skip"]],
    ["requires in another order", hr("cli", argv, ["A=1"]), hr("cli", swapped, ["A=1"]), []],
    [
      "an option more",
      hr("cli", argv, ["A=1"]),
      hr("cli", [...argv.slice(0, 2), "--no-cgroups", ...argv.slice(2)], ["A=1"]),
      ["argv"],
    ],
    [
      "options in another order",
      hr("cli", ["/c", "--compute", "--utility"], []),
      hr("cli", ["/c", "--utility", "--compute"], []),
      ["argv"],
    ],
    ["a duplicate entry", hr("cli", argv, ["A=1", "A=1"]), hr("cli", argv, ["A=1"]), ["env"]],
    ["a value", hr("cli", argv, ["A=1"]), hr("cli", argv, ["A=2"]), ["env"]],
    [
      "both",
      hr("cli", argv, ["A=1"]),
      hr("cli", ["/c", "configure", "--pid=1", "/r"], ["A=2"]),
      ["argv", "env"],
    ],
  ];
  for (const [name, nvidia, ours, kinds] of cases) {
    await t.step(name, () => assert.deepEqual(diffKinds(nvidia, ours), kinds));
  }
});

Deno.test("minus() and firstArgvDifference() compare as multisets and after normalising", () => {
  assert.deepEqual(minus(["A=1", "A=1", "B=2"], ["A=1"]), ["A=1", "B=2"]);
  assert.deepEqual(minus(["A=1"], ["A=1", "A=1"]), []);
  assert.equal(
    firstArgvDifference(["--require=b", "--require=a"], ["--require=a", "--require=b"]),
    undefined,
  );
  assert.deepEqual(firstArgvDifference(["/c", "--x"], ["/c"]), {
    index: 1,
    nvidia: "--x",
    ours: undefined,
  });
});

Deno.test("judge() passes a difference only when every kind is listed by a matched row", async (t) => {
  const table: Row[] = [
    { id: "argv-only", differs: ["argv"] },
    { id: "argv-env", differs: ["argv", "env"] },
    { id: "refuses", differs: ["cli->error"] },
    { id: "env-only", differs: ["env"] },
  ];
  const seen = { args: [], state: "{}", spec: undefined, config: undefined };
  const result = (kinds: DiffKind[], timedOut = false): CaseResult => {
    const h: HookResult = {
      outcome: "cli",
      code: 0,
      signal: null,
      timedOut,
      argv: [],
      env: [],
      stderr: "",
    };
    return { seen, tmp: "/nonexistent", nvidia: h, ours: h, kinds };
  };
  const steps: [string, DiffKind[], string[], boolean][] = [
    ["agreeing without a row", [], [], true],
    ["agreeing with a row", [], ["argv-only"], true],
    ["argv, no row", ["argv"], [], false],
    ["argv, a row for argv", ["argv"], ["argv-only"], true],
    ["argv and env, a row for argv only", ["argv", "env"], ["argv-only"], false],
    ["argv and env, one row for both", ["argv", "env"], ["argv-only", "argv-env"], true],
    ["argv and env, one row for each", ["argv", "env"], ["argv-only", "env-only"], true],
    ["argv and env, rows for env only", ["argv", "env"], ["env-only"], false],
    ["an outcome the row does not list", ["skip->error"], ["refuses"], false],
    ["an unknown id", ["argv"], ["no-such-row"], false],
  ];
  for (const [name, kinds, matched, ok] of steps) {
    await t.step(name, () => {
      const v = judge(result(kinds), table, () => matched);
      assert.equal(v.ok, ok);
      assert.deepEqual(v.matched, matched);
    });
  }
  await t.step("a timed-out hook fails", () => {
    assert.equal(judge(result([], true), table, () => []).ok, false);
  });
  await t.step("a throwing matcher fails", () => {
    const v = judge(result(["argv"]), table, () => {
      throw new Error("boom");
    });
    assert.equal(v.ok, false);
    assert.match(v.problem ?? "", /boom/);
  });
});

Deno.test("fixtureCase() hands a searched config to both hooks by NVIDIA_CTK_CONFIG_FILE_PATH", () => {
  const all = fixtureCases();
  const searched = all.find((f) => f.name === "config-via-driver-path");
  assert.ok(searched !== undefined && "skip" in searched, "the driver search case is not run");
  const poststop = all.filter((f) => "skip" in f && f.outOfScope);
  assert.ok(poststop.length >= 1, "a non-prestart case is out of scope");
  const xdg = fixtureCase("config-via-xdg");
  assert.ok("case" in xdg);
  assert.equal(xdg.case.configEnv, false);
  assert.equal(xdg.case.configAt, "xdg/nvidia-container-runtime/config.toml");
  const plain = all.find((f) => "case" in f && f.case.config !== undefined && f.case.configEnv);
  assert.ok(plain !== undefined && "case" in plain && plain.case.configAt === undefined);
});

Deno.test("generateCase() is reproducible from the seed and the index", () => {
  for (let i = 0; i < 50; i++) {
    assert.deepEqual(generateCase(7, i), generateCase(7, i));
  }
  const texts = new Set(Array.from({ length: 50 }, (_, i) => JSON.stringify(generateCase(7, i))));
  assert.ok(texts.size > 45, "cases differ from each other");
  // Mostly well-formed: most specs parse as JSON objects with an environment.
  let parsed = 0;
  for (let i = 0; i < 400; i++) {
    try {
      const spec = JSON.parse(generateCase(11, i).spec ?? "");
      if (Array.isArray(spec?.process?.env)) parsed++;
    } catch {
      // malformed on purpose
    }
  }
  assert.ok(parsed > 300, `${parsed} of 400 specs well-formed`);
});

// ---- The differential runs ----

Deno.test({
  name: "differential: fixture bundles agree with NVIDIA's hook or differ as the table says",
  ignore,
  async fn() {
    requireHook();
    const all = fixtureCases();
    const runnable = all.flatMap((f) => ("case" in f ? [f] : []));
    const untranslated = all.flatMap((f) => ("skip" in f && !f.outOfScope ? [f] : []));
    const outOfScope = all.filter((f) => "skip" in f && f.outOfScope).length;
    note(
      `differential: ${runnable.length} fixture bundles compared, ${untranslated.length} not ` +
        `translated, ${outOfScope} out of scope (not prestart)`,
    );
    const reasons = new Map<string, string[]>();
    for (const f of untranslated) {
      if ("skip" in f) reasons.set(f.skip, [...(reasons.get(f.skip) ?? []), f.name]);
    }
    for (const [why, names] of reasons) {
      note(`  not translated (${names.length}), ${why}: ${names.join(", ")}`);
    }
    const tally = newTally(DIVERGENCES);
    const failures: Failure[] = [];
    await pool(runnable, diffJobs(), async (f) => {
      const r = await runDiffCase(f.case);
      const v = judge(r, DIVERGENCES, matchDivergences);
      count(tally, r, v);
      if (!v.ok) failures.push({ label: f.name, text: describe(r, `fixture ${f.name}`, v) });
    });
    tallies.fixtures = tally;
    failures.sort((a, b) => (a.label < b.label ? -1 : 1));
    failWith("fixture bundles", failures, runnable.length, "tests/fixtures/bundles/<name>");
  },
});

Deno.test({
  name: "differential: generated cases agree with NVIDIA's hook or differ as the table says",
  ignore,
  async fn() {
    requireHook();
    const seed = diffSeed();
    const only = diffCase();
    const indices = only === undefined ? Array.from({ length: diffRuns() }, (_, i) => i) : [only];
    const tally = newTally(DIVERGENCES);
    const failures: { index: number; text: string }[] = [];
    const started = performance.now();
    await pool(indices, diffJobs(), async (index) => {
      const r: CaseResult = await runDiffCase(generateCase(seed, index));
      const v = judge(r, DIVERGENCES, matchDivergences);
      count(tally, r, v);
      const label = `case ${index} (reproduce: DIFF_SEED=${seed} DIFF_CASE=${index})`;
      if (only !== undefined) note(describe(r, label, v));
      if (!v.ok) failures.push({ index, text: describe(r, label, v) });
    });
    tallies.generated = tally;
    note(
      `differential: ${indices.length} generated cases (seed ${seed}) in ` +
        `${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
    failures.sort((a, b) => a.index - b.index);
    failWith(
      "generated cases",
      failures.map((f) => ({ label: String(f.index), text: f.text })),
      indices.length,
      `seed ${seed}; scripts/differential_report.ts groups them`,
    );
  },
});

Deno.test({
  name: "differential: summary of the divergence rows hit",
  ignore,
  fn() {
    note(summaryTable(DIVERGENCES, tallies.fixtures, tallies.generated));
    const file = Deno.env.get("DIFF_SUMMARY_FILE");
    if (file !== undefined && file !== "") {
      const json = (t: Tally | undefined) =>
        t === undefined ? null : {
          compared: t.compared,
          differed: t.differed,
          failed: t.failed,
          hits: Object.fromEntries(t.hits),
        };
      Deno.writeTextFileSync(
        file,
        JSON.stringify(
          {
            seed: diffSeed(),
            fixtures: json(tallies.fixtures),
            generated: json(tallies.generated),
          },
          null,
          2,
        ) + "\n",
      );
    }
  },
});
