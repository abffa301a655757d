/**
 * The container state that the OCI runtime writes on the hook's stdin.
 *
 * @module
 */

import { parseJson } from "./_json.ts";
import { field, isObject, jsonType } from "./_fields.ts";
import { InputError } from "./errors.ts";
import { resolvePath } from "./clean_path.ts";

/** Largest state accepted on stdin, in bytes. */
export const MAX_STATE_BYTES = 1024 * 1024;

/** Largest pid accepted (2^31 - 1). */
export const MAX_PID = 2 ** 31 - 1;

/** The fields of the state that the hook uses. */
export interface ContainerState {
  /** The container's init process, as seen from the host. */
  pid: number;
  /** Absolute, cleaned path of the bundle directory. */
  bundle: string;
  /** The container's `id`, when the state has one as a non-empty string. */
  id?: string;
}

const WHERE = "Cannot parse container state on stdin";

function fail(detail: string): InputError {
  return new InputError(`${WHERE}: ${detail}`);
}

function optionalString(state: Record<string, unknown>, key: string): string | undefined {
  const v = field(state, key);
  if (v !== undefined && typeof v !== "string") {
    throw fail(`"${key}" must be a string, got ${jsonType(v)}`);
  }
  return v;
}

const SPACE = " \t\r\n";

/**
 * The raw texts of the scalar values (numbers, booleans; not strings, `null`,
 * objects or arrays) of every occurrence of the top-level `key` in the text
 * of a JSON object, found by scanning (no recursion: nesting depth costs
 * nothing). The text must be valid JSON.
 */
function topLevelValues(text: string, key: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const token = text.slice(i, j + 1);
      i = j + 1;
      if (depth !== 1) continue;
      let k = i;
      while (k < text.length && SPACE.includes(text[k] as string)) k++;
      if (text[k] !== ":" || JSON.parse(token) !== key) continue;
      k++;
      while (k < text.length && SPACE.includes(text[k] as string)) k++;
      let e = k;
      while (e < text.length && !(",}]" + SPACE).includes(text[e] as string)) e++;
      const raw = text.slice(k, e);
      if (raw !== "" && raw !== "null" && !'"{['.includes(raw[0] as string)) out.push(raw);
      continue;
    }
    if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
    i++;
  }
  return out;
}

/**
 * Parses the state JSON: one object with an integer `pid` from 1 to
 * 2^31-1 and a `bundle` (or, when that is absent, `null` or empty, the
 * pre-2017 `bundlePath`). `null` fields count as absent; other fields are
 * ignored. A relative bundle is resolved against `cwd`.
 *
 * @throws {InputError} naming the field and the expected form.
 *
 * @example
 * ```ts
 * parseState('{"pid": 42, "bundle": "b"}', "/run"); // { pid: 42, bundle: "/run/b" }
 * ```
 */
export function parseState(text: string, cwd: string): ContainerState {
  const parsed = parseJson(text);
  if (!parsed.ok) throw fail(parsed.reason);
  const state = parsed.value;
  if (!isObject(state)) throw fail(`expected a JSON object, got ${jsonType(state)}`);
  const pid = field(state, "pid");
  if (pid === undefined) throw fail(`"pid" is missing; expected an integer from 1 to ${MAX_PID}`);
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid < 1 || pid > MAX_PID) {
    const got = typeof pid === "number" ? String(pid) : jsonType(pid);
    throw fail(`"pid" must be an integer from 1 to ${MAX_PID}, got ${got}`);
  }
  // Go's decoder (NVIDIA's hook) takes only integer literals, in every
  // occurrence of the key: not 4242.0 or 4.242e3.
  const literal = topLevelValues(text, "pid").find((raw) => !/^-?[0-9]+$/.test(raw));
  if (literal !== undefined) {
    throw fail(
      `"pid" must be written as an integer from 1 to ${MAX_PID} (no fraction or exponent),` +
        ` got ${literal.slice(0, 64)}`,
    );
  }
  const bundle = optionalString(state, "bundle");
  const bundlePath = optionalString(state, "bundlePath");
  const chosen = bundle !== undefined && bundle !== "" ? bundle : bundlePath;
  if (chosen === undefined || chosen === "") {
    throw fail('no bundle: "bundle" (or the older "bundlePath") must be a non-empty string');
  }
  const id = field(state, "id");
  const out: ContainerState = { pid, bundle: resolvePath(cwd, chosen) };
  // Only for messages and the log: a missing or odd id never stops a start.
  if (typeof id === "string" && id !== "") out.id = id;
  return out;
}
