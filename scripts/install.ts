/**
 * Installs the hook without `deno compile` (which downloads denort): the
 * bundle, the operator commands' bundle beside it, their build_info.json
 * and a launcher that runs the bundle with the
 * Deno binary that ran this script, offline, with exactly the permission
 * flags the compile task compiles the hook with (scripts/_hook_permissions.ts).
 *
 *   PREFIX/lib/nvidia-container-runtime-hook/nvidia-container-runtime-hook.js
 *   PREFIX/lib/nvidia-container-runtime-hook/nvidia-container-runtime-hook-operator.js
 *   PREFIX/lib/nvidia-container-runtime-hook/build_info.json
 *   PREFIX/lib/nvidia-container-runtime-hook/deno     (only when Deno ran from an npm cache)
 *   PREFIX/lib/nvidia-container-runtime-hook/cache/   (the launcher's DENO_DIR)
 *   PREFIX/bin/nvidia-container-runtime-hook          (the launcher, a sh script)
 *   PREFIX/bin/nvidia-container-toolkit               (symlink to the launcher)
 *
 * The Deno binary: `--deno PATH` when given, else the one running this
 * script. When that one lives in an npm cache (`npx deno@...`: a path with a
 * `node_modules` or `_npx` segment), it is hard-linked (or copied) into the
 * lib directory, so that the hook keeps working after the cache is cleaned.
 *
 * Every file is staged in the lib directory, the staged bundle is run with
 * `-version` and `print-oci-hook` (which loads the operator bundle) the way
 * the launcher runs it, and only then is each file renamed into place, the
 * hook's bundle last: `prestart` never loads the operator bundle, so a
 * container starting during an upgrade runs the old hook or the new one,
 * never half of one, and a bundle that does not run replaces nothing.
 *
 * Run: deno task install [--prefix DIR] [--bundle FILE] [--deno PATH]
 *
 * @module
 */

import { HOOK_PERMISSIONS } from "./_hook_permissions.ts";

/** The hook's file name, in bin/ and as the bundle's. */
export const HOOK_NAME = "nvidia-container-runtime-hook";

/**
 * The bundle of the operator commands (operator.ts), which the hook's
 * bundle loads from beside itself for `explain`, `check-config`, `doctor`
 * and the like (`deno task bundle` writes both).
 */
export const OPERATOR_FILE = `${HOOK_NAME}-operator.js`;

/** The second name upstream installs the hook under. */
export const TOOLKIT_NAME = "nvidia-container-toolkit";

/** The default `--prefix`. */
export const DEFAULT_PREFIX = "/usr/local";

/**
 * What the launcher passes to `deno run` before the permission flags: no
 * output from Deno itself, no config or lock file discovered from the
 * runtime's working directory (the container's bundle), nothing fetched.
 */
export const OFFLINE_FLAGS: readonly string[] = [
  "--quiet",
  "--no-config",
  "--no-lock",
  "--no-remote",
  "--no-npm",
  "--cached-only",
];

/** The environment the launcher sets (besides `DENO_DIR`): no update check. */
export const LAUNCHER_ENV: Readonly<Record<string, string>> = { DENO_NO_UPDATE_CHECK: "1" };

const USAGE = "Usage: deno task install [--prefix DIR] [--bundle FILE] [--deno PATH]";

/** The options of an install. */
export interface InstallOptions {
  /** Absolute; default {@link DEFAULT_PREFIX}. */
  prefix: string;
  /**
   * An existing bundle to install, with the operator bundle beside it (and
   * the build_info.json, if any); else both are built.
   */
  bundle: string | undefined;
  /** The Deno binary the launcher runs, used in place; else the running one. */
  deno: string | undefined;
}

/** Where an install puts its files. */
export interface InstallLayout {
  libDir: string;
  bundle: string;
  operator: string;
  buildInfo: string;
  denoDir: string;
  launcher: string;
  toolkit: string;
}

/** The paths of an install into `prefix`. */
export function installLayout(prefix: string): InstallLayout {
  const base = prefix.replace(/\/+$/, "");
  const libDir = `${base}/lib/${HOOK_NAME}`;
  return {
    libDir,
    bundle: `${libDir}/${HOOK_NAME}.js`,
    operator: `${libDir}/${OPERATOR_FILE}`,
    buildInfo: `${libDir}/build_info.json`,
    denoDir: `${libDir}/cache`,
    launcher: `${base}/bin/${HOOK_NAME}`,
    toolkit: `${base}/bin/${TOOLKIT_NAME}`,
  };
}

class UsageFailure extends Error {}

/** Parses the script's arguments; throws with a one-line message. */
export function parseInstallArgs(args: readonly string[]): InstallOptions {
  const options: InstallOptions = { prefix: DEFAULT_PREFIX, bundle: undefined, deno: undefined };
  const names = { "--prefix": "prefix", "--bundle": "bundle", "--deno": "deno" } as const;
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as string;
    const eq = word.indexOf("=");
    const flag = eq > 0 ? word.slice(0, eq) : word;
    if (!(flag in names)) {
      throw new UsageFailure(`Unknown argument ${JSON.stringify(word)}`);
    }
    const value = eq > 0 ? word.slice(eq + 1) : args[++i];
    if (value === undefined) throw new UsageFailure(`${flag} needs a value`);
    if (!value.startsWith("/")) {
      throw new UsageFailure(`${flag} must be an absolute path, got ${JSON.stringify(value)}`);
    }
    options[names[flag as keyof typeof names]] = value;
  }
  return options;
}

