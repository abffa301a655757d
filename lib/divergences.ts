/**
 * The accepted divergences from NVIDIA's current hook (SPEC 9): one row per
 * rule, with what NVIDIA's hook does, what this hook does and why, and the
 * condition under which a container meets the rule. The differential suite
 * (tests/differential_test.ts) excuses a difference only through a row whose
 * condition the case meets and whose `differs` names the difference;
 * `explain` reports the rows a bundle meets; docs/decisions.md shows the
 * table.
 *
 * The conditions read the raw inputs (texts), so that they also apply to
 * inputs this hook refuses.
 *
 * @module
 */

import { isTomlTable, keySpelling } from "./_config_lookup.ts";
import { isObject } from "./_fields.ts";
import { parseJson } from "./_json.ts";
import { parseToml } from "./parse_toml.ts";

/** How one hook run ended: an error, nothing to do, or the CLI ran. */
export type Outcome = "error" | "skip" | "cli";

/**
 * How the two hooks differ on one case: `${nvidia}->${ours}` when the
 * outcomes differ, `"argv"` or `"env"` when both ran the CLI with a
 * different argv or environment.
 */
export type DiffKind = `${Outcome}->${Outcome}` | "argv" | "env";

/** The raw inputs of one `prestart`. */
export interface DivergenceCase {
  /** The hook's flags before `prestart`. */
  args: readonly string[];
  /** The state text on stdin (`undefined`: none, as for `explain --bundle`). */
  state: string | undefined;
  /** The text of `config.json` (`undefined`: no file). */
  spec: string | undefined;
  /** The text of the config file (`undefined`: none). */
  config: string | undefined;
  /** Whether the hook runs in the bundle directory, as runtimes run it (default true). */
  cwdIsBundle?: boolean;
}

/** One accepted divergence. */
export interface Divergence {
  /** A short stable name. */
  id: DivergenceId;
  /** The SPEC section that states our rule. */
  spec: string;
  /** What NVIDIA's current hook does. */
  nvidia: string;
  /** What this hook does. */
  ours: string;
  /** Why ours is right. */
  why: string;
  /**
   * `excuse`: the differential suite accepts the differences in `differs`
   * for a case that meets the condition; `normalised`: the suite compares
   * with the difference taken out (requirement order), so it excuses
   * nothing; `same`: a decision recorded where this hook does what NVIDIA's
   * does. `explain` reports the rows that are not `same`.
   */
  kind: "excuse" | "normalised" | "same";
  /**
   * The differences the rule can cause that the suite accepts; empty unless
   * `kind` is `excuse`.
   */
  differs: readonly DiffKind[];
}

/** The ids of the rows, in table order. */
export const DIVERGENCE_IDS = [
  "malformed-state",
  "malformed-spec",
  "too-many-requirements",
  "cuda-version-whitespace",
  "toml-beyond-go-toml",
  "imex-list-cleaned",
  "imex-all-mount",
  "empty-requirement",
  "requirement-order",
  "device-mount-segments",
  "relative-root-path",
  "cli-root-slash",
  "empty-ldconfig",
  "alpha-merge",
  "environment-replaces",
  "cuda-compat-adapts",
  "cuda-compat-unknown",
  "duplicate-devices",
  "imex-channel-checked",
  "rootfs-host-root",
  "environment-entries-checked",
  "own-keys-checked",
  "supported-all-in-list",
] as const;

/** One of {@linkcode DIVERGENCE_IDS}. */
export type DivergenceId = typeof DIVERGENCE_IDS[number];

const ANY_TO_ERROR: readonly DiffKind[] = ["cli->error", "skip->error"];

