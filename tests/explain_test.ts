import assert from "node:assert/strict";
import { hookConfig } from "./_builders.ts";
import { decideGpu } from "../lib/decide_gpu.ts";
import {
  envWarnings,
  type ExplainFacts,
  type ExplainReport,
  explainReport,
  formatExplain,
} from "../lib/explain.ts";
import type { HookConfig } from "../lib/hook_config.ts";
import { parseSpec } from "../lib/parse_spec.ts";

/** Whether `text` holds a C0 or C1 control character, DEL, U+2028 or U+2029 (`allowed` aside). */
function hasControl(text: string, allowed = ""): boolean {
  return [...text].some((ch) => {
    const c = ch.charCodeAt(0);
    const control = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029;
    return control && !allowed.includes(ch);
  });
}

const BUNDLE = "/var/lib/bundles/c1";
const ROOTFS = `${BUNDLE}/rootfs`;
const CONFIG_FILE = "/etc/nvidia-container-runtime/config.toml";
const CLI = "/usr/bin/nvidia-container-cli";
/** The seven capabilities sorted by name, as decisions carry them. */
const ALL_CAPS = ["compat32", "compute", "display", "graphics", "ngx", "utility", "video"];
const GATE = "accept-nvidia-visible-devices-envvar-when-unprivileged";
const SETS_WHY = (is: "is" | "is not", version: string) =>
  `CAP_SYS_ADMIN ${is} in the bounding set; ociVersion ${JSON.stringify(version)}` +
  " has capability sets (bounding used)";
const LIST_WHY = (is: "is" | "is not", version: string) =>
  `CAP_SYS_ADMIN ${is} in the bounding set; ociVersion ${JSON.stringify(version)}` +
  " has a plain list";

interface Container {
  env: string[];
  ociVersion?: string;
  capabilities?: unknown;
  mounts?: { source: string; destination: string }[];
}

/**
 * What main.ts learns on the way to the spawn, for `container` under
 * `config`; a policy error stops it, as in main.ts.
 */
function facts(c: Container, config: HookConfig, more: Partial<ExplainFacts> = {}): ExplainFacts {
  const json = JSON.stringify({
    ociVersion: c.ociVersion ?? "1.0.2",
    process: {
      env: c.env,
      ...(c.capabilities === undefined ? {} : { capabilities: c.capabilities }),
    },
    root: { path: "rootfs" },
    ...(c.mounts === undefined ? {} : { mounts: c.mounts }),
  });
  const spec = parseSpec(json, `${BUNDLE}/config.json`, BUNDLE);
  const out: ExplainFacts = {
    configFile: CONFIG_FILE,
    configOrigin: "built-in path",
    config,
    bundle: BUNDLE,
    pid: 4242,
    spec,
  };
  try {
    out.decision = decideGpu(spec, config);
  } catch (e) {
    out.error = (e as Error).message;
  }
  return { ...out, ...more };
}

/** A report that reached nothing but the config, with `fields` replaced. */
function report(fields: Partial<ExplainReport>): ExplainReport {
  return {
    schema: 1,
    config: { file: CONFIG_FILE, origin: "built-in path" },
    bundle: null,
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
    error: null,
    ...fields,
  };
}

const PRIVILEGED = { bounding: ["CAP_CHOWN", "CAP_SYS_ADMIN"], effective: ["CAP_SYS_ADMIN"] };

/** A privileged GPU container that uses every part of the report. */
const FULL_ARGV = [
  CLI,
  "--load-kmods",
  "configure",
  "--device=0,1",
  "--mig-config=all",
  "--mig-monitor=0",
  "--imex-channel=0,1",
  "--compute",
  "--utility",
  "--require=cuda>=12.2",
  "--require=arch=x86_64",
  "--pid=4242",
  ROOTFS,
];

function fullFacts(): ExplainFacts {
  return facts(
    {
      env: [
        "PATH=/usr/bin",
        "NVIDIA_VISIBLE_DEVICES=0,1",
        "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
        "NVIDIA_REQUIRE_CUDA=cuda>=12.2",
        "NVIDIA_MIG_CONFIG_DEVICES=all",
        "NVIDIA_MIG_MONITOR_DEVICES=0",
        "NVIDIA_IMEX_CHANNELS=0,1",
        "NVIDIA_REQUIRE_ARCH=arch=x86_64",
      ],
      capabilities: PRIVILEGED,
    },
    hookConfig(),
    // A 1.17.0 CLI takes no compat option: none in the argv.
    {
      cli: { path: CLI, searched: true, version: { value: "1.17.0", source: "--version" } },
      argv: FULL_ARGV,
    },
  );
}

