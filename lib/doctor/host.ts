/**
 * How `doctor` sees the host: a small I/O interface (`HostView`, which
 * `main.ts` implements with Deno and tests implement in memory), and a
 * reader over it that works on host paths under a root directory, follows
 * symbolic links without leaving that root, caps every read and never
 * throws.
 *
 * @module
 */

import { escapeControls } from "../_escape.ts";
import {
  type RawStat,
  shellLstat,
  shellReadDir,
  shellReadFiles,
  shellReadLink,
  type ShellRunner,
} from "./shell_fallback.ts";

/** `lstat` as the host gives it (see `shell_fallback.ts`). */
export type { RawStat } from "./shell_fallback.ts";

/** How `doctor` runs a program: its whole environment, and limits. */
export interface RunOptions {
  /** The environment (nothing else is inherited). */
  env: Record<string, string>;
  /** Killed after this many milliseconds. */
  timeoutMs: number;
  /** Standard output kept, in bytes; the program is killed when it prints more. */
  maxBytes: number;
}

/** How a run went. */
export type RunResult =
  | {
    ok: true;
    /** Exit status (`null` when killed by a signal). */
    code: number | null;
    /** Standard output, at most `maxBytes`. */
    output: string;
    truncated: boolean;
    timedOut: boolean;
  }
  | { ok: false; error: string };

/**
 * The primitive operations on real paths (the root already prepended).
 * Failures throw errors named like Deno's (`NotFound`, `PermissionDenied`,
 * `NotCapable`, ...); `run` never throws.
 */
export interface HostView {
  /** `lstat(2)`. */
  lstat(path: string): RawStat;
  /** `readlink(2)`. */
  readLink(path: string): string;
  /** The bytes of a regular file, or `undefined` when it has more than `cap`. */
  readFile(path: string, cap: number): Uint8Array | undefined;
  /** The names in a directory. */
  readDir(path: string): string[];
  /** Runs `/bin/sh` with these arguments (see `shell_fallback.ts`). */
  shell: ShellRunner;
  /** Runs a program (stdin and stderr `/dev/null`), killed at the timeout. */
  run(path: string, args: readonly string[], options: RunOptions): Promise<RunResult>;
}

/** The type of a file. */
export type FileKind = "file" | "dir" | "symlink" | "char" | "block" | "fifo" | "socket" | "other";

/**
 * The type of a file from its `st_mode`.
 *
 * @example
 * ```ts
 * fileKind(0o020666); // "char"
 * ```
 */
export function fileKind(mode: number): FileKind {
  switch (Math.floor(mode / 4096) % 16) {
    case 0o10:
      return "file";
    case 0o04:
      return "dir";
    case 0o12:
      return "symlink";
    case 0o02:
      return "char";
    case 0o06:
      return "block";
    case 0o01:
      return "fifo";
    case 0o14:
      return "socket";
    default:
      return "other";
  }
}

/**
 * The major and minor numbers of a device from its `st_rdev` (glibc's
 * `major` and `minor`).
 *
 * @example
 * ```ts
 * devNumbers(50175); // { major: 195, minor: 255 }
 * ```
 */
export function devNumbers(rdev: number): { major: number; minor: number } {
  const major = (Math.floor(rdev / 256) % 4096) + Math.floor(rdev / 2 ** 44) * 4096;
  const minor = (rdev % 256) + (Math.floor(rdev / 2 ** 20) % 2 ** 24) * 256;
  return { major, minor };
}

/** What a host path is. */
export interface Entry {
  /** The host path after following symbolic links (for `stat`). */
  path: string;
  kind: FileKind;
  /** Permission bits (`0o7777`). */
  perm: number;
  size: number;
  mtimeMs: number;
  major: number;
  minor: number;
}

