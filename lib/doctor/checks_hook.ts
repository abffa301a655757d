/**
 * `doctor`'s checks of this hook: its version, the config file `prestart`
 * loads (judged by `check-config`'s rules), and the settings that weaken
 * the host's security.
 *
 * @module
 */

import { checkConfig, type CheckReport, noConfigReport } from "../check_config.ts";
import { resolvePath } from "../clean_path.ts";
import { ldconfigWarning } from "../config_keys.ts";
import { type ConfigCandidate, defaultHookConfig, type HookConfig } from "../hook_config.ts";
import { normalizeLdconfig } from "../normalize_ldconfig.ts";
import { parseConfig } from "../parse_config.ts";
import { parseToml, type TomlTable } from "../parse_toml.ts";
import { type Check, fail, listed, ok, warn } from "./check.ts";
import type { HostReader } from "./host.ts";

/** Largest config file read, in bytes (as `prestart`). */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** The file fixes name when no config file exists. */
export const DEFAULT_CONFIG_FILE = "/etc/nvidia-container-runtime/config.toml";

/** What `doctor` knows about the hook and its config. */
export interface HookFacts {
  /** What `-version` prints, lines joined with `, `. */
  version: string;
  /** The config file `prestart` loads (a host path), or `null` for none. */
  file: string | null;
  /** Where the file came from (`built-in path`, `-config flag`, ...). */
  origin: string;
  /** The files looked for, in order. */
  searched: readonly string[];
  /** `check-config`'s verdict on the file. */
  report: CheckReport;
  /** The settings (the built-in defaults when the file does not load). */
  config: HookConfig;
  /** The file's TOML, also when the settings do not load (empty when it does not parse). */
  doc: TomlTable;
}

/** The file's TOML, or an empty table when it does not parse. */
function rawToml(text: string): TomlTable {
  try {
    return parseToml(text);
  } catch {
    return Object.create(null);
  }
}