const FULL_REPORT: ExplainReport = report({
  bundle: BUNDLE,
  pid: 4242,
  ociVersion: "1.0.2",
  rootfs: ROOTFS,
  privileged: { value: true, capabilityFormat: "sets", why: SETS_WHY("is", "1.0.2") },
  legacy: false,
  wantsGpu: true,
  devices: { request: ["0", "1"], source: "NVIDIA_VISIBLE_DEVICES" },
  capabilities: [
    { name: "compute", source: "NVIDIA_DRIVER_CAPABILITIES" },
    { name: "utility", source: "NVIDIA_DRIVER_CAPABILITIES" },
  ],
  requirements: [
    { value: "cuda>=12.2", source: "NVIDIA_REQUIRE_CUDA" },
    { value: "arch=x86_64", source: "NVIDIA_REQUIRE_ARCH" },
  ],
  mig: { config: "all", monitor: "0" },
  imex: { request: ["0", "1"], source: "env" },
  cli: { path: CLI, searched: true, version: { value: "1.17.0", source: "--version" } },
  argv: FULL_ARGV,
});

Deno.test("explainReport() of a GPU container: every field", () => {
  assert.deepEqual(explainReport(fullFacts()), FULL_REPORT);
});

Deno.test("explainReport() of a container that wants no GPU", async (t) => {
  const table: [string, ExplainFacts, Partial<ExplainReport>][] = [
    [
      "no variable",
      facts({ env: ["PATH=/usr/bin"] }, hookConfig()),
      { reason: "NVIDIA_VISIBLE_DEVICES is not set" },
    ],
    [
      "void",
      facts({ env: ["NVIDIA_VISIBLE_DEVICES=void"] }, hookConfig()),
      { reason: 'NVIDIA_VISIBLE_DEVICES requests no device (empty or "void")' },
    ],
    [
      "the env gate, with a warning",
      facts(
        { env: ["NVIDIA_VISIBLE_DEVICES=all"] },
        hookConfig({}, {
          acceptEnvvarUnprivileged: false,
        }),
      ),
      {
        reason: `devices requested by NVIDIA_VISIBLE_DEVICES are ignored in an unprivileged` +
          ` container (${GATE} = false)`,
        warnings: [
          `NVIDIA_VISIBLE_DEVICES is ignored: the container is unprivileged and ${GATE} = false`,
        ],
      },
    ],
  ];
  for (const [name, f, fields] of table) {
    await t.step(name, () => {
      assert.deepEqual(
        explainReport(f),
        report({
          bundle: BUNDLE,
          pid: 4242,
          ociVersion: "1.0.2",
          rootfs: ROOTFS,
          privileged: { value: false, capabilityFormat: "sets", why: SETS_WHY("is not", "1.0.2") },
          wantsGpu: false,
          ...fields,
        }),
      );
    });
  }
});

