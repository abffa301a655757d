/**
 * The policy: does the container want GPUs, and which devices, driver
 * capabilities, requirements and MIG options it gets.
 *
 * @module
 */

import { type Capability, parseCapabilities } from "./capabilities.ts";
import { type DeviceRequest, parseDevices } from "./devices.ts";
import type { EnvMap } from "./env_map.ts";
import { PolicyError } from "./errors.ts";
import type { HookConfig } from "./hook_config.ts";
import { requirements } from "./requirements.ts";

/** The variable that lists the devices. */
export const VISIBLE_DEVICES = "NVIDIA_VISIBLE_DEVICES";

/** What the policy concluded. */
export type GpuDecision =
  | {
    wantsGpu: false;
    /** Why not, for the debug trace. */
    reason: string;
  }
  | {
    wantsGpu: true;
    /** The variable the device request came from (`""` for a legacy default). */
    source: string;
    legacy: boolean;
    privileged: boolean;
    devices: Exclude<DeviceRequest, { kind: "void" }>;
    /** `--mig-config=` value, when set. */
    migConfig: string | undefined;
    /** `--mig-monitor=` value, when set. */
    migMonitor: string | undefined;
    capabilities: readonly Capability[];
    requirements: readonly string[];
  };

/** The container facts the policy needs. */
export interface PolicyInput {
  env: EnvMap;
  privileged: boolean;
}

/**
 * Applies `alpha-merge-visible-devices-envvars`: when any
 * `NVIDIA_VISIBLE_DEVICES_<suffix>` variable exists (the suffix may be
 * empty), their values joined with `,` in `process.env` order replace
 * `NVIDIA_VISIBLE_DEVICES`.
 *
 * @example
 * ```ts
 * mergeVisibleDevices(new Map([["NVIDIA_VISIBLE_DEVICES_A", "0"], ["NVIDIA_VISIBLE_DEVICES_B", "1"]]))
 *   .get("NVIDIA_VISIBLE_DEVICES"); // "0,1"
 * ```
 */
export function mergeVisibleDevices(env: EnvMap): EnvMap {
  const parts: string[] = [];
  for (const [name, value] of env) {
    if (name.startsWith(VISIBLE_DEVICES + "_")) parts.push(value);
  }
  if (parts.length === 0) return env;
  return new Map(env).set(VISIBLE_DEVICES, parts.join(","));
}

/** Whether the image is a legacy CUDA image (before 2018). */
export function isLegacy(env: EnvMap): boolean {
  return (env.get("CUDA_VERSION") ?? "") !== "" && (env.get("NVIDIA_REQUIRE_CUDA") ?? "") === "";
}

function migOption(env: EnvMap, name: string, privileged: boolean): string | undefined {
  const value = env.get(name) ?? "";
  if (value === "") return undefined;
  if (!privileged) {
    throw new PolicyError(
      `Cannot set ${name} in an unprivileged container (CAP_SYS_ADMIN is not in its bounding set)`,
    );
  }
  return value;
}

/**
 * Decides what the container gets. Errors are checked in the 2020 order:
 * MIG config, MIG monitor, `CUDA_VERSION`, capabilities.
 *
 * @throws {PolicyError} for MIG options of an unprivileged container.
 * @throws {InputError} for an unknown capability or an invalid `CUDA_VERSION`.
 *
 * @example
 * ```ts
 * const d = decideGpu(
 *   { env: new Map([["NVIDIA_VISIBLE_DEVICES", "0"]]), privileged: false },
 *   defaultHookConfig(),
 * );
 * d.wantsGpu; // true
 * ```
 */
export function decideGpu(input: PolicyInput, config: HookConfig): GpuDecision {
  const env = config.cli.alphaMergeVisibleDevicesEnvvars
    ? mergeVisibleDevices(input.env)
    : input.env;
  const legacy = isLegacy(env);
  const swarm = config.swarmResource;
  const source = swarm !== undefined && env.has(swarm) ? swarm : VISIBLE_DEVICES;
  const value = env.get(source);
  let devices: DeviceRequest;
  if (value !== undefined) {
    devices = parseDevices(value);
  } else if (legacy) {
    devices = { kind: "all" };
  } else {
    return { wantsGpu: false, reason: `${VISIBLE_DEVICES} is not set` };
  }
  if (devices.kind === "void") {
    return { wantsGpu: false, reason: `${source} requests no device (empty or "void")` };
  }
  const migConfig = migOption(env, "NVIDIA_MIG_CONFIG_DEVICES", input.privileged);
  const migMonitor = migOption(env, "NVIDIA_MIG_MONITOR_DEVICES", input.privileged);
  const reqs = requirements(env, { legacy, disableRequire: config.disableRequire });
  const capabilities = parseCapabilities(env.get("NVIDIA_DRIVER_CAPABILITIES"), legacy);
  return {
    wantsGpu: true,
    source: value === undefined ? "" : source,
    legacy,
    privileged: input.privileged,
    devices,
    migConfig,
    migMonitor,
    capabilities,
    requirements: reqs,
  };
}
