/**
 * The decision log as operators get it: the hook run as a process with
 * `nvidia-container-runtime-hook.log-file` set to a file under a temp dir
 * in /run (the hook may write only under /var/log and /run), one JSON line
 * per prestart: every field for each outcome, 24 concurrent hooks, refused
 * log paths, and no container secret in the log.
 */

import assert from "node:assert/strict";
import { launcherEnv, repoDir, runHook, runningLine, writeFakeCli } from "./_hook.ts";
import { hostDefaultLdconfig } from "./_cases.ts";

const P = "nvidia-container-runtime-hook: ";

interface Setup {
  tmp: string;
  /** A directory under /run for log files. */
  run: string;
  log: string;
  bundle: string;
  cli: string;
  hookEnv: Record<string, string>;
  state(id?: string): string;
  writeSpec(env: string[]): void;
  writeConfig(extra?: string): void;
  lines(): Record<string, unknown>[];
  done(): void;
}

function setup(): Setup {
  const tmp = Deno.makeTempDirSync({ prefix: "hook-log-" });
  const run = Deno.makeTempDirSync({ dir: "/run", prefix: "hook-log-test-" });
  const bundle = `${tmp}/bundle`;
  Deno.mkdirSync(`${bundle}/rootfs`, { recursive: true });
  Deno.mkdirSync(`${tmp}/bin`);
  const cli = `${tmp}/bin/nvidia-container-cli`;
  writeFakeCli(cli, `${tmp}/rec`, 0);
  const log = `${run}/decisions.log`;
  const s: Setup = {
    tmp,
    run,
    log,
    bundle,
    cli,
    hookEnv: {
      ...launcherEnv(),
      PATH: `${tmp}/bin:/usr/bin:/bin`,
      NVIDIA_CONTAINER_RUNTIME_HOOK_CONFIG_PREFIX: `${tmp}/prefix`,
    },
    state: (id = "ctr-1") => JSON.stringify({ ociVersion: "1.0.2", id, pid: 4242, bundle }),
    writeSpec: (env) =>
      Deno.writeTextFileSync(
        `${bundle}/config.json`,
        JSON.stringify({ ociVersion: "1.0.2", process: { env }, root: { path: "rootfs" } }),
      ),
    writeConfig: (extra = `log-file = "${log}"\n`) => {
      Deno.mkdirSync(`${tmp}/prefix/etc/nvidia-container-runtime`, { recursive: true });
      Deno.writeTextFileSync(
        `${tmp}/prefix/etc/nvidia-container-runtime/config.toml`,
        `[nvidia-container-cli]\npath = "${cli}"\n\n[nvidia-container-runtime-hook]\n${extra}`,
      );
    },
    lines: () =>
      Deno.readTextFileSync(log).split("\n").filter((l) => l !== "").map((l) => JSON.parse(l)),
    done: () => {
      Deno.removeSync(tmp, { recursive: true });
      Deno.removeSync(run, { recursive: true });
    },
  };
  s.writeSpec(["NVIDIA_VISIBLE_DEVICES=0,1", "NVIDIA_DRIVER_CAPABILITIES=compute,utility"]);
  s.writeConfig();
  return s;
}

/** Checks `time` and `hook_ms`, which vary, and returns the rest. */
function stable(line: Record<string, unknown>): Record<string, unknown> {
  const { time, hook_ms, ...rest } = line;
  assert.match(String(time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(typeof hook_ms === "number" && hook_ms > 0 && hook_ms < 60_000, `hook_ms ${hook_ms}`);
  return rest;
}

function argvFor(s: Setup): string[] {
  return [
    s.cli,
    "--load-kmods",
    "configure",
    `--ldconfig=${hostDefaultLdconfig()}`,
    "--device=0,1",
    "--compute",
    "--utility",
    "--pid=4242",
    `${s.bundle}/rootfs`,
  ];
}

Deno.test("decision log: a GPU start logs what the hook ran, before it became the CLI", async () => {
  const s = setup();
  try {
    const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state() });
    assert.deepEqual([r.code, r.stderr], [
      0,
      runningLine({ id: "ctr-1", devices: "0,1", requirements: [], bundle: s.bundle }),
    ]);
    const lines = s.lines();
    assert.equal(lines.length, 1);
    assert.deepEqual(stable(lines[0]!), {
      schema: 1,
      container: "ctr-1",
      bundle: s.bundle,
      pid: 4242,
      gpu: true,
      reason: "NVIDIA_VISIBLE_DEVICES",
      devices: "0,1",
      capabilities: ["compute", "utility"],
      requirements: [],
      argv: argvFor(s),
      outcome: "cli",
      error: null,
    });
    assert.equal(Deno.statSync(s.log).mode! & 0o777, 0o640);
  } finally {
    s.done();
  }
});

