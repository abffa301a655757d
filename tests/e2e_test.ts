/**
 * End to end: real containers started by the real runtimes (runc and crun
 * from Debian) with the hook registered in config.json the way hosts do it.
 * The hook runs a stand-in nvidia-container-cli (tests/fixtures/e2e/) that
 * checks its `configure ... --pid=PID ROOTFS` call, enters the container's
 * mount namespace and mounts a stub nvidia-smi and a /proc/driver/nvidia
 * marker into ROOTFS; the container's command reports what it can see.
 *
 * Needs root, runc, crun, busybox-static and util-linux (.ci/run installs
 * them). With CI=true the suite always runs; elsewhere it is skipped, with
 * one line saying why, when not root or when a tool is missing. Each case
 * runs on runc and on crun (one step each) with its own bundle and container
 * id; the runtimes keep their state in one temp dir of the suite, which must
 * be empty (`list`) after every start, refused or not.
 */

import assert from "node:assert/strict";
import {
  busyboxApplets,
  findTools,
  FIXTURES,
  hookEntry,
  hybridCgroups,
  installHook,
  type ProcessResult,
  removeCgroups,
  runProcess,
  type Runtime,
  runtime,
  type Tools,
  unmountUnder,
  writeBundle,
} from "./_e2e.ts";
import { runningLine } from "./_hook.ts";
import { hostDefaultLdconfig } from "./_cases.ts";

/** Longest a container start may take (the hook from source included). */
const START_TIMEOUT_MS = 60_000;
/** Longest `list` or `delete` may take. */
const ADMIN_TIMEOUT_MS = 20_000;

const HOOK_ERROR = "nvidia-container-runtime-hook: ";

/** What the container runs: reports the stub's output, the marker and the stand-in's mounts. */
const PROBE = [
  'if [ -e /usr/bin/nvidia-smi ]; then nvidia-smi; else echo "no /usr/bin/nvidia-smi"; fi',
  "if [ -e /proc/driver/nvidia/version ]; then cat /proc/driver/nvidia/version;",
  'else echo "no /proc/driver/nvidia/version"; fi',
  `m=$(awk '$(NF-1) == "nvidia-stand-in" { printf " %s", $5 }' /proc/self/mountinfo)`,
  'echo "stand-in mounts:${m:- none}"',
].join("\n");

/** The probe's output in a container the stand-in CLI configured. */
function configuredProbe(devices: string, capabilities: string[], requirements: string[]): string {
  return [
    "NVIDIA-SMI stand-in",
    `devices: ${devices}`,
    `capabilities: ${capabilities.join(" ")}`,
    ...requirements.map((r) => `requirement: ${r}`),
    "NVRM version: stand-in nvidia-container-cli of the e2e suite",
    "stand-in mounts: /usr/bin /proc/driver",
    "",
  ].join("\n");
}

/** The probe's output in a container nothing was mounted into. */
const UNTOUCHED_PROBE = [
  "no /usr/bin/nvidia-smi",
  "no /proc/driver/nvidia/version",
  "stand-in mounts: none",
  "",
].join("\n");

/** Every capability, in the order the hook passes them: sorted by name. */
const ALL_CAPABILITIES = ["compat32", "compute", "display", "graphics", "ngx", "utility", "video"];

/** The --ldconfig option with no ldconfig configured: the host's own. */
const LDCONFIG = `--ldconfig=${hostDefaultLdconfig()}`;

const GPU_ENV = [
  "NVIDIA_VISIBLE_DEVICES=0,1",
  "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
  "NVIDIA_REQUIRE_CUDA=cuda>=12.0",
];

interface Suite {
  tools: Tools;
  dir: string;
  /** The hook's path as written in config.json. */
  hook: string;
  /** The stand-in CLI's path (a copy of the fixture, executable). */
  cli: string;
  applets: string[];
  runtimes: Runtime[];
  nextId(): string;
}

const inCi = Deno.env.get("CI") === "true";
const found = await findTools();
const skipReason = "missing" in found && !inCi ? found.missing : undefined;
if (skipReason !== undefined) {
  Deno.stderr.writeSync(new TextEncoder().encode(`e2e_test.ts: skipped: ${skipReason}\n`));
}

