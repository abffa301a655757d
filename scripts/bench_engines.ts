/**
 * What wiring the hook costs a container start in real engines: each setup
 * starts a busybox container (`true`, `--rm`, no network) N times, all
 * setups interleaved in one run (each round in a rotated order) after
 * warm-up rounds; this prints the median (and p90) wall time of the
 * engine's client command, and what the hook adds, in milliseconds.
 *
 * - Docker 20.10 (a private dockerd wired as tests/engines_test.ts wires it):
 *   no `--gpus` (Moby adds no hook) vs `--gpus all` (the hook runs, and a CLI).
 * - Podman 4.3 with runc and with crun: `--hooks-dir` empty vs holding the
 *   hook's hooks.d entry, for a plain container (the hook runs and exits)
 *   and a GPU one (`NVIDIA_VISIBLE_DEVICES=0`: the hook runs the CLI).
 *
 * The hook is installed with scripts/install.ts (the bundle `HOOK_JS` when
 * set); its config's `nvidia-container-cli.path` is `/bin/true`, a CLI that
 * exits at once, so the difference is the hook's own cost. Needs root and
 * the engine suite's packages (docker.io, containerd, runc, crun, podman,
 * busybox-static).
 *
 * Run: deno task bench:engines [N]   (N >= 20, default 20)
 */

import { hybridCgroups, type ProcessResult } from "../tests/_e2e.ts";
import {
  ADMIN_TIMEOUT_MS,
  type Dockerd,
  findEngineTools,
  hookConfigToml,
  installInto,
  type Podman,
  processesMentioning,
  removeIfUnmounted,
  setUpPodman,
  startDockerd,
  stopDockerd,
  SYSTEM_PATH,
  ULIMITS,
  waitFor,
  writeImageTar,
} from "../tests/_engines.ts";
import { runProcess } from "../tests/_e2e.ts";

const MIN_RUNS = 20;
const WARM_UP_ROUNDS = 2;

const enc = new TextEncoder();
const out = (s: string) => Deno.stdout.writeSync(enc.encode(s + "\n"));
const fail = (s: string): never => {
  Deno.stderr.writeSync(enc.encode(`bench_engines: ${s}\n`));
  Deno.exit(1);
};

const runs = Number(Deno.args[0] ?? String(MIN_RUNS));
if (!Number.isInteger(runs) || runs < MIN_RUNS) {
  fail(`N must be an integer of at least ${MIN_RUNS}, got ${JSON.stringify(Deno.args[0])}`);
}
const found = await findEngineTools();
if ("missing" in found) fail(found.missing);
const tools = (found as Exclude<typeof found, { missing: string }>).tools;

/** One measured setup: a command that starts (and removes) one container. */
interface Setup {
  engine: string;
  container: string;
  hook: boolean;
  start: () => Promise<ProcessResult>;
  times: number[];
}

