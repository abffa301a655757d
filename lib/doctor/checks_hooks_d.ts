/**
 * `doctor`'s checks of the OCI hooks directories that podman and CRI-O read:
 * every JSON file is a valid hook (schema 1.0.0, what `print-oci-hook`
 * writes) whose program exists, and the NVIDIA hook is there once.
 *
 * @module
 */

import { parseJson } from "../_json.ts";
import { DEFAULT_BIN_DIRS } from "../cli_search_dirs.ts";
import { quote } from "../errors.ts";
import { type Check, fail, listed, ok, warn } from "./check.ts";
import type { HostReader } from "./host.ts";
import { lookPath } from "./_proc.ts";

/** The hooks directories, in the order they are read (a later file of the same name wins). */
export const HOOKS_DIRS = [
  "/usr/share/containers/oci/hooks.d",
  "/etc/containers/oci/hooks.d",
] as const;

/** Largest hook file read, in bytes. */
const MAX_HOOK_BYTES = 1024 * 1024;

/** Most hook files read per directory. */
const MAX_HOOK_FILES = 256;

/** The stages a 1.0.0 hook may name. */
const STAGES = [
  "prestart",
  "createRuntime",
  "createContainer",
  "startContainer",
  "poststart",
  "poststop",
];

/** The programs that are NVIDIA's prestart hook. */
const NVIDIA_HOOKS = ["nvidia-container-runtime-hook", "nvidia-container-toolkit"];

/** One hook file. */
export interface HookFile {
  /** Its host path. */
  file: string;
  /** Why it is not a valid hook, or `undefined`. */
  error: string | undefined;
  /** `hook.path`, when a string. */
  path: string | undefined;
  stages: readonly string[];
  /** A later directory has a file of the same name, which podman uses instead. */
  overridden: boolean;
}

/** What `doctor` found in the hooks directories. */
export interface HooksDFacts {
  /** A hooks directory, podman or CRI-O exists. */
  installed: boolean;
  /** Every `*.json` file, in directory then name order. */
  files: HookFile[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === "string");
}

/** Why a parsed document is not a 1.0.0 hook, or `undefined` (containers/common's rules). */
function hookError(doc: unknown, host: HostReader): string | undefined {
  if (!isObject(doc)) return "not a JSON object";
  if (doc["version"] !== "1.0.0") {
    return `unexpected hook version ${
      typeof doc["version"] === "string" ? quote(doc["version"]) : "(none)"
    } (expecting 1.0.0)`;
  }
  const hook = doc["hook"];
  if (!isObject(hook)) return "missing required property: hook";
  const path = hook["path"];
  if (typeof path !== "string" || path === "") return "missing required property: hook.path";
  for (const key of ["args", "env"]) {
    if (hook[key] !== undefined && !isStringArray(hook[key])) {
      return `hook.${key} must be an array of strings`;
    }
  }
  if (
    hook["timeout"] !== undefined &&
    (!Number.isInteger(hook["timeout"]) || (hook["timeout"] as number) <= 0)
  ) {
    return "hook.timeout must be a positive integer";
  }
  const when = doc["when"];
  if (!isObject(when)) return "missing required property: when";
  for (const key of ["always", "hasBindMounts"]) {
    if (when[key] !== undefined && typeof when[key] !== "boolean") {
      return `when.${key} must be a boolean`;
    }
  }
  if (when["commands"] !== undefined && !isStringArray(when["commands"])) {
    return "when.commands must be an array of strings";
  }
  const annotations = when["annotations"];
  if (
    annotations !== undefined &&
    (!isObject(annotations) || Object.values(annotations).some((v) => typeof v !== "string"))
  ) {
    return "when.annotations must be an object of strings";
  }
  const stages = doc["stages"];
  if (!isStringArray(stages) || stages.length === 0) return "missing required property: stages";
  const unknown = stages.find((s) => !STAGES.includes(s));
  if (unknown !== undefined) return `unknown stage ${quote(unknown)}`;
  if (!path.startsWith("/")) return `hook.path ${quote(path)} is not absolute`;
  if (!host.isExecutable(path)) return `hook.path ${path} is not an executable file`;
  return undefined;
}

function readHook(host: HostReader, file: string): HookFile {
  const base = { file, path: undefined, stages: [], overridden: false };
  const read = host.readText(file, MAX_HOOK_BYTES);
  if (!read.ok) return { ...base, error: `Cannot read ${file}: ${read.error}` };
  const parsed = parseJson(read.value);
  if (!parsed.ok) return { ...base, error: `Cannot parse ${file}: ${parsed.reason}` };
  const error = hookError(parsed.value, host);
  const doc = isObject(parsed.value) ? parsed.value : {};
  const hook = isObject(doc["hook"]) ? doc["hook"] : {};
  return {
    file,
    error: error === undefined ? undefined : `${file}: ${error}`,
    path: typeof hook["path"] === "string" ? hook["path"] : undefined,
    stages: isStringArray(doc["stages"]) ? doc["stages"] : [],
    overridden: false,
  };
}

