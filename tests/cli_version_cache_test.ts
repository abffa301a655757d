/**
 * The CLI version cache as a process sees it: main.ts keeps the version
 * `nvidia-container-cli --version` gave in
 * `/run/nvidia-container-runtime-hook/cli-version.json`, keyed by the CLI
 * file's path, device, inode, size, mtime and ctime, and asks again when any
 * of them changed. The cache is only used without
 * `NVIDIA_CONTAINER_RUNTIME_HOOK_CONFIG_PREFIX` (the tests' stand-in for
 * `/etc`), so each hook here runs in a private mount namespace with a temp
 * directory bind-mounted over `/run`: the real `/run` is neither read nor
 * written, and other suites using the real cache at the same time cannot
 * change what these hooks find. Needs root and util-linux's `unshare`;
 * skipped otherwise, except under `CI=true`.
 */

import assert from "node:assert/strict";
import { hookCommand, launcherEnv, runningLine } from "./_hook.ts";

const CACHE = "nvidia-container-runtime-hook/cli-version.json";
const dec = new TextDecoder();

function missing(): string | undefined {
  const id = new Deno.Command("id", { args: ["-u"], stderr: "null" }).outputSync();
  if (dec.decode(id.stdout) !== "0\n") return "not root";
  for (const tool of ["/usr/bin/unshare", "/usr/bin/mount"]) {
    try {
      Deno.statSync(tool);
    } catch {
      return `no ${tool}`;
    }
  }
  return undefined;
}

const why = missing();
const inCi = Deno.env.get("CI") === "true";
if (why !== undefined && !inCi) {
  Deno.stderr.writeSync(new TextEncoder().encode(`cli_version_cache_test.ts: skipped: ${why}\n`));
}

/** A temp dir with a GPU bundle, a config naming the CLI, and the `/run` to mount. */
function setup() {
  const tmp = Deno.makeTempDirSync({ prefix: "hook-cli-cache-" });
  for (const dir of ["bundle", "bin", "run", "record"]) Deno.mkdirSync(`${tmp}/${dir}`);
  Deno.writeTextFileSync(
    `${tmp}/bundle/config.json`,
    JSON.stringify({
      ociVersion: "1.0.2",
      process: { env: ["NVIDIA_VISIBLE_DEVICES=0"] },
      root: { path: "rootfs" },
    }),
  );
  const cli = `${tmp}/bin/nvidia-container-cli`;
  Deno.writeTextFileSync(`${tmp}/c.toml`, `[nvidia-container-cli]\npath = "${cli}"\n`);
  // No NVIDIA_CONTAINER_RUNTIME_HOOK_CONFIG_PREFIX: the cache is used.
  const env: Record<string, string> = {
    ...launcherEnv(),
    PATH: "/usr/bin:/bin",
    NVIDIA_CTK_CONFIG_FILE_PATH: `${tmp}/c.toml`,
  };
  return { tmp, cli, env, state: JSON.stringify({ pid: 4242, bundle: `${tmp}/bundle` }) };
}

/**
 * Writes (in place, so the inode stays) a CLI that counts `--version` calls
 * and answers `version`, and records the compat options of `configure`.
 */
function writeCli(cli: string, record: string, version: string): void {
  Deno.writeTextFileSync(
    cli,
    [
      "#!/bin/sh",
      `if [ "$1" = --version ]; then echo x >> '${record}/asked'; echo 'cli-version: ${version}'; exit 0; fi`,
      `printf '%s\\n' "$@" > '${record}/argv'`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  Deno.chmodSync(cli, 0o755);
}

/** Runs `prestart` in a private mount namespace with `run` bind-mounted over `/run`. */
async function prestart(run: string, env: Record<string, string>, state: string) {
  const child = new Deno.Command("/usr/bin/unshare", {
    args: [
      "--mount",
      "--propagation",
      "private",
      "/bin/sh",
      "-c",
      'mount --bind "$0" /run && exec "$@"',
      run,
      ...hookCommand(),
      "prestart",
    ],
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    signal: AbortSignal.timeout(60_000),
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(state));
  await writer.close();
  const out = await child.output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

Deno.test({
  name:
    "main() asks the CLI --version again when only its ctime changed (same path, inode, size, mtime)",
  ignore: why !== undefined && !inCi,
  async fn(t) {
    assert.equal(why, undefined, `CI=true and ${why}`);
    const s = setup();
    const record = `${s.tmp}/record`;
    const asked = () => {
      try {
        return Deno.readTextFileSync(`${record}/asked`).split("\n").length - 1;
      } catch {
        return 0;
      }
    };
    const compat = () =>
      Deno.readTextFileSync(`${record}/argv`).split("\n").filter((a) => /compat|cntlibs/.test(a));
    const start = async () => {
      const r = await prestart(`${s.tmp}/run`, s.env, s.state);
      assert.deepEqual(r, {
        code: 0,
        stdout: "",
        stderr: runningLine({ devices: "0", requirements: [], bundle: `${s.tmp}/bundle` }),
      });
    };
    // A whole second, so that the restored mtime is the same to the nanosecond.
    const mtime = new Date("2024-01-02T03:04:05Z");
    try {
      writeCli(s.cli, record, "1.17.8");
      Deno.utimeSync(s.cli, mtime, mtime);
      await t.step("first start: --version, and the answer is cached under /run", async () => {
        await start();
        assert.equal(asked(), 1);
        assert.deepEqual(compat(), ["--cuda-compat-mode=ldconfig"]);
        const entry = JSON.parse(Deno.readTextFileSync(`${s.tmp}/run/${CACHE}`));
        assert.equal(entry.version, "1.17.8");
      });
      await t.step("second start: from the cache, no --version", async () => {
        await start();
        assert.equal(asked(), 1);
        assert.deepEqual(compat(), ["--cuda-compat-mode=ldconfig"]);
      });
      await t.step("the file rewritten in place, mtime restored: asked again", async () => {
        const before = Deno.statSync(s.cli);
        // Deno's FileInfo.ctime is whole seconds (main.ts sees no finer): let
        // the second of the last change pass, so that the new ctime differs.
        const last = before.ctime?.getTime() ?? 0;
        await new Promise((ok) => setTimeout(ok, Math.max(0, last + 1050 - Date.now())));
        // Same length: 1.17.8 -> 1.17.5 (a CLI that takes --no-cntlibs instead).
        writeCli(s.cli, record, "1.17.5");
        Deno.utimeSync(s.cli, mtime, mtime);
        const after = Deno.statSync(s.cli);
        // Only the ctime tells the two files apart (main.ts compares times in ms).
        const key = (i: Deno.FileInfo) => [i.dev, i.ino, i.size, i.mtime?.getTime()];
        assert.deepEqual(key(after), key(before));
        assert.notEqual(after.ctime?.getTime(), before.ctime?.getTime());
        await start();
        assert.equal(asked(), 2);
        assert.deepEqual(compat(), ["--no-cntlibs"]);
        const entry = JSON.parse(Deno.readTextFileSync(`${s.tmp}/run/${CACHE}`));
        assert.equal(entry.version, "1.17.5");
      });
    } finally {
      Deno.removeSync(s.tmp, { recursive: true });
    }
  },
});
