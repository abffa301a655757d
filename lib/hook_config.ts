/**
 * The hook's settings from its TOML config file, with the built-in defaults.
 *
 * @module
 */

import { CAPABILITIES, type Capability } from "./capabilities.ts";
import type { CliVersion } from "./cli_version.ts";

/**
 * The values of `nvidia-container-runtime.modes.legacy.cuda-compat-mode`:
 * what the CLI does with the container's CUDA forward-compatibility
 * libraries (`hook` means a CDI hook handles them, so the CLI must not).
 */
export const CUDA_COMPAT_MODES = ["ldconfig", "mount", "disabled", "hook"] as const;

/** One of {@linkcode CUDA_COMPAT_MODES}. */
export type CudaCompatMode = typeof CUDA_COMPAT_MODES[number];

/** The mode used when the key is absent (as upstream's default config). */
export const DEFAULT_CUDA_COMPAT_MODE: CudaCompatMode = "ldconfig";

/** Settings of the `[nvidia-container-cli]` table. */
export interface CliConfig {
  /** `root`: `--root=` and a prefix for the CLI search (`""` and `"/"` are unset). */
  root: string | undefined;
  /** `path`: run this binary, no search. */
  path: string | undefined;
  /** `environment`: `KEY=VALUE` entries added to the CLI's environment. */
  environment: readonly string[];
  /** `debug`: `--debug=`. */
  debug: string | undefined;
  /** `ldcache`: `--ldcache=`. */
  ldcache: string | undefined;
  /** `load-kmods`: `--load-kmods`. */
  loadKmods: boolean;
  /** `no-pivot`: `--no-pivot`. */
  noPivot: boolean;
  /** `no-cgroups`: `--no-cgroups`. */
  noCgroups: boolean;
  /** `user`: `--user=`. */
  user: string | undefined;
  /** `ldconfig`: `--ldconfig=` (see `normalizeLdconfig`). */
  ldconfig: string | undefined;
  /** `alpha-merge-visible-devices-envvars`: merge `NVIDIA_VISIBLE_DEVICES_*`. */
  alphaMergeVisibleDevicesEnvvars: boolean;
}

/** Settings of the `[nvidia-container-runtime]` table the hook reads. */
export interface RuntimeConfig {
  /** `mode`: only `auto` (the default) and `legacy` can be served by the hook. */
  mode: string;
  /**
   * `modes.legacy.cuda-compat-mode`: `undefined` when the key is absent (the
   * default, {@linkcode DEFAULT_CUDA_COMPAT_MODE}, applies), `""` when set
   * empty (disabled unless the container's compat libraries are allowed).
   */
  cudaCompatMode: CudaCompatMode | "" | undefined;
}

/** Settings of the `[features]` table the hook reads. */
export interface FeaturesConfig {
  /** `ignore-imex-channel-requests`: never pass `--imex-channel=`. */
  ignoreImexChannelRequests: boolean;
  /** `disable-imex-channel-creation`: pass `--no-create-imex-channels`. */
  disableImexChannelCreation: boolean;
  /** `allow-cuda-compat-libs-from-container`: an empty compat mode passes no flag. */
  allowCudaCompatLibsFromContainer: boolean;
  /** `allow-ldconfig-from-container`: accept an `ldconfig` without `@`. */
  allowLdconfigFromContainer: boolean;
}

/** The whole config file. */
export interface HookConfig {
  /** `disable-require`: never pass `--require`. */
  disableRequire: boolean;
  /**
   * `swarm-resource`: variables that take precedence over
   * `NVIDIA_VISIBLE_DEVICES` (a comma list; empty when unset).
   */
  swarmResource: readonly string[];
  /** `accept-nvidia-visible-devices-envvar-when-unprivileged`. */
  acceptEnvvarUnprivileged: boolean;
  /** `accept-nvidia-visible-devices-as-volume-mounts`. */
  acceptDeviceListAsVolumeMounts: boolean;
  /** `supported-driver-capabilities`, in canonical order. */
  supportedDriverCapabilities: readonly Capability[];
  /** The `[nvidia-container-cli]` table. */
  cli: CliConfig;
  /** The `[nvidia-container-runtime]` table. */
  runtime: RuntimeConfig;
  /** `nvidia-container-runtime-hook.skip-mode-detection`. */
  skipModeDetection: boolean;
  /**
   * `nvidia-container-runtime-hook.cli-version`: the CLI's version as the
   * operator states it, so that `nvidia-container-cli --version` is not run.
   */
  cliVersion: CliVersion | undefined;
  /** The `[features]` table. */
  features: FeaturesConfig;
}

