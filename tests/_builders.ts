/**
 * Builders of config and decision values for the unit tests: the defaults
 * with only the fields a test is about changed.
 *
 * @module
 */

import type { GpuDecision } from "../lib/decide_gpu.ts";
import {
  type CliConfig,
  defaultHookConfig,
  type FeaturesConfig,
  type HookConfig,
  type RuntimeConfig,
} from "../lib/hook_config.ts";
import type { Requirement } from "../lib/requirements.ts";

/** A decision of a container that wants GPUs. */
export type Wants = Extract<GpuDecision, { wantsGpu: true }>;

/**
 * Changes to the top level of the config; `runtime` and `features` are
 * merged into their defaults field by field.
 */
export type TopPatch =
  & Partial<Omit<HookConfig, "cli" | "runtime" | "features">>
  & { runtime?: Partial<RuntimeConfig>; features?: Partial<FeaturesConfig> };

/** The default config with `cli` fields and top-level fields replaced. */
export function hookConfig(cli: Partial<CliConfig> = {}, top: TopPatch = {}): HookConfig {
  const d = defaultHookConfig();
  return {
    ...d,
    ...top,
    cli: { ...d.cli, ...cli },
    runtime: { ...d.runtime, ...top.runtime },
    features: { ...d.features, ...top.features },
  };
}

/** The device source of `NVIDIA_VISIBLE_DEVICES` (or of these variables). */
export function envSource(...names: string[]): Wants["source"] {
  return { kind: "env", names: names.length === 0 ? ["NVIDIA_VISIBLE_DEVICES"] : names };
}

/** One requirement and the variable it came from. */
export function req(value: string, source: string): Requirement {
  return { value, source };
}

/**
 * A GPU decision: all devices from `NVIDIA_VISIBLE_DEVICES`, the default
 * `compute,utility`, nothing else, with `fields` replaced.
 */
export function gpuDecision(fields: Partial<Wants> = {}): Wants {
  return {
    wantsGpu: true,
    source: envSource(),
    legacy: false,
    privileged: false,
    devices: { kind: "all" },
    migConfig: undefined,
    migMonitor: undefined,
    imexChannels: { kind: "none" },
    imexSource: "none",
    capabilities: ["compute", "utility"],
    capabilitySource: "default",
    requirements: [],
    notes: [],
    ...fields,
  };
}