/** `s` as one single-quoted POSIX shell word. */
function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/**
 * The launcher's text: sets `DENO_DIR` and {@link LAUNCHER_ENV}, then execs
 * `deno run` with {@link OFFLINE_FLAGS}, {@link HOOK_PERMISSIONS} and the
 * bundle, passing the hook's arguments on (a runtime's argv[0] is not).
 */
export function launcherText(
  deno: string,
  layout: InstallLayout,
  origin = "scripts/install.ts (deno task install)",
): string {
  const env = { DENO_DIR: layout.denoDir, ...LAUNCHER_ENV };
  const argv = [deno, "run", ...OFFLINE_FLAGS, ...HOOK_PERMISSIONS, layout.bundle];
  return [
    "#!/bin/sh",
    `# ${HOOK_NAME}, installed by ${origin}: the bundled hook,`,
    "# run offline by the Deno binary below with the permissions of the compiled hook.",
    ...Object.entries(env).map(([k, v]) => `export ${k}=${shellQuote(v)}`),
    `exec ${argv.map(shellQuote).join(" ")} "$@"`,
    "",
  ].join("\n");
}

/** Whether `path` lies in an npm cache (a `node_modules` or `_npx` segment). */
export function inNpmCache(path: string): boolean {
  return path.split("/").some((s) => s === "node_modules" || s === "_npx");
}

const repo = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/**
 * The argv of each `deno bundle` command of the bundle task (deno.json),
 * with its `--output` moved into `dir` (same file name): the bundles are
 * built exactly as `deno task bundle` builds them, without writing to dist/.
 */
export function bundleArgvs(tasks: Record<string, string>, dir: string): string[][] {
  const commands = (tasks["bundle"] ?? "").split(" && ").filter((c) =>
    c.startsWith("deno bundle ")
  );
  if (commands.length === 0) {
    throw new Error(`the bundle task runs no "deno bundle ... --output FILE"`);
  }
  return commands.map((command) => {
    const words = command.split(" ");
    const at = words.indexOf("--output");
    if (at < 0 || at + 1 >= words.length) {
      throw new Error(`the bundle task's ${JSON.stringify(command)} has no "--output FILE"`);
    }
    const output = words[at + 1] as string;
    words[at + 1] = `${dir}/${output.slice(output.lastIndexOf("/") + 1)}`;
    return words.slice(1);
  });
}

