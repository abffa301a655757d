/**
 * Reading /proc, /dev and /sys through `/bin/sh` and the standard tools
 * (`stat`, `readlink`, `ls`, `head`, `od`): Deno refuses these trees to a
 * program without `--allow-all`, which the hook is not given. `doctor` uses
 * these only for the paths Deno refuses (error name `NotCapable`).
 *
 * @module
 */

/** `lstat` as the host gives it: `st_mode` with its type bits, and `st_rdev`. */
export interface RawStat {
  mode: number;
  size: number;
  mtimeMs: number;
  rdev: number;
}

/**
 * Runs `/bin/sh` with `args`, an empty environment, stdin and stderr
 * `/dev/null`: its exit status and standard output.
 */
export type ShellRunner = (args: readonly string[]) => { code: number; stdout: Uint8Array };

/** The script every operation runs: `sh -c SCRIPT sh OP ARGS...`. */
export const SHELL_READER = [
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin; LC_ALL=C; export PATH LC_ALL",
  "op=$1; shift; case $op in",
  "lstat) exec stat -c '%f %t %T %Y %s' -- \"$1\" ;;",
  'link) exec readlink -- "$1" ;;',
  'list) [ -d "$1" ] && [ ! -L "$1" ] && cd -- "$1" && exec ls -A ;;',
  "read) cap=$1; shift; for p; do",
  '  if [ -L "$p" ]; then echo S; elif [ ! -e "$p" ]; then echo N',
  '  elif [ ! -f "$p" ]; then echo S; elif [ ! -r "$p" ]; then echo P',
  '  else printf F; head -c "$cap" -- "$p" | od -An -v -tx1 | tr -d \' \\n\'; echo; fi',
  "  done; exit 0 ;;",
  "esac; exit 1",
].join("\n");

/** An error named like Deno's, so that callers map it to the same text. */
function named(name: string, message: string): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

function sh(run: ShellRunner, args: readonly string[]): { code: number; text: string } {
  const out = run(["-c", SHELL_READER, "sh", ...args]);
  return { code: out.code, text: new TextDecoder().decode(out.stdout) };
}

/**
 * `st_rdev` from a device's major and minor numbers (glibc's `makedev`).
 *
 * @example
 * ```ts
 * makeDev(195, 255); // 50175
 * ```
 */
export function makeDev(major: number, minor: number): number {
  return Math.floor(major / 4096) * 2 ** 44 + Math.floor(minor / 256) * 2 ** 20 +
    (major % 4096) * 256 + (minor % 256);
}

/**
 * `lstat` of `path` through the shell.
 *
 * @throws {Error} named `NotFound` when `stat` fails.
 *
 * @example
 * ```ts
 * shellLstat(() => ({ code: 0, stdout: new TextEncoder().encode("21b6 c3 0 1700000000 0\n") }), "/dev/nvidia0").rdev;
 * // 49920
 * ```
 */
export function shellLstat(run: ShellRunner, path: string): RawStat {
  const { code, text } = sh(run, ["lstat", path]);
  const f = text.trim().split(" ");
  const [mode, major, minor, mtime, size] = f.map((x, i) => parseInt(x, i < 3 ? 16 : 10));
  if (code !== 0 || f.length !== 5 || [mode, major, minor, mtime, size].some(Number.isNaN)) {
    throw named("NotFound", "no such file or directory");
  }
  return {
    mode: mode as number,
    size: size as number,
    mtimeMs: (mtime as number) * 1000,
    rdev: makeDev(major as number, minor as number),
  };
}

/**
 * The target of the symbolic link `path`, through the shell.
 *
 * @throws {Error} named `NotFound` when `readlink` fails.
 *
 * @example
 * ```ts
 * shellReadLink(() => ({ code: 0, stdout: new TextEncoder().encode("../nvidia0\n") }), "/dev/char/195:0");
 * // "../nvidia0"
 * ```
 */
export function shellReadLink(run: ShellRunner, path: string): string {
  const { code, text } = sh(run, ["link", path]);
  if (code !== 0) throw named("NotFound", "no such file or directory");
  return text.endsWith("\n") ? text.slice(0, -1) : text;
}

/**
 * The names in the directory `path`, through the shell (names with a
 * newline come out split; /proc, /dev and /sys have none).
 *
 * @throws {Error} named `NotFound` when `path` is not a directory.
 *
 * @example
 * ```ts
 * shellReadDir(() => ({ code: 0, stdout: new TextEncoder().encode("1\n42\n") }), "/proc"); // ["1", "42"]
 * ```
 */
export function shellReadDir(run: ShellRunner, path: string): string[] {
  const { code, text } = sh(run, ["list", path]);
  if (code !== 0) throw named("NotFound", "no such file or directory");
  return text.split("\n").filter((n) => n !== "");
}

/**
 * Reads regular files through the shell, in one run: for each path its
 * bytes, `undefined` when it is larger than `cap` bytes, or an error
 * (named `NotFound`, `PermissionDenied`, or `Error` for "not a regular
 * file", symbolic links included).
 *
 * @example
 * ```ts
 * shellReadFiles(() => ({ code: 0, stdout: new TextEncoder().encode("F6f6b0a\nN\n") }), ["/a", "/b"], 8)[0];
 * // Uint8Array [0x6f, 0x6b, 0x0a]
 * ```
 */
export function shellReadFiles(
  run: ShellRunner,
  paths: readonly string[],
  cap: number,
): (Uint8Array | undefined | Error)[] {
  if (paths.length === 0) return [];
  const { code, text } = sh(run, ["read", String(cap + 1), ...paths]);
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return paths.map((_, i) => {
    const line = lines[i];
    if (code !== 0 || line === undefined) return named("Error", "cannot run /bin/sh");
    if (line === "N") return named("NotFound", "no such file or directory");
    if (line === "P") return named("PermissionDenied", "permission denied");
    if (!line.startsWith("F") || line.length % 2 !== 1 || /[^0-9a-f]/.test(line.slice(1))) {
      return named("Error", "not a regular file");
    }
    const bytes = new Uint8Array((line.length - 1) / 2);
    for (let k = 0; k < bytes.length; k++) {
      bytes[k] = parseInt(line.slice(1 + 2 * k, 3 + 2 * k), 16);
    }
    return bytes.length > cap ? undefined : bytes;
  });
}
