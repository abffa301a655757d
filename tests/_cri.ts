/**
 * Helpers of the CRI suite (tests/cri_test.ts) and of its benchmark
 * (scripts/bench_cri.ts): a private containerd (Debian's 1.6) with its own
 * config, root, state and socket under a directory, stopped by pid; images
 * imported with `ctr` from a docker archive built here from a busybox
 * rootfs, without a registry; and a small CRI client (`runtime.v1`, as the
 * kubelet speaks it) over containerd's unix socket, with `@grpc/grpc-js`
 * and `@grpc/proto-loader` and the cri-api proto in tests/fixtures/cri/.
 *
 * Nothing here asserts; the suite does. Nothing here writes outside the
 * directories it is given.
 *
 * @module
 */

import { registryEnv } from "../scripts/_registry_env.ts";
import { type ProcessResult, runProcess, shellQuote } from "./_e2e.ts";
import { type EngineTools, findTools, isAlive, sh, waitFor, writeImageTar } from "./_engines.ts";
import { repoDir } from "./_hook.ts";

/** The CRI proto (Kubernetes cri-api, `runtime.v1`). */
export const CRI_PROTO = `${repoDir()}/tests/fixtures/cri/api.proto`;

/** Longest a CRI call may take. */
export const CRI_TIMEOUT_MS = 60_000;

/** The programs the suite runs, by absolute path. */
export interface CriTools {
  containerd: string;
  ctr: string;
  "containerd-shim-runc-v2": string;
  runc: string;
  busybox: string;
  tar: string;
  umount: string;
  setsid: string;
  nsenter: string;
}

const TOOL_PACKAGES: Record<keyof CriTools, string> = {
  containerd: "containerd",
  ctr: "containerd",
  "containerd-shim-runc-v2": "containerd",
  runc: "runc",
  busybox: "busybox-static",
  tar: "tar",
  umount: "mount",
  setsid: "util-linux",
  nsenter: "util-linux",
};

/** The tools, or why they cannot be used (one line). */
export function findCriTools(): Promise<{ tools: CriTools } | { missing: string }> {
  return findTools<CriTools>(TOOL_PACKAGES, "containerd");
}

/** An image of the archive: its name, environment and command. */
export interface ImageSpec {
  /** e.g. `localhost/cri-busybox:1`. */
  name: string;
  env?: string[];
  cmd: string[];
}