/** The table, one row per rule (SPEC 9). */
export const DIVERGENCES: readonly Divergence[] = [
  {
    id: "malformed-state",
    kind: "excuse",
    spec: "4.1",
    nvidia: "decodes what it can (null, trailing data, no bundle, a pid of 0 or below) and goes on",
    ours: "refuses the state with one line naming the field",
    why: "a runtime never sends such a state; going on reads the wrong config.json or passes" +
      " a pid the CLI cannot use",
    differs: ANY_TO_ERROR,
  },
  {
    id: "malformed-spec",
    kind: "excuse",
    spec: "4.2",
    nvidia: "decodes config.json leniently (trailing data, keys in any case, no root or an" +
      " empty root.path, null mounts) and goes on",
    ours: "refuses it with one line naming the field (a case variant of a mount's source or" +
      " destination beside the key itself is ignored, as every unknown key is)",
    why: "OCI keys are case-sensitive and a bundle without a root has no rootfs to configure;" +
      " the CLI would be pointed at the wrong directory",
    differs: ["cli->error", "skip->error", "cli->skip", "skip->cli", "argv"],
  },
  {
    id: "too-many-requirements",
    kind: "excuse",
    spec: "6.2",
    nvidia: "runs the CLI, which refuses more than 32 --require options",
    ours: "refuses the container before running the CLI, naming the limit",
    why: "the same start fails either way; ours says why in one line",
    differs: ["cli->error"],
  },
  {
    id: "cuda-version-whitespace",
    kind: "excuse",
    spec: "5.7",
    nvidia: "refuses a CUDA_VERSION with surrounding whitespace",
    ours: "trims it, as the 2020 hook did",
    why: "images built for the 2020 hook keep starting",
    differs: ["error->cli"],
  },
  {
    id: "toml-beyond-go-toml",
    kind: "excuse",
    spec: "3.2",
    nvidia: "cannot decode some TOML 1.0 documents (arrays of arrays, mixed-type arrays)" +
      " and refuses every container",
    ours: "reads every TOML 1.0 document",
    why: "the file is valid TOML; the keys this hook reads keep their types",
    differs: ["error->cli", "error->skip"],
  },
  {
    id: "imex-list-cleaned",
    kind: "excuse",
    spec: "5.8",
    nvidia: "passes IMEX channel items untrimmed and repeated (--imex-channel= 1,1)",
    ours: "trims the items and drops repeats",
    why: "the CLI takes only decimal channel numbers; the untrimmed list fails the start",
    differs: ["argv"],
  },
  {
    id: "imex-all-mount",
    kind: "excuse",
    spec: "5.8",
    nvidia: "passes --imex-channel=all for an imex/all volume mount",
    ours: "asks for no channel, as for NVIDIA_IMEX_CHANNELS=all",
    why: "the CLI rejects --imex-channel=all; the variable's all already asks for none",
    differs: ["argv"],
  },
  {
    id: "empty-requirement",
    kind: "excuse",
    spec: "5.7",
    nvidia: "passes an empty --require= for an NVIDIA_REQUIRE_* variable with an empty value",
    ours: "skips empty requirement values",
    why: "an empty constraint means none; the CLI would fail on it",
    differs: ["argv"],
  },
  {
    id: "requirement-order",
    kind: "normalised",
    spec: "5.7",
    nvidia: "passes --require options in Go map order (random from run to run)",
    ours: "passes them in the order of process.env",
    why: "the same container gets the same argv every time (the suite compares them sorted)",
    differs: [],
  },
  {
    id: "device-mount-segments",
    kind: "excuse",
    spec: "5.3",
    nvidia: "matches volume-mount requests by string prefix" +
      " (/var/run/nvidia-container-devicesX/9 requests device X/9)",
    ours: "matches /var/run/nvidia-container-devices by path segment",
    why: "a mount outside the directory is not a device request",
    differs: ["cli->skip", "cli->error", "error->skip", "error->cli", "argv"],
  },
  {
    id: "relative-root-path",
    kind: "excuse",
    spec: "4.2",
    nvidia: "resolves a relative root.path against its working directory",
    ours: "resolves it against the bundle, as the OCI spec says",
    why: "runtimes run hooks in the bundle, so the two agree there; elsewhere only ours" +
      " finds the rootfs",
    differs: ["argv"],
  },
  {
    id: "cli-root-slash",
    kind: "excuse",
    spec: "3.2",
    nvidia: 'passes --root=/ for nvidia-container-cli.root = "/"',
    ours: "treats / as unset (no --root)",
    why: "the host root is the CLI's default; the option changes nothing but the argv",
    differs: ["argv"],
  },
  {
    id: "empty-ldconfig",
    kind: "excuse",
    spec: "6.2",
    nvidia: 'refuses a config file with nvidia-container-cli.ldconfig = "" (with' +
      " features.allow-ldconfig-from-container it passes no --ldconfig: the container's)",
    ours: "treats it as unset: the host's ldconfig by default",
    why: "the GPU Operator writes empty strings for unset keys; the default is the safe value",
    differs: ["error->cli", "error->skip", "argv"],
  },
  {
    id: "alpha-merge",
    kind: "excuse",
    spec: "5.2",
    nvidia: "ignores nvidia-container-cli.alpha-merge-visible-devices-envvars",
    ours: "honours it, as the 2020 hook did",
    why: "hosts configured for the 2020 hook keep their device requests",
    differs: [
      "argv",
      "skip->cli",
      "cli->skip",
      "skip->error",
      "cli->error",
      "error->skip",
      "error->cli",
    ],
  },
  {
    id: "environment-replaces",
    kind: "excuse",
    spec: "6.3",
    nvidia: "appends config environment entries to the CLI's environment, duplicates included",
    ours: "lets an entry replace the variable of the same name",
    why: "with a duplicate the CLI sees the hook's value, not the configured one",
    differs: ["env"],
  },
  {
    id: "cuda-compat-adapts",
    kind: "excuse",
    spec: "6.2",
    nvidia: "always passes --cuda-compat-mode, which CLIs before 1.17.7 reject",
    ours: "passes the option the CLI's version takes (--no-cntlibs for 1.17.4 to 1.17.6)",
    why: "hosts with an older CLI keep starting GPU containers, with the same protection",
    differs: ["argv"],
  },
  {
    id: "cuda-compat-unknown",
    kind: "excuse",
    spec: "6.2",
    nvidia: 'passes --cuda-compat-mode=disabled for an unknown value such as "foo"',
    ours: "refuses the config file, naming the key and the modes",
    why: "a typo in a security setting is shown, not silently turned into another mode",
    differs: ANY_TO_ERROR,
  },
  {
    id: "duplicate-devices",
    kind: "excuse",
    spec: "5.5",
    nvidia: "blanks the earlier copies of a repeated device (0,0 gives --device=,0)",
    ours: "drops repeats, keeping the first",
    why: "the CLI cannot take an empty device name",
    differs: ["argv", "cli->error"],
  },
  {
    id: "imex-channel-checked",
    kind: "excuse",
    spec: "5.8",
    nvidia: "passes any IMEX channel item to the CLI, which refuses what is not a decimal" +
      " number below 2^20",
    ours: "refuses the container before running the CLI, naming the item and the form",
    why: "the same start fails either way; ours says why in one line",
    differs: ["cli->error"],
  },
  {
    id: "rootfs-host-root",
    kind: "excuse",
    spec: "4.2",
    nvidia: "runs the CLI with the host's / as the container's rootfs",
    ours: "refuses a root.path that resolves to /",
    why: "the CLI would mount the driver into the host's own root",
    differs: ["cli->error", "skip->error"],
  },
  {
    id: "environment-entries-checked",
    kind: "excuse",
    spec: "3.2",
    nvidia: "passes nvidia-container-cli.environment entries without = (or with an empty" +
      " name) to the CLI's environment",
    ours: "refuses the config file, naming the entry's index",
    why: "such an entry is no variable; the mistake is shown, not passed on",
    differs: ANY_TO_ERROR,
  },
  {
    id: "own-keys-checked",
    kind: "excuse",
    spec: "3.2",
    nvidia: "ignores this hook's own keys (nvidia-container-runtime-hook.cli-version," +
      " nvidia-container-runtime-hook.log-file)",
    ours: "reads them and refuses a value of the wrong form",
    why: "a key this hook reads is checked like every other",
    differs: ANY_TO_ERROR,
  },
  {
    id: "supported-all-in-list",
    kind: "same",
    spec: "3.2",
    nvidia: 'refuses supported-driver-capabilities holding "all" inside a list (it panics)',
    ours: "refuses it too, with one line naming the key",
    why: "the same decision; recorded because the rule was ours to choose",
    differs: [],
  },
];

