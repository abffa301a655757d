/**
 * `deno task package`: builds the Debian packages
 * `dist/nvidia-container-runtime-hook_<version>-1_<arch>.deb` for amd64 and
 * arm64 with Debian's own `dpkg-deb`. `deno compile` needs denort from
 * Deno's servers, so the package carries the install task's layout
 * (scripts/install.ts) under `/usr`: the two bundles, their build_info.json,
 * the Deno binary of the package's architecture (npm package
 * `@deno/linux-<cpu>-glibc`, fetched with `npm pack`) and the launcher,
 * which runs the bundle offline with exactly the compile task's permission
 * flags (scripts/_hook_permissions.ts):
 *
 *   /usr/bin/nvidia-container-runtime-hook           the launcher
 *   /usr/bin/nvidia-container-toolkit                symlink to it (the old name)
 *   /usr/lib/nvidia-container-runtime-hook/          bundles, build_info.json, deno
 *   /usr/share/doc/nvidia-container-runtime-hook/    copyright, changelogs
 *   /usr/share/man/man1/                             the manual page, both names
 *
 * The launcher's Deno cache (`DENO_DIR`) is /var/cache/nvidia-container-runtime-hook,
 * which Deno creates on first use and postrm deletes. preinst diverts the two
 * /usr/bin paths (NVIDIA's `nvidia-container-toolkit` package ships both) to
 * `<path>.distrib`; postrm puts them back. docs/packaging.md has the rest.
 *
 * Run: deno task package [--arch amd64|arm64]... [--out DIR] [--maintainer "NAME <EMAIL>"]
 *
 * @module
 */

import { createHash } from "node:crypto";
import {
  buildInfo,
  bundleArgvs,
  checkOperator,
  checkVersion,
  HOOK_NAME,
  type InstallLayout,
  installLayout,
  launcherText,
  OPERATOR_FILE,
  TOOLKIT_NAME,
} from "./install.ts";

/** The Debian package's name. */
export const PACKAGE = HOOK_NAME;

/** The Debian revision appended to the project's version (`0.2.0-1`). */
export const DEBIAN_REVISION = "1";

/** The Deno release the package carries: the one the project is pinned to. */
export const DENO_VERSION = "2.9.6";

/** The architectures the package is built for. */
export const ARCHES = ["amd64", "arm64"] as const;

/** A Debian architecture the package is built for. */
export type DebArch = (typeof ARCHES)[number];

/** The npm package holding Deno's binary for each architecture. */
export const DENO_NPM: Readonly<Record<DebArch, string>> = {
  amd64: "@deno/linux-x64-glibc",
  arm64: "@deno/linux-arm64-glibc",
};

/** ELF `e_machine` of each architecture (x86-64: 62, AArch64: 183). */
const ELF_MACHINE: Readonly<Record<DebArch, number>> = { amd64: 62, arm64: 183 };

/**
 * What the Deno binary needs, as `dpkg-shlibdeps` computes it for the amd64
 * binary (tests/package_test.ts checks that): it links libc.so.6, libm,
 * libdl, libpthread and librt (libc6) and libgcc_s.so.1 (libgcc-s1); the
 * arm64 binary links the same libraries.
 */
export const DEPENDS = "libc6 (>= 2.34), libgcc-s1 (>= 3.3)";

/** Where the launcher's Deno keeps its caches (created by Deno, removed by postrm). */
export const DENO_DIR = `/var/cache/${PACKAGE}`;

/** The files of the package, as installed. */
export interface PackageLayout extends InstallLayout {
  /** The Deno binary. */
  deno: string;
  /** The manual page and its second name. */
  man: string;
  manToolkit: string;
  /** /usr/share/doc/<package>. */
  docDir: string;
  /** The package's lintian overrides. */
  lintianOverrides: string;
}

/** The installed paths: the install task's layout under /usr, with the cache under /var/cache. */
export function packageLayout(): PackageLayout {
  const base = installLayout("/usr");
  return {
    ...base,
    denoDir: DENO_DIR,
    deno: `${base.libDir}/deno`,
    man: `/usr/share/man/man1/${HOOK_NAME}.1.gz`,
    manToolkit: `/usr/share/man/man1/${TOOLKIT_NAME}.1.gz`,
    docDir: `/usr/share/doc/${PACKAGE}`,
    lintianOverrides: `/usr/share/lintian/overrides/${PACKAGE}`,
  };
}

