/**
 * The policy: does the container want GPUs, and which devices, driver
 * capabilities, requirements, MIG options and IMEX channels it gets.
 *
 * @module
 */

import { type Capability, parseCapabilities } from "./capabilities.ts";
import { isQualifiedCdiName } from "./cdi_name.ts";
import { requestsFromMounts } from "./device_mounts.ts";
import { type DeviceRequest, parseDevices } from "./devices.ts";
import type { EnvMap } from "./env_map.ts";
import { PolicyError, quote } from "./errors.ts";
import type { HookConfig } from "./hook_config.ts";
import { checkImexChannels, imexFromItems, type ImexRequest } from "./imex_channels.ts";
import type { Mount } from "./parse_spec.ts";
import { type Requirement, requirements } from "./requirements.ts";
import { splitList } from "./split_list.ts";

/** The variable that lists the devices. */
export const VISIBLE_DEVICES = "NVIDIA_VISIBLE_DEVICES";

/** The variable that lists the IMEX channels. */
export const IMEX_CHANNELS = "NVIDIA_IMEX_CHANNELS";

/** The config key that lets unprivileged containers request devices by env. */
const ENVVAR_GATE = "accept-nvidia-visible-devices-envvar-when-unprivileged";

/** The most `--require` options the CLI takes (`input error: too many requirements`). */
export const MAX_REQUIREMENTS = 32;

/** The modes the hook can serve (SPEC 5.9); `""` is not one, as in NVIDIA's current hook. */
const SERVED_MODES = ["auto", "legacy"] as const;

/** Where the device request came from. */
export type DeviceSource =
  /** `/dev/null` mounts under the device roots. */
  | { kind: "mounts" }
  /** These variables (the present swarm variables, or `NVIDIA_VISIBLE_DEVICES`). */
  | { kind: "env"; names: readonly string[] }
  /** No variable: the implicit `all` of a legacy image. */
  | { kind: "legacy" };

/** Where the driver capabilities came from. */
export type CapabilitySource = "env" | "default" | "legacy-default";

/** Where the IMEX request came from. */
export type ImexSource = "mounts" | "env" | "none";

/** What the policy concluded. */
export type GpuDecision =
  | {
    wantsGpu: false;
    /** Why not, for the debug trace and `explain`. */
    reason: string;
  }
  | {
    wantsGpu: true;
    source: DeviceSource;
    legacy: boolean;
    privileged: boolean;
    devices: Exclude<DeviceRequest, { kind: "void" }>;
    /** `--mig-config=` value, when set. */
    migConfig: string | undefined;
    /** `--mig-monitor=` value, when set. */
    migMonitor: string | undefined;
    imexChannels: ImexRequest;
    imexSource: ImexSource;
    capabilities: readonly Capability[];
    capabilitySource: CapabilitySource;
    requirements: readonly Requirement[];
    /** Requests that were ignored, and why (for the debug trace and `explain`). */
    notes: readonly string[];
  };