Deno.test("explainReport() of inputs that make prestart fail: the error, argv null", async (t) => {
  const mig = "Cannot set NVIDIA_MIG_CONFIG_DEVICES in an unprivileged container" +
    " (CAP_SYS_ADMIN is not in its bounding set)";
  await t.step("a config error: nothing else was reached", () => {
    const message = `Cannot load config file ${CONFIG_FILE}: "disable-require" must be a boolean`;
    assert.deepEqual(
      explainReport({ configFile: CONFIG_FILE, configOrigin: "built-in path", error: message }),
      report({ error: message }),
    );
  });
  await t.step("a spec error after the state", () => {
    const message = `Cannot read OCI spec ${BUNDLE}/config.json: no such file or directory`;
    assert.deepEqual(
      explainReport({
        configFile: null,
        configOrigin: "built-in defaults",
        config: hookConfig(),
        bundle: BUNDLE,
        pid: null,
        error: message,
      }),
      report({
        config: { file: null, origin: "built-in defaults" },
        bundle: BUNDLE,
        error: message,
      }),
    );
  });
  await t.step("a policy refusal: the container facts, no decision", () => {
    const f = facts(
      { env: ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_MIG_CONFIG_DEVICES=all"] },
      hookConfig(),
    );
    delete f.decision;
    f.error = mig;
    assert.deepEqual(
      explainReport(f),
      report({
        bundle: BUNDLE,
        pid: 4242,
        ociVersion: "1.0.2",
        rootfs: ROOTFS,
        privileged: { value: false, capabilityFormat: "sets", why: SETS_WHY("is not", "1.0.2") },
        error: mig,
      }),
    );
  });
  await t.step("a CLI that cannot run: the decision and the CLI, but no argv", () => {
    const f = fullFacts();
    f.error = `Cannot run nvidia-container-cli "${CLI}": no such file or directory`;
    assert.deepEqual(explainReport(f), { ...FULL_REPORT, argv: null, error: f.error });
  });
});

Deno.test("explainReport() says how privilege was read for the ociVersion", async (t) => {
  const table: [string, unknown, ExplainReport["privileged"]][] = [
    ["1.0.2", PRIVILEGED, { value: true, capabilityFormat: "sets", why: SETS_WHY("is", "1.0.2") }],
    ["1.0.2", undefined, {
      value: false,
      capabilityFormat: "sets",
      why: SETS_WHY("is not", "1.0.2"),
    }],
    ["1.0.0-rc2", ["CAP_SYS_ADMIN"], {
      value: true,
      capabilityFormat: "list",
      why: LIST_WHY("is", "1.0.0-rc2"),
    }],
    ["1.0.0-rc4", ["CAP_CHOWN"], {
      value: false,
      capabilityFormat: "list",
      why: LIST_WHY("is not", "1.0.0-rc4"),
    }],
    ["1.0.0-rc5", { bounding: ["CAP_SYS_ADMIN"] }, {
      value: true,
      capabilityFormat: "sets",
      why: SETS_WHY("is", "1.0.0-rc5"),
    }],
    ["not-semver", { bounding: [] }, {
      value: false,
      capabilityFormat: "sets",
      why: SETS_WHY("is not", "not-semver"),
    }],
  ];
  for (const [version, capabilities, privileged] of table) {
    await t.step(`${version} ${JSON.stringify(capabilities)}`, () => {
      const r = explainReport(
        facts(
          { env: ["NVIDIA_VISIBLE_DEVICES=0"], ociVersion: version, capabilities },
          hookConfig(),
        ),
      );
      assert.deepEqual(r.privileged, privileged);
      assert.equal(r.ociVersion, version);
    });
  }
});

Deno.test("explainReport() names the source of devices, capabilities and requirements", async (t) => {
  type Picked = Pick<
    ExplainReport,
    "legacy" | "devices" | "capabilities" | "requirements" | "imex"
  >;
  const caps = (source: string, names = ["compute", "utility"]) =>
    names.map((name) => ({ name, source }));
  const noImex = { request: "none", source: "none" } as const;
  const table: [string, Container, HookConfig, Picked][] = [
    ["a legacy image", { env: ["CUDA_VERSION=9.0.176"] }, hookConfig(), {
      legacy: true,
      devices: { request: "all", source: "legacy image default" },
      capabilities: caps("legacy image default", ALL_CAPS),
      requirements: [{ value: "cuda>=9.0", source: "CUDA_VERSION" }],
      imex: noImex,
    }],
    ["the default capabilities", { env: ["NVIDIA_VISIBLE_DEVICES=all"] }, hookConfig(), {
      legacy: false,
      devices: { request: "all", source: "NVIDIA_VISIBLE_DEVICES" },
      capabilities: caps("default"),
      requirements: [],
      imex: noImex,
    }],
    ["none", { env: ["NVIDIA_VISIBLE_DEVICES=none"] }, hookConfig(), {
      legacy: false,
      devices: { request: "none", source: "NVIDIA_VISIBLE_DEVICES" },
      capabilities: caps("default"),
      requirements: [],
      imex: noImex,
    }],
    [
      "no capability left",
      { env: ["NVIDIA_VISIBLE_DEVICES=0"] },
      hookConfig({}, { supportedDriverCapabilities: [] }),
      {
        legacy: false,
        devices: { request: ["0"], source: "NVIDIA_VISIBLE_DEVICES" },
        capabilities: [],
        requirements: [],
        imex: noImex,
      },
    ],
    [
      "swarm variables",
      { env: ["B=1", "A=0", "NVIDIA_VISIBLE_DEVICES=all"] },
      hookConfig({}, { swarmResource: ["A", "B"] }),
      {
        legacy: false,
        devices: { request: ["0", "1"], source: "A,B" },
        capabilities: caps("default"),
        requirements: [],
        imex: noImex,
      },
    ],
    [
      "device mounts and an IMEX mount",
      {
        env: ["NVIDIA_VISIBLE_DEVICES=all", "NVIDIA_IMEX_CHANNELS=5"],
        mounts: [
          { source: "/dev/null", destination: "/var/run/nvidia-container-devices/GPU-1" },
          { source: "/dev/null", destination: "/var/run/nvidia-container-devices/imex/3" },
        ],
      },
      hookConfig({}, { acceptDeviceListAsVolumeMounts: true }),
      {
        legacy: false,
        devices: { request: ["GPU-1"], source: "volume mounts" },
        capabilities: caps("default"),
        requirements: [],
        imex: { request: ["3"], source: "mounts" },
      },
    ],
    [
      "IMEX all from the environment",
      { env: ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_IMEX_CHANNELS=all"] },
      hookConfig(),
      {
        legacy: false,
        devices: { request: ["0"], source: "NVIDIA_VISIBLE_DEVICES" },
        capabilities: caps("default"),
        requirements: [],
        imex: { request: "all", source: "env" },
      },
    ],
    [
      "requirements disabled",
      {
        env: [
          "NVIDIA_VISIBLE_DEVICES=0",
          "NVIDIA_REQUIRE_CUDA=cuda>=12",
          "NVIDIA_DISABLE_REQUIRE=1",
        ],
      },
      hookConfig(),
      {
        legacy: false,
        devices: { request: ["0"], source: "NVIDIA_VISIBLE_DEVICES" },
        capabilities: caps("default"),
        requirements: [],
        imex: noImex,
      },
    ],
  ];
  for (const [name, container, config, picked] of table) {
    await t.step(name, () => {
      const r = explainReport(facts(container, config));
      assert.deepEqual(
        {
          legacy: r.legacy,
          devices: r.devices,
          capabilities: r.capabilities,
          requirements: r.requirements,
          imex: r.imex,
        },
        picked,
      );
      assert.equal(r.wantsGpu, true);
      assert.equal(r.reason, null);
    });
  }
});

Deno.test("explainReport() and formatExplain() show that IMEX all asks for no channel", () => {
  const note =
    'IMEX request "all" asks for no channel (nvidia-container-cli accepts only channel numbers)';
  const argv = [
    CLI,
    "--load-kmods",
    "configure",
    "--device=0",
    "--compute",
    "--utility",
    "--pid=4242",
    ROOTFS,
  ];
  const r = explainReport(
    facts({ env: ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_IMEX_CHANNELS=all"] }, hookConfig(), {
      cli: { path: CLI, searched: false, version: { value: null, source: "--version" } },
      argv,
    }),
  );
  assert.deepEqual(r.imex, { request: "all", source: "env" });
  assert.deepEqual(r.notes, [note]);
  assert.deepEqual(formatExplain(r).split("\n").slice(-6), [
    row("imex", "all  (from env)"),
    row("cli", CLI),
    row("cli version", "unknown  (from --version)"),
    row("argv", argv.map((a) => JSON.stringify(a)).join(" ")),
    row("note", note),
    "",
  ]);
});

Deno.test("formatExplain() shows the CLI version and where it was learnt", async (t) => {
  const table: [ExplainReport["cli"], string[]][] = [
    [{ path: CLI, searched: false, version: null }, [row("cli", CLI)]],
    [{ path: CLI, searched: false, version: { value: "1.17.7", source: "config" } }, [
      row("cli", CLI),
      row("cli version", "1.17.7  (from config)"),
    ]],
    [{ path: CLI, searched: true, version: { value: "1.17.5", source: "cache" } }, [
      row("cli", `${CLI} (found by search)`),
      row("cli version", "1.17.5  (from cache)"),
    ]],
    [{ path: CLI, searched: false, version: { value: "2.0.0", source: "--version" } }, [
      row("cli", CLI),
      row("cli version", "2.0.0  (from --version)"),
    ]],
    [{ path: CLI, searched: false, version: { value: null, source: "cache" } }, [
      row("cli", CLI),
      row("cli version", "unknown  (from cache)"),
    ]],
  ];
  for (const [cli, rows] of table) {
    await t.step(JSON.stringify(cli?.version), () => {
      const lines = formatExplain({ ...FULL_REPORT, cli }).split("\n");
      const start = lines.indexOf(row("imex", "0,1  (from env)")) + 1;
      const end = lines.findIndex((l) => l.startsWith("argv"));
      assert.deepEqual(lines.slice(start, end), rows);
    });
  }
});

Deno.test("explainReport() and formatExplain() show the configured decision log", async (t) => {
  const log = "/var/log/nvidia-hook/decisions.log";
  const config = hookConfig({}, { logFile: log });
  await t.step("unset: null, no log line", () => {
    const r = explainReport(fullFacts());
    assert.equal(r.log, null);
    assert.ok(!formatExplain(r).split("\n").some((l) => l.startsWith("log")));
  });
  await t.step("a GPU container: after cli version, before argv", () => {
    const r = explainReport({ ...fullFacts(), config });
    assert.deepEqual(r, { ...FULL_REPORT, log });
    const lines = formatExplain(r).split("\n");
    const at = lines.indexOf(row("cli version", "1.17.0  (from --version)"));
    assert.deepEqual(lines.slice(at, at + 3), [
      row("cli version", "1.17.0  (from --version)"),
      row("log", log),
      row("argv", FULL_ARGV.map((a) => JSON.stringify(a)).join(" ")),
    ]);
  });
  await t.step("a container without GPU: before the argv line", () => {
    const r = explainReport(facts({ env: ["HOSTNAME=web"] }, config));
    assert.equal(r.log, log);
    assert.deepEqual(formatExplain(r).split("\n").slice(-3), [
      row("log", log),
      row("argv", "none: nvidia-container-cli is not run"),
      "",
    ]);
  });
});

Deno.test("explainReport() keeps the policy's notes and pid null for --bundle", () => {
  const f = facts(
    { env: ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_IMEX_CHANNELS=1"] },
    hookConfig({}, { features: { ignoreImexChannelRequests: true } }),
    { pid: null },
  );
  const r = explainReport(f);
  assert.deepEqual(r.notes, [
    "IMEX channel requests ignored (features.ignore-imex-channel-requests = true)",
  ]);
  assert.equal(r.pid, null);
  assert.equal(r.bundle, BUNDLE);
});

Deno.test("envWarnings() catches misspelt variables the policy would have read", async (t) => {
  const table: [string, string][] = [
    ["NVIDIA_DISABLE_REQUIRES", "NVIDIA_DISABLE_REQUIRE"],
    ["NVIDIA_VISIBLE_DEVICE", "NVIDIA_VISIBLE_DEVICES"],
    ["NVIDIA_VISIBLEDEVICES", "NVIDIA_VISIBLE_DEVICES"],
    ["NVIDIA_DRIVER_CAPABILITES", "NVIDIA_DRIVER_CAPABILITIES"],
    ["NVIDIA_MIG_CONFIG_DEVICE", "NVIDIA_MIG_CONFIG_DEVICES"],
    ["NVIDIA_MIG_MONITOR_DEVICE", "NVIDIA_MIG_MONITOR_DEVICES"],
    ["NVIDIA_IMEX_CHANNEL", "NVIDIA_IMEX_CHANNELS"],
    ["CUDA_VERSON", "CUDA_VERSION"],
  ];
  for (const [name, near] of table) {
    await t.step(name, () => {
      assert.deepEqual(envWarnings(new Map([[name, "1"]]), false, hookConfig()), [
        `${name} has no effect; did you mean ${near}?`,
      ]);
    });
  }
});

Deno.test("envWarnings() leaves the variables the policy reads, and far names, alone", async (t) => {
  const table: [string, [string, string][], HookConfig][] = [
    ["the known variables", [
      ["NVIDIA_VISIBLE_DEVICES", "0"],
      ["NVIDIA_DRIVER_CAPABILITIES", "all"],
      ["NVIDIA_DISABLE_REQUIRE", "1"],
      ["NVIDIA_MIG_CONFIG_DEVICES", ""],
      ["NVIDIA_MIG_MONITOR_DEVICES", ""],
      ["NVIDIA_IMEX_CHANNELS", "0"],
      ["CUDA_VERSION", "12.2"],
    ], hookConfig()],
    [
      "requirement variables",
      [["NVIDIA_REQUIRE_CUDA", "x"], ["NVIDIA_REQUIRE_DRIVERS", "x"]],
      hookConfig(),
    ],
    ["merged device variables", [["NVIDIA_VISIBLE_DEVICES_", "0"], [
      "NVIDIA_VISIBLE_DEVICES_A",
      "1",
    ]], hookConfig()],
    [
      "a swarm-resource name near a known one",
      [["NVIDIA_VISIBLE_DEVICE", "0"]],
      hookConfig({}, { swarmResource: ["NVIDIA_VISIBLE_DEVICE"] }),
    ],
    ["far names", [
      ["PATH", "/usr/bin"],
      ["HOME", "/root"],
      ["LD_LIBRARY_PATH", "/usr/local/nvidia/lib"],
      ["NVARCH", "x86_64"],
      ["NV_CUDA_CUDART_VERSION", "12.2.140-1"],
      ["NVIDIA_PRODUCT_NAME", "CUDA"],
      ["CUDA_HOME", "/usr/local/cuda"],
    ], hookConfig()],
    ["case differs a lot", [["nvidia_visible_devices", "0"]], hookConfig()],
  ];
  for (const [name, entries, config] of table) {
    await t.step(name, () => {
      assert.deepEqual(envWarnings(new Map(entries), false, config), []);
    });
  }
});

Deno.test("envWarnings() warns when NVIDIA_VISIBLE_DEVICES is ignored by the env gate", async (t) => {
  const gateOff = hookConfig({}, { acceptEnvvarUnprivileged: false });
  const warning =
    `NVIDIA_VISIBLE_DEVICES is ignored: the container is unprivileged and ${GATE} = false`;
  const table: [string, [string, string][], boolean, HookConfig, string[]][] = [
    ["unprivileged, gate off", [["NVIDIA_VISIBLE_DEVICES", "all"]], false, gateOff, [warning]],
    ["an empty value still counts", [["NVIDIA_VISIBLE_DEVICES", ""]], false, gateOff, [warning]],
    ["privileged", [["NVIDIA_VISIBLE_DEVICES", "all"]], true, gateOff, []],
    ["gate on (the default)", [["NVIDIA_VISIBLE_DEVICES", "all"]], false, hookConfig(), []],
    ["no variable", [["PATH", "/bin"]], false, gateOff, []],
  ];
  for (const [name, entries, privileged, config, warnings] of table) {
    await t.step(name, () => {
      assert.deepEqual(envWarnings(new Map(entries), privileged, config), warnings);
    });
  }
});

/** A config that loads an ldconfig without @ (only the feature allows it). */
function allowedLdconfig(ldconfig: string | undefined, top: Parameters<typeof hookConfig>[1] = {}) {
  return hookConfig({ ldconfig }, {
    ...top,
    features: { allowLdconfigFromContainer: true },
  });
}

const LDCONFIG_WARNING = (v: string) =>
  `nvidia-container-cli.ldconfig ${JSON.stringify(v)} does not start with "@": the CLI will` +
  ` run the container's ldconfig, not the host's (allowed by` +
  ` features.allow-ldconfig-from-container)`;

Deno.test("envWarnings() warns about an allowed ldconfig without @, after the variables", async (t) => {
  const warning = LDCONFIG_WARNING;
  const table: [string | undefined, string[]][] = [
    ["/sbin/ldconfig", [warning("/sbin/ldconfig")]],
    ["ldconfig", [warning("ldconfig")]],
    ["@/sbin/ldconfig", []],
    ["@/sbin/ldconfig.real", []],
    [undefined, []],
  ];
  for (const [ldconfig, warnings] of table) {
    await t.step(String(ldconfig), () => {
      assert.deepEqual(envWarnings(new Map(), true, allowedLdconfig(ldconfig)), warnings);
    });
  }
  await t.step("order: misspellings, the gate, ldconfig", () => {
    const env = new Map([["NVIDIA_VISIBLE_DEVICES", "0"], ["NVIDIA_DISABLE_REQUIRES", "1"]]);
    const config = allowedLdconfig("/sbin/ldconfig", { acceptEnvvarUnprivileged: false });
    assert.deepEqual(envWarnings(env, false, config), [
      "NVIDIA_DISABLE_REQUIRES has no effect; did you mean NVIDIA_DISABLE_REQUIRE?",
      `NVIDIA_VISIBLE_DEVICES is ignored: the container is unprivileged and ${GATE} = false`,
      warning("/sbin/ldconfig"),
    ]);
  });
});

Deno.test("explainReport() carries the warnings of the container and config", () => {
  const f = facts(
    { env: ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DISABLE_REQUIRES=1"] },
    allowedLdconfig("/sbin/ldconfig"),
  );
  assert.deepEqual(explainReport(f).warnings, [
    "NVIDIA_DISABLE_REQUIRES has no effect; did you mean NVIDIA_DISABLE_REQUIRE?",
    LDCONFIG_WARNING("/sbin/ldconfig"),
  ]);
});

/** `label` padded to the 14-column label field, then `value`. */
function row(label: string, value: string): string {
  return label.padEnd(14) + value;
}

Deno.test("formatExplain() of a GPU container: one aligned line per fact", () => {
  assert.equal(
    formatExplain(FULL_REPORT),
    [
      row("config", `${CONFIG_FILE} (built-in path)`),
      row("bundle", BUNDLE),
      row("pid", "4242"),
      row("rootfs", ROOTFS),
      row("privileged", `yes (${SETS_WHY("is", "1.0.2")})`),
      row("wants GPU", "yes"),
      row("legacy", "no"),
      row("devices", "0,1  (from NVIDIA_VISIBLE_DEVICES)"),
      row("capabilities", "compute,utility  (from NVIDIA_DRIVER_CAPABILITIES)"),
      row("requirement", "cuda>=12.2  (from NVIDIA_REQUIRE_CUDA)"),
      row("requirement", "arch=x86_64  (from NVIDIA_REQUIRE_ARCH)"),
      row("mig config", "all"),
      row("mig monitor", "0"),
      row("imex", "0,1  (from env)"),
      row("cli", `${CLI} (found by search)`),
      row("cli version", "1.17.0  (from --version)"),
      row("argv", FULL_ARGV.map((a) => JSON.stringify(a)).join(" ")),
      "",
    ].join("\n"),
  );
});

Deno.test("formatExplain() of a legacy image from a bundle directory", () => {
  const argv = [CLI, "configure", "--device=all", "--compute", "--pid=PID", ROOTFS];
  const r = explainReport(
    facts({ env: ["CUDA_VERSION=9.0"], ociVersion: "1.0.0-rc2" }, hookConfig(), {
      configFile: null,
      configOrigin: "built-in defaults",
      pid: null,
      cli: { path: CLI, searched: false, version: null },
      argv,
    }),
  );
  assert.equal(
    formatExplain(r),
    [
      row("config", "built-in defaults"),
      row("bundle", BUNDLE),
      row("pid", "none (--bundle)"),
      row("rootfs", ROOTFS),
      row("privileged", `no (${LIST_WHY("is not", "1.0.0-rc2")})`),
      row("wants GPU", "yes"),
      row("legacy", "yes (CUDA_VERSION without NVIDIA_REQUIRE_CUDA)"),
      row("devices", "all  (from legacy image default)"),
      row("capabilities", `${ALL_CAPS.join(",")}  (from legacy image default)`),
      row("requirement", "cuda>=9.0  (from CUDA_VERSION)"),
      row("cli", CLI),
      row("argv", argv.map((a) => JSON.stringify(a)).join(" ")),
      "",
    ].join("\n"),
  );
});

Deno.test("formatExplain() of a container without GPU says nothing runs", () => {
  const r = explainReport(facts({ env: ["HOSTNAME=web"] }, hookConfig()));
  assert.equal(
    formatExplain(r),
    [
      row("config", `${CONFIG_FILE} (built-in path)`),
      row("bundle", BUNDLE),
      row("pid", "4242"),
      row("rootfs", ROOTFS),
      row("privileged", `no (${SETS_WHY("is not", "1.0.2")})`),
      row("wants GPU", "no: NVIDIA_VISIBLE_DEVICES is not set"),
      row("argv", "none: nvidia-container-cli is not run"),
      "",
    ].join("\n"),
  );
});

Deno.test("formatExplain() shows none for empty lists, then notes, warnings, error", () => {
  const r: ExplainReport = {
    ...FULL_REPORT,
    capabilities: [],
    requirements: [],
    mig: { config: null, monitor: null },
    imex: { request: "none", source: "none" },
    cli: { path: CLI, searched: false, version: null },
    argv: null,
    notes: ["n1"],
    warnings: ["w1", "w2"],
    error: "Cannot run it",
  };
  const lines = formatExplain(r).split("\n");
  assert.deepEqual(lines.slice(7), [
    row("devices", "0,1  (from NVIDIA_VISIBLE_DEVICES)"),
    row("capabilities", "none"),
    row("requirements", "none"),
    row("cli", CLI),
    row("note", "n1"),
    row("warning", "w1"),
    row("warning", "w2"),
    row("error", "Cannot run it"),
    "",
  ]);
});

Deno.test("formatExplain() of an early error: only what was reached", async (t) => {
  await t.step("a config error", () => {
    const r = explainReport({
      configFile: CONFIG_FILE,
      configOrigin: "-config flag",
      error: "Cannot load config file ...",
    });
    assert.equal(
      formatExplain(r),
      [
        row("config", `${CONFIG_FILE} (-config flag)`),
        row("error", "Cannot load config file ..."),
        "",
      ]
        .join("\n"),
    );
  });
  await t.step("a state error: the bundle is not known", () => {
    const r = explainReport({
      configFile: null,
      configOrigin: "built-in defaults",
      error: "Cannot parse container state on stdin: expected a JSON object, got null",
    });
    assert.equal(
      formatExplain(r),
      [
        row("config", "built-in defaults"),
        row("error", "Cannot parse container state on stdin: expected a JSON object, got null"),
        "",
      ].join("\n"),
    );
  });
});

Deno.test("formatExplain() escapes control characters: one fact per line", async (t) => {
  const table: [string, string, string][] = [
    ["newline", "a\nb", "a\\u000ab"],
    ["carriage return", "a\rb", "a\\u000db"],
    ["escape sequence", "a\u001b[31mb", "a\\u001b[31mb"],
    ["DEL", "a\u007fb", "a\\u007fb"],
    ["C1 control", "a\u0085b", "a\\u0085b"],
    ["line separator", "a\u2028b", "a\\u2028b"],
    ["paragraph separator", "a\u2029b", "a\\u2029b"],
    ["tab", "a\tb", "a\\u0009b"],
    ["printable non-ASCII is kept", "a\u00e9\u{1F600}b", "a\u00e9\u{1F600}b"],
  ];
  for (const [name, raw, shown] of table) {
    await t.step(name, () => {
      const bundle = `/tmp/${raw}`;
      const r: ExplainReport = {
        ...FULL_REPORT,
        bundle,
        rootfs: `${bundle}/rootfs`,
        devices: { request: [`GPU-${raw}`], source: "NVIDIA_VISIBLE_DEVICES" },
        requirements: [{ value: `cuda>=${raw}`, source: "NVIDIA_REQUIRE_CUDA" }],
        argv: null,
        notes: [`note ${raw}`],
        warnings: [`warning ${raw}`],
        error: `error ${raw}`,
      };
      const lines = formatExplain(r).split("\n");
      assert.equal(lines.pop(), "");
      for (const line of lines) {
        assert.ok(!hasControl(line), JSON.stringify(line));
      }
      assert.equal(lines[1], row("bundle", `/tmp/${shown}`));
      assert.equal(lines[3], row("rootfs", `/tmp/${shown}/rootfs`));
      assert.ok(lines.includes(row("devices", `GPU-${shown}  (from NVIDIA_VISIBLE_DEVICES)`)));
      assert.ok(lines.includes(row("requirement", `cuda>=${shown}  (from NVIDIA_REQUIRE_CUDA)`)));
      assert.ok(lines.includes(row("note", `note ${shown}`)));
      assert.ok(lines.includes(row("warning", `warning ${shown}`)));
      assert.equal(lines.at(-1), row("error", `error ${shown}`));
    });
  }
  await t.step("argv elements are JSON strings, escaped the same", () => {
    const r: ExplainReport = { ...FULL_REPORT, argv: [CLI, "--device=a\nb\u2028c\u007f"] };
    const argvLine = formatExplain(r).split("\n").find((l) => l.startsWith("argv"));
    assert.equal(argvLine, row("argv", `"${CLI}" "--device=a\\nb\\u2028c\\u007f"`));
  });
});

Deno.test("explainReport() output is plain JSON data", () => {
  const r = explainReport(fullFacts());
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
  assert.deepEqual(Object.keys(r).sort(), [
    "argv",
    "bundle",
    "capabilities",
    "cli",
    "config",
    "devices",
    "divergences",
    "error",
    "imex",
    "legacy",
    "log",
    "mig",
    "notes",
    "ociVersion",
    "pid",
    "privileged",
    "reason",
    "requirements",
    "rootfs",
    "schema",
    "wantsGpu",
    "warnings",
  ]);
});

Deno.test({
  name: "envWarnings() does not flag CUDNN_VERSION of NVIDIA's cuDNN images",
  fn() {
    // nvidia/cuda *-cudnn* images set CUDNN_VERSION; it is 2 edits from
    // CUDA_VERSION, so every such container gets a false warning today.
    assert.deepEqual(
      envWarnings(
        new Map([["CUDA_VERSION", "11.8.0"], ["CUDNN_VERSION", "8.6.0"]]),
        false,
        hookConfig(),
      ),
      [],
    );
  },
});

Deno.test("envWarnings() catches a misspelling three edits away in NVIDIA_* names", () => {
  assert.deepEqual(
    envWarnings(new Map([["NVIDIA_DRIVER_CAPABILITY", "compute"]]), true, hookConfig()),
    ["NVIDIA_DRIVER_CAPABILITY has no effect; did you mean NVIDIA_DRIVER_CAPABILITIES?"],
  );
});

Deno.test("explainReport() lists the divergence rows the container meets", async (t) => {
  const spec = (env: string[]) =>
    JSON.stringify({ ociVersion: "1.0.2", process: { env }, root: { path: "rootfs" } });
  const report = (texts: NonNullable<Parameters<typeof explainReport>[0]["texts"]>) =>
    explainReport({ configFile: null, configOrigin: "built-in defaults", texts }).divergences;
  await t.step("a repeated device meets duplicate-devices", () => {
    const rows = report({ spec: spec(["NVIDIA_VISIBLE_DEVICES=0,0"]) });
    assert.deepEqual(rows, [{
      id: "duplicate-devices",
      nvidia: "blanks the earlier copies of a repeated device (0,0 gives --device=,0)",
      ours: "drops repeats, keeping the first",
      why: "the CLI cannot take an empty device name",
    }]);
  });
  await t.step("two requirements meet requirement-order (a normalised row is shown)", () => {
    const rows = report({ spec: spec(["NVIDIA_REQUIRE_A=a", "NVIDIA_REQUIRE_B=b"]) });
    assert.deepEqual(rows.map((r) => r.id), ["requirement-order"]);
  });
  await t.step("a row recording the same decision is not shown", () => {
    const rows = report({
      spec: spec(["NVIDIA_VISIBLE_DEVICES=0"]),
      config: 'supported-driver-capabilities = "utility,all"\n',
    });
    assert.deepEqual(rows, []);
  });
  await t.step("a plain GPU container meets none", () => {
    assert.deepEqual(report({ spec: spec(["NVIDIA_VISIBLE_DEVICES=0"]) }), []);
  });
  await t.step("without the texts (prestart) nothing is computed", () => {
    assert.deepEqual(
      explainReport({ configFile: null, configOrigin: "built-in defaults" }).divergences,
      [],
    );
  });
});

Deno.test("formatExplain() prints one differs line per divergence row", () => {
  const r = explainReport({
    configFile: null,
    configOrigin: "built-in defaults",
    texts: {
      spec: JSON.stringify({
        ociVersion: "1.0.2",
        process: { env: ["NVIDIA_VISIBLE_DEVICES=0,0"] },
        root: { path: "rootfs" },
      }),
    },
  });
  const lines = formatExplain(r).split("\n").filter((l) => l.startsWith("differs"));
  assert.deepEqual(lines, [
    "differs       duplicate-devices: NVIDIA's current hook blanks the earlier copies of a" +
    " repeated device (0,0 gives --device=,0); this hook drops repeats, keeping the first" +
    " (the CLI cannot take an empty device name)",
  ]);
});
