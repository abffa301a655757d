/**
 * The TOML project's own conformance cases (toml-test, TOML 1.0.0, in
 * ../shared/toml-test) against the hook's TOML parser: every valid document
 * gives the expected values, every invalid one is refused with the typed
 * error and one line, in-process (parseToml, parseConfig, checkConfig) and
 * through `check-config FILE` as a process.
 *
 * The in-process cases run in a worker (this same module), so that a parser
 * that hangs fails the test after a timeout instead of stalling the suite.
 * Skipped when the folder is missing, except under CI=true.
 */

import assert from "node:assert/strict";
import { hookCommand, launcherEnv, repoDir } from "./_hook.ts";
import { parseToml, TomlDateTime, TomlSyntaxError } from "../lib/parse_toml.ts";
import { parseConfig } from "../lib/parse_config.ts";
import { checkConfig } from "../lib/check_config.ts";
import { InputError } from "../lib/errors.ts";

/** How long the worker may take for every case together. */
const WORKER_TIMEOUT_MS = 60_000;
/** How long one `check-config` process may take. */
const PROCESS_TIMEOUT_MS = 30_000;
/** `check-config` processes run at once (the machine has 2 cores). */
const PROCESS_CONCURRENCY = 2;

/** An exception as the worker reports it. */
interface Thrown {
  name: string;
  /** The project's typed error: TomlSyntaxError from parseToml, InputError after. */
  typed: boolean;
  message: string;
  line?: number;
  column?: number;
}

/** What the worker found for one case. */
interface Result {
  /** The path under the toml-test folder, e.g. `valid/array/empty.toml`. */
  file: string;
  /** Whether the file is valid UTF-8 (else nothing more is tried in-process). */
  utf8: boolean;
  /** parseToml(): the document in toml-test's tagged form, or what it threw. */
  toml?: { ok: true; value: unknown } | { ok: false; error: Thrown };
  /** parseConfig(): what it threw, if anything. */
  config?: Thrown | null;
  /** checkConfig(), the code path of check-config: its error, or what it threw. */
  check?: { error: string | null } | { thrown: Thrown };
}

type Tagged = { type: string; value: string };

// ---------------------------------------------------------------- the worker

interface WorkerScope {
  postMessage(message: unknown): void;
  onmessage: ((e: MessageEvent) => void) | null;
  close(): void;
}

function workerScope(): WorkerScope | undefined {
  const g = globalThis as unknown as { WorkerGlobalScope?: abstract new () => unknown };
  return g.WorkerGlobalScope !== undefined && globalThis instanceof g.WorkerGlobalScope
    ? globalThis as unknown as WorkerScope
    : undefined;
}

const TOML_TEST_TYPES = {
  "offset-date-time": "datetime",
  "local-date-time": "datetime-local",
  "local-date": "date-local",
  "local-time": "time-local",
} as const;

/**
 * One of our date-times as `YYYY-MM-DDTHH:MM:SS.mmm` plus `+HH:MM` or `-HH:MM` (offset
 * date-times), `YYYY-MM-DD` (dates) or `HH:MM:SS.mmm` (times): the wall
 * clock it denotes.
 */
function formatDateTime(ms: number, kind: keyof typeof TOML_TEST_TYPES, offset: number | null) {
  const wall = new Date(ms + (offset ?? 0) * 60_000).toISOString();
  switch (kind) {
    case "local-date":
      return wall.slice(0, 10);
    case "local-time":
      return wall.slice(11, 23);
    case "local-date-time":
      return wall.slice(0, 23);
    case "offset-date-time": {
      const o = offset ?? 0;
      const abs = Math.abs(o);
      const hhmm = `${String(Math.floor(abs / 60)).padStart(2, "0")}:${
        String(abs % 60).padStart(2, "0")
      }`;
      return `${wall.slice(0, 23)}${o < 0 ? "-" : "+"}${hhmm}`;
    }
  }
}

/**
 * Our value in toml-test's tagged form, with numbers as the JS values we
 * return: `number` (its text; `-0` kept) and `bigint` (an integer beyond
 * 2^53 - 1), since a number cannot tell 1.0 from 1.
 */