let suitePromise: Promise<Suite> | undefined;

/** The suite's tools and temp dir, set up once; removed when the test process exits. */
function suite(): Promise<Suite> {
  suitePromise ??= setUp();
  return suitePromise;
}

async function setUp(): Promise<Suite> {
  if ("missing" in found) {
    throw new Error(`CI=true: the e2e suite must run, but ${found.missing}`);
  }
  const tools = found.tools;
  const dir = await Deno.makeTempDir({ prefix: "hook-e2e-" });
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Best effort at exit; each case removes its own files.
    }
  });
  Deno.mkdirSync(`${dir}/bin`);
  for (const name of ["nvidia-container-cli", "nvidia-smi"]) {
    Deno.copyFileSync(`${FIXTURES}/${name}`, `${dir}/bin/${name}`);
    Deno.chmodSync(`${dir}/bin/${name}`, 0o755);
  }
  const hybrid = await hybridCgroups();
  let n = 0;
  return {
    tools,
    dir,
    hook: installHook(`${dir}/bin/nvidia-container-runtime-hook`),
    cli: `${dir}/bin/nvidia-container-cli`,
    applets: await busyboxApplets(tools.busybox),
    runtimes: [
      runtime(tools, "runc", `${dir}/state-runc`, hybrid),
      runtime(tools, "crun", `${dir}/state-crun`, hybrid),
    ],
    // Unique on the host: the ids also name the containers' cgroups.
    nextId: () => `${dir.split("/").at(-1)}-${++n}`,
  };
}

/** One container start. */
interface CaseSpec {
  /** `process.env` of the container (after a `PATH`). */
  env: string[];
  relativeRoot?: boolean;
  /** The hook stage; `prestart` by default. */
  stage?: "prestart" | "createRuntime";
  /** Make the stand-in CLI fail with this initialization error. */
  cliFail?: string;
  /** Replaces the config.toml the suite writes. */
  configToml?: string;
  /** Make the stand-in CLI hang for this many seconds. */
  cliHang?: number;
  /** The hook entry's `timeout`, in seconds. */
  hookTimeout?: number;
}

/** What a start left to assert on; the container and its files are gone by then. */
interface Started {
  result: ProcessResult;
  /** The container's id, which the runtime passes to the hook in the state. */
  id: string;
  bundle: string;
  /** The hook's config file (under the test-only prefix). */
  configFile: string;
  /** The argv of each stand-in CLI call. */
  calls: string[][];
  /** Each call's `PID PPID COMM-OF-PARENT`. */
  procs: string[];
  /** How long the runtime took, in ms. */
  elapsedMs: number;
  /** What crun wrote as the hooks' stderr (the annotation's file); "" when none. */
  hookStderr: string;
  /** `runtime list --quiet` right after the start. */
  list: ProcessResult;
  /** Mounts the host still had under the case's directory (unmounted since). */
  leftoverMounts: string[];
}

async function forceDelete(rt: Runtime, id: string): Promise<void> {
  await runProcess(rt.argv("delete", "--force", id), { timeoutMs: ADMIN_TIMEOUT_MS });
}

function callFiles(dir: string, prefix: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.startsWith(prefix)).sort()
    .map((name) => Deno.readTextFileSync(`${dir}/${name}`));
}

function readCalls(dir: string): string[][] {
  return callFiles(dir, "call-").map((text) => text.split("\0").slice(0, -1));
}

function readIfExists(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "";
    throw e;
  }
}

/**
 * Builds a bundle for `spec` in a fresh directory, starts it with `rt` in the
 * foreground (the runtime deletes the container when it exits), lists the
 * containers left, and cleans up whatever happened.
 */
