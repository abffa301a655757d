/**
 * nvidia-container-runtime-hook: the I/O shell around `lib/`. It reads argv,
 * the environment, stdin and files, runs `nvidia-container-cli`, and maps
 * errors to exit codes. Nothing runs at module scope.
 *
 * @module
 */

import { buildArgv } from "./lib/build_argv.ts";
import { cliEnvironment } from "./lib/cli_environment.ts";
import { cliSearchDirs } from "./lib/cli_search_dirs.ts";
import {
  type CliVersion,
  compatSupport,
  formatVersion,
  parseCliVersion,
  parseVersionNumber,
} from "./lib/cli_version.ts";
import { cudaCompatOption } from "./lib/cuda_compat.ts";
import { deviceOption } from "./lib/devices.ts";
import { decideGpu } from "./lib/decide_gpu.ts";
import { HostError, InputError, PolicyError, printable, quote, UsageError } from "./lib/errors.ts";
import {
  type ConfigCandidate,
  configCandidates,
  defaultHookConfig,
  type HookConfig,
} from "./lib/hook_config.ts";
import { ldconfigOption } from "./lib/normalize_ldconfig.ts";
import { hostPath } from "./lib/host_path.ts";
import { parseArgs, usage } from "./lib/parse_args.ts";
import type { ExplainFacts } from "./lib/explain.ts";
import { resolvePath } from "./lib/clean_path.ts";
import { escapeControls } from "./lib/_escape.ts";
import { MAX_SPEC_BYTES, parseSpec } from "./lib/parse_spec.ts";
import { MAX_STATE_BYTES, parseState } from "./lib/parse_state.ts";

/** The name used in usage and as the prefix of every error line. */
export const PROGRAM = "nvidia-container-runtime-hook";

/**
 * Environment variable naming a directory put in front of the built-in
 * config paths (for tests; unset on hosts).
 */
export const CONFIG_PREFIX_ENV = "NVIDIA_CONTAINER_RUNTIME_HOOK_CONFIG_PREFIX";

/**
 * Where `prestart` remembers the version of the CLI it found, so that only
 * the first GPU container after a CLI upgrade pays for `--version`.
 */
const CLI_VERSION_CACHE = "/run/nvidia-container-runtime-hook/cli-version.json";

/** Longest a `nvidia-container-cli --version` may take, in ms. */
const VERSION_TIMEOUT_MS = 5000;

/** Largest config file read, in bytes. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

const encoder = new TextEncoder();

export function writeAll(file: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(file.writeSync(bytes));
}

export function say(text: string): void {
  writeAll(Deno.stderr, text);
}

/** Reads until EOF; `undefined` when more than `cap` bytes arrive. */
function readCapped(
  source: { readSync(p: Uint8Array): number | null },
  cap: number,
  sizeHint: number,
): Uint8Array | undefined {
  let buf = new Uint8Array(Math.min(Math.max(sizeHint + 1, 4096), cap + 1));
  let used = 0;
  for (;;) {
    if (used === buf.length) {
      if (used > cap) return undefined;
      const bigger = new Uint8Array(Math.min(buf.length * 2, cap + 1));
      bigger.set(buf);
      buf = bigger;
    }
    const n = source.readSync(buf.subarray(used));
    if (n === null) break;
    used += n;
  }
  return used > cap ? undefined : buf.subarray(0, used);
}

class NotRegularFile extends Error {
  override message = "not a regular file";
}

export function errorText(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "no such file or directory";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (e instanceof Deno.errors.IsADirectory) return "is a directory";
  return e instanceof Error ? e.message : String(e);
}

/**
 * `bytes` as UTF-8 with invalid sequences replaced (U+FFFD) and a leading
 * byte order mark kept. It goes through the decoder the state on stdin
 * goes through (`new TextDecoder()`, which drops a leading BOM: put back),
 * so that a start pays for one decoder's first use, not two.
 */
function replacingText(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes);
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? `\uFEFF${text}` : text;
}

/**
 * Reads a file as text; `undefined` when it does not exist and `missingOk`.
 * The size is checked twice: a file larger than `cap` by its `stat()` is
 * not read; one that grew past `cap` by the time it is read is refused
 * once read (Deno.readFileSync: one call, where an open file and a read
 * loop touch more of Deno for the same bytes; docs/performance.md).
 */