async function sha256(data: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", data as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The OCI architecture of this machine. */
function ociArch(): string {
  switch (Deno.build.arch) {
    case "x86_64":
      return "amd64";
    case "aarch64":
      return "arm64";
  }
}

/**
 * Writes a docker archive (`manifest.json`, one config per image, one layer:
 * busybox with its applet links) at `dir/images.tar`, the form `ctr images
 * import` reads, and returns its path.
 */
export async function writeImageArchive(
  tools: CriTools,
  dir: string,
  images: readonly ImageSpec[],
): Promise<string> {
  const layerTar = await writeImageTar(tools as unknown as EngineTools, `${dir}/layer`);
  const layer = Deno.readFileSync(layerTar);
  const diffId = `sha256:${await sha256(layer)}`;
  const archive = `${dir}/archive`;
  Deno.mkdirSync(`${archive}/layer`, { recursive: true });
  Deno.copyFileSync(layerTar, `${archive}/layer/layer.tar`);
  const manifest = [];
  for (const image of images) {
    const config = new TextEncoder().encode(JSON.stringify({
      architecture: ociArch(),
      os: "linux",
      config: { Env: ["PATH=/bin", ...(image.env ?? [])], Cmd: image.cmd, WorkingDir: "/" },
      rootfs: { type: "layers", diff_ids: [diffId] },
      history: [{ created_by: "tests/_cri.ts" }],
    }));
    const name = `${await sha256(config)}.json`;
    Deno.writeFileSync(`${archive}/${name}`, config);
    manifest.push({ Config: name, RepoTags: [image.name], Layers: ["layer/layer.tar"] });
  }
  Deno.writeTextFileSync(`${archive}/manifest.json`, JSON.stringify(manifest));
  const tar = `${dir}/images.tar`;
  const r = await runProcess(
    [tools.tar, "-C", archive, "--numeric-owner", "--owner=0", "--group=0", "-cf", tar, "."],
    { timeoutMs: 30_000 },
  );
  if (r.code !== 0) throw new Error(`tar failed (${r.code}): ${r.stderr}`);
  return tar;
}

/** Where a private containerd keeps its files. */
export interface ContainerdPaths {
  root: string;
  state: string;
  socket: string;
  config: string;
  log: string;
  /** The pods' log directories. */
  pods: string;
}

/** The paths of a private containerd in `dir`. */
export function containerdPaths(dir: string): ContainerdPaths {
  return {
    root: `${dir}/root`,
    state: `${dir}/state`,
    socket: `${dir}/containerd.sock`,
    config: `${dir}/config.toml`,
    log: `${dir}/containerd.log`,
    pods: `${dir}/pods`,
  };
}

/**
 * The config a node starts from: private root, state and sockets, the CRI
 * plugin with a local sandbox image, `restrict_oom_score_adj` (this sandbox
 * cannot raise a score) and CNI dirs that hold nothing (pods use the host
 * network). `extra` lines are appended.
 */
export function baseContainerdConfig(dir: string, sandboxImage: string): string {
  const p = containerdPaths(dir);
  const q = JSON.stringify;
  return [
    "version = 2",
    `root = ${q(p.root)}`,
    `state = ${q(p.state)}`,
    "",
    "[grpc]",
    `  address = ${q(p.socket)}`,
    "",
    "[ttrpc]",
    `  address = ${q(`${p.socket}.ttrpc`)}`,
    "",
    "[debug]",
    `  address = ${q(`${p.socket}.debug`)}`,
    "",
    "[plugins]",
    '  [plugins."io.containerd.grpc.v1.cri"]',
    "    restrict_oom_score_adj = true",
    `    sandbox_image = ${q(sandboxImage)}`,
    '    [plugins."io.containerd.grpc.v1.cri".cni]',
    `      bin_dir = ${q(`${dir}/cni/bin`)}`,
    `      conf_dir = ${q(`${dir}/cni/conf`)}`,
    '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '      runtime_type = "io.containerd.runc.v2"',
    '  [plugins."io.containerd.gc.v1.scheduler"]',
    "    pause_threshold = 0.02",
    "",
  ].join("\n");
}

/** A running containerd of ours. */
export interface Containerd {
  pid: number;
  dir: string;
  socket: string;
  state: string;
  log: string;
  cri: CriClient;
  /** Runs `ctr --address SOCKET -n k8s.io ARGS`. */
  ctr(args: readonly string[]): Promise<ProcessResult>;
}

/**
 * Starts containerd with `dir/config.toml` (`env -i PATH=... setsid
 * containerd --config ...`, log in `dir/containerd.log`) and waits until
 * the CRI service answers `Version`. Throws, after stopping it, when it
 * does not within 30 s.
 */
export async function startContainerd(tools: CriTools, dir: string): Promise<Containerd> {
  const p = containerdPaths(dir);
  for (const d of [`${dir}/cni/bin`, `${dir}/cni/conf`, p.pods]) {
    Deno.mkdirSync(d, { recursive: true });
  }
  const argv = [
    "env",
    "-i",
    "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
    tools.setsid,
    tools.containerd,
    "--config",
    p.config,
  ];
  const started = await sh(
    `${argv.map(shellQuote).join(" ")} </dev/null >>${shellQuote(p.log)} 2>&1 & echo $!`,
  );
  const pid = Number(started.stdout.trim());
  if (started.code !== 0 || !Number.isInteger(pid) || pid <= 0) {
    throw new Error(`cannot start containerd: ${started.stderr}`);
  }
  const ctr = (args: readonly string[]) =>
    runProcess([tools.ctr, "--address", p.socket, "--namespace", "k8s.io", ...args], {
      timeoutMs: CRI_TIMEOUT_MS,
    });
  // A client made before the socket exists backs off; each try makes its own.
  let cri: CriClient | undefined;
  let lastError = "";
  const up = await waitFor(async () => {
    if (!(await isAlive(pid))) return true;
    try {
      Deno.statSync(p.socket);
    } catch {
      return false;
    }
    cri ??= new CriClient(p.socket);
    try {
      await cri.call("Version", {}, 2_000);
      return true;
    } catch (e) {
      lastError = String(e);
      return false;
    }
  }, 30_000);
  const c: Containerd = {
    pid,
    dir,
    socket: p.socket,
    state: p.state,
    log: p.log,
    cri: cri as CriClient,
    ctr,
  };
  if (!up || !(await isAlive(pid))) {
    await stopContainerd(c);
    const log = Deno.readTextFileSync(p.log).trim().split("\n").slice(-5).join("\n");
    throw new Error(`containerd (pid ${pid}) did not come up within 30 s (${lastError}):\n${log}`);
  }
  return c;
}

/**
 * Stops containerd by its pid: SIGTERM, then SIGKILL after 30 s; closes the
 * client. Returns how it ended.
 */
export async function stopContainerd(c: Containerd): Promise<"term" | "kill" | "gone"> {
  await c.cri.close();
  if (!(await isAlive(c.pid))) return "gone";
  Deno.kill(c.pid, "SIGTERM");
  if (await waitFor(async () => !(await isAlive(c.pid)), 30_000)) return "term";
  try {
    Deno.kill(c.pid, "SIGKILL");
  } catch {
    // It exited just now.
  }
  await waitFor(async () => !(await isAlive(c.pid)), 5_000);
  return "kill";
}

/** A failed CRI call: its gRPC status code and details. */
export class CriError extends Error {
  override name = "CriError";
  readonly code: number;
  readonly details: string;

  constructor(method: string, code: number, details: string) {
    super(`${method}: gRPC status ${code}: ${details}`);
    this.code = code;
    this.details = details;
  }
}

// deno-lint-ignore no-explicit-any
type Response = any;

/** Variables the client process needs from ours besides the registry's TLS/proxy ones. */
const PASSED_ENV = ["HOME", "DENO_DIR", "XDG_CACHE_HOME"];

/**
 * The CRI `RuntimeService` and `ImageService` of containerd's socket,
 * through the client process tests/_cri_client.ts (Deno asks for the net
 * permission to connect to a unix socket; only that process has it, for
 * that socket alone).
 */
export class CriClient {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #waiting = new Map<
    number,
    (line: { response?: Response; error?: { code: number; details: string } }) => void
  >();
  #next = 0;
  readonly #done: Promise<void>;

  constructor(socket: string) {
    const env: Record<string, string> = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", NO_COLOR: "1" };
    for (const name of PASSED_ENV) {
      const value = Deno.env.get(name);
      if (value !== undefined) env[name] = value;
    }
    // It may download @grpc/grpc-js from the npm registry on a fresh machine.
    Object.assign(env, registryEnv());
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--config",
        `${repoDir()}/deno.json`,
        "--allow-read",
        "--allow-env",
        `--allow-write=${socket}`,
        `--allow-net=unix:${socket}`,
        `${repoDir()}/tests/_cri_client.ts`,
        socket,
        CRI_PROTO,
      ],
      env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#done = this.#read();
  }

  async #read(): Promise<void> {
    let buffered = "";
    for await (const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      buffered += chunk;
      let nl;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = JSON.parse(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
        this.#waiting.get(line.id)?.(line);
        this.#waiting.delete(line.id);
      }
    }
    for (const resolve of this.#waiting.values()) {
      resolve({ error: { code: -1, details: "the CRI client process ended" } });
    }
    this.#waiting.clear();
  }

  /** Calls a method of RuntimeService (or ImageService, for `Image...` methods). */
  async call(method: string, request: unknown, timeoutMs = CRI_TIMEOUT_MS): Promise<Response> {
    const id = this.#next++;
    const answered = new Promise<
      { response?: Response; error?: { code: number; details: string } }
    >(
      (resolve) => this.#waiting.set(id, resolve),
    );
    await this.#writer.write(
      new TextEncoder().encode(JSON.stringify({ id, method, request, timeoutMs }) + "\n"),
    );
    const line = await answered;
    if (line.error !== undefined) throw new CriError(method, line.error.code, line.error.details);
    return line.response;
  }

  /** Ends the client process (after its calls in flight) and waits for it. */
  async close(): Promise<void> {
    try {
      await this.#writer.close();
    } catch {
      // Already closed.
    }
    await this.#done;
    await this.#child.status;
  }
}

