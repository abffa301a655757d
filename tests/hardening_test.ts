/**
 * Process-level tests of hostile input (issue 6): the container's
 * environment never reaches the CLI, symlinks in the bundle, `root.path`
 * values that are `/` or climb out of the bundle with `..`, values crafted
 * to look like options, control characters in paths, and the size limits of
 * SPEC 4 (and the config file's) one byte below and at each limit. The limit
 * + 1 cases of stdin and `config.json`, and signal forwarding, are in
 * tests/main_test.ts.
 */

import assert from "node:assert/strict";
import { posix } from "node:path";
import { lineBreaker } from "./_fuzz.ts";
import {
  type FakeCli,
  hookCommand,
  launcherEnv,
  runHook,
  runningLine,
  writeFakeCli,
} from "./_hook.ts";
import { HOOK_PERMISSIONS } from "../scripts/_hook_permissions.ts";
import { hostDefaultLdconfig } from "./_cases.ts";

const P = "nvidia-container-runtime-hook: ";
const MiB = 1024 * 1024;
/** The --ldconfig option with no ldconfig configured: the host's own. */
const LDCONFIG = `--ldconfig=${hostDefaultLdconfig()}`;
/** What the CLI search appends to the hook's PATH `${tmp}/bin:/usr/bin:/bin`. */
const DEFAULT_DIRS_LEFT = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin";

interface Setup {
  tmp: string;
  bundle: string;
  hookEnv: Record<string, string>;
  cli: FakeCli;
  /** The state for `bundle` (or another bundle path). */
  state(bundle?: string): string;
  /** Writes `<bundle>/config.json` with this env and root.path. */
  writeSpec(env: string[], rootPath?: string): void;
  /** Runs `prestart` with the state of `bundle`, after clearing the CLI's records. */
  run(options?: { args?: string[]; stdin?: string | Uint8Array }): ReturnType<typeof runHook>;
  done(): void;
}

/** A temp dir with a GPU bundle, a stand-in CLI in `bin/` and an empty config prefix. */
function setup(): Setup {
  const tmp = Deno.realPathSync(Deno.makeTempDirSync({ prefix: "hook-hardening-" }));
  const bundle = `${tmp}/bundle`;
  Deno.mkdirSync(bundle);
  Deno.mkdirSync(`${bundle}/rootfs`);
  Deno.mkdirSync(`${tmp}/bin`);
  const cli = writeFakeCli(`${tmp}/bin/nvidia-container-cli`, `${tmp}/rec`, 0);
  const hookEnv: Record<string, string> = {
    ...launcherEnv(),
    PATH: `${tmp}/bin:/usr/bin:/bin`,
    NVIDIA_CONTAINER_RUNTIME_HOOK_CONFIG_PREFIX: `${tmp}/prefix`,
  };
  const state = (b = bundle) => JSON.stringify({ pid: 4242, bundle: b });
  const writeSpec = (env: string[], rootPath = "rootfs") =>
    Deno.writeTextFileSync(
      `${bundle}/config.json`,
      JSON.stringify({ ociVersion: "1.0.2", process: { env }, root: { path: rootPath } }),
    );
  writeSpec(["NVIDIA_VISIBLE_DEVICES=0"]);
  return {
    tmp,
    bundle,
    hookEnv,
    cli,
    state,
    writeSpec,
    run: (options = {}) => {
      Deno.removeSync(`${tmp}/rec`, { recursive: true });
      Deno.mkdirSync(`${tmp}/rec`);
      return runHook({
        args: options.args ?? ["prestart"],
        env: hookEnv,
        stdin: options.stdin ?? state(),
      });
    },
    done: () => Deno.removeSync(tmp, { recursive: true }),
  };
}

/** The argv of a default-config GPU container with `--device=0`, for a rootfs. */
function argvFor(s: Setup, rootfs: string): string[] {
  return [
    `${s.tmp}/bin/nvidia-container-cli`,
    "--load-kmods",
    "configure",
    LDCONFIG,
    "--device=0",
    "--compute",
    "--utility",
    "--pid=4242",
    rootfs,
  ];
}

