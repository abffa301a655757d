/**
 * Real engines, end to end: Debian's Docker (dockerd 20.10 with its
 * containerd and runc) and rootful Podman 4.3 (with runc and with crun)
 * start busybox containers through the hook, wired the way users wire it:
 *
 * - the hook is installed with scripts/install.ts (`deno task install`) into
 *   a temp prefix, and the installed launcher is what every engine runs;
 * - Docker: a private dockerd whose `PATH` starts with the prefix's bin/,
 *   where Moby looks `nvidia-container-runtime-hook` up (once, at start) and
 *   adds it as a prestart hook for `--gpus`, with dockerd's environment
 *   (which carries `NVIDIA_CTK_CONFIG_FILE_PATH`); plus a `--add-runtime`
 *   wrapper that adds the hook as nvidia-container-runtime does in legacy
 *   mode;
 * - Podman: `--hooks-dir` holding what `print-oci-hook --path ... --env
 *   NVIDIA_CTK_CONFIG_FILE_PATH=...` prints.
 *
 * The hook's config runs a stand-in CLI (tests/fixtures/engines/) that
 * mounts a tmpfs on the container's /mnt from the container's mount
 * namespace and writes its argv there; the container's command prints it.
 * Each case asserts that argv exactly (pid and rootfs checked, then
 * replaced), or the engine's exact error, and what the engine put in the
 * container's config.json. After each engine nothing is left: no container,
 * no mount under the suite's dir, no daemon or shim process.
 *
 * Needs root and the packages docker.io, containerd, runc, crun, podman,
 * busybox-static (.ci/run installs them). With CI=true the suite always runs;
 * elsewhere it is skipped, with one line saying why, when not root or when
 * a tool is missing.
 */

import assert from "node:assert/strict";
import { hybridCgroups, type ProcessResult, runProcess } from "./_e2e.ts";
import {
  ADMIN_TIMEOUT_MS,
  cleanUpAtExit,
  dockerBundle,
  type Dockerd,
  ENGINE_FIXTURES,
  type EngineTools,
  findEngineTools,
  hookConfigToml,
  installInto,
  legacyRuntimeScript,
  mountsUnder,
  type Podman,
  type PodmanRuntime,
  processesMentioning,
  removeIfUnmounted,
  setUpPodman,
  startDockerd,
  stopDockerd,
  SYSTEM_PATH,
  ULIMITS,
  unmountAll,
  waitFor,
  writeImageTar,
} from "./_engines.ts";
import { runningLine } from "./_hook.ts";
import { type InstallLayout, installLayout } from "../scripts/install.ts";

const HOOK_NAME = "nvidia-container-runtime-hook";

/** What every container runs: prints the CLI's argv, or that there is none. */
const PROBE = 'cat /mnt/argv 2>/dev/null || echo "no argv"';
const NO_ARGV = "no argv\n";

/** Every capability, in the order the hook passes them (sorted by name). */
const ALL_CAPABILITIES = ["compat32", "compute", "display", "graphics", "ngx", "utility", "video"];

/**
 * The `--ldconfig` the hook passes when the config names none (the suite's
 * config does not): the host's ldconfig, Ubuntu's `ldconfig.real` where it exists.
 */
const HOST_LDCONFIG = (() => {
  try {
    Deno.statSync("/sbin/ldconfig.real");
    return "@/sbin/ldconfig.real";
  } catch {
    return "@/sbin/ldconfig";
  }
})();

const inCi = Deno.env.get("CI") === "true";
const found = await findEngineTools();
const skipReason = "missing" in found && !inCi ? found.missing : undefined;
if (skipReason !== undefined) {
  Deno.stderr.writeSync(new TextEncoder().encode(`engines_test.ts: skipped: ${skipReason}\n`));
}

interface Suite {
  tools: EngineTools;
  dir: string;
  /** The stand-in CLI (a copy of the fixture). */
  cli: string;
  /** The image's root file system as a tar. */
  imageTar: string;
}

let suitePromise: Promise<Suite> | undefined;

function suite(): Promise<Suite> {
  suitePromise ??= setUp();
  return suitePromise;
}

