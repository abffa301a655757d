/**
 * Fake host trees for `doctor`: tests/fixtures/doctor/healthy (text files
 * only) copied to a temp dir, with what git cannot hold made at test time
 * (device nodes with mknod, the /dev/char links, a socket file, the
 * ld cache, /proc/PID/environ with its NUL bytes, mtimes); then a fault of
 * tests/fixtures/doctor/faults/NAME: its `REMOVE` file lists paths to
 * delete, its other files replace or add files.
 */

import { repoDir } from "../_hook.ts";
import { buildLdCache, type CacheLib, DRIVER_LIBS } from "./_ld_cache.ts";

/** tests/fixtures/doctor. */
export const FIXTURES = `${repoDir()}/tests/fixtures/doctor`;

/** /proc/stat's btime of the fixtures (2023-11-14T22:13:20Z). */
export const BOOT_TIME = 1_700_000_000;

/** dockerd's pid in the fixtures; it started 1000 s after boot (/proc/4242/stat). */
export const DOCKERD_PID = 4242;

/** The default PATH of the fixtures' dockerd. */
export const DOCKERD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** What a tree holds beyond its text files. */
export interface Specials {
  /** Character devices: path to major and minor. */
  devices: Record<string, [number, number]>;
  /** Symbolic links: path to target. */
  links: Record<string, string>;
  /** Unix sockets (files only: nothing listens). */
  sockets: string[];
  /** Generated files: path to bytes (or text). */
  files: Record<string, Uint8Array | string>;
  /** FIFOs. */
  fifos: string[];
  /** mtimes in seconds since the epoch. */
  mtimes: Record<string, number>;
}

/**
 * The environ of the fixtures' dockerd (`null`: no PATH), with a secret
 * doctor must never print.
 */
export function dockerdEnviron(path: string | null = DOCKERD_PATH): string {
  return [...(path === null ? [] : [`PATH=${path}`]), "HOME=/root", "SECRET_TOKEN=hunter2"]
    .map((e) => `${e}\0`).join("");
}

/** The specials of the healthy tree, with this ld cache. */
export function healthySpecials(libs: readonly CacheLib[] = DRIVER_LIBS): Specials {
  return {
    devices: {
      "dev/nvidiactl": [195, 255],
      "dev/nvidia0": [195, 0],
      "dev/nvidia-uvm": [508, 0],
      "dev/nvidia-uvm-tools": [508, 1],
    },
    links: {
      "dev/char/195:255": "../nvidiactl",
      "dev/char/195:0": "../nvidia0",
      "dev/char/508:0": "../nvidia-uvm",
      "dev/char/508:1": "../nvidia-uvm-tools",
      // As on real hosts: an absolute link, which doctor resolves inside the root.
      "var/run": "/run",
    },
    sockets: ["run/nvidia-persistenced/socket"],
    files: {
      [`proc/${DOCKERD_PID}/environ`]: dockerdEnviron(),
      "etc/ld.so.cache": buildLdCache(libs),
    },
    fifos: [],
    mtimes: { "usr/bin/nvidia-container-runtime-hook": BOOT_TIME + 500 },
  };
}

/** One socket file per test process, hard-linked into the trees. */
const sockets: string[] = [];

/**
 * A socket file: a process that exits without closing its listener leaves
 * one (the tests have no net permission to bind one themselves).
 */
function socketFile(): string {
  if (sockets[0] !== undefined) return sockets[0];
  const dir = Deno.makeTempDirSync({ prefix: "hook-doctor-socket-" });
  globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  const path = `${dir}/socket`;
  const code = `Deno.listen({ transport: "unix", path: ${JSON.stringify(path)} }); Deno.exit(0);`;
  run(Deno.execPath(), ["eval", code]);
  sockets.push(path);
  return path;
}

/** A fake host tree on disk. */
export interface Tree {
  root: string;
  done(): void;
}