async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdin: "null" }).output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${out.code}): ${dec.decode(out.stderr)}`);
  }
  return dec.decode(out.stdout);
}

/** The commit of the checkout, as scripts/build_info.ts writes it. */
export async function buildInfo(): Promise<string> {
  let commit: string | undefined;
  try {
    const id = (await run("git", ["rev-parse", "HEAD"], repo)).trim();
    if (/^[0-9a-f]{40}$/.test(id)) commit = id;
  } catch {
    // Not a git checkout, or no git: no commit line in -version.
  }
  return JSON.stringify(commit === undefined ? {} : { commit }) + "\n";
}

/** Puts the Deno binary at `target`: a hard link when possible, else a copy. */
function placeDeno(source: string, target: string): void {
  try {
    Deno.linkSync(source, target);
  } catch {
    Deno.copyFileSync(source, target);
    Deno.chmodSync(target, 0o755);
  }
}

/** The first line of `-version` from `bundle` run as the launcher runs it; throws otherwise. */
export async function checkVersion(deno: string, bundle: string, denoDir: string): Promise<string> {
  const out = await new Deno.Command(deno, {
    args: ["run", ...OFFLINE_FLAGS, ...HOOK_PERMISSIONS, bundle, "-version"],
    clearEnv: true,
    env: { DENO_DIR: denoDir, ...LAUNCHER_ENV },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  const first = dec.decode(out.stdout).split("\n")[0] ?? "";
  if (!out.success || !first.startsWith("NVIDIA Container Runtime Hook version ")) {
    throw new Error(
      `the bundle does not run: -version exited ${out.code} with ` +
        `${JSON.stringify(first)} ${
          JSON.stringify(dec.decode(out.stderr).trim())
        }; nothing installed`,
    );
  }
  return first;
}

/**
 * That the operator bundle beside `bundle` loads: `print-oci-hook` (an
 * operator command) run as the launcher runs it; throws otherwise.
 */
export async function checkOperator(deno: string, bundle: string, denoDir: string): Promise<void> {
  const out = await new Deno.Command(deno, {
    args: ["run", ...OFFLINE_FLAGS, ...HOOK_PERMISSIONS, bundle, "print-oci-hook"],
    clearEnv: true,
    env: { DENO_DIR: denoDir, ...LAUNCHER_ENV },
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  if (!out.success || !dec.decode(out.stdout).startsWith("{")) {
    throw new Error(
      `the operator bundle does not load: print-oci-hook exited ${out.code} with ` +
        `${JSON.stringify(dec.decode(out.stderr).trim())}; nothing installed`,
    );
  }
}

/**
 * Installs per `options`: builds (or takes) the bundle and the operator
 * bundle, stages them with their build_info.json (and the Deno binary, when copied) in the lib directory,
 * checks that the staged bundle runs (`-version`), then renames everything
 * into place and writes the launcher and the second name. A bundle that
 * does not run replaces nothing.
 */
export async function install(
  options: InstallOptions,
): Promise<{ layout: InstallLayout; deno: string; version: string }> {
  const layout = installLayout(options.prefix);
  const binDir = layout.launcher.slice(0, layout.launcher.lastIndexOf("/"));
  Deno.mkdirSync(layout.libDir, { recursive: true });
  Deno.mkdirSync(layout.denoDir, { recursive: true });
  Deno.mkdirSync(binDir, { recursive: true });
  const stage = `${layout.libDir}/.install-${Deno.pid}`;
  Deno.mkdirSync(stage);
  try {
    const staged = {
      bundle: `${stage}/${HOOK_NAME}.js`,
      operator: `${stage}/${OPERATOR_FILE}`,
      buildInfo: `${stage}/build_info.json`,
    };
    if (options.bundle !== undefined) {
      Deno.copyFileSync(options.bundle, staged.bundle);
      const dir = options.bundle.slice(0, options.bundle.lastIndexOf("/"));
      try {
        Deno.copyFileSync(`${dir}/${OPERATOR_FILE}`, staged.operator);
      } catch {
        throw new Error(
          `no ${OPERATOR_FILE} beside ${options.bundle} (deno task bundle writes both); ` +
            "nothing installed",
        );
      }
      const beside = `${dir}/build_info.json`;
      let info = "{}\n";
      try {
        info = Deno.readTextFileSync(beside);
      } catch {
        // No build_info.json: -version prints no commit.
      }
      Deno.writeTextFileSync(staged.buildInfo, info);
    } else {
      const config = JSON.parse(Deno.readTextFileSync(`${repo}/deno.json`));
      for (const argv of bundleArgvs(config.tasks, stage)) await run(Deno.execPath(), argv, repo);
      Deno.writeTextFileSync(staged.buildInfo, await buildInfo());
    }
    Deno.chmodSync(staged.bundle, 0o644);
    Deno.chmodSync(staged.operator, 0o644);
    Deno.chmodSync(staged.buildInfo, 0o644);

    let deno = options.deno ?? Deno.realPathSync(Deno.execPath());
    let stagedDeno: string | undefined;
    if (options.deno === undefined && inNpmCache(deno)) {
      stagedDeno = `${stage}/deno`;
      placeDeno(deno, stagedDeno);
    }
    if (!Deno.statSync(stagedDeno ?? deno).isFile) throw new Error(`${deno} is not a file`);
    const version = await checkVersion(stagedDeno ?? deno, staged.bundle, layout.denoDir);
    await checkOperator(stagedDeno ?? deno, staged.bundle, layout.denoDir);

    if (stagedDeno !== undefined) {
      deno = `${layout.libDir}/deno`;
      Deno.renameSync(stagedDeno, deno);
    }
    Deno.renameSync(staged.buildInfo, layout.buildInfo);
    Deno.renameSync(staged.operator, layout.operator);
    Deno.renameSync(staged.bundle, layout.bundle);
    const launcher = `${stage}/launcher`;
    Deno.writeTextFileSync(launcher, launcherText(deno, layout), { mode: 0o755 });
    Deno.chmodSync(launcher, 0o755);
    Deno.renameSync(launcher, layout.launcher);
    const link = `${layout.toolkit}.install-${Deno.pid}`;
    Deno.symlinkSync(HOOK_NAME, link);
    Deno.renameSync(link, layout.toolkit);
    return { layout, deno, version };
  } finally {
    Deno.removeSync(stage, { recursive: true });
  }
}

if (import.meta.main) {
  const say = (s: string) => Deno.stderr.writeSync(new TextEncoder().encode(s + "\n"));
  let options: InstallOptions;
  try {
    options = parseInstallArgs(Deno.args);
  } catch (e) {
    if (!(e instanceof UsageFailure)) throw e;
    say(`install: ${e.message}\n${USAGE}`);
    Deno.exit(2);
  }
  try {
    const { layout, deno, version } = await install(options);
    const lines = [
      `installed ${layout.launcher} (${version})`,
      `  bundle ${layout.bundle}`,
      `         ${layout.operator}`,
      `  deno   ${deno}`,
      `  alias  ${layout.toolkit} -> ${HOOK_NAME}`,
    ];
    Deno.stdout.writeSync(new TextEncoder().encode(lines.join("\n") + "\n"));
  } catch (e) {
    say(`install: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  }
}