/** A pod as the suite makes them: host network, its own log directory. */
export interface PodOptions {
  name: string;
  /** The RuntimeClass handler; `""` is containerd's default runtime. */
  handler: string;
}

/** The sandbox config of a pod (also passed to CreateContainer). */
export function sandboxConfig(pods: string, o: PodOptions): {
  metadata: { name: string; uid: string; namespace: string; attempt: number };
  log_directory: string;
  linux: { security_context: { namespace_options: { network: "NODE" } } };
} {
  return {
    metadata: { name: o.name, uid: `uid-${o.name}`, namespace: "cri-suite", attempt: 0 },
    log_directory: `${pods}/${o.name}`,
    linux: { security_context: { namespace_options: { network: "NODE" } } },
  };
}

/** A container of a pod: its image, command, environment and mounts. */
export interface ContainerOptions {
  image: string;
  command: string[];
  env?: Record<string, string>;
  mounts?: { host_path: string; container_path: string; readonly?: boolean }[];
}

/** What one pod run gave: ids, the container's state and log, or the failed call. */
export interface PodRun {
  sandboxId: string;
  containerId: string | undefined;
  /** The container's stdout (from its CRI log), when it ran to its end. */
  stdout: string | undefined;
  exitCode: number | undefined;
  /** The CRI call that failed, if one did. */
  error: CriError | undefined;
}