/**
 * Reads every `*.json` file of the hooks directories (at most 256 each).
 *
 * @example
 * ```ts
 * loadHooksDFacts(host).files.map((f) => f.file); // ["/usr/share/containers/oci/hooks.d/oci-nvidia-hook.json"]
 * ```
 */
export function loadHooksDFacts(host: HostReader): HooksDFacts {
  const defaults = DEFAULT_BIN_DIRS.join(":");
  const lists = HOOKS_DIRS.map((dir) => ({
    dir,
    names: (host.readDir(dir) ?? []).filter((n) => n.endsWith(".json")).slice(0, MAX_HOOK_FILES),
  }));
  const installed = HOOKS_DIRS.some((d) => host.stat(d)?.kind === "dir") ||
    ["podman", "crio"].some((p) => lookPath(host, defaults, p) !== undefined);
  const files: HookFile[] = [];
  lists.forEach(({ dir, names }, i) => {
    for (const name of names) {
      const later = lists.slice(i + 1).some((l) => l.names.includes(name));
      files.push({ ...readHook(host, `${dir}/${name}`), overridden: later });
    }
  });
  return { installed, files };
}

/**
 * Whether a hook file runs NVIDIA's hook at prestart (and is not
 * overridden).
 *
 * @example
 * ```ts
 * isNvidiaHook({ file: "/x.json", error: undefined, path: "/usr/bin/nvidia-container-runtime-hook", stages: ["prestart"], overridden: false });
 * // true
 * ```
 */
export function isNvidiaHook(f: HookFile): boolean {
  const base = f.path?.slice(f.path.lastIndexOf("/") + 1) ?? "";
  return !f.overridden && NVIDIA_HOOKS.includes(base) && f.stages.includes("prestart");
}

const NOT_INSTALLED =
  "skipped: neither podman nor CRI-O is installed, and no hooks directory exists";

function filesCheck(f: HooksDFacts): Check {
  if (!f.installed) return ok("hooks-d.files", NOT_INSTALLED);
  if (f.files.length === 0) {
    return ok("hooks-d.files", `no hook files in ${HOOKS_DIRS.join(" or ")}`);
  }
  const bad = f.files.filter((h) => h.error !== undefined);
  if (bad.length > 0) {
    const more = bad.length > 1 ? ` (and ${bad.length - 1} more)` : "";
    return fail(
      "hooks-d.files",
      `${bad[0]?.error}${more}`,
      `fix or remove ${
        bad[0]?.file
      } (nvidia-container-runtime-hook print-oci-hook prints a valid one)`,
    );
  }
  const used = f.files.filter((h) => !h.overridden).map((h) => h.file);
  const shadowed = f.files.length - used.length;
  const count = f.files.length === 1 ? "1 hook file parses" : `${f.files.length} hook files parse`;
  const over = shadowed === 0
    ? ""
    : ` (${shadowed} overridden by a file of the same name in ${HOOKS_DIRS[1]})`;
  return ok("hooks-d.files", `${count}${over}: ${listed(used)}`);
}

function duplicatesCheck(f: HooksDFacts): Check {
  if (!f.installed) return ok("hooks-d.duplicates", NOT_INSTALLED);
  const nvidia = f.files.filter(isNvidiaHook);
  if (nvidia.length === 0) {
    return ok("hooks-d.duplicates", "no NVIDIA hook in the hooks directories");
  }
  if (nvidia.length === 1) return ok("hooks-d.duplicates", `one NVIDIA hook: ${nvidia[0]?.file}`);
  return warn(
    "hooks-d.duplicates",
    `${nvidia.length} NVIDIA hooks run at prestart: ${
      listed(nvidia.map((h) => h.file))
    }: the hook would run twice for each container`,
    `remove all but one of ${listed(nvidia.map((h) => h.file))}`,
  );
}

/**
 * The checks of the hooks directories, in report order: `hooks-d.files`,
 * `hooks-d.duplicates`.
 *
 * @example
 * ```ts
 * hooksDChecks(loadHooksDFacts(host)).length; // 2
 * ```
 */
export function hooksDChecks(facts: HooksDFacts): Check[] {
  return [filesCheck(facts), duplicatesCheck(facts)];
}
