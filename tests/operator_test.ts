/**
 * Process-level tests of the operator commands (SPEC 8): explain,
 * check-config and print-oci-hook, each with its text output, its JSON
 * output and bad input. Every run points the built-in config paths at a temp
 * dir, so that nothing reads the real /etc or /run.
 */

import assert from "node:assert/strict";
import { type FakeCli, launcherEnv, runHook, runningLine, writeFakeCli } from "./_hook.ts";
import { usage } from "../lib/parse_args.ts";
import { divergence } from "../lib/divergences.ts";
import { hostDefaultLdconfig } from "./_cases.ts";

const P = "nvidia-container-runtime-hook: ";
const USAGE = usage("nvidia-container-runtime-hook");
/** The --ldconfig option with no ldconfig configured: the host's own. */
const LDCONFIG = `--ldconfig=${hostDefaultLdconfig()}`;
const GATE = "accept-nvidia-visible-devices-envvar-when-unprivileged";
const SEARCHED = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin";
const SETS_WHY = (is: "is" | "is not", version: string) =>
  `CAP_SYS_ADMIN ${is} in the bounding set; ociVersion ${JSON.stringify(version)}` +
  " has capability sets (bounding used)";

/** `label` padded to the report's label column, then `value`. */
function row(label: string, value: string): string {
  return label.padEnd(14) + value;
}

const GPU_ENV = [
  "PATH=/usr/local/cuda/bin:/usr/bin:/bin",
  "NVIDIA_REQUIRE_CUDA=cuda>=12.2",
  "NVIDIA_VISIBLE_DEVICES=0",
  "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
];

interface Setup {
  tmp: string;
  env: Record<string, string>;
  cli: FakeCli;
  /** Writes `<tmp>/<name>/config.json` with this env; returns the bundle dir. */
  bundle(name: string, env: string[], extra?: Record<string, unknown>): string;
  /** Writes a file under `<tmp>`; returns its path. */
  file(relative: string, text: string): string;
  done(): void;
}

function setup(): Setup {
  const tmp = Deno.makeTempDirSync({ prefix: "hook-operator-" });
  Deno.mkdirSync(`${tmp}/bin`);
  const cli = writeFakeCli(`${tmp}/bin/nvidia-container-cli`, `${tmp}/record`, 0);
  const file = (relative: string, text: string) => {
    const path = `${tmp}/${relative}`;
    Deno.mkdirSync(path.slice(0, path.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(path, text);
    return path;
  };
  return {
    tmp,
    cli,
    env: {
      ...launcherEnv(),
      PATH: `${tmp}/bin:/usr/bin:/bin`,
      NVIDIA_CONTAINER_RUNTIME_HOOK_CONFIG_PREFIX: `${tmp}/prefix`,
    },
    bundle(name, env, extra = {}) {
      file(
        `${name}/config.json`,
        JSON.stringify({
          ociVersion: "1.0.2",
          process: { env },
          root: { path: "rootfs" },
          ...extra,
        }),
      );
      return `${tmp}/${name}`;
    },
    file,
    done: () => Deno.removeSync(tmp, { recursive: true }),
  };
}

/** The JSON report of a GPU bundle, with `fields` replaced. */
function gpuReport(s: Setup, bundle: string, fields: Record<string, unknown> = {}) {
  return {
    schema: 1,
    config: { file: null, origin: "built-in defaults" },
    bundle,
    pid: null,
    ociVersion: "1.0.2",
    rootfs: `${bundle}/rootfs`,
    privileged: { value: false, capabilityFormat: "sets", why: SETS_WHY("is not", "1.0.2") },
    legacy: false,
    wantsGpu: true,
    reason: null,
    devices: { request: ["0"], source: "NVIDIA_VISIBLE_DEVICES" },
    capabilities: [
      { name: "compute", source: "NVIDIA_DRIVER_CAPABILITIES" },
      { name: "utility", source: "NVIDIA_DRIVER_CAPABILITIES" },
    ],
    requirements: [{ value: "cuda>=12.2", source: "NVIDIA_REQUIRE_CUDA" }],
    mig: { config: null, monitor: null },
    imex: { request: "none", source: "none" },
    // The stand-in says nothing to --version: a CLI of unknown version (no compat option).
    cli: { path: s.cli.path, searched: true, version: { value: null, source: "--version" } },
    log: null,
    argv: [
      s.cli.path,
      "--load-kmods",
      "configure",
      LDCONFIG,
      "--device=0",
      "--compute",
      "--utility",
      "--require=cuda>=12.2",
      "--pid=PID",
      `${bundle}/rootfs`,
    ],
    notes: [],
    warnings: [],
    divergences: [],
    error: null,
    ...fields,
  };
}

Deno.test("explain --bundle: the text report, --pid=PID, nothing run", async () => {
  const s = setup();
  try {
    const b = s.bundle("gpu", GPU_ENV);
    const r = await runHook({ args: ["explain", "--bundle", b], env: s.env });
    assert.equal(r.stderr, "");
    assert.equal(
      r.stdout,
      [
        row("config", "built-in defaults"),
        row("bundle", b),
        row("pid", "none (--bundle)"),
        row("rootfs", `${b}/rootfs`),
        row("privileged", `no (${SETS_WHY("is not", "1.0.2")})`),
        row("wants GPU", "yes"),
        row("legacy", "no"),
        row("devices", "0  (from NVIDIA_VISIBLE_DEVICES)"),
        row("capabilities", "compute,utility  (from NVIDIA_DRIVER_CAPABILITIES)"),
        row("requirement", "cuda>=12.2  (from NVIDIA_REQUIRE_CUDA)"),
        row("cli", `${s.cli.path} (found by search)`),
        row("cli version", "unknown  (from --version)"),
        row(
          "argv",
          [
            s.cli.path,
            "--load-kmods",
            "configure",
            LDCONFIG,
            "--device=0",
            "--compute",
            "--utility",
            "--require=cuda>=12.2",
            "--pid=PID",
            `${b}/rootfs`,
          ].map((a) => JSON.stringify(a)).join(" "),
        ),
        "",
      ].join("\n"),
    );
    assert.equal(r.code, 0);
    // It asks the CLI --version (which the stand-in does not record), never configure.
    assert.equal(s.cli.argv(), null, "explain never runs the CLI's configure");
  } finally {
    s.done();
  }
});

Deno.test("explain --bundle --json: the schema-1 report, sorted, pid null", async () => {
  const s = setup();
  try {
    const b = s.bundle("gpu", GPU_ENV);
    const r = await runHook({ args: ["explain", "--bundle", b, "--json"], env: s.env });
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), gpuReport(s, b));
    assert.ok(r.stdout.startsWith('{\n  "argv": [\n'), "sorted keys, two-space indent");
    assert.ok(r.stdout.endsWith("\n}\n"));
    const keys = [...r.stdout.matchAll(/^ {2}"([^"]+)":/gm)].map((m) => m[1]);
    assert.deepEqual(keys, [...keys].sort(), "top-level keys in order");
    assert.equal(s.cli.argv(), null);
  } finally {
    s.done();
  }
});

Deno.test("explain with a relative --bundle resolves it against the working directory", async () => {
  const s = setup();
  try {
    const b = s.bundle("gpu", GPU_ENV);
    const r = await runHook({
      args: ["explain", "-bundle=./gpu/", "-json"],
      env: s.env,
      cwd: s.tmp,
    });
    assert.equal(r.code, 0, r.stdout);
    assert.deepEqual(JSON.parse(r.stdout), gpuReport(s, b));
  } finally {
    s.done();
  }
});

