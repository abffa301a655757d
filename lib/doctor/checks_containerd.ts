/**
 * `doctor`'s checks of containerd: /etc/containerd/config.toml and the
 * files it imports parse, an nvidia runtime's `BinaryName` exists, and a
 * runtime's `base_runtime_spec` that holds this hook (what
 * `print-base-spec` writes) runs an executable hook.
 *
 * @module
 */

import { DEFAULT_BIN_DIRS } from "../cli_search_dirs.ts";
import { joinPath } from "../clean_path.ts";
import { quote } from "../errors.ts";
import { parseToml, TomlSyntaxError, type TomlTable } from "../parse_toml.ts";
import { type Check, fail, listed, ok, warn } from "./check.ts";
import type { HostReader } from "./host.ts";
import { glob } from "./_glob.ts";
import { findProcesses, lookPath } from "./_proc.ts";

/** containerd's config file. */
export const CONTAINERD_CONFIG = "/etc/containerd/config.toml";

/** Largest config file read, in bytes. */
const MAX_TOML_BYTES = 1024 * 1024;

/** Most files loaded (the config and its imports). */
const MAX_FILES = 64;

/** Where the CRI plugin keeps its runtimes, by config version. */
const RUNTIME_TABLES = [
  ["plugins", "cri", "containerd", "runtimes"],
  ["plugins", "io.containerd.grpc.v1.cri", "containerd", "runtimes"],
  ["plugins", "io.containerd.cri.v1.runtime", "containerd", "runtimes"],
] as const;

/** Largest base spec read, in bytes. */
const MAX_SPEC_BYTES = 4 * 1024 * 1024;

/** The names this hook is installed under. */
const HOOK_NAMES = ["nvidia-container-runtime-hook", "nvidia-container-toolkit"];

/** What a runtime's `base_runtime_spec` holds. */
export type BaseSpec =
  | { error: string }
  | {
    /** The `path` of each prestart entry that runs this hook (by its installed names). */
    hooks: string[];
    /** Those of `hooks` that are executable files. */
    executable: string[];
  };

/** A runtime of the CRI plugin. */
export interface ContainerdRuntime {
  name: string;
  /** `options.BinaryName`, when a string. */
  binaryName: string | undefined;
  /** `base_runtime_spec`, when a string. */
  baseRuntimeSpec?: string | undefined;
  /** What that file holds (read by {@linkcode loadContainerdFacts}). */
  baseSpec?: BaseSpec | undefined;
  /** The executable it names, when found. */
  resolved: string | undefined;
  /** `options.SystemdCgroup`. */
  systemdCgroup: boolean;
  /** The file that set it last. */
  file: string;
}

/** What `doctor` found of containerd. */
export interface ContainerdFacts {
  /** /etc/containerd, a containerd binary or process exists. */
  installed: boolean;
  /** Whether config.toml exists. */
  present: boolean;
  /** The files loaded, config.toml first. */
  files: string[];
  /** The first file that does not load, and why. */
  error: string | undefined;
  /** Every runtime, by name (imports override what they import into). */
  runtimes: ContainerdRuntime[];
}