type Json = unknown;

type Parsed = ReturnType<typeof parseJson> | { ok: false; trailing: false };

function parseText(text: string | undefined): Parsed {
  return text === undefined ? { ok: false, trailing: false } : parseJson(text);
}

/** The environment of `process.env` (last value wins); empty when unreadable. */
function specEnv(spec: Json): Map<string, string> {
  const env = new Map<string, string>();
  if (!isObject(spec) || !isObject(spec.process)) return env;
  const list = spec.process.env;
  if (!Array.isArray(list)) return env;
  for (const entry of list) {
    if (typeof entry !== "string") continue;
    const eq = entry.indexOf("=");
    if (eq >= 0) env.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  return env;
}

/** The value at `path` of the config document, each key spelled as the hook reads it. */
function configValue(doc: Record<string, unknown> | undefined, path: readonly string[]): unknown {
  let here: unknown = doc;
  for (const key of path) {
    if (!isTomlTable(here)) return undefined;
    const name = keySpelling(here, key);
    if (name === undefined) return undefined;
    here = here[name];
  }
  return here;
}

function walk(value: unknown, visit: (v: unknown) => boolean): boolean {
  if (visit(value)) return true;
  if (Array.isArray(value)) return value.some((v) => walk(v, visit));
  if (isTomlTable(value)) return Object.values(value).some((v) => walk(v, visit));
  return false;
}

function tomlKind(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v instanceof Date) return "datetime";
  if (isTomlTable(v)) return "table";
  if (typeof v === "number") return Number.isInteger(v) ? "integer-or-float" : "float";
  return typeof v;
}

