/**
 * `print-containerd-config`: containerd configuration that registers a CRI
 * runtime handler whose containers start from a `base_runtime_spec` holding
 * this hook, as a drop-in for `imports` or merged into a whole config.
 *
 * @module
 */

import { InputError, quote, UsageError } from "./errors.ts";
import {
  parseToml,
  TomlDateTime,
  TomlFloat,
  TomlSyntaxError,
  type TomlTable,
} from "./parse_toml.ts";
import { formatToml } from "./_toml_write.ts";

/** The config versions written: 2 (containerd 1.6, 1.7) and 3 (containerd 2.x). */
export const CONFIG_VERSIONS = [2, 3] as const;
/** One of {@linkcode CONFIG_VERSIONS}. */
export type ConfigVersion = typeof CONFIG_VERSIONS[number];

/** The handler's name when none is given (a RuntimeClass's `handler`). */
export const DEFAULT_RUNTIME_NAME = "nvidia";

/** The runc shim every handler of this hook runs. */
export const RUNC_V2 = "io.containerd.runc.v2";

/** Largest config read with `--from`, in bytes. */
export const MAX_CONTAINERD_CONFIG_BYTES = 4 * 1024 * 1024;

/** The CRI plugin's table that holds `containerd.runtimes`, by config version. */
export const CRI_PLUGIN: Record<ConfigVersion, string> = {
  2: "io.containerd.grpc.v1.cri",
  3: "io.containerd.cri.v1.runtime",
};

/** A RuntimeClass handler: a DNS-1123 label, as Kubernetes requires. */
const HANDLER_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** What `print-containerd-config` was asked for. */
export interface HandlerOptions {
  /** `--base-runtime-spec FILE`: absolute. */
  baseRuntimeSpec: string;
  /** `--runtime-name NAME`. */
  runtimeName: string;
  /** `--set-as-default`: `default_runtime_name = NAME` too. */
  setAsDefault: boolean;
}

function isTable(v: unknown): v is TomlTable {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date) &&
    !(v instanceof TomlFloat);
}

function table(): TomlTable {
  return Object.create(null);
}

/**
 * Checks the options (the spec path absolute and printable, the name a
 * RuntimeClass handler name).
 *
 * @throws {UsageError} naming the flag and the expected form.
 *
 * @example
 * ```ts
 * checkHandlerOptions({ baseRuntimeSpec: "spec.json", runtimeName: "nvidia", setAsDefault: false });
 * // throws: --base-runtime-spec must be an absolute path, got "spec.json"
 * ```
 */
export function checkHandlerOptions(o: HandlerOptions): void {
  if (!o.baseRuntimeSpec.startsWith("/")) {
    throw new UsageError(
      `--base-runtime-spec must be an absolute path, got ${quote(o.baseRuntimeSpec)}`,
    );
  }
  if ([...o.baseRuntimeSpec].some((c) => c < " " || c === "\x7f")) {
    throw new UsageError(
      `--base-runtime-spec must not contain control characters, got ${quote(o.baseRuntimeSpec)}`,
    );
  }
  if (!HANDLER_NAME.test(o.runtimeName)) {
    throw new UsageError(
      `--runtime-name must be a lowercase DNS label (a-z, 0-9, -; at most 63), got ${
        quote(o.runtimeName)
      }`,
    );
  }
}

/**
 * Parses `--config-version`.
 *
 * @throws {UsageError} for anything but `2` or `3`.
 *
 * @example
 * ```ts
 * parseConfigVersion("3"); // 3
 * ```
 */
export function parseConfigVersion(text: string): ConfigVersion {
  if (text === "2" || text === "3") return Number(text) as ConfigVersion;
  throw new UsageError(`--config-version must be 2 or 3, got ${quote(text)}`);
}

/** `containerd` of the CRI plugin of `doc`, created when absent. */
function criContainerd(doc: TomlTable, version: ConfigVersion, file: string): TomlTable {
  let node = doc;
  const keys = ["plugins", CRI_PLUGIN[version], "containerd"];
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const next = node[key] ?? table();
    if (!isTable(next)) {
      const where = keys.slice(0, i + 1).map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : `"${k}"`));
      throw new InputError(`Cannot merge into ${file}: ${where.join(".")} must be a table`);
    }
    node[key] = next;
    node = next;
  }
  return node;
}

/** A deep copy of a TOML value (tables null-prototype). */
function copy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copy);
  if (v instanceof TomlDateTime) return new TomlDateTime(v.toISOString(), v.kind, v.offsetMinutes);
  if (isTable(v)) {
    const out = table();
    for (const k of Object.keys(v)) out[k] = copy(v[k]);
    return out;
  }
  return v;
}

/** Whether a `BinaryName` is one of NVIDIA's runtimes (which would drop this hook). */
function isNvidiaBinary(v: unknown): boolean {
  return typeof v === "string" &&
    v.slice(v.lastIndexOf("/") + 1).startsWith("nvidia-container-runtime");
}

