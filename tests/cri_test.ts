/**
 * Kubernetes' path, end to end: a private containerd (Debian's 1.6 with
 * runc) driven through its CRI API as the kubelet drives it
 * (RunPodSandbox, CreateContainer, StartContainer), wired the way
 * docs/kubernetes.md tells a 1.x node's operator to wire it:
 *
 * - the hook is installed with scripts/install.ts (`deno task install`);
 * - each base spec is `ctr oci spec | nvidia-container-runtime-hook
 *   print-base-spec --path ... --env NVIDIA_CTK_CONFIG_FILE_PATH=...`;
 * - containerd's config is the node's config passed through
 *   `print-containerd-config --from` twice: handler `nvidia` (the device
 *   plugin's `envvar` strategy) and handler `nvidia-mounts`, the default
 *   (`--set-as-default`), whose hook config takes devices from `/dev/null`
 *   mounts only (`volume-mounts`, env requests of unprivileged containers
 *   refused); `runc` stays a plain handler.
 *
 * Pods use the host network (no CNI). Images are imported with `ctr` from a
 * docker archive of a busybox rootfs (no registry); the pause image is one
 * of them, and carries NVIDIA_VISIBLE_DEVICES=all so that a hook run for a
 * sandbox would show. The hook runs the engine suite's stand-in CLI
 * (tests/fixtures/engines/nvidia-container-cli: it writes its argv into the
 * container's /mnt, which the container prints to its CRI log) through a
 * wrapper that also appends each call's rootfs to a file.
 *
 * Needs root and Debian's containerd, runc and busybox-static (.ci/run
 * installs them). With CI=true the suite always runs; elsewhere it is
 * skipped, with one line saying why, when not root or when a tool is
 * missing.
 */

import assert from "node:assert/strict";
import { shellQuote } from "./_e2e.ts";
import {
  cleanUpAtExit,
  ENGINE_FIXTURES,
  type EngineTools,
  installInto,
  mountsUnder,
  processesMentioning,
  removeIfUnmounted,
  sh,
  unmountAll,
  waitFor,
} from "./_engines.ts";
import {
  baseContainerdConfig,
  type Containerd,
  containerdPaths,
  type ContainerOptions,
  CriError,
  type CriTools,
  findCriTools,
  type PodRun,
  removePod,
  runPod,
  startContainerd,
  stopContainerd,
  writeImageArchive,
} from "./_cri.ts";
import type { InstallLayout } from "../scripts/install.ts";
import { repoDir } from "./_hook.ts";

const HOOK_NAME = "nvidia-container-runtime-hook";
const PROBE = 'cat /mnt/argv 2>/dev/null || echo "no argv"';
const NO_ARGV = "no argv\n";

const PAUSE_IMAGE = "localhost/cri-pause:1";
const IMAGE = "localhost/cri-busybox:1";
const CUDA_IMAGE = "localhost/cri-cuda:1";

/** The node's paths as docs/kubernetes.md gives them (the suite uses its own). */
interface NodePaths {
  hook: string;
  hookConfig: string;
  spec: string;
  /** The config print-containerd-config merges into. */
  from: string;
}

const DOC_PATHS: NodePaths = {
  hook: "/usr/bin/nvidia-container-runtime-hook",
  hookConfig: "/etc/nvidia-container-runtime/config.toml",
  spec: "/etc/containerd/nvidia-base-spec.json",
  from: "/etc/containerd/config.toml.orig",
};

/** print-base-spec's arguments, as the docs give them. */
function baseSpecArgs(p: NodePaths): string[] {
  return [
    "print-base-spec",
    "--path",
    p.hook,
    "--env",
    `NVIDIA_CTK_CONFIG_FILE_PATH=${p.hookConfig}`,
  ];
}

/** print-containerd-config's arguments, as the docs give them, with `extra` flags. */
function containerdConfigArgs(p: NodePaths, extra: string[] = []): string[] {
  return ["print-containerd-config", "--base-runtime-spec", p.spec, ...extra, "--from", p.from];
}

/** The hook config lines of the `volume-mounts` handler (docs/kubernetes.md's isolation config). */
const ISOLATION = [
  "accept-nvidia-visible-devices-as-volume-mounts = true",
  "accept-nvidia-visible-devices-envvar-when-unprivileged = false",
];

/** The CLI version the hook configs pin (so the stand-in needs no `--version`). */
const CLI_VERSION = "1.18.0";

const inCi = Deno.env.get("CI") === "true";
const found = await findCriTools();
const skipReason = "missing" in found && !inCi ? found.missing : undefined;
if (skipReason !== undefined) {
  Deno.stderr.writeSync(new TextEncoder().encode(`cri_test.ts: skipped: ${skipReason}\n`));
}

