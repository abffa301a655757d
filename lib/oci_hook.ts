/**
 * `print-oci-hook`: the OCI hooks.d entry (hook schema 1.0.0) that wires the
 * hook into podman and CRI-O.
 *
 * @module
 */

import { quote, UsageError } from "./errors.ts";

/** Where hosts install the hook. */
export const DEFAULT_HOOK_PATH = "/usr/bin/nvidia-container-runtime-hook";

/** The `PATH` the hook runs with: the directories the CLI is searched in. */
export const HOOK_ENV_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The hooks.d JSON document. */
export interface OciHook {
  version: "1.0.0";
  hook: { path: string; args: string[]; env: string[] };
  when: { always: true };
  stages: ["prestart"];
}

/**
 * The hooks.d entry for the hook at `path` (absolute): run at the prestart
 * stage of every container (`when.always`), as `nvidia-container-runtime-hook
 * prestart`, with a sane `PATH` and nothing else in its environment.
 *
 * @throws {UsageError} when `path` is not absolute or holds control characters.
 *
 * @example
 * ```ts
 * ociHook("/usr/bin/nvidia-container-runtime-hook").stages; // ["prestart"]
 * ```
 */
export function ociHook(path: string = DEFAULT_HOOK_PATH): OciHook {
  if (!path.startsWith("/")) {
    throw new UsageError(`--path must be an absolute path, got ${quote(path)}`);
  }
  if ([...path].some((c) => c < " " || c === "\x7f")) {
    throw new UsageError(`--path must not contain control characters, got ${quote(path)}`);
  }
  return {
    version: "1.0.0",
    hook: {
      path,
      args: ["nvidia-container-runtime-hook", "prestart"],
      env: [`PATH=${HOOK_ENV_PATH}`],
    },
    when: { always: true },
    stages: ["prestart"],
  };
}