async function setUp(): Promise<Suite> {
  if ("missing" in found) {
    throw new Error(`CI=true: the engine suite must run, but ${found.missing}`);
  }
  const tools = found.tools;
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "hook-engines-" });
  cleanUpAtExit(dir, () => docker?.pid);
  Deno.mkdirSync(`${dir}/bin`);
  const cli = `${dir}/bin/nvidia-container-cli`;
  Deno.copyFileSync(`${ENGINE_FIXTURES}/nvidia-container-cli`, cli);
  Deno.chmodSync(cli, 0o755);
  Deno.mkdirSync(`${dir}/image`);
  return { tools, dir, cli, imageTar: await writeImageTar(tools, `${dir}/image`) };
}

/**
 * The CLI's argv as the container printed it, with the pid and the rootfs
 * checked and replaced by `PID` and `ROOTFS`.
 */
function cliArgv(stdout: string, rootfs: RegExp): string[] {
  assert.ok(stdout.endsWith("\n"), `output ends with a newline: ${JSON.stringify(stdout)}`);
  const words = stdout.slice(0, -1).split("\n");
  assert.ok(words.length >= 3, `an argv: ${JSON.stringify(stdout)}`);
  const pid = words.at(-2) as string;
  const root = words.at(-1) as string;
  assert.match(pid, /^--pid=[1-9][0-9]*$/);
  assert.match(root, rootfs);
  return [...words.slice(0, -2), "--pid=PID", "ROOTFS"];
}

/**
 * The argv the hook gives the CLI with the suite's config: the default
 * `--ldconfig`, then `options`, between configure and --pid.
 */
function cliCall(s: Suite, ...options: string[]): string[] {
  return [
    s.cli,
    "--load-kmods",
    "configure",
    `--ldconfig=${HOST_LDCONFIG}`,
    ...options,
    "--pid=PID",
    "ROOTFS",
  ];
}

/** A started container's result, with the CLI's argv or that there was none. */
function assertConfigured(
  r: ProcessResult,
  rootfs: RegExp,
  argv: string[] | "none",
): void {
  assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 0, stderr: "" });
  if (argv === "none") assert.equal(r.stdout, NO_ARGV);
  else assert.deepEqual(cliArgv(r.stdout, rootfs), argv);
}

// ================================================================ Docker

/** docker CLI 20.10 sometimes logs this when a start fails (its wait is cancelled). */
const WAIT_CANCELLED =
  /^time="[^"]+" level=error msg="error waiting for container: context canceled"$/;

/** The error lines of a failed `docker run`, without {@link WAIT_CANCELLED}. */
function dockerErrorLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l !== "" && !WAIT_CANCELLED.test(l));
}

interface DockerSuite {
  s: Suite;
  dir: string;
  d: Dockerd;
  layout: InstallLayout;
  hookConfig: string;
  /** Where the legacy wrapper records each container's hooks. */
  records: string;
  rootfs: RegExp;
}

let docker: Dockerd | undefined;
let dockerSuite: Promise<DockerSuite> | undefined;
/** The first docker test's own result, when it started the daemon. */
let restartFindings: Promise<RestartFindings> | undefined;

interface RestartFindings {
  beforeInstall: ProcessResult;
  afterInstall: ProcessResult;
  stopped: "term" | "kill" | "gone";
  afterRestart: ProcessResult;
}

const IMAGE = "engines-busybox:1";
const CUDA_IMAGE = "engines-cuda:12.2";
const LEGACY_IMAGE = "engines-legacy-cuda:10.2";

/** `docker run` as every case runs it (with `--rm`, no network, no pull). */
function dockerRun(d: Dockerd, ...args: string[]): Promise<ProcessResult> {
  return d.docker(["run", "--rm", "--pull", "never", "--network", "none", ...args]);
}

function dockerdOptions(dir: string, layout: InstallLayout, hookConfig: string) {
  return {
    dir: `${dir}/daemon`,
    hookDir: layout.launcher.slice(0, layout.launcher.lastIndexOf("/")),
    hookConfig,
    runtimes: { "nvidia-legacy": `${dir}/nvidia-legacy-runtime` },
  };
}

/**
 * Starts dockerd before the hook is installed, shows that `--gpus` fails
 * before and right after the install (Moby looked the hook up at start),
 * restarts it and keeps it running for the cases.
 */
