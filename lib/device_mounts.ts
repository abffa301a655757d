/**
 * Device requests made with volume mounts (SPEC 5.3 step 1): a mount of
 * `/dev/null` onto `/var/run/nvidia-container-devices/<name>` requests
 * device `<name>`; `imex/<channel>` requests an IMEX channel. Only that
 * root, as NVIDIA's current hook reads it: `/run/nvidia-container-devices`
 * is not a second one (admission rules written for the documented path
 * would not cover it).
 *
 * @module
 */

import { cleanPath } from "./clean_path.ts";
import type { Mount } from "./parse_spec.ts";

/** The directories whose mount points name requested devices. */
export const DEVICE_MOUNT_ROOTS = [
  "/var/run/nvidia-container-devices",
] as const;

/** The path segment under a root that names an IMEX channel. */
const IMEX_SEGMENT = "imex";

/** What the mounts request, in mount order, each name once. */
export interface MountRequests {
  /** Device names (may contain `/`, e.g. MIG names). */
  devices: readonly string[];
  /** IMEX channel names (`imex/<channel>`). */
  imexChannels: readonly string[];
}

function segments(path: string): string[] {
  return path.split("/").filter((s) => s !== "");
}

const ROOT_SEGMENTS = DEVICE_MOUNT_ROOTS.map(segments);

/** The segments of `destination` after a device root, or `undefined`. */
function underRoot(destination: string): string[] | undefined {
  const cleaned = cleanPath(destination);
  if (!cleaned.startsWith("/")) return undefined;
  const parts = segments(cleaned);
  for (const root of ROOT_SEGMENTS) {
    if (parts.length > root.length && root.every((s, i) => parts[i] === s)) {
      return parts.slice(root.length);
    }
  }
  return undefined;
}

/**
 * Reads the device and IMEX requests of the mounts. A mount counts when its
 * cleaned `source` is `/dev/null` and its cleaned, absolute `destination`
 * lies below one of {@linkcode DEVICE_MOUNT_ROOTS}, compared segment by
 * segment (never as a string prefix). The rest of the path is the name.
 *
 * @example
 * ```ts
 * requestsFromMounts([
 *   { source: "/dev/null", destination: "/var/run/nvidia-container-devices/GPU-1" },
 *   { source: "/dev/null", destination: "/var/run/nvidia-container-devices/imex/3" },
 *   { source: "/dev/null", destination: "/var/run/nvidia-container-devicesX/0" },
 * ]);
 * // { devices: ["GPU-1"], imexChannels: ["3"] }
 * ```
 */
export function requestsFromMounts(mounts: readonly Mount[]): MountRequests {
  const devices = new Set<string>();
  const imexChannels = new Set<string>();
  for (const { source, destination } of mounts) {
    if (source === undefined || destination === undefined) continue;
    if (cleanPath(source) !== "/dev/null") continue;
    const rest = underRoot(destination);
    if (rest === undefined) continue;
    if (rest[0] === IMEX_SEGMENT && rest.length > 1) {
      imexChannels.add(rest.slice(1).join("/"));
    } else {
      devices.add(rest.join("/"));
    }
  }
  return { devices: [...devices], imexChannels: [...imexChannels] };
}