Deno.test("explain of a state on stdin: its pid, and the argv prestart runs", async () => {
  const s = setup();
  try {
    const b = s.bundle("gpu", GPU_ENV);
    const state = JSON.stringify({ ociVersion: "1.0.2", id: "c1", pid: 4242, bundle: b });
    const r = await runHook({ args: ["explain", "--json"], env: s.env, stdin: state });
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
    const argv = gpuReport(s, b).argv.map((a) => (a === "--pid=PID" ? "--pid=4242" : a));
    assert.deepEqual(JSON.parse(r.stdout), gpuReport(s, b, { pid: 4242, argv }));
    assert.equal(s.cli.argv(), null);
    const text = await runHook({ args: ["explain"], env: s.env, stdin: state });
    assert.ok(text.stdout.includes(`\n${row("pid", "4242")}\n`), text.stdout);
    const run = await runHook({ args: ["prestart"], env: s.env, stdin: state });
    assert.deepEqual([run.code, run.stderr], [
      0,
      runningLine({ id: "c1", devices: "0", requirements: ["cuda>=12.2"], bundle: b }),
    ]);
    assert.deepEqual(s.cli.argv(), argv, "prestart runs exactly the argv explain reports");
  } finally {
    s.done();
  }
});

Deno.test("explain of a container that wants no GPU: why, and nothing to run", async () => {
  const s = setup();
  try {
    const b = s.bundle("web", ["PATH=/usr/bin", "HOSTNAME=web"]);
    const text = await runHook({ args: ["explain", "--bundle", b], env: s.env });
    assert.equal(
      text.stdout,
      [
        row("config", "built-in defaults"),
        row("bundle", b),
        row("pid", "none (--bundle)"),
        row("rootfs", `${b}/rootfs`),
        row("privileged", `no (${SETS_WHY("is not", "1.0.2")})`),
        row("wants GPU", "no: NVIDIA_VISIBLE_DEVICES is not set"),
        row("argv", "none: nvidia-container-cli is not run"),
        "",
      ].join("\n"),
    );
    assert.equal(text.code, 0);
    const json = await runHook({ args: ["explain", "--bundle", b, "--json"], env: s.env });
    assert.equal(json.code, 0);
    assert.deepEqual(
      JSON.parse(json.stdout),
      gpuReport(s, b, {
        legacy: null,
        wantsGpu: false,
        reason: "NVIDIA_VISIBLE_DEVICES is not set",
        devices: null,
        capabilities: null,
        requirements: null,
        mig: null,
        imex: null,
        cli: null,
        argv: null,
      }),
    );
  } finally {
    s.done();
  }
});

Deno.test("explain shows the helpful warnings", async () => {
  const s = setup();
  try {
    s.file(
      "prefix/etc/nvidia-container-runtime/config.toml",
      `${GATE} = false\n[nvidia-container-cli]\nldconfig = "/sbin/ldconfig"\n` +
        "[features]\nallow-ldconfig-from-container = true\n",
    );
    const b = s.bundle("typos", [
      "NVIDIA_VISIBLE_DEVICES=all",
      "NVIDIA_DISABLE_REQUIRES=1",
      "NVIDIA_VISIBLE_DEVICE=0",
    ]);
    const r = await runHook({ args: ["explain", "--bundle", b, "--json"], env: s.env });
    assert.equal(r.code, 0, r.stdout);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(report.warnings, [
      "NVIDIA_DISABLE_REQUIRES has no effect; did you mean NVIDIA_DISABLE_REQUIRE?",
      "NVIDIA_VISIBLE_DEVICE has no effect; did you mean NVIDIA_VISIBLE_DEVICES?",
      `NVIDIA_VISIBLE_DEVICES is ignored: the container is unprivileged and ${GATE} = false`,
      'nvidia-container-cli.ldconfig "/sbin/ldconfig" does not start with "@": the CLI will' +
      " run the container's ldconfig, not the host's (allowed by" +
      " features.allow-ldconfig-from-container)",
    ]);
    assert.equal(report.wantsGpu, false);
    assert.equal(
      report.reason,
      `devices requested by NVIDIA_VISIBLE_DEVICES are ignored in an unprivileged container` +
        ` (${GATE} = false)`,
    );
    const text = await runHook({ args: ["explain", "--bundle", b], env: s.env });
    const warnings = text.stdout.split("\n").filter((l) => l.startsWith("warning "));
    assert.deepEqual(warnings, report.warnings.map((w: string) => row("warning", w)));
  } finally {
    s.done();
  }
});

Deno.test("explain refuses an ldconfig without @ as prestart does, exit 1", async () => {
  const s = setup();
  try {
    const config = s.file("c.toml", '[nvidia-container-cli]\nldconfig = "/sbin/ldconfig"\n');
    const b = s.bundle("gpu", GPU_ENV);
    const error = `Cannot load config file ${config}: "nvidia-container-cli.ldconfig" value` +
      ` "/sbin/ldconfig" is not host-relative (does not start with "@"); set` +
      " features.allow-ldconfig-from-container = true to run the container's ldconfig";
    const r = await runHook({ args: ["-config", config, "explain", "--bundle", b], env: s.env });
    assert.equal(r.code, 1);
    assert.equal(
      r.stdout,
      [
        row("config", `${config} (-config flag)`),
        row("bundle", b),
        row("pid", "none (--bundle)"),
        row("error", error),
        "",
      ].join("\n"),
    );
    const state = JSON.stringify({ pid: 7, bundle: b });
    const run = await runHook({ args: ["-config", config, "prestart"], env: s.env, stdin: state });
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `${P}${error}\n`);
    assert.equal(s.cli.argv(), null);
  } finally {
    s.done();
  }
});

Deno.test("explain shows the CLI's version and the compat option it takes, as prestart runs it", async (t) => {
  const compatKey = "nvidia-container-runtime.modes.legacy.cuda-compat-mode";
  const table: [
    string,
    string | undefined,
    string,
    { value: string | null; source: string },
    string[] | string,
  ][] = [
    ["a 1.17.7 CLI: --cuda-compat-mode=ldconfig", "1.17.7", "", {
      value: "1.17.7",
      source: "--version",
    }, ["--cuda-compat-mode=ldconfig"]],
    ["a 1.17.5 CLI: --no-cntlibs", "1.17.5", "", { value: "1.17.5", source: "--version" }, [
      "--no-cntlibs",
    ]],
    ["a 1.17.0 CLI: nothing", "1.17.0", "", { value: "1.17.0", source: "--version" }, []],
    ["a CLI that does not say: nothing", undefined, "", { value: null, source: "--version" }, []],
    [
      "the configured version wins over --version",
      "1.17.0",
      '[nvidia-container-runtime-hook]\ncli-version = "2.0.0"\n',
      { value: "2.0.0", source: "config" },
      ["--cuda-compat-mode=ldconfig"],
    ],
    [
      "hook is disabled for a 1.17.7 CLI",
      "1.17.7",
      `${compatKey} = "hook"\n`,
      { value: "1.17.7", source: "--version" },
      ["--cuda-compat-mode=disabled"],
    ],
    [
      "a mode a 1.17.0 CLI cannot honour: prestart's error",
      "1.17.0",
      `${compatKey} = "disabled"\n`,
      { value: "1.17.0", source: "--version" },
      `Cannot honour ${compatKey} "disabled": it needs nvidia-container-cli 1.17.4 or later, and`,
    ],
  ];
  for (const [name, version, toml, known, outcome] of table) {
    await t.step(name, async () => {
      const s = setup();
      try {
        writeFakeCli(s.cli.path, `${s.tmp}/record`, 0, version);
        const config = s.file("c.toml", toml);
        const b = s.bundle("gpu", GPU_ENV);
        const args = ["-config", config, "explain", "--bundle", b, "--json"];
        const r = await runHook({ args, env: s.env });
        const report = JSON.parse(r.stdout);
        assert.deepEqual(report.cli, { path: s.cli.path, searched: true, version: known });
        const text = await runHook({ args: args.slice(0, -1), env: s.env });
        assert.ok(
          text.stdout.includes(
            `\n${row("cli version", `${known.value ?? "unknown"}  (from ${known.source})`)}\n`,
          ),
          text.stdout,
        );
        const state = JSON.stringify({ pid: 7, bundle: b });
        const run = await runHook({
          args: ["-config", config, "prestart"],
          env: s.env,
          stdin: state,
        });
        if (typeof outcome === "string") {
          const error = `${outcome} ${JSON.stringify(s.cli.path)} is ${known.value}`;
          assert.equal(r.code, 1);
          assert.equal(report.error, error);
          assert.equal(report.argv, null);
          assert.equal(run.code, 1);
          assert.equal(run.stderr, `${P}${error}\n`);
          assert.equal(s.cli.argv(), null);
          return;
        }
        assert.equal(r.code, 0, r.stdout);
        const argv = [
          s.cli.path,
          "--load-kmods",
          "configure",
          ...outcome,
          LDCONFIG,
          "--device=0",
          "--compute",
          "--utility",
          "--require=cuda>=12.2",
          "--pid=PID",
          `${b}/rootfs`,
        ];
        assert.deepEqual(report.argv, argv);
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(s.cli.argv(), argv.map((a) => (a === "--pid=PID" ? "--pid=7" : a)));
      } finally {
        s.done();
      }
    });
  }
});

