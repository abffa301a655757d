/**
 * Helpers of the engine suite (tests/engines_test.ts) and of its benchmark
 * (scripts/bench_engines.ts): finding Debian's Docker and Podman, installing
 * the hook with `deno task install`'s script, building a busybox image,
 * starting a private dockerd and stopping it by pid, running rootful Podman
 * with private storage and configuration, and finding what an engine left
 * behind (processes, mounts).
 *
 * Nothing here asserts; the suite does. Nothing here writes outside the
 * directories it is given.
 *
 * @module
 */

import {
  busyboxApplets,
  HOST_PATH,
  isExecutableFile,
  isRoot,
  isStaticElf,
  mountinfo,
  mountPoints,
  type ProcessResult,
  runProcess,
  shellQuote,
  UNIFIED_CGROUP,
} from "./_e2e.ts";
import { installEnv, repoDir } from "./_hook.ts";
import { type InstallLayout, installLayout } from "../scripts/install.ts";

/** The `PATH` dockerd gets after the hook's directory: where Debian puts the engines. */
export const SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin";

/** The fixtures of the suite: the stand-in CLI and the legacy runtime's spec editor. */
export const ENGINE_FIXTURES = `${repoDir()}/tests/fixtures/engines`;

/** Longest an engine command that starts a container may take. */
export const START_TIMEOUT_MS = 60_000;
/** Longest any other engine command may take. */
export const ADMIN_TIMEOUT_MS = 30_000;

/** The programs the suite runs, by absolute path (from {@link SYSTEM_PATH}). */
export interface EngineTools {
  dockerd: string;
  docker: string;
  containerd: string;
  "containerd-shim-runc-v2": string;
  runc: string;
  crun: string;
  podman: string;
  conmon: string;
  /** A statically linked busybox: the image's only binary. */
  busybox: string;
  tar: string;
  unshare: string;
  umount: string;
  setsid: string;
  nsenter: string;
}

const TOOL_PACKAGES: Record<keyof EngineTools, string> = {
  dockerd: "docker.io",
  docker: "docker.io",
  containerd: "containerd",
  "containerd-shim-runc-v2": "containerd",
  runc: "runc",
  crun: "crun",
  podman: "podman",
  conmon: "conmon",
  busybox: "busybox-static",
  tar: "tar",
  unshare: "util-linux",
  umount: "mount",
  setsid: "util-linux",
  nsenter: "util-linux",
};

/**
 * The first executable `name` in {@link SYSTEM_PATH}: the distribution's
 * engines, not whatever else a developer has first in `PATH`.
 */
