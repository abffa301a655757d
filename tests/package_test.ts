/**
 * `deno task package` (scripts/package.ts): builds both packages into a temp
 * directory the way the task runs, then checks their contents, runs lintian
 * on them, and installs the amd64 one into clean Debian bookworm roots made
 * by debootstrap (from the mirror this machine's apt sources name; built once
 * per run, kept as a tarball, unpacked per scenario), through chroot: alone,
 * and over a stand-in of NVIDIA's `nvidia-container-toolkit` package whose
 * hook paths it diverts. Needs root, dpkg-deb, lintian, debootstrap, npm and
 * the network (npm registry, Debian mirror); skipped without them unless
 * CI=true. docs/packaging.md describes what is checked.
 */

import assert from "node:assert/strict";
import { HOOK_PERMISSIONS } from "../scripts/_hook_permissions.ts";
import { launcherText } from "../scripts/install.ts";
import {
  ARCHES,
  type DebArch,
  debFileName,
  DENO_DIR,
  DENO_VERSION,
  DEPENDS,
  divertedPaths,
  LINTIAN_OVERRIDES,
  PACKAGE,
  packageLayout,
  postrmText,
  preinstText,
} from "../scripts/package.ts";
import { isRoot as isRootUser, mountinfo } from "./_e2e.ts";
import { repoDir, runningLine } from "./_hook.ts";

const dec = new TextDecoder();
const CI = Deno.env.get("CI") === "true";
const TOOLS = ["dpkg-deb", "dpkg-shlibdeps", "lintian", "debootstrap", "npm", "chroot", "tar"];
const HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function onPath(tool: string): boolean {
  return HOST_PATH.split(":").some((dir) => {
    try {
      return Deno.statSync(`${dir}/${tool}`).isFile;
    } catch {
      return false;
    }
  });
}

const missing = TOOLS.filter((t) => !onPath(t));
const isRoot = await isRootUser();
/** Outside CI a machine without the tools (or not root) skips; under CI=true nothing skips. */
const ignore = !CI && (missing.length > 0 || !isRoot);

const meta = JSON.parse(Deno.readTextFileSync(`${repoDir()}/deno.json`));
const VERSION: string = meta.version;

