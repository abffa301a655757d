/**
 * One result of `doctor`: a check id, its status, a one-line message and a
 * one-line fix.
 *
 * @module
 */

/** The statuses of a check, from best to worst. */
export const STATUSES = ["ok", "warn", "fail"] as const;

/** One of {@linkcode STATUSES}. */
export type Status = typeof STATUSES[number];

/**
 * Every check `doctor` reports, in the order it reports them; the part
 * before the dot is the section.
 */
export const CHECK_IDS = [
  "hook.version",
  "hook.config",
  "hook.unprivileged-envvar",
  "hook.compat-libs",
  "hook.ldconfig",
  "cli.path",
  "cli.version",
  "cli.user",
  "driver.version",
  "driver.gpus",
  "driver.devices",
  "driver.libraries",
  "driver.persistenced",
  "docker.daemon-json",
  "docker.runtimes",
  "docker.hook-path",
  "docker.hook-restart",
  "containerd.config",
  "containerd.runtimes",
  "hooks-d.files",
  "hooks-d.duplicates",
  "mode.wiring",
  "cgroups.dev-char",
] as const;

/** One of {@linkcode CHECK_IDS}. */
export type CheckId = typeof CHECK_IDS[number];

/** The result of one check. */
export interface Check {
  id: CheckId;
  status: Status;
  /** What was found, one line. */
  message: string;
  /** What to do about it, one line naming the file or command; `""` when nothing. */
  fix: string;
}

/**
 * A passing check; `message` may start with `skipped: ` when there was
 * nothing to check (an engine that is not installed).
 *
 * @example
 * ```ts
 * ok("cli.user", "nvidia-container-cli.user is unset").status; // "ok"
 * ```
 */
export function ok(id: CheckId, message: string): Check {
  return { id, status: "ok", message, fix: "" };
}

/**
 * A check that found something risky or degraded, with its fix.
 *
 * @example
 * ```ts
 * warn("driver.persistenced", "no socket", "systemctl enable --now nvidia-persistenced").status; // "warn"
 * ```
 */
export function warn(id: CheckId, message: string, fix: string): Check {
  return { id, status: "warn", message, fix };
}

/**
 * A check that found what breaks GPU containers, with its fix.
 *
 * @example
 * ```ts
 * fail("cli.path", "Cannot find nvidia-container-cli in /usr/bin", "install it").status; // "fail"
 * ```
 */
export function fail(id: CheckId, message: string, fix: string): Check {
  return { id, status: "fail", message, fix };
}

/**
 * The first `max` items joined with `, `, and how many more there are.
 *
 * @example
 * ```ts
 * listed(["a", "b", "c"], 2); // "a, b and 1 more"
 * ```
 */
export function listed(items: readonly string[], max = 4): string {
  const shown = items.slice(0, max).join(", ");
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}