function toTagged(v: unknown): unknown {
  if (typeof v === "string") return { type: "string", value: v };
  if (typeof v === "boolean") return { type: "bool", value: String(v) };
  if (typeof v === "bigint") return { type: "bigint", value: String(v) };
  if (typeof v === "number") return { type: "number", value: Object.is(v, -0) ? "-0" : String(v) };
  if (v instanceof TomlDateTime) {
    return {
      type: TOML_TEST_TYPES[v.kind],
      value: formatDateTime(v.getTime(), v.kind, v.offsetMinutes),
    };
  }
  if (v instanceof Date) return { type: "plain Date (not a TomlDateTime)", value: String(v) };
  if (Array.isArray(v)) return v.map(toTagged);
  if (typeof v === "object" && v !== null) {
    if (Object.getPrototypeOf(v) !== null) return { type: "table with a prototype", value: "" };
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toTagged(x);
    return out;
  }
  return { type: `unexpected ${typeof v}`, value: String(v) };
}

function thrown(e: unknown, typed: (e: unknown) => boolean): Thrown {
  const out: Thrown = {
    name: e instanceof Error ? e.name : typeof e,
    typed: typed(e),
    message: e instanceof Error ? e.message : String(e),
  };
  if (e instanceof TomlSyntaxError) {
    out.line = e.line;
    out.column = e.column;
  }
  return out;
}

function runCase(root: string, file: string): Result {
  const bytes = Deno.readFileSync(`${root}/${file}`);
  let text: string;
  try {
    // As main.ts reads the config file: exactly its text, a byte order mark included.
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { file, utf8: false };
  }
  const path = `${root}/${file}`;
  const result: Result = { file, utf8: true };
  try {
    result.toml = { ok: true, value: toTagged(parseToml(text)) };
  } catch (e) {
    result.toml = { ok: false, error: thrown(e, (x) => x instanceof TomlSyntaxError) };
  }
  try {
    parseConfig(text, path);
    result.config = null;
  } catch (e) {
    result.config = thrown(e, (x) => x instanceof InputError);
  }
  try {
    result.check = { error: checkConfig(text, path, "argument").error };
  } catch (e) {
    result.check = { thrown: thrown(e, () => false) };
  }
  return result;
}

const scope = workerScope();
if (scope !== undefined) {
  scope.onmessage = (e: MessageEvent) => {
    const { root, files } = e.data as { root: string; files: string[] };
    for (const file of files) scope.postMessage({ kind: "result", result: runCase(root, file) });
    scope.postMessage({ kind: "done" });
    scope.close();
  };
}

// ----------------------------------------------------------- the main thread

function folder(): string | undefined {
  try {
    return Deno.realPathSync(`${repoDir()}/../shared/toml-test`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

const ROOT = scope === undefined ? folder() : undefined;
const REQUIRED = scope === undefined && Deno.env.get("CI") === "true";

/** The cases of TOML 1.0.0, from the folder's own list. */
function caseFiles(root: string): string[] {
  const files = Deno.readTextFileSync(`${root}/files-toml-1.0.0`).split("\n")
    .filter((f) => f.endsWith(".toml"));
  return files.sort();
}

/** Runs every case in a worker; rejects if it takes longer than the timeout. */
async function runCases(root: string, files: string[]): Promise<Map<string, Result>> {
  const worker = new Worker(import.meta.url, { type: "module" });
  const results = new Map<string, Result>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        const next = files.find((f) => !results.has(f));
        reject(new Error(`the worker did not finish in ${WORKER_TIMEOUT_MS} ms; stuck on ${next}`));
      }, WORKER_TIMEOUT_MS);
      worker.onmessage = (e: MessageEvent) => {
        const m = e.data as { kind: "result"; result: Result } | { kind: "done" };
        if (m.kind === "done") resolve();
        else results.set(m.result.file, m.result);
      };
      worker.onerror = (e: ErrorEvent) => {
        e.preventDefault();
        reject(new Error(`the worker failed: ${e.message}`));
      };
      worker.postMessage({ root, files });
    });
  } finally {
    clearTimeout(timer);
    worker.terminate();
  }
  return results;
}

