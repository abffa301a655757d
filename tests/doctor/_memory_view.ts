/**
 * An in-memory `HostView` for the unit tests of `doctor`'s checks: a tree
 * of files, directories, devices, sockets and links given by path. Parent
 * directories are implied. Paths under a `refused` prefix throw
 * `NotCapable` (as Deno does for /proc, /dev and /sys) and are served
 * through `shell`, which speaks `shell_fallback.ts`'s protocol.
 */

import type { HostView, RunOptions, RunResult } from "../../lib/doctor/host.ts";
import { makeDev } from "../../lib/doctor/shell_fallback.ts";

/** One node of the tree. */
export type Spec =
  | string
  | { kind: "file"; text?: string; bytes?: Uint8Array; perm?: number; mtimeMs?: number }
  | { kind: "exe"; text?: string; mtimeMs?: number }
  | { kind: "dir" }
  | { kind: "char"; major: number; minor: number }
  | { kind: "socket" }
  | { kind: "fifo" }
  | { kind: "link"; target: string }
  /** lstat works (a regular file), every read throws an error of this name. */
  | { kind: "unreadable"; name: string };

/** A regular file with the execute bits. */
export function exe(text = "#!/bin/sh\n", mtimeMs = 0): Spec {
  return { kind: "exe", text, mtimeMs };
}

/** A character device. */
export function char(major: number, minor: number): Spec {
  return { kind: "char", major, minor };
}

/** A symbolic link. */
export function link(target: string): Spec {
  return { kind: "link", target };
}

/** Options of {@linkcode memoryView}. */
export interface MemoryOptions {
  /** What running a program gives (default: "no such file or directory"). */
  run?: (path: string, args: readonly string[], options: RunOptions) => RunResult;
  /** Path prefixes Deno would refuse (served through the shell). */
  refused?: readonly string[];
}

/** A `HostView` over `tree`, and the log of what it was asked. */
export interface MemoryView extends HostView {
  /** Every operation, as `op path`. */
  calls: string[];
}

function named(name: string): Error {
  const e = new Error(name);
  e.name = name;
  return e;
}

const TYPE: Record<string, number> = {
  file: 0o100000,
  exe: 0o100000,
  unreadable: 0o100000,
  dir: 0o040000,
  char: 0o020000,
  socket: 0o140000,
  fifo: 0o010000,
  link: 0o120000,
};

/** The in-memory view (see the module doc). */
export function memoryView(tree: Record<string, Spec>, options: MemoryOptions = {}): MemoryView {
  const nodes = new Map<string, Exclude<Spec, string>>();
  nodes.set("/", { kind: "dir" });
  for (const [path, spec] of Object.entries(tree)) {
    const parts = path.split("/").filter((p) => p !== "");
    for (let i = 1; i < parts.length; i++) {
      const dir = `/${parts.slice(0, i).join("/")}`;
      if (!nodes.has(dir)) nodes.set(dir, { kind: "dir" });
    }
    nodes.set(
      `/${parts.join("/")}`,
      typeof spec === "string" ? { kind: "file", text: spec } : spec,
    );
  }
  const calls: string[] = [];
  const refused = (path: string) =>
    (options.refused ?? []).some((p) => path === p || path.startsWith(`${p}/`));
  const node = (path: string) => {
    const n = nodes.get(path);
    if (n === undefined) throw named("NotFound");
    return n;
  };
  const bytesOf = (n: Exclude<Spec, string>): Uint8Array => {
    if (n.kind === "unreadable") throw named(n.name);
    if (n.kind !== "file" && n.kind !== "exe") throw named("NotFound");
    if (n.kind === "file" && n.bytes !== undefined) return n.bytes;
    return new TextEncoder().encode(n.text ?? "");
  };
  const lstat = (path: string) => {
    const n = node(path);
    const perm = n.kind === "exe" ? 0o755 : n.kind === "file" ? n.perm ?? 0o644 : 0o644;
    const size = n.kind === "file" || n.kind === "exe" ? bytesOf(n).length : 0;
    const mtimeMs = n.kind === "file" || n.kind === "exe" ? n.mtimeMs ?? 0 : 0;
    const rdev = n.kind === "char" ? makeDev(n.major, n.minor) : 0;
    return { mode: (TYPE[n.kind] as number) + perm, size, mtimeMs, rdev };
  };
  const readDir = (path: string) => {
    if (node(path).kind !== "dir") throw named("NotADirectory");
    const prefix = path === "/" ? "/" : `${path}/`;
    return [...nodes.keys()].filter((k) =>
      k !== "/" && k.startsWith(prefix) && !k.slice(prefix.length).includes("/")
    ).map((k) => k.slice(prefix.length));
  };
  const guard = <T>(op: string, path: string, fn: () => T): T => {
    calls.push(`${op} ${path}`);
    if (refused(path)) throw named("NotCapable");
    return fn();
  };
  const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return {
    calls,
    lstat: (path) => guard("lstat", path, () => lstat(path)),
    readLink: (path) =>
      guard("readLink", path, () => {
        const n = node(path);
        if (n.kind !== "link") throw named("InvalidData");
        return n.target;
      }),
    readFile: (path, cap) =>
      guard("readFile", path, () => {
        const b = bytesOf(node(path));
        return b.length > cap ? undefined : b;
      }),
    readDir: (path) => guard("readDir", path, () => readDir(path)),
    shell(args) {
      const [op, ...rest] = args.slice(3);
      calls.push(`shell ${op} ${rest.join(" ")}`);
      const out = (text: string, code = 0) => ({ code, stdout: new TextEncoder().encode(text) });
      try {
        switch (op) {
          case "lstat": {
            const s = lstat(rest[0] as string);
            const n = nodes.get(rest[0] as string);
            const [ma, mi] = n?.kind === "char" ? [n.major, n.minor] : [0, 0];
            return out(
              `${s.mode.toString(16)} ${ma.toString(16)} ${mi.toString(16)} ${
                Math.floor(s.mtimeMs / 1000)
              } ${s.size}\n`,
            );
          }
          case "link":
            return out(`${(node(rest[0] as string) as { target: string }).target}\n`);
          case "list":
            return out(readDir(rest[0] as string).sort().map((n) => `${n}\n`).join(""));
          case "read": {
            const cap = Number(rest[0]);
            return out(
              rest.slice(1).map((p) => {
                const n = nodes.get(p);
                if (n === undefined) return "N\n";
                if (n.kind === "unreadable") return "P\n";
                if (n.kind !== "file" && n.kind !== "exe") return "S\n";
                return `F${hex(bytesOf(n).subarray(0, cap))}\n`;
              }).join(""),
            );
          }
        }
      } catch {
        return out("", 1);
      }
      return out("", 1);
    },
    run(path, args, runOptions) {
      calls.push(`run ${path} ${args.join(" ")}`);
      const result = options.run?.(path, args, runOptions) ??
        { ok: false, error: "no such file or directory" };
      return Promise.resolve(result);
    },
  };
}