async function setUpDocker(): Promise<DockerSuite> {
  const s = await suite();
  const dir = `${s.dir}/docker`;
  const layout = installLayout(`${dir}/prefix`);
  const hookConfig = `${dir}/config.toml`;
  const records = `${dir}/records`;
  Deno.mkdirSync(records, { recursive: true });
  Deno.mkdirSync(`${dir}/deno-dir`);
  Deno.writeTextFileSync(hookConfig, hookConfigToml(s.cli));
  Deno.writeTextFileSync(
    `${dir}/nvidia-legacy-runtime`,
    legacyRuntimeScript(s.tools.runc, layout.launcher, records, `${dir}/deno-dir`),
    { mode: 0o755 },
  );
  Deno.chmodSync(`${dir}/nvidia-legacy-runtime`, 0o755);
  const options = dockerdOptions(dir, layout, hookConfig);
  let d = docker = await startDockerd(s.tools, options);
  let resolveFindings: (f: RestartFindings) => void = () => {};
  restartFindings = new Promise((resolve) => (resolveFindings = resolve));
  const imported = [
    await d.docker(["import", s.imageTar, IMAGE], ADMIN_TIMEOUT_MS),
    await d.docker([
      "import",
      "--change",
      "ENV CUDA_VERSION=12.2.0",
      "--change",
      "ENV NVIDIA_REQUIRE_CUDA=cuda>=12.2",
      "--change",
      "ENV NVIDIA_VISIBLE_DEVICES=all",
      "--change",
      "ENV NVIDIA_DRIVER_CAPABILITIES=compute,utility",
      s.imageTar,
      CUDA_IMAGE,
    ], ADMIN_TIMEOUT_MS),
    await d.docker(
      ["import", "--change", "ENV CUDA_VERSION=10.2.89", s.imageTar, LEGACY_IMAGE],
      ADMIN_TIMEOUT_MS,
    ),
  ];
  for (const r of imported) {
    if (r.code !== 0) throw new Error(`docker import failed (${r.code}): ${r.stderr}`);
  }
  const beforeInstall = await dockerRun(d, "--gpus", "all", IMAGE, "sh", "-c", PROBE);
  await installInto(`${dir}/prefix`);
  const afterInstall = await dockerRun(d, "--gpus", "all", IMAGE, "sh", "-c", PROBE);
  const stopped = await stopDockerd(d);
  d = docker = await startDockerd(s.tools, options);
  const afterRestart = await dockerRun(d, "--gpus", "all", IMAGE, "sh", "-c", PROBE);
  resolveFindings({ beforeInstall, afterInstall, stopped, afterRestart });
  // overlay2 on most hosts, vfs where overlay is not available.
  const driver = (await d.docker(["info", "--format", "{{.Driver}}"], ADMIN_TIMEOUT_MS)).stdout
    .trim();
  const root = d.dataRoot.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const rootfs = driver === "vfs"
    ? new RegExp(`^${root}/vfs/dir/[0-9a-f]{64}$`)
    : new RegExp(`^${root}/overlay2/[0-9a-f]{64}/merged$`);
  return { s, dir, d, layout, hookConfig, records, rootfs };
}

function dockerCase(name: string, body: (x: DockerSuite) => Promise<void>): void {
  Deno.test({
    name: `docker: ${name}`,
    ignore: skipReason !== undefined,
    fn: async () => {
      dockerSuite ??= setUpDocker();
      await body(await dockerSuite);
    },
  });
}

/** A detached run whose config.json is read while it runs, then removed. */
interface Inspected {
  id: string;
  output: string;
  spec: {
    process: { env: string[] };
    hooks?: { prestart?: { path: string; args: string[]; env?: string[] }[] };
  };
}

/**
 * Runs the probe detached (then `sleep`), reads the container's config.json
 * from containerd's bundle, waits for the probe's output and removes the
 * container.
 */