/** The paths NVIDIA's `nvidia-container-toolkit` package also ships; preinst diverts them. */
export function divertedPaths(): string[] {
  const l = packageLayout();
  return [l.launcher, l.toolkit];
}

/** `dpkg-divert`'s argv for `path`, `--add` or `--remove`, moving the file (`--rename`). */
export function divertArgv(action: "--add" | "--remove", path: string): string[] {
  return [
    "dpkg-divert",
    "--package",
    PACKAGE,
    action,
    "--rename",
    "--divert",
    `${path}.distrib`,
    path,
  ];
}

/** The `preinst` script: diverts NVIDIA's hook paths (idempotent: dpkg-divert leaves an existing diversion). */
export function preinstText(): string {
  const divert = divertedPaths().map((p) => `    ${divertArgv("--add", p).join(" ")} >/dev/null`);
  return [
    "#!/bin/sh",
    `# preinst of ${PACKAGE}: NVIDIA's nvidia-container-toolkit package ships the`,
    "# same two paths in /usr/bin; move whatever is there aside (<path>.distrib)",
    "# so that this package's hook answers there. postrm puts them back.",
    "set -e",
    "",
    'case "$1" in',
    "  install|upgrade)",
    ...divert,
    "    ;;",
    "  abort-upgrade)",
    "    ;;",
    "  *)",
    `    echo "preinst called with unknown argument '$1'" >&2`,
    "    exit 1",
    "    ;;",
    "esac",
    "",
    "exit 0",
    "",
  ].join("\n");
}

/** The `postrm` script: deletes the Deno cache, removes the diversions (idempotent). */
export function postrmText(): string {
  const undivert = divertedPaths().map((p) =>
    `    ${divertArgv("--remove", p).join(" ")} >/dev/null`
  );
  return [
    "#!/bin/sh",
    `# postrm of ${PACKAGE}: deletes the launcher's Deno cache and puts back what`,
    "# preinst moved aside (NVIDIA's hook, when its package is installed).",
    "set -e",
    "",
    'case "$1" in',
    "  remove|abort-install|disappear)",
    `    rm -rf ${DENO_DIR}`,
    ...undivert,
    "    ;;",
    "  purge)",
    `    rm -rf ${DENO_DIR}`,
    "    ;;",
    "  upgrade|failed-upgrade|abort-upgrade)",
    "    ;;",
    "  *)",
    `    echo "postrm called with unknown argument '$1'" >&2`,
    "    exit 1",
    "    ;;",
    "esac",
    "",
    "exit 0",
    "",
  ].join("\n");
}

/**
 * The lintian tags the package overrides, each with its reason: both come
 * from the Deno binary, shipped as the Deno project builds it
 * (docs/packaging.md explains them).
 */
export const LINTIAN_OVERRIDES: readonly { tag: string; reason: string }[] = [
  {
    tag: `embedded-library lcms2 [usr/lib/${PACKAGE}/deno]`,
    reason: "The Deno runtime, as the Deno project builds it, links its own copy of lcms2.",
  },
  {
    tag: `hardening-no-relro [usr/lib/${PACKAGE}/deno]`,
    reason: "The Deno runtime, as the Deno project builds it, is linked without -z relro.",
  },
];

/** The lintian overrides file. */
export function lintianOverridesText(): string {
  return LINTIAN_OVERRIDES.map(({ tag, reason }) => `# ${reason}\n${PACKAGE}: ${tag}\n`).join("");
}

/** The facts the control file needs. */
export interface ControlFacts {
  version: string;
  arch: DebArch;
  maintainer: string;
  /** In KiB, as dpkg-gencontrol counts it. */
  installedSize: number;
}

/** The `DEBIAN/control` text. */
export function controlText(f: ControlFacts): string {
  return [
    `Package: ${PACKAGE}`,
    `Version: ${f.version}-${DEBIAN_REVISION}`,
    `Architecture: ${f.arch}`,
    `Maintainer: ${f.maintainer}`,
    `Installed-Size: ${f.installedSize}`,
    `Depends: ${DEPENDS}`,
    "Recommends: libnvidia-container-tools",
    "Section: utils",
    "Priority: optional",
    "Description: OCI prestart hook that gives containers NVIDIA GPUs",
    " A drop-in replacement for NVIDIA's nvidia-container-runtime-hook, written",
    " in TypeScript and run by the Deno runtime it ships with. runc, crun,",
    " Docker, Podman and CRI-O run it as a prestart hook: it reads the",
    " container's OCI state and config.json, decides whether the container asked",
    " for GPUs and, if so, runs nvidia-container-cli (libnvidia-container-tools)",
    " to mount the driver into it.",
    " .",
    " It also has operator commands: explain, check-config, doctor and",
    " print-oci-hook. Installed beside NVIDIA's nvidia-container-toolkit",
    " package, it diverts that package's hook binaries.",
    "",
  ].join("\n");
}

