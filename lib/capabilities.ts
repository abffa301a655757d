/**
 * Driver capabilities (`NVIDIA_DRIVER_CAPABILITIES`).
 *
 * @module
 */

import { InputError, PolicyError, quote } from "./errors.ts";
import { splitList } from "./split_list.ts";

/** Every driver capability, in canonical order. */
export const CAPABILITIES = [
  "compute",
  "compat32",
  "graphics",
  "utility",
  "video",
  "display",
  "ngx",
] as const;

/** One of {@linkcode CAPABILITIES}. */
export type Capability = typeof CAPABILITIES[number];

function isCapability(name: string): name is Capability {
  return (CAPABILITIES as readonly string[]).includes(name);
}

/** The capabilities of a container that names none (absent or `""`), since toolkit 1.11. */
export const DEFAULT_CAPABILITIES: readonly Capability[] = ["compute", "utility"];

/**
 * The capabilities requested by `NVIDIA_DRIVER_CAPABILITIES` (`undefined`
 * when the variable is absent), restricted to `supported` (the config's
 * `supported-driver-capabilities`, canonical order; all seven by default),
 * as NVIDIA's current hook decides them (SPEC 5.6):
 * - absent: the supported ones for a legacy image, else `compute,utility`
 *   (those of them that are supported);
 * - `""`: `compute,utility` (those of them that are supported), legacy or not;
 * - a non-empty value with only empty items (`","`, `" "`): none;
 * - any item `all`: the supported ones;
 * - otherwise the items, trimmed and de-duplicated; each must be a known
 *   and supported capability.
 * The result is sorted by name, the order of the CLI options
 * ({@linkcode capabilityOrder}).
 *
 * @throws {InputError} on an unknown name, listing the known ones.
 * @throws {PolicyError} on a known name outside `supported`.
 *
 * @example
 * ```ts
 * parseCapabilities("utility, compute", false); // ["compute", "utility"]
 * parseCapabilities(undefined, false); // ["compute", "utility"]
 * parseCapabilities(",", false); // []
 * ```
 */
export function parseCapabilities(
  value: string | undefined,
  legacy: boolean,
  supported: readonly Capability[] = CAPABILITIES,
): Capability[] {
  const allowed = (c: Capability) => supported.includes(c);
  if (value === undefined && legacy) return sortCapabilities(CAPABILITIES.filter(allowed));
  if (value === undefined || value === "") {
    return sortCapabilities(DEFAULT_CAPABILITIES.filter(allowed));
  }
  const items = splitList(value);
  if (items.includes("all")) return sortCapabilities(CAPABILITIES.filter(allowed));
  return sortCapabilities(items.map((name) => {
    if (!isCapability(name)) {
      throw new InputError(
        `Unknown driver capability ${quote(name)} in NVIDIA_DRIVER_CAPABILITIES;` +
          ` expected "all" or a comma-separated list of ${CAPABILITIES.join(", ")}`,
      );
    }
    if (!allowed(name)) {
      const list = supported.length === 0 ? "none" : supported.join(", ");
      throw new PolicyError(
        `Driver capability ${quote(name)} in NVIDIA_DRIVER_CAPABILITIES is not supported` +
          ` on this host (supported-driver-capabilities: ${list})`,
      );
    }
    return name;
  }));
}

/**
 * Compares two capabilities by name, the order in which NVIDIA's current
 * hook passes their options (`--compat32 --compute --display --graphics
 * --ngx --utility --video`).
 *
 * @example
 * ```ts
 * ["utility", "compute"].sort(capabilityOrder); // ["compute", "utility"]
 * ```
 */
export function capabilityOrder(a: Capability, b: Capability): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `list` (without repeats: splitList drops them) sorted by name. */
function sortCapabilities(list: Capability[]): Capability[] {
  return list.sort(capabilityOrder);
}
