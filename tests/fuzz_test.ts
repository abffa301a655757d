/**
 * Property tests of the input side of the hook (issue 6, "Hostile input"):
 * the state parser, the `config.json` loader, the env handling, the policy
 * with the argv builder, and the TOML loader get random and mutated inputs
 * (every JSON type in every field, huge strings and arrays, deep nesting,
 * invalid UTF-8, NUL bytes, `__proto__`/`constructor` keys, duplicate keys,
 * values crafted to look like options).
 *
 * Invariants: every call returns or throws InputError, PolicyError or
 * HostError; error messages are one line, without a trailing period, start
 * as documented, show at most 64 consecutive characters of any input value
 * and never a secret; no prototype is polluted; accepted inputs agree with a
 * small model built on `JSON.parse` and `node:path`; and the argv of a GPU
 * container holds only options the policy produced, each container value
 * inside one `--option=` element.
 *
 * Seeded and reproducible: a failure prints `FUZZ_SEED` and `FUZZ_CASE`;
 * `FUZZ_RUNS` changes the number of cases of every property.
 */

import assert from "node:assert/strict";
import { posix } from "node:path";
import {
  CAPABILITY_NAMES,
  forAll,
  fuzzRuns,
  type Gen,
  lineBreaker,
  SECRET,
  show,
  SWARM_NAMES,
} from "./_fuzz.ts";
import { buildArgv } from "../lib/build_argv.ts";
import { type CliVersion, compatSupport, parseVersionNumber } from "../lib/cli_version.ts";
import { cudaCompatOption } from "../lib/cuda_compat.ts";
import { decideGpu, MAX_REQUIREMENTS } from "../lib/decide_gpu.ts";
import { parseEnv } from "../lib/env_map.ts";
import { HostError, InputError, PolicyError } from "../lib/errors.ts";
import { defaultHookConfig, type HookConfig } from "../lib/hook_config.ts";
import { parseConfig } from "../lib/parse_config.ts";
import { MAX_PID, parseState } from "../lib/parse_state.ts";
import { parseSpec } from "../lib/parse_spec.ts";

const CWD = "/run/containerd/io.containerd.runtime.v2.task/k8s.io";
const SPEC_FILE = "/run/bundles/abc/config.json";
const BUNDLE = "/run/bundles/abc";
const CONFIG_FILE = "/etc/nvidia-container-runtime/config.toml";
const CLI = "/usr/bin/nvidia-container-cli";

const STATE_ERROR = "Cannot parse container state on stdin: ";
const SPEC_ERROR = `Cannot parse ${SPEC_FILE}: `;
const COMPAT_ERROR = "Cannot honour nvidia-container-runtime.modes.legacy.cuda-compat-mode ";
const CONFIG_ERRORS = [
  `Cannot parse config file ${CONFIG_FILE}: `,
  `Cannot load config file ${CONFIG_FILE}: `,
];

/** Longest error message accepted: fixed text, a file name, a quoted value of 64 escaped characters. */
const MAX_MESSAGE = 1024;

// ---------------------------------------------------------------------------
// Invariants

const OBJECT_PROTO = Object.getOwnPropertyNames(Object.prototype).sort();
const ARRAY_PROTO = Object.getOwnPropertyNames(Array.prototype).sort();

/** No parsed input reached a prototype. */
function assertNoPollution(): void {
  assert.equal(
    (({}) as Record<string, unknown>)["polluted"],
    undefined,
    "Object.prototype polluted",
  );
  assert.equal(([] as unknown as Record<string, unknown>)["polluted"], undefined);
  assert.deepEqual(Object.getOwnPropertyNames(Object.prototype).sort(), OBJECT_PROTO);
  assert.deepEqual(Object.getOwnPropertyNames(Array.prototype).sort(), ARRAY_PROTO);
  assert.equal(Object.getPrototypeOf({}), Object.prototype);
}

/**
 * Checks a thrown value: one of the hook's error classes, with a one-line
 * message that starts with one of `prefixes` (any, when empty), has no
 * trailing period, no secret, and no run of more than 64 characters of a
 * marker.
 */
function assertHookError(
  e: unknown,
  prefixes: readonly string[],
  markers: readonly string[],
): asserts e is Error {
  if (!(e instanceof InputError || e instanceof PolicyError || e instanceof HostError)) {
    const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    assert.fail(`threw something other than InputError, PolicyError or HostError: ${show(what)}`);
  }
  const m = e.message;
  assert.ok(
    prefixes.length === 0 || prefixes.some((p) => m.startsWith(p)),
    `undocumented message ${show(m)}`,
  );
  const odd = lineBreaker(m);
  assert.equal(odd, undefined, `message is not one clean line (${odd}): ${show(m)}`);
  assert.ok(!m.endsWith("."), `message ends with a period: ${show(m)}`);
  assert.ok(!m.includes(SECRET), `message shows a secret: ${show(m)}`);
  assert.ok(m.length <= MAX_MESSAGE, `message of ${m.length} characters: ${show(m)}`);
  for (let i = 0; i + 65 <= m.length; i++) {
    const window = m.slice(i, i + 65);
    for (const marker of markers) {
      if (marker.includes(window)) {
        assert.fail(`message shows more than 64 characters of an input value: ${show(m)}`);
      }
    }
  }
}

/** Runs `fn`; returns its value, or `undefined` after checking what it threw. */
function attempt<T>(
  fn: () => T,
  prefixes: readonly string[],
  markers: readonly string[],
): T | undefined {
  try {
    return fn();
  } catch (e) {
    assertHookError(e, prefixes, markers);
    return undefined;
  }
}

/** Whether `p` is an absolute path that cleans to `/`. */
function isHostRoot(p: unknown): boolean {
  return typeof p === "string" && p.startsWith("/") && posix.resolve(p) === "/";
}

/** Whether `p` is absolute and clean (Go's `path.Clean` would not change it). */
function isCleanAbsolute(p: string): boolean {
  if (p === "/") return true;
  return p.startsWith("/") &&
    p.slice(1).split("/").every((s) => s !== "" && s !== "." && s !== "..");
}

// ---------------------------------------------------------------------------
// Models: what an accepted input must give, from JSON.parse and node:path

type Json = Record<string, unknown>;

function parseObject(text: string): Json | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v as Json : undefined;
}

/** An own, non-null field. */
function get(obj: Json, key: string): unknown {
  return Object.hasOwn(obj, key) && obj[key] !== null ? obj[key] : undefined;
}

/** A JSON string or number token: a valid text read from left to right. */
const JSON_TOKEN = /"(?:[^"\\]|\\.)*"|-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/g;