/**
 * The settings used when no config file exists, and the defaults of every
 * key a file leaves out.
 *
 * @example
 * ```ts
 * defaultHookConfig().cli.loadKmods; // true
 * ```
 */
export function defaultHookConfig(): HookConfig {
  return {
    disableRequire: false,
    swarmResource: [],
    acceptEnvvarUnprivileged: true,
    acceptDeviceListAsVolumeMounts: false,
    supportedDriverCapabilities: [...CAPABILITIES],
    cli: {
      root: undefined,
      path: undefined,
      environment: [],
      debug: undefined,
      ldcache: undefined,
      loadKmods: true,
      noPivot: false,
      noCgroups: false,
      user: undefined,
      ldconfig: undefined,
      alphaMergeVisibleDevicesEnvvars: false,
    },
    runtime: { mode: "auto", cudaCompatMode: undefined },
    skipModeDetection: false,
    cliVersion: undefined,
    features: {
      ignoreImexChannelRequests: false,
      disableImexChannelCreation: false,
      allowCudaCompatLibsFromContainer: false,
      allowLdconfigFromContainer: false,
    },
  };
}

/** Where the 2020 program looked for its config file, first match wins. */
export const DEFAULT_CONFIG_PATHS = [
  "/run/nvidia/driver/etc/nvidia-container-runtime/config.toml",
  "/etc/nvidia-container-runtime/config.toml",
] as const;

/** One place the config file is looked for. */
export interface ConfigCandidate {
  /** The file. */
  path: string;
  /** Whether a missing file is an error (explicitly named) or skipped. */
  required: boolean;
  /** Where the path came from, for traces and `check-config`. */
  origin: string;
}

/** The environment variables that move the config search. */
export interface ConfigSearchEnv {
  /** `NVIDIA_CTK_CONFIG_FILE_PATH`. */
  ctkConfigFilePath?: string | undefined;
  /** `XDG_CONFIG_HOME`. */
  xdgConfigHome?: string | undefined;
  /** The test-only prefix of the built-in paths. */
  prefix?: string | undefined;
}

/**
 * The places the config file is looked for, in order (SPEC 3.1): the
 * `-config` flag; `NVIDIA_CTK_CONFIG_FILE_PATH`; the file under an absolute
 * `XDG_CONFIG_HOME` (a relative one is ignored, as the XDG specification
 * says); the built-in paths with `prefix` in front. A required candidate
 * ends the list: nothing after it is tried.
 *
 * @example
 * ```ts
 * configCandidates("", { xdgConfigHome: "/home/u/.config" })[0]?.path;
 * // "/home/u/.config/nvidia-container-runtime/config.toml"
 * ```
 */
export function configCandidates(flagPath: string, env: ConfigSearchEnv): ConfigCandidate[] {
  if (flagPath !== "") return [{ path: flagPath, required: true, origin: "-config flag" }];
  const ctk = env.ctkConfigFilePath ?? "";
  if (ctk !== "") {
    return [{ path: ctk, required: true, origin: "NVIDIA_CTK_CONFIG_FILE_PATH" }];
  }
  const out: ConfigCandidate[] = [];
  const xdg = env.xdgConfigHome ?? "";
  if (xdg.startsWith("/")) {
    out.push({
      path: `${stripSlashes(xdg)}/nvidia-container-runtime/config.toml`,
      required: false,
      origin: "XDG_CONFIG_HOME",
    });
  }
  const base = stripSlashes(env.prefix ?? "");
  for (const p of DEFAULT_CONFIG_PATHS) {
    out.push({ path: base + p, required: false, origin: "built-in path" });
  }
  return out;
}

function stripSlashes(path: string): string {
  let end = path.length;
  while (end > 0 && path[end - 1] === "/") end--;
  return path.slice(0, end);
}
