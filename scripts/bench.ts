/**
 * Startup benchmark: the hook against the floor of any Deno hook, measured
 * side by side in one run (interleaved, after a warm-up), as medians and
 * ratios. Run: deno task bench [runs]
 *
 * (a) floor: a minimal Deno program run the same way as the hook: reads all
 *     of stdin, parses it and <bundle>/config.json, spawns /bin/true, exits
 *     with its status;
 * (b) the hook on a non-GPU bundle;
 * (c) the hook on a GPU bundle, with a config.toml whose `path` is /bin/true.
 */

import { HOOK_PERMISSIONS } from "./_hook_permissions.ts";

const repo = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const runs = Number(Deno.args[0] ?? "50");
const tmp = Deno.makeTempDirSync({ prefix: "hook-bench-" });
const enc = new TextEncoder();
const out = (s: string) => Deno.stdout.writeSync(enc.encode(s + "\n"));

const FLOOR = `
const chunks = [];
const buf = new Uint8Array(65536);
for (;;) { const n = Deno.stdin.readSync(buf); if (n === null) break; chunks.push(buf.slice(0, n)); }
const state = JSON.parse(new TextDecoder().decode(chunks.length === 1 ? chunks[0] : new Uint8Array(await new Blob(chunks).arrayBuffer())));
JSON.parse(Deno.readTextFileSync(state.bundle + "/config.json"));
const { code } = await new Deno.Command("/bin/true", { stdin: "null", stdout: "inherit", stderr: "inherit" }).spawn().status;
Deno.exit(code);
`;

function bundle(name: string, env: string[]): string {
  const dir = `${tmp}/${name}`;
  Deno.mkdirSync(dir);
  Deno.writeTextFileSync(
    `${dir}/config.json`,
    JSON.stringify({ ociVersion: "1.0.2", process: { env }, root: { path: "rootfs" } }),
  );
  return dir;
}

Deno.writeTextFileSync(`${tmp}/floor.ts`, FLOOR);
Deno.writeTextFileSync(`${tmp}/config.toml`, '[nvidia-container-cli]\npath = "/bin/true"\n');
const plain = bundle("plain", ["PATH=/usr/bin:/bin", "HOSTNAME=x"]);
const gpu = bundle("gpu", [
  "PATH=/usr/bin:/bin",
  "NVIDIA_VISIBLE_DEVICES=0,1",
  "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
  "NVIDIA_REQUIRE_CUDA=cuda>=12.0",
]);

const deno = Deno.execPath();
const cases = [
  { name: "(a) floor", args: ["run", ...HOOK_PERMISSIONS, `${tmp}/floor.ts`], bundle: plain },
  {
    name: "(b) hook, non-GPU",
    args: [
      "run",
      ...HOOK_PERMISSIONS,
      `${repo}/main.ts`,
      "-config",
      `${tmp}/config.toml`,
      "prestart",
    ],
    bundle: plain,
  },
  {
    name: "(c) hook, GPU",
    args: [
      "run",
      ...HOOK_PERMISSIONS,
      `${repo}/main.ts`,
      "-config",
      `${tmp}/config.toml`,
      "prestart",
    ],
    bundle: gpu,
  },
];

async function once(args: string[], bundleDir: string): Promise<number> {
  const start = performance.now();
  const child = new Deno.Command(deno, { args, stdin: "piped", stdout: "null", stderr: "inherit" })
    .spawn();
  const w = child.stdin.getWriter();
  await w.write(enc.encode(JSON.stringify({ pid: 1, bundle: bundleDir })));
  await w.close();
  const { code } = await child.status;
  if (code !== 0) throw new Error(`${args.join(" ")} exited ${code}`);
  return performance.now() - start;
}

const times = cases.map(() => [] as number[]);
for (let i = 0; i < 3; i++) for (const c of cases) await once(c.args, c.bundle);
for (let i = 0; i < runs; i++) {
  for (const [k, c] of cases.entries()) times[k]!.push(await once(c.args, c.bundle));
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const p90 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.9)]!;
const floor = median(times[0]!);
out(`runs: ${runs} each, interleaved, after 3 warm-up rounds; deno ${Deno.version.deno}`);
out("case                  median ms   p90 ms   ratio to (a)");
for (const [k, c] of cases.entries()) {
  const m = median(times[k]!);
  out(
    `${c.name.padEnd(20)}  ${m.toFixed(1).padStart(9)}  ${p90(times[k]!).toFixed(1).padStart(7)}` +
      `   ${(m / floor).toFixed(2)}`,
  );
}
Deno.removeSync(tmp, { recursive: true });
