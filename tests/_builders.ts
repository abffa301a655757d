/**
 * Builders of config and decision values for the unit tests: the defaults
 * with only the fields a test is about changed.
 *
 * @module
 */

import type { GpuDecision } from "../lib/decide_gpu.ts";
import { defaultHookConfig, type HookConfig } from "../lib/hook_config.ts";

/** A decision of a container that wants GPUs. */
export type Wants = Extract<GpuDecision, { wantsGpu: true }>;

/** The default config with `cli` fields and top-level fields replaced. */
export function hookConfig(
  cli: Partial<HookConfig["cli"]> = {},
  top: Partial<Omit<HookConfig, "cli">> = {},
): HookConfig {
  const d = defaultHookConfig();
  return { ...d, ...top, cli: { ...d.cli, ...cli } };
}

/** A GPU decision: all devices, `utility`, nothing else, with `fields` replaced. */
export function gpuDecision(fields: Partial<Wants> = {}): Wants {
  return {
    wantsGpu: true,
    source: "NVIDIA_VISIBLE_DEVICES",
    legacy: false,
    privileged: false,
    devices: { kind: "all" },
    migConfig: undefined,
    migMonitor: undefined,
    capabilities: ["utility"],
    requirements: [],
    ...fields,
  };
}
