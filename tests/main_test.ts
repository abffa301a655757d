/**
 * Process-level tests of main.ts that the fixture bundles cannot express:
 * usage and flags, poststart/poststop, size limits, CLI start failures,
 * exit status of a CLI killed by a signal, the hook becoming the CLI
 * (execve: same pid, signals), -debug.
 */

import assert from "node:assert/strict";
import { hookCommand, launcherEnv, runHook, runningLine, writeFakeCli } from "./_hook.ts";
import { hostDefaultLdconfig } from "./_cases.ts";

const USAGE = `Usage of nvidia-container-runtime-hook:
  -config string
        configuration file
  -debug
        enable debug output
  -version
        show the version information

Commands:
  prestart
        run the prestart hook
  poststart
        no-op
  poststop
        no-op
  explain [--bundle DIR] [--json] [-config FILE]
        show the decision prestart would make (state on stdin, or a bundle directory)
  check-config [--json] [FILE]
        load the config file prestart would use (or FILE) and report its settings
  print-oci-hook [--path P] [--env KEY=VALUE ...]
        print the OCI hooks.d JSON for podman and CRI-O
  print-base-spec [--path P] [--env KEY=VALUE ...]
        print the OCI spec on stdin with this hook in hooks.prestart (containerd base_runtime_spec)
  print-containerd-config --base-runtime-spec FILE [--runtime-name NAME] [--set-as-default]
                          [--config-version 2|3] [--from CONFIG]
        print containerd config registering a runtime handler that starts from FILE
  doctor [--root DIR] [--json]
        check whether this host is ready for GPU containers, and say what to fix
`;
const P = "nvidia-container-runtime-hook: ";

/** A temp dir with a GPU bundle and an empty config prefix. */
function setup(env: string[] = ["NVIDIA_VISIBLE_DEVICES=0"]) {
  const tmp = Deno.makeTempDirSync({ prefix: "hook-main-" });
  Deno.mkdirSync(`${tmp}/bundle`);
  Deno.mkdirSync(`${tmp}/bin`);
  Deno.writeTextFileSync(
    `${tmp}/bundle/config.json`,
    JSON.stringify({ ociVersion: "1.0.2", process: { env }, root: { path: "rootfs" } }),
  );
  const hookEnv: Record<string, string> = {
    ...launcherEnv(),
    PATH: `${tmp}/bin:/usr/bin:/bin`,
    NVIDIA_CONTAINER_RUNTIME_HOOK_CONFIG_PREFIX: `${tmp}/prefix`,
  };
  const state = JSON.stringify({ pid: 4242, bundle: `${tmp}/bundle` });
  return { tmp, hookEnv, state, done: () => Deno.removeSync(tmp, { recursive: true }) };
}

Deno.test("main() prints usage and exits 2 without a command", async () => {
  const s = setup();
  try {
    const r = await runHook({ args: [], env: s.hookEnv });
    assert.equal(r.stderr, `${P}No command given\n${USAGE}`);
    assert.equal(r.code, 2);
  } finally {
    s.done();
  }
});

Deno.test("main() prints the version from deno.json and the git commit with -version", async (t) => {
  const s = setup();
  try {
    const version = JSON.parse(Deno.readTextFileSync(new URL("../deno.json", import.meta.url)))
      .version;
    assert.match(version, /^\d+\.\d+\.\d+/);
    const git = new Deno.Command("git", {
      args: ["rev-parse", "HEAD"],
      cwd: new URL("..", import.meta.url),
    }).outputSync();
    const commit = new TextDecoder().decode(git.stdout).trim();
    // A compiled binary or the bundle carries the commit of its build_info.json.
    const compiled = (Deno.env.get("HOOK_BIN") ?? "") !== "" ||
      (Deno.env.get("HOOK_JS") ?? "") !== "";
    for (const args of [["-version"], ["--version", "prestart"], ["-version=true", "nope"]]) {
      await t.step(args.join(" "), async () => {
        // No stdin is read: the state below would be an error for prestart.
        const r = await runHook({ args, env: s.hookEnv, stdin: "not json" });
        assert.equal(r.stderr, "");
        assert.equal(r.code, 0);
        const lines = r.stdout.split("\n");
        assert.equal(lines[0], `NVIDIA Container Runtime Hook version ${version}`);
        if (compiled) assert.match(lines[1] ?? "", /^commit: [0-9a-f]{40}$/);
        else assert.equal(lines[1], `commit: ${commit}`);
        assert.deepEqual(lines.slice(2), [""]);
      });
    }
    await t.step("-version=false prestart runs the hook", async () => {
      const r = await runHook({
        args: ["-version=false", "prestart"],
        env: s.hookEnv,
        stdin: "[]",
      });
      assert.equal(r.stdout, "");
      assert.equal(
        r.stderr,
        `${P}Cannot parse container state on stdin: expected a JSON object, got an array\n`,
      );
      assert.equal(r.code, 1);
    });
  } finally {
    s.done();
  }
});

