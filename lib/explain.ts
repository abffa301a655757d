/**
 * `explain`: the decision of `prestart` as a report, for operators (aligned
 * text) and for snapshot tests (stable JSON, schema 1, documented in the
 * README).
 *
 * @module
 */

import type { CapabilitySource, DeviceSource, GpuDecision } from "./decide_gpu.ts";
import { divergence, matchDivergences } from "./divergences.ts";
import { escapeControls } from "./_escape.ts";
import { ldconfigWarning } from "./config_keys.ts";
import { didYouMean } from "./did_you_mean.ts";
import type { EnvMap } from "./env_map.ts";
import type { HookConfig } from "./hook_config.ts";
import type { ImexRequest } from "./imex_channels.ts";
import { capabilityFormat } from "./is_privileged.ts";
import type { ContainerSpec } from "./parse_spec.ts";

/** What `main.ts` learnt before it stopped (at the CLI spawn, or at an error). */
export interface ExplainFacts {
  /** The config file used, `null` for the built-in defaults. */
  configFile: string | null;
  configOrigin: string;
  config?: HookConfig;
  bundle?: string;
  /** `null` when the bundle was given with `--bundle` (no state). */
  pid?: number | null;
  spec?: ContainerSpec;
  decision?: GpuDecision;
  cli?: ReportCli;
  argv?: readonly string[];
  /** The error `prestart` reports, if it fails. */
  error?: string;
  /**
   * The raw inputs read so far (`explain` only): the state on stdin, the
   * text of config.json and of the config file.
   */
  texts?: { state?: string; spec?: string; config?: string };
}

/**
 * The CLI found: its path, whether it was searched for, and its version
 * (`value` `null` when the CLI did not say; `source` is `config` for
 * `nvidia-container-runtime-hook.cli-version`, `cache` or `--version`);
 * `version` is `null` when not reached.
 */
export interface ReportCli {
  path: string;
  searched: boolean;
  version: { value: string | null; source: "config" | "cache" | "--version" } | null;
}

/** A request list as the report shows it. */
export type ReportList = "all" | "none" | readonly string[];

/** The report; `null` marks what was not reached. Keys print sorted. */
export interface ExplainReport {
  schema: 1;
  config: { file: string | null; origin: string };
  bundle: string | null;
  pid: number | null;
  ociVersion: string | null;
  rootfs: string | null;
  privileged: { value: boolean; capabilityFormat: "list" | "sets"; why: string } | null;
  legacy: boolean | null;
  wantsGpu: boolean | null;
  /** Why the container does not want GPUs. */
  reason: string | null;
  devices: { request: ReportList; source: string } | null;
  capabilities: { name: string; source: string }[] | null;
  requirements: { value: string; source: string }[] | null;
  mig: { config: string | null; monitor: string | null } | null;
  imex: { request: ReportList; source: string } | null;
  cli: ReportCli | null;
  /** The decision log `prestart` appends to (`nvidia-container-runtime-hook.log-file`). */
  log: string | null;
  /** The argv `prestart` runs; `null` when it runs nothing (no GPU, or an error). */
  argv: readonly string[] | null;
  notes: string[];
  warnings: string[];
  /**
   * The rows of the divergence table (lib/divergences.ts) this container
   * meets: where NVIDIA's current hook would decide otherwise, and why ours
   * differs.
   */
  divergences: { id: string; nvidia: string; ours: string; why: string }[];
  error: string | null;
}

/** The variables the policy reads, for misspelling warnings. */
const KNOWN_VARIABLES = [
  "NVIDIA_VISIBLE_DEVICES",
  "NVIDIA_DRIVER_CAPABILITIES",
  "NVIDIA_DISABLE_REQUIRE",
  "NVIDIA_MIG_CONFIG_DEVICES",
  "NVIDIA_MIG_MONITOR_DEVICES",
  "NVIDIA_IMEX_CHANNELS",
  "CUDA_VERSION",
] as const;

function sourceName(source: DeviceSource): string {
  switch (source.kind) {
    case "mounts":
      return "volume mounts";
    case "env":
      return source.names.join(",");
    case "legacy":
      return "legacy image default";
  }
}

function capabilitySourceName(source: CapabilitySource): string {
  switch (source) {
    case "env":
      return "NVIDIA_DRIVER_CAPABILITIES";
    case "default":
      return "default";
    case "legacy-default":
      return "legacy image default";
  }
}