/**
 * The top-level fields of a valid JSON object text with every number replaced
 * by the string `#` + its text as written (`4242.0` stays `"#4242.0"`).
 */
function numbersAsWritten(text: string): Json {
  const replaced = text.replace(
    JSON_TOKEN,
    (token) => token.startsWith('"') ? token : JSON.stringify(`#${token}`),
  );
  return JSON.parse(replaced) as Json;
}

/**
 * The state section 4.1 of the SPEC describes, or `undefined` for an error;
 * with the `id` when it is a non-empty string (it never makes an error).
 * The pid must be written as an integer literal wherever the key stands at
 * the top level (Go's decoder of NVIDIA's hook decodes each occurrence):
 * not 4242.0, 4.242e3 or true.
 */
function stateModel(text: string): { pid: number; bundle: string; id?: string } | undefined {
  const state = parseObject(text);
  if (state === undefined) return undefined;
  const pid = get(state, "pid");
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid < 1 || pid > MAX_PID) {
    return undefined;
  }
  // Every occurrence of the key counts (Go's decoder decodes each): each key
  // token "pid" is renamed "pid#N", and the top-level ones that hold a number
  // or a boolean must hold an integer literal.
  let n = 0;
  const renamed = text.replace(
    JSON_TOKEN,
    (token: string, offset: number) =>
      token.startsWith('"') && /^\s*:/.test(text.slice(offset + token.length)) &&
        JSON.parse(token) === "pid"
        ? JSON.stringify(`pid#${n++}`)
        : token,
  );
  const written = numbersAsWritten(renamed);
  for (const [key, value] of Object.entries(written as Record<string, unknown>)) {
    if (!key.startsWith("pid#") || value === null || typeof value === "object") continue;
    if (typeof value === "boolean") return undefined;
    if (typeof value === "string" && value.startsWith("#") && !/^#-?[0-9]+$/.test(value)) {
      return undefined;
    }
  }
  const bundle = get(state, "bundle");
  const bundlePath = get(state, "bundlePath");
  if (bundle !== undefined && typeof bundle !== "string") return undefined;
  if (bundlePath !== undefined && typeof bundlePath !== "string") return undefined;
  const chosen = bundle !== undefined && bundle !== "" ? bundle : bundlePath;
  if (chosen === undefined || chosen === "") return undefined;
  const id = get(state, "id");
  const out: { pid: number; bundle: string; id?: string } = {
    pid,
    bundle: posix.resolve(CWD, chosen),
  };
  if (typeof id === "string" && id !== "") out.id = id;
  return out;
}

type SpecModel =
  | { verdict: "error" }
  | {
    /** "accept", or "either" when only `process.capabilities` can still fail. */
    verdict: "accept" | "either";
    env: [string, string][];
    rootfs: string;
  };

/**
 * Whether `obj` has a key that differs only in case from one of the OCI
 * names `names` (whatever its value): OCI keys are case-sensitive, and
 * NVIDIA's decoder would read `Env` as `env`, so the hook refuses it.
 */
function hasCaseVariant(obj: Json, names: readonly string[]): boolean {
  return Object.keys(obj).some((key) =>
    names.some((name) => key !== name && key.toLowerCase() === name.toLowerCase())
  );
}

