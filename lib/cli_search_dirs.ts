/**
 * Where `nvidia-container-cli` is looked for when the config names no path.
 *
 * @module
 */

import { joinPath } from "./clean_path.ts";

/** Directories always searched after the hook's own `PATH`. */
export const DEFAULT_BIN_DIRS = [
  "/usr/local/sbin",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/bin",
  "/sbin",
  "/bin",
] as const;

/**
 * The directories to search, in order: the absolute entries of `pathEnv`,
 * then the defaults not already listed; when `root` is set, the same list
 * with `root` joined to each entry comes first. The CLI is given these
 * joined with `:` as its `PATH`.
 *
 * @example
 * ```ts
 * cliSearchDirs("/opt/bin::rel", undefined);
 * // ["/opt/bin", "/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]
 * cliSearchDirs("", "/run/nvidia/driver")[0]; // "/run/nvidia/driver/usr/local/sbin"
 * ```
 */
export function cliSearchDirs(pathEnv: string | undefined, root: string | undefined): string[] {
  const dirs = (pathEnv ?? "").split(":").filter((d) => d.startsWith("/"));
  for (const d of DEFAULT_BIN_DIRS) if (!dirs.includes(d)) dirs.push(d);
  if (root === undefined) return dirs;
  return [...dirs.map((d) => joinPath(root, d)), ...dirs];
}
