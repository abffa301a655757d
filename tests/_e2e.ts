/**
 * Helpers of the end-to-end suite (tests/e2e_test.ts) and of the runc
 * benchmark (scripts/bench_runc.ts): finding the real runtimes, building
 * busybox bundles with the hook registered the way hosts do, running a
 * runtime with a timeout, and cleaning up containers and mounts.
 *
 * Nothing here asserts; the suite does.
 *
 * @module
 */

import { CONFIG_PREFIX_ENV } from "../main.ts";
import { hookCommand, launcherEnv, repoDir } from "./_hook.ts";

/** The `PATH` a host puts in the hook entry's `env`. */
export const HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Where crun on a hybrid cgroup host finds the cgroup2 hierarchy it refuses. */
export const UNIFIED_CGROUP = "/sys/fs/cgroup/unified";

/** The fixtures of the suite: the stand-in CLI and the nvidia-smi stub. */
export const FIXTURES = `${repoDir()}/tests/fixtures/e2e`;

/** The programs the suite and the benchmark run, by absolute path. */
export interface Tools {
  runc: string;
  crun: string;
  /** A statically linked busybox (the only binary of the rootfs). */
  busybox: string;
  unshare: string;
  nsenter: string;
  setsid: string;
  findmnt: string;
  mount: string;
  umount: string;
}

const TOOL_PACKAGES: Record<keyof Tools, string> = {
  runc: "runc",
  crun: "crun",
  busybox: "busybox-static",
  unshare: "util-linux",
  nsenter: "util-linux",
  setsid: "util-linux",
  findmnt: "util-linux",
  mount: "mount",
  umount: "mount",
};