/**
 * An expected toml-test value in the form {@linkcode toTagged} gives ours:
 * integers as `number` (or `bigint` beyond 2^53 - 1), floats as `number` by
 * value (`inf`, `nan`, `-0.0` included), date-times by the instant and
 * offset they denote (fractions truncated to milliseconds, as ours are).
 */
function expectedTagged(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(expectedTagged);
  const o = v as Record<string, unknown>;
  if (typeof o.type === "string" && typeof o.value === "string") {
    const { type, value } = o as Tagged;
    switch (type) {
      case "string":
      case "bool":
        return { type, value };
      case "integer": {
        const n = BigInt(value);
        const safe = n <= BigInt(Number.MAX_SAFE_INTEGER) && n >= BigInt(Number.MIN_SAFE_INTEGER);
        return { type: safe ? "number" : "bigint", value: String(n) };
      }
      case "float": {
        const special: Record<string, number> = {
          inf: Infinity,
          "+inf": Infinity,
          "-inf": -Infinity,
        };
        const f = value.endsWith("nan") ? NaN : special[value] ?? Number(value);
        assert.ok(!Number.isNaN(f) || value.endsWith("nan"), `bad expected float ${value}`);
        return { type: "number", value: Object.is(f, -0) ? "-0" : String(f) };
      }
      case "datetime":
      case "datetime-local":
      case "date-local":
      case "time-local": {
        const m =
          /^(\d{4}-\d{2}-\d{2})?[Tt ]?(\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)?\d*([Zz]|[+-]\d{2}:\d{2})?$/
            .exec(value);
        assert.ok(m !== null, `bad expected ${type} ${value}`);
        const [, date, time, zone] = m;
        const offset = zone === undefined || zone.toUpperCase() === "Z"
          ? 0
          : (zone[0] === "-" ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4)));
        const iso = `${date ?? "1970-01-01"}T${time ?? "00:00:00"}${zone ?? "Z"}`;
        const ms = Date.parse(iso);
        assert.ok(!Number.isNaN(ms), `bad expected ${type} ${value}`);
        const kind = ({
          "datetime": "offset-date-time",
          "datetime-local": "local-date-time",
          "date-local": "local-date",
          "time-local": "local-time",
        } as const)[type];
        return {
          type,
          value: formatDateTime(ms, kind, kind === "offset-date-time" ? offset : null),
        };
      }
    }
    assert.fail(`unknown toml-test type ${type}`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = expectedTagged(x);
  return out;
}

/** `valid/array/x.toml` -> `valid/array`; files at the top: `valid`. */
function group(file: string): string {
  return file.slice(0, file.lastIndexOf("/"));
}

function oneLine(s: string): boolean {
  return s !== "" && !/[\n\r]/.test(s);
}

/** Why an invalid case was not refused as it must be; `undefined` when it was. */
function invalidProblem(root: string, r: Result): string | undefined {
  // Not UTF-8: main.ts refuses it before any parser; the process test checks that.
  if (!r.utf8) return undefined;
  const path = `${root}/${r.file}`;
  if (r.toml === undefined || r.toml.ok) return "parseToml() accepted it";
  const e = r.toml.error;
  if (!e.typed) return `parseToml() threw ${e.name}: ${e.message}`;
  if (!oneLine(e.message)) {
    return `parseToml() message is not one line: ${JSON.stringify(e.message)}`;
  }
  if (!(e.line! >= 1 && e.column! >= 1)) {
    return `parseToml() gave no position: ${e.line}:${e.column}`;
  }
  const message =
    `Cannot parse config file ${path}: line ${e.line}, column ${e.column}: ${e.message}`;
  const c = r.config;
  if (c === null || c === undefined) return "parseConfig() accepted it";
  if (!c.typed || c.name !== "InputError") return `parseConfig() threw ${c.name}: ${c.message}`;
  if (c.message !== message) return `parseConfig() said ${JSON.stringify(c.message)}`;
  if (r.check === undefined || "thrown" in r.check) {
    return `checkConfig() threw ${JSON.stringify(r.check)}`;
  }
  if (r.check.error !== message) return `checkConfig() said ${JSON.stringify(r.check.error)}`;
  return undefined;
}

