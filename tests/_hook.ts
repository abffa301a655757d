/**
 * Runs the hook as a process, the way a runtime does: `HOOK_BIN` when set (a
 * compiled binary), otherwise `HOOK_JS` (the bundle `deno task bundle`
 * writes, which the binary is compiled from) or `main.ts` under `deno run`
 * with exactly the permission flags the binary is compiled with.
 *
 * @module
 */

import { HOOK_PERMISSIONS } from "../scripts/_hook_permissions.ts";
import { registryEnv } from "../scripts/_registry_env.ts";

const REPO = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** The repository's root directory. */
export function repoDir(): string {
  return REPO;
}

/** The command (argv) that starts the hook, before its own arguments. */
export function hookCommand(): string[] {
  const bin = Deno.env.get("HOOK_BIN");
  if (bin !== undefined && bin !== "") return [bin];
  // HOOK_JS: the bundle the compile task compiles (deno task bundle).
  const js = Deno.env.get("HOOK_JS");
  const entry = js !== undefined && js !== ""
    ? (js.startsWith("/") ? js : `${Deno.cwd()}/${js}`)
    : `${REPO}/main.ts`;
  return [
    Deno.execPath(),
    "run",
    "--quiet",
    ...HOOK_PERMISSIONS,
    "--config",
    `${REPO}/deno.json`,
    entry,
  ];
}

/**
 * Variables Deno needs to find its cache when the hook runs from source;
 * empty for a compiled binary.
 */
export function launcherEnv(): Record<string, string> {
  const bin = Deno.env.get("HOOK_BIN");
  if (bin !== undefined && bin !== "") return {};
  const env: Record<string, string> = {};
  for (const name of ["HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/**
 * The whole environment of a child that runs scripts/install.ts (`deno task
 * install`) or anything else that may reach a package registry: `PATH`,
 * what Deno needs to find its cache (`HOME`, `DENO_DIR`, `XDG_CACHE_HOME`,
 * also for a compiled hook) and the caller's TLS, proxy and registry
 * variables ({@linkcode registryEnv}); on a fresh machine `deno bundle`
 * downloads esbuild from the npm registry, which without the caller's CA
 * or proxy fails with `invalid peer certificate: UnknownIssuer`.
 */
export function installEnv(path: string): Record<string, string> {
  const env: Record<string, string> = { PATH: path };
  for (const name of ["HOME", "DENO_DIR", "XDG_CACHE_HOME"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...registryEnv() };
}

/** The result of one hook run. */
export interface HookRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of {@linkcode runHook}. */
export interface RunOptions {
  args: readonly string[];
  stdin?: string | Uint8Array;
  /** The hook's whole environment (nothing is inherited). */
  env: Record<string, string>;
  cwd?: string;
}

/** Runs the hook to completion with a cleared environment. */
export async function runHook(options: RunOptions): Promise<HookRun> {
  const [cmd, ...pre] = hookCommand() as [string, ...string[]];
  const child = new Deno.Command(cmd, {
    args: [...pre, ...options.args],
    env: options.env,
    clearEnv: true,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const input = options.stdin ?? "";
  try {
    await writer.write(typeof input === "string" ? new TextEncoder().encode(input) : input);
    await writer.close();
  } catch {
    // The hook may exit before reading stdin (usage errors, poststart).
  }
  const out = await child.output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** A stand-in `nvidia-container-cli` that records its argv and environment. */
export interface FakeCli {
  /** Where the script is. */
  path: string;
  /** The argv it was run with (argv[0] as invoked), or `null` when it did not run. */
  argv(): string[] | null;
  /** The environment it received, or `null` when it did not run. */
  env(): Record<string, string> | null;
}

/**
 * Writes a stand-in CLI at `path` that records into `recordDir` and exits
 * with `exitCode`. It reads its environment from /proc so that nothing the
 * shell adds is recorded. Asked `--version`, it records nothing and prints
 * `cli-version: <version>` when `version` is given, else nothing (a CLI of
 * unknown version).
 */
export function writeFakeCli(
  path: string,
  recordDir: string,
  exitCode: number,
  version?: string,
): FakeCli {
  Deno.mkdirSync(recordDir, { recursive: true });
  const answer = version === undefined ? "" : `echo 'cli-version: ${version}'; `;
  Deno.writeTextFileSync(
    path,
    [
      "#!/bin/sh",
      `if [ "$1" = --version ]; then ${answer}exit 0; fi`,
      `printf '%s\\0' "$0" "$@" > '${recordDir}/argv'`,
      `cat /proc/$$/environ > '${recordDir}/env'`,
      `exit ${exitCode}`,
      "",
    ].join("\n"),
  );
  Deno.chmodSync(path, 0o755);
  const read = (name: string): string[] | null => {
    try {
      const text = Deno.readTextFileSync(`${recordDir}/${name}`);
      return text.split("\0").slice(0, -1);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return null;
      throw e;
    }
  };
  return {
    path,
    argv: () => read("argv"),
    env: () => {
      const entries = read("env");
      if (entries === null) return null;
      const env: Record<string, string> = {};
      for (const e of entries) {
        const eq = e.indexOf("=");
        env[e.slice(0, eq)] = e.slice(eq + 1);
      }
      return env;
    },
  };
}

/** What {@linkcode runningLine} shows. */
export interface RunningLineFacts {
  /** The state's id; absent for a state without one (shown `(no id)`). */
  id?: string | undefined;
  /** The CLI's `--device=` value (a list such as `0,1`), or `all` / `none`. */
  devices: string;
  /** The requirements, in order (none: `[]`). */
  requirements: readonly string[];
  /** The bundle directory (absolute). */
  bundle: string;
  /** The `-config` value prestart was given, if any. */
  config?: string | undefined;
}

/**
 * The one line prestart prints on stderr just before it becomes the CLI,
 * written here from the documented form (not from main.ts): container values
 * cut to 64 characters and JSON-quoted (the id without its quotes), the
 * explain command's words shell-quoted, control characters as `\uXXXX`.
 */
export function runningLine(o: RunningLineFacts): string {
  const cut = (s: string) => s.length > 64 ? `${s.slice(0, 64)}...` : s;
  const quoted = (s: string) => JSON.stringify(cut(s));
  const shell = (s: string) =>
    /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.split("'").join(`'\\''`)}'`;
  const id = o.id === undefined ? "(no id)" : quoted(o.id).slice(1, -1);
  const devices = o.devices === "all" || o.devices === "none" ? o.devices : quoted(o.devices);
  const requirements = o.requirements.length === 0 ? "none" : o.requirements.map(quoted).join(" ");
  const config = o.config === undefined ? "" : ` -config ${shell(o.config)}`;
  const line = `nvidia-container-runtime-hook: running nvidia-container-cli for container ${id}` +
    ` (devices ${devices}, requirements ${requirements}); if it fails, run:` +
    ` nvidia-container-runtime-hook${config} explain --bundle ${shell(o.bundle)}`;
  let out = "";
  for (const ch of line) {
    const c = ch.codePointAt(0)!;
    const control = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029;
    out += control ? `\\u${c.toString(16).padStart(4, "0")}` : ch;
  }
  return `${out}\n`;
}