async function dockerInspect(x: DockerSuite, ...args: string[]): Promise<Inspected> {
  const r = await x.d.docker([
    "run",
    "-d",
    "--pull",
    "never",
    "--network",
    "none",
    ...args,
    "sh",
    "-c",
    `${PROBE}; echo end-of-probe; exec sleep 60`,
  ]);
  const id = r.stdout.trim();
  assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 0, stderr: "" });
  assert.match(id, /^[0-9a-f]{64}$/);
  try {
    const spec = JSON.parse(Deno.readTextFileSync(`${dockerBundle(x.d, id)}/config.json`));
    let output = "";
    await waitFor(async () => {
      output = (await x.d.docker(["logs", id], ADMIN_TIMEOUT_MS)).stdout;
      return output.endsWith("end-of-probe\n");
    }, 20_000);
    assert.ok(output.endsWith("end-of-probe\n"), `the probe finished: ${JSON.stringify(output)}`);
    return { id, output: output.slice(0, -"end-of-probe\n".length), spec };
  } finally {
    const rm = await x.d.docker(["rm", "--force", id], ADMIN_TIMEOUT_MS);
    assert.equal(rm.code, 0, rm.stderr);
  }
}

/** The prestart hook Moby adds for `--network none` too (network namespace setup). */
function setkeyHook(x: DockerSuite, id: string) {
  return {
    path: `/proc/${x.d.pid}/exe`,
    args: ["libnetwork-setkey", `-exec-root=${x.d.execRoot}`, id],
  };
}

/** A hook entry without the libnetwork controller id (12 hex digits, checked). */
function withoutController(h: { path: string; args: string[]; env?: string[] }) {
  if (h.args[0] !== "libnetwork-setkey") return h;
  assert.match(h.args[3] ?? "", /^[0-9a-f]{12}$/);
  assert.equal(h.args.length, 4);
  return { path: h.path, args: h.args.slice(0, 3), ...(h.env === undefined ? {} : { env: h.env }) };
}

dockerCase(
  "dockerd looks the hook up once, at start: --gpus fails until it is restarted after the install",
  async (x) => {
    const f = await (restartFindings as Promise<RestartFindings>);
    const refused = 'docker: Error response from daemon: could not select device driver "" ' +
      "with capabilities: [[gpu]].";
    for (const r of [f.beforeInstall, f.afterInstall]) {
      assert.deepEqual({ code: r.code, stdout: r.stdout, errors: dockerErrorLines(r.stderr) }, {
        code: 125,
        stdout: "",
        errors: [refused],
      });
    }
    assert.equal(f.stopped, "term");
    assertConfigured(
      f.afterRestart,
      x.rootfs,
      cliCall(x.s, "--device=all", "--compute", "--utility"),
    );
  },
);

dockerCase(
  "--gpus all: Moby adds the installed hook with its own environment; the CLI gets --device=all",
  async (x) => {
    const r = await dockerInspect(x, "--gpus", "all", IMAGE);
    assert.deepEqual(
      cliArgv(r.output, x.rootfs),
      cliCall(x.s, "--device=all", "--compute", "--utility"),
    );
    assert.deepEqual(r.spec.hooks?.prestart?.map(withoutController), [
      { path: x.layout.launcher, args: [HOOK_NAME, "prestart"], env: x.d.env },
      setkeyHook(x, r.id),
    ]);
    assert.deepEqual(x.d.env, [
      `PATH=${x.dir}/prefix/bin:${SYSTEM_PATH}`,
      `NVIDIA_CTK_CONFIG_FILE_PATH=${x.hookConfig}`,
      `TMPDIR=${x.d.dataRoot}/tmp`,
    ]);
  },
);

dockerCase("without --gpus Moby adds no NVIDIA hook and nothing is configured", async (x) => {
  const r = await dockerInspect(x, IMAGE);
  assert.equal(r.output, NO_ARGV);
  assert.deepEqual(r.spec.hooks?.prestart?.map(withoutController), [setkeyHook(x, r.id)]);
});

dockerCase("--gpus '\"device=1,3\"': the CLI gets exactly those devices", async (x) => {
  const r = await dockerRun(x.d, "--gpus", '"device=1,3"', IMAGE, "sh", "-c", PROBE);
  assertConfigured(r, x.rootfs, cliCall(x.s, "--device=1,3", "--compute", "--utility"));
});

dockerCase(
  "--gpus 'all,\"capabilities=compute,video\"': the CLI gets those capabilities",
  async (x) => {
    const r = await dockerRun(
      x.d,
      "--gpus",
      'all,"capabilities=compute,video"',
      IMAGE,
      "sh",
      "-c",
      PROBE,
    );
    assertConfigured(r, x.rootfs, cliCall(x.s, "--device=all", "--compute", "--video"));
  },
);

