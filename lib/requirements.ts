/**
 * Requirements passed as `--require=` (`NVIDIA_REQUIRE_*`, legacy images).
 *
 * @module
 */

import type { EnvMap } from "./env_map.ts";
import { parseBool } from "./parse_bool.ts";
import { parseCudaVersion } from "./parse_cuda_version.ts";

/** Prefix of the requirement variables. */
export const REQUIRE_PREFIX = "NVIDIA_REQUIRE_";

/** Options of {@linkcode requirements}. */
export interface RequirementOptions {
  /** A legacy image: add `cuda>=MAJOR.MINOR` from `CUDA_VERSION` last. */
  legacy: boolean;
  /** The config's `disable-require`. */
  disableRequire: boolean;
}

/**
 * The requirements, in the order the variables appear in `process.env`:
 * the value of each `NVIDIA_REQUIRE_*` variable (empty values skipped), then
 * for a legacy image `cuda>=MAJOR.MINOR`. `CUDA_VERSION` of a legacy image is
 * always parsed (an invalid one is an error, as in 2020), but nothing is
 * returned when `disableRequire` or `NVIDIA_DISABLE_REQUIRE` (Go
 * `ParseBool`) is true.
 *
 * @throws {InputError} on an invalid `CUDA_VERSION` of a legacy image.
 *
 * @example
 * ```ts
 * requirements(new Map([["NVIDIA_REQUIRE_CUDA", "cuda>=11.0"]]), { legacy: false, disableRequire: false });
 * // ["cuda>=11.0"]
 * ```
 */
export function requirements(env: EnvMap, options: RequirementOptions): string[] {
  const out: string[] = [];
  for (const [name, value] of env) {
    if (name.startsWith(REQUIRE_PREFIX) && value !== "") out.push(value);
  }
  if (options.legacy) {
    const [major, minor] = parseCudaVersion(env.get("CUDA_VERSION") ?? "");
    out.push(`cuda>=${major}.${minor}`);
  }
  const disabled = options.disableRequire ||
    parseBool(env.get("NVIDIA_DISABLE_REQUIRE") ?? "") === true;
  return disabled ? [] : out;
}
