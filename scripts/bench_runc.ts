/**
 * What the hook costs a container start: runc starts the same busybox
 * container (command `true`) N times in each of four setups, interleaved in
 * one run (each round in a rotated order) after warm-up rounds, and this prints the medians and what our
 * hook adds over a `/bin/true` hook, in milliseconds and as a ratio.
 *
 * (a) no hook;
 * (b) `/bin/true` as the prestart hook;
 * (c) our hook, on a container without NVIDIA variables;
 * (d) our hook, on a GPU container, with a config.toml whose
 *     `nvidia-container-cli.path` is `/bin/true` (a CLI that exits at once).
 *
 * The hook is `HOOK_BIN` when set, else the bundle `HOOK_JS` when set (what the
 * compile task compiles), otherwise main.ts from source through the
 * suite's launcher (tests/_e2e.ts). Needs root, runc and busybox-static.
 *
 * Run: deno task bench:runc [N]   (N >= 30, default 30)
 */

import {
  busyboxApplets,
  hookEntry,
  installHook,
  isRoot,
  isStaticElf,
  removeCgroups,
  runProcess,
  which,
  writeBundle,
} from "../tests/_e2e.ts";

const MIN_RUNS = 30;
const WARM_UP_ROUNDS = 3;
const START_TIMEOUT_MS = 60_000;

const enc = new TextEncoder();
const out = (s: string) => Deno.stdout.writeSync(enc.encode(s + "\n"));
const fail = (s: string): never => {
  Deno.stderr.writeSync(enc.encode(`bench_runc: ${s}\n`));
  Deno.exit(1);
};

const runs = Number(Deno.args[0] ?? String(MIN_RUNS));
if (!Number.isInteger(runs) || runs < MIN_RUNS) {
  fail(`N must be an integer of at least ${MIN_RUNS}, got ${JSON.stringify(Deno.args[0])}`);
}
if (!(await isRoot())) fail("must run as root (runc needs it)");
const runc = which("runc") ?? fail("runc is not installed (apt-get install runc)");
const busybox = which("busybox") ??
  fail("busybox is not installed (apt-get install busybox-static)");
if (!isStaticElf(busybox)) fail(`${busybox} is not statically linked (install busybox-static)`);

const tmp = await Deno.makeTempDir({ prefix: "hook-bench-runc-" });
const state = `${tmp}/state`;
const id = tmp.split("/").at(-1) as string;

async function runcDo(...args: string[]) {
  return await runProcess([runc, "--root", state, ...args], { timeoutMs: START_TIMEOUT_MS });
}

try {
  Deno.mkdirSync(`${tmp}/bin`);
  const hook = installHook(`${tmp}/bin/nvidia-container-runtime-hook`);
  const prefix = `${tmp}/prefix`;
  Deno.mkdirSync(`${prefix}/etc/nvidia-container-runtime`, { recursive: true });
  Deno.writeTextFileSync(
    `${prefix}/etc/nvidia-container-runtime/config.toml`,
    '[nvidia-container-cli]\npath = "/bin/true"\n',
  );
  const applets = await busyboxApplets(busybox);
  const gpuEnv = [
    "NVIDIA_VISIBLE_DEVICES=0,1",
    "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
    "NVIDIA_REQUIRE_CUDA=cuda>=12.0",
  ];
  const trueHook = { ...hookEntry("/bin/true"), args: ["true"] };
  const cases = [
    { name: "(a) no hook", env: [] as string[], hooks: undefined },
    { name: "(b) /bin/true hook", env: [], hooks: { prestart: [trueHook] } },
    {
      name: "(c) our hook, non-GPU",
      env: [],
      hooks: { prestart: [hookEntry(hook, prefix)] },
    },
    { name: "(d) our hook, GPU", env: gpuEnv, hooks: { prestart: [hookEntry(hook, prefix)] } },
  ].map((c, k) => {
    const bundle = `${tmp}/bundle-${k}`;
    writeBundle(bundle, busybox, applets, {
      args: ["true"],
      env: c.env,
      ...(c.hooks === undefined ? {} : { hooks: c.hooks }),
    });
    return { name: c.name, bundle, times: [] as number[] };
  });

  const once = async (bundle: string): Promise<number> => {
    const t0 = performance.now();
    const r = await runProcess([runc, "--root", state, "run", "--bundle", bundle, id], {
      timeoutMs: START_TIMEOUT_MS,
      cwd: tmp,
      onTimeout: () => runcDo("delete", "--force", id),
    });
    const ms = performance.now() - t0;
    if (r.code !== 0 || r.stdout !== "" || r.stderr !== "") {
      throw new Error(`runc run of ${bundle} exited ${r.code}: ${r.stderr}${r.stdout}`);
    }
    return ms;
  };

  for (let i = 0; i < WARM_UP_ROUNDS; i++) for (const c of cases) await once(c.bundle);
  // Each round starts at the next case, so that no case always follows the same one.
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < cases.length; j++) {
      const c = cases[(i + j) % cases.length]!;
      c.times.push(await once(c.bundle));
    }
  }

  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const median = (xs: number[]) => {
    const s = sorted(xs);
    const mid = Math.floor(s.length / 2);
    return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  };
  const p90 = (xs: number[]) => sorted(xs)[Math.ceil(xs.length * 0.9) - 1]!;
  const [a, b, c, d] = cases.map((k) => median(k.times)) as [number, number, number, number];
  const runcVersion = (await runProcess([runc, "--version"], { timeoutMs: 10_000 })).stdout
    .split("\n")[0];
  const js = Deno.env.get("HOOK_JS");
  const hookKind = Deno.env.get("HOOK_BIN")
    ? `HOOK_BIN=${hook}`
    : js
    ? `the bundle HOOK_JS=${js} (deno task bundle)`
    : "main.ts from source";
  const ms = (x: number) => x.toFixed(1).padStart(9);
  const plus = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}`.padStart(10);

  out(`${runcVersion}; deno ${Deno.version.deno}; hook: ${hookKind}`);
  out(
    `${runs} starts per case, interleaved (rotating order), after ${WARM_UP_ROUNDS} warm-up rounds`,
  );
  out("");
  out("case                     median ms   p90 ms   vs (a) ms   vs (b) ms   ratio to (b)");
  for (const [k, cs] of cases.entries()) {
    const m = median(cs.times);
    out(
      `${cs.name.padEnd(23)}  ${ms(m)} ${ms(p90(cs.times))}  ${
        k === 0 ? "         -" : plus(m - a)
      }` +
        `  ${k <= 1 ? "         -" : plus(m - b)}   ${(m / b).toFixed(2).padStart(12)}`,
    );
  }
  out("");
  out(
    `our hook adds ${(c - b).toFixed(1)} ms to a non-GPU container start and ` +
      `${(d - b).toFixed(1)} ms to a GPU one, over a /bin/true hook ` +
      `(ratio ${(c / b).toFixed(2)} and ${(d / b).toFixed(2)})`,
  );
} catch (e) {
  // Reported after the clean-up below; Deno.exit() would skip it.
  Deno.stderr.writeSync(enc.encode(`bench_runc: ${e instanceof Error ? e.message : e}\n`));
  Deno.exitCode = 1;
} finally {
  await runcDo("delete", "--force", id).catch(() => {});
  await removeCgroups(id).catch(() => {});
  await Deno.remove(tmp, { recursive: true });
}