Deno.test("decision log: a start whose CLI fails is logged as run (outcome cli)", async () => {
  const s = setup();
  try {
    writeFakeCli(s.cli, `${s.tmp}/rec`, 3);
    s.writeSpec(["NVIDIA_VISIBLE_DEVICES=0,1", "NVIDIA_DRIVER_CAPABILITIES=compute,utility"]);
    const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state() });
    assert.equal(r.code, 3, "the CLI's status is the hook's");
    const [line] = s.lines();
    assert.deepEqual([line?.outcome, line?.argv, line?.error], ["cli", argvFor(s), null]);
  } finally {
    s.done();
  }
});

Deno.test("decision log: a container without a GPU request, a refusal and an input error", async (t) => {
  const s = setup();
  try {
    await t.step("no GPU", async () => {
      s.writeSpec(["PATH=/bin", "HOSTNAME=web"]);
      const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state("plain") });
      assert.deepEqual([r.code, r.stderr], [0, ""]);
      assert.deepEqual(stable(s.lines().at(-1)!), {
        schema: 1,
        container: "plain",
        bundle: s.bundle,
        pid: 4242,
        gpu: false,
        reason: "NVIDIA_VISIBLE_DEVICES is not set",
        devices: null,
        capabilities: null,
        requirements: null,
        argv: null,
        outcome: "no-gpu",
        error: null,
      });
    });
    await t.step("refused by the policy", async () => {
      s.writeSpec(["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_MIG_CONFIG_DEVICES=all"]);
      const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state("mig") });
      const message = "Cannot set NVIDIA_MIG_CONFIG_DEVICES in an unprivileged container" +
        " (CAP_SYS_ADMIN is not in its bounding set)";
      assert.deepEqual([r.code, r.stderr], [1, `${P}container mig: ${message}\n`]);
      assert.deepEqual(stable(s.lines().at(-1)!), {
        schema: 1,
        container: "mig",
        bundle: s.bundle,
        pid: 4242,
        gpu: false,
        reason: null,
        devices: null,
        capabilities: null,
        requirements: null,
        argv: null,
        outcome: "refused",
        error: message,
      });
    });
    await t.step("bad input", async () => {
      Deno.writeTextFileSync(`${s.bundle}/config.json`, '{"ociVersion": 1}');
      const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state("bad") });
      const message = `Cannot parse ${s.bundle}/config.json: "ociVersion" must be a string,` +
        " got a number";
      assert.deepEqual([r.code, r.stderr], [1, `${P}container bad: ${message}\n`]);
      const line = stable(s.lines().at(-1)!);
      assert.deepEqual([line.outcome, line.error, line.gpu, line.container], [
        "error",
        message,
        false,
        "bad",
      ]);
    });
    assert.equal(s.lines().length, 3);
  } finally {
    s.done();
  }
});

Deno.test("decision log: 24 hooks at once give 24 whole lines", async () => {
  const s = setup();
  try {
    // Long values, so that each line is several KiB and interleaving would show.
    const long = Array.from(
      { length: 30 },
      (_, i) => `NVIDIA_REQUIRE_R${i}=driver>=${"5".repeat(90)}`,
    );
    s.writeSpec(["NVIDIA_VISIBLE_DEVICES=0,1", ...long]);
    const runs = await Promise.all(
      Array.from(
        { length: 24 },
        (_, i) => runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state(`c${i}`) }),
      ),
    );
    assert.deepEqual(runs.map((r) => r.code), Array(24).fill(0));
    const text = Deno.readTextFileSync(s.log);
    const lines = text.split("\n");
    assert.equal(lines.pop(), "", "the file ends with a newline");
    assert.equal(lines.length, 24);
    const ids = lines.map((l) => JSON.parse(l).container).sort();
    assert.deepEqual(ids, Array.from({ length: 24 }, (_, i) => `c${i}`).sort());
    for (const l of lines) assert.ok(new TextEncoder().encode(l).length < 4096);
  } finally {
    s.done();
  }
});

