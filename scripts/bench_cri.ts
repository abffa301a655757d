/**
 * What the hook costs a Kubernetes pod start on containerd: a private
 * containerd 1.6 (wired as tests/cri_test.ts wires it: print-base-spec,
 * print-containerd-config --from) starts pods through its CRI API as the
 * kubelet does, and this times RunPodSandbox + CreateContainer +
 * StartContainer (a busybox `true`, host network) N times per setup, all
 * setups interleaved (each round in a rotated order) after warm-up rounds;
 * each pod is removed after its start, outside the timing. It prints the
 * median (and p90) in milliseconds:
 *
 * - handler `runc`: no hook;
 * - handler `nvidia`, a plain container: the hook runs and exits;
 * - handler `nvidia`, a GPU container (`NVIDIA_VISIBLE_DEVICES=0`): the
 *   hook runs the CLI, here `/bin/true`, so the difference is the hook's own
 *   cost.
 *
 * The hook is installed with scripts/install.ts (the bundle `HOOK_JS` when
 * set). Needs root, containerd, runc and busybox-static.
 *
 * Run: deno task bench:cri [N]   (N >= 20, default 20)
 */

import { shellQuote } from "../tests/_e2e.ts";
import {
  installInto,
  processesMentioning,
  removeIfUnmounted,
  sh,
  waitFor,
} from "../tests/_engines.ts";
import type { EngineTools } from "../tests/_engines.ts";
import {
  baseContainerdConfig,
  type Containerd,
  containerdPaths,
  findCriTools,
  removePod,
  sandboxConfig,
  startContainerd,
  stopContainerd,
  writeImageArchive,
} from "../tests/_cri.ts";

const MIN_RUNS = 20;
const WARM_UP_ROUNDS = 2;
const PAUSE_IMAGE = "localhost/bench-pause:1";
const IMAGE = "localhost/bench-busybox:1";

const enc = new TextEncoder();
const out = (s: string) => Deno.stdout.writeSync(enc.encode(s + "\n"));
const fail = (s: string): never => {
  Deno.stderr.writeSync(enc.encode(`bench_cri: ${s}\n`));
  Deno.exit(1);
};

const runs = Number(Deno.args[0] ?? String(MIN_RUNS));
if (!Number.isInteger(runs) || runs < MIN_RUNS) {
  fail(`N must be an integer of at least ${MIN_RUNS}, got ${JSON.stringify(Deno.args[0])}`);
}
const found = await findCriTools();
if ("missing" in found) fail(found.missing);
const tools = (found as Exclude<typeof found, { missing: string }>).tools;

interface Setup {
  label: string;
  handler: string;
  env: Record<string, string>;
  times: number[];
}

const setups: Setup[] = [
  { label: "handler runc (no hook), plain container", handler: "runc", env: {}, times: [] },
  { label: "handler nvidia, plain container (hook runs)", handler: "nvidia", env: {}, times: [] },
  {
    label: "handler nvidia, GPU container (hook runs the CLI)",
    handler: "nvidia",
    env: { NVIDIA_VISIBLE_DEVICES: "0", NVIDIA_DRIVER_CAPABILITIES: "utility" },
    times: [],
  },
];

/** Starts one pod, timing the three calls; removes it after. */
async function timedStart(c: Containerd, s: Setup, n: number): Promise<number> {
  const config = sandboxConfig(containerdPaths(c.dir).pods, {
    name: `bench-${n}`,
    handler: s.handler,
  });
  Deno.mkdirSync(config.log_directory, { recursive: true });
  const start = performance.now();
  const sandbox = await c.cri.call("RunPodSandbox", { config, runtime_handler: s.handler });
  const created = await c.cri.call("CreateContainer", {
    pod_sandbox_id: sandbox.pod_sandbox_id,
    config: {
      metadata: { name: "main", attempt: 0 },
      image: { image: IMAGE },
      command: ["true"],
      envs: Object.entries(s.env).map(([key, value]) => ({ key, value })),
      log_path: "main.log",
    },
    sandbox_config: config,
  });
  await c.cri.call("StartContainer", { container_id: created.container_id });
  const elapsed = performance.now() - start;
  await waitFor(async () => {
    const r = await c.cri.call("ContainerStatus", { container_id: created.container_id });
    return r.status.state === "CONTAINER_EXITED";
  }, 30_000);
  await removePod(c, sandbox.pod_sandbox_id);
  return elapsed;
}