/** Asserts a run failed with exit 1 and exactly this one error line, without running the CLI. */
function assertRefused(s: Setup, r: { code: number; stderr: string }, message: string): void {
  assert.equal(r.stderr, `${P}${message}\n`);
  assert.equal(r.code, 1);
  assert.equal(s.cli.argv(), null, "the CLI ran");
}

// ---------------------------------------------------------------------------
// The container's environment

/** Variables a container might set to hijack the CLI or the hook. */
const CONTAINER_ENV = [
  "LD_PRELOAD=/nonexistent/evil.so",
  "LD_LIBRARY_PATH=/evil/lib",
  "PATH=/evil/bin",
  "HOME=/evil/home",
  "CONTAINER_ONLY=1",
  "NVIDIA_VISIBLE_DEVICES=0",
  "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
  "NVIDIA_REQUIRE_CUDA=cuda>=11.0",
  "NVIDIA_CONTAINER_RUNTIME_HOOK_CONFIG_PREFIX=/evil",
  "NVIDIA_CTK_CONFIG_FILE_PATH=/evil/config.toml",
  "XDG_CONFIG_HOME=/evil",
];

Deno.test("main() gives the CLI exactly the hook's environment, never the container's", async (t) => {
  const s = setup();
  s.writeSpec(CONTAINER_ENV);
  // The host's own NVIDIA_* variable is the hook's, and reaches the CLI unchanged.
  s.hookEnv["NVIDIA_DRIVER_CAPABILITIES"] = "host-value";
  s.hookEnv["HOST_ONLY"] = "1";
  const tail = [
    LDCONFIG,
    "--device=0",
    "--compute",
    "--utility",
    "--require=cuda>=11.0",
    "--pid=4242",
  ];
  try {
    await t.step("CLI found by the PATH search: PATH is the search list", async () => {
      const r = await s.run();
      assert.deepEqual([r.code, r.stderr], [
        0,
        runningLine({ devices: "0", requirements: ["cuda>=11.0"], bundle: s.bundle }),
      ]);
      assert.deepEqual(s.cli.argv(), [
        `${s.tmp}/bin/nvidia-container-cli`,
        "--load-kmods",
        "configure",
        ...tail,
        `${s.bundle}/rootfs`,
      ]);
      assert.deepEqual(s.cli.env(), {
        ...s.hookEnv,
        PATH: `${s.tmp}/bin:/usr/bin:/bin:${DEFAULT_DIRS_LEFT}`,
      });
    });
    await t.step(
      "CLI named by nvidia-container-cli.path: the hook's environment as is",
      async () => {
        Deno.writeTextFileSync(`${s.tmp}/c.toml`, `nvidia-container-cli.path = "${s.cli.path}"\n`);
        const r = await s.run({ args: ["-config", `${s.tmp}/c.toml`, "prestart"] });
        assert.deepEqual([r.code, r.stderr], [
          0,
          runningLine({
            devices: "0",
            requirements: ["cuda>=11.0"],
            bundle: s.bundle,
            config: `${s.tmp}/c.toml`,
          }),
        ]);
        assert.deepEqual(s.cli.argv(), [
          s.cli.path,
          "--load-kmods",
          "configure",
          ...tail,
          `${s.bundle}/rootfs`,
        ]);
        assert.deepEqual(s.cli.env(), s.hookEnv);
      },
    );
    await t.step("only the config's environment entries are added", async () => {
      Deno.writeTextFileSync(
        `${s.tmp}/c.toml`,
        `[nvidia-container-cli]\npath = "${s.cli.path}"\nenvironment = ["LD_PRELOAD=", "EXTRA=a=b"]\n`,
      );
      const r = await s.run({ args: ["-config", `${s.tmp}/c.toml`, "prestart"] });
      assert.deepEqual([r.code, r.stderr], [
        0,
        runningLine({
          devices: "0",
          requirements: ["cuda>=11.0"],
          bundle: s.bundle,
          config: `${s.tmp}/c.toml`,
        }),
      ]);
      assert.deepEqual(s.cli.env(), { ...s.hookEnv, LD_PRELOAD: "", EXTRA: "a=b" });
    });
  } finally {
    s.done();
  }
});

