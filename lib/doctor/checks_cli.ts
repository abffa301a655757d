/**
 * `doctor`'s checks of `nvidia-container-cli`: found as `prestart` finds
 * it, its `--version`, and the user it is told to run as.
 *
 * @module
 */

import { resolvePath } from "../clean_path.ts";
import { cliSearchDirs, DEFAULT_BIN_DIRS } from "../cli_search_dirs.ts";
import {
  type CliVersion,
  type CompatSupport,
  compatSupport,
  formatVersion,
  parseCliVersion,
} from "../cli_version.ts";
import { CUDA_COMPAT_KEY, cudaCompatOption } from "../cuda_compat.ts";
import { InputError, quote } from "../errors.ts";
import type { HookConfig } from "../hook_config.ts";
import { type Check, fail, ok, warn } from "./check.ts";
import { CONFIG_NOT_LOADED, configFileToEdit, type HookFacts } from "./checks_hook.ts";
import type { HostReader } from "./host.ts";

/** How long `nvidia-container-cli --version` may take, in milliseconds. */
export const VERSION_TIMEOUT_MS = 5000;

/** How much of its output is kept, in bytes. */
export const VERSION_MAX_BYTES = 64 * 1024;

/** Largest /etc/passwd or /etc/group read, in bytes. */
const MAX_ACCOUNTS_BYTES = 4 * 1024 * 1024;

/** The first CLI that takes `--cuda-compat-mode`. */
const COMPAT_MODE_CLI = "1.17.7";

/** What running `--version` gave. */
export type VersionFacts =
  | { ok: true; version: CliVersion }
  | { ok: false; error: string };

/** Where the CLI is and what it says it is. */
export interface CliFacts {
  /** From `nvidia-container-cli.path` (not searched). */
  configured: boolean;
  /** The CLI `prestart` would run (a host path), or `undefined`. */
  path: string | undefined;
  /** Why `prestart` could not run it, or `undefined`. */
  error: string | undefined;
  /** `--version`, when the CLI was found. */
  version: VersionFacts | undefined;
}

function firstLine(text: string): string {
  return text.split("\n", 1)[0] ?? "";
}

async function versionOf(host: HostReader, path: string): Promise<VersionFacts> {
  const run = await host.run(path, ["--version"], {
    env: { PATH: DEFAULT_BIN_DIRS.join(":") },
    timeoutMs: VERSION_TIMEOUT_MS,
    maxBytes: VERSION_MAX_BYTES,
  });
  const cmd = `${path} --version`;
  if (!run.ok) return { ok: false, error: `Cannot run ${cmd}: ${run.error}` };
  if (run.timedOut) {
    return { ok: false, error: `${cmd} did not finish within ${VERSION_TIMEOUT_MS / 1000} s` };
  }
  if (run.code !== 0) {
    const how = run.code === null ? "was killed by a signal" : `exited with status ${run.code}`;
    return { ok: false, error: `${cmd} ${how}` };
  }
  const version = parseCliVersion(run.output);
  if (version === undefined) {
    return {
      ok: false,
      error: `${cmd} printed ${quote(firstLine(run.output))}, not "cli-version: X.Y.Z"`,
    };
  }
  return { ok: true, version };
}

/**
 * Finds the CLI as `prestart` does (the configured path, relative to `cwd`,
 * else the first executable `nvidia-container-cli` in the search
 * directories of `pathEnv` and `nvidia-container-cli.root`) and runs it with
 * `--version` (with a timeout and a cap on its output).
 *
 * @example
 * ```ts
 * (await loadCliFacts(host, defaultHookConfig(), "/usr/bin", "/")).path; // "/usr/bin/nvidia-container-cli"
 * ```
 */
export async function loadCliFacts(
  host: HostReader,
  config: HookConfig,
  pathEnv: string | undefined,
  cwd: string,
): Promise<CliFacts> {
  const configured = config.cli.path;
  if (configured !== undefined) {
    const path = resolvePath(cwd, configured);
    const entry = host.stat(path);
    let error: string | undefined;
    if (entry === undefined) error = "no such file or directory";
    else if (entry.kind !== "file" || (entry.perm & 0o111) === 0) error = "permission denied";
    if (error !== undefined) {
      const message = `Cannot run nvidia-container-cli ${JSON.stringify(path)}: ${error}`;
      return { configured: true, path, error: message, version: undefined };
    }
    return { configured: true, path, error: undefined, version: await versionOf(host, path) };
  }
  const dirs = cliSearchDirs(pathEnv, config.cli.root);
  for (const dir of dirs) {
    const path = `${dir}/nvidia-container-cli`;
    if (host.isExecutable(path)) {
      return { configured: false, path, error: undefined, version: await versionOf(host, path) };
    }
  }
  const error = `Cannot find nvidia-container-cli in ${dirs.join(":")}`;
  return { configured: false, path: undefined, error, version: undefined };
}

function pathCheck(facts: CliFacts, hook: HookFacts): Check {
  const file = configFileToEdit(hook);
  if (facts.error !== undefined) {
    const fix = facts.configured
      ? `install nvidia-container-cli at that path, or fix nvidia-container-cli.path in ${file}`
      : `install libnvidia-container-tools (nvidia-container-cli), or set nvidia-container-cli.path in ${file}`;
    return fail("cli.path", facts.error, fix);
  }
  const how = facts.configured ? "nvidia-container-cli.path" : "found in the search directories";
  return ok("cli.path", `${facts.path} (${how})`);
}

/** The CLI generations, oldest first. */
const GENERATIONS: readonly CompatSupport[] = ["none", "no-cntlibs", "cuda-compat-mode"];

