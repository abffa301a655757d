/**
 * The fixture bundles of tests/fixtures/bundles/ (format in its README.md):
 * reading a case.json strictly, and laying out a case in a temp dir (bundle
 * copy, host files, config file, a CLI at the case's place) for the suites
 * that run them: the CLI suite with a stand-in CLI (tests/cli_test.ts) and
 * the real-CLI suite (tests/real_cli_test.ts).
 *
 * @module
 */

import { launcherEnv, repoDir } from "./_hook.ts";

/**
 * The `--ldconfig=` value the hook passes when none is configured, on this
 * host: `@/sbin/ldconfig.real` when that file exists (Debian-family hosts
 * with the wrapper), else `@/sbin/ldconfig` (placeholder `<ldconfig>`).
 */
export function hostDefaultLdconfig(): string {
  try {
    Deno.statSync("/sbin/ldconfig.real");
    return "@/sbin/ldconfig.real";
  } catch {
    return "@/sbin/ldconfig";
  }
}

/** The fixture bundles. */
export const BUNDLES = `${repoDir()}/tests/fixtures/bundles`;
/** The state on stdin unless a case says otherwise. */
export const DEFAULT_STDIN = '{"pid": 4242, "bundle": "<bundle>"}';

/** One case.json, with its defaults filled in. */
export interface Case {
  description: string;
  args: string[];
  stdin: string;
  cwd: "tmp" | "bundle";
  hostEnv: Record<string, string>;
  configVia: "search" | "driver" | "flag" | "xdg" | "ctk";
  hostFiles: string[];
  installCli: "path" | "root" | "custom" | "none";
  cliExit: number;
  /** What the stand-in says to `--version` (`cli-version: X`); absent: nothing. */
  cliVersion: string | undefined;
  expect: {
    exit: number;
    argv: string[] | null;
    stderr: string | null;
    path: string | undefined;
    cliEnv: Record<string, string>;
  };
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], key: string): T {
  if (typeof v === "string" && (allowed as readonly string[]).includes(v)) return v as T;
  throw new Error(`case.json: "${key}" must be one of ${allowed.join(", ")}`);
}

function strings(v: unknown, key: string): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) {
    throw new Error(`case.json: "${key}" must be an array of strings`);
  }
  return v;
}

function stringMap(v: unknown, key: string): Record<string, string> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw new Error(`case.json: "${key}" must be an object`);
  }
  for (const s of Object.values(v)) {
    if (typeof s !== "string") throw new Error(`case.json: "${key}" values must be strings`);
  }
  return v as Record<string, string>;
}

function optionalString(v: unknown, key: string): string | undefined {
  if (v === undefined || typeof v === "string") return v;
  throw new Error(`case.json: "${key}" must be a string`);
}

function onlyKeys(obj: object, keys: string[], where: string): void {
  for (const k of Object.keys(obj)) {
    if (!keys.includes(k)) throw new Error(`case.json: unknown key "${k}" in ${where}`);
  }
}

/** Reads case.json strictly, so that a typo in a fixture cannot pass silently. */
export function readCase(dir: string): Case {
  const raw = JSON.parse(Deno.readTextFileSync(`${dir}/case.json`));
  onlyKeys(raw, [
    "description",
    "args",
    "stdin",
    "cwd",
    "hostEnv",
    "configVia",
    "installCli",
    "cliExit",
    "cliVersion",
    "hostFiles",
    "expect",
  ], "case");
  const e = raw.expect;
  if (typeof e !== "object" || e === null) throw new Error('case.json: "expect" is required');
  onlyKeys(e, ["exit", "argv", "stderr", "path", "cliEnv"], "expect");
  if (typeof raw.description !== "string") throw new Error('case.json: "description" required');
  if (typeof e.exit !== "number") throw new Error('case.json: "expect.exit" required');
  if (e.argv !== null) strings(e.argv, "expect.argv");
  if (e.stderr !== undefined && e.stderr !== null && typeof e.stderr !== "string") {
    throw new Error('case.json: "expect.stderr" must be a string or null');
  }
  return {
    description: raw.description,
    args: raw.args === undefined ? ["prestart"] : strings(raw.args, "args"),
    stdin: raw.stdin ?? DEFAULT_STDIN,
    cwd: raw.cwd === undefined ? "tmp" : oneOf(raw.cwd, ["tmp", "bundle"], "cwd"),
    hostEnv: raw.hostEnv === undefined ? {} : stringMap(raw.hostEnv, "hostEnv"),
    configVia: raw.configVia === undefined
      ? "search"
      : oneOf(raw.configVia, ["search", "driver", "flag", "xdg", "ctk"], "configVia"),
    hostFiles: raw.hostFiles === undefined ? [] : strings(raw.hostFiles, "hostFiles"),
    installCli: raw.installCli === undefined
      ? "path"
      : oneOf(raw.installCli, ["path", "root", "custom", "none"], "installCli"),
    cliExit: raw.cliExit ?? 0,
    cliVersion: optionalString(raw.cliVersion, "cliVersion"),
    expect: {
      exit: e.exit,
      argv: e.argv,
      stderr: e.stderr === undefined ? "" : e.stderr,
      path: e.path,
      cliEnv: e.cliEnv === undefined ? {} : stringMap(e.cliEnv, "expect.cliEnv"),
    },
  };
}

