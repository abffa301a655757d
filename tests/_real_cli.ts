/**
 * NVIDIA's real `nvidia-container-cli` 1.17.0 from `../shared/real-cli`
 * (beside the repository), made runnable: copied to a temp dir, with the
 * library symlinks restored where the copy holds them as small text files
 * naming their target. Used by the real-CLI suite (tests/real_cli_test.ts).
 *
 * @module
 */

import { repoDir } from "./_hook.ts";

/** Where the real CLI is kept, beside the repository. */
export const REAL_CLI_DIR = `${repoDir()}/../shared/real-cli`;

/** What the real CLI prints, last, for an argv it accepts on a host without a driver. */
export const DRIVER_LOAD_ERROR = "nvidia-container-cli: initialization error: load library" +
  " failed: libnvidia-ml.so.1: cannot open shared object file: no such file or directory";

/** What the real CLI prints for an argv it rejects (any of these in its output). */
export const REJECTIONS = [
  "unrecognized option",
  "Usage:",
  "input error:",
  "error parsing IMEX info:",
] as const;

function copyTree(from: string, to: string): void {
  Deno.mkdirSync(to, { recursive: true });
  for (const e of Deno.readDirSync(from)) {
    const src = `${from}/${e.name}`;
    const dst = `${to}/${e.name}`;
    if (e.isDirectory) copyTree(src, dst);
    else if (e.isSymlink) Deno.symlinkSync(Deno.readLinkSync(src), dst);
    else {
      Deno.copyFileSync(src, dst);
      Deno.chmodSync(dst, (Deno.statSync(src).mode ?? 0o644) | 0o200);
    }
  }
}

/**
 * A runnable copy of the real CLI in `dir`: the path of its `bin/` wrapper,
 * or why it cannot be had (`../shared/real-cli` missing, or it does not say
 * its version).
 */
export function realCli(dir: string): { path: string } | { missing: string } {
  try {
    Deno.statSync(`${REAL_CLI_DIR}/bin/nvidia-container-cli`);
  } catch {
    return { missing: `${REAL_CLI_DIR}/bin/nvidia-container-cli is missing` };
  }
  copyTree(REAL_CLI_DIR, dir);
  for (const e of Deno.readDirSync(`${dir}/lib`)) {
    const file = `${dir}/lib/${e.name}`;
    if (!e.isFile || Deno.statSync(file).size > 255) continue;
    const target = Deno.readTextFileSync(file).trim();
    if (/^[A-Za-z0-9._+-]+$/.test(target) && target !== e.name) {
      Deno.removeSync(file);
      Deno.symlinkSync(target, file);
    }
  }
  const path = `${dir}/bin/nvidia-container-cli`;
  const out = new Deno.Command(path, { args: ["--version"], stderr: "piped" }).outputSync();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success || !text.startsWith("cli-version: ")) {
    const err = new TextDecoder().decode(out.stderr).trim().split("\n").at(-1);
    return {
      missing: `the real CLI does not run (install libcap2 libelf1 libseccomp2 libtirpc3): ${err}`,
    };
  }
  return { path };
}
