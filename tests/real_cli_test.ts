/**
 * The real-CLI suite: every fixture bundle of the CLI suite whose argv is
 * meant for a CLI older than 1.17.4 (no `cliVersion`, or `1.17.0`) runs again
 * with NVIDIA's real `nvidia-container-cli` 1.17.0 behind a wrapper that
 * records the argv. Where the hook runs the CLI, the argv is the one the
 * case expects and the real CLI accepts it: it ends at the driver-load error
 * (no driver here), never at a parser or input error. Where the hook refuses,
 * it refuses as the case expects and the CLI never runs.
 *
 * Needs ../shared/real-cli and its runtime packages (libcap2 libelf1
 * libseccomp2 libtirpc3): skipped without them, except with CI=true.
 */

import assert from "node:assert/strict";
import { bundleNames, BUNDLES, prepareCase, readCase } from "./_cases.ts";
import { runHook } from "./_hook.ts";
import { DRIVER_LOAD_ERROR, realCli, REJECTIONS } from "./_real_cli.ts";

/** The real CLI's initialization error for a `--root` that does not exist. */
const CHROOT_ERROR = "nvidia-container-cli: initialization error: change root failed:" +
  " no such file or directory";

const inCi = Deno.env.get("CI") === "true";
const home = Deno.makeTempDirSync({ prefix: "hook-real-cli-" });
globalThis.addEventListener("unload", () => Deno.removeSync(home, { recursive: true }));
const real = realCli(`${home}/real-cli`);
if ("missing" in real && !inCi) {
  Deno.stderr.writeSync(new TextEncoder().encode(`real_cli_test.ts: skipped: ${real.missing}\n`));
}

/**
 * The cases meant for a 1.17.0 CLI: a stand-in that says 1.17.0 or nothing,
 * and no compat option (a pinned newer version); those about a CLI that
 * does not say its version are the CLI suite's alone.
 */
function cases(): string[] {
  return bundleNames().filter((name) => {
    const c = readCase(`${BUNDLES}/${name}`);
    if (c.cliVersion !== undefined && c.cliVersion !== "1.17.0") return false;
    if (c.expect.argv?.some((a) => /^--(cuda-compat-mode=|no-cntlibs$)/.test(a))) return false;
    return !(c.expect.stderr ?? "").includes("did not report its version");
  });
}

/** A wrapper at the case's CLI place: records the argv, then execs the real CLI. */
function writeWrapper(path: string, record: string, cli: string): void {
  Deno.writeTextFileSync(
    path,
    [
      "#!/bin/sh",
      `[ "$1" = --version ] || printf '%s\\0' "$0" "$@" > '${record}'`,
      `exec '${cli}' "$@"`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  Deno.chmodSync(path, 0o755);
}

function readArgv(record: string): string[] | null {
  try {
    return Deno.readTextFileSync(record).split("\0").slice(0, -1);
  } catch {
    return null;
  }
}

Deno.test({
  name: "real nvidia-container-cli 1.17.0 accepts every argv the hook builds for it",
  ignore: "missing" in real && !inCi,
  fn: async (t) => {
    if ("missing" in real) {
      throw new Error(`CI=true: the real-CLI suite must run, but ${real.missing}`);
    }
    let ran = 0;
    let refused = 0;
    for (const name of cases()) {
      await t.step(name, async () => {
        const p = prepareCase(name, (path, tmp) => writeWrapper(path, `${tmp}/argv`, real.path));
        try {
          const { c, fill } = p;
          // A driver root the case names but does not make: an empty one, so
          // that the CLI gets past chroot to loading NVML. A host root (the
          // GPU Operator's /run/nvidia/driver) is not made: the CLI stops at
          // chroot, also after parsing every option.
          let hostRoot = false;
          for (const a of c.expect.argv ?? []) {
            const root = a.startsWith("--root=") ? fill(a.slice(7)) : "";
            if (root.startsWith(`${p.tmp}/`)) Deno.mkdirSync(root, { recursive: true });
            else if (root !== "") hostRoot = true;
          }
          const r = await runHook({
            args: c.args.map(fill),
            stdin: fill(c.stdin),
            env: p.hookEnv,
            cwd: c.cwd === "tmp" ? p.tmp : p.bundle,
          });
          const argv = readArgv(`${p.tmp}/argv`);
          assert.deepEqual(argv, c.expect.argv?.map(fill) ?? null, "the argv the CLI got");
          if (argv === null) {
            // The hook did not run the CLI: as with the stand-in.
            if (c.expect.stderr !== null) assert.equal(r.stderr, fill(c.expect.stderr));
            assert.equal(r.code, c.expect.exit);
            refused++;
            return;
          }
          for (const word of REJECTIONS) {
            assert.ok(!r.stderr.includes(word), `the CLI refused the argv: ${r.stderr}`);
          }
          // With --debug=/dev/stderr the CLI's log lines come around it.
          const lines = r.stderr.trimEnd().split("\n");
          const reached = hostRoot ? CHROOT_ERROR : DRIVER_LOAD_ERROR;
          assert.ok(lines.includes(reached), `the CLI got to ${reached}: ${r.stderr}`);
          assert.equal(r.code, 1);
          ran++;
        } finally {
          p.done();
        }
      });
    }
    // Printed for the closing note: how many bundles ran the real CLI.
    Deno.stderr.writeSync(
      new TextEncoder().encode(
        `real CLI: ${ran} bundles ran it, all accepted; ${refused} ran no CLI (refused or not a GPU container)\n`,
      ),
    );
    assert.ok(ran >= 150, `at least 150 bundles reach the real CLI, got ${ran}`);
  },
});