/** The container facts the policy needs. */
export interface PolicyInput {
  env: EnvMap;
  privileged: boolean;
  /** `mounts` of `config.json` (absent: none). */
  mounts?: readonly Mount[];
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

/**
 * Whether the image is a legacy CUDA image (before 2018).
 *
 * @example
 * ```ts
 * isLegacy(new Map([["CUDA_VERSION", "9.0"]])); // true
 * ```
 */
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

/** The device request: from mounts, the swarm variables, `NVIDIA_VISIBLE_DEVICES`, or legacy. */
function deviceRequest(
  env: EnvMap,
  mountDevices: readonly string[],
  config: HookConfig,
  legacy: boolean,
): { devices: DeviceRequest; source: DeviceSource } | undefined {
  // Mount names are device names as they stand: all, none and void are not
  // keywords there (NVIDIA's current hook passes them to the CLI as given).
  if (mountDevices.length > 0) {
    return { devices: { kind: "list", ids: mountDevices }, source: { kind: "mounts" } };
  }
  const swarm = config.swarmResource.filter((name) => env.has(name));
  if (swarm.length > 0) {
    const value = swarm.map((name) => env.get(name) as string).join(",");
    return { devices: parseDevices(value), source: { kind: "env", names: swarm } };
  }
  const value = env.get(VISIBLE_DEVICES);
  if (value !== undefined) {
    return { devices: parseDevices(value), source: { kind: "env", names: [VISIBLE_DEVICES] } };
  }
  if (legacy) return { devices: { kind: "all" }, source: { kind: "legacy" } };
  return undefined;
}

function describeSource(source: DeviceSource): string {
  switch (source.kind) {
    case "mounts":
      return "the device mounts";
    case "env":
      return source.names.join(", ");
    case "legacy":
      return "the legacy image default";
  }
}

/** SPEC 5.9: the modes the legacy hook can serve, and CDI-only requests in `auto`. */
function checkMode(config: HookConfig, devices: DeviceRequest): void {
  if (config.skipModeDetection) return;
  const mode = config.runtime.mode;
  const advice = "use the NVIDIA Container Runtime (--runtime=nvidia) or CDI instead";
  if (!(SERVED_MODES as readonly string[]).includes(mode)) {
    throw new PolicyError(
      `Cannot serve nvidia-container-runtime.mode ${quote(mode)}: the hook serves only` +
        ` "auto" and "legacy"; ${advice}`,
    );
  }
  if (mode !== "legacy" && devices.kind === "list" && devices.ids.every(isQualifiedCdiName)) {
    throw new PolicyError(
      `Cannot serve CDI device names (${quote(devices.ids.join(","))}) in mode "auto": ${advice}`,
    );
  }
}

/**
 * Decides what the container gets (SPEC 5). Errors are checked in this
 * order: MIG config, MIG monitor, `CUDA_VERSION`, the number of
 * requirements, capabilities, IMEX channels, mode.
 *
 * @throws {PolicyError} for MIG options of an unprivileged container, more
 * than {@linkcode MAX_REQUIREMENTS} requirements, an unsupported
 * capability, an IMEX channel the CLI cannot take, or a mode the hook
 * cannot serve.
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
  const fromMounts = config.acceptDeviceListAsVolumeMounts
    ? requestsFromMounts(input.mounts ?? [])
    : { devices: [], imexChannels: [] };
  const request = deviceRequest(env, fromMounts.devices, config, legacy);
  if (request === undefined) {
    return { wantsGpu: false, reason: `${VISIBLE_DEVICES} is not set` };
  }
  const { devices, source } = request;
  const envGated = !input.privileged && !config.acceptEnvvarUnprivileged;
  if (source.kind !== "mounts" && envGated) {
    return {
      wantsGpu: false,
      reason: `devices requested by ${describeSource(source)} are ignored in an unprivileged` +
        ` container (${ENVVAR_GATE} = false)`,
    };
  }
  if (devices.kind === "void") {
    return {
      wantsGpu: false,
      reason: `${describeSource(source)} requests no device (empty or "void")`,
    };
  }
  const notes: string[] = [];
  const migConfig = migOption(env, "NVIDIA_MIG_CONFIG_DEVICES", input.privileged);
  const migMonitor = migOption(env, "NVIDIA_MIG_MONITOR_DEVICES", input.privileged);
  const reqs = requirements(env, { legacy, disableRequire: config.disableRequire });
  if (reqs.length > MAX_REQUIREMENTS) {
    throw new PolicyError(
      `Cannot pass ${reqs.length} requirements to nvidia-container-cli: it accepts at most` +
        ` ${MAX_REQUIREMENTS} (NVIDIA_REQUIRE_* variables${legacy ? " and CUDA_VERSION" : ""})`,
    );
  }
  const capsValue = env.get("NVIDIA_DRIVER_CAPABILITIES");
  const capabilities = parseCapabilities(capsValue, legacy, config.supportedDriverCapabilities);
  const capabilitySource: CapabilitySource = capsValue !== undefined
    ? "env"
    : legacy
    ? "legacy-default"
    : "default";
  let imexChannels: ImexRequest = { kind: "none" };
  let imexSource: ImexSource = "none";
  const imexValue = env.get(IMEX_CHANNELS);
  if (config.features.ignoreImexChannelRequests) {
    if (fromMounts.imexChannels.length > 0 || imexValue !== undefined) {
      notes.push("IMEX channel requests ignored (features.ignore-imex-channel-requests = true)");
    }
  } else if (fromMounts.imexChannels.length > 0) {
    imexChannels = imexFromItems(fromMounts.imexChannels);
    imexSource = "mounts";
  } else if (imexValue !== undefined) {
    if (envGated) {
      notes.push(`${IMEX_CHANNELS} ignored in an unprivileged container (${ENVVAR_GATE} = false)`);
    } else {
      imexChannels = imexFromItems(splitList(imexValue));
      imexSource = "env";
    }
  }
  checkImexChannels(
    imexChannels,
    imexSource === "mounts" ? "the IMEX volume mounts" : IMEX_CHANNELS,
  );
  if (imexChannels.kind === "all") {
    notes.push(
      `IMEX request "all" asks for no channel (nvidia-container-cli accepts only channel numbers)`,
    );
  }
  checkMode(config, devices);
  return {
    wantsGpu: true,
    source,
    legacy,
    privileged: input.privileged,
    devices,
    migConfig,
    migMonitor,
    imexChannels,
    imexSource,
    capabilities,
    capabilitySource,
    requirements: reqs,
    notes,
  };
}