function isTable(v: unknown): v is TomlTable {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function dig(doc: TomlTable, keys: readonly string[]): TomlTable | undefined {
  let node: unknown = doc;
  for (const k of keys) {
    if (!isTable(node) || !Object.hasOwn(node, k)) return undefined;
    node = node[k];
  }
  return isTable(node) ? node : undefined;
}

function loadFile(host: HostReader, file: string): { doc: TomlTable } | { error: string } {
  const read = host.readText(file, MAX_TOML_BYTES);
  if (!read.ok) return { error: `Cannot read ${file}: ${read.error}` };
  try {
    return { doc: parseToml(read.value) };
  } catch (e) {
    if (!(e instanceof TomlSyntaxError)) throw e;
    return { error: `Cannot parse ${file}: line ${e.line}, column ${e.column}: ${e.message}` };
  }
}

/** containerd's `resolveImports`: relative to the importing file; globs only with `*`. */
function imports(host: HostReader, file: string, doc: TomlTable): string[] | { error: string } {
  const list = doc["imports"];
  if (list === undefined) return [];
  if (!Array.isArray(list) || list.some((p) => typeof p !== "string")) {
    return { error: `Cannot load ${file}: "imports" must be an array of strings` };
  }
  const dir = file.slice(0, file.lastIndexOf("/")) || "/";
  const out: string[] = [];
  for (const entry of list as string[]) {
    const path = joinPath(entry.startsWith("/") ? "" : dir, entry) || "/";
    if (path.includes("*")) out.push(...glob(host, path));
    else out.push(path);
  }
  return out;
}

function runtimesOf(doc: TomlTable, file: string, into: Map<string, ContainerdRuntime>): void {
  for (const keys of RUNTIME_TABLES) {
    const table = dig(doc, keys);
    if (table === undefined) continue;
    for (const name of Object.keys(table)) {
      const rt = table[name];
      if (!isTable(rt)) continue;
      const options = isTable(rt["options"]) ? rt["options"] : {};
      const before = into.get(name);
      const binary = options["BinaryName"];
      const systemd = options["SystemdCgroup"];
      const spec = rt["base_runtime_spec"];
      into.set(name, {
        name,
        binaryName: typeof binary === "string" ? binary : before?.binaryName,
        baseRuntimeSpec: typeof spec === "string" && spec !== "" ? spec : before?.baseRuntimeSpec,
        resolved: undefined,
        systemdCgroup: typeof systemd === "boolean" ? systemd : before?.systemdCgroup ?? false,
        file,
      });
    }
  }
}

/**
 * Loads config.toml and, recursively, the files it imports (each once, at
 * most 64), and collects the CRI runtimes of every config version.
 *
 * @example
 * ```ts
 * loadContainerdFacts(host).runtimes.map((r) => r.name); // ["nvidia", "runc"]
 * ```
 */
export function loadContainerdFacts(host: HostReader): ContainerdFacts {
  const processes = findProcesses(host, ["containerd"]);
  const installed = host.stat("/etc/containerd")?.kind === "dir" ||
    lookPath(host, DEFAULT_BIN_DIRS.join(":"), "containerd") !== undefined ||
    (processes.ok && processes.value.length > 0);
  const present = host.stat(CONTAINERD_CONFIG) !== undefined;
  const facts: ContainerdFacts = { installed, present, files: [], error: undefined, runtimes: [] };
  if (!present) return facts;
  const byName = new Map<string, ContainerdRuntime>();
  const pending = [CONTAINERD_CONFIG];
  const loaded = new Set<string>();
  while (pending.length > 0) {
    const file = pending.shift() as string;
    if (loaded.has(file)) continue;
    if (loaded.size >= MAX_FILES) {
      facts.error = `Cannot load ${file}: more than ${MAX_FILES} config files`;
      break;
    }
    loaded.add(file);
    facts.files.push(file);
    const result = loadFile(host, file);
    if ("error" in result) {
      facts.error = result.error;
      break;
    }
    runtimesOf(result.doc, file, byName);
    const more = imports(host, file, result.doc);
    if ("error" in more) {
      facts.error = more.error;
      break;
    }
    pending.push(...more);
  }
  const search = DEFAULT_BIN_DIRS.join(":");
  facts.runtimes = [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1)).map((r) => {
    const b = r.binaryName;
    let resolved: string | undefined;
    if (b !== undefined && b.startsWith("/")) resolved = host.isExecutable(b) ? b : undefined;
    else if (b !== undefined && b !== "" && !b.includes("/")) resolved = lookPath(host, search, b);
    const spec = r.baseRuntimeSpec;
    return { ...r, resolved, baseSpec: spec === undefined ? undefined : loadBaseSpec(host, spec) };
  });
  return facts;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads a base spec and finds the prestart entries of this hook. */
function loadBaseSpec(host: HostReader, file: string): BaseSpec {
  if (!file.startsWith("/")) return { error: "not an absolute path" };
  const read = host.readText(file, MAX_SPEC_BYTES);
  if (!read.ok) return { error: read.error };
  let spec: unknown;
  try {
    spec = JSON.parse(read.value);
  } catch {
    return { error: "not JSON" };
  }
  const hooks = isObject(spec) ? spec["hooks"] ?? {} : undefined;
  const prestart = isObject(hooks) ? hooks["prestart"] ?? [] : undefined;
  if (!Array.isArray(prestart)) return { error: '"hooks.prestart" is not an array' };
  const ours = prestart.flatMap((e) => {
    const path = isObject(e) ? e["path"] : undefined;
    if (typeof path !== "string") return [];
    return HOOK_NAMES.includes(path.slice(path.lastIndexOf("/") + 1)) ? [path] : [];
  });
  return {
    hooks: ours,
    executable: ours.filter((p) => p.startsWith("/") && host.isExecutable(p)),
  };
}

/**
 * Whether a runtime is NVIDIA's: its name says `nvidia`, or its
 * `BinaryName` is an `nvidia-container-runtime`.
 *
 * @example
 * ```ts
 * isNvidiaRuntime({ name: "gpu", binaryName: "/usr/bin/nvidia-container-runtime" }); // true
 * ```
 */
export function isNvidiaRuntime(r: { name: string; binaryName: string | undefined }): boolean {
  const base = r.binaryName?.slice(r.binaryName.lastIndexOf("/") + 1) ?? "";
  return r.name.toLowerCase().includes("nvidia") || base.startsWith("nvidia-container-runtime");
}

const NOT_INSTALLED =
  "skipped: containerd is not installed (no /etc/containerd, containerd binary or process)";
const RESTART = "systemctl restart containerd";

function configCheck(f: ContainerdFacts): Check {
  if (!f.installed) return ok("containerd.config", NOT_INSTALLED);
  if (!f.present) return ok("containerd.config", `no ${CONTAINERD_CONFIG}: containerd's defaults`);
  if (f.error !== undefined) {
    return fail(
      "containerd.config",
      f.error,
      `fix that file (containerd does not start with it), then ${RESTART}`,
    );
  }
  const more = f.files.length - 1;
  const imported = more === 0 ? "" : ` and ${more} imported file${more === 1 ? "" : "s"}`;
  return ok(
    "containerd.config",
    `${CONTAINERD_CONFIG}${imported} ${more === 0 ? "parses" : "parse"}`,
  );
}

function runtimesCheck(f: ContainerdFacts): Check {
  if (!f.installed) return ok("containerd.runtimes", NOT_INSTALLED);
  if (!f.present || f.error !== undefined) {
    const why = f.present
      ? "the config does not load (see containerd.config)"
      : `no ${CONTAINERD_CONFIG}`;
    return ok("containerd.runtimes", `skipped: ${why}`);
  }
  // NVIDIA's runtimes, and every runtime whose base spec runs this hook.
  const judged = f.runtimes.filter((r) =>
    isNvidiaRuntime(r) ||
    (r.baseSpec !== undefined && "hooks" in r.baseSpec && r.baseSpec.hooks.length > 0)
  );
  if (judged.length === 0) {
    return ok(
      "containerd.runtimes",
      "no nvidia runtime: containerd runs no NVIDIA runtime (it does not read OCI hooks.d)",
    );
  }
  const found: string[] = [];
  for (const r of judged) {
    const name = quote(r.name);
    const spec = r.baseSpec;
    if (spec !== undefined && r.baseRuntimeSpec !== undefined) {
      const file = quote(r.baseRuntimeSpec);
      const write =
        `ctr oci spec | nvidia-container-runtime-hook print-base-spec > ${r.baseRuntimeSpec} (see docs/kubernetes.md), then ${RESTART}`;
      if ("error" in spec) {
        return fail(
          "containerd.runtimes",
          `runtime ${name}: base_runtime_spec ${file}: ${spec.error} (containerd fails every container of it)`,
          write,
        );
      }
      if (spec.hooks.length > 0) {
        const missing = spec.hooks.find((p) => !spec.executable.includes(p));
        if (missing !== undefined) {
          return fail(
            "containerd.runtimes",
            `runtime ${name}: base_runtime_spec ${file} runs ${
              quote(missing)
            }, which is not an executable file`,
            `install the hook at ${missing}, or write the spec again with print-base-spec --path PATH: ${write}`,
          );
        }
        if (isNvidiaRuntime({ name: "", binaryName: r.binaryName })) {
          return warn(
            "containerd.runtimes",
            `runtime ${name} runs NVIDIA's runtime (BinaryName ${
              quote(r.binaryName as string)
            }), whose default mode removes the nvidia-container-runtime-hook of base_runtime_spec ${file}`,
            `remove options.BinaryName of runtime ${name} in ${r.file} (or use another runtime name for this hook), then ${RESTART}`,
          );
        }
        found.push(`${r.name} => ${spec.hooks[0]} (base_runtime_spec ${r.baseRuntimeSpec})`);
        continue;
      }
      if (r.binaryName === undefined) {
        return warn(
          "containerd.runtimes",
          `runtime ${name}: base_runtime_spec ${file} has no nvidia-container-runtime-hook in hooks.prestart: its containers get no GPU`,
          write,
        );
      }
    }
    const fix =
      `install nvidia-container-toolkit, or fix the BinaryName of runtime ${name} in ${r.file} (nvidia-ctk runtime configure --runtime=containerd), then ${RESTART}`;
    if (r.binaryName === undefined) {
      return warn(
        "containerd.runtimes",
        `runtime ${name} has no options.BinaryName: containerd runs runc for it, not the NVIDIA runtime`,
        fix,
      );
    }
    if (r.resolved === undefined) {
      return fail(
        "containerd.runtimes",
        `runtime ${name}: BinaryName ${quote(r.binaryName)} is not an executable file`,
        fix,
      );
    }
    found.push(`${r.name} => ${r.resolved}`);
  }
  return ok("containerd.runtimes", listed(found));
}

/**
 * The checks of containerd, in report order: `containerd.config`,
 * `containerd.runtimes`.
 *
 * @example
 * ```ts
 * containerdChecks(loadContainerdFacts(host)).map((c) => c.id); // ["containerd.config", "containerd.runtimes"]
 * ```
 */
export function containerdChecks(facts: ContainerdFacts): Check[] {
  return [configCheck(facts), runtimesCheck(facts)];
}