async function run(
  cmd: string,
  args: string[],
  options: { cwd?: string; stdin?: string; env?: Record<string, string>; clearEnv?: boolean } = {},
) {
  const child = new Deno.Command(cmd, {
    args,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    ...(options.env === undefined ? {} : { env: options.env }),
    clearEnv: options.clearEnv ?? false,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(options.stdin ?? ""));
  await writer.close();
  const out = await child.output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

/** Runs `cmd`; throws with its stderr unless it exits 0. */
async function must(cmd: string, args: string[], options: Parameters<typeof run>[2] = {}) {
  const r = await run(cmd, args, options);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${r.code}\n${r.stderr}`);
  return r.stdout;
}

function removeLater(path: string): void {
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(path, { recursive: true });
    } catch {
      // Best effort.
    }
  });
}

function gitHead(): string | undefined {
  try {
    const out = new Deno.Command("git", { args: ["rev-parse", "HEAD"], cwd: repoDir() })
      .outputSync();
    const id = dec.decode(out.stdout).trim();
    return out.success && /^[0-9a-f]{40}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

let built: Promise<Record<DebArch, string>> | undefined;
/** The commit the packages were built from (HEAD when the task ran). */
let builtFrom: string | undefined;

/** Both packages, built once by the package task (same flags) into a temp directory. */
function packages(): Promise<Record<DebArch, string>> {
  built ??= (async () => {
    if (missing.length > 0) throw new Error(`missing tools: ${missing.join(" ")}`);
    const out = await Deno.makeTempDir({ prefix: "hook-package-out-" });
    removeLater(out);
    const task: string[] = (meta.tasks.package as string).split(" ");
    assert.deepEqual(task.slice(0, 2), ["deno", "run"]);
    builtFrom = gitHead();
    // The environment is passed on: npm needs the caller's TLS and proxy variables.
    const r = await run(Deno.execPath(), [
      ...task.slice(1, -1),
      `${repoDir()}/${task.at(-1)}`,
      "--out",
      out,
    ], { cwd: repoDir() });
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
    const files = Object.fromEntries(
      ARCHES.map((arch) => [arch, `${out}/${debFileName(VERSION, arch)}`]),
    ) as Record<DebArch, string>;
    assert.deepEqual(
      r.stdout.split("\n").slice(0, -1).map((line) => line.replace(/ \(\d+\.\d MiB\)$/, "")),
      ARCHES.map((arch) => files[arch]),
    );
    return files;
  })();
  return built;
}

/**
 * The Debian mirror the machine's apt sources name for bookworm main
 * (one-line `deb URI SUITE COMPONENTS` or deb822 `.sources` paragraphs).
 */
function bookwormMirror(sources: readonly string[]): string | undefined {
  for (const text of sources) {
    for (const line of text.split("\n")) {
      const words = line.replace(/\[[^\]]*\]/, "").trim().split(/\s+/);
      if (words[0] === "deb" && words[2] === "bookworm" && words.slice(3).includes("main")) {
        return words[1];
      }
    }
    for (const paragraph of text.split(/\n\s*\n/)) {
      const field = (name: string) =>
        paragraph.match(new RegExp(`^${name}:\\s*(.*)$`, "mi"))?.[1]?.trim().split(/\s+/) ?? [];
      if (
        field("Types").includes("deb") && field("Suites").includes("bookworm") &&
        field("Components").includes("main") && !/^Enabled:\s*no/mi.test(paragraph)
      ) {
        return field("URIs")[0];
      }
    }
  }
  return undefined;
}

function aptSources(): string[] {
  const texts: string[] = [];
  try {
    texts.push(Deno.readTextFileSync("/etc/apt/sources.list"));
  } catch {
    // No one-line list.
  }
  try {
    const names = [...Deno.readDirSync("/etc/apt/sources.list.d")].map((e) => e.name).sort();
    for (const name of names.filter((n) => n.endsWith(".list") || n.endsWith(".sources"))) {
      texts.push(Deno.readTextFileSync(`/etc/apt/sources.list.d/${name}`));
    }
  } catch {
    // No directory.
  }
  return texts;
}

let base: Promise<string> | undefined;

/** A tarball of a clean bookworm root (debootstrap minbase), made once per run. */
function baseRoot(): Promise<string> {
  base ??= (async () => {
    const mirror = bookwormMirror(aptSources());
    if (mirror === undefined) throw new Error("no bookworm main mirror in /etc/apt/sources.list*");
    const dir = await Deno.makeTempDir({ prefix: "hook-package-debootstrap-" });
    removeLater(dir);
    await must("debootstrap", ["--variant=minbase", "bookworm", `${dir}/root`, mirror]);
    await must("tar", ["-C", `${dir}/root`, "-cf", `${dir}/root.tar`, "."]);
    await Deno.remove(`${dir}/root`, { recursive: true });
    return `${dir}/root.tar`;
  })();
  return base;
}

/** The mounts at or under `dir` (mount points of /proc/self/mountinfo). */
async function mountsUnder(dir: string): Promise<string[]> {
  return (await mountinfo()).split("\n")
    .map((line) => line.split(" ")[4] ?? "")
    .filter((point) => point === dir || point.startsWith(`${dir}/`));
}

/** Unpacks the base root, mounts /proc in it, runs `body`, unmounts and deletes it. */
async function withRoot(body: (root: string) => Promise<void>): Promise<void> {
  const tar = await baseRoot();
  const dir = await Deno.makeTempDir({ prefix: "hook-package-root-" });
  const root = `${dir}/root`;
  try {
    Deno.mkdirSync(root);
    await must("tar", ["-C", root, "-xf", tar]);
    await must("mount", ["-t", "proc", "proc", `${root}/proc`]);
    try {
      await body(root);
    } finally {
      await must("umount", [`${root}/proc`]);
    }
    assert.deepEqual(await mountsUnder(dir), []);
  } finally {
    if ((await mountsUnder(dir)).length === 0) await Deno.remove(dir, { recursive: true });
  }
}

const CHROOT_ENV = {
  PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
  LC_ALL: "C",
  DEBIAN_FRONTEND: "noninteractive",
};

/** Runs `argv` in `root` through chroot, with only `env` (and stdin). */
function inRoot(
  root: string,
  argv: string[],
  stdin = "",
  env: Record<string, string> = CHROOT_ENV,
) {
  return run("/usr/sbin/chroot", [root, ...argv], { env, clearEnv: true, stdin });
}

/** Like inRoot(); throws unless it exits 0. */
async function mustInRoot(root: string, argv: string[]): Promise<string> {
  const r = await inRoot(root, argv);
  if (r.code !== 0) throw new Error(`${argv.join(" ")}: exit ${r.code}\n${r.stdout}${r.stderr}`);
  return r.stdout;
}

const APT_INSTALL = ["apt-get", "install", "-y", "-o", "Dpkg::Use-Pty=0"];

/** Paths of the root that dpkg and apt keep their own state and logs in. */
const STATE = [
  "proc",
  "var/lib/dpkg",
  "var/lib/apt",
  "var/cache/apt",
  "var/cache/debconf",
  "var/log",
];

/** Every path of the root with its type and mode, dpkg/apt state and logs left out. */
function fileList(root: string, rel = ""): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(rel === "" ? root : `${root}/${rel}`)) {
    const path = rel === "" ? entry.name : `${rel}/${entry.name}`;
    if (STATE.includes(path)) continue;
    const stat = Deno.lstatSync(`${root}/${path}`);
    const kind = stat.isSymlink
      ? `-> ${Deno.readLinkSync(`${root}/${path}`)}`
      : stat.isDirectory
      ? "dir"
      : "file";
    out.push(`${path} ${kind} ${((stat.mode ?? 0) & 0o7777).toString(8)}`);
    if (stat.isDirectory) out.push(...fileList(root, path));
  }
  return out.sort();
}

/** What `-version` prints for the packages built from this checkout. */
function versionText(): string {
  return `NVIDIA Container Runtime Hook version ${VERSION}\n` +
    (builtFrom === undefined ? "" : `commit: ${builtFrom}\n`);
}

/** The config, stand-in CLI and bundle the prestart case uses, written into `root`. */
function writePrestartCase(root: string): void {
  Deno.mkdirSync(`${root}/etc/nvidia-container-runtime`, { recursive: true });
  // Everything the argv depends on is pinned, so that defaults may change.
  Deno.writeTextFileSync(
    `${root}/etc/nvidia-container-runtime/config.toml`,
    [
      "[nvidia-container-cli]",
      'path = "/usr/bin/nvidia-container-cli"',
      'ldconfig = "@/sbin/ldconfig"',
      "load-kmods = true",
      "no-cgroups = false",
      "",
      "[nvidia-container-runtime]",
      'mode = "legacy"',
      "",
      "[nvidia-container-runtime.modes.legacy]",
      'cuda-compat-mode = "ldconfig"',
      "",
      "[nvidia-container-runtime-hook]",
      'cli-version = "1.18.0"',
      "",
    ].join("\n"),
  );
  Deno.mkdirSync(`${root}/tmp/record`);
  Deno.writeTextFileSync(
    `${root}/usr/bin/nvidia-container-cli`,
    [
      "#!/bin/sh",
      "# A stand-in nvidia-container-cli: records its argv.",
      `if [ "$1" = --version ]; then echo 'cli-version: 1.18.0'; exit 0; fi`,
      `printf '%s\\0' "$0" "$@" > /tmp/record/argv`,
      "exit 0",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  Deno.chmodSync(`${root}/usr/bin/nvidia-container-cli`, 0o755);
  Deno.mkdirSync(`${root}/tmp/bundle/rootfs`, { recursive: true });
  Deno.copyFileSync(
    `${repoDir()}/tests/fixtures/bundles/example-gpu/config.json`,
    `${root}/tmp/bundle/config.json`,
  );
}

/** Runs `prestart` through `hook` (a path in the root) and checks the CLI's exact argv. */
async function checkPrestart(root: string, hook: string): Promise<void> {
  try {
    Deno.removeSync(`${root}/tmp/record/argv`);
  } catch {
    // Not run yet.
  }
  const state = JSON.stringify({
    ociVersion: "1.0.2",
    id: "pkg",
    pid: 4242,
    bundle: "/tmp/bundle",
  });
  // NVIDIA_DRIVER_CAPABILITIES=compute,utility is set by the bundle (example-gpu).
  const r = await inRoot(root, [hook, "prestart"], state, { PATH: "/usr/bin:/bin" });
  const requirement = "cuda>=12.2 brand=tesla,driver>=470,driver<471";
  assert.deepEqual(r, {
    code: 0,
    stdout: "",
    stderr: runningLine({
      id: "pkg",
      devices: "0,1",
      requirements: [requirement],
      bundle: "/tmp/bundle",
    }),
  });
  assert.deepEqual(Deno.readTextFileSync(`${root}/tmp/record/argv`).split("\0").slice(0, -1), [
    "/usr/bin/nvidia-container-cli",
    "--load-kmods",
    "configure",
    "--cuda-compat-mode=ldconfig",
    "--ldconfig=@/sbin/ldconfig",
    "--device=0,1",
    "--compute",
    "--utility",
    `--require=${requirement}`,
    "--pid=4242",
    "/tmp/bundle/rootfs",
  ]);
  Deno.removeSync(`${root}/tmp/record/argv`);
}

/** This package's diversions, as `dpkg-divert --list` prints them. */
async function ourDiversions(root: string): Promise<string[]> {
  const out = await mustInRoot(root, ["dpkg-divert", "--list", `${PACKAGE}`]);
  return out.split("\n").filter((l) => l !== "").sort();
}

const DIVERSION_LINES = divertedPaths().map((p) =>
  `diversion of ${p} to ${p}.distrib by ${PACKAGE}`
).sort();

Deno.test({
  name: "package: the tools the package suite needs are installed (CI installs them)",
  ignore: !CI,
  fn() {
    assert.deepEqual(missing, [], `missing: ${missing.join(" ")}`);
    assert.ok(isRoot, "the package suite needs root (chroot, mount)");
  },
});

Deno.test({
  name: "package: both .debs hold the install task's layout under /usr with the right Deno",
  ignore,
  async fn(t) {
    const files = await packages();
    const l = packageLayout();
    const listings: Record<string, string[]> = {};
    for (const arch of ARCHES) {
      await t.step(arch, async () => {
        const dir = await Deno.makeTempDir({ prefix: `hook-package-x-${arch}-` });
        try {
          await must("dpkg-deb", ["-x", files[arch], dir]);
          await must("dpkg-deb", ["-e", files[arch], `${dir}/DEBIAN`]);
          listings[arch] = fileList(dir).filter((p) => !p.startsWith("DEBIAN"));
          const field = async (name: string) =>
            (await must("dpkg-deb", ["-f", files[arch], name])).trim();
          assert.equal(await field("Package"), PACKAGE);
          assert.equal(await field("Version"), `${VERSION}-1`);
          assert.equal(await field("Architecture"), arch);
          assert.equal(await field("Depends"), DEPENDS);
          assert.equal(await field("Recommends"), "libnvidia-container-tools");
          assert.equal(await field("Conffiles"), "");
          assert.deepEqual(
            [...Deno.readDirSync(`${dir}/DEBIAN`)].map((e) => e.name).sort(),
            ["control", "md5sums", "postrm", "preinst"],
          );
          assert.equal(Deno.readTextFileSync(`${dir}/DEBIAN/preinst`), preinstText());
          assert.equal(Deno.readTextFileSync(`${dir}/DEBIAN/postrm`), postrmText());
          // The launcher: the install task's, with the compile task's permission flags.
          const launcher = Deno.readTextFileSync(`${dir}${l.launcher}`);
          assert.equal(launcher, launcherText(l.deno, l, `the ${PACKAGE} package`));
          const exec = launcher.split("\n").find((line) => line.startsWith("exec ")) ?? "";
          const words = [...exec.matchAll(/'([^']*)'/g)].map((m) => m[1]);
          assert.deepEqual(
            words.filter((w) => /^--(allow|deny)-|^--no-prompt$|^-A$|^--allow-all$/.test(w!)),
            [...HOOK_PERMISSIONS],
          );
          assert.deepEqual(words.slice(0, 2), [l.deno, "run"]);
          assert.equal(words.at(-1), l.bundle);
          assert.match(launcher, new RegExp(`^export DENO_DIR='${DENO_DIR}'$`, "m"));
          // The Deno binary is the one for the package's architecture.
          const head = Deno.readFileSync(`${dir}${l.deno}`).subarray(0, 20);
          assert.equal(head[18]! | (head[19]! << 8), arch === "amd64" ? 62 : 183);
          if (arch === "amd64") {
            const v = await must(`${dir}${l.deno}`, ["--version"], {
              env: { NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1" },
            });
            assert.match(v, new RegExp(`^deno ${DENO_VERSION.replaceAll(".", "\\.")} `));
            // Depends is what dpkg-shlibdeps computes for this binary.
            Deno.mkdirSync(`${dir}/src/debian`, { recursive: true });
            Deno.writeTextFileSync(
              `${dir}/src/debian/control`,
              "Source: x\n\nPackage: x\nArchitecture: any\n",
            );
            const shlibs = await must("dpkg-shlibdeps", ["-O", "-e", `${dir}${l.deno}`], {
              cwd: `${dir}/src`,
            });
            assert.equal(shlibs.trim(), `shlibs:Depends=${DEPENDS}`);
          }
          const copyright = Deno.readTextFileSync(`${dir}${l.docDir}/copyright`);
          assert.match(
            copyright,
            /^Format: https:\/\/www\.debian\.org\/doc\/packaging-manuals\/copyright-format\/1\.0\/$/m,
          );
          assert.match(copyright, /^License: Apache-2\.0$/m);
          assert.match(copyright, /^Copyright: 2018-\d{4} the Deno authors$/m);
          assert.match(copyright, /^ Permission is hereby granted, free of charge/m);
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      });
    }
    assert.deepEqual(listings["arm64"], listings["amd64"]);
    assert.deepEqual(listings["amd64"], [
      "usr dir 755",
      "usr/bin dir 755",
      "usr/bin/nvidia-container-runtime-hook file 755",
      "usr/bin/nvidia-container-toolkit -> nvidia-container-runtime-hook 777",
      "usr/lib dir 755",
      "usr/lib/nvidia-container-runtime-hook dir 755",
      "usr/lib/nvidia-container-runtime-hook/build_info.json file 644",
      "usr/lib/nvidia-container-runtime-hook/deno file 755",
      "usr/lib/nvidia-container-runtime-hook/nvidia-container-runtime-hook-operator.js file 644",
      "usr/lib/nvidia-container-runtime-hook/nvidia-container-runtime-hook.js file 644",
      "usr/share dir 755",
      "usr/share/doc dir 755",
      "usr/share/doc/nvidia-container-runtime-hook dir 755",
      "usr/share/doc/nvidia-container-runtime-hook/changelog.Debian.gz file 644",
      "usr/share/doc/nvidia-container-runtime-hook/changelog.gz file 644",
      "usr/share/doc/nvidia-container-runtime-hook/copyright file 644",
      "usr/share/lintian dir 755",
      "usr/share/lintian/overrides dir 755",
      "usr/share/lintian/overrides/nvidia-container-runtime-hook file 644",
      "usr/share/man dir 755",
      "usr/share/man/man1 dir 755",
      "usr/share/man/man1/nvidia-container-runtime-hook.1.gz file 644",
      "usr/share/man/man1/nvidia-container-toolkit.1.gz -> nvidia-container-runtime-hook.1.gz 777",
    ]);
  },
});

Deno.test({
  name: "package: lintian finds no error, and docs/packaging.md explains each warning and override",
  ignore,
  async fn() {
    const files = await packages();
    // -I: informational tags too, among them unused-override.
    const r = await run("lintian", ["--fail-on", "error", "-I", files.amd64, files.arm64]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.split("\n").filter((line) => line !== "");
    const tags = lines.map((line) => {
      const m = line.match(/^([EWIPXO]): (\S+)(?: \w+)?: (\S+)(.*)$/);
      assert.ok(m !== null, `lintian line ${JSON.stringify(line)}`);
      return { level: m[1] as string, tag: m[3] as string, rest: (m[4] as string).trim() };
    });
    assert.deepEqual(tags.filter((t) => t.level === "E"), []);
    // The overrides are all used (an unused one is reported; an overridden error would show).
    assert.deepEqual(
      tags.filter((t) => /^(unused|mismatched|malformed)-override/.test(t.tag)),
      [],
    );
    const docs = Deno.readTextFileSync(`${repoDir()}/docs/packaging.md`);
    const section = docs.slice(docs.indexOf("## Lintian"));
    assert.ok(section.length < docs.length, "docs/packaging.md has a Lintian section");
    for (const t of tags.filter((t) => t.level === "W")) {
      assert.ok(section.includes(`\`${t.tag}\``), `docs/packaging.md explains ${t.tag}`);
    }
    for (const o of LINTIAN_OVERRIDES) {
      const tag = o.tag.split(" ")[0] as string;
      assert.ok(section.includes(`\`${tag}\``), `docs/packaging.md explains ${tag}`);
    }
  },
});