async function start(s: Suite, rt: Runtime, spec: CaseSpec): Promise<Started> {
  const id = s.nextId();
  const caseDir = `${s.dir}/${id}`;
  const bundle = `${caseDir}/bundle`;
  const calls = `${caseDir}/calls`;
  const prefix = `${caseDir}/prefix`;
  const hookStderrFile = `${caseDir}/hook-stderr`;
  const configFile = `${prefix}/etc/nvidia-container-runtime/config.toml`;
  Deno.mkdirSync(calls, { recursive: true });
  Deno.mkdirSync(`${prefix}/etc/nvidia-container-runtime`, { recursive: true });
  const environment = [`E2E_CLI_CALLS=${calls}`];
  if (spec.cliFail !== undefined) environment.push(`E2E_CLI_FAIL=${spec.cliFail}`);
  if (spec.cliHang !== undefined) environment.push(`E2E_CLI_HANG=${spec.cliHang}`);
  Deno.writeTextFileSync(
    configFile,
    spec.configToml ??
      [
        "[nvidia-container-cli]",
        `path = ${JSON.stringify(s.cli)}`,
        `environment = ${JSON.stringify(environment)}`,
        "",
      ].join("\n"),
  );
  writeBundle(bundle, s.tools.busybox, s.applets, {
    args: ["sh", "-c", PROBE],
    env: spec.env,
    ...(spec.relativeRoot === true ? { relativeRoot: true } : {}),
    // The hook entry carries PATH and, as the test-only stand-in for /etc,
    // NVIDIA_CONTAINER_RUNTIME_HOOK_CONFIG_PREFIX (see hookEntry).
    hooks: {
      [spec.stage ?? "prestart"]: [{
        ...hookEntry(s.hook, prefix),
        ...(spec.hookTimeout === undefined ? {} : { timeout: spec.hookTimeout }),
      }],
    },
    // crun discards the hooks' output unless this annotation names a file.
    ...(rt.name === "crun" ? { annotations: { "run.oci.hooks.stderr": hookStderrFile } } : {}),
  });
  try {
    const t0 = performance.now();
    const result = await runProcess([s.tools.setsid, ...rt.argv("run", "--bundle", bundle, id)], {
      timeoutMs: START_TIMEOUT_MS,
      cwd: s.dir,
      ownSession: true,
      onTimeout: () => forceDelete(rt, id),
    });
    const elapsedMs = performance.now() - t0;
    const list = await runProcess(rt.argv("list", "--quiet"), { timeoutMs: ADMIN_TIMEOUT_MS });
    return {
      result,
      id,
      bundle,
      configFile,
      calls: readCalls(calls),
      procs: callFiles(calls, "proc-"),
      elapsedMs,
      hookStderr: readIfExists(hookStderrFile),
      list,
      leftoverMounts: await unmountUnder(s.tools, caseDir),
    };
  } finally {
    // Also after a failure above: no container, mount or file survives a case.
    await forceDelete(rt, id).catch(() => {});
    await removeCgroups(id).catch(() => {});
    await unmountUnder(s.tools, caseDir); // throws rather than leave a mount to recurse into
    await Deno.remove(caseDir, { recursive: true });
  }
}

/** The argv the stand-in CLI got, with the (unpredictable) pid checked and replaced by `PID`. */
function withPid(argv: readonly string[]): string[] {
  return argv.map((a) => {
    if (!a.startsWith("--pid=")) return a;
    assert.match(a, /^--pid=[1-9][0-9]*$/);
    return "--pid=PID";
  });
}

/**
 * The line the hook prints on stderr before it becomes the CLI, for the
 * container of `r` (the runtime passes its id and bundle in the state; the
 * config comes from the prefix, not -config).
 */
function startLine(r: Started, devices: string, requirements: string[]): string {
  return runningLine({ id: r.id, devices, requirements, bundle: r.bundle });
}

/** {@linkcode startLine} of a start with {@link GPU_ENV}. */
function gpuRunningLine(r: Started): string {
  return startLine(r, "0,1", ["cuda>=12.0"]);
}

/**
 * Asserts a start that ran the probe to completion and left nothing behind.
 * `hookStderr` is what the hook printed: crun writes it to the annotation's
 * file even on success; runc shows a hook's output only when it fails.
 */
