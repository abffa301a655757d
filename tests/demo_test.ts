/**
 * The README's first command (`deno task demo`) must keep working: it runs
 * the hook on the example bundles and the stand-in CLI prints its argv.
 */

import assert from "node:assert/strict";
import { repoDir } from "./_hook.ts";

Deno.test("demo shows the CLI call for the GPU and legacy examples and none for the plain one", async () => {
  const repo = repoDir();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", "--allow-env", "--allow-run", `${repo}/scripts/demo.ts`],
    cwd: repo,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  const blocks = text.split("== bundle ").slice(1);
  assert.deepEqual(blocks.map((b) => b.split("\n")[0]), [
    "example-gpu",
    "example-legacy",
    "example-no-gpu",
  ]);
  const argvOf = (block: string) =>
    block.split("\n").filter((l) => l.startsWith("    ")).map((l) => l.trim());
  const [gpu, legacy, plain] = blocks as [string, string, string];
  const stub = `${repo}/scripts/stand-in/nvidia-container-cli`;
  assert.deepEqual(argvOf(gpu), [
    stub,
    "--load-kmods",
    "configure",
    "--device=0,1",
    "--compute",
    "--utility",
    "--require=cuda>=12.2 brand=tesla,driver>=470,driver<471",
    "--pid=4242",
    `${repo}/tests/fixtures/bundles/example-gpu/rootfs`,
  ]);
  assert.ok(argvOf(legacy).includes("--require=cuda>=9.0"), legacy);
  assert.ok(argvOf(legacy).includes("--device=all"), legacy);
  assert.deepEqual(argvOf(plain), []);
  assert.ok(plain.includes("hook exit status 0"), plain);
});