function imexList(request: ImexRequest): ReportList {
  switch (request.kind) {
    case "none":
    case "all":
      return request.kind;
    case "list":
      return request.ids;
  }
}

/**
 * Warnings about the container's variables: a misspelt `NVIDIA_*`/`CUDA_*` variable
 * the policy would have read (`NVIDIA_DISABLE_REQUIRES`, up to 3 edits), and
 * `NVIDIA_VISIBLE_DEVICES` of an unprivileged container while the config
 * ignores it.
 *
 * @example
 * ```ts
 * envWarnings(new Map([["NVIDIA_DISABLE_REQUIRES", "1"]]), false, defaultHookConfig());
 * // ['NVIDIA_DISABLE_REQUIRES has no effect; did you mean NVIDIA_DISABLE_REQUIRE?']
 * ```
 */
export function envWarnings(env: EnvMap, privileged: boolean, config: HookConfig): string[] {
  const out: string[] = [];
  for (const name of env.keys()) {
    // Only NVIDIA_* and CUDA_* names: CUDNN_VERSION and friends are real
    // variables of NVIDIA's images.
    if (
      !(name.startsWith("NVIDIA_") || name.startsWith("CUDA_")) ||
      (KNOWN_VARIABLES as readonly string[]).includes(name) ||
      name.startsWith("NVIDIA_REQUIRE_") || name.startsWith("NVIDIA_VISIBLE_DEVICES_") ||
      config.swarmResource.includes(name)
    ) continue;
    const near = didYouMean(name, KNOWN_VARIABLES, 3);
    if (near !== undefined) out.push(`${name} has no effect; did you mean ${near}?`);
  }
  if (!privileged && !config.acceptEnvvarUnprivileged && env.has("NVIDIA_VISIBLE_DEVICES")) {
    out.push(
      "NVIDIA_VISIBLE_DEVICES is ignored: the container is unprivileged and" +
        " accept-nvidia-visible-devices-envvar-when-unprivileged = false",
    );
  }
  const ldconfig = ldconfigWarning(config);
  if (ldconfig !== undefined) out.push(ldconfig);
  return out;
}

/**
 * Builds the report from what `main.ts` learnt.
 *
 * @example
 * ```ts
 * explainReport({ configFile: null, configOrigin: "built-in defaults", error: "Cannot parse ..." }).wantsGpu;
 * // null
 * ```
 */
export function explainReport(facts: ExplainFacts): ExplainReport {
  const { spec, decision } = facts;
  const wants = decision?.wantsGpu === true ? decision : undefined;
  let privileged: ExplainReport["privileged"] = null;
  if (spec !== undefined) {
    const format = capabilityFormat(spec.ociVersion);
    const shape = format === "list" ? "a plain list" : "capability sets (bounding used)";
    privileged = {
      value: spec.privileged,
      capabilityFormat: format,
      why: `CAP_SYS_ADMIN ${spec.privileged ? "is" : "is not"} in the bounding set;` +
        ` ociVersion ${JSON.stringify(spec.ociVersion)} has ${shape}`,
    };
  }
  const warnings = spec !== undefined && facts.config !== undefined
    ? envWarnings(spec.env, spec.privileged, facts.config)
    : [];
  return {
    schema: 1,
    config: { file: facts.configFile, origin: facts.configOrigin },
    bundle: facts.bundle ?? null,
    pid: facts.pid ?? null,
    ociVersion: spec?.ociVersion ?? null,
    rootfs: spec?.rootfs ?? null,
    privileged,
    legacy: wants?.legacy ?? null,
    wantsGpu: decision?.wantsGpu ?? null,
    reason: decision !== undefined && !decision.wantsGpu ? decision.reason : null,
    devices: wants === undefined ? null : {
      request: wants.devices.kind === "list" ? wants.devices.ids : wants.devices.kind,
      source: sourceName(wants.source),
    },
    capabilities: wants?.capabilities.map((name) => ({
      name,
      source: capabilitySourceName(wants.capabilitySource),
    })) ?? null,
    requirements: wants?.requirements.map((r) => ({ ...r })) ?? null,
    mig: wants === undefined
      ? null
      : { config: wants.migConfig ?? null, monitor: wants.migMonitor ?? null },
    imex: wants === undefined
      ? null
      : { request: imexList(wants.imexChannels), source: wants.imexSource },
    cli: facts.cli ?? null,
    log: facts.config?.logFile ?? null,
    // What prestart runs: nothing when it fails.
    argv: facts.error === undefined ? facts.argv ?? null : null,
    notes: [...(wants?.notes ?? [])],
    warnings,
    divergences: divergencesMet(facts),
    error: facts.error ?? null,
  };
}