/** The facts the copyright file needs. */
export interface CopyrightFacts {
  arch: DebArch;
  /** The text of Deno's LICENSE (npm package `deno`, same release). */
  denoLicense: string;
}

/** The machine-readable (DEP-5) `copyright` file. */
export function copyrightText(f: CopyrightFacts): string {
  const denoCopyright = f.denoLicense.match(/^Copyright (.+)$/m)?.[1];
  if (denoCopyright === undefined) throw new Error("Deno's LICENSE has no Copyright line");
  const mit = f.denoLicense.trim().split("\n").slice(f.denoLicense.trim().startsWith("MIT") ? 1 : 0)
    .map((line) => line.trim() === "" ? " ." : ` ${line}`)
    .join("\n").replace(/^( \.\n)+/, "");
  return [
    "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/",
    `Upstream-Name: ${PACKAGE}`,
    "",
    "Files: *",
    `Copyright: 2026 the ${PACKAGE} maintainers`,
    "License: Apache-2.0",
    "",
    `Files: usr/lib/${PACKAGE}/deno`,
    `Copyright: ${denoCopyright}`,
    "License: MIT",
    "Comment: The Deno runtime " + DENO_VERSION + " as the Deno project publishes it",
    ` (npm package ${DENO_NPM[f.arch]}). The binary includes V8 and other`,
    " libraries, each under its own licence; their notices are in the Deno",
    " project's source repository.",
    "",
    "License: Apache-2.0",
    ' Licensed under the Apache License, Version 2.0 (the "License");',
    " you may not use this file except in compliance with the License.",
    " You may obtain a copy of the License at",
    " .",
    " https://www.apache.org/licenses/LICENSE-2.0",
    " .",
    " Unless required by applicable law or agreed to in writing, software",
    ' distributed under the License is distributed on an "AS IS" BASIS,',
    " WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.",
    " See the License for the specific language governing permissions and",
    " limitations under the License.",
    " .",
    " On Debian systems, the complete text of the Apache License, Version 2.0",
    " can be found in /usr/share/common-licenses/Apache-2.0.",
    "",
    "License: MIT",
    mit,
    "",
  ].join("\n");
}

