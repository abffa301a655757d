/**
 * `doctor` as a process (tests/_hook.ts): JSON and text output, exit
 * codes, usage errors, a bad --root, and a run on this very host (no
 * --root), where /proc, /dev and /sys are read through the shell.
 */

import assert from "node:assert/strict";
import { launcherEnv, runHook } from "../_hook.ts";
import { doctorView } from "../../main.ts";
import { CHECK_IDS } from "../../lib/doctor/check.ts";
import { runDoctor } from "../../lib/doctor/doctor.ts";
import { configCandidates } from "../../lib/hook_config.ts";
import { stableJson } from "../../lib/stable_json.ts";
import { usage } from "../../lib/parse_args.ts";
import { isRoot, makeTree } from "./_fixtures.ts";

const P = "nvidia-container-runtime-hook: ";
const inCi = Deno.env.get("CI") === "true";
const root = isRoot();
if (!root && inCi) throw new Error("CI=true: the doctor process tests need root (mknod)");

const ENV = { ...launcherEnv(), PATH: "/usr/bin:/bin" };

async function versionText(): Promise<string> {
  const r = await runHook({ args: ["-version"], env: ENV });
  assert.equal(r.code, 0);
  return r.stdout;
}

/** The report runDoctor gives in-process for `dir`, with the -version text. */
async function inProcess(dir: string) {
  return await runDoctor({
    view: doctorView(),
    root: dir,
    version: await versionText(),
    candidates: configCandidates("", {}),
    cwd: "/",
    pathEnv: "/usr/bin:/bin",
  });
}

function treeTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, ignore: !root, fn });
}

treeTest("doctor --root --json: a healthy tree, stable JSON, exit 0", async () => {
  const tree = makeTree({});
  try {
    const r = await runHook({ args: ["doctor", "--root", tree.root, "--json"], env: ENV });
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0, r.stdout);
    const expected = await inProcess(tree.root);
    assert.equal(r.stdout, stableJson(expected));
    const version = (await versionText()).trim().split("\n").join(", ");
    assert.equal(expected.checks[0]?.message, version);
    assert.match(
      version,
      /^NVIDIA Container Runtime Hook version \d+\.\d+\.\d+(, commit: [0-9a-f]{40})?$/,
    );
    assert.deepEqual(Object.keys(JSON.parse(r.stdout)), ["checks", "schema"]);
  } finally {
    tree.done();
  }
});

treeTest("doctor --root: the text report, one line per check and a summary", async () => {
  const tree = makeTree({ fault: "persistenced-missing" });
  try {
    const r = await runHook({ args: ["doctor", `--root=${tree.root}`], env: ENV });
    assert.equal(r.code, 0, r.stdout);
    assert.equal(r.stderr, "");
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines[0], "This hook");
    assert.equal(lines.at(-1), "summary: 22 ok, 1 warn, 0 FAIL: ready for GPU containers");
    const checks = lines.filter((l) => l.startsWith("  "));
    assert.deepEqual(checks.map((l) => l.slice(7, l.indexOf(":"))), [...CHECK_IDS]);
    assert.ok(checks.includes(
      '  warn driver.persistenced: nvidia-persistenced is not running (no /var/run/nvidia-persistenced/socket): containers start slowly, and the CLI can fail with "driver rpc error: timed out" -- fix: systemctl enable --now nvidia-persistenced',
    ));
  } finally {
    tree.done();
  }
});

treeTest("doctor exits 1 when a check fails, and still prints the whole report", async () => {
  const tree = makeTree({ fault: "cli-missing" });
  try {
    const r = await runHook({ args: ["doctor", "--json", "--root", tree.root], env: ENV });
    assert.equal(r.code, 1);
    assert.equal(r.stderr, "");
    const report = JSON.parse(r.stdout);
    assert.equal(report.checks.length, CHECK_IDS.length);
    assert.deepEqual(
      report.checks.filter((c: { status: string }) => c.status !== "ok").map((c: { id: string }) =>
        c.id
      ),
      ["cli.path"],
    );
  } finally {
    tree.done();
  }
});

treeTest(
  "doctor reads the -config file under the root, and a relative --root from cwd",
  async () => {
    const tree = makeTree({});
    try {
      Deno.writeTextFileSync(
        `${tree.root}/etc/custom.toml`,
        "[nvidia-container-cli]\nno-cgroup = true\n",
      );
      const parent = tree.root.slice(0, tree.root.lastIndexOf("/"));
      const relative = tree.root.slice(parent.length + 1);
      const r = await runHook({
        args: ["-config", "/etc/custom.toml", "doctor", "--json", "--root", relative],
        env: ENV,
        cwd: parent,
      });
      assert.equal(r.code, 0, r.stderr);
      const config = JSON.parse(r.stdout).checks.find((c: { id: string }) =>
        c.id === "hook.config"
      );
      assert.deepEqual(config, {
        id: "hook.config",
        status: "warn",
        message:
          '/etc/custom.toml (-config flag): line 2: unknown key "nvidia-container-cli.no-cgroup"; did you mean "nvidia-container-cli.no-cgroups"?',
        fix:
          "edit /etc/custom.toml; nvidia-container-runtime-hook check-config /etc/custom.toml lists every warning",
      });
    } finally {
      tree.done();
    }
  },
);