function assertRan(rt: Runtime, r: Started, stdout: string, hookStderr: string): void {
  assert.deepEqual(
    { code: r.result.code, stdout: r.result.stdout, stderr: r.result.stderr },
    { code: 0, stdout, stderr: "" },
  );
  assert.equal(r.hookStderr, rt.name === "crun" ? hookStderr : "");
  assertNothingLeft(r);
}

function assertNothingLeft(r: Started): void {
  assert.deepEqual({ code: r.list.code, stdout: r.list.stdout, stderr: r.list.stderr }, {
    code: 0,
    stdout: "",
    stderr: "",
  });
  assert.deepEqual(r.leftoverMounts, []);
}

/** `s` as Go's `%q` writes it (what runc's logrus puts in `msg="..."`), for ASCII text. */
function goQuote(s: string): string {
  const escapes: Record<string, string> = { "\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t" };
  return `"${s.replace(/[\\"\n\t]/g, (c) => escapes[c] as string)}"`;
}

/**
 * Asserts a start the runtime refused because the hook exited with `status`
 * and `stderr`: runc puts the hook's stderr in its error; crun names the hook
 * and its status and writes the hook's stderr to the annotation's file. The
 * container ran nothing (no output) and no container state is left.
 */
function assertRefused(s: Suite, rt: Runtime, r: Started, status: number, stderr: string): void {
  if (rt.name === "runc") {
    const message = "runc run failed: unable to start container process: error during container " +
      `init: error running hook #0: error running hook: exit status ${status}, stdout: , ` +
      `stderr: ${stderr}`;
    assert.match(r.result.stderr, /^time="[^"]+" /);
    assert.deepEqual(
      {
        code: r.result.code,
        stdout: r.result.stdout,
        stderr: r.result.stderr.replace(/^time="[^"]+" /, ""),
        hookStderr: r.hookStderr,
      },
      { code: 1, stdout: "", stderr: `level=error msg=${goQuote(message)}\n`, hookStderr: "" },
    );
  } else {
    assert.deepEqual(
      {
        code: r.result.code,
        stdout: r.result.stdout,
        stderr: r.result.stderr,
        hookStderr: r.hookStderr,
      },
      {
        code: 255,
        stdout: "",
        stderr: `error executing hook \`${s.hook}\` (exit code: ${status})\n`,
        hookStderr: stderr,
      },
    );
  }
  assertNothingLeft(r);
}

/** Registers a case that runs once per runtime, as the steps `runc: NAME` and `crun: NAME`. */
function e2e(name: string, body: (s: Suite, rt: Runtime) => Promise<void>): void {
  Deno.test({
    name,
    ignore: skipReason !== undefined,
    fn: async (t) => {
      const s = await suite();
      for (const rt of s.runtimes) {
        await t.step(`${rt.name}: ${name}`, () => body(s, rt));
      }
    },
  });
}

/** The stand-in CLI's argv for {@link GPU_ENV} (pid replaced, see {@linkcode withPid}). */
function gpuCall(s: Suite, r: Started): string[] {
  return [
    s.cli,
    "--load-kmods",
    "configure",
    LDCONFIG,
    "--device=0,1",
    "--compute",
    "--utility",
    "--require=cuda>=12.0",
    "--pid=PID",
    `${r.bundle}/rootfs`,
  ];
}

/** What the stub nvidia-smi reports in a container started with {@link GPU_ENV}. */
const GPU_PROBE = configuredProbe("0,1", ["compute", "utility"], ["cuda>=12.0"]);

e2e("a GPU container sees exactly its devices and capabilities", async (s, rt) => {
  const r = await start(s, rt, { env: GPU_ENV });
  assertRan(rt, r, GPU_PROBE, gpuRunningLine(r));
  assert.deepEqual(r.calls.map(withPid), [gpuCall(s, r)]);
});

e2e("a legacy CUDA image gets all devices", async (s, rt) => {
  const r = await start(s, rt, { env: ["CUDA_VERSION=10.2.89"] });
  assertRan(
    rt,
    r,
    configuredProbe("all", ALL_CAPABILITIES, ["cuda>=10.2"]),
    startLine(r, "all", ["cuda>=10.2"]),
  );
  assert.deepEqual(r.calls.map(withPid), [[
    s.cli,
    "--load-kmods",
    "configure",
    LDCONFIG,
    "--device=all",
    ...ALL_CAPABILITIES.map((c) => `--${c}`),
    "--require=cuda>=10.2",
    "--pid=PID",
    `${r.bundle}/rootfs`,
  ]]);
});