function run(cmd: string, args: string[]): void {
  const out = new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).outputSync();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`);
  }
}

function parent(path: string): void {
  Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
}

function remove(path: string): void {
  try {
    Deno.removeSync(path, { recursive: true });
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/** The files of a fixture dir, relative, sorted. */
function filesOf(dir: string, prefix = ""): string[] {
  const out: string[] = [];
  for (const e of Deno.readDirSync(`${dir}/${prefix}`)) {
    const rel = `${prefix}${e.name}`;
    if (e.isDirectory) out.push(...filesOf(dir, `${rel}/`));
    else out.push(rel);
  }
  return out.sort();
}

/**
 * Makes a tree: `base` (`"healthy"` or `"empty"`), its specials, then the
 * fault `fault` of tests/fixtures/doctor/faults (if any).
 */
export function makeTree(
  options: { base?: "healthy" | "empty"; fault?: string; specials?: Specials } = {},
): Tree {
  const root = Deno.makeTempDirSync({ prefix: "hook-doctor-" });
  const done = () => Deno.removeSync(root, { recursive: true });
  try {
    const base = options.base ?? "healthy";
    if (base === "healthy") {
      for (const rel of filesOf(`${FIXTURES}/healthy`)) {
        parent(`${root}/${rel}`);
        Deno.copyFileSync(`${FIXTURES}/healthy/${rel}`, `${root}/${rel}`);
      }
      const s = options.specials ?? healthySpecials();
      for (const [rel, [major, minor]] of Object.entries(s.devices)) {
        parent(`${root}/${rel}`);
        run("mknod", [`${root}/${rel}`, "c", String(major), String(minor)]);
      }
      for (const [rel, target] of Object.entries(s.links)) {
        parent(`${root}/${rel}`);
        remove(`${root}/${rel}`);
        Deno.symlinkSync(target, `${root}/${rel}`);
      }
      for (const [rel, content] of Object.entries(s.files)) {
        parent(`${root}/${rel}`);
        remove(`${root}/${rel}`);
        if (typeof content === "string") Deno.writeTextFileSync(`${root}/${rel}`, content);
        else Deno.writeFileSync(`${root}/${rel}`, content);
      }
      for (const rel of s.fifos) {
        parent(`${root}/${rel}`);
        remove(`${root}/${rel}`);
        run("mkfifo", [`${root}/${rel}`]);
      }
      for (const rel of s.sockets) {
        parent(`${root}/${rel}`);
        Deno.linkSync(socketFile(), `${root}/${rel}`);
      }
      for (const [rel, seconds] of Object.entries(s.mtimes)) {
        Deno.utimeSync(`${root}/${rel}`, seconds, seconds);
      }
    }
    if (options.fault !== undefined) {
      const dir = `${FIXTURES}/faults/${options.fault}`;
      const files = filesOf(dir);
      if (files.includes("REMOVE")) {
        for (const rel of Deno.readTextFileSync(`${dir}/REMOVE`).split("\n")) {
          if (rel !== "") remove(`${root}/${rel}`);
        }
      }
      for (const rel of files.filter((f) => f !== "REMOVE")) {
        parent(`${root}/${rel}`);
        // Never write through what is there (a device node, a link).
        remove(`${root}/${rel}`);
        Deno.copyFileSync(`${dir}/${rel}`, `${root}/${rel}`);
      }
    }
  } catch (e) {
    done();
    throw e;
  }
  return { root, done };
}

/** Whether this process runs as root (`id -u`); mknod needs it. */
export function isRoot(): boolean {
  const out = new Deno.Command("id", { args: ["-u"], stdout: "piped" }).outputSync();
  return new TextDecoder().decode(out.stdout) === "0\n";
}

/** The fault directories of tests/fixtures/doctor/faults, sorted. */
export function faultNames(): string[] {
  return [...Deno.readDirSync(`${FIXTURES}/faults`)].filter((e) => e.isDirectory)
    .map((e) => e.name).sort();
}
