/**
 * `deno task install` (scripts/install.ts): installs into a temp prefix the
 * way the task runs it, then checks the files, the launcher's text (exactly
 * the compile task's permission flags, from scripts/_hook_permissions.ts,
 * and the offline flags, each of which `deno run --help` knows), and runs
 * the installed launcher: `-version`, and `prestart` with a stand-in CLI.
 */

import assert from "node:assert/strict";
import { HOOK_PERMISSIONS } from "../scripts/_hook_permissions.ts";
import {
  bundleArgvs,
  DEFAULT_PREFIX,
  inNpmCache,
  installLayout,
  launcherText,
  OFFLINE_FLAGS,
  OPERATOR_FILE,
  parseInstallArgs,
} from "../scripts/install.ts";
import { REGISTRY_ENV_NAMES, registryEnv } from "../scripts/_registry_env.ts";
import { installEnv, repoDir, runningLine, writeFakeCli } from "./_hook.ts";

const HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const dec = new TextDecoder();

/** Runs scripts/install.ts as the install task does (same flags), with `args`. */
async function runInstall(args: string[]) {
  const config = JSON.parse(Deno.readTextFileSync(`${repoDir()}/deno.json`));
  const task: string[] = (config.tasks.install as string).split(" ");
  assert.deepEqual(task.slice(0, 2), ["deno", "run"]);
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...task.slice(1, -1), `${repoDir()}/${task.at(-1)}`, ...args],
    cwd: repoDir(),
    clearEnv: true,
    env: installEnv(HOST_PATH),
    stdin: "null",
    signal: AbortSignal.timeout(120_000),
  }).output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Runs `path` with `args`, `env` only and `stdin`. */
