/**
 * The device request of `NVIDIA_VISIBLE_DEVICES` (or the swarm variables, or
 * device mounts).
 *
 * @module
 */

import { splitList } from "./split_list.ts";

/**
 * What a request value asks for:
 * - `void`: no GPU (empty list or a `void` item);
 * - `all`: every device (`--device=all`);
 * - `none`: a GPU container without devices (no `--device` option);
 * - `list`: these devices, passed through untouched.
 */
export type DeviceRequest =
  | { kind: "void" }
  | { kind: "all" }
  | { kind: "none" }
  | { kind: "list"; ids: readonly string[] };

/**
 * Reads a device request value as NVIDIA's current hook does: any `void`
 * means no GPU; otherwise the first item that is `all` or `none` decides;
 * tokens are case-sensitive.
 *
 * @example
 * ```ts
 * parseDevices("0, 1,0"); // { kind: "list", ids: ["0", "1"] }
 * parseDevices("none,all"); // { kind: "none" }
 * parseDevices("0,all,none"); // { kind: "all" }
 * parseDevices(" , "); // { kind: "void" }
 * ```
 */
export function parseDevices(value: string): DeviceRequest {
  return devicesFromItems(splitList(value));
}

/**
 * Reads a device request already split into items (the names of device
 * mounts, say), with the same rules as {@linkcode parseDevices}.
 *
 * @example
 * ```ts
 * devicesFromItems(["MIG-1/2/0", "void"]); // { kind: "void" }
 * ```
 */
export function devicesFromItems(ids: readonly string[]): DeviceRequest {
  if (ids.length === 0 || ids.includes("void")) return { kind: "void" };
  const keyword = ids.find((id) => id === "all" || id === "none");
  if (keyword === "all") return { kind: "all" };
  if (keyword === "none") return { kind: "none" };
  return { kind: "list", ids };
}

/**
 * The `--device=` value for a request, or `undefined` when no option is
 * passed (`none`).
 *
 * @example
 * ```ts
 * deviceOption({ kind: "list", ids: ["0", "GPU-1"] }); // "0,GPU-1"
 * ```
 */
export function deviceOption(
  request: Exclude<DeviceRequest, { kind: "void" }>,
): string | undefined {
  switch (request.kind) {
    case "all":
      return "all";
    case "none":
      return undefined;
    case "list":
      return request.ids.join(",");
  }
}
