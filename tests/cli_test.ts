/**
 * The CLI suite: runs the hook as a process against every fixture bundle in
 * tests/fixtures/bundles/ (format in its README.md) with a stand-in
 * nvidia-container-cli, and asserts exit code, stderr, argv and environment.
 */

import assert from "node:assert/strict";
import { bundleNames, hostDefaultLdconfig, prepareCase } from "./_cases.ts";
import { type FakeCli, runHook, writeFakeCli } from "./_hook.ts";

const P = "nvidia-container-runtime-hook: ";

/** The state's id as prestart names the container (a non-empty string), if any. */
function stateId(stdin: string): string | undefined {
  try {
    const id = JSON.parse(stdin)?.id;
    return typeof id === "string" && id !== "" ? id : undefined;
  } catch {
    return undefined;
  }
}

async function runCase(name: string, t: Deno.TestContext): Promise<void> {
  let cli: FakeCli | undefined;
  const p = prepareCase(name, (path, tmp, c) => {
    cli = writeFakeCli(path, `${tmp}/record`, c.cliExit, c.cliVersion);
  });
  const { c, tmp, bundle, fill, hookEnv } = p;
  try {
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
    const ldconfig = `--ldconfig=${hostDefaultLdconfig()}`;
    const unfill = (s: string) =>
      (s === ldconfig ? "--ldconfig=<ldconfig>" : s).replaceAll(tmp, "<tmp>")
        .replaceAll(`"${ldconfig}"`, `"--ldconfig=<ldconfig>"`);

    assert.equal(run.stdout, "", "the hook writes nothing on stdout");
    if (c.expect.stderr !== null) assert.equal(run.stderr, fill(c.expect.stderr), "stderr");
    assert.equal(run.code, c.expect.exit, `exit code (stderr: ${run.stderr})`);
    const argv = cli?.argv() ?? null;
    assert.deepEqual(argv, c.expect.argv === null ? null : c.expect.argv.map(fill), "CLI argv");
    if (explain !== undefined) {
      assert.deepEqual(explain["argv"], argv, "explain --json argv equals the argv prestart ran");
      const failed = argv === null && run.code !== 0;
      // prestart names the container in its error line; explain's report has it apart.
      const id = stateId(fill(c.stdin));
      const line = run.stderr.trimEnd().split("\n").at(-1)?.slice(P.length);
      const prefix = id === undefined ? "" : `container ${id}: `;
      const error = failed && line?.startsWith(prefix)
        ? line.slice(prefix.length)
        : failed
        ? line
        : null;
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
    p.done();
  }
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