async function runLauncher(
  path: string,
  args: string[],
  env: Record<string, string>,
  stdin = "",
  cwd?: string,
) {
  const child = new Deno.Command(path, {
    args,
    env,
    clearEnv: true,
    ...(cwd === undefined ? {} : { cwd }),
    signal: AbortSignal.timeout(30_000),
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(stdin));
  await writer.close();
  const out = await child.output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** The words of a POSIX shell line of plain, single-quoted and backslash-escaped parts. */
function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === " " || c === "\t") {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      assert.ok(end > i, `unterminated quote in ${line}`);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === "\\") {
      word = (word ?? "") + (line[++i] ?? "");
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

function gitHead(): string | undefined {
  try {
    const out = new Deno.Command("git", {
      args: ["rev-parse", "HEAD"],
      cwd: repoDir(),
      stderr: "null",
    })
      .outputSync();
    const id = dec.decode(out.stdout).trim();
    return out.success && /^[0-9a-f]{40}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

let shared: Promise<{ prefix: string; result: Awaited<ReturnType<typeof runInstall>> }> | undefined;

/** One install into a temp prefix, shared by the tests that only look at it. */
function sharedInstall() {
  shared ??= (async () => {
    const prefix = await Deno.makeTempDir({ prefix: "hook-install-" });
    globalThis.addEventListener("unload", () => {
      try {
        Deno.removeSync(prefix, { recursive: true });
      } catch {
        // Best effort.
      }
    });
    return { prefix, result: await runInstall(["--prefix", prefix]) };
  })();
  return shared;
}

Deno.test("install --prefix: the files, their modes, and the second name", async () => {
  const { prefix, result } = await sharedInstall();
  const l = installLayout(prefix);
  assert.equal(result.stderr, "");
  assert.equal(result.code, 0);
  const lines = result.stdout.split("\n");
  assert.match(
    lines[0] ?? "",
    new RegExp(`^installed ${l.launcher} \\(NVIDIA Container Runtime Hook version \\S+\\)$`),
  );
  const mode = (path: string) => (Deno.statSync(path).mode ?? 0) & 0o777;
  assert.equal(mode(l.launcher), 0o755);
  assert.equal(mode(l.bundle), 0o644);
  assert.equal(mode(l.operator), 0o644);
  assert.equal(mode(l.buildInfo), 0o644);
  assert.ok(Deno.statSync(l.denoDir).isDirectory);
  assert.equal(Deno.readLinkSync(l.toolkit), "nvidia-container-runtime-hook");
  const head = gitHead();
  assert.deepEqual(
    JSON.parse(Deno.readTextFileSync(l.buildInfo)),
    head === undefined ? {} : { commit: head },
  );
  // Nothing staged or half-written is left next to the installed files.
  for (const dir of [l.libDir, `${prefix}/bin`]) {
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.includes(".install-")),
      [],
    );
  }
});

Deno.test("install: the launcher runs the bundle with exactly HOOK_PERMISSIONS, offline", async () => {
  const { prefix } = await sharedInstall();
  const l = installLayout(prefix);
  const text = Deno.readTextFileSync(l.launcher);
  const lines = text.split("\n");
  assert.equal(lines[0], "#!/bin/sh");
  const execLine = lines.find((line) => line.startsWith("exec ")) as string;
  const words = shellWords(execLine);
  assert.equal(words.at(-1), '"$@"');
  const [exec, deno, ...argv] = words.slice(0, -1);
  assert.equal(exec, "exec");
  assert.deepEqual(argv, ["run", ...OFFLINE_FLAGS, ...HOOK_PERMISSIONS, l.bundle]);
  // Every permission word of the launcher is one of HOOK_PERMISSIONS, in order.
  assert.deepEqual(
    words.filter((w) => /^--(allow|deny)-|^--no-prompt$|^-A$|^--allow-all$/.test(w)),
    [...HOOK_PERMISSIONS],
  );
  assert.ok((deno as string).startsWith("/"), deno);
  assert.ok(Deno.statSync(deno as string).isFile);
  const exported = lines.filter((line) => line.startsWith("export ")).map(shellWords);
  assert.deepEqual(exported, [
    ["export", `DENO_DIR=${l.denoDir}`],
    ["export", "DENO_NO_UPDATE_CHECK=1"],
  ]);
  assert.equal(text, launcherText(deno as string, l));
});

Deno.test("install: the Deno binary out of an npm cache is placed in the lib directory", async () => {
  const { prefix } = await sharedInstall();
  const l = installLayout(prefix);
  const running = Deno.realPathSync(Deno.execPath());
  const deno = launcherDeno(l.launcher);
  if (inNpmCache(running)) {
    assert.equal(deno, `${l.libDir}/deno`);
    assert.equal(Deno.statSync(deno).size, Deno.statSync(running).size);
    assert.ok(((Deno.statSync(deno).mode ?? 0) & 0o111) !== 0);
  } else {
    assert.equal(deno, running);
  }
});

Deno.test("install: each flag of the launcher is a flag of this deno run", async () => {
  // `deno run --help` lists run's flags; `deno --help` the global ones (--quiet).
  let help = "";
  for (const args of [["run", "--help"], ["--help"]]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args,
      env: { NO_COLOR: "1" },
      signal: AbortSignal.timeout(30_000),
    }).output();
    help += dec.decode(out.stdout);
  }
  for (const flag of [...OFFLINE_FLAGS, ...HOOK_PERMISSIONS]) {
    const name = flag.split("=")[0] as string;
    assert.match(help, new RegExp(`(^|[\\s,])${name}(\\[|\\s|=|,|$)`, "m"), `${name} in help`);
  }
});

Deno.test("install: the installed launcher and its second name print the version", async (t) => {
  const { prefix } = await sharedInstall();
  const l = installLayout(prefix);
  const meta = JSON.parse(Deno.readTextFileSync(`${repoDir()}/deno.json`));
  const head = gitHead();
  const expected = `NVIDIA Container Runtime Hook version ${meta.version}\n` +
    (head === undefined ? "" : `commit: ${head}\n`);
  for (const path of [l.launcher, l.toolkit]) {
    await t.step(path.slice(path.lastIndexOf("/") + 1), async () => {
      // No HOME, no DENO_DIR: the launcher brings what Deno needs.
      const r = await runLauncher(path, ["-version"], {});
      assert.deepEqual(r, { code: 0, stdout: expected, stderr: "" });
    });
  }
});

