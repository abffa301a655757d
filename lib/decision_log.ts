/**
 * The decision log: one JSON line per `prestart`, appended to the file
 * `nvidia-container-runtime-hook.log-file` names, so that operators can see
 * what the hook decided for every container start (schema in
 * docs/decision-log.md).
 *
 * @module
 */

import { cleanPath } from "./clean_path.ts";

/** The schema of a log line; bumped when a field changes meaning. */
export const LOG_SCHEMA = 1;

/** Longest line, newline included: one `write`, so concurrent hooks never interleave. */
export const MAX_LOG_LINE = 4096;

/** Where a log file may be: the hook may write only there. */
export const LOG_ROOTS = ["/var/log", "/run"] as const;

/** What became of the start. */
export type LogOutcome =
  /** Not a GPU container: nothing was run. */
  | "no-gpu"
  /** The hook became the CLI with `argv`. */
  | "cli"
  /** The policy refused the request. */
  | "refused"
  /** Bad input, config or host: the start fails. */
  | "error";

/** One line of the log. Fields that were not reached are `null`. */
export interface LogEntry {
  schema: typeof LOG_SCHEMA;
  /** RFC 3339, UTC, milliseconds. */
  time: string;
  /** The state's `id`. */
  container: string | null;
  bundle: string | null;
  pid: number | null;
  gpu: boolean;
  /** Why not a GPU container, or where the request came from. */
  reason: string | null;
  devices: string | null;
  capabilities: readonly string[] | null;
  requirements: readonly string[] | null;
  argv: readonly string[] | null;
  outcome: LogOutcome;
  error: string | null;
  /** Milliseconds from the hook's start to this line. */
  hook_ms: number;
}

/**
 * Checks a `log-file` value: an absolute path under one of
 * {@linkcode LOG_ROOTS} (compared by segment, after `.` and `..` are
 * resolved lexically), naming a file below the root. Returns the cleaned
 * path, or `undefined` when it is not allowed.
 *
 * @example
 * ```ts
 * allowedLogPath("/var/log/nvidia-hook/decisions.log"); // "/var/log/nvidia-hook/decisions.log"
 * allowedLogPath("/var/log/../../etc/passwd"); // undefined
 * ```
 */
export function allowedLogPath(path: string): string | undefined {
  if (!path.startsWith("/")) return undefined;
  const clean = cleanPath(path);
  const segments = clean.split("/").slice(1);
  for (const root of LOG_ROOTS) {
    const rootSegments = root.split("/").slice(1);
    const under = rootSegments.every((s, i) => segments[i] === s);
    if (under && segments.length > rootSegments.length) return clean;
  }
  return undefined;
}

const MARKER = "...[cut]";

function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/** The entry with its longest string cut in half (marker appended). */
function cutLongest(entry: LogEntry): LogEntry | undefined {
  let best: { len: number; apply: (cut: string) => LogEntry; value: string } | undefined;
  const consider = (value: string, apply: (cut: string) => LogEntry) => {
    if (value.length > MARKER.length * 2 && (best === undefined || value.length > best.len)) {
      best = { len: value.length, apply, value };
    }
  };
  for (const key of ["container", "bundle", "reason", "devices", "error"] as const) {
    const v = entry[key];
    if (v !== null) consider(v, (cut) => ({ ...entry, [key]: cut }));
  }
  for (const key of ["capabilities", "requirements", "argv"] as const) {
    const list = entry[key];
    list?.forEach((v, i) =>
      consider(v, (cut) => ({ ...entry, [key]: list.map((x, j) => (j === i ? cut : x)) }))
    );
  }
  if (best === undefined) return undefined;
  const keep = Math.floor(best.value.length / 2);
  return best.apply(best.value.slice(0, keep) + MARKER);
}

/**
 * The entry as one JSON line (with its newline) of at most
 * {@linkcode MAX_LOG_LINE} bytes: while it is longer, the longest string
 * is cut in half and marked `...[cut]`.
 *
 * @example
 * ```ts
 * logLine(entry).endsWith("\n"); // true
 * ```
 */
export function logLine(entry: LogEntry): string {
  let current = entry;
  for (;;) {
    const line = JSON.stringify(current) + "\n";
    if (byteLength(line) <= MAX_LOG_LINE) return line;
    const next = cutLongest(current);
    if (next !== undefined) {
      current = next;
    } else if (current.argv?.[0] === MARKER && current.requirements === null) {
      return line; // nothing left to cut (short fixed fields only)
    } else {
      // Only many short strings left: the lists go, marked in place of argv.
      current = { ...current, capabilities: null, requirements: null, argv: [MARKER] };
    }
  }
}
