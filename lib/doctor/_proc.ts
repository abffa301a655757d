/**
 * Processes seen through /proc: which run under a name, their `PATH`, and
 * when they started.
 *
 * @module
 */

import type { HostReader, ReadResult } from "./host.ts";

/** A process of the host. */
export interface ProcessInfo {
  pid: number;
  /** Its `comm` (the first 15 bytes of the program name). */
  comm: string;
}

/** Most /proc entries looked at. */
const MAX_PIDS = 1 << 20;

/** Largest /proc/PID/environ read, in bytes. */
const MAX_ENVIRON_BYTES = 1024 * 1024;

/** Largest other /proc file read, in bytes. */
const MAX_PROC_BYTES = 64 * 1024;

/**
 * USER_HZ: the unit of /proc/PID/stat's start time. The kernel reports 100
 * ticks per second to user space on every architecture the hook runs on.
 */
export const USER_HZ = 100;

/** The processes whose `comm` is one of `names`, by pid; or why /proc cannot be listed. */
export function findProcesses(
  host: HostReader,
  names: readonly string[],
): ReadResult<ProcessInfo[]> {
  const entries = host.readDir("/proc");
  if (entries === undefined) return { ok: false, error: "Cannot list /proc" };
  const pids = entries.filter((n) => /^[1-9][0-9]{0,9}$/.test(n)).slice(0, MAX_PIDS)
    .map(Number).sort((a, b) => a - b);
  const comms = host.readEach("/proc", pids.map(String), "comm", 256);
  const found: ProcessInfo[] = [];
  pids.forEach((pid, i) => {
    const comm = comms[i]?.replace(/\n$/, "");
    if (comm !== undefined && names.includes(comm)) found.push({ pid, comm });
  });
  return { ok: true, value: found };
}

/** The `comm` of one process, or `undefined`. */
export function processComm(host: HostReader, pid: number): string | undefined {
  const read = host.readText(`/proc/${pid}/comm`, 256);
  return read.ok ? read.value.replace(/\n$/, "") : undefined;
}

/**
 * The `PATH` of a process, from /proc/PID/environ (`undefined` value: it has
 * none). Nothing else of its environment is kept.
 */
export function processPath(host: HostReader, pid: number): ReadResult<string | undefined> {
  const file = `/proc/${pid}/environ`;
  const read = host.readText(file, MAX_ENVIRON_BYTES);
  if (!read.ok) return { ok: false, error: `Cannot read ${file}: ${read.error}` };
  const entry = read.value.split("\0").find((e) => e.startsWith("PATH="));
  return { ok: true, value: entry?.slice(5) };
}

/**
 * When a process started, in milliseconds since the epoch: field 22 of
 * /proc/PID/stat (ticks since boot, {@linkcode USER_HZ} a second) after
 * the `btime` of /proc/stat.
 */
export function processStartMs(host: HostReader, pid: number): ReadResult<number> {
  const statFile = `/proc/${pid}/stat`;
  const stat = host.readText(statFile, MAX_PROC_BYTES);
  if (!stat.ok) return { ok: false, error: `Cannot read ${statFile}: ${stat.error}` };
  // The command (field 2) is in parentheses and may hold spaces and parentheses.
  const fields = stat.value.slice(stat.value.lastIndexOf(")") + 1).trim().split(/\s+/);
  const ticks = fields[19];
  if (ticks === undefined || !/^[0-9]{1,20}$/.test(ticks)) {
    return { ok: false, error: `${statFile} has no start time (field 22)` };
  }
  const boot = host.readText("/proc/stat", MAX_PROC_BYTES);
  const btime = boot.ok ? /^btime ([0-9]{1,20})$/m.exec(boot.value)?.[1] : undefined;
  if (btime === undefined) return { ok: false, error: "/proc/stat has no btime" };
  return { ok: true, value: Number(btime) * 1000 + (Number(ticks) * 1000) / USER_HZ };
}

/**
 * The first executable `name` in the absolute directories of `pathValue`
 * (as Go's `exec.LookPath`, which skips relative entries' results).
 */
export function lookPath(
  host: HostReader,
  pathValue: string,
  name: string,
): string | undefined {
  for (const dir of pathValue.split(":")) {
    if (!dir.startsWith("/")) continue;
    const candidate = `${dir.replace(/\/+$/, "")}/${name}`;
    if (host.isExecutable(candidate)) return candidate;
  }
  return undefined;
}