/** Text or bytes read, or why not (one short lower-case reason). */
export type ReadResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** Reads host paths under a root; never throws. */
export interface HostReader {
  /** The root directory (`/` for the host itself). */
  readonly root: string;
  /** The entry `path` names, links followed (inside the root); `undefined` when none. */
  stat(path: string): Entry | undefined;
  /** The entry itself when it is a symbolic link (its directory's links followed). */
  lstat(path: string): Entry | undefined;
  /** The target of the symbolic link `path`. */
  readLink(path: string): string | undefined;
  /** A regular file's text (UTF-8), at most `cap` bytes. */
  readText(path: string, cap: number): ReadResult<string>;
  /** A regular file's bytes, at most `cap`. */
  readBytes(path: string, cap: number): ReadResult<Uint8Array>;
  /** The names in a directory, sorted; `undefined` when it cannot be listed. */
  readDir(path: string): string[] | undefined;
  /**
   * The file `file` in each directory `dir/NAME` at once (`/proc/PID/comm`,
   * in one shell run when refused): `undefined` for one that cannot be
   * read. `dir` is resolved; `NAME` is not checked for links, and `file`
   * must be a regular file (a link there is not followed).
   */
  readEach(
    dir: string,
    names: readonly string[],
    file: string,
    cap: number,
  ): (string | undefined)[];
  /** Whether `path` is a regular file with an execute bit. */
  isExecutable(path: string): boolean;
  /** Runs the program at host path `path`. */
  run(path: string, args: readonly string[], options: RunOptions): Promise<RunResult>;
}

/** Most symbolic links followed for one path, as Linux does. */
const MAX_LINKS = 40;

/**
 * The lower-case reason of an error thrown by a `HostView`, escaped to one
 * line.
 *
 * @example
 * ```ts
 * const e = new Error("x");
 * e.name = "NotFound";
 * errorReason(e); // "no such file or directory"
 * ```
 */
export function errorReason(e: unknown): string {
  if (!(e instanceof Error)) return escapeControls(String(e));
  switch (e.name) {
    case "NotFound":
      return "no such file or directory";
    case "PermissionDenied":
      return "permission denied";
    case "NotADirectory":
      return "not a directory";
    case "IsADirectory":
      return "is a directory";
    case "FilesystemLoop":
      return "too many levels of symbolic links";
    default:
      return escapeControls(e.message);
  }
}

const NOT_CAPABLE = "NotCapable";

function isRefused(e: unknown): boolean {
  return e instanceof Error && e.name === NOT_CAPABLE;
}

/** Splits a host path into its segments (empty and `.` dropped). */
function segments(path: string): string[] {
  return path.split("/").filter((s) => s !== "" && s !== ".");
}

/**
 * A reader of the host tree under `root` (an absolute path; `/` is the host
 * itself) through `view`. Paths given to it are host paths: `/etc/x` is read
 * as `<root>/etc/x`, and a link to `/y` goes to `<root>/y`. Paths Deno
 * refuses (/proc, /dev, /sys) are read through the shell.
 *
 * @example
 * ```ts
 * const host = hostReader(view, "/srv/fake-host");
 * host.readText("/etc/docker/daemon.json", 1 << 20); // reads /srv/fake-host/etc/docker/daemon.json
 * ```
 */
