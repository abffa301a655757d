/**
 * `doctor`'s check of the systemd cgroup driver: systemd grants a
 * container's devices by their /dev/char/MAJOR:MINOR links, so without
 * those links for the NVIDIA devices a `systemctl daemon-reload` takes the
 * GPUs away from running containers.
 *
 * @module
 */

import { type Check, listed, ok, warn } from "./check.ts";
import type { HostReader } from "./host.ts";
import { GPU_NODE } from "./checks_driver.ts";
import { processComm } from "./_proc.ts";

/** The cgroup drivers the engines were found to use. */
export interface CgroupFacts {
  /** daemon.json `exec-opts` `native.cgroupdriver`, when Docker is installed and sets it. */
  dockerDriver: string | undefined;
  /** Docker is installed. */
  docker: boolean;
  /** A containerd runc runtime sets `SystemdCgroup = true`. */
  containerdSystemd: boolean;
  /** Podman or CRI-O is installed. */
  hooksD: boolean;
}

/** The NVIDIA device nodes systemd must know: those of `/dev` and `/dev/nvidia-caps`. */
function nvidiaDevices(host: HostReader): { path: string; major: number; minor: number }[] {
  const names = [
    ...(host.readDir("/dev") ?? [])
      .filter((n) =>
        ["nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset"].includes(n) ||
        GPU_NODE.test(n)
      )
      .map((n) => `/dev/${n}`),
    ...(host.readDir("/dev/nvidia-caps") ?? []).map((n) => `/dev/nvidia-caps/${n}`),
  ];
  const out = [];
  for (const path of names) {
    const e = host.stat(path);
    if (e?.kind === "char") out.push({ path, major: e.major, minor: e.minor });
  }
  return out;
}

/**
 * Why the systemd cgroup driver is in use, or `undefined` when it is not
 * (cgroupfs): Docker's `native.cgroupdriver`, containerd's `SystemdCgroup`,
 * or cgroup v2 with systemd as init (Docker's and podman's default there).
 */
function systemdDriver(host: HostReader, f: CgroupFacts): string | undefined {
  if (f.docker && f.dockerDriver === "systemd") {
    return "docker's exec-opts native.cgroupdriver=systemd";
  }
  if (f.containerdSystemd) return "containerd's SystemdCgroup = true";
  const unified = host.stat("/sys/fs/cgroup/cgroup.controllers")?.kind === "file";
  const systemd = processComm(host, 1) === "systemd";
  const engine = (f.docker && f.dockerDriver === undefined) || f.hooksD;
  if (unified && systemd && engine) return "cgroup v2 with systemd, the engines' default driver";
  return undefined;
}

/**
 * The `cgroups.dev-char` check.
 *
 * @example
 * ```ts
 * cgroupsCheck(host, { dockerDriver: undefined, docker: false, containerdSystemd: false, hooksD: false }).status;
 * // "ok"
 * ```
 */
export function cgroupsCheck(host: HostReader, facts: CgroupFacts): Check {
  const why = systemdDriver(host, facts);
  if (why === undefined) {
    return ok(
      "cgroups.dev-char",
      "the systemd cgroup driver is not in use: systemctl daemon-reload does not take GPUs away",
    );
  }
  const devices = nvidiaDevices(host);
  if (devices.length === 0) {
    return ok("cgroups.dev-char", `skipped: ${why}, but no NVIDIA device nodes in /dev`);
  }
  const missing = devices.filter((d) => {
    const link = host.stat(`/dev/char/${d.major}:${d.minor}`);
    return link === undefined || link.kind !== "char" || link.major !== d.major ||
      link.minor !== d.minor;
  });
  if (missing.length === 0) {
    return ok("cgroups.dev-char", `${why}; every NVIDIA device has its /dev/char link`);
  }
  return warn(
    "cgroups.dev-char",
    `${why}, and no /dev/char link for ${
      listed(missing.map((d) => `${d.path} (${d.major}:${d.minor})`))
    }: after systemctl daemon-reload containers lose their GPUs ("Failed to initialize NVML: Unknown Error")`,
    "nvidia-ctk system create-dev-char-symlinks --create-all",
  );
}
