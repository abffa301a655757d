/**
 * The floor of scripts/bench.ts: the irreducible work of any hook written in
 * Deno, run with the hook's own flags. It reads all of stdin, parses it as
 * JSON, reads and parses `<bundle>/config.json`, runs the program named by
 * its first argument (the benchmark's stand-in CLI, which the hook execs
 * too; stdin empty, stdout and stderr inherited), and exits with its status.
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
  stdin: "null",
  stdout: "inherit",
  stderr: "inherit",
}).spawn();
Deno.exit((await child.status).code);