Deno.test({
  name:
    "package: installed into a clean bookworm root, it runs prestart, and removal leaves nothing",
  ignore,
  async fn() {
    const files = await packages();
    await withRoot(async (root) => {
      Deno.copyFileSync(files.amd64, `${root}/tmp/hook.deb`);
      writePrestartCase(root);
      const before = fileList(root);
      const started = performance.now();
      const install = await inRoot(root, [...APT_INSTALL, "/tmp/hook.deb"]);
      assert.equal(install.code, 0, install.stdout + install.stderr);
      const seconds = (performance.now() - started) / 1000;
      assert.ok(seconds < 120, `apt-get install took ${seconds} s`);
      const setUp = `Setting up ${PACKAGE} (${VERSION}-1) ...`;
      assert.ok(install.stdout.split("\n").includes(setUp), install.stdout);
      assert.equal(await mustInRoot(root, ["dpkg", "-V", PACKAGE]), "");
      // Nothing written to /etc (the package has no conffile), nothing started.
      const etc = (list: string[]) => list.filter((p) => p.startsWith("etc/"));
      assert.deepEqual(etc(fileList(root)), etc(before));
      assert.deepEqual(await ourDiversions(root), DIVERSION_LINES);
      for (const name of ["nvidia-container-runtime-hook", "nvidia-container-toolkit"]) {
        assert.deepEqual(await inRoot(root, [name, "-version"]), {
          code: 0,
          stdout: versionText(),
          stderr: "",
        });
      }
      await checkPrestart(root, "/usr/bin/nvidia-container-runtime-hook");
      // Deno made its cache where the launcher points it.
      assert.ok(Deno.statSync(`${root}${DENO_DIR}`).isDirectory);
      // Installing again runs the maintainer scripts again (upgrade): nothing changes.
      await mustInRoot(root, [...APT_INSTALL, "--reinstall", "/tmp/hook.deb"]);
      assert.deepEqual(await ourDiversions(root), DIVERSION_LINES);
      await checkPrestart(root, "/usr/bin/nvidia-container-toolkit");
      await mustInRoot(root, ["dpkg", "-r", PACKAGE]);
      assert.deepEqual(await ourDiversions(root), []);
      assert.deepEqual(fileList(root), before);
      await mustInRoot(root, ["dpkg", "-P", PACKAGE]);
      assert.deepEqual(fileList(root), before);
    });
  },
});