dockerCase("--gpus 2: Moby turns the count into devices 0,1", async (x) => {
  const r = await dockerRun(x.d, "--gpus", "2", IMAGE, "sh", "-c", PROBE);
  assertConfigured(r, x.rootfs, cliCall(x.s, "--device=0,1", "--compute", "--utility"));
});

dockerCase(
  "a CUDA-like image (NVIDIA_VISIBLE_DEVICES=all) with --gpus '\"device=2\"': the appended value wins",
  async (x) => {
    const r = await dockerInspect(x, "--gpus", '"device=2"', CUDA_IMAGE);
    assert.deepEqual(
      r.spec.process.env.filter((e) => e.startsWith("NVIDIA_VISIBLE_DEVICES=")),
      ["NVIDIA_VISIBLE_DEVICES=all", "NVIDIA_VISIBLE_DEVICES=2"],
    );
    assert.deepEqual(
      cliArgv(r.output, x.rootfs),
      cliCall(x.s, "--device=2", "--compute", "--utility", "--require=cuda>=12.2"),
    );
  },
);

dockerCase(
  "a legacy image (CUDA_VERSION only) with --gpus all gets every capability and a CUDA requirement",
  async (x) => {
    const r = await dockerRun(x.d, "--gpus", "all", LEGACY_IMAGE, "sh", "-c", PROBE);
    assertConfigured(
      r,
      x.rootfs,
      cliCall(
        x.s,
        "--device=all",
        ...ALL_CAPABILITIES.map((c) => `--${c}`),
        "--require=cuda>=10.2",
      ),
    );
  },
);

dockerCase(
  "NVIDIA_MIG_CONFIG_DEVICES in an unprivileged container: Docker reports the hook's refusal",
  async (x) => {
    // Docker passes the container's id in the state: the hook's error names it.
    const cidFile = `${x.dir}/mig-unprivileged.cid`;
    const r = await dockerRun(
      x.d,
      "--cidfile",
      cidFile,
      "--gpus",
      "all",
      "-e",
      "NVIDIA_MIG_CONFIG_DEVICES=all",
      IMAGE,
      "sh",
      "-c",
      PROBE,
    );
    const id = Deno.readTextFileSync(cidFile);
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.deepEqual({ code: r.code, stdout: r.stdout, errors: dockerErrorLines(r.stderr) }, {
      code: 125,
      stdout: "",
      errors: [
        "docker: Error response from daemon: failed to create shim task: OCI runtime create " +
        "failed: runc create failed: unable to start container process: error during container " +
        "init: error running hook #0: error running hook: exit status 1, stdout: , stderr: " +
        `nvidia-container-runtime-hook: container ${id}: Cannot set NVIDIA_MIG_CONFIG_DEVICES in` +
        " an unprivileged container (CAP_SYS_ADMIN is not in its bounding set): unknown.",
      ],
    });
  },
);

dockerCase(
  "--runtime registered with --add-runtime (legacy-mode wrapper): the hook without env inherits runc's",
  async (x) => {
    const r = await dockerRun(
      x.d,
      "--runtime",
      "nvidia-legacy",
      "-e",
      "NVIDIA_VISIBLE_DEVICES=0",
      IMAGE,
      "sh",
      "-c",
      PROBE,
    );
    // The hook found its config through NVIDIA_CTK_CONFIG_FILE_PATH, which
    // only dockerd's environment (handed down to runc) carries.
    assertConfigured(r, x.rootfs, cliCall(x.s, "--device=0", "--compute", "--utility"));
    const recorded = [...Deno.readDirSync(x.records)].map((e) => e.name);
    assert.equal(recorded.length, 1);
    const id = (recorded[0] as string).replace(/\.json$/, "");
    const hooks = JSON.parse(Deno.readTextFileSync(`${x.records}/${recorded[0]}`));
    assert.deepEqual(hooks.prestart.map(withoutController), [
      setkeyHook(x, id),
      { path: x.layout.launcher, args: [HOOK_NAME, "prestart"] },
    ]);
  },
);

