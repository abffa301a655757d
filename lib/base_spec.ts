/**
 * `print-base-spec`: an OCI runtime spec (containerd's default, `ctr oci
 * spec`) with this hook's entry in `hooks.prestart`, for containerd's
 * per-runtime `base_runtime_spec`.
 *
 * @module
 */

import { InputError, quote } from "./errors.ts";
import type { OciHook } from "./oci_hook.ts";

/** Largest spec read from stdin, in bytes (containerd's default spec is about 5 KiB). */
export const MAX_BASE_SPEC_BYTES = 4 * 1024 * 1024;

/** The names this hook is installed under; an entry running one of them is replaced. */
const OWN_NAMES = ["nvidia-container-runtime-hook", "nvidia-container-toolkit"] as const;

/** JSON's `rawJSON` (ES2025+): a number kept as its source text. */
type RawJson = (text: string) => unknown;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function kind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "object" ? "an object" : `a ${typeof v}`;
}

/**
 * Parses JSON keeping every number exactly as written (a 64-bit limit such
 * as 9223372036854775807 is not rounded to a double on the way through).
 */
function parseExact(text: string): unknown {
  const rawJSON = (JSON as unknown as { rawJSON?: RawJson }).rawJSON;
  return JSON.parse(
    text,
    function (_key: string, value: unknown, context?: { source?: string }) {
      const source = context?.source;
      if (typeof value !== "number" || rawJSON === undefined || source === undefined) return value;
      return source === String(value) ? value : rawJSON(source);
    } as (key: string, value: unknown) => unknown,
  );
}

/** Whether a prestart entry runs this hook (by `path`, or by one of its installed names). */
function isOwnEntry(entry: unknown, path: string): boolean {
  if (!isObject(entry) || typeof entry["path"] !== "string") return false;
  const p = entry["path"];
  const base = p.slice(p.lastIndexOf("/") + 1);
  return p === path || (OWN_NAMES as readonly string[]).includes(base);
}

/**
 * The spec `text` with `hook` in `hooks.prestart`: where an entry of this
 * hook already is (one whose `path` is `hook.path`, or ends in
 * `/nvidia-container-runtime-hook` or `/nvidia-container-toolkit`), the
 * first such entry is replaced in place and later ones dropped; otherwise
 * `hook` is appended. Other hooks and every other field are kept, in order,
 * numbers exactly as written. The result is indented JSON with a final
 * newline.
 *
 * @throws {InputError} when `text` is not JSON, not a JSON object, or its
 * `hooks` is not an object or `hooks.prestart` not an array.
 *
 * @example
 * ```ts
 * const hook = ociHook("/usr/bin/nvidia-container-runtime-hook").hook;
 * JSON.parse(baseRuntimeSpec('{"ociVersion": "1.0.2"}', hook)).hooks.prestart[0].path;
 * // "/usr/bin/nvidia-container-runtime-hook"
 * ```
 */
export function baseRuntimeSpec(text: string, hook: OciHook["hook"]): string {
  let spec: unknown;
  try {
    spec = parseExact(text);
  } catch (e) {
    const why = e instanceof SyntaxError ? e.message : String(e);
    throw new InputError(`Cannot parse the OCI spec on stdin: not JSON (${quote(why)})`);
  }
  if (!isObject(spec)) {
    throw new InputError(
      `Cannot use the OCI spec on stdin: it must be a JSON object, got ${kind(spec)}`,
    );
  }
  // null is Go's nil: as if absent.
  const hooks = spec["hooks"] ?? {};
  if (!isObject(hooks)) {
    throw new InputError(
      `Cannot use the OCI spec on stdin: "hooks" must be an object, got ${kind(hooks)}`,
    );
  }
  const prestart = hooks["prestart"] ?? [];
  if (!Array.isArray(prestart)) {
    throw new InputError(
      `Cannot use the OCI spec on stdin: "hooks.prestart" must be an array, got ${kind(prestart)}`,
    );
  }
  const entry = { path: hook.path, args: [...hook.args], env: [...hook.env] };
  const at = prestart.findIndex((e) => isOwnEntry(e, hook.path));
  const kept = prestart.filter((e, i) => i === at || !isOwnEntry(e, hook.path));
  // Every entry before the first own one is kept, so it stays at index `at`.
  if (at < 0) kept.push(entry);
  else kept[at] = entry;
  hooks["prestart"] = kept;
  spec["hooks"] = hooks;
  return JSON.stringify(spec, null, 2) + "\n";
}