/** The `config.json` section 4.2 of the SPEC describes. */
function specModel(text: string, bundle: string): SpecModel {
  const error = { verdict: "error" } as const;
  const spec = parseObject(text);
  if (spec === undefined) return error;
  const isObj = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
  if (hasCaseVariant(spec, ["ociVersion", "process", "root", "mounts"])) return error;
  if (typeof get(spec, "ociVersion") !== "string") return error;
  const process = get(spec, "process");
  const root = get(spec, "root");
  if (!isObj(process) || !isObj(root)) return error;
  if (hasCaseVariant(process as Json, ["env", "capabilities"])) return error;
  if (hasCaseVariant(root as Json, ["path"])) return error;
  const capabilities = get(process as Json, "capabilities");
  if (isObj(capabilities) && hasCaseVariant(capabilities as Json, ["bounding"])) return error;
  const entries = get(process as Json, "env") ?? [];
  if (!Array.isArray(entries)) return error;
  const env = new Map<string, string>();
  for (const entry of entries) {
    if (typeof entry !== "string" || !entry.includes("=")) return error;
    const eq = entry.indexOf("=");
    env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  const path = get(root as Json, "path");
  if (typeof path !== "string" || path === "") return error;
  const rootfs = posix.resolve(bundle, path);
  if (rootfs === "/") return error;
  const mounts = get(spec, "mounts") ?? [];
  if (!Array.isArray(mounts)) return error;
  for (const m of mounts) {
    if (!isObj(m)) return error;
    if (hasCaseVariant(m as Json, ["source", "destination"])) return error;
    for (const key of ["source", "destination"]) {
      const v = get(m as Json, key);
      if (v !== undefined && typeof v !== "string") return error;
    }
  }
  const verdict = get(process as Json, "capabilities") === undefined ? "accept" : "either";
  return { verdict, env: [...env], rootfs };
}

// ---------------------------------------------------------------------------
// The argv invariant

const GLOBAL_FLAGS = new Set(["--load-kmods", "--no-pivot", "--no-create-imex-channels"]);
const GLOBAL_VALUED = new Set(["--root=", "--debug=", "--ldcache=", "--user="]);
const CONFIGURE_FLAGS = new Set(["--no-cgroups", ...CAPABILITY_NAMES.map((c) => `--${c}`)]);
const CONFIGURE_VALUED = new Set([
  "--ldconfig=",
  "--device=",
  "--mig-config=",
  "--mig-monitor=",
  "--imex-channel=",
  "--cuda-compat-mode=",
  "--require=",
  "--pid=",
]);
/** The compat-library options, one of which may follow `configure`. */
const COMPAT_FLAGS = new Set(["--no-cntlibs"]);

/** `--name=` of `--name=value`, or the element itself. */
function optionName(element: string): string {
  const eq = element.indexOf("=");
  return eq === -1 ? element : element.slice(0, eq + 1);
}

type Decision = ReturnType<typeof decideGpu>;
type Wants = Extract<Decision, { wantsGpu: true }>;

interface ArgvFacts {
  config: HookConfig;
  decision: Wants;
  /** The compat-library option given to buildArgv(). */
  compatOption: string | undefined;
  env: ReadonlyMap<string, string>;
  /** `destination` of every mount of the container. */
  destinations: readonly string[];
  pid: number;
  rootfs: string;
  debugFlag: boolean;
}

/**
 * The argv holds: the CLI, global options from the fixed set, `configure`,
 * configure options from the fixed set, `--pid=PID`, the rootfs. Every
 * option but `--require=` at most once; flags exactly as configured; each
 * container value inside one element, equal to what the policy decided.
 */
function assertArgv(argv: readonly string[], f: ArgvFacts): void {
  assert.equal(argv[0], CLI);
  assert.equal(argv[argv.length - 1], f.rootfs);
  assert.ok(isCleanAbsolute(f.rootfs) && f.rootfs !== "/", `rootfs ${show(f.rootfs)}`);
  const at = argv.indexOf("configure");
  assert.ok(at >= 1, "no configure");
  assert.equal(argv.indexOf("configure", at + 1), -1, "configure twice");
  const names: string[] = [];
  argv.slice(1, at).forEach((el) => {
    const name = optionName(el);
    assert.ok(GLOBAL_FLAGS.has(el) || GLOBAL_VALUED.has(name), `unknown global option ${show(el)}`);
    names.push(name);
  });
  argv.slice(at + 1, -1).forEach((el) => {
    const name = optionName(el);
    assert.ok(
      CONFIGURE_FLAGS.has(el) || COMPAT_FLAGS.has(el) || CONFIGURE_VALUED.has(name),
      `unknown configure option ${show(el)}`,
    );
    names.push(name);
  });
  for (const name of new Set(names)) {
    const n = names.filter((x) => x === name).length;
    assert.ok(name === "--require=" || n === 1, `${name} ${n} times`);
  }
  assert.equal(argv[argv.length - 2], `--pid=${f.pid}`);
  const all = (prefix: string) => argv.filter((el) => el.startsWith(prefix));
  const count = (el: string) => argv.filter((x) => x === el).length;
  const { cli, features } = f.config;
  assert.equal(count("--load-kmods"), cli.loadKmods ? 1 : 0);
  assert.equal(count("--no-pivot"), cli.noPivot ? 1 : 0);
  assert.equal(count("--no-cgroups"), cli.noCgroups ? 1 : 0);
  assert.equal(count("--no-create-imex-channels"), features.disableImexChannelCreation ? 1 : 0);
  const debug = f.debugFlag ? "/dev/stderr" : cli.debug;
  const configured: [string, string | undefined][] = [
    ["--root=", cli.root],
    ["--debug=", debug],
    ["--ldcache=", cli.ldcache],
    ["--user=", cli.user],
    ["--ldconfig=", cli.ldconfig],
  ];
  for (const [prefix, value] of configured) {
    assert.deepEqual(all(prefix), value === undefined ? [] : [prefix + value], prefix);
  }
  // The compat option, if any, right after configure; no other.
  const compat = argv.filter((el) => el.startsWith("--cuda-compat-mode=") || COMPAT_FLAGS.has(el));
  assert.deepEqual(compat, f.compatOption === undefined ? [] : [f.compatOption], "compat option");
  if (f.compatOption !== undefined) assert.equal(argv[at + 1], f.compatOption);
  // --ldconfig= comes right after configure and the compat option.
  if (cli.ldconfig !== undefined) {
    const ldAt = at + (f.compatOption === undefined ? 1 : 2);
    assert.equal(argv[ldAt], `--ldconfig=${cli.ldconfig}`, "--ldconfig= position");
  }
  // Container values: only inside the element of their option, as decided.
  const d = f.decision;
  const capabilityFlags = argv.filter((el) => CONFIGURE_FLAGS.has(el) && el !== "--no-cgroups");
  assert.deepEqual(capabilityFlags, d.capabilities.map((c) => `--${c}`));
  assert.deepEqual(capabilityFlags, [...capabilityFlags].sort(), "capabilities sorted by name");
  const required = d.requirements.map(valueOf);
  assert.ok(required.length <= MAX_REQUIREMENTS, `${required.length} requirements`);
  assert.deepEqual(all("--require=").map((el) => el.slice("--require=".length)), required);
  const requireValues = [...f.env].filter(([k]) => k.startsWith("NVIDIA_REQUIRE_")).map((e) =>
    e[1]
  );
  for (const r of required) {
    assert.ok(requireValues.includes(r) || /^cuda>=\d+\.\d+$/.test(r), `requirement ${show(r)}`);
  }
  // Device and IMEX names: items of container variables, or mount destinations.
  const items = new Set([...f.env.values()].flatMap((v) => v.split(",").map((s) => s.trim())));
  const fromContainer = (id: string) =>
    id !== "" &&
    (items.has(id) || f.destinations.some((dest) => posix.resolve("/", dest).endsWith(`/${id}`)));
  const listed = (
    request: { kind: string; ids?: readonly string[] },
    prefix: string,
    all_: "all" | "nothing",
  ) => {
    const want = request.kind === "all"
      ? all_ === "all" ? [`${prefix}all`] : []
      : request.kind === "list"
      ? [prefix + (request.ids ?? []).join(",")]
      : [];
    assert.deepEqual(all(prefix), want, prefix);
    for (const id of request.ids ?? []) {
      assert.ok(fromContainer(id), `${prefix} item ${show(id)} is not a container value`);
    }
  };
  listed(d.devices, "--device=", "all");
  // IMEX all asks for no channel; the channels are what the CLI takes.
  listed(d.imexChannels, "--imex-channel=", "nothing");
  if (d.imexChannels.kind === "list") {
    for (const id of d.imexChannels.ids) {
      assert.ok(/^[0-9]{1,16}$/.test(id) && Number(id) < 2 ** 20, `IMEX channel ${show(id)}`);
    }
  }
  const mig: [string, string | undefined, string][] = [
    ["--mig-config=", d.migConfig, "NVIDIA_MIG_CONFIG_DEVICES"],
    ["--mig-monitor=", d.migMonitor, "NVIDIA_MIG_MONITOR_DEVICES"],
  ];
  for (const [prefix, value, name] of mig) {
    assert.deepEqual(all(prefix), value === undefined ? [] : [prefix + value]);
    if (value !== undefined) assert.equal(value, f.env.get(name));
  }
}

/** The value of a requirement, whether lib gives strings or `{ value }` records. */
function valueOf(r: unknown): string {
  return typeof r === "string" ? r : String((r as { value: unknown }).value);
}

/** Checks the shape of a loaded config: types, and "empty = unset" strings never "". */
function assertConfigShape(config: HookConfig): void {
  assert.equal(typeof config.disableRequire, "boolean");
  const cli = config.cli;
  for (const key of ["root", "path", "debug", "ldcache", "user", "ldconfig"] as const) {
    const v = cli[key];
    assert.ok(v === undefined || (typeof v === "string" && v !== ""), `cli.${key} = ${show(v)}`);
  }
  for (
    const key of ["loadKmods", "noPivot", "noCgroups", "alphaMergeVisibleDevicesEnvvars"] as const
  ) {
    assert.equal(typeof cli[key], "boolean", `cli.${key}`);
  }
  assert.ok(Array.isArray(cli.environment));
  for (const entry of cli.environment) {
    assert.ok(typeof entry === "string" && entry.indexOf("=") >= 1, `environment ${show(entry)}`);
  }
  const mode = config.runtime.cudaCompatMode;
  assert.ok(
    [undefined, "", "ldconfig", "mount", "disabled", "hook"].includes(mode),
    `cuda-compat-mode ${show(mode)}`,
  );
  const log = config.logFile;
  if (log !== undefined) {
    assert.ok(isCleanAbsolute(log), `log-file ${show(log)}`);
    assert.ok(log.startsWith("/var/log/") || log.startsWith("/run/"), `log-file ${show(log)}`);
  }
  const v = config.cliVersion;
  if (v !== undefined) {
    for (const part of [v.major, v.minor, v.patch]) {
      assert.ok(Number.isSafeInteger(part) && part >= 0);
    }
  }
  // An ldconfig without @ loads only when allowed.
  if (cli.ldconfig !== undefined && !cli.ldconfig.startsWith("@")) {
    assert.equal(
      config.features.allowLdconfigFromContainer,
      true,
      `ldconfig ${show(cli.ldconfig)}`,
    );
  }
}

// ---------------------------------------------------------------------------
// Properties

/** Checks parseState() on one text against the model. */
function checkState(text: string, g: Gen): void {
  const got = attempt(() => parseState(text, CWD), [STATE_ERROR], g.markers);
  const want = stateModel(text);
  if (got === undefined) {
    assert.equal(want, undefined, `rejected a valid state, model gives ${show(want)}`);
  } else {
    assert.deepEqual(got, want);
    assert.ok(isCleanAbsolute(got.bundle), `bundle ${show(got.bundle)}`);
  }
  assertNoPollution();
}

Deno.test("parseState() never throws anything but InputError on random JSON", () => {
  forAll("state", fuzzRuns(5000), (g) => g.stateText(), checkState);
});

Deno.test("parseState() survives mutated bytes: invalid UTF-8, NUL, broken syntax", () => {
  forAll("state-bytes", fuzzRuns(4000), (g) => g.mutate(g.stateText()), checkState);
});

/** Checks parseSpec() on one text against the model. */
function checkSpec(text: string, g: Gen): void {
  const got = attempt(() => parseSpec(text, SPEC_FILE, BUNDLE), [SPEC_ERROR], g.markers);
  const want = specModel(text, BUNDLE);
  if (got === undefined) {
    assert.notEqual(want.verdict, "accept", "rejected a valid config.json");
  } else {
    assert.notEqual(want.verdict, "error", "accepted an invalid config.json");
    if (want.verdict !== "error") {
      assert.deepEqual([...got.env], want.env);
      assert.equal(got.rootfs, want.rootfs);
      if (want.verdict === "accept") assert.equal(got.privileged, false);
    }
    assert.ok(got.env instanceof Map);
    assert.equal(typeof got.privileged, "boolean");
    assert.equal(typeof got.ociVersion, "string");
  }
  assertNoPollution();
}

Deno.test("parseSpec() never throws anything but InputError on random JSON in every field", () => {
  forAll("spec", fuzzRuns(4000), (g) => g.specText(), checkSpec);
});

Deno.test("parseSpec() survives mutated bytes: invalid UTF-8, NUL, broken syntax", () => {
  forAll("spec-bytes", fuzzRuns(3000), (g) => g.mutate(g.specText()), checkSpec);
});

Deno.test("parseEnv() never throws anything but InputError, never shows a value", () => {
  forAll(
    "env",
    fuzzRuns(5000),
    (g) => {
      if (g.chance(0.2)) return g.anyJson();
      const items = g.envEntries().map((e) => JSON.stringify(e));
      if (g.chance(0.05)) items.splice(g.int(items.length + 1), 0, g.anyJson(1));
      return g.array(items);
    },
    (text, g) => {
      const value: unknown = JSON.parse(text);
      const entries = value === null ? undefined : value;
      const env = attempt(() => parseEnv(entries, SPEC_FILE), [SPEC_ERROR], g.markers);
      const valid = entries === undefined ||
        (Array.isArray(entries) && entries.every((e) => typeof e === "string" && e.includes("=")));
      assert.equal(
        env !== undefined,
        valid,
        valid ? "rejected a valid env" : "accepted an invalid env",
      );
      if (env !== undefined) {
        const model = new Map<string, string>();
        for (const e of (entries ?? []) as string[]) {
          model.set(e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1));
        }
        assert.deepEqual([...env], [...model]);
      }
      assertNoPollution();
    },
  );
});

