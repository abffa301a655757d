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

/** Prefix of Jetson mount-list variables, which are not constraints. */
export const JETPACK_PREFIX = "NVIDIA_REQUIRE_JETPACK";

/** One `--require=` value and the variable it came from. */
export interface Requirement {
  value: string;
  /** `NVIDIA_REQUIRE_<x>`, or `CUDA_VERSION` for the legacy constraint. */
  source: string;
}

/** Options of {@linkcode requirements}. */
export interface RequirementOptions {
  /** A legacy image: add `cuda>=MAJOR.MINOR` from `CUDA_VERSION` last. */
  legacy: boolean;
  /** The config's `disable-require`. */
  disableRequire: boolean;
}

/**
 * Whether requirements are switched off: the config's `disable-require`, or
 * `NVIDIA_DISABLE_REQUIRE` true as Go's `strconv.ParseBool` reads it.
 *
 * @example
 * ```ts
 * requirementsDisabled(new Map([["NVIDIA_DISABLE_REQUIRE", "1"]]), false); // true
 * ```
 */
export function requirementsDisabled(env: EnvMap, disableRequire: boolean): boolean {
  return disableRequire || parseBool(env.get("NVIDIA_DISABLE_REQUIRE") ?? "") === true;
}

/**
 * The requirements, in the order the variables appear in `process.env`:
 * the value of each `NVIDIA_REQUIRE_*` variable (empty values and
 * `NVIDIA_REQUIRE_JETPACK*` skipped), then for a legacy image
 * `cuda>=MAJOR.MINOR`. When requirements are disabled (see
 * {@linkcode requirementsDisabled}) the result is empty and `CUDA_VERSION`
 * is not even parsed.
 *
 * @throws {InputError} on an invalid `CUDA_VERSION` of a legacy image.
 *
 * @example
 * ```ts
 * requirements(new Map([["NVIDIA_REQUIRE_CUDA", "cuda>=11.0"]]), { legacy: false, disableRequire: false });
 * // [{ value: "cuda>=11.0", source: "NVIDIA_REQUIRE_CUDA" }]
 * ```
 */
export function requirements(env: EnvMap, options: RequirementOptions): Requirement[] {
  if (requirementsDisabled(env, options.disableRequire)) return [];
  const out: Requirement[] = [];
  for (const [name, value] of env) {
    if (name.startsWith(REQUIRE_PREFIX) && !name.startsWith(JETPACK_PREFIX) && value !== "") {
      out.push({ value, source: name });
    }
  }
  if (options.legacy) {
    const [major, minor] = parseCudaVersion(env.get("CUDA_VERSION") ?? "");
    out.push({ value: `cuda>=${major}.${minor}`, source: "CUDA_VERSION" });
  }
  return out;
}