/**
 * The handler's table: in a whole config, a copy of the default runtime's
 * (so that `options` such as `SystemdCgroup` match the node's) when that
 * one is another runc runtime, without its `base_runtime_spec` or an NVIDIA
 * runtime's `BinaryName`; then `runtime_type` and `base_runtime_spec`.
 */
function handlerTable(containerd: TomlTable, o: HandlerOptions): TomlTable {
  const runtimes = containerd["runtimes"];
  const defaultName = typeof containerd["default_runtime_name"] === "string"
    ? containerd["default_runtime_name"]
    : "runc";
  const source = isTable(runtimes) && defaultName !== o.runtimeName
    ? runtimes[defaultName]
    : undefined;
  const out = isTable(source) && source["runtime_type"] === RUNC_V2
    ? copy(source) as TomlTable
    : table();
  delete out["base_runtime_spec"];
  const options = out["options"];
  if (isTable(options) && isNvidiaBinary(options["BinaryName"])) delete options["BinaryName"];
  const result = table();
  result["runtime_type"] = RUNC_V2;
  result["base_runtime_spec"] = o.baseRuntimeSpec;
  for (const k of Object.keys(out)) if (!(k in result)) result[k] = out[k];
  return result;
}

function addHandler(doc: TomlTable, version: ConfigVersion, o: HandlerOptions, file: string): void {
  const containerd = criContainerd(doc, version, file);
  const handler = handlerTable(containerd, o);
  if (o.setAsDefault) containerd["default_runtime_name"] = o.runtimeName;
  const runtimes = containerd["runtimes"] ?? table();
  if (!isTable(runtimes)) {
    const cri = `plugins."${CRI_PLUGIN[version]}".containerd.runtimes`;
    throw new InputError(`Cannot merge into ${file}: ${cri} must be a table`);
  }
  runtimes[o.runtimeName] = handler;
  containerd["runtimes"] = runtimes;
}

/**
 * A drop-in for containerd's `imports`: `version`, the handler's runtime
 * table (`runtime_type` `io.containerd.runc.v2`, `base_runtime_spec`) and,
 * with `setAsDefault`, `default_runtime_name`. containerd 2.x merges it into
 * its config; 1.6 and 1.7 replace the CRI plugin's whole table with it
 * (use {@linkcode mergeHandler} there).
 *
 * @example
 * ```ts
 * handlerDropIn(3, { baseRuntimeSpec: "/etc/containerd/nvidia-base-spec.json", runtimeName: "nvidia", setAsDefault: false });
 * // 'version = 3\n\n[plugins]\n\n  [plugins."io.containerd.cri.v1.runtime"]\n...'
 * ```
 */
export function handlerDropIn(version: ConfigVersion, o: HandlerOptions): string {
  checkHandlerOptions(o);
  const doc = table();
  doc["version"] = version;
  addHandler(doc, version, o, "the drop-in");
  return formatToml(doc);
}

/**
 * `text` (a containerd config file, or `containerd config dump`) with the
 * handler merged in and every other setting kept, written whole. Its
 * `version` (2 or 3) decides where the CRI runtimes are; `version`, when
 * given, must match it. A handler of the same name is replaced. Comments
 * and the file's layout are not kept.
 *
 * @throws {InputError} naming `file`: a TOML syntax error (line and
 * column), a version other than 2 or 3 or other than `version`, a CRI
 * table that is not a table.
 * @throws {UsageError} for bad options.
 *
 * @example
 * ```ts
 * mergeHandler('version = 2\nroot = "/var/lib/containerd"\n', "config.toml", undefined, options);
 * // 'version = 2\nroot = "/var/lib/containerd"\n\n[plugins]\n...'
 * ```
 */
export function mergeHandler(
  text: string,
  file: string,
  version: ConfigVersion | undefined,
  o: HandlerOptions,
): string {
  checkHandlerOptions(o);
  let doc: TomlTable;
  try {
    doc = parseToml(text, { floats: "tagged" });
  } catch (e) {
    if (!(e instanceof TomlSyntaxError)) throw e;
    throw new InputError(`Cannot parse ${file}: line ${e.line}, column ${e.column}: ${e.message}`);
  }
  const found = doc["version"];
  if (found !== 2 && found !== 3) {
    const shown = found === undefined
      ? "no version (version 1)"
      : `version ${formatVersion(found)}`;
    throw new InputError(
      `Cannot merge into ${file}: it has ${shown}; only config versions 2 (containerd 1.6, 1.7) and 3 (containerd 2.x) are supported`,
    );
  }
  if (version !== undefined && version !== found) {
    throw new InputError(
      `Cannot merge into ${file}: it has version ${found}, but --config-version is ${version}`,
    );
  }
  addHandler(doc, found, o, file);
  return formatToml(doc);
}

function formatVersion(v: unknown): string {
  if (v instanceof TomlFloat) return String(v.value);
  return typeof v === "string" ? quote(v) : String(v);
}
