/**
 * The keys of the config file (SPEC 3.2): what `prestart` reads, and what it
 * tolerates silently. `check-config` uses this table to show the effective
 * settings and to report unknown keys.
 *
 * @module
 */

import { formatVersion } from "./cli_version.ts";
import { DEFAULT_CUDA_COMPAT_MODE, type HookConfig } from "./hook_config.ts";

/** How a known key is typed in the file. */
export type KeyType =
  | "bool"
  | "string"
  | "string, empty = unset"
  | 'array of "KEY=VALUE"'
  | '"ldconfig", "mount", "disabled", "hook" or ""'
  | 'version "X.Y.Z", empty = unset';

/** One key `prestart` reads. */
export interface ConfigKey {
  /** The dotted key, e.g. `nvidia-container-cli.load-kmods`. */
  key: string;
  type: KeyType;
  /** `2020` for the seed-era keys, `later` for those added upstream since. */
  tag: "2020" | "later";
  /** The effective value in a loaded config, as it is used. */
  value(config: HookConfig): boolean | string | readonly string[] | undefined;
}

/** Every key `prestart` reads, in the order of the SPEC's table. */
export const CONFIG_KEYS: readonly ConfigKey[] = [
  { key: "disable-require", type: "bool", tag: "2020", value: (c) => c.disableRequire },
  {
    key: "swarm-resource",
    type: "string",
    tag: "later",
    value: (c) => (c.swarmResource.length === 0 ? undefined : c.swarmResource.join(",")),
  },
  {
    key: "accept-nvidia-visible-devices-envvar-when-unprivileged",
    type: "bool",
    tag: "later",
    value: (c) => c.acceptEnvvarUnprivileged,
  },
  {
    key: "accept-nvidia-visible-devices-as-volume-mounts",
    type: "bool",
    tag: "later",
    value: (c) => c.acceptDeviceListAsVolumeMounts,
  },
  {
    key: "supported-driver-capabilities",
    type: "string",
    tag: "later",
    value: (c) => c.supportedDriverCapabilities,
  },
  {
    key: "nvidia-container-cli.root",
    type: "string, empty = unset",
    tag: "2020",
    value: (c) => c.cli.root,
  },
  {
    key: "nvidia-container-cli.path",
    type: "string, empty = unset",
    tag: "2020",
    value: (c) => c.cli.path,
  },
  {
    key: "nvidia-container-cli.environment",
    type: 'array of "KEY=VALUE"',
    tag: "2020",
    value: (c) => c.cli.environment,
  },
  {
    key: "nvidia-container-cli.debug",
    type: "string, empty = unset",
    tag: "2020",
    value: (c) => c.cli.debug,
  },
  {
    key: "nvidia-container-cli.ldcache",
    type: "string, empty = unset",
    tag: "2020",
    value: (c) => c.cli.ldcache,
  },
  {
    key: "nvidia-container-cli.load-kmods",
    type: "bool",
    tag: "2020",
    value: (c) => c.cli.loadKmods,
  },
  { key: "nvidia-container-cli.no-pivot", type: "bool", tag: "2020", value: (c) => c.cli.noPivot },
  {
    key: "nvidia-container-cli.no-cgroups",
    type: "bool",
    tag: "2020",
    value: (c) => c.cli.noCgroups,
  },
  {
    key: "nvidia-container-cli.user",
    type: "string, empty = unset",
    tag: "2020",
    value: (c) => c.cli.user,
  },
  {
    key: "nvidia-container-cli.ldconfig",
    type: "string, empty = unset",
    tag: "2020",
    value: (c) => c.cli.ldconfig,
  },
  {
    key: "nvidia-container-cli.alpha-merge-visible-devices-envvars",
    type: "bool",
    tag: "2020",
    value: (c) => c.cli.alphaMergeVisibleDevicesEnvvars,
  },
  {
    key: "nvidia-container-runtime.mode",
    type: "string",
    tag: "later",
    value: (c) => c.runtime.mode,
  },
  {
    key: "nvidia-container-runtime.modes.legacy.cuda-compat-mode",
    type: '"ldconfig", "mount", "disabled", "hook" or ""',
    tag: "later",
    value: (c) => c.runtime.cudaCompatMode ?? DEFAULT_CUDA_COMPAT_MODE,
  },
  {
    key: "nvidia-container-runtime-hook.skip-mode-detection",
    type: "bool",
    tag: "later",
    value: (c) => c.skipModeDetection,
  },
  {
    key: "nvidia-container-runtime-hook.cli-version",
    type: 'version "X.Y.Z", empty = unset',
    tag: "later",
    value: (c) => (c.cliVersion === undefined ? undefined : formatVersion(c.cliVersion)),
  },
  {
    key: "features.ignore-imex-channel-requests",
    type: "bool",
    tag: "later",
    value: (c) => c.features.ignoreImexChannelRequests,
  },
  {
    key: "features.disable-imex-channel-creation",
    type: "bool",
    tag: "later",
    value: (c) => c.features.disableImexChannelCreation,
  },
  {
    key: "features.allow-cuda-compat-libs-from-container",
    type: "bool",
    tag: "later",
    value: (c) => c.features.allowCudaCompatLibsFromContainer,
  },
  {
    key: "features.allow-ldconfig-from-container",
    type: "bool",
    tag: "later",
    value: (c) => c.features.allowLdconfigFromContainer,
  },
];