export function hostReader(view: HostView, root: string): HostReader {
  const base = segments(root).join("/");
  const real = (hostPath: string) => `${base === "" ? "" : `/${base}`}${hostPath}` || "/";
  const lstats = new Map<string, RawStat | Error>();
  const rawLstat = (hostPath: string): RawStat | Error => {
    const known = lstats.get(hostPath);
    if (known !== undefined) return known;
    let result: RawStat | Error;
    try {
      result = view.lstat(real(hostPath));
    } catch (e) {
      try {
        result = isRefused(e) ? shellLstat(view.shell, real(hostPath)) : asError(e);
      } catch (e2) {
        result = asError(e2);
      }
    }
    lstats.set(hostPath, result);
    return result;
  };
  const rawReadLink = (hostPath: string): string | undefined => {
    try {
      return view.readLink(real(hostPath));
    } catch (e) {
      if (!isRefused(e)) return undefined;
      try {
        return shellReadLink(view.shell, real(hostPath));
      } catch {
        return undefined;
      }
    }
  };

  /** The host path `path` names, links followed inside the root; or why not. */
  const resolve = (path: string, followLast: boolean): ReadResult<string> => {
    let done: string[] = [];
    const todo = segments(path).reverse();
    let links = 0;
    while (todo.length > 0) {
      const part = todo.pop() as string;
      if (part === "..") {
        done.pop();
        continue;
      }
      const candidate = [...done, part];
      const hostPath = `/${candidate.join("/")}`;
      if (todo.length === 0 && !followLast) return { ok: true, value: hostPath };
      const info = rawLstat(hostPath);
      if (info instanceof Error) return { ok: false, error: errorReason(info) };
      const kind = fileKind(info.mode);
      if (kind === "symlink") {
        if (++links > MAX_LINKS) return { ok: false, error: "too many levels of symbolic links" };
        const target = rawReadLink(hostPath);
        if (target === undefined) return { ok: false, error: "unreadable symbolic link" };
        if (target.startsWith("/")) done = [];
        todo.push(...segments(target).reverse());
        continue;
      }
      if (todo.length > 0 && kind !== "dir") return { ok: false, error: "not a directory" };
      done = candidate;
    }
    return { ok: true, value: `/${done.join("/")}` };
  };

  const entry = (path: string, followLast: boolean): Entry | undefined => {
    const resolved = resolve(path, followLast);
    if (!resolved.ok) return undefined;
    const info = rawLstat(resolved.value);
    if (info instanceof Error) return undefined;
    return {
      path: resolved.value,
      kind: fileKind(info.mode),
      perm: info.mode % 4096,
      size: info.size,
      mtimeMs: info.mtimeMs,
      ...devNumbers(info.rdev),
    };
  };

  const readBytes = (path: string, cap: number): ReadResult<Uint8Array> => {
    const resolved = resolve(path, true);
    if (!resolved.ok) return resolved;
    const info = rawLstat(resolved.value);
    if (info instanceof Error) return { ok: false, error: errorReason(info) };
    const kind = fileKind(info.mode);
    if (kind === "dir") return { ok: false, error: "is a directory" };
    if (kind !== "file") return { ok: false, error: "not a regular file" };
    let bytes: Uint8Array | undefined | Error;
    try {
      bytes = view.readFile(real(resolved.value), cap);
    } catch (e) {
      bytes = isRefused(e) ? shellRead(view.shell, [real(resolved.value)], cap)[0] : asError(e);
    }
    if (bytes instanceof Error) return { ok: false, error: errorReason(bytes) };
    if (bytes === undefined) return { ok: false, error: `larger than ${cap} bytes` };
    return { ok: true, value: bytes };
  };

  return {
    root: base === "" ? "/" : `/${base}`,
    stat: (path) => entry(path, true),
    lstat: (path) => entry(path, false),
    readLink(path) {
      const resolved = resolve(path, false);
      return resolved.ok ? rawReadLink(resolved.value) : undefined;
    },
    readBytes,
    readText(path, cap) {
      const r = readBytes(path, cap);
      return r.ok ? { ok: true, value: new TextDecoder().decode(r.value) } : r;
    },
    readDir(path) {
      const resolved = resolve(path, true);
      if (!resolved.ok) return undefined;
      try {
        return view.readDir(real(resolved.value)).sort();
      } catch (e) {
        if (!isRefused(e)) return undefined;
        try {
          return shellReadDir(view.shell, real(resolved.value)).sort();
        } catch {
          return undefined;
        }
      }
    },
    readEach(dir, names, file, cap) {
      const out: (string | undefined)[] = names.map(() => undefined);
      const resolved = resolve(dir, true);
      if (!resolved.ok) return out;
      const reals = names.map((n) =>
        real(`${resolved.value === "/" ? "" : resolved.value}/${n}/${file}`)
      );
      const refused: number[] = [];
      reals.forEach((path, i) => {
        try {
          if (fileKind(view.lstat(path).mode) !== "file") return;
          const bytes = view.readFile(path, cap);
          if (bytes !== undefined) out[i] = new TextDecoder().decode(bytes);
        } catch (e) {
          if (isRefused(e)) refused.push(i);
        }
      });
      const read = shellRead(view.shell, refused.map((i) => reals[i] as string), cap);
      refused.forEach((i, k) => {
        const bytes = read[k];
        if (bytes instanceof Uint8Array) out[i] = new TextDecoder().decode(bytes);
      });
      return out;
    },
    isExecutable(path) {
      const e = entry(path, true);
      return e !== undefined && e.kind === "file" && (e.perm & 0o111) !== 0;
    },
    run(path, args, options) {
      const resolved = resolve(path, true);
      if (!resolved.ok) return Promise.resolve(resolved);
      return view.run(real(resolved.value), args, options);
    },
  };
}

/** `shellReadFiles`, with a shell that cannot start as an error for each path. */
function shellRead(
  run: ShellRunner,
  paths: readonly string[],
  cap: number,
): (Uint8Array | undefined | Error)[] {
  try {
    return shellReadFiles(run, paths, cap);
  } catch (e) {
    return paths.map(() => asError(e));
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
