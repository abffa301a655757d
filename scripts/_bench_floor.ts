/**
 * The floor of scripts/bench.ts: the irreducible work of any hook written in
 * Deno, run with the hook's own permission flags. It reads all of stdin,
 * parses it as JSON, reads and parses `<bundle>/config.json`, runs the CLI
 * named by its first argument (the benchmark's stand-in
 * nvidia-container-cli, the same binary the hook execs) with an empty stdin
 * and stdout and stderr inherited, waits for it and exits with its status.
 *
 * It spawns and waits, the way any Deno program runs another one
 * (`Deno.Command`), rather than exec()ing through FFI as the hook does:
 * see docs/performance.md for why, and for what an exec()ing floor costs.
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
const child = new Deno.Command(Deno.args[0] ?? "/bin/true", {
  args: ["configure", `--pid=${state.pid}`, "--compute", "--utility", "--", "/"],
  stdin: "null",
  stdout: "inherit",
  stderr: "inherit",
}).spawn();
Deno.exit((await child.status).code);
