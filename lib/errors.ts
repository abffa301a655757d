/**
 * Error classes of the hook. `lib/` throws them; `main.ts` catches them once
 * and prints their message as the single error line.
 *
 * @module
 */

import { escapeControls } from "./_escape.ts";

/**
 * Input that cannot be parsed or does not have the expected form: the state
 * on stdin, `config.json`, the config file, a container variable.
 *
 * @example
 * ```ts
 * throw new InputError('Cannot parse config.json: "ociVersion" must be a string');
 * ```
 */
export class InputError extends SyntaxError {
  override name = "InputError";
}

/**
 * A well-formed request that the policy refuses, such as a MIG option from
 * an unprivileged container.
 *
 * @example
 * ```ts
 * throw new PolicyError("Cannot set NVIDIA_MIG_CONFIG_DEVICES in an unprivileged container");
 * ```
 */
export class PolicyError extends Error {
  override name = "PolicyError";
}

/**
 * A failure of the host rather than of the input: a file that cannot be
 * read, an `nvidia-container-cli` that cannot be found or started.
 *
 * @example
 * ```ts
 * throw new HostError('Cannot find nvidia-container-cli in "/usr/bin"');
 * ```
 */
export class HostError extends Error {
  override name = "HostError";
}

/**
 * A command line that does not follow the usage: unknown flag, missing
 * value, unknown command. `main.ts` prints the usage and exits 2.
 *
 * @example
 * ```ts
 * throw new UsageError("Flag provided but not defined: -x");
 * ```
 */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Longest excerpt of a container-controlled value that an error message shows. */
export const MAX_QUOTED = 64;

/**
 * Quotes a value for an error message, cut to {@linkcode MAX_QUOTED}
 * characters, with control characters escaped so the message stays one line.
 *
 * @example
 * ```ts
 * quote("compute,foo"); // '"compute,foo"'
 * ```
 */
export function quote(value: string): string {
  const cut = value.length > MAX_QUOTED ? value.slice(0, MAX_QUOTED) + "..." : value;
  // JSON.stringify escapes C0 controls; DEL, C1 and U+2028/U+2029 it leaves.
  return escapeControls(JSON.stringify(cut));
}

/**
 * A word from the command line as {@linkcode quote} shows it (escaped, cut to
 * {@linkcode MAX_QUOTED} characters) but without the quotes, so a usage error
 * stays one line and keeps Go's `-name` form.
 *
 * @example
 * ```ts
 * printable("-a\nb"); // "-a\\nb"
 * ```
 */
export function printable(word: string): string {
  return quote(word).slice(1, -1);
}