function versionCheck(facts: CliFacts, hook: HookFacts): Check {
  const v = facts.version;
  const file = configFileToEdit(hook);
  if (v === undefined) {
    return ok("cli.version", "skipped: no nvidia-container-cli to run (see cli.path)");
  }
  if (!v.ok) {
    return fail(
      "cli.version",
      v.error,
      `reinstall libnvidia-container-tools; ${facts.path} --version must print "cli-version: X.Y.Z" first`,
    );
  }
  const actual = v.version;
  const name = `nvidia-container-cli ${formatVersion(actual)}`;
  const stated = hook.config.cliVersion;
  // prestart builds the compat option for the stated version, else the one the CLI says.
  const used = stated ?? actual;
  let option: string | undefined;
  try {
    option = cudaCompatOption(hook.config, {
      path: facts.path as string,
      version: used,
      support: compatSupport(used),
    });
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return fail(
      "cli.version",
      e.message,
      `upgrade libnvidia-container-tools, or change ${CUDA_COMPAT_KEY} in ${file}`,
    );
  }
  if (stated !== undefined && formatVersion(stated) !== formatVersion(actual)) {
    const [says, is] = [formatVersion(stated), formatVersion(actual)];
    const base = `nvidia-container-runtime-hook.cli-version is ${says}, but ${facts.path} is ${is}`;
    const fix = `set nvidia-container-runtime-hook.cli-version = "${is}" in ${file}, or remove it`;
    const needs: CompatSupport = option?.startsWith("--cuda-compat-mode=")
      ? "cuda-compat-mode"
      : option === undefined
      ? "none"
      : "no-cntlibs";
    const rejected = GENERATIONS.indexOf(needs) > GENERATIONS.indexOf(compatSupport(actual));
    return rejected
      ? fail("cli.version", `${base}: prestart passes ${option}, which this CLI rejects`, fix)
      : warn(
        "cli.version",
        `${base}: prestart passes the options of ${says}, not those of ${is}`,
        fix,
      );
  }
  const agrees = stated === undefined ? "" : " (as nvidia-container-runtime-hook.cli-version says)";
  if (compatSupport(actual) === "cuda-compat-mode") {
    return ok("cli.version", `${name} takes --cuda-compat-mode${agrees}`);
  }
  return warn(
    "cli.version",
    `${name} does not take --cuda-compat-mode (${COMPAT_MODE_CLI} and later do): the container's CUDA compat libraries cannot be controlled${agrees}`,
    `upgrade libnvidia-container-tools to ${COMPAT_MODE_CLI} or later`,
  );
}

/** The names and numbers of /etc/passwd or /etc/group: name to id. */
function accounts(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#") || line.startsWith("+") || line.startsWith("-")) {
      continue;
    }
    const f = line.split(":");
    if (f.length >= 3 && f[0] !== "" && !out.has(f[0] as string)) {
      out.set(f[0] as string, f[2] as string);
    }
  }
  return out;
}

const NUMBER = /^[0-9]{1,10}$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,255}\$?$/;

/**
 * One part of `user` against its account file: `undefined` when it is
 * there, else what is wrong and whether it fails.
 */
function lookup(
  host: HostReader,
  part: string,
  file: string,
  what: "user" | "group",
): { fails: boolean; message: string } | undefined {
  const read = host.readText(file, MAX_ACCOUNTS_BYTES);
  if (!read.ok) return { fails: false, message: `Cannot read ${file}: ${read.error}` };
  const known = accounts(read.value);
  if (NUMBER.test(part)) {
    if ([...known.values()].includes(part)) return undefined;
    return {
      fails: false,
      message: `${what} id ${part} has no entry in ${file} (the CLI uses the number as it is)`,
    };
  }
  if (known.has(part)) return undefined;
  return { fails: true, message: `${what} ${quote(part)} is not in ${file}` };
}

function userCheck(hook: HookFacts, host: HostReader): Check {
  if (hook.report.error !== null) return ok("cli.user", CONFIG_NOT_LOADED);
  const user = hook.config.cli.user;
  const file = configFileToEdit(hook);
  if (user === undefined) return ok("cli.user", "nvidia-container-cli.user is unset");
  const parts = user.split(":");
  const wellFormed = parts.length <= 2 && parts.every((p) => NUMBER.test(p) || NAME.test(p));
  if (!wellFormed) {
    return fail(
      "cli.user",
      `nvidia-container-cli.user ${quote(user)} is not UID[:GID] (numbers or names)`,
      `fix nvidia-container-cli.user in ${file}, e.g. "root:video"`,
    );
  }
  const problems = [
    lookup(host, parts[0] as string, "/etc/passwd", "user"),
    parts[1] === undefined ? undefined : lookup(host, parts[1], "/etc/group", "group"),
  ].filter((p) => p !== undefined);
  const first = problems.find((p) => p.fails) ?? problems[0];
  if (first === undefined) {
    return ok("cli.user", `nvidia-container-cli.user ${quote(user)} exists on the host`);
  }
  const message = `nvidia-container-cli.user ${quote(user)}: ${first.message}`;
  const fix = `create it (useradd/groupadd), or fix nvidia-container-cli.user in ${file}`;
  return first.fails ? fail("cli.user", message, fix) : warn("cli.user", message, fix);
}

/**
 * The checks of the CLI, in report order: `cli.path`, `cli.version`,
 * `cli.user`.
 *
 * @example
 * ```ts
 * cliChecks(cliFacts, hookFacts, host).map((c) => c.id); // ["cli.path", "cli.version", "cli.user"]
 * ```
 */
export function cliChecks(facts: CliFacts, hook: HookFacts, host: HostReader): Check[] {
  return [pathCheck(facts, hook), versionCheck(facts, hook), userCheck(hook, host)];
}