Deno.test("decision log: a log that cannot be written warns once and changes nothing else", async (t) => {
  const s = setup();
  try {
    const cases: [string, (p: string) => void, string][] = [
      ["a missing directory", () => {}, "no such file or directory"],
      ["a directory", (p) => Deno.mkdirSync(p), "not a regular file"],
      ["a symlink", (p) => Deno.symlinkSync(`${s.run}/target`, p), "is a symbolic link"],
      [
        "a FIFO",
        (p) => new Deno.Command("mkfifo", { args: [p] }).outputSync(),
        "not a regular file",
      ],
    ];
    for (const [name, make, reason] of cases) {
      await t.step(name, async () => {
        const path = name === "a missing directory"
          ? `${s.run}/missing/decisions.log`
          : `${s.run}/${name.replaceAll(" ", "-")}.log`;
        make(path);
        s.writeConfig(`log-file = "${path}"\n`);
        const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state() });
        assert.deepEqual([r.code, r.stderr], [
          0,
          `${P}warning: cannot write the decision log ${path}: ${reason}\n` +
          runningLine({ id: "ctr-1", devices: "0,1", requirements: [], bundle: s.bundle }),
        ]);
        const argv = Deno.readTextFileSync(`${s.tmp}/rec/argv`).split("\0").slice(0, -1);
        assert.deepEqual(argv, argvFor(s), "the CLI ran as without a log");
        Deno.removeSync(`${s.tmp}/rec/argv`);
      });
    }
    assert.throws(() => Deno.statSync(`${s.run}/target`), Deno.errors.NotFound);
  } finally {
    s.done();
  }
});

Deno.test("decision log: a log-file outside /var/log and /run is a config error naming the key", async (t) => {
  const s = setup();
  try {
    for (
      const path of ["/etc/nvidia-hook.log", "/var/log/../../etc/x.log", "relative.log", "/run"]
    ) {
      await t.step(path, async () => {
        s.writeConfig(`log-file = "${path}"\n`);
        const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state() });
        assert.deepEqual([r.code, r.stderr], [
          1,
          `${P}Cannot load config file ${s.tmp}/prefix/etc/nvidia-container-runtime/config.toml:` +
          ` "nvidia-container-runtime-hook.log-file" must be an absolute path of a file under` +
          ` /var/log or /run (the only places the hook may write); got "${path}"\n`,
        ]);
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("decision log: a secret in the container's environment never reaches the log", async () => {
  const s = setup();
  try {
    s.writeSpec([
      "AWS_SECRET_ACCESS_KEY=hunter2-secret",
      "NVIDIA_VISIBLE_DEVICES=0",
      "DB_PASSWORD=hunter2-secret",
      "NVIDIA_DRIVER_CAPABILITIES=bogus-hunter2",
    ]);
    await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state() });
    s.writeSpec(["AWS_SECRET_ACCESS_KEY=hunter2-secret", "NVIDIA_VISIBLE_DEVICES=0"]);
    await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state() });
    const text = Deno.readTextFileSync(s.log);
    assert.equal(text.split("\n").length - 1, 2);
    assert.ok(!text.includes("hunter2-secret"), text);
  } finally {
    s.done();
  }
});

Deno.test("decision log: main.ts loads the log module only when a log is configured", () => {
  const text = Deno.readTextFileSync(`${repoDir()}/main.ts`);
  assert.doesNotMatch(text, /^import[^;]*decision_log\.ts/m);
  assert.match(text, /await import\("\.\/lib\/decision_log\.ts"\)/);
});