Deno.test({
  name: "docker: no container, mount or daemon is left behind",
  ignore: skipReason !== undefined,
  fn: async () => {
    let x: DockerSuite;
    try {
      x = await (dockerSuite ??= setUpDocker());
    } catch (e) {
      // The setup failed after starting dockerd: stop it all the same.
      if (docker !== undefined) await stopDockerd(docker);
      docker = undefined;
      throw e;
    }
    const ps = await x.d.docker(["ps", "--all", "--quiet"], ADMIN_TIMEOUT_MS);
    const stopped = await stopDockerd(x.d);
    docker = undefined;
    // containerd and its shims exit after dockerd.
    await waitFor(async () => (await processesMentioning(x.dir)).length === 0, 10_000);
    const left = {
      containers: { code: ps.code, stdout: ps.stdout, stderr: ps.stderr },
      stopped,
      processes: await processesMentioning(x.dir),
      mounts: await mountsUnder(x.dir),
    };
    await unmountAll(x.s.tools, x.dir);
    assert.deepEqual(left, {
      containers: { code: 0, stdout: "", stderr: "" },
      stopped: "term",
      processes: [],
      mounts: [],
    });
    assert.ok(await removeIfUnmounted(x.s.tools, x.dir));
  },
});

// ================================================================ Podman

interface PodmanSuite {
  s: Suite;
  dir: string;
  p: Podman;
  layout: InstallLayout;
  /** The hooks.d entry, as print-oci-hook printed it. */
  hook: { path: string; args: string[]; env: string[] };
  rootfs: RegExp;
  nextName(): string;
  /** The id of every container started (none may be left in a runtime's state). */
  ids: string[];
}

let podmanSuite: Promise<PodmanSuite> | undefined;

const PODMAN_IMAGE = "localhost/engines-busybox:1";

async function setUpPodman_(): Promise<PodmanSuite> {
  const s = await suite();
  const dir = `${s.dir}/podman`;
  const layout = await installInto(`${dir}/prefix`);
  const hookConfig = `${dir}/config.toml`;
  Deno.mkdirSync(`${dir}/hooks.d`, { recursive: true });
  Deno.writeTextFileSync(
    hookConfig,
    hookConfigToml(s.cli, ["accept-nvidia-visible-devices-as-volume-mounts = true"]),
  );
  // Wired as the docs say: the installed hook prints its own hooks.d entry.
  const printed = await runProcess([
    layout.launcher,
    "print-oci-hook",
    "--path",
    layout.launcher,
    "--env",
    `NVIDIA_CTK_CONFIG_FILE_PATH=${hookConfig}`,
  ], { timeoutMs: ADMIN_TIMEOUT_MS, env: { PATH: SYSTEM_PATH } });
  const text = printed.stdout;
  if (printed.code !== 0) throw new Error(`print-oci-hook failed: ${printed.stderr}`);
  Deno.writeTextFileSync(`${dir}/hooks.d/oci-nvidia-hook.json`, text);
  const p = setUpPodman(s.tools, dir, `${dir}/hooks.d`, await hybridCgroups());
  const imported = await p.podman("runc", ["import", s.imageTar, PODMAN_IMAGE], ADMIN_TIMEOUT_MS);
  if (imported.code !== 0) throw new Error(`podman import failed: ${imported.stderr}`);
  const root = p.root.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  let n = 0;
  return {
    s,
    dir,
    p,
    layout,
    hook: JSON.parse(text).hook,
    rootfs: new RegExp(`^${root}/overlay/[0-9a-f]{64}/merged$`),
    nextName: () => `hook-engines-${++n}`,
    ids: [],
  };
}

/** A finished `podman run` and what the container's config.json said. */
interface PodmanRun {
  /** The container's id, which podman passes to the hook in the state. */
  id: string;
  /** The container's bundle (where its config.json is). */
  bundle: string;
  result: ProcessResult;
  /** `hooks` of the container's config.json. */
  hooks: unknown;
  /** What crun wrote as the hooks' stderr ("" for runc, or none). */
  hookStderr: string;
}

/**
 * `podman run` (no `--rm`, so that the container's config.json can be read
 * afterwards), then `podman rm --force`. crun writes the hooks' stderr to
 * the file the `run.oci.hooks.stderr` annotation names.
 */