const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "hook-bench-cri-" });
let c: Containerd | undefined;
try {
  const layout = await installInto(`${dir}/prefix`);
  const hookConfig = `${dir}/hook.toml`;
  Deno.writeTextFileSync(
    hookConfig,
    '[nvidia-container-cli]\npath = "/bin/true"\nldconfig = "@/sbin/ldconfig"\n' +
      '[nvidia-container-runtime-hook]\ncli-version = "1.18.0"\n',
  );
  const spec = `${dir}/nvidia-base-spec.json`;
  const q = (words: string[]) => words.map(shellQuote).join(" ");
  const p = containerdPaths(dir);
  Deno.writeTextFileSync(`${dir}/node.toml`, baseContainerdConfig(dir, PAUSE_IMAGE));
  const wired = await sh(
    `${q([tools.ctr, "oci", "spec"])} | ${
      q([
        layout.launcher,
        "print-base-spec",
        "--path",
        layout.launcher,
        "--env",
        `NVIDIA_CTK_CONFIG_FILE_PATH=${hookConfig}`,
      ])
    } >${shellQuote(spec)} && ${
      q([
        layout.launcher,
        "print-containerd-config",
        "--base-runtime-spec",
        spec,
        "--from",
        `${dir}/node.toml`,
      ])
    } >${shellQuote(p.config)}`,
  );
  if (wired.code !== 0) fail(`wiring failed: ${wired.stderr}`);
  c = await startContainerd(tools, dir);
  Deno.mkdirSync(`${dir}/images`);
  const archive = await writeImageArchive(tools, `${dir}/images`, [
    { name: PAUSE_IMAGE, cmd: ["sleep", "86400"] },
    { name: IMAGE, cmd: ["true"] },
  ]);
  const imported = await c.ctr(["images", "import", archive]);
  if (imported.code !== 0) fail(`ctr images import failed: ${imported.stderr}`);
  let n = 0;
  for (let round = 0; round < WARM_UP_ROUNDS + runs; round++) {
    for (let k = 0; k < setups.length; k++) {
      const s = setups[(round + k) % setups.length] as Setup;
      const t = await timedStart(c, s, n++);
      if (round >= WARM_UP_ROUNDS) s.times.push(t);
    }
  }
} finally {
  if (c !== undefined) {
    // After a failure pods may remain; their shims would outlive containerd.
    for (const item of (await c.cri.call("ListPodSandbox", {})).items) {
      await removePod(c, item.id);
    }
    await stopContainerd(c);
  }
  await waitFor(async () => (await processesMentioning(dir)).length === 0, 10_000);
  await removeIfUnmounted({ umount: tools.umount } as EngineTools, dir);
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (s.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return (s[lo] as number) + ((s[hi] as number) - (s[lo] as number)) * (at - lo);
};
const base = quantile((setups[0] as Setup).times, 0.5);
out(
  `CRI pod start (RunPodSandbox + CreateContainer + StartContainer), N = ${runs}, containerd 1.6, runc`,
);
out("| setup | median (p90) ms | over runc (medians) |");
out("| --- | ---: | ---: |");
for (const s of setups) {
  const m = quantile(s.times, 0.5);
  const over = s === setups[0] ? "" : `${m - base >= 0 ? "+" : ""}${(m - base).toFixed(1)} ms`;
  out(`| ${s.label} | ${m.toFixed(1)} (${quantile(s.times, 0.9).toFixed(1)}) | ${over} |`);
}