function validProblem(root: string, r: Result): string | undefined {
  if (!r.utf8) return "not valid UTF-8";
  if (r.toml === undefined) return "not parsed";
  if (!r.toml.ok) return `parseToml() refused it: ${r.toml.error.name}: ${r.toml.error.message}`;
  const expected = expectedTagged(
    JSON.parse(Deno.readTextFileSync(`${root}/${r.file.replace(/\.toml$/, ".json")}`)),
  );
  try {
    assert.deepStrictEqual(r.toml.value, expected);
  } catch (e) {
    return (e as Error).message.split("\n").slice(0, 40).join("\n");
  }
  // The check-config path takes any valid document (unknown keys only warn).
  if (r.check === undefined || "thrown" in r.check) {
    return `checkConfig() threw ${JSON.stringify(r.check)}`;
  }
  if (r.check.error !== null) return `checkConfig() refused it: ${r.check.error}`;
  return undefined;
}

if (scope === undefined) {
  Deno.test({
    name: "toml-test: valid documents give their values, invalid ones the typed error in one line",
    ignore: ROOT === undefined && !REQUIRED,
    async fn(t) {
      assert.ok(ROOT !== undefined, `${repoDir()}/../shared/toml-test is missing (CI=true)`);
      const files = caseFiles(ROOT);
      const results = await runCases(ROOT, files);
      for (const kind of ["valid", "invalid"] as const) {
        const mine = files.filter((f) => f.startsWith(`${kind}/`));
        assert.ok(mine.length > 100, `only ${mine.length} ${kind} cases`);
        const groups = [...new Set(mine.map(group))];
        for (const name of groups) {
          const cases = mine.filter((f) => group(f) === name);
          await t.step(`${name}: ${cases.length} cases`, () => {
            const problems: string[] = [];
            for (const file of cases) {
              const r = results.get(file);
              const problem = r === undefined
                ? "no result"
                : kind === "valid"
                ? validProblem(ROOT, r)
                : invalidProblem(ROOT, r);
              if (problem !== undefined) problems.push(`${file}: ${problem}`);
            }
            assert.deepEqual(problems, []);
          });
        }
      }
    },
  });

  Deno.test({
    name: "toml-test: check-config FILE refuses every invalid document with one line, exit 1",
    ignore: ROOT === undefined && !REQUIRED,
    async fn() {
      assert.ok(ROOT !== undefined, `${repoDir()}/../shared/toml-test is missing (CI=true)`);
      const files = caseFiles(ROOT).filter((f) => f.startsWith("invalid/"));
      const expected = new Map<string, string>();
      const results = await runCases(ROOT, files);
      for (const file of files) {
        const r = results.get(file)!;
        const path: string = `${ROOT}/${file}`;
        const error: string | null = !r.utf8
          ? `Cannot read config file ${path}: not valid UTF-8`
          : r.check !== undefined && "error" in r.check
          ? r.check.error
          : null;
        assert.ok(error !== null, `${file} was not refused in-process`);
        expected.set(file, `config file: ${path} (argument)\nerror: ${error}\n`);
      }
      const [cmd, ...pre] = hookCommand() as [string, ...string[]];
      const problems: string[] = [];
      const queue = [...files];
      const runOne = async (file: string) => {
        const out = await new Deno.Command(cmd, {
          args: [...pre, "check-config", `${ROOT}/${file}`],
          env: { ...launcherEnv(), PATH: "/usr/bin:/bin" },
          clearEnv: true,
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
          signal: AbortSignal.timeout(PROCESS_TIMEOUT_MS),
        }).output();
        const dec = new TextDecoder();
        const got = [out.code, dec.decode(out.stdout), dec.decode(out.stderr)];
        const want = [1, expected.get(file), ""];
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          problems.push(`${file}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
        }
      };
      await Promise.all(
        Array.from({ length: PROCESS_CONCURRENCY }, async () => {
          for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
            await runOne(file);
          }
        }),
      );
      assert.deepEqual(problems, []);
    },
  });
}