const CLI_LOCATIONS = {
  path: "bin/nvidia-container-cli",
  root: "driver/usr/bin/nvidia-container-cli",
  custom: "custom/my-cli",
} as const;

function copyDir(from: string, to: string): void {
  Deno.mkdirSync(to, { recursive: true });
  for (const entry of Deno.readDirSync(from)) {
    if (entry.isDirectory) copyDir(`${from}/${entry.name}`, `${to}/${entry.name}`);
    else if (entry.name !== "case.json" && entry.name !== "config.toml") {
      Deno.copyFileSync(`${from}/${entry.name}`, `${to}/${entry.name}`);
    }
  }
}

const CONFIG_PLACES = {
  search: "prefix/etc/nvidia-container-runtime/config.toml",
  driver: "prefix/run/nvidia/driver/etc/nvidia-container-runtime/config.toml",
  flag: "config.toml",
  xdg: "xdg/nvidia-container-runtime/config.toml",
  ctk: "ctk/config.toml",
} as const;

/** A case laid out in its temp dir, ready to run. */
export interface PreparedCase {
  c: Case;
  tmp: string;
  bundle: string;
  /** Where the case's CLI is (also when none is installed). */
  cliPath: string;
  /** Replaces the placeholders `<tmp>`, `<bundle>` and `<cli>`. */
  fill(s: string): string;
  /** The hook's whole environment. */
  hookEnv: Record<string, string>;
  /** Removes the temp dir. */
  done(): void;
}

/**
 * Lays out case `name`; `writeCli(path, tmp, c)` installs the CLI at the
 * case's place (unless `installCli` is `none`).
 */
export function prepareCase(
  name: string,
  writeCli: (path: string, tmp: string, c: Case) => void,
): PreparedCase {
  const src = `${BUNDLES}/${name}`;
  const c = readCase(src);
  const tmp = Deno.makeTempDirSync({ prefix: `hook-cli-${name}-` });
  const bundle = `${tmp}/bundle`;
  Deno.mkdirSync(`${tmp}/bin`);
  const cliPath = `${tmp}/${CLI_LOCATIONS[c.installCli === "none" ? "path" : c.installCli]}`;
  const fill = (s: string) =>
    s.replaceAll("<tmp>", tmp).replaceAll("<bundle>", bundle).replaceAll("<cli>", cliPath)
      .replaceAll("<ldconfig>", hostDefaultLdconfig());
  copyDir(src, bundle);
  for (const file of c.hostFiles) {
    if (file.startsWith("/") || file.split("/").includes("..")) {
      throw new Error(`case.json: "hostFiles" entries must be relative paths under <tmp>`);
    }
    Deno.mkdirSync(`${tmp}/${file}`.slice(0, `${tmp}/${file}`.lastIndexOf("/")), {
      recursive: true,
    });
    Deno.writeTextFileSync(`${tmp}/${file}`, "");
  }
  if (c.installCli !== "none") {
    Deno.mkdirSync(cliPath.slice(0, cliPath.lastIndexOf("/")), { recursive: true });
    writeCli(cliPath, tmp, c);
  }
  try {
    const toml = Deno.readTextFileSync(`${src}/config.toml`);
    const place = `${tmp}/${CONFIG_PLACES[c.configVia]}`;
    Deno.mkdirSync(place.slice(0, place.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(place, fill(toml));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const hookEnv: Record<string, string> = {
    ...launcherEnv(),
    PATH: `${tmp}/bin:/usr/bin:/bin`,
    NVIDIA_CONTAINER_RUNTIME_HOOK_CONFIG_PREFIX: `${tmp}/prefix`,
    HOST_MARKER: "host",
  };
  for (const [k, v] of Object.entries(c.hostEnv)) hookEnv[k] = fill(v);
  return {
    c,
    tmp,
    bundle,
    cliPath,
    fill,
    hookEnv,
    done: () => Deno.removeSync(tmp, { recursive: true }),
  };
}

/** The names of the fixture bundles, sorted. */
export function bundleNames(): string[] {
  return [...Deno.readDirSync(BUNDLES)].filter((e) => e.isDirectory).map((e) => e.name).sort();
}