// ---------------------------------------------------------------------------
// Values that look like options, control characters

Deno.test("main() keeps container values that look like options inside one argv element", async () => {
  const s = setup();
  s.writeSpec([
    "NVIDIA_VISIBLE_DEVICES=--no-cgroups,-x, configure",
    "NVIDIA_REQUIRE_A=--pid=1",
    "NVIDIA_REQUIRE_B=x\n--no-pivot",
    `NVIDIA_REQUIRE_C=$(touch ${s.tmp}/pwned) \`touch ${s.tmp}/pwned\``,
    "NVIDIA_REQUIRE_D= --root=/ ",
  ]);
  try {
    const r = await s.run();
    // The running line shows each value quoted, control characters escaped: one line.
    const requirements = [
      "--pid=1",
      "x\n--no-pivot",
      `$(touch ${s.tmp}/pwned) \`touch ${s.tmp}/pwned\``,
      " --root=/ ",
    ];
    assert.deepEqual(
      [r.code, r.stderr],
      [0, runningLine({ devices: "--no-cgroups,-x,configure", requirements, bundle: s.bundle })],
    );
    assert.equal(lineBreaker(r.stderr.slice(0, -1)), undefined);
    assert.deepEqual(s.cli.argv(), [
      `${s.tmp}/bin/nvidia-container-cli`,
      "--load-kmods",
      "configure",
      LDCONFIG,
      "--device=--no-cgroups,-x,configure",
      "--compute",
      "--utility",
      "--require=--pid=1",
      "--require=x\n--no-pivot",
      `--require=$(touch ${s.tmp}/pwned) \`touch ${s.tmp}/pwned\``,
      "--require= --root=/ ",
      "--pid=4242",
      `${s.bundle}/rootfs`,
    ]);
    assert.throws(() => Deno.statSync(`${s.tmp}/pwned`), Deno.errors.NotFound);
  } finally {
    s.done();
  }
});

Deno.test("main() never lets a NUL byte in a container value cut an argv element", async () => {
  const s = setup();
  s.writeSpec(["NVIDIA_VISIBLE_DEVICES=0\u0000--no-cgroups"]);
  try {
    const r = await s.run();
    // An execve() argument cannot hold a NUL: the CLI must not run with a
    // cut "--device=0" and a smuggled option; the start fails on one line.
    assert.equal(r.code, 1);
    assert.equal(s.cli.argv(), null, "the CLI ran");
    assert.equal(
      r.stderr,
      "nvidia-container-runtime-hook: Cannot pass --device to nvidia-container-cli:" +
        " its value holds a NUL byte\n",
    );
  } finally {
    s.done();
  }
});