/** A stand-in of NVIDIA's nvidia-container-toolkit package: its two hook paths and nvidia-ctk. */
async function standInToolkit(
  dir: string,
): Promise<{ deb: string; files: Record<string, string> }> {
  const files: Record<string, string> = {
    "/usr/bin/nvidia-container-runtime-hook": '#!/bin/sh\necho "NVIDIA\'s hook (stand-in) $*"\n',
    "/usr/bin/nvidia-container-toolkit": '#!/bin/sh\necho "NVIDIA\'s toolkit (stand-in) $*"\n',
    "/usr/bin/nvidia-ctk": '#!/bin/sh\necho "NVIDIA\'s nvidia-ctk (stand-in) $*"\n',
  };
  const root = `${dir}/nvidia`;
  Deno.mkdirSync(`${root}/DEBIAN`, { recursive: true });
  Deno.mkdirSync(`${root}/usr/bin`, { recursive: true });
  for (const [path, text] of Object.entries(files)) {
    Deno.writeTextFileSync(`${root}${path}`, text);
    Deno.chmodSync(`${root}${path}`, 0o755);
  }
  Deno.writeTextFileSync(
    `${root}/DEBIAN/control`,
    [
      "Package: nvidia-container-toolkit",
      "Version: 1.17.8-1",
      "Architecture: all",
      "Maintainer: Test stand-in <stand-in@localhost>",
      "Description: stand-in of NVIDIA's nvidia-container-toolkit for tests",
      "",
    ].join("\n"),
  );
  const deb = `${dir}/nvidia-container-toolkit_1.17.8-1_all.deb`;
  await must("dpkg-deb", ["--root-owner-group", "--build", root, deb]);
  return { deb, files };
}

