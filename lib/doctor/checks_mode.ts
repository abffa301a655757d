/**
 * `doctor`'s check of `nvidia-container-runtime.mode` against how the host
 * is wired: the hook serves only `auto` and `legacy`, so a `cdi` or `csv`
 * mode with only the hook wired fails every GPU container.
 *
 * @module
 */

import { type Check, fail, listed, ok, warn } from "./check.ts";
import { configFileToEdit, type HookFacts } from "./checks_hook.ts";

/** The modes the hook serves (as `decideGpu`; `""` counts as `auto`). */
const SERVED_MODES = ["", "auto", "legacy"];

/** How containers reach the hook, and the NVIDIA runtime. */
export interface Wiring {
  /** Where the hook is wired: `hooks.d`, `docker --gpus`. */
  hook: readonly string[];
  /** Where NVIDIA's runtime is registered: `docker`, `containerd`. */
  runtime: readonly string[];
}

/**
 * The `mode.wiring` check.
 *
 * @example
 * ```ts
 * modeCheck(hookFacts, { hook: ["hooks.d"], runtime: [] }).status; // "ok" in mode "auto"
 * ```
 */
export function modeCheck(facts: HookFacts, wiring: Wiring): Check {
  const { config } = facts;
  const mode = config.runtime.mode;
  const shown = `nvidia-container-runtime.mode ${JSON.stringify(mode)}`;
  if (SERVED_MODES.includes(mode)) return ok("mode.wiring", `${shown}: the hook serves it`);
  if (config.skipModeDetection) {
    return ok(
      "mode.wiring",
      `${shown}, and nvidia-container-runtime-hook.skip-mode-detection is true: the hook runs in any mode`,
    );
  }
  const file = configFileToEdit(facts);
  if (wiring.hook.length === 0) {
    return ok(
      "mode.wiring",
      `${shown}: the hook is not wired (no hooks.d entry, no dockerd finding it); the NVIDIA runtime serves this mode`,
    );
  }
  const via = listed(wiring.hook);
  const refusal = `Cannot serve ${shown}`;
  if (wiring.runtime.length === 0) {
    return fail(
      "mode.wiring",
      `${shown} and only the hook is wired (${via}): every GPU container fails with '${refusal}'`,
      `set nvidia-container-runtime.mode = "auto" in ${file}, or register the NVIDIA runtime (nvidia-ctk runtime configure) and run GPU containers with --runtime=nvidia`,
    );
  }
  return warn(
    "mode.wiring",
    `${shown}: GPU containers that reach the hook (${via}) fail with '${refusal}'; the NVIDIA runtime (${
      listed(wiring.runtime)
    }) serves those run with it`,
    `run GPU containers with --runtime=nvidia, or set nvidia-container-runtime.mode = "auto" in ${file}`,
  );
}
