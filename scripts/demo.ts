/**
 * The first run: shows the hook's main job without a GPU. For a few example
 * bundles from tests/fixtures/bundles/, it pipes an OCI state into the hook
 * (main.ts `prestart`, run with the compiled binary's permissions), as a
 * container runtime does before a container starts, and lets a stand-in
 * nvidia-container-cli (scripts/stand-in/) print the command line the hook
 * gave it. For a container that gets no GPU it says why, in the words of
 * `explain`. No config file is read: the built-in defaults apply.
 *
 * Run: deno task demo [bundle-name ...]
 */

import { HOOK_PERMISSIONS } from "./_hook_permissions.ts";

const repo = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const bundles = `${repo}/tests/fixtures/bundles`;
const standIn = `${repo}/scripts/stand-in`;
const defaults = ["example-gpu", "example-legacy", "example-no-gpu"];
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const out = (s: string) => Deno.stdout.writeSync(encoder.encode(s + "\n"));

/** The bundle names of the catalogue: directories holding a case.json. */
function catalogue(): string[] {
  const names: string[] = [];
  for (const entry of Deno.readDirSync(bundles)) {
    if (!entry.isDirectory) continue;
    try {
      if (Deno.statSync(`${bundles}/${entry.name}/case.json`).isFile) names.push(entry.name);
    } catch {
      // Not a case.
    }
  }
  return names.sort();
}

/** `names` as lines of at most `width` characters. */
function wrap(names: readonly string[], width = 100): string[] {
  const lines: string[] = [];
  let line = "";
  for (const name of names) {
    if (line !== "" && line.length + 1 + name.length > width) {
      lines.push(line);
      line = "";
    }
    line = line === "" ? name : `${line} ${name}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}

/** What the case says it shows, or nothing. */
function description(name: string): string {
  try {
    const text = JSON.parse(Deno.readTextFileSync(`${bundles}/${name}/case.json`)).description;
    return typeof text === "string" ? text : "";
  } catch {
    return "";
  }
}

/** The container's environment without PATH, or why it cannot be shown. */
function containerEnv(name: string): string[] {
  try {
    const env = JSON.parse(Deno.readTextFileSync(`${bundles}/${name}/config.json`))?.process?.env;
    if (!Array.isArray(env)) return ["(none)"];
    const shown = env.filter((e) => typeof e === "string" && !e.startsWith("PATH="));
    return shown.length > 0 ? shown : ["(none besides PATH)"];
  } catch (e) {
    return [`(config.json cannot be read: ${e instanceof Error ? e.message : String(e)})`];
  }
}

/** Runs main.ts with the hook's permissions, the stand-in CLI first on PATH and no config. */
async function hook(args: string[], stdin: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...HOOK_PERMISSIONS, `${repo}/main.ts`, ...args],
    env: {
      PATH: `${standIn}:${Deno.env.get("PATH") ?? ""}`,
      NVIDIA_CONTAINER_RUNTIME_HOOK_CONFIG_PREFIX: `${standIn}/no-config`,
    },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(encoder.encode(stdin));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** Why `explain` says the CLI is not run for this bundle. */
async function whyNot(bundle: string): Promise<string> {
  const r = await hook(["explain", "--json", "--bundle", bundle], "");
  try {
    const report = JSON.parse(r.stdout);
    return report.reason ?? report.error ?? "explain gave no reason";
  } catch {
    return `explain failed: ${r.stderr.trim()}`;
  }
}

const known = catalogue();
const names = Deno.args.length > 0 ? Deno.args : defaults;
const unknown = names.filter((n) => !known.includes(n));
if (unknown.length > 0) {
  const say = (s: string) => Deno.stderr.writeSync(encoder.encode(s + "\n"));
  say(
    `demo: no example bundle named ${
      unknown.map((n) => JSON.stringify(n)).join(", ")
    }; the names are:`,
  );
  for (const line of wrap(known)) say(`  ${line}`);
  Deno.exit(1);
}

out("What you are looking at: nvidia-container-runtime-hook run the way a container runtime");
out("(runc, crun) runs it just before a container starts, as its prestart hook, on example");
out("bundles from tests/fixtures/bundles/. The hook reads the container's config.json, decides");
out("whether it asked for GPUs and, if so, becomes nvidia-container-cli. Here the CLI is a");
out("stand-in (scripts/stand-in/) that prints the command line it was given: no GPU, driver");
out("or root needed. No config file is read: the built-in defaults apply.");

for (const name of names) {
  const bundle = `${bundles}/${name}`;
  out("");
  out(`== bundle ${name}`);
  const about = description(name);
  if (about !== "") out(`  ${about}`);
  out("  container environment (PATH left out):");
  for (const e of containerEnv(name)) out(`    ${e}`);
  const state = JSON.stringify({ ociVersion: "1.0.2", id: name, pid: 4242, bundle });
  const r = await hook(["prestart"], state);
  if (r.stderr !== "") {
    out("  the hook's stderr:");
    for (const line of r.stderr.trimEnd().split("\n")) out(`    ${line}`);
  }
  // The hook became the stand-in CLI, whose output is the hook's stdout.
  if (r.stdout !== "") out(r.stdout.trimEnd());
  else if (r.code === 0) out(`  nvidia-container-cli was not run: ${await whyNot(bundle)}`);
  else {out(
      "  nvidia-container-cli was not run: the hook refused the container (its error is above)",
    );}
  out(`  hook exit status ${r.code}`);
}

out("");
out("Why the hook decided as it did, for any bundle (one of these, or a directory holding");
out("your own config.json), with every variable and setting it used:");
out(
  `  PATH="$PWD/scripts/stand-in:$PATH" npx --yes deno@2.9.6 run --allow-read --allow-env --allow-run --no-prompt main.ts explain --bundle tests/fixtures/bundles/${
    names[0]
  }`,
);
out(
  "Other example bundles: npx --yes deno@2.9.6 task --no-lock demo NAME... (the names: ls tests/fixtures/bundles)",
);