function isTable(v: unknown): v is TomlTable {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/**
 * Finds and loads the config file the way `prestart` does: the first
 * candidate that exists (a missing required one is an error), read under
 * the host root; relative paths are taken from `cwd`.
 *
 * @example
 * ```ts
 * loadHookFacts(host, configCandidates("", {}), "/", "NVIDIA Container Runtime Hook version 0.1.0\n").file;
 * // "/etc/nvidia-container-runtime/config.toml" (when it exists)
 * ```
 */
export function loadHookFacts(
  host: HostReader,
  candidates: readonly ConfigCandidate[],
  cwd: string,
  version: string,
): HookFacts {
  const base = {
    version: version.trim().split("\n").join(", "),
    searched: candidates.map((c) => resolvePath(cwd, c.path)),
    config: defaultHookConfig(),
    doc: Object.create(null) as TomlTable,
  };
  for (const candidate of candidates) {
    const path = resolvePath(cwd, candidate.path);
    const read = host.readText(path, MAX_CONFIG_BYTES);
    if (!read.ok) {
      if (read.error === "no such file or directory" && !candidate.required) continue;
      const error = `Cannot read config file ${path}: ${read.error}`;
      return {
        ...base,
        file: path,
        origin: candidate.origin,
        report: { file: path, origin: candidate.origin, settings: [], warnings: [], error },
      };
    }
    const report = checkConfig(read.value, path, candidate.origin);
    const facts = {
      ...base,
      file: path,
      origin: candidate.origin,
      report,
      doc: rawToml(read.value),
    };
    if (report.error !== null) return facts;
    return { ...facts, config: parseConfig(read.value, path) };
  }
  return { ...base, file: null, origin: "built-in defaults", report: noConfigReport() };
}

/**
 * The file a fix should name: the loaded config file, or the default one.
 *
 * @example
 * ```ts
 * configFileToEdit(factsWithoutFile); // "/etc/nvidia-container-runtime/config.toml"
 * ```
 */
export function configFileToEdit(facts: HookFacts): string {
  return facts.file ?? DEFAULT_CONFIG_FILE;
}

const GATE = "accept-nvidia-visible-devices-envvar-when-unprivileged";

function configCheck(facts: HookFacts): Check {
  const { report } = facts;
  if (report.error !== null) {
    return fail(
      "hook.config",
      report.error,
      `fix ${facts.file}; nvidia-container-runtime-hook check-config ${facts.file} shows each error`,
    );
  }
  if (facts.file === null) {
    return ok(
      "hook.config",
      `no config file found, built-in defaults (looked in ${listed(facts.searched)})`,
    );
  }
  const ldconfig = ldconfigWarning(facts.config);
  // The ldconfig warning is hook.ldconfig's to report.
  const warnings = report.warnings.filter((w) => ldconfig === undefined || !w.endsWith(ldconfig));
  const where = `${facts.file} (${facts.origin})`;
  if (warnings.length === 0) return ok("hook.config", `${where} loads without warnings`);
  const more = warnings.length > 1 ? ` (and ${warnings.length - 1} more)` : "";
  return warn(
    "hook.config",
    `${where}: ${warnings[0]}${more}`,
    `edit ${facts.file}; nvidia-container-runtime-hook check-config ${facts.file} lists every warning`,
  );
}

/** The message of a settings check when the config file does not load. */
export const CONFIG_NOT_LOADED = "skipped: the config file does not load (see hook.config)";

function envvarCheck(facts: HookFacts): Check {
  if (facts.report.error !== null) return ok("hook.unprivileged-envvar", CONFIG_NOT_LOADED);
  if (!facts.config.acceptEnvvarUnprivileged) {
    return ok(
      "hook.unprivileged-envvar",
      `${GATE} is false: unprivileged containers cannot request GPUs by NVIDIA_VISIBLE_DEVICES`,
    );
  }
  const set = facts.report.settings.find((s) => s.key === GATE);
  const how = set === undefined || set.isDefault ? "true (the default)" : "true";
  return warn(
    "hook.unprivileged-envvar",
    `${GATE} is ${how}: any unprivileged container can request every GPU with NVIDIA_VISIBLE_DEVICES=all, which CUDA base images set`,
    `set ${GATE} = false in ${
      configFileToEdit(facts)
    } (GPUs then come from volume mounts with accept-nvidia-visible-devices-as-volume-mounts = true, or to privileged containers)`,
  );
}

function compatCheck(facts: HookFacts): Check {
  if (facts.report.error !== null) return ok("hook.compat-libs", CONFIG_NOT_LOADED);
  const key = "features.allow-cuda-compat-libs-from-container";
  if (!facts.config.features.allowCudaCompatLibsFromContainer) {
    return ok("hook.compat-libs", `${key} is off: CUDA compat libraries come from the host only`);
  }
  return warn(
    "hook.compat-libs",
    `${key} is true: the CLI may use CUDA compat libraries from the container image in front of the host driver's`,
    `set ${key} = false in ${configFileToEdit(facts)}`,
  );
}

/** `nvidia-container-cli.ldconfig` as the file sets it, also when the file does not load. */
function rawLdconfig(facts: HookFacts): string | undefined {
  if (facts.report.error === null) return facts.config.cli.ldconfig;
  const cli = facts.doc["nvidia-container-cli"];
  const value = isTable(cli) ? cli["ldconfig"] : undefined;
  return typeof value === "string" && value !== "" ? value : undefined;
}

function ldconfigCheck(facts: HookFacts, host: HostReader): Check {
  const value = rawLdconfig(facts);
  const file = configFileToEdit(facts);
  if (value === undefined && facts.report.error !== null) {
    return ok("hook.ldconfig", CONFIG_NOT_LOADED);
  }
  if (value === undefined) {
    return ok(
      "hook.ldconfig",
      "nvidia-container-cli.ldconfig is unset: the CLI runs its built-in host ldconfig",
    );
  }
  const shown = `nvidia-container-cli.ldconfig ${JSON.stringify(value)}`;
  if (!value.startsWith("@")) {
    const allowed = facts.report.error === null
      ? ldconfigWarning(facts.config) as string
      : `${shown} does not start with "@": prestart refuses the config file (the CLI would run the container's ldconfig, not the host's)`;
    return fail(
      "hook.ldconfig",
      allowed,
      `set nvidia-container-cli.ldconfig = "@/sbin/ldconfig" in ${file}, and leave features.allow-ldconfig-from-container unset`,
    );
  }
  const normalized = normalizeLdconfig(value, (p) => host.stat(p) !== undefined) ?? value;
  const hostPath = normalized.slice(1);
  const fix =
    `set nvidia-container-cli.ldconfig to "@" and the host's ldconfig (e.g. "@/sbin/ldconfig") in ${file}`;
  if (!hostPath.startsWith("/")) {
    return fail("hook.ldconfig", `${shown} names no absolute host path after "@"`, fix);
  }
  if (!host.isExecutable(hostPath)) {
    return fail(
      "hook.ldconfig",
      `${shown}: ${hostPath} is not an executable file on the host`,
      fix,
    );
  }
  return ok("hook.ldconfig", `${shown} runs the host's ${hostPath}`);
}

/**
 * The checks of the hook, in report order: `hook.version`, `hook.config`,
 * `hook.unprivileged-envvar`, `hook.compat-libs`, `hook.ldconfig`.
 *
 * @example
 * ```ts
 * hookChecks(facts, host)[0]?.id; // "hook.version"
 * ```
 */
export function hookChecks(facts: HookFacts, host: HostReader): Check[] {
  return [
    ok("hook.version", facts.version),
    configCheck(facts),
    envvarCheck(facts),
    compatCheck(facts),
    ldconfigCheck(facts, host),
  ];
}