interface Suite {
  tools: CriTools;
  dir: string;
  layout: InstallLayout;
  c: Containerd;
  /** The stand-in CLI the hook runs (the recording wrapper). */
  cli: string;
  /** Where the wrapper appends each call's rootfs. */
  calls: string;
  /** The base specs, by handler. */
  specs: { nvidia: string; "nvidia-mounts": string };
  /** The hook configs, by handler. */
  hookConfigs: { nvidia: string; "nvidia-mounts": string };
  /** What print-containerd-config printed, in order. */
  configs: string[];
}

let containerd: Containerd | undefined;
/** The id of every sandbox and container made (none may be left in runc's state). */
const madeIds = new Set<string>();
let suitePromise: Promise<Suite> | undefined;

function suite(): Promise<Suite> {
  suitePromise ??= setUp();
  return suitePromise;
}

/** Runs the installed hook with `args` (and `stdin` from a shell pipe), returning stdout. */
async function hook(layout: InstallLayout, args: string[], stdinFrom?: string): Promise<string> {
  const pipe = stdinFrom === undefined ? "" : `${stdinFrom} | `;
  const r = await sh(`${pipe}${[layout.launcher, ...args].map(shellQuote).join(" ")}`);
  if (r.code !== 0) throw new Error(`${args[0]} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

function hookConfig(cli: string, extra: string[]): string {
  return [
    ...extra,
    "[nvidia-container-cli]",
    `path = ${JSON.stringify(cli)}`,
    'ldconfig = "@/sbin/ldconfig"',
    "[nvidia-container-runtime-hook]",
    `cli-version = "${CLI_VERSION}"`,
    "",
  ].join("\n");
}

async function setUp(): Promise<Suite> {
  if ("missing" in found) throw new Error(`CI=true: the CRI suite must run, but ${found.missing}`);
  const tools = found.tools;
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "hook-cri-" });
  cleanUpAtExit(dir, () => containerd?.pid);
  const layout = await installInto(`${dir}/prefix`);
  // The engine suite's stand-in CLI, which first records the rootfs of each call.
  Deno.mkdirSync(`${dir}/bin`);
  const cli = `${dir}/bin/nvidia-container-cli`;
  const calls = `${dir}/cli-calls`;
  const standIn = Deno.readTextFileSync(`${ENGINE_FIXTURES}/nvidia-container-cli`);
  Deno.writeTextFileSync(
    cli,
    [
      "#!/bin/sh",
      "# tests/cri_test.ts: records the rootfs (the last word) of each call, then runs",
      "# the engine suite's stand-in (tests/fixtures/engines/nvidia-container-cli).",
      `for last in "$@"; do :; done`,
      `printf '%s\\n' "$last" >>${shellQuote(calls)}`,
      standIn.slice(standIn.indexOf("\n") + 1),
    ].join("\n"),
  );
  Deno.chmodSync(cli, 0o755);
  Deno.writeTextFileSync(calls, "");
  const hookConfigs = {
    nvidia: `${dir}/hook-envvar.toml`,
    "nvidia-mounts": `${dir}/hook-mounts.toml`,
  };
  Deno.writeTextFileSync(hookConfigs.nvidia, hookConfig(cli, []));
  Deno.writeTextFileSync(
    hookConfigs["nvidia-mounts"],
    hookConfig(cli, ISOLATION),
  );
  // The node's side, as docs/kubernetes.md gives it.
  const specs = {
    nvidia: `${dir}/nvidia-base-spec.json`,
    "nvidia-mounts": `${dir}/nvidia-mounts-base-spec.json`,
  };
  const node = (name: "nvidia" | "nvidia-mounts", from: string): NodePaths => ({
    hook: layout.launcher,
    hookConfig: hookConfigs[name],
    spec: specs[name],
    from,
  });
  for (const name of ["nvidia", "nvidia-mounts"] as const) {
    const text = await hook(
      layout,
      baseSpecArgs(node(name, "")),
      `${shellQuote(tools.ctr)} oci spec`,
    );
    Deno.writeTextFileSync(specs[name], text);
  }
  const p = containerdPaths(dir);
  Deno.writeTextFileSync(`${dir}/node.toml`, baseContainerdConfig(dir, PAUSE_IMAGE));
  const first = await hook(layout, containerdConfigArgs(node("nvidia", `${dir}/node.toml`)));
  Deno.writeTextFileSync(`${dir}/node-1.toml`, first);
  const second = await hook(
    layout,
    containerdConfigArgs(node("nvidia-mounts", `${dir}/node-1.toml`), [
      "--runtime-name",
      "nvidia-mounts",
      "--set-as-default",
    ]),
  );
  Deno.writeTextFileSync(p.config, second);
  const c = containerd = await startContainerd(tools, dir);
  Deno.mkdirSync(`${dir}/images`);
  const archive = await writeImageArchive(tools, `${dir}/images`, [
    {
      name: PAUSE_IMAGE,
      env: ["NVIDIA_VISIBLE_DEVICES=all", "NVIDIA_DRIVER_CAPABILITIES=all"],
      cmd: ["sleep", "86400"],
    },
    { name: IMAGE, cmd: ["sh"] },
    {
      name: CUDA_IMAGE,
      env: ["NVIDIA_VISIBLE_DEVICES=all", "NVIDIA_DRIVER_CAPABILITIES=compute,utility"],
      cmd: ["sh"],
    },
  ]);
  const imported = await c.ctr(["images", "import", archive]);
  if (imported.code !== 0) throw new Error(`ctr images import failed: ${imported.stderr}`);
  return { tools, dir, layout, c, cli, calls, specs, hookConfigs, configs: [first, second] };
}

function criCase(name: string, body: (s: Suite) => Promise<void>): void {
  Deno.test({
    name: `cri: ${name}`,
    ignore: skipReason !== undefined,
    fn: async () => body(await suite()),
  });
}

/** The rootfs containerd gives the task of container `id`. */
function rootfsOf(s: Suite, id: string): string {
  return `${s.c.state}/io.containerd.runtime.v2.task/k8s.io/${id}/rootfs`;
}

/** The rootfs of every CLI call so far. */
function cliCalls(s: Suite): string[] {
  return Deno.readTextFileSync(s.calls).split("\n").filter((l) => l !== "");
}

/** The argv the hook gives the CLI with the suite's configs: `options` after the fixed ones. */
function cliCall(s: Suite, id: string, ...options: string[]): string[] {
  return [
    s.cli,
    "--load-kmods",
    "configure",
    "--cuda-compat-mode=ldconfig",
    "--ldconfig=@/sbin/ldconfig",
    ...options,
    "--pid=PID",
    rootfsOf(s, id),
  ];
}

/** The CLI's argv as the container printed it, the pid checked and replaced by `PID`. */
function printedArgv(stdout: string): string[] | "none" {
  if (stdout === NO_ARGV) return "none";
  assert.ok(stdout.endsWith("\n"), `output ends with a newline: ${JSON.stringify(stdout)}`);
  const words = stdout.slice(0, -1).split("\n");
  const pid = words.at(-2) as string;
  assert.match(pid, /^--pid=[1-9][0-9]*$/);
  return [...words.slice(0, -2), "--pid=PID", words.at(-1) as string];
}

function remember(run: PodRun): void {
  madeIds.add(run.sandboxId);
  if (run.containerId !== undefined) madeIds.add(run.containerId);
}

/** Runs a pod and removes it; returns the run. */
async function pod(
  s: Suite,
  name: string,
  handler: string,
  container: Omit<ContainerOptions, "command">,
): Promise<PodRun> {
  const run = await runPod(s.c, { name, handler }, { ...container, command: ["sh", "-c", PROBE] });
  remember(run);
  await removePod(s.c, run.sandboxId);
  return run;
}

/** A pod whose container ran to exit 0 and printed `argv` (or that the CLI did not run). */
function assertRan(s: Suite, run: PodRun, argv: string[] | "none"): void {
  assert.equal(run.error, undefined, run.error?.message);
  assert.deepEqual(
    { exitCode: run.exitCode, argv: printedArgv(run.stdout ?? "") },
    { exitCode: 0, argv },
  );
  const id = run.containerId as string;
  const calls = cliCalls(s).filter((r) => r === rootfsOf(s, id));
  assert.equal(calls.length, argv === "none" ? 0 : 1);
  // Never for the pod's sandbox (whose image asks for every GPU).
  assert.deepEqual(cliCalls(s).filter((r) => r.includes(run.sandboxId)), []);
}

/** The fenced blocks of docs/kubernetes.md that follow a `<!-- cri: NAME -->` marker. */
function docBlocks(): Map<string, string> {
  const text = Deno.readTextFileSync(`${repoDir()}/docs/kubernetes.md`);
  const out = new Map<string, string>();
  for (
    const m of text.matchAll(/^( *)<!-- cri: ([a-z-]+) -->\n\n\1```[a-z]*\n([\s\S]*?)\1```$/gm)
  ) {
    const indent = m[1] as string;
    const body = (m[3] as string).split("\n").map((l) =>
      l.startsWith(indent) ? l.slice(indent.length) : l
    );
    out.set(m[2] as string, body.join("\n"));
  }
  return out;
}

Deno.test("cri: docs/kubernetes.md gives the commands and settings this suite runs", () => {
  const blocks = docBlocks();
  assert.deepEqual([...blocks.keys()], ["node-install", "runtime-class", "isolation-config"]);
  const q = (words: string[]) => words.join(" ");
  assert.equal(
    blocks.get("node-install"),
    [
      `cp /etc/containerd/config.toml ${DOC_PATHS.from}`,
      `ctr oci spec | ${HOOK_NAME} ${q(baseSpecArgs(DOC_PATHS))} >${DOC_PATHS.spec}`,
      `${HOOK_NAME} ${q(containerdConfigArgs(DOC_PATHS))} >/etc/containerd/config.toml`,
      "systemctl restart containerd",
      "",
    ].join("\n"),
  );
  assert.equal(
    blocks.get("runtime-class"),
    "apiVersion: node.k8s.io/v1\nkind: RuntimeClass\nmetadata:\n  name: nvidia\nhandler: nvidia\n",
  );
  assert.equal(blocks.get("isolation-config"), `${ISOLATION.join("\n")}\n`);
});

criCase(
  "the node's config, merged by print-containerd-config --from, registers both handlers",
  async (s) => {
    const { parseToml } = await import("../lib/parse_toml.ts");
    // deno-lint-ignore no-explicit-any
    const doc = parseToml(s.configs[1] as string) as Record<string, any>;
    const cri = doc.plugins["io.containerd.grpc.v1.cri"];
    assert.equal(cri.containerd.default_runtime_name, "nvidia-mounts");
    assert.deepEqual(Object.keys(cri.containerd.runtimes), ["runc", "nvidia", "nvidia-mounts"]);
    assert.deepEqual({ ...cri.containerd.runtimes.nvidia }, {
      runtime_type: "io.containerd.runc.v2",
      base_runtime_spec: s.specs.nvidia,
    });
    // The node's other settings are kept.
    assert.equal(cri.restrict_oom_score_adj, true);
    assert.equal(cri.sandbox_image, PAUSE_IMAGE);
    assert.equal(doc.plugins["io.containerd.gc.v1.scheduler"].pause_threshold, 0.02);
    const spec = JSON.parse(Deno.readTextFileSync(s.specs.nvidia));
    assert.deepEqual(spec.hooks, {
      prestart: [{
        path: s.layout.launcher,
        args: [HOOK_NAME, "prestart"],
        env: [
          "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          `NVIDIA_CTK_CONFIG_FILE_PATH=${s.hookConfigs.nvidia}`,
        ],
      }],
    });
  },
);

criCase("envvar strategy: a GPU container gets exactly its devices and capabilities", async (s) => {
  const run = await pod(s, "envvar-gpu", "nvidia", {
    image: IMAGE,
    env: { NVIDIA_VISIBLE_DEVICES: "0,1", NVIDIA_DRIVER_CAPABILITIES: "compute,utility" },
  });
  assertRan(
    s,
    run,
    cliCall(s, run.containerId as string, "--device=0,1", "--compute", "--utility"),
  );
});

criCase("a container without NVIDIA variables starts, and the CLI is not run", async (s) => {
  assertRan(s, await pod(s, "plain", "nvidia", { image: IMAGE }), "none");
});

criCase("a pod's sandbox never runs the CLI; its spec has no hook", async (s) => {
  const run = await runPod(s.c, { name: "sandbox-check", handler: "nvidia" }, {
    image: IMAGE,
    command: ["sh", "-c", PROBE],
    env: { NVIDIA_VISIBLE_DEVICES: "2", NVIDIA_DRIVER_CAPABILITIES: "utility" },
  });
  remember(run);
  try {
    // The sandbox still runs: its bundle is there.
    const bundle = `${s.c.state}/io.containerd.runtime.v2.task/k8s.io/${run.sandboxId}`;
    const spec = JSON.parse(Deno.readTextFileSync(`${bundle}/config.json`));
    assert.ok(spec.process.env.includes("NVIDIA_VISIBLE_DEVICES=all"));
    assert.equal(spec.hooks, undefined);
    assertRan(s, run, cliCall(s, run.containerId as string, "--device=2", "--utility"));
  } finally {
    await removePod(s.c, run.sandboxId);
  }
  assert.deepEqual(cliCalls(s).filter((r) => r.includes(run.sandboxId)), []);
});

criCase("volume-mounts strategy: a /dev/null mount requests its device", async (s) => {
  const run = await pod(s, "mounts-gpu", "", {
    image: IMAGE,
    env: { NVIDIA_DRIVER_CAPABILITIES: "compute,utility" },
    mounts: [{ host_path: "/dev/null", container_path: "/var/run/nvidia-container-devices/1" }],
  });
  assertRan(s, run, cliCall(s, run.containerId as string, "--device=1", "--compute", "--utility"));
});

criCase(
  "volume-mounts strategy: an image's NVIDIA_VISIBLE_DEVICES=all without a mount gets no GPU",
  async (s) => {
    assertRan(s, await pod(s, "mounts-env-all", "", { image: CUDA_IMAGE }), "none");
  },
);

criCase(
  "a refusal (NVIDIA_MIG_CONFIG_DEVICES in an unprivileged container) fails StartContainer with the hook's line",
  async (s) => {
    const run = await pod(s, "mig-refused", "nvidia", {
      image: IMAGE,
      env: {
        NVIDIA_VISIBLE_DEVICES: "0",
        NVIDIA_DRIVER_CAPABILITIES: "utility",
        NVIDIA_MIG_CONFIG_DEVICES: "all",
      },
    });
    assert.ok(run.error instanceof CriError, "StartContainer failed");
    const id = run.containerId as string;
    assert.match(id, /^[0-9a-f]{64}$/);
    assert.equal(
      run.error.details,
      "failed to create containerd task: failed to create shim task: OCI runtime create failed: " +
        "runc create failed: unable to start container process: error during container init: " +
        "error running hook #0: error running hook: exit status 1, stdout: , stderr: " +
        `${HOOK_NAME}: container ${id}: Cannot set NVIDIA_MIG_CONFIG_DEVICES in an unprivileged ` +
        "container (CAP_SYS_ADMIN is not in its bounding set): unknown",
    );
    assert.deepEqual(cliCalls(s).filter((r) => r === rootfsOf(s, id)), []);
  },
);

criCase("a pod on the plain runc handler runs no hook", async (s) => {
  const run = await pod(s, "runc-plain", "runc", {
    image: IMAGE,
    env: { NVIDIA_VISIBLE_DEVICES: "0", NVIDIA_DRIVER_CAPABILITIES: "utility" },
  });
  assertRan(s, run, "none");
});

criCase("eight GPU pods started at once each get their own devices", async (s) => {
  const runs = await Promise.all(
    [0, 1, 2, 3, 4, 5, 6, 7].map((i) =>
      pod(s, `parallel-${i}`, "nvidia", {
        image: IMAGE,
        env: { NVIDIA_VISIBLE_DEVICES: `${i}`, NVIDIA_DRIVER_CAPABILITIES: "utility" },
      })
    ),
  );
  runs.forEach((run, i) =>
    assertRan(s, run, cliCall(s, run.containerId as string, `--device=${i}`, "--utility"))
  );
  assert.equal(new Set(runs.map((r) => r.containerId)).size, 8);
});

Deno.test({
  name: "cri: no container, sandbox, mount or process is left behind",
  ignore: skipReason !== undefined,
  fn: async () => {
    let s: Suite;
    try {
      s = await suite();
    } catch (e) {
      if (containerd !== undefined) await stopContainerd(containerd);
      containerd = undefined;
      throw e;
    }
    const containers = (await s.c.cri.call("ListContainers", {})).containers;
    const sandboxes = (await s.c.cri.call("ListPodSandbox", {})).items;
    const stopped = await stopContainerd(s.c);
    containerd = undefined;
    // The shims exit after their tasks.
    await waitFor(async () => (await processesMentioning(s.dir)).length === 0, 10_000);
    // The runc shim keeps runc's state under /run/containerd/runc/NAMESPACE.
    let runcStates: string[] = [];
    try {
      runcStates = [...Deno.readDirSync("/run/containerd/runc/k8s.io")].map((e) => e.name);
    } catch {
      // No such directory: nothing left.
    }
    assert.ok(madeIds.size >= 20, `ids recorded: ${madeIds.size}`);
    const mine = runcStates.filter((id) => madeIds.has(id));
    const left = {
      containers,
      sandboxes,
      stopped,
      runcStates: mine,
      processes: await processesMentioning(s.dir),
      mounts: await mountsUnder(s.dir),
    };
    await unmountAll(s.tools as unknown as EngineTools, s.dir);
    assert.deepEqual(left, {
      containers: [],
      sandboxes: [],
      stopped: "term",
      runcStates: [],
      processes: [],
      mounts: [],
    });
    assert.ok(await removeIfUnmounted(s.tools as unknown as EngineTools, s.dir));
  },
});
