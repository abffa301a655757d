/**
 * Slash-separated path helpers with the semantics of Go's `path.Clean` and
 * `path.Join`. They never touch the file system and never resolve symlinks.
 *
 * @module
 */

/**
 * Returns the shortest path equivalent to `p` by purely lexical processing,
 * as Go's `path.Clean`: repeated slashes collapse, `.` elements go, `..`
 * removes the element before it, `..` at the root stays at the root, and the
 * empty path becomes `.`.
 *
 * @example
 * ```ts
 * cleanPath("/a//b/./c/../d/"); // "/a/b/d"
 * cleanPath("/../x"); // "/x"
 * ```
 */
export function cleanPath(p: string): string {
  if (p === "") return ".";
  const rooted = p.startsWith("/");
  const out: string[] = [];
  for (const segment of p.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!rooted) out.push("..");
      continue;
    }
    out.push(segment);
  }
  const body = out.join("/");
  if (rooted) return "/" + body;
  return body === "" ? "." : body;
}

/**
 * Joins path elements with `/` and cleans the result, as Go's `path.Join`;
 * empty elements are ignored and an all-empty join is `""`.
 *
 * @example
 * ```ts
 * joinPath("/run/nvidia/driver", "/usr/bin"); // "/run/nvidia/driver/usr/bin"
 * ```
 */
export function joinPath(...elements: string[]): string {
  const parts = elements.filter((e) => e !== "");
  return parts.length === 0 ? "" : cleanPath(parts.join("/"));
}

/**
 * Makes `p` absolute against the absolute directory `base` (unless it already
 * is) and cleans it.
 *
 * @example
 * ```ts
 * resolvePath("/bundles/a", "rootfs"); // "/bundles/a/rootfs"
 * resolvePath("/bundles/a", "/srv/root/"); // "/srv/root"
 * ```
 */
export function resolvePath(base: string, p: string): string {
  return p.startsWith("/") ? cleanPath(p) : joinPath(base, p);
}