Deno.test({
  name:
    "package: over NVIDIA's nvidia-container-toolkit it diverts the hook paths and puts them back",
  ignore,
  async fn() {
    const files = await packages();
    const tmp = await Deno.makeTempDir({ prefix: "hook-package-nvidia-" });
    try {
      const nvidia = await standInToolkit(tmp);
      await withRoot(async (root) => {
        Deno.copyFileSync(files.amd64, `${root}/tmp/hook.deb`);
        Deno.copyFileSync(nvidia.deb, `${root}/tmp/nvidia.deb`);
        writePrestartCase(root);
        await mustInRoot(root, [...APT_INSTALL, "/tmp/nvidia.deb"]);
        const nvidiaFiles = () =>
          Object.keys(nvidia.files).map((p) => Deno.readTextFileSync(`${root}${p}`));
        assert.deepEqual(nvidiaFiles(), Object.values(nvidia.files));
        const before = fileList(root);

        await mustInRoot(root, [...APT_INSTALL, "/tmp/hook.deb"]);
        assert.deepEqual(await ourDiversions(root), DIVERSION_LINES);
        assert.deepEqual(await inRoot(root, ["nvidia-container-runtime-hook", "-version"]), {
          code: 0,
          stdout: versionText(),
          stderr: "",
        });
        await checkPrestart(root, "/usr/bin/nvidia-container-runtime-hook");
        // NVIDIA's files are moved aside, unchanged; nvidia-ctk is not touched.
        for (const path of divertedPaths()) {
          assert.equal(Deno.readTextFileSync(`${root}${path}.distrib`), nvidia.files[path]);
        }
        assert.equal(
          Deno.readTextFileSync(`${root}/usr/bin/nvidia-ctk`),
          nvidia.files["/usr/bin/nvidia-ctk"],
        );
        assert.equal(await mustInRoot(root, ["dpkg", "-V", "nvidia-container-toolkit"]), "");
        // Upgrading NVIDIA's package while this one is installed keeps this hook in place.
        await mustInRoot(root, [...APT_INSTALL, "--reinstall", "/tmp/nvidia.deb"]);
        assert.equal(
          (await inRoot(root, ["nvidia-container-toolkit", "-version"])).stdout,
          versionText(),
        );

        await mustInRoot(root, ["dpkg", "-r", PACKAGE]);
        assert.deepEqual(await ourDiversions(root), []);
        assert.deepEqual(nvidiaFiles(), Object.values(nvidia.files));
        assert.deepEqual(await inRoot(root, ["nvidia-container-runtime-hook", "-version"]), {
          code: 0,
          stdout: "NVIDIA's hook (stand-in) -version\n",
          stderr: "",
        });
        assert.equal(await mustInRoot(root, ["dpkg", "-V", "nvidia-container-toolkit"]), "");
        assert.deepEqual(fileList(root), before);
        await mustInRoot(root, ["dpkg", "-P", PACKAGE]);
        assert.deepEqual(fileList(root), before);
        assert.deepEqual(nvidiaFiles(), Object.values(nvidia.files));
      });
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});

Deno.test("bookwormMirror() reads one-line and deb822 apt sources", async (t) => {
  const table: [string[], string | undefined][] = [
    [["deb http://deb.debian.org/debian bookworm main\n"], "http://deb.debian.org/debian"],
    [
      ["deb [arch=amd64 signed-by=/k.gpg] http://m/debian bookworm main contrib\n"],
      "http://m/debian",
    ],
    [["deb http://m/debian bookworm-updates main\n"], undefined],
    [[
      "Types: deb\nURIs: http://sec/debian-security\nSuites: bookworm-security\nComponents: main\n\n" +
      "Types: deb\n# a comment\nURIs: http://deb.debian.org/debian\nSuites: bookworm bookworm-updates\nComponents: main\n",
    ], "http://deb.debian.org/debian"],
    [
      ["Types: deb\nURIs: http://off/debian\nSuites: bookworm\nComponents: main\nEnabled: no\n"],
      undefined,
    ],
    [["Types: deb-src\nURIs: http://src/debian\nSuites: bookworm\nComponents: main\n"], undefined],
  ];
  for (const [sources, expected] of table) {
    await t.step(JSON.stringify(sources[0]).slice(0, 60), () => {
      assert.equal(bookwormMirror(sources), expected);
    });
  }
});