/** A config.json that mostly parses, with a container that mostly wants GPUs. */
function gpuSpecText(g: Gen): string {
  const env = g.envEntries().filter((e) => e.includes("="));
  if (g.chance(0.85)) env.push(`NVIDIA_VISIBLE_DEVICES=${g.deviceList()}`);
  if (g.chance(0.3)) env.push(`${g.pick(SWARM_NAMES)}=${g.deviceList()}`);
  if (g.chance(0.1)) env.push(g.pick(["NO_EQUALS", "CUDA_VERSION=9.0"]));
  const privileged = g.chance(0.5);
  const rc = g.chance(0.2);
  const caps = privileged ? ["CAP_SYS_ADMIN"] : ["CAP_CHOWN"];
  return JSON.stringify({
    ociVersion: rc ? "1.0.0-rc2" : g.pick(["1.0.2", "1.1.0", "1.2.0"]),
    process: {
      env: g.shuffle(env),
      ...(g.chance(0.8) ? { capabilities: rc ? caps : { bounding: caps } } : {}),
    },
    root: { path: g.chance(0.7) ? g.pick(["rootfs", "./rootfs/", "/srv/root", "../x"]) : g.path() },
    ...(g.chance(0.3) ? { mounts: deviceMounts(g) } : {}),
    ...(g.chance(0.2) ? { annotations: JSON.parse(g.anyJson(2)) } : {}),
  });
}

