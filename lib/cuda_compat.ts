/**
 * What the CLI is told about the container's CUDA forward-compatibility
 * libraries (the CVE-2025-23359 class), for each CLI generation.
 *
 * @module
 */

import { type CliVersion, type CompatSupport, formatVersion } from "./cli_version.ts";
import { InputError, quote } from "./errors.ts";
import { DEFAULT_CUDA_COMPAT_MODE, type HookConfig } from "./hook_config.ts";

/** The config key of the compat mode. */
export const CUDA_COMPAT_KEY = "nvidia-container-runtime.modes.legacy.cuda-compat-mode";

/** The CLI the option is for, as `cudaCompatOption` needs it. */
export interface CompatCli {
  /** The CLI binary, for messages. */
  path: string;
  /** Its version; `undefined` when it did not say (treated as the oldest). */
  version: CliVersion | undefined;
  /** What it accepts (see `compatSupport`). */
  support: CompatSupport;
}

/**
 * What upstream's current hook asks for: a `--cuda-compat-mode` value, or
 * `container` (no option: the container's libraries are allowed).
 */
function wanted(config: HookConfig): "ldconfig" | "mount" | "disabled" | "container" {
  const mode = config.runtime.cudaCompatMode ?? DEFAULT_CUDA_COMPAT_MODE;
  switch (mode) {
    case "ldconfig":
    case "mount":
    case "disabled":
      return mode;
    case "hook":
      return "disabled";
    case "":
      return config.features.allowCudaCompatLibsFromContainer ? "container" : "disabled";
  }
}

function cannotHonour(config: HookConfig, cli: CompatCli, needs: string): InputError {
  const mode = config.runtime.cudaCompatMode ?? "";
  const has = cli.version === undefined
    ? "did not report its version (set nvidia-container-runtime-hook.cli-version)"
    : `is ${formatVersion(cli.version)}`;
  return new InputError(
    `Cannot honour ${CUDA_COMPAT_KEY} ${quote(mode)}: it needs nvidia-container-cli ${needs}` +
      ` or later, and ${JSON.stringify(cli.path)} ${has}`,
  );
}

/**
 * The compat-library option for `configure`, or `undefined` for none:
 * - CLI 1.17.7 and later: `--cuda-compat-mode=` as upstream's hook passes it
 *   (`ldconfig` when the key is absent; `hook` and `""` become `disabled`,
 *   `""` passes nothing when `features.allow-cuda-compat-libs-from-container`);
 * - CLI 1.17.4 to 1.17.6: `--no-cntlibs` (what toolkit 1.17.4-1.17.6 passed)
 *   unless compat libraries are allowed; a configured `mount` passes nothing
 *   (that CLI mounts them by itself);
 * - older CLIs: nothing unless a mode is configured that needs more.
 *
 * @throws {InputError} naming the key and the CLI version needed, when a
 * configured mode cannot be honoured by this CLI (never an option the CLI
 * would refuse).
 *
 * @example
 * ```ts
 * cudaCompatOption(defaultHookConfig(), { path: "/usr/bin/nvidia-container-cli", version: undefined, support: "cuda-compat-mode" });
 * // "--cuda-compat-mode=ldconfig"
 * ```
 */
export function cudaCompatOption(config: HookConfig, cli: CompatCli): string | undefined {
  const want = wanted(config);
  const configured = config.runtime.cudaCompatMode !== undefined;
  switch (cli.support) {
    case "cuda-compat-mode":
      return want === "container" ? undefined : `--cuda-compat-mode=${want}`;
    case "no-cntlibs":
      if (!configured) {
        return config.features.allowCudaCompatLibsFromContainer ? undefined : "--no-cntlibs";
      }
      if (want === "ldconfig") throw cannotHonour(config, cli, "1.17.7");
      return want === "disabled" ? "--no-cntlibs" : undefined;
    case "none":
      if (!configured || want === "mount" || want === "container") return undefined;
      throw cannotHonour(config, cli, want === "ldconfig" ? "1.17.7" : "1.17.4");
  }
}
