/**
 * `doctor`'s checks of the NVIDIA driver: the kernel module's version, the
 * GPUs it lists, the device nodes, the libraries in the ld cache, and
 * nvidia-persistenced.
 *
 * @module
 */

import { joinPath } from "../clean_path.ts";
import { quote } from "../errors.ts";
import type { HookConfig } from "../hook_config.ts";
import { type Check, fail, listed, ok, warn } from "./check.ts";
import type { HostReader } from "./host.ts";
import { ldCacheLookup, parseLdCache } from "./ld_cache.ts";

/** Largest /proc file read, in bytes. */
const MAX_PROC_BYTES = 64 * 1024;

/** Largest ld cache read, in bytes. */
export const MAX_LD_CACHE_BYTES = 64 * 1024 * 1024;

/** Most GPU directories read under /proc/driver/nvidia/gpus. */
const MAX_GPUS = 1024;

const VERSION_FILE = "/proc/driver/nvidia/version";
const GPUS_DIR = "/proc/driver/nvidia/gpus";

/** The libraries the CLI loads first (`load library failed: ...` when missing). */
export const DRIVER_LIBRARIES = ["libnvidia-ml.so.1", "libcuda.so.1"] as const;

/** nvidia-persistenced's socket. */
export const PERSISTENCED_SOCKET = "/var/run/nvidia-persistenced/socket";

/** The device nodes of the NVIDIA driver (a regular expression on `/dev` names). */
export const GPU_NODE = /^nvidia[0-9]+$/;

/**
 * The driver version in the text of /proc/driver/nvidia/version, e.g.
 * `NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar ...`.
 *
 * @example
 * ```ts
 * driverVersion("NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n");
 * // "550.54.15"
 * ```
 */
export function driverVersion(text: string): string | undefined {
  const line = text.split("\n").find((l) => l.startsWith("NVRM version:"));
  return line === undefined
    ? undefined
    : /\s([0-9]{1,4}(?:\.[0-9]{1,4}){1,2})(?:\s|$)/.exec(line)?.[1];
}

/**
 * A field (`Model`, `Bus Location`) of a GPU's `information` file.
 *
 * @example
 * ```ts
 * gpuField("Model: \t\t NVIDIA A100-SXM4-40GB\nIRQ: 1\n", "Model"); // "NVIDIA A100-SXM4-40GB"
 * ```
 */
export function gpuField(text: string, name: string): string | undefined {
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0 && line.slice(0, colon).trim() === name) return line.slice(colon + 1).trim();
  }
  return undefined;
}

const FIX_DRIVER =
  "install the NVIDIA driver and load it (modprobe nvidia); nvidia-smi must list the GPUs";

function versionCheck(host: HostReader): Check {
  const read = host.readText(VERSION_FILE, MAX_PROC_BYTES);
  if (!read.ok) {
    return fail(
      "driver.version",
      `Cannot read ${VERSION_FILE}: ${read.error} (the NVIDIA kernel module is not loaded)`,
      FIX_DRIVER,
    );
  }
  const version = driverVersion(read.value);
  if (version === undefined) {
    const first = read.value.split("\n", 1)[0] ?? "";
    return warn("driver.version", `${VERSION_FILE} names no version: ${quote(first)}`, FIX_DRIVER);
  }
  return ok("driver.version", `NVIDIA driver ${version}`);
}

function gpusCheck(host: HostReader): Check {
  const names = host.readDir(GPUS_DIR);
  if (names === undefined || names.length === 0) {
    return fail("driver.gpus", `no GPU under ${GPUS_DIR}`, FIX_DRIVER);
  }
  const gpus = names.slice(0, MAX_GPUS).map((bus) => {
    const info = host.readText(`${GPUS_DIR}/${bus}/information`, MAX_PROC_BYTES);
    const model = info.ok ? gpuField(info.value, "Model") : undefined;
    return `${
      model === undefined || model === "" ? "unknown model" : quote(model).slice(1, -1)
    } (${bus})`;
  });
  const count = names.length === 1 ? "1 GPU" : `${names.length} GPUs`;
  return ok("driver.gpus", `${count}: ${listed(gpus)}`);
}