async function podmanRun(
  x: PodmanSuite,
  runtime: PodmanRuntime,
  ...args: string[]
): Promise<PodmanRun> {
  const name = x.nextName();
  const cidFile = `${x.dir}/${name}.cid`;
  const stderrFile = `${x.dir}/${name}.hook-stderr`;
  try {
    const result = await x.p.podman(runtime, [
      "run",
      "--name",
      name,
      "--cidfile",
      cidFile,
      "--pull",
      "never",
      "--network",
      "none",
      ...ULIMITS,
      ...(runtime === "crun" ? ["--annotation", `run.oci.hooks.stderr=${stderrFile}`] : []),
      ...args,
    ]);
    const id = Deno.readTextFileSync(cidFile).trim();
    x.ids.push(id);
    const bundle = `${x.p.root}/overlay-containers/${id}/userdata`;
    const hooks = JSON.parse(Deno.readTextFileSync(`${bundle}/config.json`)).hooks;
    let hookStderr = "";
    try {
      hookStderr = Deno.readTextFileSync(stderrFile);
    } catch {
      // No hook wrote anything.
    }
    return { id, bundle, result, hooks, hookStderr };
  } finally {
    const rm = await x.p.podman(runtime, ["rm", "--force", name], ADMIN_TIMEOUT_MS);
    assert.equal(rm.code, 0, rm.stderr);
  }
}

function podmanCase(
  name: string,
  body: (x: PodmanSuite, runtime: PodmanRuntime) => Promise<void>,
): void {
  Deno.test({
    name: `podman: ${name}`,
    ignore: skipReason !== undefined,
    fn: async (t) => {
      const x = await (podmanSuite ??= setUpPodman_());
      for (const runtime of ["runc", "crun"] as const) {
        await t.step(`${runtime}: ${name}`, () => body(x, runtime));
      }
    },
  });
}

/**
 * A podman run that ran the probe, the hook being in config.json. When the
 * CLI ran (`argv`), the hook printed its running line naming `devices` and no
 * requirement, which only crun keeps (runc shows a hook's stderr only when it
 * fails); otherwise it wrote nothing.
 */
function assertPodmanRan(
  x: PodmanSuite,
  rt: PodmanRuntime,
  r: PodmanRun,
  ran: { argv: string[]; devices: string } | "none",
): void {
  assertConfigured(r.result, x.rootfs, ran === "none" ? "none" : ran.argv);
  assert.deepEqual(r.hooks, { prestart: [x.hook] });
  const line = ran === "none"
    ? ""
    : runningLine({ id: r.id, devices: ran.devices, requirements: [], bundle: r.bundle });
  assert.equal(r.hookStderr, rt === "crun" ? line : "");
}

podmanCase("a GPU request by env: the CLI gets the devices and capabilities", async (x, rt) => {
  const r = await podmanRun(
    x,
    rt,
    "-e",
    "NVIDIA_VISIBLE_DEVICES=0,1",
    "-e",
    "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
    PODMAN_IMAGE,
    "sh",
    "-c",
    PROBE,
  );
  assertPodmanRan(x, rt, r, {
    argv: cliCall(x.s, "--device=0,1", "--compute", "--utility"),
    devices: "0,1",
  });
});

podmanCase("a plain container: the hook runs, the CLI does not", async (x, rt) => {
  const r = await podmanRun(x, rt, PODMAN_IMAGE, "sh", "-c", PROBE);
  assertPodmanRan(x, rt, r, "none");
});

podmanCase("NVIDIA_VISIBLE_DEVICES=void: the CLI does not run", async (x, rt) => {
  const r = await podmanRun(
    x,
    rt,
    "-e",
    "NVIDIA_VISIBLE_DEVICES=void",
    PODMAN_IMAGE,
    "sh",
    "-c",
    PROBE,
  );
  assertPodmanRan(x, rt, r, "none");
});

podmanCase("a CDI-only request is refused with the advice", async (x, rt) => {
  const r = await podmanRun(
    x,
    rt,
    "-e",
    "NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=0",
    PODMAN_IMAGE,
    "sh",
    "-c",
    PROBE,
  );
  // The hook's error names the container podman passed in the state.
  const refusal = `${HOOK_NAME}: container ${r.id}: Cannot serve CDI device names` +
    ' ("nvidia.com/gpu=0") in mode "auto": use the NVIDIA Container Runtime (--runtime=nvidia)' +
    " or CDI instead\n";
  const runtime = x.p.runtimePath(rt);
  assert.deepEqual(
    { code: r.result.code, stdout: r.result.stdout, stderr: r.result.stderr, hook: r.hookStderr },
    rt === "runc"
      ? {
        code: 126,
        stdout: "",
        stderr: `Error: OCI runtime error: ${runtime}: runc create failed: unable to start ` +
          "container process: error during container init: error running hook #0: error running " +
          `hook: exit status 1, stdout: , stderr: ${refusal}`,
        hook: "",
      }
      : {
        code: 126,
        stdout: "",
        stderr: `Error: OCI runtime error: ${runtime}: error executing hook ` +
          `\`${x.layout.launcher}\` (exit code: 1)\n`,
        hook: refusal,
      },
  );
  assert.deepEqual(r.hooks, { prestart: [x.hook] });
});