function readFile(path: string, cap: number, what: string, missingOk = false): string | undefined {
  let bytes: Uint8Array | undefined;
  try {
    // Refuse FIFOs and devices before open(): opening a FIFO blocks forever.
    const info = Deno.statSync(path);
    if (info.isDirectory) throw new Deno.errors.IsADirectory();
    if (!info.isFile) throw new NotRegularFile();
    if (info.size <= cap) bytes = Deno.readFileSync(path);
  } catch (e) {
    if (missingOk && e instanceof Deno.errors.NotFound) return undefined;
    throw new HostError(`Cannot read ${what} ${path}: ${errorText(e)}`);
  }
  if (bytes === undefined || bytes.length > cap) {
    throw new InputError(`Cannot read ${what} ${path}: larger than ${cap} bytes`);
  }
  // Exactly the file's text: no byte replaced, a byte order mark kept for the parser to judge.
  // The replacing decoder replaces only invalid bytes, with U+FFFD, so a text without U+FFFD
  // is exact, and only a text with one (invalid, or a U+FFFD in the file) is decoded again
  // strictly.
  const text = replacingText(bytes);
  if (!text.includes("\uFFFD")) return text;
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new InputError(`Cannot read ${what} ${path}: not valid UTF-8`);
  }
}

/** The config files to try, in order, for `-config flagPath` and the environment. */
export function configSearch(flagPath: string): ConfigCandidate[] {
  return configCandidates(flagPath, {
    ctkConfigFilePath: Deno.env.get("NVIDIA_CTK_CONFIG_FILE_PATH"),
    xdgConfigHome: Deno.env.get("XDG_CONFIG_HOME"),
    prefix: Deno.env.get(CONFIG_PREFIX_ENV),
  });
}

/**
 * The first config file of `candidates` that exists, with its text. `tried`
 * sees each candidate before it is read, so that an error can be reported
 * with the file and where it came from.
 */
export function findConfig(
  candidates: readonly ConfigCandidate[],
  tried: (c: ConfigCandidate) => void = () => {},
): (ConfigCandidate & { text: string }) | undefined {
  for (const candidate of candidates) {
    tried(candidate);
    const text = readFile(candidate.path, MAX_CONFIG_BYTES, "config file", !candidate.required);
    if (text !== undefined) return { ...candidate, text };
  }
  return undefined;
}

async function loadConfig(
  flagPath: string,
  trace: (s: string) => void,
  facts: Facts,
): Promise<HookConfig> {
  const found = findConfig(configSearch(flagPath), (c) => {
    facts.configFile = c.path;
    facts.configOrigin = c.origin;
  });
  if (found === undefined) {
    trace("config: no config file found, using the defaults");
    facts.configFile = null;
    facts.configOrigin = "built-in defaults";
    return defaultHookConfig();
  }
  trace(`config: ${found.path} (${found.origin})`);
  if (facts.texts !== undefined) facts.texts.config = found.text;
  const { parseConfig } = await import("./lib/parse_config.ts");
  return parseConfig(found.text, found.path);
}

/** The hook's environment, with the host's own `PATH` (see `hostPath`). */
function hostEnvironment(): Record<string, string> {
  const env = Deno.env.toObject();
  const path = hostPath(env["PATH"]);
  if (path === undefined) delete env["PATH"];
  else env["PATH"] = path;
  return env;
}

/**
 * Whether `path` exists (`stat()` succeeds). With libc loaded, asked with
 * `faccessat(F_OK, AT_EACCESS)`, which answers the same without the error a
 * failing `Deno.statSync` throws (building it costs more than the check).
 */
