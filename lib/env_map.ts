/**
 * The container's environment (`process.env` of `config.json`) as a map.
 *
 * @module
 */

import { InputError } from "./errors.ts";
import { jsonType } from "./_fields.ts";

/**
 * Variable name to value. Iteration order is the order in which names first
 * appear in `process.env`; the value is the last one given.
 */
export type EnvMap = ReadonlyMap<string, string>;

/**
 * Builds the {@linkcode EnvMap} from `process.env` (already known to be
 * present; `undefined` means absent or `null`). Each entry is split at its
 * first `=`. Error messages name the entry's index, never its value, which
 * may hold a secret.
 *
 * @throws {InputError} when `entries` is not an array of `KEY=VALUE` strings.
 *
 * @example
 * ```ts
 * parseEnv(["A=1", "B=x=y", "A=2"], "/b/config.json"); // Map { "A" => "2", "B" => "x=y" }
 * ```
 */
export function parseEnv(entries: unknown, file: string): EnvMap {
  const env = new Map<string, string>();
  if (entries === undefined) return env;
  if (!Array.isArray(entries)) {
    throw new InputError(
      `Cannot parse ${file}: "process.env" must be an array of strings, got ${jsonType(entries)}`,
    );
  }
  entries.forEach((entry: unknown, i) => {
    if (typeof entry !== "string") {
      throw new InputError(
        `Cannot parse ${file}: "process.env[${i}]" must be a string, got ${jsonType(entry)}`,
      );
    }
    const eq = entry.indexOf("=");
    if (eq === -1) {
      throw new InputError(
        `Cannot parse ${file}: "process.env[${i}]" must have the form KEY=VALUE`,
      );
    }
    env.set(entry.slice(0, eq), entry.slice(eq + 1));
  });
  return env;
}
