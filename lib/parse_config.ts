/**
 * Loading the TOML config file into a {@linkcode HookConfig}. This module
 * pulls in the TOML parser, so `main.ts` imports it only when a file exists.
 *
 * @module
 */

import { isTomlTable as isTable, keySpelling } from "./_config_lookup.ts";
import { CAPABILITIES, type Capability } from "./capabilities.ts";
import { cleanPath } from "./clean_path.ts";
import { type CliVersion, parseVersionNumber } from "./cli_version.ts";
import { allowedLogPath, LOG_ROOTS } from "./decision_log.ts";
import { InputError, quote } from "./errors.ts";
import {
  CUDA_COMPAT_MODES,
  type CudaCompatMode,
  defaultHookConfig,
  type HookConfig,
} from "./hook_config.ts";
import { splitList } from "./split_list.ts";
import { parseToml, TomlSyntaxError } from "./parse_toml.ts";

/**
 * How a key is read: `bool`; `string` (any string, `""` included);
 * `string-or-unset` (`""` means the key is unset); `env-list` (an array of
 * `KEY=VALUE` strings).
 */
type KeyKind = "bool" | "string" | "string-or-unset" | "env-list";

const EXPECTED: Record<KeyKind, string> = {
  "bool": "a boolean",
  "string": "a string",
  "string-or-unset": "a string",
  "env-list": 'an array of "KEY=VALUE" strings',
};

type Doc = Record<string, unknown>;

/** A table of the file and its dotted name (`""` for the top level). */
interface Where {
  file: string;
  prefix: string;
  table: Doc;
}

/** The error for `key` of `where`, named as the file spells it (capitals, say). */
function fail(where: Where, key: string, detail: string): InputError {
  const name = keySpelling(where.table, key) ?? key;
  return new InputError(
    `Cannot load config file ${where.file}: "${where.prefix}${name}" ${detail}`,
  );
}

/** The sub-table `key` of `where` (see {@linkcode keySpelling}); an empty table when absent. */
function subTable(where: Where, key: string): Where {
  const name = keySpelling(where.table, key);
  const prefix = `${where.prefix}${name ?? key}.`;
  if (name === undefined) return { file: where.file, prefix, table: {} };
  const value = where.table[name];
  if (!isTable(value)) throw fail(where, name, "must be a table");
  return { file: where.file, prefix, table: value };
}

/** Reads and type-checks one key; `undefined` when absent (or unset). */
function read(where: Where, key: string, kind: "bool"): boolean | undefined;
function read(
  where: Where,
  key: string,
  kind: "string" | "string-or-unset",
): string | undefined;
function read(where: Where, key: string, kind: "env-list"): string[] | undefined;
function read(
  where: Where,
  canonical: string,
  kind: KeyKind,
): boolean | string | string[] | undefined {
  const key = keySpelling(where.table, canonical);
  if (key === undefined) return undefined;
  const value = where.table[key];
  const wrongType = () => fail(where, key, `must be ${EXPECTED[kind]}`);
  switch (kind) {
    case "bool":
      if (typeof value !== "boolean") throw wrongType();
      return value;
    case "string":
    case "string-or-unset":
      if (typeof value !== "string") throw wrongType();
      return kind === "string-or-unset" && value === "" ? undefined : value;
    case "env-list": {
      if (!Array.isArray(value)) throw wrongType();
      return value.map((entry: unknown, i) => {
        if (typeof entry !== "string") {
          throw fail(where, `${key}[${i}]`, "must be a string of the form KEY=VALUE");
        }
        if (entry.indexOf("=") < 1) {
          throw fail(where, `${key}[${i}]`, "must have the form KEY=VALUE with a non-empty KEY");
        }
        return entry;
      });
    }
  }
}

/**
 * `supported-driver-capabilities`: exactly `all`, or a list of capability
 * names (NVIDIA's hook refuses `all` inside a list, and so does this one).
 */
function readSupported(where: Where, key: string): readonly Capability[] | undefined {
  const value = read(where, key, "string");
  if (value === undefined) return undefined;
  if (value === "all") return [...CAPABILITIES];
  const items = splitList(value);
  for (const item of items) {
    if (item === "all") {
      throw fail(
        where,
        key,
        `holds "all" inside a list; expected exactly "all" or a comma-separated list of` +
          ` ${CAPABILITIES.join(", ")}`,
      );
    }
    if (!(CAPABILITIES as readonly string[]).includes(item)) {
      throw fail(
        where,
        key,
        `names an unknown driver capability ${quote(item)}; expected "all" or a` +
          ` comma-separated list of ${CAPABILITIES.join(", ")}`,
      );
    }
  }
  return CAPABILITIES.filter((c) => items.includes(c));
}

/** `cuda-compat-mode`: one of the modes, or `""`. */
function readCompatMode(where: Where, key: string): CudaCompatMode | "" | undefined {
  const value = read(where, key, "string");
  if (value === undefined || value === "") return value;
  if (!(CUDA_COMPAT_MODES as readonly string[]).includes(value)) {
    throw fail(
      where,
      key,
      `must be one of ${CUDA_COMPAT_MODES.map((m) => `"${m}"`).join(", ")} or empty;` +
        ` got ${quote(value)}`,
    );
  }
  return value as CudaCompatMode;
}

/** `cli-version`: `X.Y.Z`, or empty for unset. */
function readVersion(where: Where, key: string): CliVersion | undefined {
  const value = read(where, key, "string-or-unset");
  if (value === undefined) return undefined;
  const version = parseVersionNumber(value);
  if (version === undefined) {
    throw fail(where, key, `must be a version X.Y.Z such as "1.17.7"; got ${quote(value)}`);
  }
  return version;
}