/** The rows of the divergence table the container meets (those where the hooks differ). */
function divergencesMet(facts: ExplainFacts): ExplainReport["divergences"] {
  const texts = facts.texts;
  if (texts === undefined || texts.spec === undefined) return [];
  const ids = matchDivergences({
    args: [],
    state: texts.state,
    spec: texts.spec,
    config: texts.config,
  });
  return ids.map(divergence).filter((d) => d.kind !== "same").map((d) => ({
    id: d.id,
    nvidia: d.nvidia,
    ours: d.ours,
    why: d.why,
  }));
}

/** Width of the label column of the text report. */
const LABEL_WIDTH = 14;

function list(value: ReportList): string {
  return typeof value === "string" ? value : value.join(",");
}

/**
 * The human-readable report: one aligned `label  value` line per fact that
 * was reached, then notes, warnings and the error. Control characters in
 * values are escaped as `\uXXXX`.
 *
 * @example
 * ```ts
 * formatExplain(explainReport({ configFile: null, configOrigin: "built-in defaults" }))
 *   .startsWith("config        built-in defaults"); // true
 * ```
 */
export function formatExplain(r: ExplainReport): string {
  const rows: [string, string][] = [];
  const add = (label: string, value: string | null | undefined) => {
    if (value !== null && value !== undefined) rows.push([label, escapeControls(value)]);
  };
  add("config", r.config.file === null ? r.config.origin : `${r.config.file} (${r.config.origin})`);
  add("bundle", r.bundle);
  add("pid", r.pid === null ? (r.bundle === null ? null : "none (--bundle)") : String(r.pid));
  add("rootfs", r.rootfs);
  if (r.privileged !== null) {
    add("privileged", `${r.privileged.value ? "yes" : "no"} (${r.privileged.why})`);
  }
  if (r.wantsGpu !== null) add("wants GPU", r.wantsGpu ? "yes" : `no: ${r.reason}`);
  if (r.legacy !== null) {
    add("legacy", r.legacy ? "yes (CUDA_VERSION without NVIDIA_REQUIRE_CUDA)" : "no");
  }
  if (r.devices !== null) add("devices", `${list(r.devices.request)}  (from ${r.devices.source})`);
  if (r.capabilities !== null) {
    add(
      "capabilities",
      r.capabilities.length === 0
        ? "none"
        : `${r.capabilities.map((c) => c.name).join(",")}  (from ${r.capabilities[0]?.source})`,
    );
  }
  if (r.requirements !== null) {
    if (r.requirements.length === 0) add("requirements", "none");
    for (const q of r.requirements) add("requirement", `${q.value}  (from ${q.source})`);
  }
  if (r.mig !== null) {
    add("mig config", r.mig.config);
    add("mig monitor", r.mig.monitor);
  }
  if (r.imex !== null && r.imex.source !== "none") {
    add("imex", `${list(r.imex.request)}  (from ${r.imex.source})`);
  }
  if (r.cli !== null) add("cli", `${r.cli.path}${r.cli.searched ? " (found by search)" : ""}`);
  if (r.cli?.version) {
    add("cli version", `${r.cli.version.value ?? "unknown"}  (from ${r.cli.version.source})`);
  }
  add("log", r.log);
  if (r.argv !== null) add("argv", r.argv.map((a) => JSON.stringify(a)).join(" "));
  else if (r.wantsGpu === false) add("argv", "none: nvidia-container-cli is not run");
  for (const n of r.notes) add("note", n);
  for (const w of r.warnings) add("warning", w);
  for (const d of r.divergences) {
    add("differs", `${d.id}: NVIDIA's current hook ${d.nvidia}; this hook ${d.ours} (${d.why})`);
  }
  add("error", r.error);
  return rows.map(([label, value]) => label.padEnd(LABEL_WIDTH) + value).join("\n") + "\n";
}
