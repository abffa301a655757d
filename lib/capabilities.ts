/**
 * Driver capabilities (`NVIDIA_DRIVER_CAPABILITIES`).
 *
 * @module
 */

import { InputError, quote } from "./errors.ts";
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
 * when the variable is absent):
 * - absent: all seven for a legacy image, else `utility`;
 * - empty or only empty items: `utility`;
 * - any item `all`: all seven in canonical order;
 * - otherwise the items, trimmed and de-duplicated, in the user's order.
 *
 * @throws {InputError} on an unknown name, listing the supported ones.
 *
 * @example
 * ```ts
 * parseCapabilities("utility, compute", false); // ["utility", "compute"]
 * parseCapabilities(undefined, true); // all seven
 * ```
 */
export function parseCapabilities(value: string | undefined, legacy: boolean): Capability[] {
  if (value === undefined) return legacy ? [...CAPABILITIES] : ["utility"];
  const items = splitList(value);
  if (items.length === 0) return ["utility"];
  if (items.includes("all")) return [...CAPABILITIES];
  return items.map((name) => {
    if (!isCapability(name)) {
      throw new InputError(
        `Unknown driver capability ${quote(name)} in NVIDIA_DRIVER_CAPABILITIES;` +
          ` expected "all" or a comma-separated list of ${CAPABILITIES.join(", ")}`,
      );
    }
    return name;
  });
}
