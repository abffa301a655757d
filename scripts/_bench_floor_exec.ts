/**
 * Not a budget reference of scripts/bench.ts, only a line of its table: the
 * floor (scripts/_bench_floor.ts) with its spawn-and-wait replaced by the
 * least an exec() costs a Deno program: `Deno.dlopen` of libc with the one
 * symbol `execve`, and the call, with no environment and stdin left as it
 * is. It shows what FFI's exec() saves and costs against `Deno.Command`;
 * docs/performance.md explains why the budget keeps the spawning floor.
 *
 * @module
 */

const chunks: Uint8Array[] = [];
let size = 0;
for (;;) {
  const buf = new Uint8Array(65536);
  const n = Deno.stdin.readSync(buf);
  if (n === null) break;
  chunks.push(buf.subarray(0, n));
  size += n;
}
const all = new Uint8Array(size);
let at = 0;
for (const c of chunks) {
  all.set(c, at);
  at += c.length;
}
const state = JSON.parse(new TextDecoder().decode(all));
JSON.parse(Deno.readTextFileSync(`${state.bundle}/config.json`));
const encoder = new TextEncoder();
const libc = Deno.dlopen(
  "libc.so.6",
  {
    execve: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
  } as const,
);
const args = [Deno.args[0] ?? "/bin/true", "configure", `--pid=${state.pid}`, "--", "/"]
  .map((a) => encoder.encode(`${a}\0`));
const argv = new BigUint64Array(args.length + 1);
args.forEach((a, i) => (argv[i] = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(a)))));
libc.symbols.execve(args[0]!, argv, new BigUint64Array(1));
Deno.exit(127);