/** `log-file`: a path under /var/log or /run, or empty for unset. */
function readLogFile(where: Where, key: string): string | undefined {
  const value = read(where, key, "string-or-unset");
  if (value === undefined) return undefined;
  const path = allowedLogPath(value);
  if (path === undefined) {
    throw fail(
      where,
      key,
      `must be an absolute path of a file under ${LOG_ROOTS.join(" or ")}` +
        ` (the only places the hook may write); got ${quote(value)}`,
    );
  }
  return path;
}

/**
 * The error for an `ldconfig` that is not host-relative while
 * `features.allow-ldconfig-from-container` is off (the CVE-2024-0136 class:
 * the CLI would run an ldconfig the image controls).
 */
function containerLdconfig(file: string, value: string): InputError {
  return new InputError(
    `Cannot load config file ${file}: "nvidia-container-cli.ldconfig" value ${quote(value)}` +
      ` is not host-relative (does not start with "@"); set` +
      ` features.allow-ldconfig-from-container = true to run the container's ldconfig`,
  );
}

/**
 * Parses the text of a TOML config file. Unknown keys and tables are
 * ignored (hosts carry keys for other NVIDIA tools); known keys and tables
 * must have their type. `file` names the file in error messages.
 *
 * @throws {InputError} on TOML syntax errors (with line and column), on
 * known keys of the wrong type or value, and on an `ldconfig` without `@`
 * unless `features.allow-ldconfig-from-container` is true.
 *
 * @example
 * ```ts
 * parseConfig('[nvidia-container-cli]\nload-kmods = false\n', "/etc/x.toml").cli.loadKmods; // false
 * ```
 */
export function parseConfig(text: string, file: string): HookConfig {
  let doc: Doc;
  try {
    doc = parseToml(text);
  } catch (e) {
    if (e instanceof TomlSyntaxError) {
      throw new InputError(
        `Cannot parse config file ${file}: line ${e.line}, column ${e.column}: ${e.message}`,
      );
    }
    throw e;
  }
  const d = defaultHookConfig();
  const top: Where = { file, prefix: "", table: doc };
  const cli = subTable(top, "nvidia-container-cli");
  const runtime = subTable(top, "nvidia-container-runtime");
  const legacyMode = subTable(subTable(runtime, "modes"), "legacy");
  const hook = subTable(top, "nvidia-container-runtime-hook");
  const features = subTable(top, "features");
  const root = read(cli, "root", "string-or-unset");
  const swarm = read(top, "swarm-resource", "string");
  const ldconfig = read(cli, "ldconfig", "string-or-unset");
  const allowLdconfig = read(features, "allow-ldconfig-from-container", "bool") ??
    d.features.allowLdconfigFromContainer;
  if (ldconfig !== undefined && !ldconfig.startsWith("@") && !allowLdconfig) {
    throw containerLdconfig(file, ldconfig);
  }
  return {
    disableRequire: read(top, "disable-require", "bool") ?? d.disableRequire,
    swarmResource: swarm === undefined ? d.swarmResource : splitList(swarm),
    acceptEnvvarUnprivileged:
      read(top, "accept-nvidia-visible-devices-envvar-when-unprivileged", "bool") ??
        d.acceptEnvvarUnprivileged,
    acceptDeviceListAsVolumeMounts:
      read(top, "accept-nvidia-visible-devices-as-volume-mounts", "bool") ??
        d.acceptDeviceListAsVolumeMounts,
    supportedDriverCapabilities: readSupported(top, "supported-driver-capabilities") ??
      d.supportedDriverCapabilities,
    cli: {
      root: root !== undefined && cleanPath(root) === "/" ? undefined : root,
      path: read(cli, "path", "string-or-unset"),
      environment: read(cli, "environment", "env-list") ?? d.cli.environment,
      debug: read(cli, "debug", "string-or-unset"),
      ldcache: read(cli, "ldcache", "string-or-unset"),
      loadKmods: read(cli, "load-kmods", "bool") ?? d.cli.loadKmods,
      noPivot: read(cli, "no-pivot", "bool") ?? d.cli.noPivot,
      noCgroups: read(cli, "no-cgroups", "bool") ?? d.cli.noCgroups,
      user: read(cli, "user", "string-or-unset"),
      ldconfig,
      alphaMergeVisibleDevicesEnvvars: read(cli, "alpha-merge-visible-devices-envvars", "bool") ??
        d.cli.alphaMergeVisibleDevicesEnvvars,
    },
    runtime: {
      mode: read(runtime, "mode", "string") ?? d.runtime.mode,
      cudaCompatMode: readCompatMode(legacyMode, "cuda-compat-mode"),
    },
    skipModeDetection: read(hook, "skip-mode-detection", "bool") ?? d.skipModeDetection,
    cliVersion: readVersion(hook, "cli-version"),
    logFile: readLogFile(hook, "log-file"),
    features: {
      ignoreImexChannelRequests: read(features, "ignore-imex-channel-requests", "bool") ??
        d.features.ignoreImexChannelRequests,
      disableImexChannelCreation: read(features, "disable-imex-channel-creation", "bool") ??
        d.features.disableImexChannelCreation,
      allowCudaCompatLibsFromContainer:
        read(features, "allow-cuda-compat-libs-from-container", "bool") ??
          d.features.allowCudaCompatLibsFromContainer,
      allowLdconfigFromContainer: allowLdconfig,
    },
  };
}