export function systemWhich(name: string): string | undefined {
  for (const dir of SYSTEM_PATH.split(":")) {
    if (isExecutableFile(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

/**
 * The tools named by `packages` (tool name -> Debian package) found on the
 * system, busybox statically linked, as root; or why they cannot be used
 * (one line). `who` says what needs root.
 */
export async function findTools<T extends { [K in keyof T]: string }>(
  packages: Readonly<Record<keyof T & string, string>>,
  who: string,
): Promise<{ tools: T } | { missing: string }> {
  if (!(await isRoot())) return { missing: `not running as root (${who} needs root)` };
  const found: Record<string, string> = {};
  const absent: string[] = [];
  for (const name of Object.keys(packages) as (keyof T & string)[]) {
    const path = systemWhich(name);
    if (path === undefined) absent.push(`${name} (${packages[name]})`);
    else found[name] = path;
  }
  if (absent.length > 0) return { missing: `not installed: ${absent.join(", ")}` };
  if (found.busybox !== undefined && !isStaticElf(found.busybox)) {
    return { missing: `${found.busybox} is not statically linked (install busybox-static)` };
  }
  return { tools: found as T };
}

/** The tools, or why they cannot be used (one line). */
export function findEngineTools(): Promise<{ tools: EngineTools } | { missing: string }> {
  return findTools<EngineTools>(TOOL_PACKAGES, "the engines");
}

/**
 * At exit after a failure (the last tests stop the daemon and remove the
 * directory), best effort: stops the daemon whose pid `pid()` gives, and
 * removes `dir` only when nothing is mounted under it.
 */
export function cleanUpAtExit(dir: string, pid: () => number | undefined): void {
  globalThis.addEventListener("unload", () => {
    const running = pid();
    if (running !== undefined) {
      try {
        Deno.kill(running, "SIGTERM");
      } catch {
        // Already stopped.
      }
    }
    try {
      const table = new Deno.Command("cat", { args: ["/proc/self/mountinfo"] }).outputSync();
      const text = new TextDecoder().decode(table.stdout);
      const mounted = text.includes(` ${dir}/`) || text.includes(` ${dir} `);
      if (table.success && !mounted) Deno.removeSync(dir, { recursive: true });
    } catch {
      // Gone already, or cannot tell: leave it.
    }
  });
}

/** Runs a `/bin/sh -c` script with `args` as `$1...` and the environment `env` (plus PATH). */
export function sh(
  script: string,
  args: readonly string[] = [],
  env: Record<string, string> = {},
  timeoutMs = ADMIN_TIMEOUT_MS,
): Promise<ProcessResult> {
  return runProcess(["/bin/sh", "-c", script, "sh", ...args], {
    timeoutMs,
    env: { PATH: HOST_PATH, ...env },
  });
}

/** A process of the host: its pid and its argv joined with spaces. */
export interface HostProcess {
  pid: number;
  args: string;
}

/**
 * The processes whose command line contains `needle` (e.g. a suite's temp
 * dir), read from /proc by `grep` with the needle in its environment, so that
 * the search itself does not match.
 */
export async function processesMentioning(needle: string): Promise<HostProcess[]> {
  const r = await sh(
    'for f in $(grep -a -l -F -e "$NEEDLE" /proc/[0-9]*/cmdline 2>/dev/null); do' +
      ' d=${f%/cmdline}; a=$(tr "\\0" " " <"$f" 2>/dev/null) && [ -n "$a" ] &&' +
      ' printf "%s %s\\n" "${d#/proc/}" "$a"; done; true',
    [],
    { NEEDLE: needle },
  );
  return r.stdout.split("\n").filter((l) => l !== "").map((l) => {
    const space = l.indexOf(" ");
    return { pid: Number(l.slice(0, space)), args: l.slice(space + 1).trimEnd() };
  });
}

/** Whether a process with this pid exists (`kill -0`). */
export async function isAlive(pid: number): Promise<boolean> {
  return (await sh('kill -0 "$1" 2>/dev/null', [String(pid)])).code === 0;
}

/** Polls `check` every 100 ms until it returns true or `timeoutMs` passes; returns the last result. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > end) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The mount points of this mount namespace at or under `dir`, in table order. */
export async function mountsUnder(dir: string): Promise<string[]> {
  return mountPoints(await mountinfo()).map((m) => m.point)
    .filter((p) => p === dir || p.startsWith(`${dir}/`));
}

/** Unmounts (lazily, deepest first) what is mounted under `dir`; returns what was. */
export async function unmountAll(tools: EngineTools, dir: string): Promise<string[]> {
  const found = await mountsUnder(dir);
  for (const point of [...found].reverse()) {
    await runProcess([tools.umount, "--lazy", point], { timeoutMs: ADMIN_TIMEOUT_MS });
  }
  return found;
}

/**
 * Removes `dir` unless something is still mounted under it (a recursive
 * delete must never walk into a container's bind mounts); returns whether
 * it did.
 */
export async function removeIfUnmounted(tools: EngineTools, dir: string): Promise<boolean> {
  await unmountAll(tools, dir);
  if ((await mountsUnder(dir)).length > 0) return false;
  await Deno.remove(dir, { recursive: true });
  return true;
}

/**
 * Writes the image's root file system under `dir/rootfs` (busybox with its
 * applet links; `mnt`, `proc`, `sys`, `dev`, `etc`, `tmp`) and returns the
 * path of its tar, `dir/rootfs.tar`, as `docker import` and `podman import`
 * take it.
 */
export async function writeImageTar(tools: EngineTools, dir: string): Promise<string> {
  const rootfs = `${dir}/rootfs`;
  for (const sub of ["bin", "mnt", "proc", "sys", "dev", "etc", "tmp"]) {
    Deno.mkdirSync(`${rootfs}/${sub}`, { recursive: true });
  }
  Deno.copyFileSync(tools.busybox, `${rootfs}/bin/busybox`);
  Deno.chmodSync(`${rootfs}/bin/busybox`, 0o755);
  for (const applet of await busyboxApplets(tools.busybox)) {
    Deno.symlinkSync("busybox", `${rootfs}/bin/${applet}`);
  }
  const tar = `${dir}/rootfs.tar`;
  const r = await runProcess(
    [tools.tar, "-C", rootfs, "--numeric-owner", "--owner=0", "--group=0", "-cf", tar, "."],
    { timeoutMs: ADMIN_TIMEOUT_MS },
  );
  if (r.code !== 0) throw new Error(`tar failed (${r.code}): ${r.stderr}`);
  return tar;
}

/**
 * Installs the hook into `prefix` with scripts/install.ts, as `deno task
 * install --prefix PREFIX` does (the same permission flags); with `HOOK_JS`
 * set, that bundle is installed (`--bundle`) instead of a fresh one.
 */
export async function installInto(prefix: string): Promise<InstallLayout> {
  const args = [
    "run",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    "--allow-run",
    `${repoDir()}/scripts/install.ts`,
    "--prefix",
    prefix,
  ];
  const js = Deno.env.get("HOOK_JS");
  if (js !== undefined && js !== "") {
    args.push("--bundle", js.startsWith("/") ? js : `${Deno.cwd()}/${js}`);
  }
  const r = await runProcess([Deno.execPath(), ...args], {
    timeoutMs: 120_000,
    cwd: repoDir(),
    env: installEnv(HOST_PATH),
  });
  if (r.code !== 0) throw new Error(`install.ts failed (${r.code}): ${r.stderr}`);
  return installLayout(prefix);
}

/** A `config.toml` for the hook that runs the stand-in CLI at `cli`, plus `extra` lines. */
export function hookConfigToml(cli: string, extra: readonly string[] = []): string {
  return [...extra, "[nvidia-container-cli]", `path = ${JSON.stringify(cli)}`, ""].join("\n");
}

// ---------------------------------------------------------------- Docker

/** How to start a private dockerd. */
export interface DockerdOptions {
  /** Its directory: data root, exec root, socket, pid file, config, log. */
  dir: string;
  /** The directory put first in dockerd's `PATH`, where Moby looks the hook up. */
  hookDir: string;
  /** `NVIDIA_CTK_CONFIG_FILE_PATH` in dockerd's environment, which Moby gives the hook. */
  hookConfig: string;
  /** `--add-runtime NAME=PATH` entries. */
  runtimes?: Record<string, string>;
}

/** A running dockerd of ours. */
export interface Dockerd {
  pid: number;
  dataRoot: string;
  execRoot: string;
  socket: string;
  log: string;
  /** dockerd's whole environment at start, in order (Moby gives it to the hook). */
  env: string[];
  /** Runs the docker CLI against this daemon. */
  docker(args: readonly string[], timeoutMs?: number): Promise<ProcessResult>;
}

/** The paths of a dockerd in `dir`. */
function dockerdPaths(dir: string) {
  return {
    dataRoot: `${dir}/data`,
    execRoot: `${dir}/exec`,
    socket: `${dir}/docker.sock`,
    pidFile: `${dir}/docker.pid`,
    configFile: `${dir}/daemon.json`,
    log: `${dir}/dockerd.log`,
    clientConfig: `${dir}/client`,
  };
}

/**
 * Starts dockerd in the background, the way the suite's documentation wires
 * it (`env -i PATH=HOOKDIR:... NVIDIA_CTK_CONFIG_FILE_PATH=... setsid dockerd
 * ...` with private roots and socket, no iptables, no bridge, cgroupfs), and
 * waits until it answers. Throws, after stopping it, when it does not within
 * 30 s.
 */
export async function startDockerd(tools: EngineTools, o: DockerdOptions): Promise<Dockerd> {
  const p = dockerdPaths(o.dir);
  Deno.mkdirSync(p.clientConfig, { recursive: true });
  // Without deprecated-key-path dockerd 20.10 writes /etc/docker/key.json.
  Deno.writeTextFileSync(
    p.configFile,
    JSON.stringify({ "deprecated-key-path": `${o.dir}/key.json` }) + "\n",
  );
  const env = [`PATH=${o.hookDir}:${SYSTEM_PATH}`, `NVIDIA_CTK_CONFIG_FILE_PATH=${o.hookConfig}`];
  const argv = [
    "env",
    "-i",
    ...env,
    tools.setsid,
    tools.dockerd,
    "--data-root",
    p.dataRoot,
    "--exec-root",
    p.execRoot,
    "-H",
    `unix://${p.socket}`,
    "--pidfile",
    p.pidFile,
    "--config-file",
    p.configFile,
    "--iptables=false",
    "--ip-masq=false",
    "--bridge=none",
    "--exec-opt",
    "native.cgroupdriver=cgroupfs",
    ...Object.entries(o.runtimes ?? {}).flatMap(([name, path]) => [
      "--add-runtime",
      `${name}=${path}`,
    ]),
  ];
  // In a non-interactive sh the background job is no group leader, so
  // setsid execs dockerd in place: $! is dockerd's pid.
  const started = await sh(
    `${argv.map(shellQuote).join(" ")} </dev/null >>${shellQuote(p.log)} 2>&1 & echo $!`,
  );
  const pid = Number(started.stdout.trim());
  if (started.code !== 0 || !Number.isInteger(pid) || pid <= 0) {
    throw new Error(`cannot start dockerd: ${started.stderr}`);
  }
  const d: Dockerd = {
    pid,
    dataRoot: p.dataRoot,
    execRoot: p.execRoot,
    socket: p.socket,
    log: p.log,
    // dockerd adds TMPDIR (under its data root) to its own environment.
    env: [...env, `TMPDIR=${p.dataRoot}/tmp`],
    docker: (args, timeoutMs = START_TIMEOUT_MS) =>
      runProcess([tools.docker, ...args], {
        timeoutMs,
        env: {
          PATH: SYSTEM_PATH,
          HOME: p.clientConfig,
          DOCKER_HOST: `unix://${p.socket}`,
          DOCKER_CONFIG: p.clientConfig,
        },
      }),
  };
  const up = await waitFor(async () => {
    if (!(await isAlive(pid))) return true;
    const r = await d.docker(["version", "--format", "{{.Server.Version}}"], ADMIN_TIMEOUT_MS);
    return r.code === 0;
  }, 30_000);
  if (!up || !(await isAlive(pid))) {
    await stopDockerd(d);
    const log = Deno.readTextFileSync(p.log).trim().split("\n").slice(-5).join("\n");
    throw new Error(`dockerd (pid ${pid}) did not come up within 30 s:\n${log}`);
  }
  const recorded = Number(Deno.readTextFileSync(p.pidFile).trim());
  if (recorded !== pid) {
    await stopDockerd(d);
    throw new Error(`dockerd wrote pid ${recorded} to its pid file, but runs as ${pid}`);
  }
  return d;
}

/**
 * Stops dockerd by its pid: SIGTERM, then SIGKILL after 30 s. Returns how it
 * ended: `"term"` when it exited on SIGTERM.
 */
export async function stopDockerd(d: Dockerd): Promise<"term" | "kill" | "gone"> {
  if (!(await isAlive(d.pid))) return "gone";
  Deno.kill(d.pid, "SIGTERM");
  if (await waitFor(async () => !(await isAlive(d.pid)), 30_000)) return "term";
  try {
    Deno.kill(d.pid, "SIGKILL");
  } catch {
    // It exited just now.
  }
  await waitFor(async () => !(await isAlive(d.pid)), 5_000);
  return "kill";
}

/** Where containerd keeps the bundle (config.json) of a running Docker container. */
export function dockerBundle(d: Dockerd, id: string): string {
  return `${d.execRoot}/containerd/daemon/io.containerd.runtime.v2.task/moby/${id}`;
}

/**
 * The legacy-mode wrapper runtime (what nvidia-container-runtime does in
 * legacy mode): at `create` it adds `hook` to the bundle's config.json as a
 * prestart hook without `env` (tests/fixtures/engines/add_prestart_hook.js,
 * run by this Deno) and records the resulting hooks in
 * `recordDir/<container id>.json`; then it execs `runc` with its arguments.
 */
export function legacyRuntimeScript(
  runc: string,
  hook: string,
  recordDir: string,
  denoDir: string,
): string {
  const editor = [
    Deno.execPath(),
    "run",
    "--quiet",
    "--no-config",
    "--no-lock",
    "--no-remote",
    "--no-npm",
    "--allow-read",
    "--allow-write",
    `${ENGINE_FIXTURES}/add_prestart_hook.js`,
  ];
  return [
    "#!/bin/sh",
    "# Generated by tests/_engines.ts: a legacy-mode stand-in for nvidia-container-runtime.",
    "bundle=",
    "prev=",
    'for a in "$@"; do',
    "  case $prev in --bundle | -b) bundle=$a ;; esac",
    "  case $a in --bundle=*) bundle=${a#--bundle=} ;; esac",
    "  prev=$a",
    "done",
    'if [ -n "$bundle" ]; then',
    `  DENO_DIR=${shellQuote(denoDir)} ${editor.map(shellQuote).join(" ")} \\`,
    `    "$bundle/config.json" ${shellQuote(hook)} ${
      shellQuote(recordDir)
    }/"\${bundle##*/}.json" ||`,
    "    exit 1",
    "fi",
    `exec ${shellQuote(runc)} "$@"`,
    "",
  ].join("\n");
}

// ---------------------------------------------------------------- Podman

/** The OCI runtimes the suite runs Podman with. */
export type PodmanRuntime = "runc" | "crun";

/** A rootful Podman with private storage, state, configuration and hooks dir. */
export interface Podman {
  root: string;
  runroot: string;
  hooksDir: string;
  /** The `--runtime` value for `runtime` (crun wrapped on hybrid cgroups). */
  runtimePath(runtime: PodmanRuntime): string;
  /** Runs `podman GLOBAL_FLAGS --runtime R ...args`. */
  podman(
    runtime: PodmanRuntime,
    args: readonly string[],
    timeoutMs?: number,
  ): Promise<ProcessResult>;
}

/**
 * Sets up Podman in `dir`: storage (`overlay`) in `dir/root` and `dir/rr`
 * (the runroot, at most 50 characters long), libpod's temp dir, network config dir, an empty
 * containers.conf and registries.conf, a policy.json that accepts anything
 * (in `HOME/.config/containers`, where containers/image looks first), and
 * `hooksDir` as the only hooks dir. Nothing is written outside `dir`.
 *
 * Setting up the same `dir` again with another `hooksDir` shares storage,
 * images and containers.
 *
 * On hybrid cgroups crun runs through `dir/crun-unshared/crun` (named crun,
 * so that Podman treats it as crun): in `unshare --mount --propagation
 * private` after unmounting {@link UNIFIED_CGROUP} there.
 */
export function setUpPodman(
  tools: EngineTools,
  dir: string,
  hooksDir: string,
  hybrid: boolean,
): Podman {
  const root = `${dir}/root`;
  // Podman refuses a runroot longer than 50 characters (conmon's socket paths).
  const runroot = `${dir}/rr`;
  if (runroot.length > 50) {
    throw new Error(`Podman's runroot ${runroot} is longer than 50 characters; use a shorter dir`);
  }
  const home = `${dir}/home`;
  for (const d of [root, runroot, `${dir}/tmp`, `${dir}/net`, `${home}/.config/containers`]) {
    Deno.mkdirSync(d, { recursive: true });
  }
  Deno.writeTextFileSync(
    `${dir}/storage.conf`,
    `[storage]\ndriver = "overlay"\nrunroot = ${JSON.stringify(runroot)}\n` +
      `graphroot = ${JSON.stringify(root)}\n`,
  );
  Deno.writeTextFileSync(`${dir}/containers.conf`, "");
  Deno.writeTextFileSync(`${dir}/registries.conf`, "unqualified-search-registries = []\n");
  Deno.writeTextFileSync(
    `${home}/.config/containers/policy.json`,
    JSON.stringify({ default: [{ type: "insecureAcceptAnything" }] }) + "\n",
  );
  let crun = tools.crun;
  if (hybrid) {
    crun = `${dir}/crun-unshared/crun`;
    Deno.mkdirSync(`${dir}/crun-unshared`, { recursive: true });
    Deno.writeTextFileSync(
      crun,
      [
        "#!/bin/sh",
        "# Generated by tests/_engines.ts: crun refuses hybrid cgroups; drop cgroup2 in a private mount namespace.",
        `exec ${shellQuote(tools.unshare)} --mount --propagation private -- /bin/sh -c \\`,
        `  '${tools.umount} "$0" && exec ${tools.crun} "$@"' ${UNIFIED_CGROUP} "$@"`,
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
    Deno.chmodSync(crun, 0o755);
  }
  const env = {
    PATH: SYSTEM_PATH,
    HOME: home,
    TMPDIR: `${dir}/tmp`,
    CONTAINERS_CONF: `${dir}/containers.conf`,
    CONTAINERS_REGISTRIES_CONF: `${dir}/registries.conf`,
    CONTAINERS_STORAGE_CONF: `${dir}/storage.conf`,
  };
  const global = [
    "--root",
    root,
    "--runroot",
    runroot,
    "--tmpdir",
    `${dir}/tmp`,
    "--network-config-dir",
    `${dir}/net`,
    "--cgroup-manager",
    "cgroupfs",
    "--events-backend",
    "file",
    "--hooks-dir",
    hooksDir,
  ];
  const runtimePath = (runtime: PodmanRuntime) => runtime === "runc" ? tools.runc : crun;
  return {
    root,
    runroot,
    hooksDir,
    runtimePath,
    podman: (runtime, args, timeoutMs = START_TIMEOUT_MS) =>
      runProcess([tools.podman, ...global, "--runtime", runtimePath(runtime), ...args], {
        timeoutMs,
        env,
      }),
  };
}

/** What `podman run` and `docker run` need in this sandbox: no CAP_SYS_RESOURCE. */
export const ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"];