/** RFC 5322 date of midnight UTC of `day` (`YYYY-MM-DD`), as Debian changelogs write it. */
export function debianDate(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = [
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
  ];
  const dd = String(d.getUTCDate()).padStart(2, "0");
  return `${days[d.getUTCDay()]}, ${dd} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    "00:00:00 +0000";
}

/** The Debian changelog (`changelog.Debian`): one entry, the packaging of this release. */
export function debianChangelogText(version: string, day: string, maintainer: string): string {
  return [
    `${PACKAGE} (${version}-${DEBIAN_REVISION}) unstable; urgency=medium`,
    "",
    `  * Package of release ${version} (its changes: changelog.gz).`,
    "",
    ` -- ${maintainer}  ${debianDate(day)}`,
    "",
  ].join("\n");
}

/** The newest release of CHANGELOG.md (`## [X.Y.Z] - YYYY-MM-DD`), or undefined. */
export function newestRelease(changelog: string): { version: string; date: string } | undefined {
  const m = changelog.match(/^## \[(\d+\.\d+\.\d+[^\]]*)\] - (\d{4}-\d{2}-\d{2})$/m);
  return m === null ? undefined : { version: m[1] as string, date: m[2] as string };
}

/** The `.deb` file name of `version` for `arch`. */
export function debFileName(version: string, arch: DebArch): string {
  return `${PACKAGE}_${version}-${DEBIAN_REVISION}_${arch}.deb`;
}

/** The options of a package build. */
export interface PackageOptions {
  arches: DebArch[];
  /** Where the .deb files go (absolute). */
  out: string;
  /** `NAME <EMAIL>`; default: the author of the checkout's HEAD commit. */
  maintainer: string | undefined;
}

class UsageFailure extends Error {}

const USAGE =
  'Usage: deno task package [--arch amd64|arm64]... [--out DIR] [--maintainer "NAME <EMAIL>"]';

const repo = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Parses the task's arguments; throws with a one-line message. */
export function parsePackageArgs(args: readonly string[], cwd: string): PackageOptions {
  const arches: DebArch[] = [];
  let out = `${repo}/dist`;
  let maintainer: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const word = args[i] as string;
    const eq = word.indexOf("=");
    const flag = eq > 0 ? word.slice(0, eq) : word;
    if (flag !== "--arch" && flag !== "--out" && flag !== "--maintainer") {
      throw new UsageFailure(`Unknown argument ${JSON.stringify(word)}`);
    }
    const value = eq > 0 ? word.slice(eq + 1) : args[++i];
    if (value === undefined || value === "") throw new UsageFailure(`${flag} needs a value`);
    if (flag === "--arch") {
      if (!(ARCHES as readonly string[]).includes(value)) {
        throw new UsageFailure(`--arch must be amd64 or arm64, got ${JSON.stringify(value)}`);
      }
      if (!arches.includes(value as DebArch)) arches.push(value as DebArch);
    } else if (flag === "--out") {
      out = value.startsWith("/") ? value : `${cwd}/${value}`;
    } else {
      if (!/^[^<>\n]+ <[^<>@\s]+@[^<>\s]+>$/.test(value)) {
        throw new UsageFailure(`--maintainer must be "NAME <EMAIL>", got ${JSON.stringify(value)}`);
      }
      maintainer = value;
    }
  }
  return { arches: arches.length === 0 ? [...ARCHES] : arches, out, maintainer };
}

async function run(cmd: string, args: string[], cwd = repo): Promise<string> {
  const out = await new Deno.Command(cmd, { args, cwd, stdin: "null" }).output();
  const dec = new TextDecoder();
  if (!out.success) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (${out.code}): ${dec.decode(out.stderr).trim()}`,
    );
  }
  return dec.decode(out.stdout);
}

/**
 * Fetches npm package `spec` with `npm pack` (npm's cache first; the
 * environment, with its TLS and proxy variables, is passed on) into `dir`
 * and unpacks it there; returns the unpacked `package/` directory.
 */
async function npmPackage(spec: string, dir: string): Promise<string> {
  Deno.mkdirSync(dir, { recursive: true });
  const out = await run("npm", [
    "pack",
    "--prefer-offline",
    "--silent",
    "--pack-destination",
    dir,
    spec,
  ], dir);
  const file = out.trim().split("\n").at(-1) ?? "";
  if (!file.endsWith(".tgz")) throw new Error(`npm pack ${spec} printed ${JSON.stringify(out)}`);
  await run("tar", ["-xzf", `${dir}/${file}`, "-C", dir]);
  return `${dir}/package`;
}

/** The `e_machine` of ELF file `path`; throws when it is not a 64-bit little-endian ELF. */
function elfMachine(path: string): number {
  const file = Deno.openSync(path);
  try {
    const head = new Uint8Array(20);
    file.readSync(head);
    if (head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) {
      throw new Error(`${path} is not an ELF file`);
    }
    return (head[18] as number) | ((head[19] as number) << 8);
  } finally {
    file.close();
  }
}

/** Every path under `dir`, depth first, relative (no leading slash), sorted. */
function walk(dir: string, rel = ""): string[] {
  const names = [...Deno.readDirSync(`${dir}/${rel}`)].map((e) => e.name).sort();
  const paths: string[] = [];
  for (const name of names) {
    const path = rel === "" ? name : `${rel}/${name}`;
    paths.push(path);
    const stat = Deno.lstatSync(`${dir}/${path}`);
    if (stat.isDirectory) paths.push(...walk(dir, path));
  }
  return paths;
}

/** `gzip -9n` of `text` (no name, no time stamp) at `path`, mode 0644. */
async function writeGzip(path: string, text: string): Promise<void> {
  const child = new Deno.Command("gzip", { args: ["-9n", "-c"], stdin: "piped", stdout: "piped" })
    .spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const out = await child.output();
  if (!out.success) throw new Error(`gzip failed for ${path}`);
  Deno.writeFileSync(path, out.stdout, { mode: 0o644 });
  Deno.chmodSync(path, 0o644);
}

/** The files a package build takes from the checkout (and from npm), once for all arches. */
interface Inputs {
  version: string;
  date: string;
  maintainer: string;
  bundle: string;
  operator: string;
  buildInfo: string;
  changelog: string;
  manPage: string;
  denoLicense: string;
}

/** Writes the package tree for `arch` into `root`, with `deno` as its Deno binary. */
async function writeTree(root: string, arch: DebArch, deno: string, inputs: Inputs): Promise<void> {
  const l = packageLayout();
  const put = (path: string) => {
    Deno.mkdirSync(`${root}${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
    return `${root}${path}`;
  };
  const copy = (from: string, to: string, mode: number) => {
    Deno.copyFileSync(from, put(to));
    Deno.chmodSync(`${root}${to}`, mode);
  };
  copy(inputs.bundle, l.bundle, 0o644);
  copy(inputs.operator, l.operator, 0o644);
  copy(inputs.buildInfo, l.buildInfo, 0o644);
  copy(deno, l.deno, 0o755);
  Deno.writeTextFileSync(put(l.launcher), launcherText(l.deno, l, `the ${PACKAGE} package`));
  Deno.chmodSync(`${root}${l.launcher}`, 0o755);
  Deno.symlinkSync(HOOK_NAME, put(l.toolkit));
  await writeGzip(put(l.man), inputs.manPage);
  Deno.symlinkSync(`${HOOK_NAME}.1.gz`, put(l.manToolkit));
  Deno.writeTextFileSync(
    put(`${l.docDir}/copyright`),
    copyrightText({ arch, denoLicense: inputs.denoLicense }),
  );
  Deno.chmodSync(`${root}${l.docDir}/copyright`, 0o644);
  await writeGzip(
    `${root}${l.docDir}/changelog.Debian.gz`,
    debianChangelogText(inputs.version, inputs.date, inputs.maintainer),
  );
  await writeGzip(`${root}${l.docDir}/changelog.gz`, inputs.changelog);
  Deno.writeTextFileSync(put(l.lintianOverrides), lintianOverridesText());
  Deno.chmodSync(`${root}${l.lintianOverrides}`, 0o644);
}

/**
 * Writes DEBIAN/ (control with Installed-Size, md5sums, preinst, postrm),
 * sets every directory to 0755 and every time stamp to the release date.
 */
function writeControl(root: string, arch: DebArch, inputs: Inputs): void {
  const files = walk(root);
  let size = 0;
  const sums: string[] = [];
  for (const path of files) {
    const stat = Deno.lstatSync(`${root}/${path}`);
    if (stat.isDirectory) Deno.chmodSync(`${root}/${path}`, 0o755);
    if (stat.isFile) {
      size += Math.ceil(stat.size / 1024);
      const hash = createHash("md5").update(Deno.readFileSync(`${root}/${path}`)).digest("hex");
      sums.push(`${hash}  ${path}`);
    } else {
      size += 1;
    }
  }
  const debian = `${root}/DEBIAN`;
  Deno.mkdirSync(debian, { mode: 0o755 });
  Deno.chmodSync(debian, 0o755);
  Deno.writeTextFileSync(
    `${debian}/control`,
    controlText({
      version: inputs.version,
      arch,
      maintainer: inputs.maintainer,
      installedSize: size,
    }),
  );
  Deno.writeTextFileSync(`${debian}/md5sums`, sums.join("\n") + "\n");
  Deno.writeTextFileSync(`${debian}/preinst`, preinstText());
  Deno.writeTextFileSync(`${debian}/postrm`, postrmText());
  for (
    const [name, mode] of [["control", 0o644], ["md5sums", 0o644], ["preinst", 0o755], [
      "postrm",
      0o755,
    ]] as const
  ) {
    Deno.chmodSync(`${debian}/${name}`, mode);
  }
  const time = new Date(`${inputs.date}T00:00:00Z`);
  for (const path of ["", ...walk(root)]) {
    const full = path === "" ? root : `${root}/${path}`;
    if (!Deno.lstatSync(full).isSymlink) Deno.utimeSync(full, time, time);
  }
}

/** The author of HEAD, `NAME <EMAIL>`, as the default maintainer. */
async function headAuthor(): Promise<string> {
  let author = "";
  try {
    author = (await run("git", ["log", "-1", "--format=%an <%ae>"])).trim();
  } catch {
    // Not a git checkout.
  }
  if (!/^[^<>\n]+ <[^<>@\s]+@[^<>\s]+>$/.test(author)) {
    throw new Error('no maintainer: pass --maintainer "NAME <EMAIL>" outside a git checkout');
  }
  return author;
}

/** Builds the packages per `options`; returns the files written. */
export async function buildPackages(options: PackageOptions): Promise<string[]> {
  const config = JSON.parse(Deno.readTextFileSync(`${repo}/deno.json`));
  const version = String(config.version);
  const changelog = Deno.readTextFileSync(`${repo}/CHANGELOG.md`);
  const release = newestRelease(changelog);
  if (release === undefined || release.version !== version) {
    throw new Error(
      `CHANGELOG.md's newest release is ${JSON.stringify(release?.version ?? "none")}, ` +
        `deno.json's version ${JSON.stringify(version)}; nothing packaged`,
    );
  }
  const maintainer = options.maintainer ?? await headAuthor();
  const work = await Deno.makeTempDir({ prefix: "hook-package-" });
  try {
    const stage = `${work}/bundle`;
    Deno.mkdirSync(stage);
    for (const argv of bundleArgvs(config.tasks, stage)) await run(Deno.execPath(), argv);
    Deno.writeTextFileSync(`${stage}/build_info.json`, await buildInfo());
    // The bundle runs (and loads the operator bundle) as the launcher runs it.
    const bundle = `${stage}/${HOOK_NAME}.js`;
    const first = await checkVersion(Deno.execPath(), bundle, `${work}/cache`);
    if (first !== `NVIDIA Container Runtime Hook version ${version}`) {
      throw new Error(`the bundle says ${JSON.stringify(first)}; nothing packaged`);
    }
    await checkOperator(Deno.execPath(), bundle, `${work}/cache`);
    const denoPackage = await npmPackage(`deno@${DENO_VERSION}`, `${work}/npm-deno`);
    const inputs: Inputs = {
      version,
      date: release.date,
      maintainer,
      bundle,
      operator: `${stage}/${OPERATOR_FILE}`,
      buildInfo: `${stage}/build_info.json`,
      changelog,
      manPage: Deno.readTextFileSync(`${repo}/scripts/deb/${HOOK_NAME}.1`),
      denoLicense: Deno.readTextFileSync(`${denoPackage}/LICENSE`),
    };
    Deno.mkdirSync(options.out, { recursive: true });
    const written: string[] = [];
    for (const arch of options.arches) {
      const binary = `${await npmPackage(
        `${DENO_NPM[arch]}@${DENO_VERSION}`,
        `${work}/npm-${arch}`,
      )}/deno`;
      if (elfMachine(binary) !== ELF_MACHINE[arch]) {
        throw new Error(`${DENO_NPM[arch]}'s deno is not an ${arch} binary`);
      }
      const root = `${work}/root-${arch}`;
      await writeTree(root, arch, binary, inputs);
      writeControl(root, arch, inputs);
      const file = `${options.out}/${debFileName(version, arch)}`;
      const out = await new Deno.Command("dpkg-deb", {
        args: ["--root-owner-group", "-Zxz", "--build", root, file],
        env: { SOURCE_DATE_EPOCH: String(Date.parse(`${release.date}T00:00:00Z`) / 1000) },
        stdin: "null",
      }).output();
      if (!out.success) {
        throw new Error(`dpkg-deb failed: ${new TextDecoder().decode(out.stderr).trim()}`);
      }
      written.push(file);
    }
    return written;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

if (import.meta.main) {
  const say = (s: string) => Deno.stderr.writeSync(new TextEncoder().encode(s + "\n"));
  let options: PackageOptions;
  try {
    options = parsePackageArgs(Deno.args, Deno.cwd());
  } catch (e) {
    if (!(e instanceof UsageFailure)) throw e;
    say(`package: ${e.message}\n${USAGE}`);
    Deno.exit(2);
  }
  try {
    for (const file of await buildPackages(options)) {
      const size = Deno.statSync(file).size;
      Deno.stdout.writeSync(
        new TextEncoder().encode(`${file} (${(size / 1048576).toFixed(1)} MiB)\n`),
      );
    }
  } catch (e) {
    say(`package: ${e instanceof Error ? e.message : String(e)}`);
    Deno.exit(1);
  }
}