/** What the conditions read, computed once per case. */
interface View {
  c: DivergenceCase;
  state: Parsed;
  spec: Parsed;
  env: Map<string, string>;
  config: Record<string, unknown> | undefined;
}

function view(c: DivergenceCase): View {
  const spec = parseText(c.spec);
  let config: Record<string, unknown> | undefined;
  if (c.config !== undefined) {
    try {
      config = parseToml(c.config) as Record<string, unknown>;
    } catch {
      config = undefined;
    }
  }
  return {
    c,
    state: parseText(c.state),
    spec,
    env: spec.ok ? specEnv(spec.value) : new Map(),
    config,
  };
}

function cfg(v: View, ...path: string[]): unknown {
  return configValue(v.config, path);
}

const CONDITIONS: Record<DivergenceId, (v: View) => boolean> = {
  "malformed-state": (v) => {
    if (v.c.state === undefined) return false;
    // Trailing data, or anything that is not a JSON object.
    if (!v.state.ok || !isObject(v.state.value)) return true;
    const s = v.state.value;
    const bundle = s.bundle ?? null;
    const legacyBundle = s.bundlePath ?? null;
    const hasBundle = (typeof bundle === "string" && bundle !== "") ||
      (typeof legacyBundle === "string" && legacyBundle !== "");
    const pid = s.pid;
    const goodPid = typeof pid === "number" && Number.isInteger(pid) && pid >= 1 &&
      pid <= 2 ** 31 - 1;
    return !hasBundle || !goodPid;
  },
  "malformed-spec": (v) => {
    if (!v.spec.ok) return v.spec.trailing;
    if (!isObject(v.spec.value)) return false;
    const spec = v.spec.value;
    const root = spec.root;
    if (!isObject(root) || root.path === "" || root.path === undefined) return true;
    // A null mount: Go decodes it as an empty mount; ours wants an object.
    if (Array.isArray(spec.mounts) && spec.mounts.some((m) => m === null)) return true;
    const known = ["ociVersion", "process", "root", "mounts", "env", "capabilities", "path"];
    return walk(spec, (node) =>
      isObject(node) &&
      Object.keys(node).some((k) =>
        known.some((name) => name !== k && name.toLowerCase() === k.toLowerCase())
      ));
  },
  "too-many-requirements": (v) => {
    let n = 0;
    for (const [name, value] of v.env) {
      if (name.startsWith("NVIDIA_REQUIRE_") && value !== "") n++;
    }
    return n + 1 > 32;
  },
  "cuda-version-whitespace": (v) => {
    const value = v.env.get("CUDA_VERSION");
    return value !== undefined && value !== value.trim() && value.trim() !== "";
  },
  "toml-beyond-go-toml": (v) =>
    v.config !== undefined &&
    walk(v.config, (node) => {
      if (!Array.isArray(node) || node.length < 2) return false;
      const kinds = new Set(node.map(tomlKind));
      return kinds.size > 1 || kinds.has("array");
    }),
  "imex-list-cleaned": (v) => {
    const value = v.env.get("NVIDIA_IMEX_CHANNELS");
    if (value === undefined) return false;
    const raw = value.split(",");
    return raw.some((item) => item !== item.trim() || item === "") ||
      new Set(raw).size !== raw.length;
  },
  "imex-all-mount": (v) => mountDestinations(v).some((d) => d.endsWith("/imex/all")),
  "empty-requirement": (v) =>
    [...v.env].some(([name, value]) => name.startsWith("NVIDIA_REQUIRE_") && value === ""),
  "requirement-order": (v) =>
    [...v.env.keys()].filter((name) => name.startsWith("NVIDIA_REQUIRE_")).length > 1,
  "device-mount-segments": (v) =>
    mountDestinations(v).some((d) => /^\/+var\/+run\/+nvidia-container-devices[^/]/.test(d)),
  "relative-root-path": (v) => {
    if (v.c.cwdIsBundle !== false || !v.spec.ok || !isObject(v.spec.value)) return false;
    const root = v.spec.value.root;
    return isObject(root) && typeof root.path === "string" && !root.path.startsWith("/");
  },
  "cli-root-slash": (v) => {
    const root = cfg(v, "nvidia-container-cli", "root");
    return typeof root === "string" && root !== "" && /^\/+(\.\/*)*$/.test(root);
  },
  "empty-ldconfig": (v) => cfg(v, "nvidia-container-cli", "ldconfig") === "",
  "alpha-merge": (v) =>
    cfg(v, "nvidia-container-cli", "alpha-merge-visible-devices-envvars") !== undefined,
  "environment-replaces": (v) => {
    const list = cfg(v, "nvidia-container-cli", "environment");
    return Array.isArray(list) && list.length > 0;
  },
  "cuda-compat-adapts": (v) => cfg(v, "nvidia-container-runtime-hook", "cli-version") !== undefined,
  "cuda-compat-unknown": (v) => {
    const mode = cfg(v, "nvidia-container-runtime", "modes", "legacy", "cuda-compat-mode");
    return typeof mode === "string" && mode !== "" &&
      !["ldconfig", "mount", "disabled", "hook"].includes(mode);
  },
  "duplicate-devices": (v) => {
    const swarm = cfg(v, "swarm-resource");
    const names = typeof swarm === "string"
      ? swarm.split(",").map((s) => s.trim()).filter((s) => v.env.has(s))
      : [];
    const values = names.length > 0
      ? names.map((n) => v.env.get(n) as string)
      : [v.env.get("NVIDIA_VISIBLE_DEVICES")];
    const items = values.join(",").split(",").map((s) => s.trim()).filter((s) => s !== "");
    return new Set(items).size !== items.length;
  },
  "imex-channel-checked": (v) => {
    const items = [
      ...(v.env.get("NVIDIA_IMEX_CHANNELS") ?? "").split(","),
      ...mountDestinations(v).filter((d) => d.includes("/imex/")).map((d) =>
        d.slice(d.indexOf("/imex/") + "/imex/".length)
      ),
    ].map((s) => s.trim()).filter((s) => s !== "");
    return items.some((s) => !/^[0-9]+$/.test(s) || Number(s) >= 2 ** 20) &&
      !items.every((s) => s === "all" || s === "none" || s === "void");
  },
  "rootfs-host-root": (v) => {
    if (!v.spec.ok || !isObject(v.spec.value) || !isObject(v.spec.value.root)) return false;
    const path = v.spec.value.root.path;
    return typeof path === "string" && path.startsWith("/") &&
      path.split("/").every((s) => s === "" || s === "." || s === "..");
  },
  "environment-entries-checked": (v) => {
    const list = cfg(v, "nvidia-container-cli", "environment");
    return Array.isArray(list) &&
      list.some((e) => typeof e !== "string" || e.indexOf("=") < 1);
  },
  "own-keys-checked": (v) =>
    cfg(v, "nvidia-container-runtime-hook", "cli-version") !== undefined ||
    cfg(v, "nvidia-container-runtime-hook", "log-file") !== undefined,
  "supported-all-in-list": (v) => {
    const value = cfg(v, "supported-driver-capabilities");
    return typeof value === "string" && value !== "all" &&
      value.split(",").some((s) => s.trim() === "all");
  },
};

function mountDestinations(v: View): string[] {
  if (!v.spec.ok || !isObject(v.spec.value) || !Array.isArray(v.spec.value.mounts)) return [];
  const out: string[] = [];
  for (const m of v.spec.value.mounts) {
    if (isObject(m) && typeof m.destination === "string") out.push(m.destination);
  }
  return out;
}

/**
 * The rows whose condition the case meets, in table order.
 *
 * @example
 * ```ts
 * matchDivergences({
 *   args: [],
 *   state: '{"pid": 1, "bundle": "/b"}',
 *   spec: '{"ociVersion": "1.0.2", "process": {"env": ["NVIDIA_VISIBLE_DEVICES=0,0"]}, "root": {"path": "r"}}',
 *   config: undefined,
 * }); // ["duplicate-devices"]
 * ```
 */
export function matchDivergences(c: DivergenceCase): DivergenceId[] {
  const v = view(c);
  return DIVERGENCE_IDS.filter((id) => CONDITIONS[id](v));
}

/**
 * The row named `id`.
 *
 * @example
 * ```ts
 * divergence("duplicate-devices").spec; // "5.5"
 * ```
 */
export function divergence(id: DivergenceId): Divergence {
  return DIVERGENCES.find((d) => d.id === id) as Divergence;
}
