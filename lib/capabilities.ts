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

/**
 * The capabilities requested by `NVIDIA_DRIVER_CAPABILITIES` (`undefined`
 * when the variable is absent), restricted to `supported` (the config's
 * `supported-driver-capabilities`, canonical order; all seven by default):
 * - absent: the supported ones for a legacy image, else `utility` if supported;
 * - empty or only empty items: `utility` if supported;
 * - any item `all`: the supported ones in canonical order;
 * - otherwise the items, trimmed and de-duplicated, in the user's order;
 *   each must be a known and supported capability.
 *
 * @throws {InputError} on an unknown name, listing the known ones.
 * @throws {PolicyError} on a known name outside `supported`.
 *
 * @example
 * ```ts
 * parseCapabilities("utility, compute", false); // ["utility", "compute"]
 * parseCapabilities(undefined, true, ["compute", "utility"]); // ["compute", "utility"]
 * ```
 */
export function parseCapabilities(
  value: string | undefined,
  legacy: boolean,
  supported: readonly Capability[] = CAPABILITIES,
): Capability[] {
  const allowed = (c: Capability) => supported.includes(c);
  if (value === undefined && legacy) return CAPABILITIES.filter(allowed);
  const items = splitList(value ?? "");
  if (items.length === 0) return allowed("utility") ? ["utility"] : [];
  if (items.includes("all")) return CAPABILITIES.filter(allowed);
  return items.map((name) => {
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
  });
}