Deno.test("doctor --root that is not a directory: one line, exit 1", async () => {
  const tmp = Deno.makeTempDirSync({ prefix: "hook-doctor-" });
  try {
    Deno.writeTextFileSync(`${tmp}/file`, "");
    for (const dir of [`${tmp}/file`, `${tmp}/nope`]) {
      const r = await runHook({ args: ["doctor", "--root", dir], env: ENV });
      assert.equal(r.stdout, "");
      assert.equal(r.stderr, `${P}Cannot read --root ${JSON.stringify(dir)}: not a directory\n`);
      assert.equal(r.code, 1);
    }
  } finally {
    Deno.removeSync(tmp, { recursive: true });
  }
});

Deno.test("doctor usage errors exit 2 with the usage", async (t) => {
  const table: [string[], string][] = [
    [["doctor", "--bogus"], "Flag provided but not defined: -bogus"],
    [["doctor", "extra"], 'Unexpected argument "extra" after doctor'],
    [["doctor", "--root="], '--root must name a directory, got ""'],
    [["doctor", "--root"], "Flag needs an argument: -root"],
  ];
  for (const [args, message] of table) {
    await t.step(args.join(" "), async () => {
      const r = await runHook({ args, env: ENV });
      assert.equal(r.stderr, `${P}${message}\n${usage("nvidia-container-runtime-hook")}`);
      assert.equal(r.code, 2);
      assert.equal(r.stdout, "");
    });
  }
  await t.step("-h", async () => {
    const r = await runHook({ args: ["doctor", "-h"], env: ENV });
    assert.equal(r.code, 0);
    assert.equal(r.stderr, usage("nvidia-container-runtime-hook"));
  });
});

/** The pids whose comm is `name` on this host (through sh: Deno cannot read /proc). */
function pidsNamed(name: string): number[] {
  const out = new Deno.Command("sh", {
    args: [
      "-c",
      'for f in /proc/[0-9]*/comm; do read -r c < "$f" 2>/dev/null && [ "$c" = "$1" ] && echo "${f%/comm}"; done',
      "sh",
      name,
    ],
    stdout: "piped",
    stderr: "null",
  }).outputSync();
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l !== "")
    .map((l) => Number(l.slice(6)));
}

Deno.test("doctor on this host (no --root) reads /proc through the shell, never a stack trace", async () => {
  // A stand-in dockerd (a copy of sleep) with a PATH that lacks the hook.
  const tmp = Deno.makeTempDirSync({ prefix: "hook-doctor-host-" });
  let child: Deno.ChildProcess | undefined;
  try {
    const sleep = ["/bin/sleep", "/usr/bin/sleep"].find((p) => {
      try {
        return Deno.statSync(p).isFile;
      } catch {
        return false;
      }
    });
    let pid: number | undefined;
    if (sleep !== undefined && pidsNamed("dockerd").length === 0) {
      Deno.copyFileSync(sleep, `${tmp}/dockerd`);
      Deno.chmodSync(`${tmp}/dockerd`, 0o755);
      child = new Deno.Command(`${tmp}/dockerd`, {
        args: ["30"],
        env: { PATH: `${tmp}/empty` },
        clearEnv: true,
        stdout: "null",
        stderr: "null",
      }).spawn();
      pid = child.pid;
      for (let i = 0; i < 50 && !pidsNamed("dockerd").includes(pid); i++) {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    const r = await runHook({ args: ["doctor", "--json"], env: ENV });
    assert.equal(r.stderr, "");
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}`);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.checks.map((c: { id: string }) => c.id), [...CHECK_IDS]);
    for (const text of ["NotCapable", "Requires all access", "Internal error", "--allow-all"]) {
      assert.ok(!r.stdout.includes(text), `${text} in ${r.stdout}`);
    }
    if (pid !== undefined) {
      const hookPath = report.checks.find((c: { id: string }) => c.id === "docker.hook-path");
      assert.equal(
        hookPath.message,
        `nvidia-container-runtime-hook is not on the PATH of dockerd (pid ${pid}, PATH=${tmp}/empty): docker run --gpus fails with could not select device driver "" with capabilities: [[gpu]]`,
      );
    }
  } finally {
    if (child !== undefined) {
      child.kill("SIGKILL");
      await child.status;
    }
    Deno.removeSync(tmp, { recursive: true });
  }
});