function exists(path: string, libc: Libc | undefined): boolean {
  if (libc?.ok === true && !path.includes("\0")) {
    return intOf(libc.c.faccessat(AT_FDCWD, cString(path), F_OK, AT_EACCESS)) === 0;
  }
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

function isExecutableFile(path: string, libc: Libc | undefined): boolean {
  if (!exists(path, libc)) return false;
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** The CLI to run and, when it was searched for, the `PATH` it gets. */
function findCli(
  config: HookConfig,
  libc: Libc | undefined,
): { path: string; searchPath: string | undefined } {
  const configured = config.cli.path;
  if (configured !== undefined) {
    // Used as given, as NVIDIA's hook uses it: a relative path is relative to
    // the working directory (execve resolves it), never looked up in PATH.
    return { path: configured, searchPath: undefined };
  }
  const dirs = cliSearchDirs(hostPath(Deno.env.get("PATH")), config.cli.root);
  for (const dir of dirs) {
    const candidate = `${dir}/nvidia-container-cli`;
    if (isExecutableFile(candidate, libc)) return { path: candidate, searchPath: dirs.join(":") };
  }
  throw new HostError(`Cannot find nvidia-container-cli in ${dirs.join(":")}`);
}

/** The C library the hook execs through (glibc, by soname). */
const LIBC = "libc.so.6";

/** What `execve` failures say, by errno (Linux numbering). */
const EXEC_ERRORS: Readonly<Record<number, string>> = {
  2: "no such file or directory",
  7: "argument list too long",
  8: "exec format error",
  12: "cannot allocate memory",
  13: "permission denied",
  20: "not a directory",
  26: "text file busy",
  36: "file name too long",
  40: "too many levels of symbolic links",
};

const O_RDONLY_CLOEXEC = 0o2000000;
const AT_FDCWD = -100;
const AT_EACCESS = 0x200;
const F_OK = 0;
const CLOSE_RANGE_CLOEXEC = 4;
const SIGPIPE = 13;

/**
 * An `int` result declared as a struct of one `int`, a pointer result as a
 * struct of one pointer. The C ABIs Deno runs on (x86-64 System V, AArch64
 * AAPCS64) return such a struct in the same register as the bare value, so
 * each call is the same; but for a symbol that returns a struct, Deno's FFI
 * compiles no fast-call trampoline (with Cranelift), which is most of what
 * `Deno.dlopen` costs: see docs/performance.md.
 */
const INT = { struct: ["i32"] } as const;
const POINTER = { struct: ["pointer"] } as const;

const LIBC_SYMBOLS = {
  execve: { parameters: ["buffer", "buffer", "buffer"], result: INT },
  open: { parameters: ["buffer", "i32"], result: INT },
  dup2: { parameters: ["i32", "i32"], result: INT },
  close_range: { parameters: ["u32", "u32", "i32"], result: INT, optional: true },
  signal: { parameters: ["i32", "pointer"], result: POINTER },
  __errno_location: { parameters: [], result: POINTER },
  faccessat: { parameters: ["i32", "buffer", "i32", "i32"], result: INT },
} as const;

/** libc through FFI, or why it could not be loaded. */
type Libc =
  | { ok: true; c: Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"] }
  | { ok: false; error: string };

/** Loads libc (once per start, for a GPU container: its checks and the exec). */
function loadLibc(): Libc {
  try {
    return { ok: true, c: Deno.dlopen(LIBC, LIBC_SYMBOLS).symbols };
  } catch (e) {
    return { ok: false, error: errorText(e) };
  }
}

/** The `int` in a result declared {@link INT}. */
function intOf(result: Uint8Array): number {
  return new Int32Array(result.slice(0, 4).buffer)[0] as number;
}

/** The pointer in a result declared {@link POINTER}. */
function pointerOf(result: Uint8Array): Deno.PointerValue {
  return Deno.UnsafePointer.create(new BigUint64Array(result.slice(0, 8).buffer)[0] as bigint);
}

function cString(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(`${text}\0`);
}

/** A NULL-terminated `char *[]` of `strings`, which must stay referenced until the call. */
function pointerArray(strings: readonly Uint8Array<ArrayBuffer>[]): BigUint64Array<ArrayBuffer> {
  const array = new BigUint64Array(strings.length + 1);
  strings.forEach((
    s,
    i,
  ) => (array[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(s)))));
  return array;
}

/**
 * Becomes the CLI: `execve(argv[0], argv, env)` in this process, as
 * NVIDIA's hook does, so that the runtime's hook timeout and signals reach
 * the CLI and no Deno process stays behind. Before that, stdin is pointed
 * at /dev/null (SPEC 6.3: an empty stdin), every descriptor above 2 is
 * marked close-on-exec, and SIGPIPE (which Deno ignores) gets its default
 * action back. Returns only when `execve` fails, with a `HostError`.
 */
function execCli(argv: readonly string[], env: Record<string, string>, libc: Libc): HostError {
  const path = argv[0] as string;
  const fail = (reason: string) =>
    // The path comes from the operator's config or the search: shown whole.
    new HostError(`Cannot run nvidia-container-cli ${JSON.stringify(path)}: ${reason}`);
  if (!libc.ok) return fail(`cannot load ${LIBC}: ${libc.error}`);
  const c = libc.c;
  const args = argv.map(cString);
  const envs = Object.entries(env).map(([k, v]) => cString(`${k}=${v}`));
  const argvp = pointerArray(args);
  const envp = pointerArray(envs);
  const devNull = intOf(c.open(cString("/dev/null"), O_RDONLY_CLOEXEC));
  if (devNull < 0 || intOf(c.dup2(devNull, 0)) < 0) {
    return fail("cannot open /dev/null as its stdin");
  }
  c.close_range?.(3, 0xffffffff, CLOSE_RANGE_CLOEXEC);
  c.signal(SIGPIPE, null);
  c.execve(args[0] as Uint8Array<ArrayBuffer>, argvp, envp);
  const where = pointerOf(c.__errno_location());
  const errno = where === null ? 0 : new Deno.UnsafePointerView(where).getInt32();
  return fail(EXEC_ERRORS[errno] ?? `errno ${errno}`);
}

/** The CLI's version and where it was learnt. */
interface KnownVersion {
  version: CliVersion | undefined;
  source: "config" | "cache" | "--version";
}

/** The identity of the CLI file a cached version belongs to. */
function cliIdentity(path: string): string | undefined {
  try {
    const i = Deno.statSync(path);
    const times = [i.mtime, i.ctime].map((t) => t?.getTime() ?? 0);
    return [path, i.dev, i.ino, i.size, ...times].join("\0");
  } catch {
    return undefined;
  }
}

/** The cached version for `identity`; `undefined` when not cached. */
function cachedVersion(cache: string, identity: string): KnownVersion | undefined {
  try {
    const info = Deno.lstatSync(cache);
    if (!info.isFile || info.size > 4096) return undefined;
    // Read as the config and the spec are: no other Deno API's first use to pay.
    const bytes = Deno.readFileSync(cache);
    if (bytes.length > 4096) return undefined;
    const entry: unknown = JSON.parse(replacingText(bytes));
    if (typeof entry !== "object" || entry === null) return undefined;
    const { id, version } = entry as Record<string, unknown>;
    if (id !== identity) return undefined;
    if (version === null) return { version: undefined, source: "cache" };
    const parsed = typeof version === "string" ? parseVersionNumber(version) : undefined;
    return parsed === undefined ? undefined : { version: parsed, source: "cache" };
  } catch {
    return undefined;
  }
}

/** Writes the cache atomically (temp file, rename); failures are only traced. */
function cacheVersion(
  cache: string,
  identity: string,
  version: CliVersion | undefined,
  trace: (s: string) => void,
): void {
  const dir = cache.slice(0, cache.lastIndexOf("/"));
  const temp = `${dir}/.cli-version.${Deno.pid}.tmp`;
  try {
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const text = JSON.stringify({
      id: identity,
      version: version === undefined ? null : formatVersion(version),
    });
    Deno.writeTextFileSync(temp, text, { mode: 0o600, createNew: true });
    Deno.renameSync(temp, cache);
  } catch (e) {
    trace(`cli version: not cached in ${cache}: ${errorText(e)}`);
    try {
      Deno.removeSync(temp);
    } catch {
      // Nothing was written.
    }
  }
}

/** Runs `cli --version` with the CLI's environment, bounded in time. */
async function askVersion(path: string, env: Record<string, string>): Promise<string> {
  try {
    const out = await new Deno.Command(path, {
      args: ["--version"],
      env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
      signal: AbortSignal.timeout(VERSION_TIMEOUT_MS),
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout.subarray(0, 4096)) : "";
  } catch {
    return "";
  }
}

/**
 * The CLI's version: from `nvidia-container-runtime-hook.cli-version`, else
 * from the cache (keyed by the CLI file's path, inode, size and times), else
 * from `nvidia-container-cli --version`. A CLI that does not say counts as
 * the oldest generation.
 */
async function cliVersion(
  config: HookConfig,
  path: string,
  env: Record<string, string>,
  trace: (s: string) => void,
): Promise<KnownVersion> {
  if (config.cliVersion !== undefined) return { version: config.cliVersion, source: "config" };
  const prefix = Deno.env.get(CONFIG_PREFIX_ENV);
  const cache = prefix === undefined || prefix === "" ? CLI_VERSION_CACHE : undefined;
  const identity = cache === undefined ? undefined : cliIdentity(path);
  if (cache !== undefined && identity !== undefined) {
    const hit = cachedVersion(cache, identity);
    if (hit !== undefined) return hit;
  }
  const version = parseCliVersion(await askVersion(path, env));
  if (cache !== undefined && identity !== undefined) {
    cacheVersion(cache, identity, version, trace);
  }
  return { version, source: "--version" };
}

/** What the hook learnt on its way to the CLI (the facts `explain` reports). */
export type Facts = ExplainFacts & { cliEnv?: Record<string, string>; id?: string; libc?: Libc };

/** The raw inputs, kept when `explain` asks for them (the divergence table reads them). */
export type InputTexts = NonNullable<ExplainFacts["texts"]>;

/** Where the container comes from: a state on stdin, or (`explain`) a bundle directory. */
export type StateSource = { kind: "stdin" } | { kind: "bundle"; dir: string };

export function readState(
  source: StateSource,
  texts?: InputTexts,
): { pid: number | null; bundle: string; id?: string } {
  if (source.kind === "bundle") return { pid: null, bundle: resolvePath(Deno.cwd(), source.dir) };
  const stdin = readCapped(Deno.stdin, MAX_STATE_BYTES, 4096);
  if (stdin === undefined) {
    throw new InputError(
      `Cannot read container state on stdin: larger than ${MAX_STATE_BYTES} bytes`,
    );
  }
  const text = new TextDecoder().decode(stdin);
  if (texts !== undefined) texts.state = text;
  return parseState(text, Deno.cwd());
}

/**
 * The whole decision of `prestart`, up to (not including) running the CLI:
 * fills `facts` as it goes, so that `explain` can report how far it got.
 */
export async function decide(
  facts: Facts,
  options: { debug: boolean; configPath: string; state: StateSource },
  trace: (s: string) => void,
): Promise<void> {
  const config = facts.config = await loadConfig(options.configPath, trace, facts);
  const state = readState(options.state, facts.texts);
  Object.assign(facts, state);
  trace(`state: pid ${state.pid}, bundle ${state.bundle}`);
  const specFile = `${state.bundle === "/" ? "" : state.bundle}/config.json`;
  const specText = readFile(specFile, MAX_SPEC_BYTES, "OCI spec") as string;
  if (facts.texts !== undefined) facts.texts.spec = specText;
  const spec = facts.spec = parseSpec(specText, specFile, state.bundle);
  trace(`container: rootfs ${spec.rootfs}, privileged ${spec.privileged}`);
  const decision = facts.decision = decideGpu(spec, config);
  if (!decision.wantsGpu) {
    trace(`not a GPU container: ${decision.reason}`);
    return;
  }
  const from = decision.source.kind === "env"
    ? decision.source.names.join(",")
    : decision.source.kind;
  trace(`GPU container: devices from ${from}, legacy ${decision.legacy}`);
  for (const note of decision.notes) trace(note);
  const libc = facts.libc = loadLibc();
  const cli = findCli(config, libc);
  facts.cli = { path: cli.path, searched: cli.searchPath !== undefined, version: null };
  const cliEnv = cliEnvironment(hostEnvironment(), cli.searchPath, config.cli.environment);
  const known = await cliVersion(config, cli.path, cliEnv, trace);
  const version = known.version === undefined ? null : formatVersion(known.version);
  facts.cli.version = { value: version, source: known.source };
  trace(`cli version: ${version ?? "unknown"} (from ${known.source})`);
  const compatOption = cudaCompatOption(config, {
    path: cli.path,
    version: known.version,
    support: known.version === undefined ? "none" : compatSupport(known.version),
  });
  const ldconfig = ldconfigOption(config.cli.ldconfig, (p) => exists(p, libc));
  const argvConfig = { ...config, cli: { ...config.cli, ldconfig } };
  facts.argv = buildArgv(argvConfig, decision, {
    cliPath: cli.path,
    debugFlag: options.debug,
    pid: state.pid ?? "PID",
    rootfs: spec.rootfs,
    compatOption,
  });
  facts.cliEnv = cliEnv;
}

export function tracer(debug: boolean): (s: string) => void {
  return debug ? (s: string) => say(`${PROGRAM}: debug: ${s}\n`) : () => {};
}

/** `word` as a POSIX shell reads it back: bare when safe, else single-quoted. */
function shellWord(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * The line `prestart` prints before it becomes the CLI (runtimes show it
 * when a start fails). Container values are quoted and cut as in error
 * messages; the explain command is the one to paste (same `-config`).
 */
function runningLine(facts: Facts, configPath: string): string {
  const wants = facts.decision?.wantsGpu === true ? facts.decision : undefined;
  const devices = wants === undefined
    ? "none"
    : wants.devices.kind === "list"
    ? quote(wants.devices.ids.join(","))
    : wants.devices.kind;
  const requirements = wants === undefined || wants.requirements.length === 0
    ? "none"
    : wants.requirements.map((r) => quote(r.value)).join(" ");
  const config = configPath === "" ? "" : ` -config ${shellWord(configPath)}`;
  return escapeControls(
    `${PROGRAM}: running nvidia-container-cli for container` +
      ` ${facts.id === undefined ? "(no id)" : printable(facts.id)}` +
      ` (devices ${devices}, requirements ${requirements}); if it fails, run:` +
      ` ${PROGRAM}${config} explain --bundle ${shellWord(facts.bundle ?? "")}`,
  ) + "\n";
}

/**
 * `new Date(ms).toISOString()`, computed from the day number (the civil
 * calendar of the proleptic Gregorian dates toISOString uses): the first
 * Date formatting of a process initialises V8's date cache and ICU's time
 * zone, which costs a GPU start with a decision log 1 MiB of RSS and more
 * time than the rest of the line (docs/performance.md). Years outside 0 to
 * 9999, which toISOString writes with six digits and a sign, go to Date.
 */
function isoTime(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  const inDay = ms - days * 86_400_000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) -
      Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (!Number.isInteger(ms) || year < 0 || year > 9999) return new Date(ms).toISOString();
  const pad = (n: number, width: number) => String(n).padStart(width, "0");
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${
    pad(Math.floor(inDay / 3_600_000), 2)
  }:` +
    `${pad(Math.floor(inDay / 60_000) % 60, 2)}:${pad(Math.floor(inDay / 1000) % 60, 2)}.` +
    `${pad(inDay % 1000, 3)}Z`;
}

/** Appends the decision log line, when a log file is configured; failures only warn. */
async function logDecision(facts: Facts, error: unknown): Promise<void> {
  const file = facts.config?.logFile;
  if (file === undefined) return;
  const { logLine, LOG_SCHEMA } = await import("./lib/decision_log.ts");
  const decision = facts.decision;
  const wants = decision?.wantsGpu === true ? decision : undefined;
  const message = error === undefined ? undefined : knownMessage(error);
  const line = logLine({
    schema: LOG_SCHEMA,
    time: isoTime(Date.now()),
    container: facts.id ?? null,
    bundle: facts.bundle ?? null,
    pid: facts.pid ?? null,
    gpu: wants !== undefined,
    reason: decision === undefined
      ? null
      : decision.wantsGpu
      ? (decision.source.kind === "env" ? decision.source.names.join(",") : decision.source.kind)
      : decision.reason,
    // The --device= value, or "none" for a request that passes none.
    devices: wants === undefined ? null : deviceOption(wants.devices) ?? "none",
    capabilities: wants?.capabilities ?? null,
    requirements: wants?.requirements.map((r) => r.value) ?? null,
    argv: error === undefined ? facts.argv ?? null : null,
    outcome: error !== undefined
      ? (error instanceof PolicyError ? "refused" : "error")
      : wants === undefined
      ? "no-gpu"
      : "cli",
    error: error === undefined ? null : message ?? escapeControls(errorText(error)),
    hook_ms: Math.round(performance.now() * 10) / 10,
  });
  try {
    const before = lstatOrUndefined(file);
    if (before !== undefined && !before.isFile) {
      throw new Error(before.isSymlink ? "is a symbolic link" : "not a regular file");
    }
    using log = Deno.openSync(file, { append: true, create: true, mode: 0o640 });
    const info = log.statSync();
    if (!info.isFile || (before !== undefined && info.ino !== before.ino)) {
      throw new Error("not a regular file");
    }
    const bytes = encoder.encode(line);
    // One write of at most 4 KiB to an O_APPEND file: lines never interleave.
    if (log.writeSync(bytes) !== bytes.length) throw new Error("short write");
  } catch (e) {
    say(`${PROGRAM}: warning: cannot write the decision log ${file}: ${errorText(e)}\n`);
  }
}

function lstatOrUndefined(path: string): Deno.FileInfo | undefined {
  try {
    return Deno.lstatSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

async function prestart(debug: boolean, configPath: string): Promise<number> {
  const trace = tracer(debug);
  const facts: Facts = { configFile: null, configOrigin: "" };
  try {
    await decide(facts, { debug, configPath, state: { kind: "stdin" } }, trace);
  } catch (e) {
    await logDecision(facts, e);
    throw withContainer(facts, e);
  }
  await logDecision(facts, undefined);
  if (facts.argv === undefined || facts.cliEnv === undefined || facts.libc === undefined) return 0;
  trace(`running ${JSON.stringify(facts.argv)}`);
  say(runningLine(facts, configPath));
  throw withContainer(facts, execCli(facts.argv, facts.cliEnv, facts.libc));
}

/** Whether `main` reports `e` as one line (the typed errors of lib/). */
function isReported(e: unknown): e is InputError | PolicyError | HostError {
  return e instanceof InputError || e instanceof PolicyError || e instanceof HostError;
}

/** Names the container (once known) in the message of an error `main` reports. */
function withContainer(facts: Facts, e: unknown): unknown {
  if (isReported(e) && facts.id !== undefined) {
    e.message = `container ${printable(facts.id)}: ${e.message}`;
  }
  return e;
}

/** The message of an error `main` reports as one line, or `undefined` for others. */
export function knownMessage(e: unknown): string | undefined {
  return isReported(e) ? escapeControls(e.message) : undefined;
}

/**
 * `doctor`'s read-only view of the host; every failure throws a Deno error
 * (exported for the tests, which run the checks on fake host trees).
 */
export function doctorView(): import("./lib/doctor/host.ts").HostView {
  return {
    lstat(path) {
      const i = Deno.lstatSync(path);
      return {
        mode: i.mode ?? 0,
        size: i.size,
        mtimeMs: i.mtime?.getTime() ?? 0,
        rdev: i.rdev ?? 0,
      };
    },
    readLink: (path) => Deno.readLinkSync(path),
    readFile(path, cap) {
      if (!Deno.statSync(path).isFile) throw new NotRegularFile();
      using file = Deno.openSync(path);
      return readCapped(file, cap, 0);
    },
    readDir: (path) => [...Deno.readDirSync(path)].map((e) => e.name),
    shell(args) {
      const out = new Deno.Command("/bin/sh", {
        args: [...args],
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "null",
      }).outputSync();
      return { code: out.code, stdout: out.stdout };
    },
    async run(path, args, { env, timeoutMs, maxBytes }) {
      let child: Deno.ChildProcess;
      try {
        const io = { stdin: "null", stdout: "piped", stderr: "null" } as const;
        child = new Deno.Command(path, { args: [...args], env, clearEnv: true, ...io }).spawn();
      } catch (e) {
        return { ok: false, error: errorText(e) };
      }
      const reader = child.stdout.getReader();
      let timedOut = false;
      let truncated = false;
      const stop = () => {
        try {
          child.kill("SIGKILL");
        } catch {
          // It has exited.
        }
        reader.cancel().catch(() => {});
      };
      const timer = setTimeout(() => (timedOut = true, stop()), timeoutMs);
      const out = new Uint8Array(maxBytes);
      let used = 0;
      try {
        for (let r = await reader.read(); !r.done; r = await reader.read()) {
          out.set(r.value.subarray(0, maxBytes - used), used);
          used = Math.min(maxBytes, used + r.value.length);
          if (used === maxBytes) (truncated = true, stop());
        }
      } catch {
        // Cancelled by stop().
      }
      const status = await child.status;
      clearTimeout(timer);
      const output = new TextDecoder().decode(out.subarray(0, used));
      return {
        ok: true,
        code: status.signal === null ? status.code : null,
        output,
        truncated,
        timedOut,
      };
    },
  };
}

/** A full git commit id, or `undefined`. */
function commitId(text: string): string | undefined {
  const id = text.trim();
  return /^[0-9a-f]{40}$/.test(id) ? id : undefined;
}

/** Reads a small text file next to main.ts; `undefined` when it cannot. */
function readBeside(relative: string): string | undefined {
  try {
    return Deno.readTextFileSync(new URL(relative, import.meta.url));
  } catch {
    return undefined;
  }
}

/** The commit of the git checkout main.ts runs from (source runs). */
function checkoutCommit(): string | undefined {
  const head = readBeside("./.git/HEAD")?.trim();
  if (head === undefined) return undefined;
  if (!head.startsWith("ref: ")) return commitId(head);
  const ref = head.slice(5);
  if (ref.split("/").some((s) => s === ".." || s === "")) return undefined;
  const loose = readBeside(`./.git/${ref}`);
  if (loose !== undefined) return commitId(loose);
  for (const line of (readBeside("./.git/packed-refs") ?? "").split("\n")) {
    const [id, name] = line.split(" ");
    if (name === ref && id !== undefined) return commitId(id);
  }
  return undefined;
}

/**
 * The commit the hook was built from: the git checkout main.ts runs from,
 * else `build_info.json`, which the compile task writes and embeds.
 */
function buildCommit(): string | undefined {
  const fromGit = checkoutCommit();
  if (fromGit !== undefined) return fromGit;
  const info = readBeside("./build_info.json");
  if (info === undefined) return undefined;
  try {
    const commit: unknown = JSON.parse(info)?.commit;
    return typeof commit === "string" ? commitId(commit) : undefined;
  } catch {
    return undefined;
  }
}

/** The `-version` output; the version comes from deno.json. */
export async function versionText(): Promise<string> {
  const { default: meta } = await import("./deno.json", { with: { type: "json" } });
  const commit = buildCommit();
  return `NVIDIA Container Runtime Hook version ${meta.version}\n` +
    (commit === undefined ? "" : `commit: ${commit}\n`);
}

/**
 * The operator commands' module: operator.ts when main.ts runs from source,
 * else the bundle of it that the bundle task writes beside the hook's
 * (`nvidia-container-runtime-hook-operator.js`). The specifier is computed
 * so that bundling main.ts leaves operator.ts and everything only it
 * imports out of the hook's bundle: `prestart` never loads them.
 */
async function loadOperator(): Promise<typeof import("./operator.ts")> {
  const file = import.meta.url.endsWith(".ts") ? "./operator.ts" : `./${PROGRAM}-operator.js`;
  return await import(new URL(file, import.meta.url).href);
}

/**
 * Runs the hook with `args` (without the program name) and returns the exit
 * status. Every error is reported here, as one line on stderr.
 */
export async function main(args: readonly string[]): Promise<number> {
  let debug = false;
  try {
    const invocation = parseArgs(args);
    if (invocation.kind === "help") {
      say(usage(PROGRAM));
      return 0;
    }
    if (invocation.kind === "version") {
      writeAll(Deno.stdout, await versionText());
      return 0;
    }
    debug = invocation.debug;
    if (invocation.kind === "operator") return await (await loadOperator()).operator(invocation);
    switch (invocation.command) {
      case "prestart":
        return await prestart(invocation.debug, invocation.configPath);
      case "poststart":
      case "poststop":
        return 0;
    }
  } catch (e) {
    return reportError(e, debug);
  }
}

/**
 * Reports an error `main` (or an operator command) ends with, as one line
 * on stderr, and returns the exit status. operator.ts reports its own with
 * this function: in the bundle, its module has its own copy of lib/'s
 * error classes, which `instanceof` here would not recognise.
 */
export function reportError(e: unknown, debug: boolean): number {
  if (e instanceof UsageError) {
    say(`${PROGRAM}: ${e.message}\n${usage(PROGRAM)}`);
    return 2;
  }
  const message = knownMessage(e) ?? escapeControls(`Internal error: ${errorText(e)}`);
  say(`${PROGRAM}: ${message}\n`);
  if (debug && e instanceof Error && e.stack !== undefined) say(`${e.stack}\n`);
  return 1;
}

if (import.meta.main) {
  // Not a top-level await: operator.ts imports this module, which must have
  // finished evaluating by then.
  main(Deno.args).then((code) => Deno.exit(code));
}
