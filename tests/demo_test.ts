/**
 * The README's first command (`deno task demo`) must keep working and keep
 * explaining itself: it runs the hook on the example bundles, the stand-in
 * CLI prints its argv, a container without a GPU gets explain's reason, the
 * end points at `explain --bundle`, an unknown name gets one line and the
 * names, and nothing is downloaded on the way.
 */

import assert from "node:assert/strict";
import { repoDir } from "./_hook.ts";
import { hostDefaultLdconfig } from "./_cases.ts";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `deno task --no-lock demo ARGS` (the README's command) in the repository, with a fresh DENO_DIR when asked. */
async function demo(args: string[], denoDir?: string): Promise<Run> {
  const env: Record<string, string> = { NO_COLOR: "1" };
  if (denoDir !== undefined) env["DENO_DIR"] = denoDir;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "--no-lock", "demo", ...args],
    cwd: repoDir(),
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The lines of `block` under the line `heading`, indented by four spaces. */
function under(block: string, heading: string): string[] {
  const lines = block.split("\n");
  const at = lines.indexOf(heading);
  if (at < 0) return [];
  const rest = lines.slice(at + 1);
  const end = rest.findIndex((l) => !l.startsWith("    "));
  return (end < 0 ? rest : rest.slice(0, end)).map((l) => l.slice(4));
}

Deno.test("demo shows the CLI call for the GPU and legacy examples and why none for the plain one", async () => {
  const repo = repoDir();
  const denoDir = Deno.makeTempDirSync({ prefix: "hook-demo-" });
  try {
    const r = await demo([], denoDir);
    assert.equal(r.code, 0, r.stderr);
    // deno task's own line only: no download of a test-only package, no error.
    assert.deepEqual(
      r.stderr.split("\n").filter((l) => l !== "" && !l.startsWith("Task demo ")),
      [],
    );
    assert.ok(r.stdout.startsWith("What you are looking at: nvidia-container-runtime-hook"));
    const endAt = r.stdout.indexOf("\n\nWhy the hook decided as it did");
    assert.ok(endAt > 0, r.stdout);
    const [intro, ...blocks] = r.stdout.slice(0, endAt + 1).split("\n== bundle ");
    assert.ok(intro?.includes("stand-in (scripts/stand-in/)"), intro);
    assert.deepEqual(blocks.map((b) => b.split("\n")[0]), [
      "example-gpu",
      "example-legacy",
      "example-no-gpu",
    ]);
    const [gpu, legacy, plain] = blocks as [string, string, string];
    const ran = "  nvidia-container-cli was run as:";
    const stub = `${repo}/scripts/stand-in/nvidia-container-cli`;
    const bundles = `${repo}/tests/fixtures/bundles`;
    assert.deepEqual(under(gpu, "  container environment (PATH left out):"), [
      "NVARCH=x86_64",
      "NVIDIA_REQUIRE_CUDA=cuda>=12.2 brand=tesla,driver>=470,driver<471",
      "CUDA_VERSION=12.2.2",
      "NVIDIA_VISIBLE_DEVICES=0,1",
      "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
    ]);
    assert.deepEqual(under(gpu, "  the hook's stderr:"), [
      "nvidia-container-runtime-hook: running nvidia-container-cli for container example-gpu" +
      ' (devices "0,1", requirements "cuda>=12.2 brand=tesla,driver>=470,driver<471");' +
      ` if it fails, run: nvidia-container-runtime-hook explain --bundle ${bundles}/example-gpu`,
    ]);
    assert.deepEqual(under(gpu, ran), [
      stub,
      "--load-kmods",
      "configure",
      `--ldconfig=${hostDefaultLdconfig()}`,
      "--device=0,1",
      "--compute",
      "--utility",
      "--require=cuda>=12.2 brand=tesla,driver>=470,driver<471",
      "--pid=4242",
      `${bundles}/example-gpu/rootfs`,
    ]);
    assert.ok(gpu.endsWith("\n  hook exit status 0\n"), gpu);
    // A legacy image: all devices, every capability (sorted by name) and cuda>=9.0.
    assert.deepEqual(under(legacy, ran), [
      stub,
      "--load-kmods",
      "configure",
      `--ldconfig=${hostDefaultLdconfig()}`,
      "--device=all",
      "--compat32",
      "--compute",
      "--display",
      "--graphics",
      "--ngx",
      "--utility",
      "--video",
      "--require=cuda>=9.0",
      "--pid=4242",
      `${bundles}/example-legacy/rootfs`,
    ]);
    assert.deepEqual(under(plain, ran), []);
    assert.deepEqual(under(plain, "  the hook's stderr:"), []);
    assert.deepEqual(plain.split("\n").slice(-5), [
      "  container environment (PATH left out):",
      "    HOSTNAME=web",
      "  nvidia-container-cli was not run: NVIDIA_VISIBLE_DEVICES is not set",
      "  hook exit status 0",
      "",
    ]);
    const tail = r.stdout.slice(endAt + 2).split("\n");
    assert.equal(tail.length, 5, r.stdout);
    assert.equal(
      tail[2],
      `  PATH="$PWD/scripts/stand-in:$PATH" npx --yes deno@2.9.6 run --allow-read --allow-env` +
        " --allow-run --no-prompt main.ts explain --bundle tests/fixtures/bundles/example-gpu",
    );
    assert.equal(
      tail[3],
      "Other example bundles: npx --yes deno@2.9.6 task --no-lock demo NAME..." +
        " (the names: ls tests/fixtures/bundles)",
    );
    assert.equal(tail[4], "");
  } finally {
    Deno.removeSync(denoDir, { recursive: true });
  }
});

Deno.test("demo of a bundle that the hook refuses says the CLI was not run", async () => {
  const r = await demo(["caps-unknown"]);
  assert.equal(r.code, 0, r.stderr);
  const block = r.stdout.split("\n== bundle ")[1] ?? "";
  const lines = block.split("\n");
  assert.ok(
    lines.includes(
      "  nvidia-container-cli was not run: the hook refused the container (its error is above)",
    ),
    block,
  );
  assert.ok(lines.includes("  hook exit status 1"), block);
  assert.ok(
    under(block, "  the hook's stderr:")[0]?.startsWith(
      'nvidia-container-runtime-hook: container caps-unknown: Unknown driver capability "gaming"',
    ),
    block,
  );
});

Deno.test("demo of an unknown bundle name prints one line and the names, exit 1", async (t) => {
  const names = [...Deno.readDirSync(`${repoDir()}/tests/fixtures/bundles`)]
    .filter((e) => e.isDirectory).map((e) => e.name).sort();
  for (
    const [args, shown] of [
      [["nope"], '"nope"'],
      [["example-gpu", "../example-gpu", "x y"], '"../example-gpu", "x y"'],
    ] as const
  ) {
    await t.step(args.join(" "), async () => {
      const r = await demo([...args]);
      assert.equal(r.code, 1);
      assert.equal(r.stdout, "");
      const lines = r.stderr.split("\n").filter((l) => !l.startsWith("Task demo "));
      assert.equal(lines[0], `demo: no example bundle named ${shown}; the names are:`);
      const listed = lines.slice(1).join(" ").split(" ").filter((w) => w !== "");
      assert.deepEqual(listed, names);
      assert.ok(!r.stderr.includes("Uncaught"), r.stderr);
    });
  }
});