/** `mounts` that request devices and IMEX channels, and some that do not. */
function deviceMounts(g: Gen): { source?: string | null; destination?: string | null }[] {
  const out: { source?: string | null; destination?: string | null }[] = [];
  for (let i = g.between(0, 4); i > 0; i--) {
    const root = g.pick([
      "/var/run/nvidia-container-devices/",
      "/run/nvidia-container-devices/",
      "/run/nvidia-container-devices/imex/",
      "/var/run//nvidia-container-devices/./",
      "/run/nvidia-container-devicesX/",
      "relative/",
    ]);
    const name = g.chance(0.6) ? g.deviceList() : g.hostile();
    out.push({
      source: g.pick(["/dev/null", "/dev/null", "/dev//null", "/dev/zero", null]),
      destination: g.chance(0.95) ? root + name : null,
    });
  }
  return out;
}

Deno.test("decideGpu() and buildArgv() keep every container value inside one option", () => {
  let gpu = 0;
  let runs = 0;
  forAll(
    "argv",
    fuzzRuns(4000),
    (g) => ({
      config: g.validConfig().text,
      state: g.chance(0.9)
        ? JSON.stringify({ pid: g.between(1, MAX_PID), bundle: g.path() })
        : g.stateText(),
      spec: gpuSpecText(g),
      debugFlag: g.chance(0.2),
      // What the CLI would say to --version, when the config does not say.
      cliVersion: g.pick<CliVersion | undefined>([
        undefined,
        { major: 1, minor: 17, patch: 0 },
        { major: 1, minor: 17, patch: 5 },
        { major: 1, minor: 17, patch: 7 },
        { major: 2, minor: 0, patch: 0 },
      ]),
    }),
    (input, g) => {
      runs++;
      const config = parseConfig(input.config, CONFIG_FILE);
      const state = attempt(() => parseState(input.state, CWD), [STATE_ERROR], g.markers);
      if (state === undefined) return;
      const spec = attempt(
        () => parseSpec(input.spec, SPEC_FILE, state.bundle),
        [SPEC_ERROR],
        g.markers,
      );
      if (spec === undefined) return;
      const decision = attempt(() => decideGpu(spec, config), [], g.markers);
      assertNoPollution();
      if (decision === undefined) return;
      if (!decision.wantsGpu) {
        assert.equal(typeof decision.reason, "string");
        return;
      }
      const version = config.cliVersion ?? input.cliVersion;
      let compatOption: string | undefined;
      try {
        compatOption = cudaCompatOption(config, {
          path: CLI,
          version,
          support: version === undefined ? "none" : compatSupport(version),
        });
      } catch (e) {
        assertHookError(e, [COMPAT_ERROR], g.markers);
        // Only a configured mode can be refused: the default always has an option.
        assert.notEqual(config.runtime.cudaCompatMode, undefined, "refused the default mode");
        return;
      }
      gpu++;
      const argv = attempt(
        () =>
          buildArgv(config, decision, {
            cliPath: CLI,
            debugFlag: input.debugFlag,
            pid: state.pid,
            rootfs: spec.rootfs,
            compatOption,
          }),
        ["Cannot pass "],
        g.markers,
      );
      if (argv === undefined) {
        // Refused only for a NUL byte, which no argv element can hold.
        const values = JSON.stringify([config, decision, spec.rootfs]);
        assert.ok(values.includes("\\u0000"), "buildArgv() refused an argv without NUL bytes");
        return;
      }
      assertArgv(argv, {
        config,
        decision,
        compatOption,
        env: spec.env,
        destinations: spec.mounts.flatMap((m) => m.destination ?? []),
        pid: state.pid,
        rootfs: spec.rootfs,
        debugFlag: input.debugFlag,
      });
    },
  );
  // The generator must reach the argv builder often enough to mean something.
  assert.ok(gpu >= runs / 5, `only ${gpu} of ${runs} cases reached buildArgv()`);
});

Deno.test("parseConfig() never throws anything but InputError on random TOML", () => {
  forAll("toml", fuzzRuns(4000), (g) => g.tomlText(), (text, g) => {
    const config = attempt(() => parseConfig(text, CONFIG_FILE), CONFIG_ERRORS, g.markers);
    if (config !== undefined) assertConfigShape(config);
    assertNoPollution();
  });
});

Deno.test("parseConfig() reads back every setting of a valid file with hostile strings", () => {
  forAll("toml-valid", fuzzRuns(3000), (g) => g.validConfig(), (input) => {
    const config = parseConfig(input.text, CONFIG_FILE);
    assertConfigShape(config);
    const d = defaultHookConfig();
    const set = (key: string) => input.settings.get(key);
    const unset = (key: string) => {
      const v = set(key);
      return v === "" ? undefined : v;
    };
    const c = config.cli;
    const want: [string, unknown, unknown][] = [
      ["disable-require", config.disableRequire, set("disable-require") ?? d.disableRequire],
      [
        "accept-nvidia-visible-devices-envvar-when-unprivileged",
        config.acceptEnvvarUnprivileged,
        set("accept-nvidia-visible-devices-envvar-when-unprivileged") ?? d.acceptEnvvarUnprivileged,
      ],
      [
        "accept-nvidia-visible-devices-as-volume-mounts",
        config.acceptDeviceListAsVolumeMounts,
        set("accept-nvidia-visible-devices-as-volume-mounts") ?? d.acceptDeviceListAsVolumeMounts,
      ],
      [
        "root",
        c.root,
        // A root that is the host root once cleaned ("/", "//", "/..") is unset.
        isHostRoot(unset("nvidia-container-cli.root"))
          ? undefined
          : unset("nvidia-container-cli.root"),
      ],
      ["path", c.path, unset("nvidia-container-cli.path")],
      ["debug", c.debug, unset("nvidia-container-cli.debug")],
      ["ldcache", c.ldcache, unset("nvidia-container-cli.ldcache")],
      ["user", c.user, unset("nvidia-container-cli.user")],
      ["ldconfig", c.ldconfig, unset("nvidia-container-cli.ldconfig")],
      ["load-kmods", c.loadKmods, set("nvidia-container-cli.load-kmods") ?? d.cli.loadKmods],
      ["no-pivot", c.noPivot, set("nvidia-container-cli.no-pivot") ?? d.cli.noPivot],
      ["no-cgroups", c.noCgroups, set("nvidia-container-cli.no-cgroups") ?? d.cli.noCgroups],
      [
        "alpha-merge-visible-devices-envvars",
        c.alphaMergeVisibleDevicesEnvvars,
        set("nvidia-container-cli.alpha-merge-visible-devices-envvars") ??
          d.cli.alphaMergeVisibleDevicesEnvvars,
      ],
      ["environment", c.environment, set("nvidia-container-cli.environment") ?? []],
      ["mode", config.runtime.mode, set("nvidia-container-runtime.mode") ?? d.runtime.mode],
      // "" is a mode of its own (disabled unless compat libraries are allowed).
      [
        "cuda-compat-mode",
        config.runtime.cudaCompatMode,
        set("nvidia-container-runtime.modes.legacy.cuda-compat-mode"),
      ],
      [
        "cli-version",
        config.cliVersion,
        ((v) => (typeof v === "string" && v !== "" ? parseVersionNumber(v) : undefined))(
          set("nvidia-container-runtime-hook.cli-version"),
        ),
      ],
      [
        "log-file",
        config.logFile,
        ((v) => (typeof v === "string" && v !== "" ? posix.resolve(v) : undefined))(
          set("nvidia-container-runtime-hook.log-file"),
        ),
      ],
      [
        "skip-mode-detection",
        config.skipModeDetection,
        set("nvidia-container-runtime-hook.skip-mode-detection") ?? d.skipModeDetection,
      ],
      [
        "ignore-imex-channel-requests",
        config.features.ignoreImexChannelRequests,
        set("features.ignore-imex-channel-requests") ?? d.features.ignoreImexChannelRequests,
      ],
      [
        "disable-imex-channel-creation",
        config.features.disableImexChannelCreation,
        set("features.disable-imex-channel-creation") ?? d.features.disableImexChannelCreation,
      ],
      [
        "allow-cuda-compat-libs-from-container",
        config.features.allowCudaCompatLibsFromContainer,
        set("features.allow-cuda-compat-libs-from-container") ??
          d.features.allowCudaCompatLibsFromContainer,
      ],
      [
        "allow-ldconfig-from-container",
        config.features.allowLdconfigFromContainer,
        set("features.allow-ldconfig-from-container") ?? d.features.allowLdconfigFromContainer,
      ],
    ];
    for (const [key, got, expected] of want) assert.deepEqual(got, expected, key);
    const supported = set("supported-driver-capabilities");
    if (typeof supported === "string") {
      const items = supported.split(",").map((s) => s.trim());
      assert.deepEqual(
        config.supportedDriverCapabilities,
        items.includes("all")
          ? CAPABILITY_NAMES
          : CAPABILITY_NAMES.filter((n) => items.includes(n)),
      );
    }
    assertNoPollution();
  });
});

