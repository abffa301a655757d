/**
 * The hook's settings from its TOML config file, with the built-in defaults.
 *
 * @module
 */

/** Settings of the `[nvidia-container-cli]` table. */
export interface CliConfig {
  /** `root`: `--root=` and a prefix for the CLI search. */
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
  /** `ldconfig`: `--ldconfig=`. */
  ldconfig: string | undefined;
  /** `alpha-merge-visible-devices-envvars`: merge `NVIDIA_VISIBLE_DEVICES_*`. */
  alphaMergeVisibleDevicesEnvvars: boolean;
}

/** The whole config file. */
export interface HookConfig {
  /** `disable-require`: never pass `--require`. */
  disableRequire: boolean;
  /** `swarm-resource`: a variable that takes precedence over `NVIDIA_VISIBLE_DEVICES`. */
  swarmResource: string | undefined;
  /** The `[nvidia-container-cli]` table. */
  cli: CliConfig;
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
    swarmResource: undefined,
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
  };
}

/** Where the 2020 program looked for its config file, first match wins. */
export const DEFAULT_CONFIG_PATHS = [
  "/run/nvidia/driver/etc/nvidia-container-runtime/config.toml",
  "/etc/nvidia-container-runtime/config.toml",
] as const;

/**
 * The default config paths with `prefix` put in front, so that tests can
 * point the search at a temporary directory. `""` gives the real paths.
 *
 * @example
 * ```ts
 * configSearchPaths("/tmp/t");
 * // ["/tmp/t/run/nvidia/driver/etc/...", "/tmp/t/etc/nvidia-container-runtime/config.toml"]
 * ```
 */
export function configSearchPaths(prefix: string): string[] {
  let end = prefix.length;
  while (end > 0 && prefix[end - 1] === "/") end--;
  const base = prefix.slice(0, end);
  return DEFAULT_CONFIG_PATHS.map((p) => base + p);
}