/** Whether `path` is a regular file with an execute bit. */
export function isExecutableFile(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** The first executable `name` in this process's `PATH`, then {@link HOST_PATH}. */
export function which(name: string): string | undefined {
  const dirs = [...(Deno.env.get("PATH") ?? "").split(":"), ...HOST_PATH.split(":")];
  for (const dir of dirs) {
    if (!dir.startsWith("/")) continue;
    if (isExecutableFile(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

/**
 * Whether the ELF file at `path` has no program interpreter (is statically
 * linked); `false` for anything that is not ELF.
 */
export function isStaticElf(path: string): boolean {
  const bytes = Deno.readFileSync(path);
  if (bytes.length < 52 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c) {
    return false;
  }
  const wide = bytes[4] === 2;
  const little = bytes[5] === 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const phoff = wide ? Number(view.getBigUint64(0x20, little)) : view.getUint32(0x1c, little);
  const phentsize = view.getUint16(wide ? 0x36 : 0x2a, little);
  const phnum = view.getUint16(wide ? 0x38 : 0x2c, little);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > bytes.length) return false;
    if (view.getUint32(at, little) === 3 /* PT_INTERP */) return false;
  }
  return true;
}

/**
 * Runs a coreutils-style helper by name and returns its stdout. Deno denies
 * reading /proc without --allow-all, so /proc is read through `cat`.
 */
async function helperOutput(name: string, ...args: string[]): Promise<string> {
  const r = await runProcess([which(name) ?? name, ...args], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`${name} ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** Whether this process runs with effective uid 0 (`id -u`; Deno.uid() needs --allow-sys). */
export async function isRoot(): Promise<boolean> {
  return (await helperOutput("id", "-u")) === "0\n";
}

/** This process's mount table (`/proc/self/mountinfo` of a child in the same namespace). */
export function mountinfo(): Promise<string> {
  return helperOutput("cat", "/proc/self/mountinfo");
}

/** The tools, or why they cannot be used (one line). */
export async function findTools(): Promise<{ tools: Tools } | { missing: string }> {
  if (!(await isRoot())) return { missing: "not running as root (real runtimes need root)" };
  const found: Partial<Tools> = {};
  const absent: string[] = [];
  for (const name of Object.keys(TOOL_PACKAGES) as (keyof Tools)[]) {
    const path = which(name);
    if (path === undefined) absent.push(`${name} (${TOOL_PACKAGES[name]})`);
    else found[name] = path;
  }
  if (absent.length > 0) return { missing: `not installed: ${absent.join(", ")}` };
  if (!isStaticElf(found.busybox as string)) {
    return { missing: `${found.busybox} is not statically linked (install busybox-static)` };
  }
  return { tools: found as Tools };
}

/** Mount points of a /proc/PID/mountinfo text, unescaped, in table order. */
export function mountPoints(mountinfo: string): { point: string; fstype: string }[] {
  const unescape = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
  const rows: { point: string; fstype: string }[] = [];
  for (const line of mountinfo.split("\n")) {
    if (line === "") continue;
    const [left, right] = line.split(" - ") as [string, string | undefined];
    const point = left.split(" ")[4];
    const fstype = right?.split(" ")[0];
    if (point !== undefined && fstype !== undefined) rows.push({ point: unescape(point), fstype });
  }
  return rows;
}

/**
 * Whether this host has hybrid cgroups (v1 controllers with cgroup2 at
 * {@link UNIFIED_CGROUP}): crun refuses to start containers there ("cgroups
 * in hybrid mode not supported") unless that mount is out of its way.
 */
export async function hybridCgroups(): Promise<boolean> {
  return mountPoints(await mountinfo())
    .some((m) => m.point === UNIFIED_CGROUP && m.fstype === "cgroup2");
}

/** A runtime with its state directory, and how to invoke it. */
export interface Runtime {
  name: "runc" | "crun";
  /** The `--root` state directory. */
  stateDir: string;
  /** The argv of `runtime --root STATE ...args`, wrapped when needed. */
  argv(...args: string[]): string[];
}

/**
 * Sets up `name` with state in `stateDir`. crun on hybrid cgroups (see
 * {@linkcode hybridCgroups}) runs in `unshare --mount --propagation private`
 * after unmounting {@link UNIFIED_CGROUP} there, so the host keeps its mount.
 */
export function runtime(
  tools: Tools,
  name: "runc" | "crun",
  stateDir: string,
  hybrid: boolean,
): Runtime {
  const unshared = name === "crun" && hybrid;
  // sh -c SCRIPT ARG0 ARGS...: "$0" is the mount to drop, "$@" the crun command.
  const wrap = unshared
    ? [
      tools.unshare,
      "--mount",
      "--propagation",
      "private",
      "--",
      "/bin/sh",
      "-c",
      `${shellQuote(tools.umount)} "$0" && exec "$@"`,
      UNIFIED_CGROUP,
    ]
    : [];
  return {
    name,
    stateDir,
    argv: (...args) => [...wrap, tools[name], "--root", stateDir, ...args],
  };
}

/** `s` as one single-quoted POSIX shell word. */
export function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The result of a finished process. */
export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@linkcode runProcess}. */
export interface ProcessOptions {
  /** Kill the process (SIGKILL) after this many milliseconds and throw. */
  timeoutMs: number;
  cwd?: string;
  /** The whole environment (nothing inherited); default `PATH` only. */
  env?: Record<string, string>;
  /**
   * `argv` starts a new session (`setsid ...`): a timeout kills its whole
   * process group (the runtime and the hooks it started), not only `argv[0]`.
   */
  ownSession?: boolean;
  /** Run after a timeout kill, before giving up (e.g. force-delete the container). */
  onTimeout?: () => Promise<unknown>;
}

/** How long to wait for the output pipes after a timeout kill. */
const PIPE_GRACE_MS = 10_000;

/**
 * Runs `argv` to completion with stdin empty and stdout/stderr captured. A
 * process still running after `timeoutMs` is killed (with its process group
 * when `ownSession`), `onTimeout` runs, and this throws.
 */
export async function runProcess(
  argv: readonly string[],
  options: ProcessOptions,
): Promise<ProcessResult> {
  const [cmd, ...args] = argv as [string, ...string[]];
  const child = new Deno.Command(cmd, {
    args,
    env: options.env ?? { PATH: HOST_PATH },
    clearEnv: true,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"expired">((resolve) => {
    timer = setTimeout(() => resolve("expired"), options.timeoutMs);
  });
  let result: Deno.CommandOutput | "expired";
  try {
    result = await Promise.race([output, expired]);
  } finally {
    clearTimeout(timer);
  }
  if (result !== "expired") {
    const dec = new TextDecoder();
    return {
      code: result.code,
      stdout: dec.decode(result.stdout),
      stderr: dec.decode(result.stderr),
    };
  }
  try {
    // setsid execs its command in place, so the child's pid is the group's id.
    if (options.ownSession === true) Deno.kill(-child.pid, "SIGKILL");
    else child.kill("SIGKILL");
  } catch {
    // It exited just now.
  }
  await options.onTimeout?.();
  let grace: ReturnType<typeof setTimeout> | undefined;
  const closed = await Promise.race([
    output.then(() => true, () => true),
    new Promise<false>((resolve) => {
      grace = setTimeout(() => resolve(false), PIPE_GRACE_MS);
    }),
  ]);
  clearTimeout(grace);
  throw new Error(
    `${argv.join(" ")} did not finish within ${options.timeoutMs / 1000} s and was killed` +
      (closed ? "" : "; its output pipes stayed open"),
  );
}

/** One entry of `hooks.prestart` / `hooks.createRuntime` in config.json. */
export interface HookEntry {
  path: string;
  args: string[];
  env: string[];
  /** Seconds the runtime lets the hook run before it kills it. */
  timeout?: number;
}

/**
 * The hook entry a host writes: the hook's path, `args` with the program
 * name and `prestart`, and an `env` with `PATH` only; plus, when
 * `configPrefix` is given, {@link CONFIG_PREFIX_ENV}, the test-only stand-in
 * for `/etc` (so that no test reads or writes the real config file).
 */
export function hookEntry(hookPath: string, configPrefix?: string): HookEntry {
  const env = [`PATH=${HOST_PATH}`];
  if (configPrefix !== undefined) env.push(`${CONFIG_PREFIX_ENV}=${configPrefix}`);
  return { path: hookPath, args: ["nvidia-container-runtime-hook", "prestart"], env };
}

/**
 * The hook a runtime runs: `HOOK_BIN` when set (made absolute), otherwise a
 * launcher script written at `launcherPath` that runs main.ts from source
 * exactly as tests/_hook.ts does (absolute deno, `--quiet`, `--config`, the
 * compile permissions), with the variables Deno needs to find its cache.
 */
export function installHook(launcherPath: string): string {
  const bin = Deno.env.get("HOOK_BIN");
  if (bin !== undefined && bin !== "") return bin.startsWith("/") ? bin : `${Deno.cwd()}/${bin}`;
  const lines = [
    "#!/bin/sh",
    "# Generated by tests/_e2e.ts: the hook from source, with the compile permissions.",
    "# The runtime's argv[0] is not passed on; the hook ignores it anyway.",
    ...Object.entries(launcherEnv()).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    `exec ${hookCommand().map(shellQuote).join(" ")} "$@"`,
    "",
  ];
  Deno.writeTextFileSync(launcherPath, lines.join("\n"), { mode: 0o755 });
  Deno.chmodSync(launcherPath, 0o755);
  return launcherPath;
}

/** The applet names of `busybox` (without `busybox` itself). */
export async function busyboxApplets(busybox: string): Promise<string[]> {
  const r = await runProcess([busybox, "--list"], { timeoutMs: 10_000 });
  if (r.code !== 0) throw new Error(`${busybox} --list failed (${r.code}): ${r.stderr}`);
  return r.stdout.split("\n").filter((a) => a !== "" && a !== "busybox" && !a.includes("/"));
}

/** The capabilities runc gives an unprivileged container (`runc spec`): no CAP_SYS_ADMIN. */
const DEFAULT_CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

/** Options of {@linkcode writeBundle}. */
export interface BundleOptions {
  /** The container's command. */
  args: string[];
  /** `process.env` (a `PATH` is put first). */
  env: string[];
  /** `root.path` as `rootfs` (relative to the bundle) instead of absolute. */
  relativeRoot?: boolean;
  /** `hooks` of config.json. */
  hooks?: Record<string, HookEntry[]>;
  annotations?: Record<string, string>;
}

/**
 * Writes a busybox bundle at `dir`: `rootfs/bin/busybox` with its applet
 * links, empty `usr/bin`, `proc`, `dev`, `sys` and `tmp` directories, and a
 * config.json like `runc spec` writes (read-only root, `terminal: false`).
 */
export function writeBundle(
  dir: string,
  busybox: string,
  applets: readonly string[],
  options: BundleOptions,
): void {
  const rootfs = `${dir}/rootfs`;
  for (const sub of ["bin", "usr/bin", "proc", "dev", "sys", "tmp"]) {
    Deno.mkdirSync(`${rootfs}/${sub}`, { recursive: true });
  }
  Deno.copyFileSync(busybox, `${rootfs}/bin/busybox`);
  Deno.chmodSync(`${rootfs}/bin/busybox`, 0o755);
  for (const applet of applets) Deno.symlinkSync("busybox", `${rootfs}/bin/${applet}`);
  const spec = {
    ociVersion: "1.0.2",
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: options.args,
      env: ["PATH=/usr/bin:/bin", ...options.env],
      cwd: "/",
      capabilities: {
        bounding: DEFAULT_CAPS,
        effective: DEFAULT_CAPS,
        permitted: DEFAULT_CAPS,
      },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: options.relativeRoot === true ? "rootfs" : rootfs, readonly: true },
    hostname: "e2e",
    mounts: [
      { destination: "/proc", type: "proc", source: "proc" },
      {
        destination: "/dev",
        type: "tmpfs",
        source: "tmpfs",
        options: ["nosuid", "strictatime", "mode=755", "size=65536k"],
      },
      {
        destination: "/dev/pts",
        type: "devpts",
        source: "devpts",
        options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"],
      },
      {
        destination: "/dev/shm",
        type: "tmpfs",
        source: "shm",
        options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"],
      },
      { destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev"] },
      {
        destination: "/sys",
        type: "sysfs",
        source: "sysfs",
        options: ["nosuid", "noexec", "nodev", "ro"],
      },
    ],
    ...(options.hooks === undefined ? {} : { hooks: options.hooks }),
    ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
    linux: {
      namespaces: [
        { type: "pid" },
        { type: "network" },
        { type: "ipc" },
        { type: "uts" },
        { type: "mount" },
      ],
      maskedPaths: [
        "/proc/acpi",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/sched_debug",
        "/proc/scsi",
        "/sys/firmware",
      ],
      readonlyPaths: [
        "/proc/bus",
        "/proc/fs",
        "/proc/irq",
        "/proc/sys",
        "/proc/sysrq-trigger",
      ],
    },
  };
  Deno.writeTextFileSync(`${dir}/config.json`, JSON.stringify(spec, null, 2) + "\n");
}

/**
 * Unmounts (lazily, deepest first) everything this process's mount
 * namespace has mounted under `dir`, and returns those mount points. Throws
 * when a mount remains, so that no caller recurses into it to delete files.
 */
export async function unmountUnder(tools: Tools, dir: string): Promise<string[]> {
  const under = async () =>
    mountPoints(await mountinfo())
      .map((m) => m.point)
      .filter((p) => p === dir || p.startsWith(`${dir}/`));
  const found = await under();
  for (const point of [...found].reverse()) {
    await runProcess([tools.umount, "--lazy", point], { timeoutMs: 10_000 });
  }
  const left = await under();
  if (left.length > 0) throw new Error(`cannot unmount ${left.join(", ")}`);
  return found;
}

/**
 * Removes the cgroups named `id` (a container id) from every hierarchy under
 * /sys/fs/cgroup, deepest first, and returns them. A runtime killed in the
 * middle of a start leaves them behind even after `delete --force`.
 */
export async function removeCgroups(id: string): Promise<string[]> {
  const found = await runProcess(
    [which("find") ?? "find", "/sys/fs/cgroup", "-depth", "-type", "d", "-name", id],
    { timeoutMs: 10_000 },
  );
  const dirs = found.stdout.split("\n").filter((d) => d !== "");
  for (const dir of dirs) {
    await runProcess([which("rmdir") ?? "rmdir", dir], { timeoutMs: 10_000 });
  }
  return dirs;
}