const tmp = await Deno.makeTempDir({ dir: "/tmp", prefix: "hook-bench-eng-" });
let dockerd: Dockerd | undefined;
try {
  const layout = await installInto(`${tmp}/prefix`);
  const config = `${tmp}/config.toml`;
  Deno.writeTextFileSync(config, hookConfigToml("/bin/true"));
  Deno.mkdirSync(`${tmp}/image`);
  const tar = await writeImageTar(tools, `${tmp}/image`);

  dockerd = await startDockerd(tools, {
    dir: `${tmp}/docker`,
    hookDir: layout.launcher.slice(0, layout.launcher.lastIndexOf("/")),
    hookConfig: config,
  });
  const d = dockerd;
  const imported = await d.docker(["import", tar, "bench-busybox:1"], ADMIN_TIMEOUT_MS);
  if (imported.code !== 0) throw new Error(`docker import failed: ${imported.stderr}`);

  const hooksDir = `${tmp}/hooks.d`;
  const emptyHooksDir = `${tmp}/no-hooks.d`;
  Deno.mkdirSync(hooksDir);
  Deno.mkdirSync(emptyHooksDir);
  const printed = await runProcess(
    [
      layout.launcher,
      "print-oci-hook",
      "--path",
      layout.launcher,
      "--env",
      `NVIDIA_CTK_CONFIG_FILE_PATH=${config}`,
    ],
    { timeoutMs: ADMIN_TIMEOUT_MS, env: { PATH: SYSTEM_PATH } },
  );
  if (printed.code !== 0) throw new Error(`print-oci-hook failed: ${printed.stderr}`);
  Deno.writeTextFileSync(`${hooksDir}/nvidia-container-runtime-hook.json`, printed.stdout);
  const hybrid = await hybridCgroups();
  const withHook = setUpPodman(tools, `${tmp}/podman`, hooksDir, hybrid);
  const withoutHook = setUpPodman(tools, `${tmp}/podman`, emptyHooksDir, hybrid);
  const image = "localhost/bench-busybox:1";
  const podImport = await withHook.podman("runc", ["import", tar, image], ADMIN_TIMEOUT_MS);
  if (podImport.code !== 0) throw new Error(`podman import failed: ${podImport.stderr}`);

  const dockerRun = (...args: string[]) => () =>
    d.docker([
      "run",
      "--rm",
      "--pull",
      "never",
      "--network",
      "none",
      ...args,
      "bench-busybox:1",
      "true",
    ]);
  const podmanRun = (p: Podman, runtime: "runc" | "crun", ...args: string[]) => () =>
    p.podman(runtime, [
      "run",
      "--rm",
      "--pull",
      "never",
      "--network",
      "none",
      ...ULIMITS,
      ...args,
      image,
      "true",
    ]);

  const setups: Setup[] = [
    {
      engine: "Docker 20.10, runc",
      container: "plain (no `--gpus`) / GPU (`--gpus all`)",
      hook: false,
      start: dockerRun(),
      times: [],
    },
    {
      engine: "Docker 20.10, runc",
      container: "plain (no `--gpus`) / GPU (`--gpus all`)",
      hook: true,
      start: dockerRun("--gpus", "all"),
      times: [],
    },
  ];
  for (const runtime of ["runc", "crun"] as const) {
    for (
      const [container, env] of [["plain", []], ["GPU (NVIDIA_VISIBLE_DEVICES=0)", [
        "-e",
        "NVIDIA_VISIBLE_DEVICES=0",
      ]]] as const
    ) {
      for (const [hook, p] of [[false, withoutHook], [true, withHook]] as const) {
        setups.push({
          engine: `Podman 4.3, ${runtime}`,
          container,
          hook,
          start: podmanRun(p, runtime, ...env),
          times: [],
        });
      }
    }
  }

  const once = async (s: Setup): Promise<number> => {
    const t0 = performance.now();
    const r = await s.start();
    const ms = performance.now() - t0;
    if (r.code !== 0 || r.stdout !== "" || r.stderr !== "") {
      throw new Error(
        `${s.engine} ${s.container} (hook ${s.hook}) exited ${r.code}: ${r.stderr}${r.stdout}`,
      );
    }
    return ms;
  };
  for (let i = 0; i < WARM_UP_ROUNDS; i++) for (const s of setups) await once(s);
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < setups.length; j++) {
      const s = setups[(i + j) % setups.length]!;
      s.times.push(await once(s));
    }
  }

  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const median = (xs: number[]) => {
    const s = sorted(xs);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  };
  const p90 = (xs: number[]) => sorted(xs)[Math.ceil(xs.length * 0.9) - 1]!;
  const f = (x: number) => x.toFixed(1);
  const js = Deno.env.get("HOOK_JS");
  out(
    `${runs} starts per setup, interleaved (rotating order), after ${WARM_UP_ROUNDS} warm-up rounds; ` +
      `deno ${Deno.version.deno}; hook: ${
        js ? `the bundle HOOK_JS=${js}` : "a fresh bundle"
      }, installed by scripts/install.ts`,
  );
  out("");
  out(
    "| Engine | Container | Without the hook: median (p90) ms | With the hook: median (p90) ms | The hook adds (medians) |",
  );
  out("|---|---|---:|---:|---:|");
  for (let k = 0; k < setups.length; k += 2) {
    const [a, b] = [setups[k]!, setups[k + 1]!];
    const [ma, mb] = [median(a.times), median(b.times)];
    const diff = mb - ma;
    out(
      `| ${a.engine} | ${a.container} | ${f(ma)} (${f(p90(a.times))}) | ${f(mb)} (${
        f(p90(b.times))
      }) | ` +
        `${diff >= 0 ? "+" : ""}${f(diff)} ms |`,
    );
  }
} catch (e) {
  // Reported after the clean-up below; Deno.exit() would skip it.
  Deno.stderr.writeSync(enc.encode(`bench_engines: ${e instanceof Error ? e.message : e}\n`));
  Deno.exitCode = 1;
} finally {
  if (dockerd !== undefined) await stopDockerd(dockerd);
  await waitFor(async () => (await processesMentioning(tmp)).length === 0, 10_000);
  if (!(await removeIfUnmounted(tools, tmp))) {
    Deno.stderr.writeSync(
      enc.encode(`bench_engines: left ${tmp}: something is still mounted there\n`),
    );
    Deno.exitCode = 1;
  }
}
