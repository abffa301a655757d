/**
 * Privileged detection: `CAP_SYS_ADMIN` in the bounding capability set.
 *
 * @module
 */

import { compareSemver } from "./compare_semver.ts";
import { InputError, quote } from "./errors.ts";
import { field, isObject, jsonType } from "./_fields.ts";

/** The two shapes `process.capabilities` has had in the OCI spec. */
export type CapabilityFormat = "list" | "sets";

/**
 * The shape of `process.capabilities` for an `ociVersion`, compared as Go's
 * `semver.Compare("v" + ociVersion, ...)` (a version that already starts with
 * `v` is taken as is, as NVIDIA's current hook does): from 1.0.0-rc1 up to (not
 * including) 1.0.0-rc5 a plain list of names ("list"), otherwise an object
 * of sets whose `bounding` set counts ("sets"). Invalid versions sort lowest,
 * so they take the "sets" shape.
 *
 * @example
 * ```ts
 * capabilityFormat("1.0.0-rc2"); // "list"
 * capabilityFormat("v1.0.0-rc2"); // "list"
 * capabilityFormat("1.0.2"); // "sets"
 * ```
 */
export function capabilityFormat(ociVersion: string): CapabilityFormat {
  const v = ociVersion.startsWith("v") ? ociVersion : "v" + ociVersion;
  return compareSemver(v, "v1.0.0-rc1") >= 0 && compareSemver(v, "v1.0.0-rc5") < 0
    ? "list"
    : "sets";
}

function forVersion(ociVersion: string): string {
  return ` for ociVersion ${quote(ociVersion)}`;
}

const SETS = ["bounding", "effective", "inheritable", "permitted", "ambient"] as const;

function names(value: unknown, key: string, file: string, why = ""): readonly unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((n) => n !== null && typeof n !== "string")) {
    const got = Array.isArray(value) ? "an array with a non-string item" : jsonType(value);
    throw new InputError(
      `Cannot parse ${file}: "${key}" must be an array of strings${why}, got ${got}`,
    );
  }
  return value;
}

/**
 * Whether the container is privileged: `CAP_SYS_ADMIN` (case-sensitive) is
 * in its bounding set. `capabilities` is `process.capabilities` (`undefined`
 * when absent or `null`: not privileged).
 *
 * @throws {InputError} when the field does not have the shape its
 * `ociVersion` calls for.
 *
 * @example
 * ```ts
 * isPrivileged("1.0.2", { bounding: ["CAP_SYS_ADMIN"] }, "/b/config.json"); // true
 * isPrivileged("1.0.0-rc2", ["CAP_SYS_ADMIN"], "/b/config.json"); // true
 * ```
 */
export function isPrivileged(ociVersion: string, capabilities: unknown, file: string): boolean {
  if (capabilities === undefined) return false;
  const format = capabilityFormat(ociVersion);
  switch (format) {
    case "list":
      return names(capabilities, "process.capabilities", file, forVersion(ociVersion))
        .includes("CAP_SYS_ADMIN");
    case "sets": {
      if (!isObject(capabilities)) {
        throw new InputError(
          `Cannot parse ${file}: "process.capabilities" must be an object of capability sets` +
            `${forVersion(ociVersion)}, got ${jsonType(capabilities)}`,
        );
      }
      for (const set of SETS) {
        names(field(capabilities, set), `process.capabilities.${set}`, file);
      }
      return names(field(capabilities, "bounding"), "process.capabilities.bounding", file)
        .includes("CAP_SYS_ADMIN");
    }
  }
}
