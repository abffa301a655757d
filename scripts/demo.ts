/**
 * Shows the hook's main job without a GPU: for a few example bundles from
 * tests/fixtures/bundles/, it pipes an OCI state into the hook (main.ts, run
 * with the compiled binary's permissions) and lets a stand-in
 * nvidia-container-cli print what it was asked to do.
 *
 * Run: deno task demo [bundle-name ...]
 */

import { HOOK_PERMISSIONS } from "./_hook_permissions.ts";

const repo = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const defaults = ["example-gpu", "example-legacy", "example-no-gpu"];
const names = Deno.args.length > 0 ? Deno.args : defaults;
const out = (s: string) => Deno.stdout.writeSync(new TextEncoder().encode(s + "\n"));

for (const name of names) {
  const bundle = `${repo}/tests/fixtures/bundles/${name}`;
  const env = JSON.parse(Deno.readTextFileSync(`${bundle}/config.json`)).process?.env ?? [];
  out(`== bundle ${name}`);
  out(`  container env: ${JSON.stringify(env.filter((e: string) => !e.startsWith("PATH=")))}`);
  const state = JSON.stringify({ ociVersion: "1.0.2", id: name, pid: 4242, bundle });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      ...HOOK_PERMISSIONS,
      `${repo}/main.ts`,
      "prestart",
    ],
    env: {
      // The stand-in CLI is found first on PATH; no host config file is read.
      PATH: `${repo}/scripts/stand-in:${Deno.env.get("PATH") ?? ""}`,
      NVIDIA_CONTAINER_RUNTIME_HOOK_CONFIG_PREFIX: `${repo}/scripts/stand-in/no-config`,
    },
    stdin: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(state));
  await writer.close();
  const { code } = await child.status;
  out(`  hook exit status ${code}`);
  out("");
}