// ---------------------------------------------------------------------------
// Extremes: huge and deep inputs, each bounded in time

const EXTREME_LIMIT_MS = 5000;
const deep = (n: number, open = "[", close = "]", inner = "") =>
  open.repeat(n) + inner + close.repeat(n);
const specWith = (fields: string) =>
  `{"ociVersion":"1.0.2","process":{"env":["NVIDIA_VISIBLE_DEVICES=0"]},"root":{"path":"rootfs"}${fields}}`;
const envSpec = (entries: string[]) =>
  JSON.stringify({ ociVersion: "1.0.2", process: { env: entries }, root: { path: "rootfs" } });

/** Runs the whole policy on a config.json text and returns the argv or "no GPU". */
function pipeline(specText: string, config = defaultHookConfig()): string[] | string {
  const spec = parseSpec(specText, SPEC_FILE, BUNDLE);
  const decision = decideGpu(spec, config);
  if (!decision.wantsGpu) return "no GPU";
  return buildArgv(config, decision, {
    cliPath: CLI,
    debugFlag: false,
    pid: 42,
    rootfs: spec.rootfs,
  });
}

type Outcome = "accepted" | "error";

/** `n` variables `NVIDIA_REQUIRE_i=--no-cgroups i`. */
const manyRequirements = (n: number) =>
  Array.from({ length: n }, (_, i) => `NVIDIA_REQUIRE_${i}=--no-cgroups ${i}`);