podmanCase(
  "a /dev/null mount on /var/run/nvidia-container-devices/1 requests device 1 (volume mounts accepted)",
  async (x, rt) => {
    const r = await podmanRun(
      x,
      rt,
      "-v",
      "/dev/null:/var/run/nvidia-container-devices/1",
      PODMAN_IMAGE,
      "sh",
      "-c",
      PROBE,
    );
    assertPodmanRan(x, rt, r, {
      argv: cliCall(x.s, "--device=1", "--compute", "--utility"),
      devices: "1",
    });
  },
);

podmanCase(
  "a privileged container (CAP_SYS_ADMIN) may set NVIDIA_MIG_CONFIG_DEVICES",
  async (x, rt) => {
    const r = await podmanRun(
      x,
      rt,
      "--cap-add",
      "SYS_ADMIN",
      "-e",
      "NVIDIA_VISIBLE_DEVICES=0",
      "-e",
      "NVIDIA_MIG_CONFIG_DEVICES=all",
      PODMAN_IMAGE,
      "sh",
      "-c",
      PROBE,
    );
    assertPodmanRan(x, rt, r, {
      argv: cliCall(x.s, "--device=0", "--mig-config=all", "--compute", "--utility"),
      devices: "0",
    });
  },
);

podmanCase("8 GPU containers started at once each get their own device", async (x, rt) => {
  const runs = await Promise.all(
    [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
      podmanRun(x, rt, "-e", `NVIDIA_VISIBLE_DEVICES=${i}`, PODMAN_IMAGE, "sh", "-c", PROBE)
    ),
  );
  runs.forEach((r, i) =>
    assertPodmanRan(x, rt, r, {
      argv: cliCall(x.s, `--device=${i}`, "--compute", "--utility"),
      devices: `${i}`,
    })
  );
  // Each call went to its own container: distinct pids and root file systems.
  const words = runs.map((r) => r.result.stdout.trimEnd().split("\n"));
  assert.equal(new Set(words.map((w) => w.at(-2))).size, 8);
  assert.equal(new Set(words.map((w) => w.at(-1))).size, 8);
});

Deno.test({
  name: "podman: no container, mount or process is left behind",
  ignore: skipReason !== undefined,
  fn: async () => {
    const x = await (podmanSuite ??= setUpPodman_());
    const ps = await x.p.podman("runc", ["ps", "--all", "--quiet"], ADMIN_TIMEOUT_MS);
    // conmon and the cleanup processes it starts exit on their own.
    await waitFor(async () => (await processesMentioning(x.dir)).length === 0, 10_000);
    // Podman runs runc and crun with their default state dirs.
    const states = x.ids.flatMap((id) => [`/run/runc/${id}`, `/run/crun/${id}`])
      .filter((path) => {
        try {
          Deno.statSync(path);
          return true;
        } catch {
          return false;
        }
      });
    const left = {
      containers: { code: ps.code, stdout: ps.stdout, stderr: ps.stderr },
      states,
      processes: await processesMentioning(x.dir),
      mounts: await mountsUnder(x.dir),
    };
    await unmountAll(x.s.tools, x.dir);
    assert.deepEqual(left, {
      containers: { code: 0, stdout: "", stderr: "" },
      states: [],
      processes: [],
      mounts: [],
    });
    assert.ok(await removeIfUnmounted(x.s.tools, x.dir));
  },
});

Deno.test({
  name: "engines: the suite's directory is gone",
  ignore: skipReason !== undefined,
  fn: async () => {
    const s = await suite();
    assert.ok(await removeIfUnmounted(s.tools, s.dir));
  },
});
