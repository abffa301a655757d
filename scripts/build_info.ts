/**
 * Writes dist/build_info.json (the commit the binary is built from) for the
 * compile task, which embeds it next to the bundle with `--include`;
 * `-version` prints it.
 * Outside a git checkout it writes `{}` and the binary prints no commit.
 *
 * @module
 */

const repo = new URL("..", import.meta.url);
let commit: string | undefined;
try {
  const out = new Deno.Command("git", { args: ["rev-parse", "HEAD"], cwd: repo, stderr: "null" })
    .outputSync();
  const id = new TextDecoder().decode(out.stdout).trim();
  if (out.success && /^[0-9a-f]{40}$/.test(id)) commit = id;
} catch {
  // git is not installed: no commit line.
}
Deno.mkdirSync(new URL("dist", repo), { recursive: true });
Deno.writeTextFileSync(
  new URL("dist/build_info.json", repo),
  JSON.stringify(commit === undefined ? {} : { commit }) + "\n",
);