Deno.test("every parser handles huge and deeply nested inputs in bounded time", async (t) => {
  const MiB = 1024 * 1024;
  const longMarker = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_-+:".repeat(
    16384,
  );
  const table: [string, () => unknown, readonly string[], Outcome, ((r: unknown) => void)?][] = [
    ["state: 100000 nested arrays", () => parseState(deep(100000), CWD), [STATE_ERROR], "error"],
    [
      "state: 1000000 unclosed arrays",
      () => parseState("[".repeat(1000000), CWD),
      [STATE_ERROR],
      "error",
    ],
    [
      "state: pid nested 100000 objects deep",
      () => parseState(`{"pid":${deep(100000, '{"a":', "}", "1")},"bundle":"/b"}`, CWD),
      [STATE_ERROR],
      "error",
    ],
    [
      "state: bundle of 1 MiB",
      () => parseState(`{"pid":1,"bundle":"/${"b".repeat(MiB - 20)}"}`, CWD),
      [STATE_ERROR],
      "accepted",
    ],
    [
      "state: pid of 1 MiB of digits",
      () => parseState(`{"pid":${"9".repeat(MiB)},"bundle":"/b"}`, CWD),
      [STATE_ERROR],
      "error",
    ],
    [
      "state: 100000 repeated pid keys, the last wins",
      () => parseState(`{${'"pid":1,'.repeat(100000)}"pid":7,"bundle":"/b"}`, CWD),
      [STATE_ERROR],
      "accepted",
      (r) => assert.deepEqual(r, { pid: 7, bundle: "/b" }),
    ],
    [
      "state: 1 MiB of invalid UTF-8",
      () => parseState(new TextDecoder().decode(new Uint8Array(MiB).fill(0xff)), CWD),
      [STATE_ERROR],
      "error",
    ],
    [
      "state: 1 MiB of NUL bytes",
      () => parseState(new TextDecoder().decode(new Uint8Array(MiB)), CWD),
      [STATE_ERROR],
      "error",
    ],
    [
      "config.json: 100000 nested arrays in an ignored field",
      () => parseSpec(specWith(`,"annotations":${deep(100000)}`), SPEC_FILE, BUNDLE),
      [SPEC_ERROR],
      "accepted",
    ],
    [
      "config.json: 100000 nested objects in an ignored field",
      () => parseSpec(specWith(`,"x":${deep(100000, '{"a":', "}", "1")}`), SPEC_FILE, BUNDLE),
      [SPEC_ERROR],
      "accepted",
    ],
    [
      "config.json: process.env of 100000 nested arrays",
      () =>
        parseSpec(
          `{"ociVersion":"1.0.2","process":{"env":${deep(100000)}},"root":{"path":"r"}}`,
          SPEC_FILE,
          BUNDLE,
        ),
      [SPEC_ERROR],
      "error",
    ],
    [
      "config.json: process.capabilities of 100000 nested arrays",
      () =>
        parseSpec(
          `{"ociVersion":"1.0.0-rc2","process":{"capabilities":${
            deep(100000)
          }},"root":{"path":"r"}}`,
          SPEC_FILE,
          BUNDLE,
        ),
      [SPEC_ERROR],
      "error",
    ],
    [
      "config.json: root.path of 100000 nested objects",
      () =>
        parseSpec(
          `{"ociVersion":"1.0.2","process":{},"root":{"path":${deep(100000, '{"a":', "}", "1")}}}`,
          SPEC_FILE,
          BUNDLE,
        ),
      [SPEC_ERROR],
      "error",
    ],
    [
      "config.json: 1000000 unclosed arrays",
      () => parseSpec(`{"x":${"[".repeat(1000000)}`, SPEC_FILE, BUNDLE),
      [SPEC_ERROR],
      "error",
    ],
    [
      "config.json: 100000 nested arrays then garbage",
      () => parseSpec(`{"x":${deep(100000)}]`, SPEC_FILE, BUNDLE),
      [SPEC_ERROR],
      "error",
    ],
    [
      "config.json: 32 MiB of whitespace around it",
      () =>
        parseSpec(" ".repeat(16 * MiB) + specWith("") + "\n".repeat(16 * MiB), SPEC_FILE, BUNDLE),
      [SPEC_ERROR],
      "accepted",
    ],
    [
      "config.json: 100000 env entries",
      () => pipeline(envSpec(Array.from({ length: 100000 }, (_, i) => `V${i}=${i}`))),
      [],
      "accepted",
      (r) => assert.equal(r, "no GPU"),
    ],
    [
      "config.json: an env value of 8 MiB",
      () => pipeline(envSpec([`NVIDIA_VISIBLE_DEVICES=${"7".repeat(8 * MiB)}`])),
      [],
      "accepted",
      (r) => assert.equal((r as string[]).filter((e) => e.startsWith("--device=")).length, 1),
    ],
    [
      "config.json: root.path of 100000 ../ stays below the root",
      () =>
        parseSpec(
          specWith("").replace('"rootfs"', `"${"../".repeat(100000)}x"`),
          SPEC_FILE,
          BUNDLE,
        ),
      [SPEC_ERROR],
      "accepted",
      (r) => assert.equal((r as { rootfs: string }).rootfs, "/x"),
    ],
    [
      "config.json: 1000000 capability names",
      () =>
        parseSpec(
          `{"ociVersion":"1.0.2","process":{"capabilities":{"bounding":[${
            '"CAP_CHOWN",'.repeat(1000000)
          }"CAP_SYS_ADMIN"]}},"root":{"path":"r"}}`,
          SPEC_FILE,
          BUNDLE,
        ),
      [SPEC_ERROR],
      "accepted",
      (r) => assert.equal((r as { privileged: boolean }).privileged, true),
    ],
    [
      "env: a key of 1 MiB repeated 8 times",
      () =>
        parseEnv(Array.from({ length: 8 }, (_, i) => `${"K".repeat(MiB)}=${i}`), SPEC_FILE).size,
      [SPEC_ERROR],
      "accepted",
      (r) => assert.equal(r, 1),
    ],
    [
      "policy: NVIDIA_VISIBLE_DEVICES of 1000000 commas",
      () => pipeline(envSpec([`NVIDIA_VISIBLE_DEVICES=${",".repeat(1000000)}`])),
      [],
      "accepted",
      (r) => assert.equal(r, "no GPU"),
    ],
    [
      "policy: 100000 device ids in one --device element",
      () =>
        pipeline(
          envSpec([
            `NVIDIA_VISIBLE_DEVICES=${Array.from({ length: 100000 }, (_, i) => i).join(",")}`,
          ]),
        ),
      [],
      "accepted",
      (r) =>
        assert.deepEqual(r, [
          CLI,
          "--load-kmods",
          "configure",
          `--device=${Array.from({ length: 100000 }, (_, i) => i).join(",")}`,
          "--compute",
          "--utility",
          "--pid=42",
          `${BUNDLE}/rootfs`,
        ]),
    ],
    [
      // The CLI takes at most 32 --require: refused as a policy error, not passed on.
      "policy: 10000 NVIDIA_REQUIRE_* variables are refused",
      () => {
        try {
          return pipeline(envSpec(["NVIDIA_VISIBLE_DEVICES=0", ...manyRequirements(10000)]));
        } catch (e) {
          assert.ok(e instanceof PolicyError, String(e));
          throw e;
        }
      },
      [
        "Cannot pass 10000 requirements to nvidia-container-cli: it accepts at most 32" +
        " (NVIDIA_REQUIRE_* variables)",
      ],
      "error",
    ],
    [
      "policy: 10000 NVIDIA_REQUIRE_* variables with NVIDIA_DISABLE_REQUIRE, none passed",
      () =>
        pipeline(
          envSpec([
            "NVIDIA_VISIBLE_DEVICES=0",
            "NVIDIA_DISABLE_REQUIRE=true",
            ...manyRequirements(10000),
          ]),
        ),
      [],
      "accepted",
      (r) => assert.equal((r as string[]).filter((e) => e.startsWith("--require=")).length, 0),
    ],
    [
      "policy: 32 NVIDIA_REQUIRE_* variables of 32 KiB each, one --require each",
      () =>
        pipeline(
          envSpec([
            "NVIDIA_VISIBLE_DEVICES=0",
            ...Array.from(
              { length: 32 },
              (_, i) => `NVIDIA_REQUIRE_${i}=--no-cgroups ${i} ${"x".repeat(32 * 1024)}`,
            ),
          ]),
        ),
      [],
      "accepted",
      (r) => {
        const requires = (r as string[]).filter((e) => e.startsWith("--require=--no-cgroups "));
        assert.equal(requires.length, 32);
        assert.ok(!(r as string[]).includes("--no-cgroups"));
      },
    ],
    [
      "policy: an unknown capability of 1 MiB",
      () =>
        pipeline(envSpec(["NVIDIA_VISIBLE_DEVICES=0", `NVIDIA_DRIVER_CAPABILITIES=${longMarker}`])),
      [],
      "error",
    ],
    [
      "policy: CUDA_VERSION of 1 MiB",
      () => pipeline(envSpec(["NVIDIA_VISIBLE_DEVICES=0", `CUDA_VERSION=${longMarker}`])),
      [],
      "error",
    ],
    [
      "config file: 100000 nested arrays",
      () => parseConfig(`x = ${deep(100000)}\n`, CONFIG_FILE),
      CONFIG_ERRORS,
      "error",
    ],
    [
      "config file: 100000 nested inline tables",
      () => parseConfig(`x = ${deep(100000, "{a=", "}", "1")}\n`, CONFIG_FILE),
      CONFIG_ERRORS,
      "error",
    ],
    [
      "config file: a string of 4 MiB",
      () =>
        parseConfig(`[nvidia-container-cli]\nuser = "${"u".repeat(4 * MiB - 40)}"\n`, CONFIG_FILE)
          .cli.user?.length,
      CONFIG_ERRORS,
      "accepted",
    ],
    [
      "config file: 100000 unknown tables",
      () =>
        parseConfig(
          Array.from({ length: 100000 }, (_, i) => `[t${i}]\nk = ${i}`).join("\n"),
          CONFIG_FILE,
        ),
      CONFIG_ERRORS,
      "accepted",
    ],
    [
      "config file: 100000 environment entries",
      () =>
        parseConfig(
          `nvidia-container-cli.environment = [${
            Array.from({ length: 100000 }, (_, i) => `"V${i}=${i}"`).join(",")
          }]\n`,
          CONFIG_FILE,
        ).cli.environment.length,
      CONFIG_ERRORS,
      "accepted",
      (r) => assert.equal(r, 100000),
    ],
    [
      "config file: one line of 4 MiB",
      () => parseConfig("x".repeat(4 * MiB), CONFIG_FILE),
      CONFIG_ERRORS,
      "error",
    ],
    [
      "config file: 4 MiB of invalid UTF-8",
      () => parseConfig(new TextDecoder().decode(new Uint8Array(4 * MiB).fill(0xc3)), CONFIG_FILE),
      CONFIG_ERRORS,
      "error",
    ],
  ];
  for (const [name, fn, prefixes, outcome, check] of table) {
    await t.step(name, () => {
      const start = performance.now();
      let result: unknown;
      let got: Outcome = "accepted";
      try {
        result = fn();
      } catch (e) {
        assertHookError(e, prefixes, [longMarker]);
        got = "error";
      }
      const ms = performance.now() - start;
      assert.ok(ms < EXTREME_LIMIT_MS, `took ${Math.round(ms)} ms`);
      assert.equal(got, outcome);
      if (check !== undefined) check(result);
      assertNoPollution();
    });
  }
});