Deno.test("install: prestart through the launcher runs the CLI with the hook's argv", async () => {
  const { prefix } = await sharedInstall();
  const l = installLayout(prefix);
  const tmp = await Deno.makeTempDir({ prefix: "hook-install-run-" });
  try {
    const cli = writeFakeCli(`${tmp}/nvidia-container-cli`, `${tmp}/record`, 0);
    Deno.writeTextFileSync(
      `${tmp}/config.toml`,
      `[nvidia-container-cli]\npath = ${JSON.stringify(cli.path)}\n`,
    );
    // The runtime's working directory is the bundle; a deno.json there is not read.
    const bundle = `${tmp}/bundle`;
    Deno.mkdirSync(bundle);
    Deno.copyFileSync(
      `${repoDir()}/tests/fixtures/bundles/example-gpu/config.json`,
      `${bundle}/config.json`,
    );
    Deno.writeTextFileSync(`${bundle}/deno.json`, "{ not json");
    const state = JSON.stringify({ ociVersion: "1.0.2", id: "x", pid: 4242, bundle });
    const env = { PATH: "/usr/bin:/bin", NVIDIA_CTK_CONFIG_FILE_PATH: `${tmp}/config.toml` };
    const r = await runLauncher(l.launcher, ["prestart"], env, state, bundle);
    const requirements = ["cuda>=12.2 brand=tesla,driver>=470,driver<471"];
    assert.deepEqual(r, {
      code: 0,
      stdout: "",
      stderr: runningLine({ id: "x", devices: "0,1", requirements, bundle }),
    });
    assert.deepEqual(cli.argv(), [
      cli.path,
      "--load-kmods",
      "configure",
      // No ldconfig configured: the host's, Ubuntu's ldconfig.real where it exists.
      `--ldconfig=${hostLdconfig()}`,
      "--device=0,1",
      "--compute",
      "--utility",
      "--require=cuda>=12.2 brand=tesla,driver>=470,driver<471",
      "--pid=4242",
      `${bundle}/rootfs`,
    ]);
    // The hook hands its environment on: the launcher's DENO_DIR,
    // DENO_NO_UPDATE_CHECK and (from sh) PWD come with it.
    assert.deepEqual(cli.env(), {
      ...env,
      DENO_DIR: l.denoDir,
      DENO_NO_UPDATE_CHECK: "1",
      PWD: bundle,
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

/** The `--ldconfig` value the hook passes when none is configured. */
function hostLdconfig(): string {
  try {
    Deno.statSync("/sbin/ldconfig.real");
    return "@/sbin/ldconfig.real";
  } catch {
    return "@/sbin/ldconfig";
  }
}

/** The Deno binary a launcher runs (the second word of its exec line). */
function launcherDeno(launcher: string): string {
  const line = Deno.readTextFileSync(launcher).split("\n").find((x) => x.startsWith("exec "));
  return shellWords(line ?? "")[1] as string;
}

Deno.test("install --bundle --deno: that bundle and its build_info.json, run by that Deno", async () => {
  const { prefix } = await sharedInstall();
  const l = installLayout(prefix);
  const tmp = await Deno.makeTempDir({ prefix: "hook-install-bundle-" });
  try {
    Deno.copyFileSync(l.bundle, `${tmp}/hook.js`);
    Deno.copyFileSync(l.operator, `${tmp}/${OPERATOR_FILE}`);
    Deno.writeTextFileSync(`${tmp}/build_info.json`, `{"commit":"${"c0ffee".repeat(6)}beef"}\n`);
    const deno = launcherDeno(l.launcher);
    const target = `${tmp}/prefix`;
    const r = await runInstall(["--prefix", target, `--bundle=${tmp}/hook.js`, "--deno", deno]);
    assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 0, stderr: "" });
    const t = installLayout(target);
    assert.equal(Deno.readTextFileSync(t.bundle), Deno.readTextFileSync(l.bundle));
    assert.equal(Deno.readTextFileSync(t.operator), Deno.readTextFileSync(l.operator));
    assert.equal(launcherDeno(t.launcher), deno);
    const v = await runLauncher(t.launcher, ["-version"], {});
    assert.equal(v.stdout.split("\n")[1], `commit: ${"c0ffee".repeat(6)}beef`);
    // Used in place: no copy of Deno in the lib directory.
    assert.deepEqual(
      [...Deno.readDirSync(t.libDir)].map((e) => e.name).sort(),
      [
        "build_info.json",
        "cache",
        "nvidia-container-runtime-hook-operator.js",
        "nvidia-container-runtime-hook.js",
      ],
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("install: a bundle that does not run replaces nothing", async () => {
  const { prefix } = await sharedInstall();
  const l = installLayout(prefix);
  const tmp = await Deno.makeTempDir({ prefix: "hook-install-bad-" });
  try {
    const target = `${tmp}/prefix`;
    const first = await runInstall(["--prefix", target, "--bundle", l.bundle]);
    assert.equal(first.code, 0, first.stderr);
    const t = installLayout(target);
    const before = [Deno.readTextFileSync(t.launcher), Deno.readTextFileSync(t.bundle)];
    Deno.writeTextFileSync(`${tmp}/hook.js`, 'console.log("not the hook");\n');
    Deno.copyFileSync(l.operator, `${tmp}/${OPERATOR_FILE}`);
    const r = await runInstall(["--prefix", target, "--bundle", `${tmp}/hook.js`]);
    assert.deepEqual(r, {
      code: 1,
      stdout: "",
      stderr: 'install: the bundle does not run: -version exited 0 with "not the hook" ""; ' +
        "nothing installed\n",
    });
    assert.deepEqual([Deno.readTextFileSync(t.launcher), Deno.readTextFileSync(t.bundle)], before);
    assert.deepEqual(
      [...Deno.readDirSync(t.libDir)].map((e) => e.name).filter((n) => n.startsWith(".")),
      [],
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("install --bundle: no operator bundle beside it, or one that does not load, replaces nothing", async () => {
  const { prefix } = await sharedInstall();
  const l = installLayout(prefix);
  const tmp = await Deno.makeTempDir({ prefix: "hook-install-operator-" });
  try {
    const target = `${tmp}/prefix`;
    const first = await runInstall(["--prefix", target, "--bundle", l.bundle]);
    assert.equal(first.code, 0, first.stderr);
    const t = installLayout(target);
    const files = () => [t.launcher, t.bundle, t.operator].map((f) => Deno.readTextFileSync(f));
    const before = files();
    Deno.mkdirSync(`${tmp}/alone`);
    Deno.copyFileSync(l.bundle, `${tmp}/alone/hook.js`);
    const missing = await runInstall(["--prefix", target, "--bundle", `${tmp}/alone/hook.js`]);
    assert.deepEqual(missing, {
      code: 1,
      stdout: "",
      stderr: `install: no ${OPERATOR_FILE} beside ${tmp}/alone/hook.js (deno task bundle ` +
        "writes both); nothing installed\n",
    });
    Deno.writeTextFileSync(`${tmp}/alone/${OPERATOR_FILE}`, 'throw new Error("broken");\n');
    const broken = await runInstall(["--prefix", target, "--bundle", `${tmp}/alone/hook.js`]);
    assert.equal(broken.code, 1);
    assert.match(
      broken.stderr,
      /^install: the operator bundle does not load: print-oci-hook exited 1 with ".*broken.*"; nothing installed\n$/,
    );
    assert.deepEqual(files(), before);
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("install: bad arguments exit 2 with one line and the usage", async (t) => {
  const usage = "Usage: deno task install [--prefix DIR] [--bundle FILE] [--deno PATH]\n";
  const table: [string[], string][] = [
    [["--prefix", "relative"], '--prefix must be an absolute path, got "relative"'],
    [["--prefix="], '--prefix must be an absolute path, got ""'],
    [["--prefix"], "--prefix needs a value"],
    [["--bundle", "dist/x.js"], '--bundle must be an absolute path, got "dist/x.js"'],
    [["--nope"], 'Unknown argument "--nope"'],
    [["/usr"], 'Unknown argument "/usr"'],
  ];
  for (const [args, message] of table) {
    await t.step(JSON.stringify(args), async () => {
      const r = await runInstall(args);
      assert.deepEqual(r, { code: 2, stdout: "", stderr: `install: ${message}\n${usage}` });
    });
  }
});

Deno.test("parseInstallArgs() defaults the prefix to /usr/local and reads flag=value", () => {
  assert.equal(DEFAULT_PREFIX, "/usr/local");
  assert.deepEqual(parseInstallArgs([]), {
    prefix: "/usr/local",
    bundle: undefined,
    deno: undefined,
  });
  assert.deepEqual(parseInstallArgs(["--prefix=/opt/x", "--deno", "/d", "--bundle", "/b.js"]), {
    prefix: "/opt/x",
    bundle: "/b.js",
    deno: "/d",
  });
});

Deno.test("installLayout() puts the bundle under lib/ and the launcher under bin/", () => {
  assert.deepEqual(installLayout("/opt/hook/"), {
    libDir: "/opt/hook/lib/nvidia-container-runtime-hook",
    bundle: "/opt/hook/lib/nvidia-container-runtime-hook/nvidia-container-runtime-hook.js",
    operator:
      "/opt/hook/lib/nvidia-container-runtime-hook/nvidia-container-runtime-hook-operator.js",
    buildInfo: "/opt/hook/lib/nvidia-container-runtime-hook/build_info.json",
    denoDir: "/opt/hook/lib/nvidia-container-runtime-hook/cache",
    launcher: "/opt/hook/bin/nvidia-container-runtime-hook",
    toolkit: "/opt/hook/bin/nvidia-container-toolkit",
  });
});

Deno.test("inNpmCache() is true for paths with a node_modules or _npx segment", async (t) => {
  const table: [string, boolean][] = [
    ["/root/.npm/_npx/7a40be787520bede/node_modules/deno/deno", true],
    ["/home/u/project/node_modules/.bin/deno", true],
    ["/usr/local/bin/deno", false],
    ["/opt/my_npx_tools/deno", false],
    ["/home/u/.deno/bin/deno", false],
  ];
  for (const [path, expected] of table) {
    await t.step(path, () => assert.equal(inNpmCache(path), expected));
  }
});

Deno.test("bundleArgvs() are the bundle task's deno bundle commands with the outputs moved", () => {
  const config = JSON.parse(Deno.readTextFileSync(`${repoDir()}/deno.json`));
  const tasks = (config.tasks.bundle as string).split(" && ").filter((c) =>
    c.startsWith("deno bundle ")
  );
  const argvs = bundleArgvs(config.tasks, "/tmp/x");
  assert.deepEqual(
    argvs,
    tasks.map((task) =>
      task.split(" ").slice(1).map((w, i, all) =>
        all[i - 1] === "--output" ? `/tmp/x/${w.slice(w.lastIndexOf("/") + 1)}` : w
      )
    ),
  );
  assert.deepEqual(argvs.map((a) => [a[0], a[a.indexOf("--output") + 1], a.at(-1)]), [
    ["bundle", "/tmp/x/nvidia-container-runtime-hook.js", "main.ts"],
    ["bundle", `/tmp/x/${OPERATOR_FILE}`, "operator.ts"],
  ]);
  assert.throws(() => bundleArgvs({ bundle: "esbuild main.ts" }, "/x"), /deno bundle/);
  assert.throws(() => bundleArgvs({ bundle: "deno bundle main.ts" }, "/x"), /--output FILE/);
});

Deno.test("registryEnv() keeps exactly the caller's TLS, proxy and registry variables that are set", () => {
  assert.deepEqual([...REGISTRY_ENV_NAMES], [
    "DENO_CERT",
    "DENO_TLS_CA_STORE",
    "NODE_EXTRA_CA_CERTS",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "all_proxy",
    "NPM_CONFIG_REGISTRY",
    "npm_config_registry",
  ]);
  const caller: Record<string, string> = {
    NODE_EXTRA_CA_CERTS: "/etc/corp/ca.pem",
    https_proxy: "http://proxy.corp:3128",
    NO_PROXY: "localhost,.corp",
    NPM_CONFIG_REGISTRY: "https://npm.corp/",
    DENO_CERT: "",
    AWS_SECRET_ACCESS_KEY: "not for children",
    HOME: "/root",
  };
  assert.deepEqual(registryEnv((name) => caller[name]), {
    DENO_CERT: "",
    NODE_EXTRA_CA_CERTS: "/etc/corp/ca.pem",
    https_proxy: "http://proxy.corp:3128",
    NO_PROXY: "localhost,.corp",
    NPM_CONFIG_REGISTRY: "https://npm.corp/",
  });
  assert.deepEqual(registryEnv(() => undefined), {});
});

Deno.test("installEnv(): the install task's child gets the caller's TLS and proxy variables", async () => {
  // The environment of every child that runs scripts/install.ts (this suite's
  // runInstall, the engine suite's installInto): on a fresh machine its deno
  // bundle downloads esbuild from the npm registry, which on a network with
  // its own CA fails with "invalid peer certificate: UnknownIssuer" unless
  // NODE_EXTRA_CA_CERTS (or DENO_CERT, a proxy...) reaches it.
  const set: Record<string, string> = {
    NODE_EXTRA_CA_CERTS: "/tmp/hook-test-ca.pem",
    DENO_CERT: "/tmp/hook-test-deno-ca.pem",
    DENO_TLS_CA_STORE: "system,mozilla",
    HTTPS_PROXY: "http://proxy.test:3128",
    https_proxy: "http://proxy.test:3128",
    NO_PROXY: "localhost",
    NPM_CONFIG_REGISTRY: "https://npm.test/",
  };
  const saved = new Map(Object.keys(set).map((k) => [k, Deno.env.get(k)]));
  let env: Record<string, string>;
  try {
    for (const [k, v] of Object.entries(set)) Deno.env.set(k, v);
    env = installEnv(HOST_PATH);
  } finally {
    for (const [k, v] of saved) v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
  }
  for (const [k, v] of Object.entries(set)) assert.equal(env[k], v, k);
  assert.equal(env["PATH"], HOST_PATH);
  // And a child started the way runInstall starts one sees them.
  const out = await new Deno.Command("env", {
    clearEnv: true,
    env,
    stdin: "null",
    signal: AbortSignal.timeout(30_000),
  }).output();
  const seen = Object.fromEntries(
    dec.decode(out.stdout).split("\n").filter((l) => l !== "").map((l) => {
      const eq = l.indexOf("=");
      return [l.slice(0, eq), l.slice(eq + 1)];
    }),
  );
  assert.deepEqual(seen, env);
});

Deno.test("README's Install section and docs/engines.md name every variable the install keeps", () => {
  const readme = Deno.readTextFileSync(`${repoDir()}/README.md`);
  const install = readme.slice(
    readme.indexOf("\n## Install\n"),
    readme.indexOf("\n## Configure\n"),
  );
  const engines = Deno.readTextFileSync(`${repoDir()}/docs/engines.md`);
  assert.ok(install.length > 0 && engines.includes("scripts/_registry_env.ts"));
  for (const name of REGISTRY_ENV_NAMES.filter((n) => n === n.toUpperCase())) {
    assert.ok(install.includes(`\`${name}`), `README Install names ${name}`);
    assert.ok(engines.includes(`\`${name}`), `docs/engines.md names ${name}`);
  }
});
