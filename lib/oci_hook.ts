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

/** A variable name `--env` accepts: a letter or `_`, then letters, digits and `_`. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The hooks.d JSON document. */
export interface OciHook {
  version: "1.0.0";
  hook: { path: string; args: string[]; env: string[] };
  when: { always: true };
  stages: ["prestart"];
}

/**
 * Checks one `--env` entry: `KEY=VALUE` with `KEY` a variable name (a letter
 * or `_`, then letters, digits and `_`) and no NUL anywhere, since the
 * runtime passes it to execve(2).
 *
 * @throws {UsageError} naming the entry, shown escaped and shortened.
 *
 * @example
 * ```ts
 * envEntry("NVIDIA_CTK_CONFIG_FILE_PATH=/etc/x.toml")[1]; // "/etc/x.toml"
 * ```
 */
export function envEntry(entry: string): [key: string, value: string] {
  const eq = entry.indexOf("=");
  const key = eq < 0 ? entry : entry.slice(0, eq);
  if (eq < 0 || !ENV_NAME.test(key)) {
    throw new UsageError(
      `--env must be KEY=VALUE with KEY a variable name (letters, digits, _), got ${quote(entry)}`,
    );
  }
  if (entry.includes("\0")) {
    throw new UsageError(`--env must not contain NUL, got ${quote(entry)}`);
  }
  return [key, entry.slice(eq + 1)];
}

/**
 * The hooks.d entry for the hook at `path` (absolute): run at the prestart
 * stage of every container (`when.always`), as `nvidia-container-runtime-hook
 * prestart`, with a sane `PATH` and nothing else in its environment but the
 * `env` entries (`KEY=VALUE`, see {@linkcode envEntry}), in order; an entry
 * replaces an earlier one with the same KEY in place (so `PATH=...` replaces
 * the default `PATH`).
 *
 * @throws {UsageError} when `path` is not absolute or holds control
 * characters, or an `env` entry is not a valid `KEY=VALUE`.
 *
 * @example
 * ```ts
 * ociHook("/usr/bin/nvidia-container-runtime-hook").stages; // ["prestart"]
 * ociHook(undefined, ["NVIDIA_CTK_CONFIG_FILE_PATH=/etc/hook.toml"]).hook.env.length; // 2
 * ```
 */
export function ociHook(path: string = DEFAULT_HOOK_PATH, env: readonly string[] = []): OciHook {
  if (!path.startsWith("/")) {
    throw new UsageError(`--path must be an absolute path, got ${quote(path)}`);
  }
  if ([...path].some((c) => c < " " || c === "\x7f")) {
    throw new UsageError(`--path must not contain control characters, got ${quote(path)}`);
  }
  const entries = new Map<string, string>([["PATH", HOOK_ENV_PATH]]);
  for (const entry of env) {
    const [key, value] = envEntry(entry);
    entries.set(key, value);
  }
  return {
    version: "1.0.0",
    hook: {
      path,
      args: ["nvidia-container-runtime-hook", "prestart"],
      env: [...entries].map(([key, value]) => `${key}=${value}`),
    },
    when: { always: true },
    stages: ["prestart"],
  };
}