Deno.test("__proto__ and constructor keys are plain keys in every parser", async (t) => {
  const cfg = (text: string) => parseConfig(text, CONFIG_FILE);
  const table: [string, () => unknown, unknown][] = [
    [
      "state: pid and bundle under __proto__ are not read",
      () =>
        attempt(() => parseState('{"__proto__":{"pid":5,"bundle":"/b"}}', CWD), [STATE_ERROR], []),
      undefined,
    ],
    [
      "state: __proto__ and constructor beside the fields",
      () =>
        parseState(
          '{"pid":1,"bundle":"/b","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}',
          CWD,
        ),
      { pid: 1, bundle: "/b" },
    ],
    [
      "config.json: required fields under __proto__ are not read",
      () =>
        attempt(
          () =>
            parseSpec(
              '{"__proto__":{"ociVersion":"1.0.2","process":{},"root":{"path":"r"}}}',
              SPEC_FILE,
              BUNDLE,
            ),
          [SPEC_ERROR],
          [],
        ),
      undefined,
    ],
    [
      "config.json: process.env under process.__proto__ is not read",
      () => [
        ...parseSpec(
          '{"ociVersion":"1.0.2","process":{"__proto__":{"env":["NVIDIA_VISIBLE_DEVICES=all"]}},"root":{"path":"r"}}',
          SPEC_FILE,
          BUNDLE,
        ).env,
      ],
      [],
    ],
    [
      "config.json: bounding under capabilities.__proto__ is not read",
      () =>
        parseSpec(
          '{"ociVersion":"1.0.2","process":{"capabilities":{"__proto__":{"bounding":["CAP_SYS_ADMIN"]}}},"root":{"path":"r"}}',
          SPEC_FILE,
          BUNDLE,
        ).privileged,
      false,
    ],
    [
      "env: __proto__, constructor and hasOwnProperty are variables",
      () => [...parseEnv(["__proto__=a", "constructor=b", "hasOwnProperty=c"], SPEC_FILE)],
      [["__proto__", "a"], ["constructor", "b"], ["hasOwnProperty", "c"]],
    ],
    [
      'policy: swarm-resource = "constructor" is not found in an env without it',
      () => {
        const spec = parseSpec(envSpec(["NVIDIA_VISIBLE_DEVICES=0"]), SPEC_FILE, BUNDLE);
        const d = decideGpu(spec, cfg('swarm-resource = "constructor"\n'));
        return d.wantsGpu ? d.devices : d;
      },
      { kind: "list", ids: ["0"] },
    ],
    [
      'policy: swarm-resource = "__proto__" reads the variable __proto__',
      () => {
        const spec = parseSpec(
          envSpec(["NVIDIA_VISIBLE_DEVICES=0", "__proto__=1"]),
          SPEC_FILE,
          BUNDLE,
        );
        const d = decideGpu(spec, cfg('swarm-resource = "__proto__"\n'));
        return d.wantsGpu ? d.devices : d;
      },
      { kind: "list", ids: ["1"] },
    ],
    [
      "config file: [__proto__] table",
      () => cfg("[__proto__]\ndisable-require = true\n").disableRequire,
      false,
    ],
    [
      "config file: __proto__ inline table",
      () => cfg("__proto__ = { disable-require = true }\n").disableRequire,
      false,
    ],
    [
      "config file: [nvidia-container-cli.__proto__]",
      () => cfg("[nvidia-container-cli.__proto__]\nload-kmods = false\n").cli.loadKmods,
      true,
    ],
    [
      "config file: nvidia-container-cli.__proto__ inline",
      () => cfg("nvidia-container-cli = { __proto__ = { no-cgroups = true } }\n").cli.noCgroups,
      false,
    ],
    [
      "config file: [constructor.prototype]",
      () => cfg("[constructor.prototype]\npolluted = 1\n").disableRequire,
      false,
    ],
    [
      "config file: __proto__.polluted",
      () => cfg("__proto__.polluted = 1\n").disableRequire,
      false,
    ],
  ];
  for (const [name, fn, want] of table) {
    await t.step(name, () => {
      assert.deepEqual(fn(), want);
      assertNoPollution();
    });
  }
});