e2e("a container without NVIDIA variables starts untouched", async (s, rt) => {
  // An empty CUDA_VERSION does not make a legacy image.
  const r = await start(s, rt, { env: ["HOSTNAME=plain", "CUDA_VERSION="] });
  assertRan(rt, r, UNTOUCHED_PROBE, "");
  assert.deepEqual(r.calls, []);
});

e2e("NVIDIA_VISIBLE_DEVICES=void starts the container untouched", async (s, rt) => {
  const r = await start(s, rt, {
    env: ["NVIDIA_VISIBLE_DEVICES=void", "NVIDIA_DRIVER_CAPABILITIES=compute,utility"],
  });
  assertRan(rt, r, UNTOUCHED_PROBE, "");
  assert.deepEqual(r.calls, []);
});

e2e("a failing nvidia-container-cli stops the start with the CLI's stderr", async (s, rt) => {
  const r = await start(s, rt, { env: GPU_ENV, cliFail: "nvml error: driver not loaded" });
  // The hook's line, then the CLI's own (the hook had become the CLI).
  assertRefused(
    s,
    rt,
    r,
    1,
    gpuRunningLine(r) +
      "nvidia-container-cli: initialization error: nvml error: driver not loaded\n",
  );
  assert.deepEqual(r.calls.map(withPid), [gpuCall(s, r)]);
});

e2e("an invalid config.toml stops the start with the hook's one-line message", async (s, rt) => {
  const r = await start(s, rt, {
    env: GPU_ENV,
    configToml: `[nvidia-container-cli]\npath = ${JSON.stringify(s.cli)}\nload-kmods = "yes"\n`,
  });
  assertRefused(
    s,
    rt,
    r,
    1,
    `${HOOK_ERROR}Cannot load config file ${r.configFile}: ` +
      `"nvidia-container-cli.load-kmods" must be a boolean\n`,
  );
  assert.deepEqual(r.calls, []);
});

e2e(
  "an unknown capability in config.json stops the start with the hook's message",
  async (s, rt) => {
    const r = await start(s, rt, {
      env: ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DRIVER_CAPABILITIES=compute,warp"],
    });
    assertRefused(
      s,
      rt,
      r,
      1,
      `${HOOK_ERROR}container ${r.id}: Unknown driver capability "warp" in` +
        ' NVIDIA_DRIVER_CAPABILITIES; expected "all" or a comma-separated list of compute,' +
        " compat32, graphics, utility, video, display, ngx\n",
    );
    assert.deepEqual(r.calls, []);
  },
);

e2e("a relative root.path is resolved against the bundle", async (s, rt) => {
  const r = await start(s, rt, { env: GPU_ENV, relativeRoot: true });
  assertRan(rt, r, GPU_PROBE, gpuRunningLine(r));
  assert.deepEqual(r.calls.map(withPid), [gpuCall(s, r)]);
});

e2e("NVIDIA_MIG_CONFIG_DEVICES from an unprivileged container is refused", async (s, rt) => {
  const r = await start(s, rt, { env: [...GPU_ENV, "NVIDIA_MIG_CONFIG_DEVICES=all"] });
  assertRefused(
    s,
    rt,
    r,
    1,
    `${HOOK_ERROR}container ${r.id}: Cannot set NVIDIA_MIG_CONFIG_DEVICES in an unprivileged` +
      " container (CAP_SYS_ADMIN is not in its bounding set)\n",
  );
  assert.deepEqual(r.calls, []);
});

e2e("a createRuntime hook configures the container as a prestart hook does", async (s, rt) => {
  const r = await start(s, rt, { env: GPU_ENV, stage: "createRuntime" });
  assertRan(rt, r, GPU_PROBE, gpuRunningLine(r));
  assert.deepEqual(r.calls.map(withPid), [gpuCall(s, r)]);
});

