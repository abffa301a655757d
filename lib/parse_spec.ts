/**
 * The bundle's `config.json`: the parts of the OCI runtime spec the hook
 * reads, fully validated before any policy runs.
 *
 * @module
 */

import { parseJson } from "./_json.ts";
import { field, isObject, jsonType } from "./_fields.ts";
import { InputError } from "./errors.ts";
import { type EnvMap, parseEnv } from "./env_map.ts";
import { isPrivileged } from "./is_privileged.ts";
import { resolvePath } from "./clean_path.ts";

/** Largest `config.json` accepted, in bytes. */
export const MAX_SPEC_BYTES = 64 * 1024 * 1024;

/** What the hook takes from `config.json`. */
export interface ContainerSpec {
  /** `ociVersion`, as written. */
  ociVersion: string;
  /** `process.env` as a map (see {@linkcode EnvMap}). */
  env: EnvMap;
  /** `CAP_SYS_ADMIN` in the bounding set. */
  privileged: boolean;
  /** `root.path`, absolute (relative paths against the bundle) and cleaned. */
  rootfs: string;
  /** `mounts`, in order (absent or `null`: none). */
  mounts: readonly Mount[];
}

/** One entry of `mounts`: the fields the policy reads (absent or `null`: `undefined`). */
export interface Mount {
  source: string | undefined;
  destination: string | undefined;
}

/**
 * Refuses a key of `obj` that differs only in case from one of the OCI names
 * `names` (`"Env"` for `env`): OCI keys are case-sensitive, while NVIDIA's Go
 * decoding would read it (SPEC 9).
 */
function checkCase(
  obj: Record<string, unknown>,
  names: readonly string[],
  where: string,
  fail: (detail: string) => InputError,
): void {
  // Lengths first: this runs for every mount of a large spec, and case
  // variants are rare (lower-casing every key costs a jitless start).
  for (const key of Object.keys(obj)) {
    let name: string | undefined;
    for (const n of names) {
      if (n.length === key.length && n !== key && n.toLowerCase() === key.toLowerCase()) name = n;
    }
    if (name !== undefined) {
      throw fail(
        `${JSON.stringify(key.slice(0, 64))}${where} differs in case from the OCI name` +
          ` "${name}"; OCI keys are case-sensitive`,
      );
    }
  }
}

function parseMounts(value: unknown, fail: (detail: string) => InputError): Mount[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw fail(`"mounts" must be an array, got ${jsonType(value)}`);
  return value.map((m: unknown, i) => {
    if (!isObject(m)) throw fail(`"mounts[${i}]" must be an object, got ${jsonType(m)}`);
    const str = (key: string) => {
      const v = field(m, key);
      if (v !== undefined && typeof v !== "string") {
        throw fail(`"mounts[${i}].${key}" must be a string, got ${jsonType(v)}`);
      }
      return v;
    };
    const mount = { source: str("source"), destination: str("destination") };
    // A spec can hold tens of thousands of mounts: their keys are checked for
    // case variants only when one of the two is missing, the only case in
    // which a variant could stand for it.
    if (mount.source === undefined || mount.destination === undefined) {
      checkCase(m, ["source", "destination"], ` in "mounts[${i}]"`, fail);
    }
    return mount;
  });
}

/**
 * Parses and validates `config.json`. Checks, in order, each with its own
 * message: a JSON object; `ociVersion` a string; `process` an object; `root`
 * an object; then `process.env`, `process.capabilities`, `root.path` (a
 * non-empty string, not `/` once resolved) and `mounts` (an array of objects
 * whose `source` and `destination`, when present, are strings). `file` is the path of the file,
 * `bundle` the absolute bundle directory.
 *
 * @throws {InputError} naming the file and the key.
 *
 * @example
 * ```ts
 * const spec = parseSpec(
 *   '{"ociVersion":"1.0.2","process":{"env":["A=1"]},"root":{"path":"rootfs"}}',
 *   "/b/config.json",
 *   "/b",
 * );
 * spec.rootfs; // "/b/rootfs"
 * ```
 */
export function parseSpec(text: string, file: string, bundle: string): ContainerSpec {
  const fail = (detail: string) => new InputError(`Cannot parse ${file}: ${detail}`);
  const parsed = parseJson(text);
  if (!parsed.ok) throw fail(parsed.reason);
  const spec = parsed.value;
  if (!isObject(spec)) throw fail(`expected a JSON object, got ${jsonType(spec)}`);
  checkCase(spec, ["ociVersion", "process", "root", "mounts"], "", fail);
  const required = (key: string, type: "a string" | "an object") => {
    const v = field(spec, key);
    if (v === undefined) throw fail(`"${key}" is missing; expected ${type}`);
    if (jsonType(v) !== type) throw fail(`"${key}" must be ${type}, got ${jsonType(v)}`);
    return v;
  };
  const ociVersion = required("ociVersion", "a string") as string;
  const process = required("process", "an object") as Record<string, unknown>;
  const root = required("root", "an object") as Record<string, unknown>;
  checkCase(process, ["env", "capabilities"], ' in "process"', fail);
  checkCase(root, ["path"], ' in "root"', fail);
  const capabilities = field(process, "capabilities");
  if (isObject(capabilities)) {
    checkCase(capabilities, ["bounding"], ' in "process.capabilities"', fail);
  }
  const env = parseEnv(field(process, "env"), file);
  const privileged = isPrivileged(ociVersion, field(process, "capabilities"), file);
  const path = field(root, "path");
  if (typeof path !== "string" || path === "") {
    const got = path === "" ? "an empty string" : jsonType(path ?? null);
    throw fail(`"root.path" must be a non-empty string, got ${got}`);
  }
  const rootfs = resolvePath(bundle, path);
  if (rootfs === "/") throw fail('"root.path" must not be the host root "/"');
  const mounts = parseMounts(field(spec, "mounts"), fail);
  return { ociVersion, env, privileged, rootfs, mounts };
}