/** The stdout lines of a CRI log file (`TIME stdout F text`), joined with newlines. */
export function criLogStdout(text: string): string {
  let out = "";
  for (const line of text.split("\n")) {
    const m = /^\S+ (stdout|stderr) ([FP]) (.*)$/.exec(line);
    if (m === null || m[1] !== "stdout") continue;
    out += m[3] + (m[2] === "F" ? "\n" : "");
  }
  return out;
}

/**
 * RunPodSandbox, CreateContainer, StartContainer, as the kubelet calls
 * them; then waits for the container to exit and reads its log. The pod is
 * left in place (see {@linkcode removePod}).
 */
export async function runPod(
  c: Containerd,
  pod: PodOptions,
  container: ContainerOptions,
): Promise<PodRun> {
  const pods = containerdPaths(c.dir).pods;
  const config = sandboxConfig(pods, pod);
  Deno.mkdirSync(config.log_directory, { recursive: true });
  const sandbox = await c.cri.call("RunPodSandbox", { config, runtime_handler: pod.handler });
  const run: PodRun = {
    sandboxId: sandbox.pod_sandbox_id,
    containerId: undefined,
    stdout: undefined,
    exitCode: undefined,
    error: undefined,
  };
  try {
    const created = await c.cri.call("CreateContainer", {
      pod_sandbox_id: run.sandboxId,
      config: {
        metadata: { name: "main", attempt: 0 },
        image: { image: container.image },
        command: container.command,
        envs: Object.entries(container.env ?? {}).map(([key, value]) => ({ key, value })),
        mounts: container.mounts ?? [],
        log_path: "main.log",
        linux: {},
      },
      sandbox_config: config,
    });
    run.containerId = created.container_id;
    await c.cri.call("StartContainer", { container_id: run.containerId });
  } catch (e) {
    if (!(e instanceof CriError)) throw e;
    run.error = e;
    return run;
  }
  let status: Response;
  await waitFor(async () => {
    status = (await c.cri.call("ContainerStatus", { container_id: run.containerId })).status;
    return status.state === "CONTAINER_EXITED";
  }, 30_000);
  run.exitCode = status.state === "CONTAINER_EXITED" ? status.exit_code : undefined;
  run.stdout = criLogStdout(Deno.readTextFileSync(`${config.log_directory}/main.log`));
  return run;
}

/**
 * StopPodSandbox and RemovePodSandbox (which removes its containers). A stop
 * that races a container's own exit (`ttrpc: closed`) is tried again, up
 * to 5 times, as the kubelet does.
 */
export async function removePod(c: Containerd, sandboxId: string): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      await c.cri.call("StopPodSandbox", { pod_sandbox_id: sandboxId });
      break;
    } catch (e) {
      if (!(e instanceof CriError) || attempt >= 5) throw e;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  await c.cri.call("RemovePodSandbox", { pod_sandbox_id: sandboxId });
}