/** The tables that hold known keys; a scalar in their place is an error. */
export const CONFIG_TABLES = [
  "nvidia-container-cli",
  "nvidia-container-runtime",
  "nvidia-container-runtime.modes",
  "nvidia-container-runtime.modes.legacy",
  "nvidia-container-runtime-hook",
  "features",
] as const;

/**
 * Keys of other NVIDIA tools whose last part is also the name of a key of
 * ours (`debug`, `path`, `cuda-compat-mode`): real, and not misplaced.
 */
export const UPSTREAM_KEYS = [
  "nvidia-container-runtime.debug",
  "nvidia-container-runtime-hook.path",
  "nvidia-ctk.path",
  "nvidia-container-cli.cuda-compat-mode",
] as const;

/**
 * Whether an unknown dotted key is one that real hosts carry for other
 * NVIDIA tools (SPEC 3.2): anything else under `nvidia-container-runtime`,
 * `nvidia-container-runtime-hook.path`, anything under `nvidia-ctk`, any
 * other `features` flag, `nvidia-container-cli.cuda-compat-mode`.
 *
 * @example
 * ```ts
 * isToleratedKey("nvidia-container-runtime.log-level"); // true
 * isToleratedKey("nvidia-container-cli.load-kmod"); // false
 * ```
 */
export function isToleratedKey(key: string): boolean {
  return key.startsWith("nvidia-container-runtime.") ||
    key === "nvidia-container-runtime-hook.path" ||
    key === "nvidia-ctk" || key.startsWith("nvidia-ctk.") ||
    key.startsWith("features.") ||
    key === "nvidia-container-cli.cuda-compat-mode";
}

/**
 * The warning for an `nvidia-container-cli.ldconfig` that names a container
 * path (no leading `@`), which loads only with
 * `features.allow-ldconfig-from-container = true`; `undefined` when there is
 * nothing to say.
 *
 * @example
 * ```ts
 * ldconfigWarning(defaultHookConfig()); // undefined
 * ```
 */
export function ldconfigWarning(config: HookConfig): string | undefined {
  const ldconfig = config.cli.ldconfig;
  if (ldconfig === undefined || ldconfig.startsWith("@")) return undefined;
  return `nvidia-container-cli.ldconfig ${
    JSON.stringify(ldconfig)
  } does not start with "@": the CLI will run the container's ldconfig, not the host's` +
    " (allowed by features.allow-ldconfig-from-container)";
}
