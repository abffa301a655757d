/**
 * The host's `PATH` as the runtime gave it to the hook.
 *
 * @module
 */

/** The directory Deno puts first on `PATH` when it finds no `node` there. */
const DENO_NODE_COMPAT_DIR = "/node_compat_bin";

/**
 * `PATH` without the `<DENO_DIR>/node_compat_bin` entry that Deno puts in
 * front of it when no `node` is on `PATH` (a Deno artefact, not the host's):
 * the CLI search and the CLI's environment use the host's own `PATH`.
 * `undefined` stays `undefined`; a `PATH` of only that entry is unset.
 *
 * @example
 * ```ts
 * hostPath("/root/.cache/deno/node_compat_bin:/usr/bin:/bin"); // "/usr/bin:/bin"
 * hostPath("/usr/bin:/bin"); // "/usr/bin:/bin"
 * ```
 */
export function hostPath(path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  const colon = path.indexOf(":");
  const first = colon < 0 ? path : path.slice(0, colon);
  if (!first.startsWith("/") || !first.endsWith(DENO_NODE_COMPAT_DIR)) return path;
  return colon < 0 ? undefined : path.slice(colon + 1);
}