function devicesCheck(host: HostReader, config: HookConfig): Check {
  const gpuNodes = (host.readDir("/dev") ?? []).filter((n) => GPU_NODE.test(n));
  const missing: string[] = [];
  const wrong: string[] = [];
  for (const name of ["nvidiactl", "nvidia-uvm"]) {
    const e = host.stat(`/dev/${name}`);
    if (e === undefined) missing.push(`/dev/${name}`);
    else if (e.kind !== "char") wrong.push(`/dev/${name} (${e.kind})`);
  }
  for (const name of gpuNodes) {
    const e = host.stat(`/dev/${name}`);
    if (e !== undefined && e.kind !== "char") wrong.push(`/dev/${name} (${e.kind})`);
  }
  if (gpuNodes.length === 0) missing.push("/dev/nvidia[0-9]*");
  const fix =
    "load the driver and create the nodes: modprobe nvidia nvidia-uvm && nvidia-modprobe -c0 -u";
  if (wrong.length > 0) {
    return fail(
      "driver.devices",
      `not character devices: ${listed(wrong)}`,
      `remove them, then ${fix}`,
    );
  }
  if (missing.length > 0) {
    const message = `missing: ${listed(missing)}`;
    return config.cli.loadKmods
      ? warn(
        "driver.devices",
        `${message}; the CLI creates them at container start (nvidia-container-cli.load-kmods = true)`,
        fix,
      )
      : fail("driver.devices", `${message} (nvidia-container-cli.load-kmods = false)`, fix);
  }
  return ok(
    "driver.devices",
    `/dev/nvidiactl, /dev/nvidia-uvm and ${
      listed(gpuNodes.map((n) => `/dev/${n}`))
    } are character devices`,
  );
}

function librariesCheck(host: HostReader, config: HookConfig): Check {
  const root = config.cli.root ?? "/";
  const cache = joinPath(root, config.cli.ldcache ?? "/etc/ld.so.cache");
  const fixLdconfig = root === "/" ? "ldconfig" : `ldconfig -r ${root}`;
  const read = host.readBytes(cache, MAX_LD_CACHE_BYTES);
  if (!read.ok) {
    return fail(
      "driver.libraries",
      `Cannot read the ld cache ${cache}: ${read.error}`,
      `run ${fixLdconfig} to write it`,
    );
  }
  const parsed = parseLdCache(read.value);
  if (!parsed.ok) {
    return fail(
      "driver.libraries",
      `Cannot parse the ld cache ${cache}: ${parsed.error}`,
      `run ${fixLdconfig} to rewrite it`,
    );
  }
  const found: string[] = [];
  const missing: string[] = [];
  const stale: string[] = [];
  for (const soname of DRIVER_LIBRARIES) {
    const entry = ldCacheLookup(parsed.entries, soname);
    if (entry === undefined) {
      missing.push(soname);
      continue;
    }
    const path = joinPath(root, entry.value);
    if (host.stat(path) === undefined) stale.push(`${soname} => ${path}`);
    found.push(`${soname} => ${path}`);
  }
  if (missing.length > 0) {
    return fail(
      "driver.libraries",
      `${
        missing.join(" and ")
      } not in the ld cache ${cache}: the CLI fails with "load library failed: ${missing[0]}"`,
      `install the NVIDIA driver's libraries (e.g. libnvidia-compute, nvidia-driver-libs), then run ${fixLdconfig}`,
    );
  }
  if (stale.length > 0) {
    return warn(
      "driver.libraries",
      `the ld cache ${cache} names missing files: ${listed(stale)}`,
      `run ${fixLdconfig}`,
    );
  }
  return ok("driver.libraries", found.join(", "));
}

function persistencedCheck(host: HostReader): Check {
  const e = host.stat(PERSISTENCED_SOCKET);
  if (e !== undefined && e.kind === "socket") {
    return ok("driver.persistenced", `nvidia-persistenced listens on ${PERSISTENCED_SOCKET}`);
  }
  const what = e === undefined
    ? `no ${PERSISTENCED_SOCKET}`
    : `${PERSISTENCED_SOCKET} is not a socket (${e.kind})`;
  return warn(
    "driver.persistenced",
    `nvidia-persistenced is not running (${what}): containers start slowly, and the CLI can fail with "driver rpc error: timed out"`,
    "systemctl enable --now nvidia-persistenced",
  );
}

/**
 * The checks of the driver, in report order: `driver.version`,
 * `driver.gpus`, `driver.devices`, `driver.libraries`,
 * `driver.persistenced`. The ld cache and the libraries are read under
 * `nvidia-container-cli.root`, as the CLI reads them.
 *
 * @example
 * ```ts
 * driverChecks(host, defaultHookConfig())[0]?.id; // "driver.version"
 * ```
 */
export function driverChecks(host: HostReader, config: HookConfig): Check[] {
  return [
    versionCheck(host),
    gpusCheck(host),
    devicesCheck(host, config),
    librariesCheck(host, config),
    persistencedCheck(host),
  ];
}
