/**
 * Go's `filepath.Glob` over a `HostReader`, for containerd's `imports`.
 *
 * @module
 */

import type { HostReader } from "./host.ts";

/** Most names a glob returns. */
const MAX_MATCHES = 256;

const META = /[*?[\\]/;

/**
 * A regular expression for one segment of a Go `filepath.Match` pattern
 * (`*`, `?`, `[...]` with ranges and `^`, `\` escapes), or `undefined` when
 * the pattern is malformed.
 */
function segmentRegExp(pattern: string): RegExp | undefined {
  let out = "^";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === "*") out += "[^/]*";
    else if (c === "?") out += "[^/]";
    else if (c === "\\") {
      const next = pattern[++i];
      if (next === undefined) return undefined;
      out += escape(next);
    } else if (c === "[") {
      let j = i + 1;
      let cls = "[";
      if (pattern[j] === "^") {
        cls += "^";
        j++;
      }
      let any = false;
      while (j < pattern.length && (pattern[j] !== "]" || !any)) {
        let ch = pattern[j] as string;
        if (ch === "\\") ch = pattern[++j] ?? "";
        if (ch === "") return undefined;
        cls += escape(ch, true);
        if (pattern[j + 1] === "-" && pattern[j + 2] !== undefined && pattern[j + 2] !== "]") {
          let hi = pattern[j + 2] as string;
          j += 2;
          if (hi === "\\") hi = pattern[++j] ?? "";
          if (hi === "") return undefined;
          cls += `-${escape(hi, true)}`;
        }
        any = true;
        j++;
      }
      if (pattern[j] !== "]") return undefined;
      out += `${cls}]`;
      i = j;
    } else out += escape(c);
  }
  try {
    return new RegExp(`${out}$`, "u");
  } catch {
    return undefined;
  }
}

function escape(c: string, inClass = false): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) || (inClass && c === "-") ? `\\${c}` : c;
}

/**
 * The host paths matching the absolute pattern `pattern`, sorted (as Go's
 * `filepath.Glob`: a malformed pattern matches nothing, dot files match
 * `*`).
 */
export function glob(host: HostReader, pattern: string): string[] {
  let paths = ["/"];
  for (const seg of pattern.split("/").filter((s) => s !== "")) {
    const next: string[] = [];
    for (const dir of paths) {
      const prefix = dir === "/" ? "" : dir;
      if (!META.test(seg)) {
        if (host.lstat(`${prefix}/${seg}`) !== undefined) next.push(`${prefix}/${seg}`);
        continue;
      }
      const re = segmentRegExp(seg);
      if (re === undefined) return [];
      for (const name of host.readDir(dir) ?? []) {
        if (re.test(name)) next.push(`${prefix}/${name}`);
        if (next.length >= MAX_MATCHES) break;
      }
    }
    paths = next.slice(0, MAX_MATCHES);
  }
  return paths.filter((p) => p !== "/").sort();
}
