/**
 * The `nvidia-container-cli` command line.
 *
 * @module
 */

import type { GpuDecision } from "./decide_gpu.ts";
import { deviceOption } from "./devices.ts";
import { InputError } from "./errors.ts";
import type { HookConfig } from "./hook_config.ts";
import { imexOption } from "./imex_channels.ts";

/** Inputs of {@linkcode buildArgv} besides the config and the decision. */
export interface ArgvOptions {
  /** The CLI binary, argv[0]. */
  cliPath: string;
  /** The `-debug` flag: `--debug=/dev/stderr` instead of the config's `debug`. */
  debugFlag: boolean;
  /** The container's pid; `"PID"` when there is none (`explain --bundle`). */
  pid: number | "PID";
  /** The absolute rootfs. */
  rootfs: string;
  /**
   * The compat-library option (`cudaCompatOption`), passed right after
   * `configure` as upstream does; `undefined` for none.
   */
  compatOption?: string | undefined;
}

/**
 * Builds the argv, one option per element, in the order of SPEC 6.2: CLI
 * path, global options, `configure`, its options, `--pid=`, the rootfs.
 * `config.cli.ldconfig` is used as given (normalise it first with
 * `normalizeLdconfig`); the compat-library option comes from
 * `cudaCompatOption`, which knows the CLI's version.
 *
 * @throws {InputError} when a value holds a NUL byte (no argv element can).
 *
 * @example
 * ```ts
 * buildArgv(defaultHookConfig(), decision, { cliPath: "/usr/bin/nvidia-container-cli", debugFlag: false, pid: 42, rootfs: "/b/rootfs" });
 * // ["/usr/bin/nvidia-container-cli", "--load-kmods", "configure", "--device=0", "--compute", "--utility", "--pid=42", "/b/rootfs"]
 * ```
 */
export function buildArgv(
  config: HookConfig,
  decision: Extract<GpuDecision, { wantsGpu: true }>,
  options: ArgvOptions,
): string[] {
  const cli = config.cli;
  const argv = [options.cliPath];
  if (cli.root !== undefined) argv.push(`--root=${cli.root}`);
  if (cli.loadKmods) argv.push("--load-kmods");
  if (config.features.disableImexChannelCreation) argv.push("--no-create-imex-channels");
  if (cli.noPivot) argv.push("--no-pivot");
  if (options.debugFlag) argv.push("--debug=/dev/stderr");
  else if (cli.debug !== undefined) argv.push(`--debug=${cli.debug}`);
  if (cli.ldcache !== undefined) argv.push(`--ldcache=${cli.ldcache}`);
  if (cli.user !== undefined) argv.push(`--user=${cli.user}`);
  argv.push("configure");
  if (options.compatOption !== undefined) argv.push(options.compatOption);
  if (cli.ldconfig !== undefined) argv.push(`--ldconfig=${cli.ldconfig}`);
  if (cli.noCgroups) argv.push("--no-cgroups");
  const device = deviceOption(decision.devices);
  if (device !== undefined) argv.push(`--device=${device}`);
  if (decision.migConfig !== undefined) argv.push(`--mig-config=${decision.migConfig}`);
  if (decision.migMonitor !== undefined) argv.push(`--mig-monitor=${decision.migMonitor}`);
  const imex = imexOption(decision.imexChannels);
  if (imex !== undefined) argv.push(`--imex-channel=${imex}`);
  for (const capability of decision.capabilities) argv.push(`--${capability}`);
  for (const requirement of decision.requirements) argv.push(`--require=${requirement.value}`);
  argv.push(`--pid=${options.pid}`, options.rootfs);
  // An argv element cannot hold a NUL byte: refuse here rather than at the spawn.
  for (const element of argv) {
    if (element.includes("\0")) {
      const name = element.startsWith("--")
        ? element.split("=")[0] as string
        : "the rootfs or CLI path";
      throw new InputError(
        `Cannot pass ${name} to nvidia-container-cli: its value holds a NUL byte`,
      );
    }
  }
  return argv;
}
