/**
 * The CLI suite: runs the hook as a process against every fixture bundle in
 * tests/fixtures/bundles/ (format in its README.md) with a stand-in
 * nvidia-container-cli, and asserts exit code, stderr, argv and environment.
 */

import assert from "node:assert/strict";
import { type FakeCli, launcherEnv, repoDir, runHook, writeFakeCli } from "./_hook.ts";

const BUNDLES = `${repoDir()}/tests/fixtures/bundles`;
const DEFAULT_STDIN = '{"pid": 4242, "bundle": "<bundle>"}';
const P = "nvidia-container-runtime-hook: ";

interface Case {
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
function readCase(dir: string): Case {
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

async function runCase(name: string, t: Deno.TestContext): Promise<void> {
  const src = `${BUNDLES}/${name}`;
  const c = readCase(src);
  const tmp = Deno.makeTempDirSync({ prefix: `hook-cli-${name}-` });
  try {
    const bundle = `${tmp}/bundle`;
    Deno.mkdirSync(`${tmp}/bin`);
    const cliPath = `${tmp}/${CLI_LOCATIONS[c.installCli === "none" ? "path" : c.installCli]}`;
    const fill = (s: string) =>
      s.replaceAll("<tmp>", tmp).replaceAll("<bundle>", bundle).replaceAll("<cli>", cliPath);
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
    let cli: FakeCli | undefined;
    if (c.installCli !== "none") {
      Deno.mkdirSync(cliPath.slice(0, cliPath.lastIndexOf("/")), { recursive: true });
      cli = writeFakeCli(cliPath, `${tmp}/record`, c.cliExit, c.cliVersion);
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
    const cmdAt = c.args.indexOf("prestart");
    let explain: Record<string, unknown> | undefined;
    if (cmdAt >= 0) {
      // explain --json first: same inputs, and it must not run the CLI.
      const r = await runHook({
        args: [...c.args.slice(0, cmdAt), "explain", "--json"].map(fill),
        stdin: fill(c.stdin),
        env: hookEnv,
        cwd: c.cwd === "tmp" ? tmp : bundle,
      });
      assert.equal(cli?.argv() ?? null, null, "explain does not run the CLI");
      explain = JSON.parse(r.stdout);
      if (!c.args.some((a) => a.includes("debug"))) assert.equal(r.stderr, "", "explain stderr");
      assert.equal(r.code, explain?.["error"] === null ? 0 : 1, "explain exit code");
    }
    const run = await runHook({
      args: c.args.map(fill),
      stdin: fill(c.stdin),
      env: hookEnv,
      cwd: c.cwd === "tmp" ? tmp : bundle,
    });
    const unfill = (s: string) => s.replaceAll(tmp, "<tmp>");

    assert.equal(run.stdout, "", "the hook writes nothing on stdout");
    if (c.expect.stderr !== null) assert.equal(run.stderr, fill(c.expect.stderr), "stderr");
    assert.equal(run.code, c.expect.exit, `exit code (stderr: ${run.stderr})`);
    const argv = cli?.argv() ?? null;
    assert.deepEqual(argv, c.expect.argv === null ? null : c.expect.argv.map(fill), "CLI argv");
    if (explain !== undefined) {
      assert.deepEqual(explain["argv"], argv, "explain --json argv equals the argv prestart ran");
      const failed = argv === null && run.code !== 0;
      const error = failed ? run.stderr.trimEnd().split("\n").at(-1)?.slice(P.length) : null;
      assert.equal(explain["error"], error, "explain reports the error prestart prints");
    }
    const env = cli?.env() ?? null;
    if (env !== null) {
      const expected: Record<string, string> = { ...hookEnv };
      if (c.expect.path !== undefined) expected["PATH"] = fill(c.expect.path);
      for (const [k, v] of Object.entries(c.expect.cliEnv)) expected[k] = fill(v);
      assert.deepEqual(env, expected, "CLI environment");
    }
    const changedEnv: Record<string, string> = {};
    for (const [k, v] of Object.entries(env ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (hookEnv[k] !== v) changedEnv[k] = unfill(v);
    }
    await t.assertSnapshot({
      exit: run.code,
      argv: argv?.map(unfill) ?? null,
      cliEnvChanges: env === null ? null : changedEnv,
    });
    if (explain !== undefined) {
      await t.assertSnapshot(JSON.parse(unfill(JSON.stringify(explain))), {
        name: `${name} explain`,
      });
    }
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
}

function bundleNames(): string[] {
  return [...Deno.readDirSync(BUNDLES)].filter((e) => e.isDirectory).map((e) => e.name).sort();
}

Deno.test("hook CLI: the catalogue holds at least 40 bundles", () => {
  const names = bundleNames();
  assert.ok(names.length >= 40, `at least 40 bundles, found ${names.length}`);
});

Deno.test("hook CLI: fixture bundles", async (t) => {
  for (const name of bundleNames()) {
    await t.step(name, (t) => runCase(name, t));
  }
});