Deno.test("explain under -debug: --debug=/dev/stderr in argv and the trace on stderr", async () => {
  const s = setup();
  try {
    const b = s.bundle("gpu", GPU_ENV);
    const r = await runHook({ args: ["-debug", "explain", "--bundle", b, "--json"], env: s.env });
    assert.equal(r.code, 0, r.stderr);
    const argv = gpuReport(s, b).argv;
    argv.splice(2, 0, "--debug=/dev/stderr");
    assert.deepEqual(JSON.parse(r.stdout), gpuReport(s, b, { argv }));
    const lines = r.stderr.trimEnd().split("\n");
    assert.ok(lines.length >= 3, r.stderr);
    assert.ok(lines.every((l) => l.startsWith(`${P}debug: `)), r.stderr);
    assert.equal(lines[0], `${P}debug: config: no config file found, using the defaults`);
    assert.equal(s.cli.argv(), null);
  } finally {
    s.done();
  }
});

Deno.test("explain -config FILE after the command overrides the global -config", async (t) => {
  const s = setup();
  try {
    const b = s.bundle("gpu", GPU_ENV);
    const global = s.file("global.toml", '[nvidia-container-cli]\nuser = "global"\n');
    const local = s.file("local.toml", "[nvidia-container-cli]\nno-pivot = true\n");
    s.file(
      "prefix/etc/nvidia-container-runtime/config.toml",
      '[nvidia-container-cli]\nuser = "etc"\n',
    );
    const table: [string, string[], string, string, string][] = [
      [
        "the command's -config wins",
        ["-config", global, "explain", "-config", local],
        local,
        "-config flag",
        "--no-pivot",
      ],
      [
        "--config=FILE spelling",
        ["-config", global, "explain", `--config=${local}`],
        local,
        "-config flag",
        "--no-pivot",
      ],
      [
        "the global -config alone",
        ["-config", global, "explain"],
        global,
        "-config flag",
        "--user=global",
      ],
      [
        "-config= after the command searches",
        ["-config", global, "explain", "-config="],
        `${s.tmp}/prefix/etc/nvidia-container-runtime/config.toml`,
        "built-in path",
        "--user=etc",
      ],
    ];
    for (const [name, args, file, origin, option] of table) {
      await t.step(name, async () => {
        const r = await runHook({ args: [...args, "--bundle", b, "--json"], env: s.env });
        assert.equal(r.code, 0, r.stdout);
        const report = JSON.parse(r.stdout);
        assert.deepEqual(report.config, { file, origin });
        assert.ok(report.argv.includes(option), JSON.stringify(report.argv));
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("explain of inputs prestart refuses: the same error line, exit 1", async (t) => {
  const s = setup();
  try {
    const mig = s.bundle("mig", ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_MIG_CONFIG_DEVICES=all"]);
    const caps = s.bundle("caps", [
      "NVIDIA_VISIBLE_DEVICES=0",
      "NVIDIA_DRIVER_CAPABILITIES=compute,foo",
    ]);
    const badEnv = s.bundle("bad-env", ["NVIDIA_VISIBLE_DEVICES=0", "SECRET"]);
    const state = (bundle: string) => JSON.stringify({ pid: 7, bundle });
    const table: [string, string, string][] = [
      [
        "a MIG request of an unprivileged container",
        state(mig),
        "Cannot set NVIDIA_MIG_CONFIG_DEVICES in an unprivileged container (CAP_SYS_ADMIN is not" +
        " in its bounding set)",
      ],
      [
        "an unknown capability",
        state(caps),
        'Unknown driver capability "foo" in NVIDIA_DRIVER_CAPABILITIES; expected "all" or a' +
        " comma-separated list of compute, compat32, graphics, utility, video, display, ngx",
      ],
      [
        "an env entry without =",
        state(badEnv),
        `Cannot parse ${badEnv}/config.json: "process.env[1]" must have the form KEY=VALUE`,
      ],
      [
        "a state that is not an object",
        "[]",
        "Cannot parse container state on stdin: expected a JSON object, got an array",
      ],
      [
        "a bundle without config.json",
        state(`${s.tmp}/nowhere`),
        `Cannot read OCI spec ${s.tmp}/nowhere/config.json: no such file or directory`,
      ],
    ];
    for (const [name, stdin, message] of table) {
      await t.step(name, async () => {
        const run = await runHook({ args: ["prestart"], env: s.env, stdin });
        assert.equal(run.code, 1);
        const prestartLine = run.stderr.trimEnd().split("\n").at(-1);
        const text = await runHook({ args: ["explain"], env: s.env, stdin });
        assert.equal(text.code, 1);
        assert.equal(text.stderr, "");
        const errorLine = text.stdout.trimEnd().split("\n").at(-1);
        assert.equal(`${P}${errorLine?.slice(14)}`, prestartLine);
        assert.equal(errorLine, row("error", message), "the error prestart prints");
        const json = await runHook({ args: ["explain", "--json"], env: s.env, stdin });
        assert.equal(json.code, 1);
        const report = JSON.parse(json.stdout);
        assert.equal(report.error, message);
        assert.equal(report.argv, null);
        assert.equal(s.cli.argv(), null);
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("explain's error has no container prefix; prestart's line names the container", async (t) => {
  const s = setup();
  try {
    const mig = s.bundle("mig", ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_MIG_CONFIG_DEVICES=all"]);
    const gpu = s.bundle("gpu", GPU_ENV);
    const noCli = { ...s.env, PATH: `${s.tmp}/nocli:/usr/bin:/bin` };
    const table: [string, string, Record<string, string>, string][] = [
      [
        "policy",
        mig,
        s.env,
        "Cannot set NVIDIA_MIG_CONFIG_DEVICES in an unprivileged container (CAP_SYS_ADMIN is not" +
        " in its bounding set)",
      ],
      [
        "host: no CLI",
        gpu,
        noCli,
        `Cannot find nvidia-container-cli in ${s.tmp}/nocli:/usr/bin:/bin:${SEARCHED}`,
      ],
    ];
    for (const [name, bundle, env, message] of table) {
      await t.step(name, async () => {
        const stdin = JSON.stringify({ id: "ctr-7", pid: 7, bundle });
        const run = await runHook({ args: ["prestart"], env, stdin });
        assert.deepEqual([run.code, run.stderr], [1, `${P}container ctr-7: ${message}\n`]);
        const json = await runHook({ args: ["explain", "--json"], env, stdin });
        assert.equal(json.code, 1);
        assert.equal(JSON.parse(json.stdout).error, message);
        const text = await runHook({ args: ["explain"], env, stdin });
        assert.equal(text.stdout.trimEnd().split("\n").at(-1), row("error", message));
        assert.equal(s.cli.argv(), null);
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("explain shows the configured decision log and writes nothing to it", async () => {
  const s = setup();
  // Under /run, in a directory that does not exist: explain must not create it.
  const dir = `/run/hook-operator-test-${crypto.randomUUID()}`;
  const log = `${dir}/decisions.log`;
  try {
    const config = s.file(
      "c.toml",
      `[nvidia-container-runtime-hook]\nlog-file = "${dir}//./decisions.log"\n`,
    );
    const b = s.bundle("gpu", GPU_ENV);
    const json = await runHook({
      args: ["-config", config, "explain", "--bundle", b, "--json"],
      env: s.env,
    });
    assert.deepEqual([json.code, json.stderr], [0, ""]);
    // log-file is this hook's own key, which NVIDIA's hook ignores: a divergence row.
    const { nvidia, ours, why } = divergence("own-keys-checked");
    assert.deepEqual(
      JSON.parse(json.stdout),
      gpuReport(s, b, {
        config: { file: config, origin: "-config flag" },
        log,
        divergences: [{ id: "own-keys-checked", nvidia, ours, why }],
      }),
    );
    const text = await runHook({ args: ["-config", config, "explain", "--bundle", b], env: s.env });
    assert.equal(text.code, 0);
    const lines = text.stdout.split("\n");
    const at = lines.indexOf(row("cli version", "unknown  (from --version)"));
    assert.ok(at > 0, text.stdout);
    assert.equal(lines[at + 1], row("log", log));
    assert.ok(lines[at + 2]?.startsWith(row("argv", "")), text.stdout);
    assert.deepEqual(
      lines.slice(at + 3),
      [
        row(
          "differs",
          `own-keys-checked: NVIDIA's current hook ${nvidia}; this hook ${ours} (${why})`,
        ),
        "",
      ],
    );
    assert.throws(() => Deno.statSync(dir), Deno.errors.NotFound);
  } finally {
    removeIfThere(log);
    removeIfThere(dir);
    s.done();
  }
});

Deno.test("explain --bundle of a missing directory: the error in the report, exit 1", async () => {
  const s = setup();
  try {
    const dir = `${s.tmp}/no-such-bundle`;
    const error = `Cannot read OCI spec ${dir}/config.json: no such file or directory`;
    const text = await runHook({ args: ["explain", "--bundle", dir], env: s.env });
    assert.equal(
      text.stdout,
      [
        row("config", "built-in defaults"),
        row("bundle", dir),
        row("pid", "none (--bundle)"),
        row("error", error),
        "",
      ].join("\n"),
    );
    assert.equal(text.stderr, "");
    assert.equal(text.code, 1);
    const json = await runHook({ args: ["explain", "--bundle", dir, "--json"], env: s.env });
    assert.equal(json.code, 1);
    assert.deepEqual(JSON.parse(json.stdout), {
      schema: 1,
      config: { file: null, origin: "built-in defaults" },
      bundle: dir,
      pid: null,
      ociVersion: null,
      rootfs: null,
      privileged: null,
      legacy: null,
      wantsGpu: null,
      reason: null,
      devices: null,
      capabilities: null,
      requirements: null,
      mig: null,
      imex: null,
      cli: null,
      log: null,
      argv: null,
      notes: [],
      warnings: [],
      divergences: [],
      error,
    });
  } finally {
    s.done();
  }
});

Deno.test("explain when no CLI can be found: the decision, then prestart's error", async () => {
  const s = setup();
  try {
    const b = s.bundle("gpu", GPU_ENV);
    const env = { ...s.env, PATH: `${s.tmp}/nocli:/usr/bin:/bin` };
    const r = await runHook({ args: ["explain", "--bundle", b, "--json"], env });
    assert.equal(r.code, 1);
    const run = await runHook({
      args: ["prestart"],
      env,
      stdin: JSON.stringify({ pid: 7, bundle: b }),
    });
    assert.equal(run.stderr, `${P}${JSON.parse(r.stdout).error}\n`, "prestart's error line");
    assert.deepEqual(
      JSON.parse(r.stdout),
      gpuReport(s, b, {
        cli: null,
        argv: null,
        error: `Cannot find nvidia-container-cli in ${s.tmp}/nocli:/usr/bin:/bin:${SEARCHED}`,
      }),
    );
  } finally {
    s.done();
  }
});

Deno.test("explain with a configured CLI path that cannot run: prestart's error, exit 1", async () => {
  const s = setup();
  try {
    const b = s.bundle("gpu", GPU_ENV);
    const missing = `${s.tmp}/custom/nvidia-container-cli`;
    const config = s.file("c.toml", `[nvidia-container-cli]\npath = "${missing}"\n`);
    const state = JSON.stringify({ pid: 7, bundle: b });
    const run = await runHook({ args: ["-config", config, "prestart"], env: s.env, stdin: state });
    const r = await runHook({
      args: ["-config", config, "explain", "--json"],
      env: s.env,
      stdin: state,
    });
    assert.equal(r.code, 1);
    const report = JSON.parse(r.stdout);
    // prestart fails after the running line, when it tries to become the CLI.
    assert.equal(
      run.stderr,
      runningLine({ devices: "0", requirements: ["cuda>=12.2"], bundle: b, config }) +
        `${P}${report.error}\n`,
    );
    // The explain command the line names (same -config, the bundle) reports the same error.
    const pasted = await runHook({
      args: ["-config", config, "explain", "--bundle", b, "--json"],
      env: s.env,
    });
    assert.equal(pasted.code, 1);
    assert.equal(JSON.parse(pasted.stdout).error, report.error);
    assert.equal(
      report.error,
      `Cannot run nvidia-container-cli "${missing}": no such file or directory`,
    );
    // --version could not run either: a CLI of unknown version.
    assert.deepEqual(report.cli, {
      path: missing,
      searched: false,
      version: { value: null, source: "--version" },
    });
    assert.equal(report.argv, null);
  } finally {
    s.done();
  }
});

Deno.test("explain usage errors: exit 2 with usage, no report", async (t) => {
  const s = setup();
  try {
    const b = s.bundle("gpu", GPU_ENV);
    const table: [string[], string][] = [
      [["explain", "--nope"], "Flag provided but not defined: -nope"],
      [["explain", "--bundle", b, "extra"], 'Unexpected argument "extra" after explain'],
      [["explain", b], `Unexpected argument ${JSON.stringify(b)} after explain`],
      [["explain", "--bundle"], "Flag needs an argument: -bundle"],
      [["explain", "--json=maybe"], 'Invalid boolean value "maybe" for -json: parse error'],
      [["explain", "-debug"], "Flag provided but not defined: -debug"],
    ];
    for (const [args, message] of table) {
      await t.step(args.join(" "), async () => {
        const r = await runHook({ args, env: s.env, stdin: "{}" });
        assert.equal(r.stdout, "");
        assert.equal(r.stderr, `${P}${message}\n${USAGE}`);
        assert.equal(r.code, 2);
      });
    }
    await t.step("-h prints the usage, exit 0", async () => {
      const r = await runHook({ args: ["explain", "-h"], env: s.env });
      assert.equal(r.stdout, "");
      assert.equal(r.stderr, USAGE);
      assert.equal(r.code, 0);
    });
  } finally {
    s.done();
  }
});

/**
 * The text report without its swarm-resource line: the SPEC says its default
 * is "unset", the report shows the parsed list `[]` (reported to the lead).
 */
function withoutSwarm(text: string): string {
  return text.split("\n").filter((l) => !l.startsWith("  swarm-resource ")).join("\n");
}

function removeIfThere(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
}

/**
 * The settings check-config prints for a file that sets only `set` (key,
 * shown value); swarm-resource aside (see {@linkcode withoutSwarm}).
 */
function checkLines(set: Record<string, string>): string[] {
  const defaults: [string, string][] = [
    ["disable-require", "false"],
    ["accept-nvidia-visible-devices-envvar-when-unprivileged", "true"],
    ["accept-nvidia-visible-devices-as-volume-mounts", "false"],
    [
      "supported-driver-capabilities",
      '["compute", "compat32", "graphics", "utility", "video", "display", "ngx"]',
    ],
    ["nvidia-container-cli.root", "(unset)"],
    ["nvidia-container-cli.path", "(unset)"],
    ["nvidia-container-cli.environment", "[]"],
    ["nvidia-container-cli.debug", "(unset)"],
    ["nvidia-container-cli.ldcache", "(unset)"],
    ["nvidia-container-cli.load-kmods", "true"],
    ["nvidia-container-cli.no-pivot", "false"],
    ["nvidia-container-cli.no-cgroups", "false"],
    ["nvidia-container-cli.user", "(unset)"],
    ["nvidia-container-cli.ldconfig", "(unset)"],
    ["nvidia-container-cli.alpha-merge-visible-devices-envvars", "false"],
    ["nvidia-container-runtime.mode", '"auto"'],
    ["nvidia-container-runtime.modes.legacy.cuda-compat-mode", '"ldconfig"'],
    ["nvidia-container-runtime-hook.skip-mode-detection", "false"],
    ["nvidia-container-runtime-hook.cli-version", "(unset)"],
    ["nvidia-container-runtime-hook.log-file", "(unset)"],
    ["features.ignore-imex-channel-requests", "false"],
    ["features.disable-imex-channel-creation", "false"],
    ["features.allow-cuda-compat-libs-from-container", "false"],
    ["features.allow-ldconfig-from-container", "false"],
  ];
  const width = Math.max(...defaults.map(([k]) => k.length));
  return defaults.map(([key, value]) =>
    key in set
      ? `  ${key.padEnd(width)} = ${set[key]}`
      : `  ${key.padEnd(width)} = ${value}  (default)`
  );
}

Deno.test("check-config FILE: effective settings, defaults marked, warnings with lines", async () => {
  const s = setup();
  try {
    const file = s.file(
      "c.toml",
      [
        "# host config",
        "[nvidia-container-cli]",
        "load-kmod = false",
        'ldconfig = "@/sbin/ldconfig"',
        "no-cgroups = true",
        "",
      ].join("\n"),
    );
    const r = await runHook({ args: ["check-config", file], env: s.env });
    assert.equal(r.stderr, "");
    assert.equal(
      withoutSwarm(r.stdout),
      [
        `config file: ${file} (argument)`,
        ...checkLines({
          "nvidia-container-cli.no-cgroups": "true",
          "nvidia-container-cli.ldconfig": '"@/sbin/ldconfig"',
        }),
        'warning: line 3: unknown key "nvidia-container-cli.load-kmod"; did you mean' +
        ' "nvidia-container-cli.load-kmods"?',
        "ok, 1 warning(s)",
        "",
      ].join("\n"),
    );
    assert.equal(r.code, 0);
  } finally {
    s.done();
  }
});

Deno.test("check-config --json: the report as stable JSON", async () => {
  const s = setup();
  try {
    const file = s.file("c.toml", '[nvidia-container-cli]\nno-cgroup = true\nuser = ""\n');
    const r = await runHook({ args: ["check-config", "--json", file], env: s.env });
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
    const report = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(report), ["error", "file", "origin", "settings", "warnings"]);
    assert.equal(report.file, file);
    assert.equal(report.origin, "argument");
    assert.equal(report.error, null);
    assert.deepEqual(report.warnings, [
      'line 2: unknown key "nvidia-container-cli.no-cgroup"; did you mean' +
      ' "nvidia-container-cli.no-cgroups"?',
    ]);
    assert.equal(report.settings.length, 25);
    assert.deepEqual(
      report.settings.find((x: { key: string }) => x.key === "nvidia-container-cli.user"),
      { isDefault: false, key: "nvidia-container-cli.user", value: null },
    );
    assert.deepEqual(
      report.settings.find((x: { key: string }) => x.key === "nvidia-container-cli.load-kmods"),
      { isDefault: true, key: "nvidia-container-cli.load-kmods", value: true },
    );
    assert.deepEqual(
      report.settings.filter((x: { isDefault: boolean }) => !x.isDefault).map((
        x: { key: string },
      ) => x.key),
      ["nvidia-container-cli.user"],
    );
    assert.ok(r.stdout.includes('{\n      "isDefault": true,\n      "key": "disable-require"'));
  } finally {
    s.done();
  }
});

Deno.test("check-config picks the file prestart would pick", async (t) => {
  const s = setup();
  try {
    const b = s.bundle("gpu", ["NVIDIA_VISIBLE_DEVICES=0"]);
    const state = JSON.stringify({ pid: 7, bundle: b });
    // Each place names itself in `user`, so prestart's argv shows which file it read.
    const at = (where: string) => `[nvidia-container-cli]\nuser = "${where}"\n`;
    const etc = `${s.tmp}/prefix/etc/nvidia-container-runtime/config.toml`;
    const driver = `${s.tmp}/prefix/run/nvidia/driver/etc/nvidia-container-runtime/config.toml`;
    const xdg = `${s.tmp}/xdg/nvidia-container-runtime/config.toml`;
    const ctk = `${s.tmp}/ctk.toml`;
    const flag = `${s.tmp}/flag.toml`;
    const table: [string, string[], Record<string, string>, string | null, string, string][] = [
      ["nothing found: the defaults", [], {}, null, "none found: built-in defaults", ""],
      ["/etc", [etc], {}, etc, "built-in path", "etc"],
      ["the driver path before /etc", [etc, driver], {}, driver, "built-in path", "driver"],
      [
        "XDG_CONFIG_HOME first",
        [etc, driver, xdg],
        { XDG_CONFIG_HOME: `${s.tmp}/xdg` },
        xdg,
        "XDG_CONFIG_HOME",
        "xdg",
      ],
      [
        "a missing XDG file falls back",
        [etc],
        { XDG_CONFIG_HOME: `${s.tmp}/xdg` },
        etc,
        "built-in path",
        "etc",
      ],
      [
        "a relative XDG_CONFIG_HOME is ignored",
        [etc],
        { XDG_CONFIG_HOME: "xdg" },
        etc,
        "built-in path",
        "etc",
      ],
      [
        "NVIDIA_CTK_CONFIG_FILE_PATH before XDG",
        [etc, xdg, ctk],
        { XDG_CONFIG_HOME: `${s.tmp}/xdg`, NVIDIA_CTK_CONFIG_FILE_PATH: ctk },
        ctk,
        "NVIDIA_CTK_CONFIG_FILE_PATH",
        "ctk",
      ],
      [
        "an empty NVIDIA_CTK_CONFIG_FILE_PATH is unset",
        [etc],
        { NVIDIA_CTK_CONFIG_FILE_PATH: "" },
        etc,
        "built-in path",
        "etc",
      ],
    ];
    const names = new Map([[etc, "etc"], [driver, "driver"], [xdg, "xdg"], [ctk, "ctk"]]);
    for (const [name, files, extraEnv, file, origin, user] of table) {
      await t.step(name, async () => {
        for (const path of names.keys()) removeIfThere(path);
        for (const path of files) s.file(path.slice(s.tmp.length + 1), at(names.get(path)!));
        const env = { ...s.env, ...extraEnv };
        const r = await runHook({ args: ["check-config", "--json"], env });
        assert.equal(r.code, 0, r.stdout);
        const report = JSON.parse(r.stdout);
        assert.equal(report.file, file);
        assert.equal(report.origin, origin);
        const setting = report.settings.find((x: { key: string }) =>
          x.key === "nvidia-container-cli.user"
        );
        assert.equal(setting.value, user === "" ? null : user);
        const explain = await runHook({ args: ["explain", "--bundle", b, "--json"], env });
        assert.equal(JSON.parse(explain.stdout).config.file, file, "explain reads the same file");
        const run = await runHook({ args: ["prestart"], env, stdin: state });
        assert.equal(run.code, 0, run.stderr);
        const option = (s.cli.argv() ?? []).find((a) => a.startsWith("--user="));
        assert.equal(option, user === "" ? undefined : `--user=${user}`, "prestart read it");
      });
    }
    await t.step("the global -config wins over everything", async () => {
      s.file("flag.toml", at("flag"));
      const env = { ...s.env, XDG_CONFIG_HOME: `${s.tmp}/xdg`, NVIDIA_CTK_CONFIG_FILE_PATH: ctk };
      const r = await runHook({ args: ["-config", flag, "check-config", "--json"], env });
      assert.equal(r.code, 0, r.stdout);
      const report = JSON.parse(r.stdout);
      assert.deepEqual([report.file, report.origin], [flag, "-config flag"]);
    });
  } finally {
    s.done();
  }
});

Deno.test("check-config with no file anywhere: the built-in defaults, exit 0", async () => {
  const s = setup();
  try {
    const r = await runHook({ args: ["check-config"], env: s.env });
    assert.equal(r.stderr, "");
    assert.equal(
      withoutSwarm(r.stdout),
      ["config file: none found: built-in defaults", ...checkLines({}), "ok", ""].join("\n"),
    );
    assert.equal(r.code, 0);
  } finally {
    s.done();
  }
});

Deno.test("check-config of a bad file: the error with its line, exit 1", async (t) => {
  const s = setup();
  try {
    const missing = `${s.tmp}/missing.toml`;
    const badToml = s.file("bad.toml", "disable-require = true\n[nvidia-container-cli\n");
    const wrongType = s.file("type.toml", '# c\n\n[nvidia-container-cli]\nload-kmods = "yes"\n');
    const scalar = s.file("scalar.toml", "disable-require = true\nnvidia-container-cli = 5\n");
    const ldconfig = s.file(
      "ldconfig.toml",
      '[nvidia-container-cli]\nldconfig = "/sbin/ldconfig"\n',
    );
    const mode = s.file(
      "mode.toml",
      'nvidia-container-runtime.modes.legacy.cuda-compat-mode = "x"\n',
    );
    const log = s.file(
      "log.toml",
      '[nvidia-container-runtime-hook]\nlog-file = "/var/log/../etc/hook.log"\n',
    );
    const table: [string, string, string | RegExp][] = [
      ["a missing file", missing, `Cannot read config file ${missing}: no such file or directory`],
      ["a directory", s.tmp, `Cannot read config file ${s.tmp}: is a directory`],
      [
        "a TOML syntax error",
        badToml,
        new RegExp(`^Cannot parse config file ${badToml}: line 2, column \\d+: \\S`),
      ],
      [
        "a wrong type",
        wrongType,
        `Cannot load config file ${wrongType}: "nvidia-container-cli.load-kmods" must be a boolean (line 4)`,
      ],
      [
        "a table given a scalar",
        scalar,
        `Cannot load config file ${scalar}: "nvidia-container-cli" must be a table (line 2)`,
      ],
      [
        "an ldconfig without @, not allowed",
        ldconfig,
        `Cannot load config file ${ldconfig}: "nvidia-container-cli.ldconfig" value` +
        ` "/sbin/ldconfig" is not host-relative (does not start with "@"); set` +
        " features.allow-ldconfig-from-container = true to run the container's ldconfig (line 2)",
      ],
      [
        "a cuda-compat-mode that is not a mode",
        mode,
        `Cannot load config file ${mode}: "nvidia-container-runtime.modes.legacy.cuda-compat-mode"` +
        ' must be one of "ldconfig", "mount", "disabled", "hook" or empty; got "x" (line 1)',
      ],
      [
        "a log-file outside /var/log and /run",
        log,
        `Cannot load config file ${log}: "nvidia-container-runtime-hook.log-file" must be an` +
        " absolute path of a file under /var/log or /run (the only places the hook may write);" +
        ' got "/var/log/../etc/hook.log" (line 2)',
      ],
    ];
    for (const [name, file, error] of table) {
      await t.step(name, async () => {
        const text = await runHook({ args: ["check-config", file], env: s.env });
        assert.equal(text.code, 1);
        assert.equal(text.stderr, "");
        const lines = text.stdout.split("\n");
        assert.equal(lines.length, 3, text.stdout);
        assert.equal(lines[0], `config file: ${file} (argument)`);
        assert.equal(lines[2], "");
        const json = await runHook({ args: ["check-config", "--json", file], env: s.env });
        assert.equal(json.code, 1);
        const report = JSON.parse(json.stdout);
        assert.deepEqual({ ...report, error: null }, {
          file,
          origin: "argument",
          settings: [],
          warnings: [],
          error: null,
        });
        if (typeof error === "string") {
          assert.equal(lines[1], `error: ${error}`);
          assert.equal(report.error, error);
        } else {
          assert.match(lines[1] ?? "", new RegExp(`^error: ${error.source.slice(1)}`));
          assert.match(report.error, error);
        }
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("check-config usage errors: exit 2 with usage", async (t) => {
  const s = setup();
  try {
    const table: [string[], string][] = [
      [["check-config", "--nope"], "Flag provided but not defined: -nope"],
      [["check-config", "a.toml", "b.toml"], 'Unexpected argument "b.toml" after check-config'],
      [["check-config", "--json=2"], 'Invalid boolean value "2" for -json: parse error'],
    ];
    for (const [args, message] of table) {
      await t.step(args.join(" "), async () => {
        const r = await runHook({ args, env: s.env });
        assert.equal(r.stdout, "");
        assert.equal(r.stderr, `${P}${message}\n${USAGE}`);
        assert.equal(r.code, 2);
      });
    }
  } finally {
    s.done();
  }
});

const OCI_HOOK_TEXT = `{
  "hook": {
    "args": [
      "nvidia-container-runtime-hook",
      "prestart"
    ],
    "env": [
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    ],
    "path": "/usr/bin/nvidia-container-runtime-hook"
  },
  "stages": [
    "prestart"
  ],
  "version": "1.0.0",
  "when": {
    "always": true
  }
}
`;

Deno.test("print-oci-hook: the hooks.d JSON for podman and CRI-O", async () => {
  const s = setup();
  try {
    const r = await runHook({ args: ["print-oci-hook"], env: s.env });
    assert.equal(r.stderr, "");
    assert.equal(r.stdout, OCI_HOOK_TEXT);
    assert.equal(r.code, 0);
  } finally {
    s.done();
  }
});

Deno.test("print-oci-hook --path: the JSON, parsed, names that binary", async (t) => {
  const s = setup();
  try {
    for (const args of [["--path", "/opt/nvidia/hook"], ["-path=/opt/nvidia/hook"]]) {
      await t.step(args.join(" "), async () => {
        const r = await runHook({ args: ["print-oci-hook", ...args], env: s.env });
        assert.equal(r.stderr, "");
        assert.equal(r.code, 0);
        assert.deepEqual(JSON.parse(r.stdout), {
          version: "1.0.0",
          hook: {
            path: "/opt/nvidia/hook",
            args: ["nvidia-container-runtime-hook", "prestart"],
            env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
          },
          when: { always: true },
          stages: ["prestart"],
        });
      });
    }
  } finally {
    s.done();
  }
});

Deno.test("print-oci-hook bad input: exit 2 with usage, nothing on stdout", async (t) => {
  const s = setup();
  try {
    const table: [string[], string][] = [
      [["--path", "relative/hook"], '--path must be an absolute path, got "relative/hook"'],
      [["--path="], '--path must be an absolute path, got ""'],
      [["--path"], "Flag needs an argument: -path"],
      [["--nope"], "Flag provided but not defined: -nope"],
      [["/usr/bin/hook"], 'Unexpected argument "/usr/bin/hook" after print-oci-hook'],
    ];
    for (const [args, message] of table) {
      await t.step(args.join(" "), async () => {
        const r = await runHook({ args: ["print-oci-hook", ...args], env: s.env });
        assert.equal(r.stdout, "");
        assert.equal(r.stderr, `${P}${message}\n${USAGE}`);
        assert.equal(r.code, 2);
      });
    }
  } finally {
    s.done();
  }
});

const DEFAULT_SPEC = JSON.stringify({
  ociVersion: "1.0.2-dev",
  process: { cwd: "/" },
  hooks: { poststop: [{ path: "/bin/true" }] },
});

Deno.test("print-base-spec: the spec on stdin with the hook in hooks.prestart", async (t) => {
  const s = setup();
  try {
    await t.step("defaults", async () => {
      const r = await runHook({ args: ["print-base-spec"], env: s.env, stdin: DEFAULT_SPEC });
      assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 0, stderr: "" });
      assert.equal(
        r.stdout,
        JSON.stringify(
          {
            ociVersion: "1.0.2-dev",
            process: { cwd: "/" },
            hooks: {
              poststop: [{ path: "/bin/true" }],
              prestart: [{
                path: "/usr/bin/nvidia-container-runtime-hook",
                args: ["nvidia-container-runtime-hook", "prestart"],
                env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
              }],
            },
          },
          null,
          2,
        ) + "\n",
      );
    });
    await t.step("--path and repeated --env; run twice, the entry is replaced", async () => {
      const args = ["print-base-spec", "--path", "/opt/hook/nvidia-container-runtime-hook"];
      const env = ["--env", "NVIDIA_CTK_CONFIG_FILE_PATH=/etc/h.toml", "--env=A=1"];
      const once = await runHook({ args: [...args, ...env], env: s.env, stdin: DEFAULT_SPEC });
      const twice = await runHook({ args: [...args, ...env], env: s.env, stdin: once.stdout });
      assert.deepEqual([once.code, twice.code, twice.stderr], [0, 0, ""]);
      assert.equal(twice.stdout, once.stdout);
      assert.deepEqual(JSON.parse(twice.stdout).hooks.prestart, [{
        path: "/opt/hook/nvidia-container-runtime-hook",
        args: ["nvidia-container-runtime-hook", "prestart"],
        env: [
          "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
          "NVIDIA_CTK_CONFIG_FILE_PATH=/etc/h.toml",
          "A=1",
        ],
      }]);
    });
  } finally {
    s.done();
  }
});

Deno.test("print-base-spec bad input: one line and exit 1, or usage and exit 2", async (t) => {
  const s = setup();
  try {
    const table: [string, string[], string, number, string][] = [
      [
        "not JSON",
        [],
        "{",
        1,
        /* checked by prefix */ "Cannot parse the OCI spec on stdin: not JSON (",
      ],
      [
        "an array",
        [],
        "[]",
        1,
        "Cannot use the OCI spec on stdin: it must be a JSON object, got an array",
      ],
      [
        "prestart not an array",
        [],
        '{"hooks": {"prestart": 1}}',
        1,
        'Cannot use the OCI spec on stdin: "hooks.prestart" must be an array, got a number',
      ],
      [
        "a relative --path",
        ["--path", "hook"],
        "{}",
        2,
        '--path must be an absolute path, got "hook"',
      ],
      [
        "a bad --env",
        ["--env", "1A=x"],
        "{}",
        2,
        '--env must be KEY=VALUE with KEY a variable name (letters, digits, _), got "1A=x"',
      ],
      ["an extra word", ["x"], "{}", 2, 'Unexpected argument "x" after print-base-spec'],
    ];
    for (const [name, args, stdin, code, message] of table) {
      await t.step(name, async () => {
        const r = await runHook({ args: ["print-base-spec", ...args], env: s.env, stdin });
        assert.deepEqual({ code: r.code, stdout: r.stdout }, { code, stdout: "" });
        if (code === 2) assert.equal(r.stderr, `${P}${message}\n${USAGE}`);
        else if (message.endsWith("(")) {
          assert.ok(r.stderr.startsWith(`${P}${message}`), r.stderr);
          assert.equal(r.stderr.split("\n").length, 2);
        } else assert.equal(r.stderr, `${P}${message}\n`);
      });
    }
    await t.step("more than 4 MiB on stdin", async () => {
      const stdin = `{"x": "${"a".repeat(4 * 1024 * 1024)}"}`;
      const r = await runHook({ args: ["print-base-spec"], env: s.env, stdin });
      assert.deepEqual(r, {
        code: 1,
        stdout: "",
        stderr: `${P}Cannot read the OCI spec on stdin: larger than 4194304 bytes\n`,
      });
    });
  } finally {
    s.done();
  }
});

Deno.test("print-containerd-config: a drop-in, or the whole config merged with --from", async (t) => {
  const s = setup();
  const spec = "/etc/containerd/nvidia-base-spec.json";
  const v2 = 'plugins."io.containerd.grpc.v1.cri"';
  try {
    await t.step("a version 3 drop-in by default", async () => {
      const r = await runHook({
        args: ["print-containerd-config", "--base-runtime-spec", spec],
        env: s.env,
      });
      assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 0, stderr: "" });
      assert.ok(r.stdout.startsWith("version = 3\n"), r.stdout);
      assert.ok(r.stdout.endsWith(`base_runtime_spec = "${spec}"\n`), r.stdout);
    });
    await t.step("a version 2 drop-in says on stderr to use --from on 1.x", async () => {
      const r = await runHook({
        args: ["print-containerd-config", "--base-runtime-spec", spec, "--config-version", "2"],
        env: s.env,
      });
      assert.equal(r.code, 0);
      assert.ok(r.stdout.startsWith("version = 2\n"), r.stdout);
      assert.equal(
        r.stderr,
        `${P}note: containerd 1.6 and 1.7 replace a plugin's whole table with an imported ` +
          "file's, so this drop-in drops every other CRI setting of the main config; on those " +
          "versions merge it with --from CONFIG instead\n",
      );
    });
    await t.step("--from keeps the config and adds the handler", async () => {
      const from = s.file(
        "containerd/config.toml",
        `version = 2\nroot = "/var/lib/containerd"\n[${v2}]\n  sandbox_image = "pause:3.9"\n`,
      );
      const r = await runHook({
        args: [
          "print-containerd-config",
          "--base-runtime-spec",
          spec,
          "--runtime-name",
          "gpu",
          "--set-as-default",
          "--from",
          from,
        ],
        env: s.env,
      });
      assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 0, stderr: "" });
      assert.equal(
        r.stdout,
        [
          "version = 2",
          'root = "/var/lib/containerd"',
          "",
          "[plugins]",
          "",
          `  [${v2}]`,
          '    sandbox_image = "pause:3.9"',
          "",
          `    [${v2}.containerd]`,
          '      default_runtime_name = "gpu"',
          "",
          `      [${v2}.containerd.runtimes]`,
          "",
          `        [${v2}.containerd.runtimes.gpu]`,
          '          runtime_type = "io.containerd.runc.v2"',
          `          base_runtime_spec = "${spec}"`,
          "",
        ].join("\n"),
      );
    });
    const table: [string, string[], number, string][] = [
      ["no --base-runtime-spec", [], 2, "print-containerd-config needs --base-runtime-spec FILE"],
      [
        "a relative spec",
        ["--base-runtime-spec", "x.json"],
        2,
        '--base-runtime-spec must be an absolute path, got "x.json"',
      ],
      [
        "a bad version",
        ["--base-runtime-spec", spec, "--config-version", "1"],
        2,
        '--config-version must be 2 or 3, got "1"',
      ],
      [
        "a bad name",
        ["--base-runtime-spec", spec, "--runtime-name", "Nvidia"],
        2,
        '--runtime-name must be a lowercase DNS label (a-z, 0-9, -; at most 63), got "Nvidia"',
      ],
      [
        "an empty --from",
        ["--base-runtime-spec", spec, "--from="],
        2,
        '--from must name a file, got ""',
      ],
      [
        "a missing --from",
        ["--base-runtime-spec", spec, "--from", "/nonexistent/c.toml"],
        1,
        "Cannot read /nonexistent/c.toml: no such file or directory",
      ],
      [
        "a directory --from",
        ["--base-runtime-spec", spec, "--from", "/"],
        1,
        "Cannot read /: not a regular file",
      ],
    ];
    for (const [name, args, code, message] of table) {
      await t.step(name, async () => {
        const r = await runHook({ args: ["print-containerd-config", ...args], env: s.env });
        assert.deepEqual({ code: r.code, stdout: r.stdout }, { code, stdout: "" });
        assert.equal(r.stderr, code === 2 ? `${P}${message}\n${USAGE}` : `${P}${message}\n`);
      });
    }
    await t.step("a --from with a syntax error", async () => {
      const from = s.file("bad.toml", "version = 2\n[x\n");
      const r = await runHook({
        args: ["print-containerd-config", "--base-runtime-spec", spec, "--from", from],
        env: s.env,
      });
      assert.deepEqual({ code: r.code, stdout: r.stdout }, { code: 1, stdout: "" });
      assert.match(r.stderr, new RegExp(`^${P}Cannot parse ${from}: line 2, column \\d+: .+\n$`));
    });
  } finally {
    s.done();
  }
});

Deno.test({
  name: "check-config names the file that failed and where it came from",
  async fn(t) {
    const s = setup();
    try {
      const missing = `${s.tmp}/missing.toml`;
      await t.step("-config FILE before the command", async () => {
        const r = await runHook({
          args: ["-config", missing, "check-config", "--json"],
          env: s.env,
        });
        const report = JSON.parse(r.stdout);
        assert.deepEqual([report.file, report.origin], [missing, "-config flag"]);
      });
      await t.step("NVIDIA_CTK_CONFIG_FILE_PATH", async () => {
        const env = { ...s.env, NVIDIA_CTK_CONFIG_FILE_PATH: missing };
        const report = JSON.parse(
          (await runHook({ args: ["check-config", "--json"], env })).stdout,
        );
        assert.deepEqual([report.file, report.origin], [missing, "NVIDIA_CTK_CONFIG_FILE_PATH"]);
      });
      await t.step('check-config "" searches, and says so', async () => {
        s.file("prefix/etc/nvidia-container-runtime/config.toml", "");
        const report = JSON.parse(
          (await runHook({ args: ["check-config", "--json", ""], env: s.env })).stdout,
        );
        assert.equal(report.origin, "built-in path");
      });
    } finally {
      s.done();
    }
  },
});

Deno.test({
  name: "explain names the config file that failed to load",
  async fn() {
    const s = setup();
    try {
      const bad = s.file("bad.toml", 'disable-require = "yes"\n');
      const b = s.bundle("gpu", GPU_ENV);
      const r = await runHook({
        args: ["-config", bad, "explain", "--bundle", b, "--json"],
        env: s.env,
      });
      assert.equal(r.code, 1);
      assert.deepEqual(JSON.parse(r.stdout).config, { file: bad, origin: "-config flag" });
    } finally {
      s.done();
    }
  },
});

Deno.test("check-config of a file that is not valid UTF-8: one error line naming it, exit 1", async (t) => {
  const s = setup();
  try {
    const enc = new TextEncoder();
    const table: [string, Uint8Array][] = [
      ["a truncated sequence", new Uint8Array([...enc.encode("# c "), 0xc3, 0x0a])],
      ["UTF-16 with its byte order mark", new Uint8Array([0xfe, 0xff, 0x00, 0x23, 0x00, 0x0a])],
    ];
    for (const [name, bytes] of table) {
      await t.step(name, async () => {
        const file = `${s.tmp}/bad.toml`;
        Deno.writeFileSync(file, bytes);
        const error = `Cannot read config file ${file}: not valid UTF-8`;
        const text = await runHook({ args: ["check-config", file], env: s.env });
        assert.equal(text.stderr, "");
        assert.equal(text.stdout, `config file: ${file} (argument)\nerror: ${error}\n`);
        assert.equal(text.code, 1);
        const json = await runHook({ args: ["check-config", "--json", file], env: s.env });
        assert.equal(json.stderr, "");
        assert.deepEqual(JSON.parse(json.stdout), {
          error,
          file,
          origin: "argument",
          settings: [],
          warnings: [],
        });
        assert.equal(json.code, 1);
      });
    }
    await t.step("a UTF-8 byte order mark at the start is read", async () => {
      const file = s.file("bom.toml", "\ufeff[nvidia-container-cli]\nno-cgroups = true\n");
      const r = await runHook({ args: ["check-config", "--json", file], env: s.env });
      assert.equal(r.code, 0, r.stdout);
      const report = JSON.parse(r.stdout);
      assert.equal(report.error, null);
      assert.deepEqual(
        report.settings.find((x: { key: string }) => x.key === "nvidia-container-cli.no-cgroups"),
        { isDefault: false, key: "nvidia-container-cli.no-cgroups", value: true },
      );
    });
  } finally {
    s.done();
  }
});