Deno.test("main() reports a bundle path with control characters on one line", async (t) => {
  const s = setup();
  const table: [string, string | Uint8Array][] = [
    ["newline", s.state(`${s.tmp}/no\nsuch`)],
    ["carriage return", s.state(`${s.tmp}/no\rsuch`)],
    ["escape sequence", s.state(`${s.tmp}/no\x1b[2Ksuch`)],
    ["line separator", s.state(`${s.tmp}/no\u2028such`)],
    [
      "invalid UTF-8",
      new Uint8Array([
        ...new TextEncoder().encode(`{"pid":4242,"bundle":"${s.tmp}/no`),
        0xff,
        0xc0,
        0x80,
        ...new TextEncoder().encode('such"}'),
      ]),
    ],
  ];
  try {
    for (const [name, stdin] of table) {
      await t.step(name, async () => {
        const r = await s.run({ stdin });
        assert.equal(r.code, 1);
        assert.equal(s.cli.argv(), null, "the CLI ran");
        assert.ok(r.stderr.startsWith(`${P}Cannot read OCI spec `), JSON.stringify(r.stderr));
        assert.ok(r.stderr.endsWith(": no such file or directory\n"), JSON.stringify(r.stderr));
        const odd = lineBreaker(r.stderr.slice(0, -1));
        assert.equal(odd, undefined, `not one clean line (${odd}): ${JSON.stringify(r.stderr)}`);
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() shows a state id with control characters escaped, on one line", async (t) => {
  const s = setup();
  // [name, the id, as error lines show it (the running line: runningLine())]
  const table: [string, string, string][] = [
    ["newline", "a\nb", "a\\nb"],
    ["carriage return", "a\rb", "a\\rb"],
    ["escape sequence", "a\x1b[2Kb", "a\\u001b[2Kb"],
    ["NUL", "a\u0000b", "a\\u0000b"],
    ["DEL and C1", "a\u007f\u009bb", "a\\u007f\\u009bb"],
    ["line separator", "a\u2028b", "a\\u2028b"],
    ["a quote", 'a"b', 'a\\"b'],
  ];
  try {
    for (const [name, id, shown] of table) {
      await t.step(`${name}: the running line`, async () => {
        s.writeSpec(["NVIDIA_VISIBLE_DEVICES=0"]);
        const stdin = JSON.stringify({ id, pid: 4242, bundle: s.bundle });
        const r = await s.run({ stdin });
        assert.deepEqual([r.code, r.stderr], [
          0,
          runningLine({ id, devices: "0", requirements: [], bundle: s.bundle }),
        ]);
      });
      await t.step(`${name}: an error line`, async () => {
        s.writeSpec(["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_MIG_MONITOR_DEVICES=all"]);
        const stdin = JSON.stringify({ id, pid: 4242, bundle: s.bundle });
        assertRefused(
          s,
          await s.run({ stdin }),
          `container ${shown}: Cannot set NVIDIA_MIG_MONITOR_DEVICES in an unprivileged` +
            " container (CAP_SYS_ADMIN is not in its bounding set)",
        );
      });
    }
  } finally {
    s.done();
  }
});

// ---------------------------------------------------------------------------
// Symlinks, "/" and ".."

Deno.test("main() follows a config.json symlink; root.path stays relative to the bundle", async (t) => {
  const s = setup();
  const spec = Deno.readTextFileSync(`${s.bundle}/config.json`);
  Deno.mkdirSync(`${s.tmp}/elsewhere/rootfs`, { recursive: true });
  Deno.writeTextFileSync(`${s.tmp}/elsewhere/spec.json`, spec);
  const link = (target: string) => {
    Deno.removeSync(`${s.bundle}/config.json`);
    Deno.symlinkSync(target, `${s.bundle}/config.json`);
  };
  const file = `${s.bundle}/config.json`;
  try {
    for (const target of [`${s.tmp}/elsewhere/spec.json`, "../elsewhere/spec.json"]) {
      await t.step(`symlink to ${target}`, async () => {
        link(target);
        const r = await s.run();
        assert.deepEqual([r.code, r.stderr], [
          0,
          runningLine({ devices: "0", requirements: [], bundle: s.bundle }),
        ]);
        assert.deepEqual(s.cli.argv(), argvFor(s, `${s.bundle}/rootfs`));
      });
    }
    await t.step("dangling symlink", async () => {
      link(`${s.tmp}/missing.json`);
      assertRefused(s, await s.run(), `Cannot read OCI spec ${file}: no such file or directory`);
    });
    await t.step("symlink to a directory", async () => {
      link(`${s.tmp}/elsewhere`);
      assertRefused(s, await s.run(), `Cannot read OCI spec ${file}: is a directory`);
    });
    await t.step("symlink to /dev/zero, a device", async () => {
      link("/dev/zero");
      assertRefused(s, await s.run(), `Cannot read OCI spec ${file}: not a regular file`);
    });
    await t.step("symlink to a FIFO (open() would block forever)", async () => {
      const fifo = `${s.tmp}/fifo`;
      const mk = new Deno.Command("mkfifo", { args: [fifo] }).outputSync();
      assert.ok(mk.success, "mkfifo");
      link(fifo);
      // Bounded: if the hook blocked in open(), this step fails instead of hanging.
      const timer = setTimeout(() => {
        try {
          Deno.openSync(fifo, { write: true }).close();
        } catch {
          // The FIFO is gone: the hook has finished.
        }
      }, 5000);
      try {
        const started = Date.now();
        assertRefused(s, await s.run(), `Cannot read OCI spec ${file}: not a regular file`);
        assert.ok(Date.now() - started < 5000, "the hook blocked on the FIFO");
      } finally {
        clearTimeout(timer);
        Deno.removeSync(fifo);
      }
    });
    await t.step("symlink loop", async () => {
      link("config.json");
      const r = await s.run();
      assert.equal(r.code, 1);
      assert.equal(s.cli.argv(), null, "the CLI ran");
      assert.match(r.stderr, new RegExp(`^${P}Cannot read OCI spec ${file}: [^\\n]+\\n$`));
    });
  } finally {
    s.done();
  }
});

Deno.test("main() passes a symlinked rootfs or bundle unresolved, cleaned lexically", async (t) => {
  const s = setup();
  Deno.removeSync(`${s.bundle}/rootfs`);
  Deno.mkdirSync(`${s.tmp}/real-rootfs`);
  Deno.symlinkSync(`${s.tmp}/real-rootfs`, `${s.bundle}/rootfs`);
  Deno.mkdirSync(`${s.tmp}/deep/a/b`, { recursive: true });
  Deno.symlinkSync(`${s.tmp}/deep/a/b`, `${s.bundle}/link`);
  Deno.symlinkSync(s.bundle, `${s.tmp}/bundle-link`);
  Deno.symlinkSync("/", `${s.bundle}/host-root`);
  // [root.path, the state's bundle, the rootfs the CLI gets]
  const table: [string, string, string][] = [
    ["rootfs", s.bundle, `${s.bundle}/rootfs`],
    ["./rootfs//.", s.bundle, `${s.bundle}/rootfs`],
    // The kernel would resolve link/.. to deep/a; the hook does not.
    ["link/../rootfs", s.bundle, `${s.bundle}/rootfs`],
    ["rootfs", `${s.tmp}/bundle-link`, `${s.tmp}/bundle-link/rootfs`],
    ["rootfs", `${s.tmp}/bundle-link/`, `${s.tmp}/bundle-link/rootfs`],
    // Only the lexical "/" is refused: a symlink to the host root is not seen.
    ["host-root", s.bundle, `${s.bundle}/host-root`],
  ];
  try {
    for (const [rootPath, bundle, rootfs] of table) {
      await t.step(`root.path ${rootPath} in bundle ${bundle}`, async () => {
        s.writeSpec(["NVIDIA_VISIBLE_DEVICES=0"], rootPath);
        const r = await s.run({ stdin: s.state(bundle) });
        // The bundle as the state gives it, cleaned lexically (a trailing "/" dropped).
        assert.deepEqual([r.code, r.stderr], [
          0,
          runningLine({ devices: "0", requirements: [], bundle: posix.resolve(bundle) }),
        ]);
        assert.deepEqual(s.cli.argv(), argvFor(s, rootfs));
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() refuses a root.path that is the host root once cleaned", async (t) => {
  const s = setup();
  const climb = "../".repeat(s.bundle.split("/").length + 2);
  const message = `Cannot parse ${s.bundle}/config.json: "root.path" must not be the host root "/"`;
  try {
    for (const rootPath of ["/", "//", "/..", "/./", "/rootfs/..", climb, `${climb}.`]) {
      for (const [kind, env] of [["GPU", ["NVIDIA_VISIBLE_DEVICES=0"]], ["no GPU", []]] as const) {
        await t.step(`${JSON.stringify(rootPath)}, ${kind} container`, async () => {
          s.writeSpec([...env], rootPath);
          assertRefused(s, await s.run(), message);
        });
      }
    }
  } finally {
    s.done();
  }
});

Deno.test("main() resolves root.path with .. lexically against the bundle, even outside it", async (t) => {
  const s = setup();
  const table: [string, string][] = [
    ["../../x", posix.resolve(s.bundle, "../../x")],
    ["../rootfs", `${s.tmp}/rootfs`],
    ["rootfs/../../bundle/rootfs", `${s.bundle}/rootfs`],
    ["/srv/../x", "/x"],
    ["/../../x", "/x"],
  ];
  try {
    for (const [rootPath, rootfs] of table) {
      await t.step(rootPath, async () => {
        s.writeSpec(["NVIDIA_VISIBLE_DEVICES=0"], rootPath);
        const r = await s.run();
        assert.deepEqual([r.code, r.stderr], [
          0,
          runningLine({ devices: "0", requirements: [], bundle: s.bundle }),
        ]);
        assert.deepEqual(s.cli.argv(), argvFor(s, rootfs));
      });
    }
  } finally {
    s.done();
  }
});

// ---------------------------------------------------------------------------
// Size limits

/** `text` followed by `pad` up to exactly `size` bytes. */
function padded(text: string, size: number, pad = " "): Uint8Array {
  const head = new TextEncoder().encode(text);
  assert.ok(head.length <= size);
  const out = new Uint8Array(size).fill(pad.charCodeAt(0));
  out.set(head);
  return out;
}

Deno.test("main() accepts stdin one byte below 1 MiB", async () => {
  const s = setup();
  try {
    const r = await s.run({ stdin: padded(s.state(), MiB - 1) });
    assert.deepEqual([r.code, r.stderr], [
      0,
      runningLine({ devices: "0", requirements: [], bundle: s.bundle }),
    ]);
    assert.deepEqual(s.cli.argv(), argvFor(s, `${s.bundle}/rootfs`));
  } finally {
    s.done();
  }
});

Deno.test("main() accepts a config.json of 64 MiB - 1 and of exactly 64 MiB", async (t) => {
  const s = setup();
  const spec = Deno.readTextFileSync(`${s.bundle}/config.json`);
  try {
    for (const size of [64 * MiB - 1, 64 * MiB]) {
      await t.step(`${size} bytes`, async () => {
        Deno.writeFileSync(`${s.bundle}/config.json`, padded(spec, size, "\n"));
        assert.equal(Deno.statSync(`${s.bundle}/config.json`).size, size);
        const r = await s.run();
        assert.deepEqual([r.code, r.stderr], [
          0,
          runningLine({ devices: "0", requirements: [], bundle: s.bundle }),
        ]);
        assert.deepEqual(s.cli.argv(), argvFor(s, `${s.bundle}/rootfs`));
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() reads a config file of up to 4 MiB and refuses 4 MiB + 1", async (t) => {
  const s = setup();
  const toml = '[nvidia-container-cli]\nuser = "u1"\n';
  const searched = `${s.tmp}/prefix/etc/nvidia-container-runtime/config.toml`;
  Deno.mkdirSync(posix.dirname(searched), { recursive: true });
  const withUser = [`${s.tmp}/bin/nvidia-container-cli`, "--load-kmods", "--user=u1", "configure"];
  const table: [string, string, number][] = [
    ["-config", `${s.tmp}/c.toml`, 4 * MiB - 1],
    ["-config", `${s.tmp}/c.toml`, 4 * MiB],
    ["-config", `${s.tmp}/c.toml`, 4 * MiB + 1],
    ["search", searched, 4 * MiB],
    ["search", searched, 4 * MiB + 1],
  ];
  try {
    for (const [how, path, size] of table) {
      await t.step(`${how}, ${size} bytes`, async () => {
        Deno.writeFileSync(path, padded(toml, size, "\n"));
        assert.equal(Deno.statSync(path).size, size);
        const args = how === "-config" ? ["-config", path, "prestart"] : ["prestart"];
        const r = await s.run({ args });
        if (size <= 4 * MiB) {
          const config = how === "-config" ? path : undefined;
          assert.deepEqual(
            [r.code, r.stderr],
            [0, runningLine({ devices: "0", requirements: [], bundle: s.bundle, config })],
          );
          assert.deepEqual(s.cli.argv()?.slice(0, 4), withUser);
        } else {
          assertRefused(s, r, `Cannot read config file ${path}: larger than 4194304 bytes`);
        }
        Deno.removeSync(path);
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() hands the CLI only fds 0, 1 and 2, with /dev/null as stdin", async () => {
  // The hook becomes the CLI (execve): nothing it opened (config.json,
  // config.toml, Deno's own descriptors) may survive into the CLI.
  const s = setup();
  const cliPath = `${s.tmp}/bin/nvidia-container-cli`;
  Deno.writeTextFileSync(
    cliPath,
    ["#!/bin/sh", '[ "$1" = --version ] && exit 0', `touch "${s.tmp}/ready"`, "exec sleep 30", ""]
      .join("\n"),
    { mode: 0o755 },
  );
  Deno.mkdirSync(`${s.tmp}/prefix/etc/nvidia-container-runtime`, { recursive: true });
  Deno.writeTextFileSync(
    `${s.tmp}/prefix/etc/nvidia-container-runtime/config.toml`,
    `[nvidia-container-cli]\npath = "${cliPath}"\n`,
  );
  const [cmd, ...pre] = hookCommand() as [string, ...string[]];
  const child = new Deno.Command(cmd, {
    args: [...pre, "prestart"],
    env: s.hookEnv,
    clearEnv: true,
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(s.state()));
    await w.close();
    // Deno reads /proc/PID only with --allow-all: ask the shell's tools.
    const sh = (script: string) =>
      new TextDecoder().decode(
        new Deno.Command("sh", { args: ["-c", script], stderr: "null" }).outputSync().stdout,
      ).trim();
    let comm = "";
    for (let i = 0; i < 1200 && comm !== "sleep"; i++) {
      await new Promise((r) => setTimeout(r, 25));
      comm = sh(`cat /proc/${child.pid}/comm`);
      if (comm === "") break; // exited
    }
    if (comm !== "sleep") {
      const out = await child.output();
      assert.fail(
        `the hook did not become the CLI (${comm}, exit ${out.code}): ${
          new TextDecoder().decode(out.stderr)
        }`,
      );
    }
    assert.deepEqual(sh(`ls /proc/${child.pid}/fd | sort -n`).split("\n"), ["0", "1", "2"]);
    assert.equal(sh(`readlink /proc/${child.pid}/fd/0`), "/dev/null");
    child.kill("SIGKILL");
    assert.equal((await child.output()).signal, "SIGKILL");
  } finally {
    try {
      child.kill("SIGKILL");
      await child.output();
    } catch {
      // Already reaped above.
    }
    s.done();
  }
});

Deno.test("the hook runs with exactly the compile permissions on a GPU and a malformed bundle", async (t) => {
  // Source runs: deno run with exactly HOOK_PERMISSIONS (ffi for execve,
  // write only under /var/log and /run, no net or sys); with HOOK_BIN, the
  // compiled binary with the same grants.
  if ((Deno.env.get("HOOK_BIN") ?? "") === "") {
    const cmd = hookCommand();
    const flags = cmd.filter((w) => /^--(allow|deny|no-prompt)/.test(w) || w === "-A");
    assert.deepEqual(flags, [...HOOK_PERMISSIONS]);
  }
  const s = setup();
  try {
    await t.step("GPU bundle: the CLI runs with the exact argv", async () => {
      const r = await s.run();
      assert.deepEqual([r.code, r.stderr], [
        0,
        runningLine({ devices: "0", requirements: [], bundle: s.bundle }),
      ]);
      assert.deepEqual(s.cli.argv(), argvFor(s, `${s.bundle}/rootfs`));
    });
    await t.step("malformed config.json: one line, exit 1, no permission prompt", async () => {
      Deno.writeTextFileSync(`${s.bundle}/config.json`, '{"ociVersion": 1}');
      const r = await s.run();
      assert.deepEqual([r.code, r.stderr], [
        1,
        `${P}Cannot parse ${s.bundle}/config.json: "ociVersion" must be a string, got a number\n`,
      ]);
      assert.equal(s.cli.argv(), null);
    });
  } finally {
    s.done();
  }
});