Deno.test("main() exits 2 with usage on flag errors", async (t) => {
  const s = setup();
  const table: [string[], string][] = [
    [["-x", "prestart"], "Flag provided but not defined: -x"],
    [["--nope=1", "prestart"], "Flag provided but not defined: -nope"],
    [["-debug=maybe", "prestart"], 'Invalid boolean value "maybe" for -debug: parse error'],
    [["-config"], "Flag needs an argument: -config"],
    [["---debug", "prestart"], "Bad flag syntax: ---debug"],
    [["start"], 'Unknown command "start"'],
    [["-debug", "false", "prestart"], 'Unknown command "false"'],
  ];
  try {
    for (const [args, message] of table) {
      await t.step(args.join(" "), async () => {
        const r = await runHook({ args, env: s.hookEnv, stdin: s.state });
        assert.equal(r.stderr, `${P}${message}\n${USAGE}`);
        assert.equal(r.code, 2);
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() prints usage and exits 0 for -h, -help and --help", async (t) => {
  const s = setup();
  try {
    for (const flag of ["-h", "-help", "--help", "--h"]) {
      await t.step(flag, async () => {
        const r = await runHook({ args: [flag, "prestart"], env: s.hookEnv });
        assert.deepEqual([r.code, r.stdout, r.stderr], [0, "", USAGE]);
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() poststart and poststop do nothing, ignore stdin and trailing args", async (t) => {
  const s = setup();
  const cli = writeFakeCli(`${s.tmp}/bin/nvidia-container-cli`, `${s.tmp}/rec`, 0);
  try {
    for (const command of ["poststart", "poststop"]) {
      await t.step(command, async () => {
        const r = await runHook({
          args: ["-debug", command, "--whatever", "-x"],
          env: s.hookEnv,
          stdin: "not json at all",
        });
        assert.deepEqual([r.code, r.stdout, r.stderr], [0, "", ""]);
        assert.equal(cli.argv(), null);
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() accepts every flag spelling of Go's flag package", async (t) => {
  const s = setup();
  const cli = writeFakeCli(`${s.tmp}/bin/nvidia-container-cli`, `${s.tmp}/rec`, 0);
  Deno.writeTextFileSync(`${s.tmp}/c.toml`, '[nvidia-container-cli]\nuser = "u1"\n');
  const withUser = ["--user=u1", "configure"];
  const config = `${s.tmp}/c.toml`;
  // [args, the argv's tail, the -config the running line repeats]
  const table: [string[], string[], string | undefined][] = [
    [["-config", config, "prestart"], withUser, config],
    [[`-config=${config}`, "prestart"], withUser, config],
    [["--config", config, "prestart"], withUser, config],
    [[`--config=${config}`, "prestart"], withUser, config],
    // An empty -config searches as no flag does; the line repeats no flag.
    [["-config=", "prestart"], ["configure"], undefined],
    [["-config", config, "--", "prestart"], withUser, config],
    // After the command, -config is not the hook's flag.
    [["prestart", "-config", config], ["configure"], undefined],
  ];
  try {
    for (const [args, tail, shown] of table) {
      await t.step(args.join(" "), async () => {
        Deno.removeSync(`${s.tmp}/rec`, { recursive: true });
        Deno.mkdirSync(`${s.tmp}/rec`);
        const r = await runHook({ args, env: s.hookEnv, stdin: s.state });
        assert.deepEqual(
          [r.code, r.stderr],
          [
            0,
            runningLine({
              devices: "0",
              requirements: [],
              bundle: `${s.tmp}/bundle`,
              config: shown,
            }),
          ],
        );
        assert.deepEqual(cli.argv(), [
          `${s.tmp}/bin/nvidia-container-cli`,
          "--load-kmods",
          ...tail,
          `--ldconfig=${hostDefaultLdconfig()}`,
          "--device=0",
          "--compute",
          "--utility",
          "--pid=4242",
          `${s.tmp}/bundle/rootfs`,
        ]);
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() -debug passes --debug=/dev/stderr and traces the decision", async () => {
  const s = setup();
  const cli = writeFakeCli(`${s.tmp}/bin/nvidia-container-cli`, `${s.tmp}/rec`, 0);
  try {
    const r = await runHook({ args: ["-debug=true", "prestart"], env: s.hookEnv, stdin: s.state });
    assert.equal(r.code, 0);
    assert.deepEqual(cli.argv()?.slice(1, 3), ["--load-kmods", "--debug=/dev/stderr"]);
    // The trace, then the line every GPU start prints before the exec.
    const lines = r.stderr.trimEnd().split("\n");
    assert.equal(
      `${lines.pop()}\n`,
      runningLine({ devices: "0", requirements: [], bundle: `${s.tmp}/bundle` }),
    );
    assert.ok(lines.every((l) => l.startsWith(`${P}debug: `)), r.stderr);
    assert.ok(r.stderr.includes("config: no config file found, using the defaults"), r.stderr);
    assert.ok(r.stderr.includes(`state: pid 4242, bundle ${s.tmp}/bundle`), r.stderr);
  } finally {
    s.done();
  }
});

Deno.test("runningLine() writes the documented running line", async (t) => {
  const head = `${P}running nvidia-container-cli for container`;
  const run = "if it fails, run: nvidia-container-runtime-hook";
  const table: [string, Parameters<typeof runningLine>[0], string][] = [
    [
      "no id, all devices, no requirements",
      { devices: "all", requirements: [], bundle: "/b" },
      `${head} (no id) (devices all, requirements none); ${run} explain --bundle /b\n`,
    ],
    [
      "devices none",
      { id: "c1", devices: "none", requirements: [], bundle: "/b" },
      `${head} c1 (devices none, requirements none); ${run} explain --bundle /b\n`,
    ],
    [
      "a device list and requirements, each quoted, -config repeated",
      {
        id: "ctr-1",
        devices: "0,1",
        requirements: ["cuda>=12.0", "brand=tesla"],
        bundle: "/run/c/ctr-1",
        config: "/etc/nvidia-container-runtime/config.toml",
      },
      `${head} ctr-1 (devices "0,1", requirements "cuda>=12.0" "brand=tesla"); ${run}` +
      " -config /etc/nvidia-container-runtime/config.toml explain --bundle /run/c/ctr-1\n",
    ],
    [
      "every safe character bare",
      { devices: "all", requirements: [], bundle: "/A-z_0@9%+=:,./-" },
      `${head} (no id) (devices all, requirements none); ${run} explain --bundle /A-z_0@9%+=:,./-\n`,
    ],
    [
      "a bundle and a config with a space, a quote and a $ single-quoted",
      { devices: "all", requirements: [], bundle: "/tmp/it's $HOME", config: "/a b.toml" },
      `${head} (no id) (devices all, requirements none); ${run} -config '/a b.toml' explain` +
      ` --bundle '/tmp/it'\\''s $HOME'\n`,
    ],
    [
      "an empty bundle",
      { devices: "all", requirements: [], bundle: "" },
      `${head} (no id) (devices all, requirements none); ${run} explain --bundle ''\n`,
    ],
    [
      "an id with a quote and a backslash: JSON-escaped, unquoted",
      { id: 'a"b\\c', devices: "all", requirements: [], bundle: "/b" },
      `${head} a\\"b\\\\c (devices all, requirements none); ${run} explain --bundle /b\n`,
    ],
    [
      "control characters escaped everywhere",
      {
        id: "a\u001b[31m\nb\u007f\u0085\u2028",
        devices: "0\t1",
        requirements: ['x"\u001b[0m', "y\u2029"],
        bundle: "/tmp/a\nb",
        config: "/c\r",
      },
      `${head} a\\u001b[31m\\nb\\u007f\\u0085\\u2028 (devices "0\\t1", requirements` +
      ` "x\\"\\u001b[0m" "y\\u2029"); ${run} -config '/c\\u000d' explain --bundle '/tmp/a\\u000ab'\n`,
    ],
    [
      "values longer than 64 characters cut, the bundle whole",
      {
        id: "i".repeat(65),
        devices: "1,".repeat(40),
        requirements: ["r".repeat(64), "s".repeat(70)],
        bundle: `/${"b".repeat(80)}`,
      },
      `${head} ${"i".repeat(64)}... (devices "${"1,".repeat(32)}...", requirements` +
      ` "${"r".repeat(64)}" "${"s".repeat(64)}..."); ${run} explain --bundle /${"b".repeat(80)}\n`,
    ],
  ];
  for (const [name, facts, line] of table) {
    await t.step(name, () => assert.equal(runningLine(facts), line));
  }
});

Deno.test("main() prints one line naming the container, devices and requirements before the CLI", async (t) => {
  const s = setup();
  const cli = writeFakeCli(`${s.tmp}/bin/nvidia-container-cli`, `${s.tmp}/rec`, 0);
  const bundle = `${s.tmp}/bundle`;
  const long = "c".repeat(100);
  const longDevices = Array.from({ length: 40 }, (_, i) => `GPU-${i}`).join(",");
  // [name, the state's id field (JSON), process.env, the id prestart names, devices, requirements]
  const table: [string, string | undefined, string[], string | undefined, string, string[]][] = [
    ["an id, a device list", '"ctr-1"', ["NVIDIA_VISIBLE_DEVICES=0,1"], "ctr-1", "0,1", []],
    [
      "requirements in env order, each quoted",
      '"ctr-2"',
      [
        "NVIDIA_REQUIRE_CUDA=cuda>=12.0",
        "NVIDIA_VISIBLE_DEVICES=all",
        "NVIDIA_REQUIRE_ARCH=arch=x86_64",
      ],
      "ctr-2",
      "all",
      ["cuda>=12.0", "arch=x86_64"],
    ],
    ["devices none", '"ctr-3"', ["NVIDIA_VISIBLE_DEVICES=none"], "ctr-3", "none", []],
    [
      "a legacy image: all devices, the CUDA_VERSION requirement",
      '"ctr-4"',
      ["CUDA_VERSION=11.8.0"],
      "ctr-4",
      "all",
      ["cuda>=11.8"],
    ],
    ["no id", undefined, ["NVIDIA_VISIBLE_DEVICES=0"], undefined, "0", []],
    ["an empty id", '""', ["NVIDIA_VISIBLE_DEVICES=0"], undefined, "0", []],
    ["an id that is not a string", "7", ["NVIDIA_VISIBLE_DEVICES=0"], undefined, "0", []],
    [
      "control characters escaped",
      '"a\\u001b[31m\\nb"',
      ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_REQUIRE_X=x\u001b[0m"],
      "a\u001b[31m\nb",
      "0",
      ["x\u001b[0m"],
    ],
    ["a long id cut to 64 characters", `"${long}"`, ["NVIDIA_VISIBLE_DEVICES=0"], long, "0", []],
    [
      "a long device list cut to 64 characters",
      '"ctr-5"',
      [`NVIDIA_VISIBLE_DEVICES=${longDevices}`],
      "ctr-5",
      longDevices,
      [],
    ],
  ];
  try {
    for (const [name, idField, env, id, devices, requirements] of table) {
      await t.step(name, async () => {
        Deno.removeSync(`${s.tmp}/rec`, { recursive: true });
        Deno.mkdirSync(`${s.tmp}/rec`);
        Deno.writeTextFileSync(
          `${bundle}/config.json`,
          JSON.stringify({ ociVersion: "1.0.2", process: { env }, root: { path: "rootfs" } }),
        );
        const field = idField === undefined ? "" : `"id":${idField},`;
        const stdin = `{${field}"pid":4242,"bundle":${JSON.stringify(bundle)}}`;
        const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin });
        assert.deepEqual(
          [r.code, r.stdout, r.stderr],
          [0, "", runningLine({ id, devices, requirements, bundle })],
        );
        assert.equal(cli.argv()?.[0], cli.path, "the CLI ran");
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() names an explain command that a shell runs as printed, -config kept", async () => {
  const s = setup();
  const cli = writeFakeCli(`${s.tmp}/bin/nvidia-container-cli`, `${s.tmp}/rec`, 0);
  const bundle = `${s.tmp}/it's a bundle`;
  const config = `${s.tmp}/my config.toml`;
  Deno.mkdirSync(bundle);
  Deno.writeTextFileSync(
    `${bundle}/config.json`,
    JSON.stringify({
      ociVersion: "1.0.2",
      process: { env: ["NVIDIA_VISIBLE_DEVICES=0,1", "NVIDIA_REQUIRE_CUDA=cuda>=12.0"] },
      root: { path: "rootfs" },
    }),
  );
  Deno.writeTextFileSync(config, '[nvidia-container-cli]\nuser = "u1"\n');
  // The program name the line uses, on PATH: the hook as this suite starts it.
  const word = (w: string) => `'${w.replaceAll("'", `'\\''`)}'`;
  Deno.writeTextFileSync(
    `${s.tmp}/bin/nvidia-container-runtime-hook`,
    `#!/bin/sh\nexec ${hookCommand().map(word).join(" ")} "$@"\n`,
    { mode: 0o755 },
  );
  try {
    const stdin = JSON.stringify({ id: "ctr-1", pid: 4242, bundle });
    const r = await runHook({ args: ["-config", config, "prestart"], env: s.hookEnv, stdin });
    const line = runningLine({
      id: "ctr-1",
      devices: "0,1",
      requirements: ["cuda>=12.0"],
      bundle,
      config,
    });
    assert.deepEqual([r.code, r.stderr], [0, line]);
    assert.ok(
      line.endsWith(
        ` -config '${s.tmp}/my config.toml' explain --bundle` +
          ` '${s.tmp}/it'\\''s a bundle'\n`,
      ),
      line,
    );
    const ran = cli.argv();
    assert.deepEqual(ran?.slice(1, 4), ["--load-kmods", "--user=u1", "configure"]);
    const command = line.slice(line.indexOf("run: ") + "run: ".length, -1);
    const pasted = await new Deno.Command("/bin/sh", {
      args: ["-c", `${command} --json`],
      env: s.hookEnv,
      clearEnv: true,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const dec = new TextDecoder();
    assert.deepEqual([pasted.code, dec.decode(pasted.stderr)], [0, ""]);
    const report = JSON.parse(dec.decode(pasted.stdout));
    assert.deepEqual(
      [report.bundle, report.argv],
      [bundle, ran?.map((a) => (a === "--pid=4242" ? "--pid=PID" : a))],
    );
  } finally {
    s.done();
  }
});

Deno.test("main() prints the running line before the CLI's own output, nothing without a GPU", async (t) => {
  const s = setup();
  const bundle = `${s.tmp}/bundle`;
  const stdin = JSON.stringify({ id: "ctr-1", pid: 4242, bundle });
  try {
    await t.step("the CLI's stderr follows the line", async () => {
      Deno.writeTextFileSync(
        `${s.tmp}/bin/nvidia-container-cli`,
        [
          "#!/bin/sh",
          '[ "$1" = --version ] && exit 0',
          "echo 'cli: out'",
          "echo 'cli: failed' >&2",
          "exit 3",
          "",
        ].join("\n"),
        { mode: 0o755 },
      );
      const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin });
      assert.deepEqual(
        [r.code, r.stdout, r.stderr],
        [
          3,
          "cli: out\n",
          runningLine({ id: "ctr-1", devices: "0", requirements: [], bundle }) + "cli: failed\n",
        ],
      );
    });
    await t.step("a container without GPU: nothing on stderr", async () => {
      Deno.writeTextFileSync(
        `${bundle}/config.json`,
        JSON.stringify({ ociVersion: "1.0.2", process: { env: [] }, root: { path: "rootfs" } }),
      );
      const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin });
      assert.deepEqual([r.code, r.stdout, r.stderr], [0, "", ""]);
    });
  } finally {
    s.done();
  }
});

Deno.test("main() names the state's container in input, policy and host errors", async (t) => {
  const s = setup();
  const bundle = `${s.tmp}/bundle`;
  const spec = (env: string[]) =>
    Deno.writeTextFileSync(
      `${bundle}/config.json`,
      JSON.stringify({ ociVersion: "1.0.2", process: { env }, root: { path: "rootfs" } }),
    );
  const state = (id: string) => JSON.stringify({ id, pid: 4242, bundle });
  try {
    await t.step("input: a config.json that is not JSON", async () => {
      Deno.writeTextFileSync(`${bundle}/config.json`, "{");
      const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: state("ctr-1") });
      assert.deepEqual(
        [r.code, r.stderr],
        [
          1,
          `${P}container ctr-1: Cannot parse ${bundle}/config.json: invalid JSON: unexpected end of input\n`,
        ],
      );
    });
    await t.step("host: no config.json", async () => {
      Deno.removeSync(`${bundle}/config.json`);
      const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: state("ctr-1") });
      assert.deepEqual(
        [r.code, r.stderr],
        [
          1,
          `${P}container ctr-1: Cannot read OCI spec ${bundle}/config.json: no such file or directory\n`,
        ],
      );
    });
    await t.step("policy: MIG configuration from an unprivileged container", async () => {
      spec(["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_MIG_CONFIG_DEVICES=all"]);
      const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: state("ctr-1") });
      assert.deepEqual(
        [r.code, r.stderr],
        [
          1,
          `${P}container ctr-1: Cannot set NVIDIA_MIG_CONFIG_DEVICES in an unprivileged container` +
          " (CAP_SYS_ADMIN is not in its bounding set)\n",
        ],
      );
    });
    await t.step("host: the CLI cannot be run, after the running line", async () => {
      spec(["NVIDIA_VISIBLE_DEVICES=0"]);
      const missing = `${s.tmp}/no-cli`;
      Deno.writeTextFileSync(`${s.tmp}/c.toml`, `[nvidia-container-cli]\npath = "${missing}"\n`);
      const r = await runHook({
        args: ["-config", `${s.tmp}/c.toml`, "prestart"],
        env: s.hookEnv,
        stdin: state("ctr-1"),
      });
      assert.deepEqual(
        [r.code, r.stderr],
        [
          1,
          runningLine({
            id: "ctr-1",
            devices: "0",
            requirements: [],
            bundle,
            config: `${s.tmp}/c.toml`,
          }) +
          `${P}container ctr-1: Cannot run nvidia-container-cli "${missing}": no such file or directory\n`,
        ],
      );
    });
    await t.step("the id escaped as in the running line", async () => {
      spec(["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_MIG_CONFIG_DEVICES=all"]);
      const r = await runHook({
        args: ["prestart"],
        env: s.hookEnv,
        stdin: state("a\u001b[31m\nb"),
      });
      assert.deepEqual(
        [r.code, r.stderr],
        [
          1,
          `${P}container a\\u001b[31m\\nb: Cannot set NVIDIA_MIG_CONFIG_DEVICES in an` +
          " unprivileged container (CAP_SYS_ADMIN is not in its bounding set)\n",
        ],
      );
    });
    await t.step("a state without id: no prefix", async () => {
      const r = await runHook({
        args: ["prestart"],
        env: s.hookEnv,
        stdin: JSON.stringify({ pid: 4242, bundle }),
      });
      assert.deepEqual(
        [r.code, r.stderr],
        [
          1,
          `${P}Cannot set NVIDIA_MIG_CONFIG_DEVICES in an unprivileged container` +
          " (CAP_SYS_ADMIN is not in its bounding set)\n",
        ],
      );
    });
    await t.step("a state that cannot be read: no prefix, though it has an id", async () => {
      const r = await runHook({
        args: ["prestart"],
        env: s.hookEnv,
        stdin: JSON.stringify({ id: "ctr-1", pid: 0, bundle }),
      });
      assert.deepEqual(
        [r.code, r.stderr],
        [
          1,
          `${P}Cannot parse container state on stdin: "pid" must be an integer from 1 to` +
          " 2147483647, got 0\n",
        ],
      );
    });
    await t.step("a config error comes before the state is read: no prefix", async () => {
      Deno.writeTextFileSync(`${s.tmp}/c.toml`, 'disable-require = "yes"\n');
      const r = await runHook({
        args: ["-config", `${s.tmp}/c.toml`, "prestart"],
        env: s.hookEnv,
        stdin: state("ctr-1"),
      });
      assert.deepEqual(
        [r.code, r.stderr],
        [1, `${P}Cannot load config file ${s.tmp}/c.toml: "disable-require" must be a boolean\n`],
      );
    });
  } finally {
    s.done();
  }
});

Deno.test("main() -config names a file that must exist", async () => {
  const s = setup();
  try {
    const r = await runHook({
      args: ["-config", `${s.tmp}/missing.toml`, "prestart"],
      env: s.hookEnv,
      stdin: s.state,
    });
    assert.equal(
      r.stderr,
      `${P}Cannot read config file ${s.tmp}/missing.toml: no such file or directory\n`,
    );
    assert.equal(r.code, 1);
  } finally {
    s.done();
  }
});

Deno.test("main() refuses a config file that is a directory", async () => {
  const s = setup();
  Deno.mkdirSync(`${s.tmp}/prefix/etc/nvidia-container-runtime/config.toml`, { recursive: true });
  try {
    const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state });
    assert.equal(
      r.stderr,
      `${P}Cannot read config file ${s.tmp}/prefix/etc/nvidia-container-runtime/config.toml: is a directory\n`,
    );
    assert.equal(r.code, 1);
  } finally {
    s.done();
  }
});

Deno.test("main() refuses stdin larger than 1 MiB and accepts exactly 1 MiB", async (t) => {
  const s = setup([]);
  try {
    const base = JSON.stringify({ pid: 4242, bundle: `${s.tmp}/bundle` });
    const pad = (n: number) => base + " ".repeat(n - base.length);
    await t.step("1 MiB", async () => {
      const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: pad(1024 * 1024) });
      assert.deepEqual([r.code, r.stderr], [0, ""]);
    });
    await t.step("1 MiB + 1", async () => {
      const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: pad(1024 * 1024 + 1) });
      assert.equal(
        r.stderr,
        `${P}Cannot read container state on stdin: larger than 1048576 bytes\n`,
      );
      assert.equal(r.code, 1);
    });
  } finally {
    s.done();
  }
});

Deno.test("main() refuses a config.json larger than 64 MiB", async () => {
  const s = setup();
  try {
    using f = Deno.openSync(`${s.tmp}/bundle/config.json`, { write: true, truncate: true });
    f.truncateSync(64 * 1024 * 1024 + 1);
    const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state });
    assert.equal(
      r.stderr,
      `${P}Cannot read OCI spec ${s.tmp}/bundle/config.json: larger than 67108864 bytes\n`,
    );
    assert.equal(r.code, 1);
  } finally {
    s.done();
  }
});

Deno.test("main() reports a CLI that cannot be started, naming its path", async (t) => {
  const s = setup();
  const table: [string, (p: string) => string, string][] = [
    ["missing", (p) => p, "no such file or directory"],
    [
      "not executable",
      (p) => (Deno.writeTextFileSync(p, "#!/bin/sh\n", { mode: 0o644 }), p),
      "permission denied",
    ],
    ["a directory", (p) => (Deno.mkdirSync(p), p), "permission denied"],
    [
      "not a program (no #! and no ELF header)",
      (p) => (Deno.writeTextFileSync(p, "echo hi\n", { mode: 0o755 }), p),
      "exec format error",
    ],
    [
      "under a regular file",
      (p) => (Deno.writeTextFileSync(p, ""), `${p}/nvidia-container-cli`),
      "not a directory",
    ],
    [
      "a symlink loop",
      (p) => (Deno.symlinkSync(p, p), p),
      "too many levels of symbolic links",
    ],
  ];
  try {
    for (const [name, make, reason] of table) {
      await t.step(name, async () => {
        const cli = make(`${s.tmp}/cli-${name.replace(/[^a-z]+/g, "-")}`);
        Deno.writeTextFileSync(`${s.tmp}/c.toml`, `[nvidia-container-cli]\npath = "${cli}"\n`);
        const r = await runHook({
          args: ["-config", `${s.tmp}/c.toml`, "prestart"],
          env: s.hookEnv,
          stdin: s.state,
        });
        assert.equal(
          r.stderr,
          runningLine({
            devices: "0",
            requirements: [],
            bundle: `${s.tmp}/bundle`,
            config: `${s.tmp}/c.toml`,
          }) +
            `${P}Cannot run nvidia-container-cli "${cli}": ${reason}\n`,
        );
        assert.equal(r.code, 1);
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() exits 128+N when the CLI dies of signal N", async () => {
  const s = setup();
  Deno.writeTextFileSync(`${s.tmp}/bin/nvidia-container-cli`, "#!/bin/sh\nkill -KILL $$\n", {
    mode: 0o755,
  });
  try {
    const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state });
    assert.deepEqual([r.code, r.stderr], [
      137,
      runningLine({ devices: "0", requirements: [], bundle: `${s.tmp}/bundle` }),
    ]);
  } finally {
    s.done();
  }
});

/** Starts the hook on `s`'s state without waiting for it. */
async function spawnHook(s: ReturnType<typeof setup>): Promise<Deno.ChildProcess> {
  const [cmd, ...pre] = hookCommand() as [string, ...string[]];
  const child = new Deno.Command(cmd, {
    args: [...pre, "prestart"],
    env: s.hookEnv,
    clearEnv: true,
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const w = child.stdin.getWriter();
  await w.write(new TextEncoder().encode(s.state));
  await w.close();
  return child;
}

/** Waits (bounded) until `path` exists. */
async function waitFor(path: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    try {
      Deno.statSync(path);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error(`${path} did not appear within 30 s`);
}

Deno.test("main() becomes the CLI: same pid, and a signal to the hook is the CLI's", async (t) => {
  const s = setup();
  // The stand-in records its pid, then exits with 100 + the signal it traps.
  Deno.writeTextFileSync(
    `${s.tmp}/bin/nvidia-container-cli`,
    [
      "#!/bin/sh",
      'if [ "$1" = --version ]; then exit 0; fi',
      `trap 'exit 115' TERM`,
      `trap 'exit 102' INT`,
      `trap 'exit 101' HUP`,
      `echo $$ > "${s.tmp}/pid.tmp" && mv "${s.tmp}/pid.tmp" "${s.tmp}/pid"`,
      // Long enough for a loaded CI machine; the signal ends it early.
      "i=0; while [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done",
      "exit 0",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  try {
    for (const [signal, code] of [["SIGTERM", 115], ["SIGINT", 102], ["SIGHUP", 101]] as const) {
      await t.step(signal, async () => {
        try {
          Deno.removeSync(`${s.tmp}/pid`);
        } catch { /* first round */ }
        const child = await spawnHook(s);
        await waitFor(`${s.tmp}/pid`);
        assert.equal(Number(Deno.readTextFileSync(`${s.tmp}/pid`)), child.pid, "the CLI's pid");
        child.kill(signal);
        const out = await child.output();
        assert.deepEqual([out.code, out.signal], [code, null]);
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() gives the runtime the CLI's own death by a signal (128+N)", async () => {
  const s = setup();
  Deno.writeTextFileSync(
    `${s.tmp}/bin/nvidia-container-cli`,
    `#!/bin/sh\n[ "$1" = --version ] && exit 0\ntouch "${s.tmp}/ready"\nexec sleep 30\n`,
    { mode: 0o755 },
  );
  try {
    const child = await spawnHook(s);
    await waitFor(`${s.tmp}/ready`);
    child.kill("SIGTERM");
    const out = await child.output();
    assert.deepEqual([out.code, out.signal], [143, "SIGTERM"]);
  } finally {
    s.done();
  }
});

Deno.test("main() never echoes a secret from config.json in an error", async () => {
  const s = setup(["AWS_SECRET_ACCESS_KEY=hunter2", "NVIDIA_VISIBLE_DEVICES=0", "BROKEN"]);
  try {
    const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state });
    assert.equal(
      r.stderr,
      `${P}Cannot parse ${s.tmp}/bundle/config.json: "process.env[2]" must have the form KEY=VALUE\n`,
    );
    assert.equal(r.code, 1);
    Deno.writeTextFileSync(
      `${s.tmp}/bundle/config.json`,
      '{"ociVersion": "1.0.2", "process": {"env": ["PASSWORD=hunter2" oops]}}',
    );
    const r2 = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state });
    assert.equal(
      r2.stderr,
      `${P}Cannot parse ${s.tmp}/bundle/config.json: invalid JSON at line 1, column 64\n`,
    );
    assert.ok(!r2.stderr.includes("hunter2"));
  } finally {
    s.done();
  }
});

Deno.test("main() prints a stack trace only with -debug", async () => {
  const s = setup();
  try {
    const plain = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: "[]" });
    assert.equal(
      plain.stderr,
      `${P}Cannot parse container state on stdin: expected a JSON object, got an array\n`,
    );
    const debug = await runHook({ args: ["-debug", "prestart"], env: s.hookEnv, stdin: "[]" });
    assert.ok(debug.stderr.includes(`${P}Cannot parse container state on stdin`), debug.stderr);
    assert.ok(debug.stderr.includes("    at parseState"), debug.stderr);
    assert.equal(debug.code, 1);
  } finally {
    s.done();
  }
});

Deno.test("main() searches and passes the host's PATH, not the entry Deno adds without node", async () => {
  // Without `node` on PATH, `deno run` puts <DENO_DIR>/node_compat_bin first
  // on the process's PATH; the CLI search and the CLI's PATH must not see it.
  const s = setup();
  try {
    const cli = writeFakeCli(`${s.tmp}/bin/nvidia-container-cli`, `${s.tmp}/record`, 0);
    const env = { ...s.hookEnv, PATH: `${s.tmp}/bin` };
    const r = await runHook({ args: ["prestart"], env, stdin: s.state });
    assert.equal(
      r.stderr,
      runningLine({ devices: "0", requirements: [], bundle: `${s.tmp}/bundle` }),
    );
    assert.equal(r.code, 0);
    assert.equal(
      cli.env()?.["PATH"],
      `${s.tmp}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    );
  } finally {
    s.done();
  }
});

Deno.test("main() gives a configured CLI the host's PATH, not the entry Deno adds without node", async () => {
  // No search happens, so the CLI's PATH is the hook's own: still without
  // <DENO_DIR>/node_compat_bin, which is Deno's, not the host's.
  const s = setup();
  try {
    Deno.mkdirSync(`${s.tmp}/custom`);
    const cli = writeFakeCli(`${s.tmp}/custom/my-cli`, `${s.tmp}/record`, 0);
    Deno.writeTextFileSync(`${s.tmp}/c.toml`, `[nvidia-container-cli]\npath = "${cli.path}"\n`);
    // The stand-in needs cat; node must not be on PATH (Deno adds its entry then).
    Deno.mkdirSync(`${s.tmp}/tools`);
    Deno.symlinkSync("/bin/cat", `${s.tmp}/tools/cat`);
    const env = { ...s.hookEnv, PATH: `${s.tmp}/bin:${s.tmp}/tools` };
    const r = await runHook({
      args: ["-config", `${s.tmp}/c.toml`, "prestart"],
      env,
      stdin: s.state,
    });
    assert.deepEqual([r.code, r.stderr], [
      0,
      runningLine({
        devices: "0",
        requirements: [],
        bundle: `${s.tmp}/bundle`,
        config: `${s.tmp}/c.toml`,
      }),
    ]);
    assert.equal(cli.env()?.["PATH"], `${s.tmp}/bin:${s.tmp}/tools`);
  } finally {
    s.done();
  }
});

Deno.test("main() skips a directory named nvidia-container-cli early on PATH", async () => {
  const s = setup();
  try {
    Deno.mkdirSync(`${s.tmp}/early/nvidia-container-cli`, { recursive: true });
    const cli = writeFakeCli(`${s.tmp}/bin/nvidia-container-cli`, `${s.tmp}/record`, 0);
    const env = { ...s.hookEnv, PATH: `${s.tmp}/early:${s.tmp}/bin:/usr/bin:/bin` };
    const r = await runHook({ args: ["prestart"], env, stdin: s.state });
    assert.deepEqual([r.code, r.stderr], [
      0,
      runningLine({ devices: "0", requirements: [], bundle: `${s.tmp}/bundle` }),
    ]);
    assert.equal(cli.argv()?.[0], `${s.tmp}/bin/nvidia-container-cli`);
  } finally {
    s.done();
  }
});

Deno.test("main() asks a CLI its version once, then reads /run's cache until the CLI changes", async (t) => {
  // The real cache: no test prefix, the config named by NVIDIA_CTK_CONFIG_FILE_PATH.
  const cache = "/run/nvidia-container-runtime-hook/cli-version.json";
  const s = setup();
  const cli = `${s.tmp}/bin/nvidia-container-cli`;
  const writeCli = (version: string) =>
    Deno.writeTextFileSync(
      cli,
      [
        "#!/bin/sh",
        `if [ "$1" = --version ]; then echo x >> "${s.tmp}/asked"; echo "cli-version: ${version}"; exit 0; fi`,
        `printf '%s\\n' "$@" > "${s.tmp}/argv"`,
        "",
      ].join("\n"),
      { mode: 0o755 },
    );
  Deno.writeTextFileSync(`${s.tmp}/c.toml`, `[nvidia-container-cli]\npath = "${cli}"\n`);
  const env: Record<string, string> = {
    ...s.hookEnv,
    NVIDIA_CTK_CONFIG_FILE_PATH: `${s.tmp}/c.toml`,
  };
  delete env["NVIDIA_CONTAINER_RUNTIME_HOOK_CONFIG_PREFIX"];
  const asked = () => Deno.readTextFileSync(`${s.tmp}/asked`).split("\n").length - 1;
  const compat = () =>
    Deno.readTextFileSync(`${s.tmp}/argv`).split("\n").filter((a) => /compat|cntlibs/.test(a));
  const run = async () => {
    const r = await runHook({ args: ["prestart"], env, stdin: s.state });
    assert.deepEqual([r.code, r.stderr], [
      0,
      runningLine({ devices: "0", requirements: [], bundle: `${s.tmp}/bundle` }),
    ]);
  };
  try {
    writeCli("1.17.8");
    await t.step("first GPU start: --version, then cached", async () => {
      await run();
      assert.equal(asked(), 1);
      assert.deepEqual(compat(), ["--cuda-compat-mode=ldconfig"]);
      assert.equal(Deno.statSync(cache).mode! & 0o777, 0o600);
    });
    await t.step("second start: from the cache", async () => {
      await run();
      assert.equal(asked(), 1);
      assert.deepEqual(compat(), ["--cuda-compat-mode=ldconfig"]);
    });
    await t.step("a replaced CLI is asked again", async () => {
      Deno.removeSync(cli);
      writeCli("1.17.5");
      await run();
      assert.equal(asked(), 2);
      assert.deepEqual(compat(), ["--no-cntlibs"]);
    });
    await t.step("a cache that is a symlink is not read", async () => {
      const target = `${s.tmp}/elsewhere.json`;
      Deno.copyFileSync(cache, target);
      Deno.removeSync(cache);
      Deno.symlinkSync(target, cache);
      await run();
      assert.equal(asked(), 3);
    });
  } finally {
    try {
      Deno.removeSync(cache);
    } catch {
      // Not written.
    }
    s.done();
  }
});

/** Byte sequences that are not UTF-8, each between two valid lines. */
const NOT_UTF8: [string, number[]][] = [
  ["a truncated sequence", [0xc3]],
  ["an invalid byte", [0xff]],
  ["an overlong encoding", [0xc0, 0xaf]],
  ["an encoded surrogate", [0xed, 0xa0, 0x80]],
  ["a code point beyond U+10FFFF", [0xf4, 0x90, 0x80, 0x80]],
];

function bytesWith(before: string, bad: number[], after: string): Uint8Array {
  const enc = new TextEncoder();
  return new Uint8Array([...enc.encode(before), ...bad, ...enc.encode(after)]);
}

Deno.test("main() refuses a config file that is not valid UTF-8, naming the file", async (t) => {
  const s = setup();
  const cli = writeFakeCli(`${s.tmp}/bin/nvidia-container-cli`, `${s.tmp}/rec`, 0);
  const file = `${s.tmp}/prefix/etc/nvidia-container-runtime/config.toml`;
  Deno.mkdirSync(`${s.tmp}/prefix/etc/nvidia-container-runtime`, { recursive: true });
  try {
    for (const [name, bad] of NOT_UTF8) {
      await t.step(`${name}, in a comment`, async () => {
        Deno.writeFileSync(file, bytesWith("# host config ", bad, "\ndisable-require = false\n"));
        const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state });
        assert.equal(r.stderr, `${P}Cannot read config file ${file}: not valid UTF-8\n`);
        assert.equal(r.code, 1);
        assert.equal(r.stdout, "");
        assert.equal(cli.argv(), null, "the CLI did not run");
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("main() reads a config file that starts with a UTF-8 byte order mark", async (t) => {
  const s = setup();
  const cli = writeFakeCli(`${s.tmp}/bin/nvidia-container-cli`, `${s.tmp}/rec`, 0);
  const file = `${s.tmp}/c.toml`;
  try {
    await t.step("one mark at the start: read", async () => {
      Deno.writeTextFileSync(file, '\ufeff[nvidia-container-cli]\nuser = "bom"\n');
      const r = await runHook({
        args: ["-config", file, "prestart"],
        env: s.hookEnv,
        stdin: s.state,
      });
      assert.deepEqual([r.code, r.stderr], [
        0,
        runningLine({ devices: "0", requirements: [], bundle: `${s.tmp}/bundle`, config: file }),
      ]);
      assert.ok(cli.argv()?.includes("--user=bom"), JSON.stringify(cli.argv()));
    });
    await t.step("two marks: the second is an error", async () => {
      Deno.writeTextFileSync(file, '\ufeff\ufeff[nvidia-container-cli]\nuser = "bom"\n');
      const r = await runHook({
        args: ["-config", file, "prestart"],
        env: s.hookEnv,
        stdin: s.state,
      });
      assert.equal(
        r.stderr,
        `${P}Cannot parse config file ${file}: line 1, column 2: illegal character in key\n`,
      );
      assert.equal(r.code, 1);
    });
  } finally {
    s.done();
  }
});

Deno.test("main() refuses a config.json that is not valid UTF-8, naming the file", async (t) => {
  const s = setup();
  const cli = writeFakeCli(`${s.tmp}/bin/nvidia-container-cli`, `${s.tmp}/rec`, 0);
  const spec = `${s.tmp}/bundle/config.json`;
  try {
    for (const [name, bad] of NOT_UTF8) {
      await t.step(`${name}, in a variable`, async () => {
        const before =
          '{"ociVersion": "1.0.2", "process": {"env": ["NVIDIA_VISIBLE_DEVICES=0", "X=';
        Deno.writeFileSync(spec, bytesWith(before, bad, '"]}, "root": {"path": "rootfs"}}'));
        const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state });
        assert.equal(r.stderr, `${P}Cannot read OCI spec ${spec}: not valid UTF-8\n`);
        assert.equal(r.code, 1);
        assert.equal(cli.argv(), null, "the CLI did not run");
      });
    }
    await t.step("a byte order mark is not JSON (as for runc and the Go hook)", async () => {
      const json = '{"ociVersion": "1.0.2", "process": {"env": []}, "root": {"path": "rootfs"}}';
      Deno.writeTextFileSync(spec, `\ufeff${json}`);
      const r = await runHook({ args: ["prestart"], env: s.hookEnv, stdin: s.state });
      assert.equal(r.stderr, `${P}Cannot parse ${spec}: invalid JSON at line 1, column 1\n`);
      assert.equal(r.code, 1);
    });
  } finally {
    s.done();
  }
});