e2e(
  "the hook becomes the CLI: its parent is the runtime, no Deno process between",
  async (s, rt) => {
    const r = await start(s, rt, { env: GPU_ENV });
    assertRan(rt, r, GPU_PROBE, gpuRunningLine(r));
    assert.equal(r.procs.length, 1);
    const [pid, ppid, parent] = (r.procs[0] as string).trim().split(" ");
    assert.match(pid ?? "", /^[1-9][0-9]*$/);
    assert.match(ppid ?? "", /^[1-9][0-9]*$/);
    // runc runs hooks from `runc run`; crun from itself.
    assert.equal(parent, rt.name);
  },
);

e2e("a hook timeout kills a hanging CLI: the runtime returns within 3 s", async (s, rt) => {
  const r = await start(s, rt, { env: GPU_ENV, cliHang: 20, hookTimeout: 2 });
  assert.ok(r.elapsedMs < 3000, `the runtime returned after ${Math.round(r.elapsedMs)} ms`);
  assert.notEqual(r.result.code, 0);
  assert.equal(r.result.stdout, "");
  if (rt.name === "runc") assert.match(r.result.stderr, /hook ran past specified timeout of 2\.0s/);
  assert.deepEqual(r.calls.map(withPid), [gpuCall(s, r)]);
  const [pid] = (r.procs[0] as string).trim().split(" ");
  // The CLI was the hook's process: the runtime's SIGKILL ended it.
  let alive = true;
  for (let i = 0; i < 40 && alive; i++) {
    alive = new Deno.Command("kill", { args: ["-0", pid as string], stderr: "null" })
      .outputSync().success;
    if (alive) await new Promise((done) => setTimeout(done, 50));
  }
  assert.equal(alive, false, `the CLI (pid ${pid}) is still running`);
  assertNothingLeft(r);
});

e2e(
  "the decision log names the runtime's container, its bundle and the pid it passed",
  async (s, rt) => {
    // The hook may write only under /var/log and /run.
    const logDir = Deno.makeTempDirSync({ dir: "/run", prefix: "hook-e2e-log-" });
    const log = `${logDir}/decisions.log`;
    const config = (calls: string) =>
      [
        "[nvidia-container-cli]",
        `path = ${JSON.stringify(s.cli)}`,
        `environment = ${JSON.stringify([`E2E_CLI_CALLS=${calls}`])}`,
        "[nvidia-container-runtime-hook]",
        `log-file = ${JSON.stringify(log)}`,
        "",
      ].join("\n");
    try {
      // start() writes the calls under the case's directory; the config names
      // it before the id is known, so the stand-in records into the log dir.
      Deno.mkdirSync(`${logDir}/calls`);
      const r = await start(s, rt, { env: GPU_ENV, configToml: config(`${logDir}/calls`) });
      assertRan(rt, r, GPU_PROBE, gpuRunningLine(r));
      const calls = readCalls(`${logDir}/calls`);
      assert.equal(calls.length, 1);
      const lines = Deno.readTextFileSync(log).split("\n");
      assert.equal(lines.pop(), "");
      assert.equal(lines.length, 1);
      const { time, hook_ms, pid, ...rest } = JSON.parse(lines[0] as string);
      assert.match(String(time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.ok(typeof hook_ms === "number" && hook_ms > 0, `hook_ms ${hook_ms}`);
      // The pid the runtime put in the state is the one the CLI got.
      assert.deepEqual(calls[0]?.filter((a) => a.startsWith("--pid=")), [`--pid=${pid}`]);
      assert.deepEqual(rest, {
        schema: 1,
        container: r.id,
        bundle: r.bundle,
        gpu: true,
        reason: "NVIDIA_VISIBLE_DEVICES",
        devices: "0,1",
        capabilities: ["compute", "utility"],
        requirements: ["cuda>=12.0"],
        argv: calls[0],
        outcome: "cli",
        error: null,
      });
    } finally {
      Deno.removeSync(logDir, { recursive: true });
    }
  },
);
