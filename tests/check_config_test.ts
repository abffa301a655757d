import assert from "node:assert/strict";
import {
  checkConfig,
  type CheckReport,
  formatCheckReport,
  keyLine,
  noConfigReport,
  type Setting,
} from "../lib/check_config.ts";

/** Whether `text` holds a C0 or C1 control character, DEL, U+2028 or U+2029 (`allowed` aside). */
function hasControl(text: string, allowed = ""): boolean {
  return [...text].some((ch) => {
    const c = ch.charCodeAt(0);
    const control = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029;
    return control && !allowed.includes(ch);
  });
}

const FILE = "/etc/nvidia-container-runtime/config.toml";
const ORIGIN = "-config flag";
const ALL_CAPS = ["compute", "compat32", "graphics", "utility", "video", "display", "ngx"];

/**
 * SPEC 3.2's keys and defaults (`null`: unset), swarm-resource aside, with
 * our nvidia-container-runtime-hook.cli-version and .log-file after the other
 * hook key.
 */
const DEFAULTS: [string, Setting["value"]][] = [
  ["disable-require", false],
  ["accept-nvidia-visible-devices-envvar-when-unprivileged", true],
  ["accept-nvidia-visible-devices-as-volume-mounts", false],
  ["supported-driver-capabilities", ALL_CAPS],
  ["nvidia-container-cli.root", null],
  ["nvidia-container-cli.path", null],
  ["nvidia-container-cli.environment", []],
  ["nvidia-container-cli.debug", null],
  ["nvidia-container-cli.ldcache", null],
  ["nvidia-container-cli.load-kmods", true],
  ["nvidia-container-cli.no-pivot", false],
  ["nvidia-container-cli.no-cgroups", false],
  ["nvidia-container-cli.user", null],
  ["nvidia-container-cli.ldconfig", null],
  ["nvidia-container-cli.alpha-merge-visible-devices-envvars", false],
  ["nvidia-container-runtime.mode", "auto"],
  // The effective mode: ldconfig when the key is absent.
  ["nvidia-container-runtime.modes.legacy.cuda-compat-mode", "ldconfig"],
  ["nvidia-container-runtime-hook.skip-mode-detection", false],
  ["nvidia-container-runtime-hook.cli-version", null],
  ["nvidia-container-runtime-hook.log-file", null],
  ["features.ignore-imex-channel-requests", false],
  ["features.disable-imex-channel-creation", false],
  ["features.allow-cuda-compat-libs-from-container", false],
  ["features.allow-ldconfig-from-container", false],
];

/** The SPEC's key order. */
const KEY_ORDER = [
  "disable-require",
  "swarm-resource",
  ...DEFAULTS.slice(1).map(([k]) => k),
];

/** The settings with swarm-resource's value left out (its shape is reported separately). */
function withoutSwarmValue(settings: readonly Setting[]) {
  return settings.map((s) =>
    s.key === "swarm-resource" ? { key: s.key, isDefault: s.isDefault } : s
  );
}

/** The default settings, with `changes` set in the file. */
function settings(changes: Record<string, Setting["value"]> = {}) {
  const out: { key: string; value?: Setting["value"]; isDefault: boolean }[] = [];
  for (const key of KEY_ORDER) {
    if (key === "swarm-resource") {
      out.push({ key, isDefault: !Object.hasOwn(changes, key) });
      continue;
    }
    const set = Object.hasOwn(changes, key);
    const value = set ? changes[key]! : DEFAULTS.find(([k]) => k === key)![1];
    out.push({ key, value, isDefault: !set });
  }
  return out;
}

function unknown(line: number, key: string, suggestion?: string): string {
  return `line ${line}: unknown key "${key}"` +
    (suggestion === undefined ? "" : `; did you mean "${suggestion}"?`);
}

Deno.test("keyLine() finds the line where a dotted key is assigned", async (t) => {
  const table: [string, string, string, number | undefined][] = [
    ["top level", "disable-require = true\n", "disable-require", 1],
    [
      "in a table",
      "a = 1\n[nvidia-container-cli]\nload-kmods = 1\n",
      "nvidia-container-cli.load-kmods",
      3,
    ],
    [
      "not the same key in another table",
      "[x]\nload-kmods = 1\n",
      "nvidia-container-cli.load-kmods",
      undefined,
    ],
    ["a top-level key after a table is not found", "[t]\na = 1\n", "a", undefined],
    [
      "dotted key in a table",
      "[nvidia-container-runtime]\nmodes.legacy.cuda-compat-mode = 1\n",
      "nvidia-container-runtime.modes.legacy.cuda-compat-mode",
      2,
    ],
    [
      "dotted table header",
      "[nvidia-container-runtime.modes.legacy]\ncuda-compat-mode = 1\n",
      "nvidia-container-runtime.modes.legacy.cuda-compat-mode",
      2,
    ],
    [
      "dotted key at the top level",
      "nvidia-container-cli.load-kmods = 1\n",
      "nvidia-container-cli.load-kmods",
      1,
    ],
    [
      "quoted header and key",
      '["nvidia-container-cli"]\n"load-kmods" = 1\n',
      "nvidia-container-cli.load-kmods",
      2,
    ],
    [
      "literal-quoted key",
      "['nvidia-container-cli']\n'no-pivot' = 1\n",
      "nvidia-container-cli.no-pivot",
      2,
    ],
    [
      "spaces and indentation",
      "  [ nvidia-container-cli ]  \n    no-pivot   =   1\n",
      "nvidia-container-cli.no-pivot",
      2,
    ],
    [
      "header with a comment",
      "[nvidia-container-cli] # c\nno-pivot = 1\n",
      "nvidia-container-cli.no-pivot",
      2,
    ],
    [
      "no spaces around =",
      "[nvidia-container-cli]\nno-pivot=1\n",
      "nvidia-container-cli.no-pivot",
      2,
    ],
    [
      "CRLF line ends",
      "[nvidia-container-cli]\r\nno-pivot = 1\r\n",
      "nvidia-container-cli.no-pivot",
      2,
    ],
    [
      "commented out lines are skipped",
      "# no-pivot = 1\n[nvidia-container-cli]\n#no-pivot = 1\nno-pivot = 1\n",
      "nvidia-container-cli.no-pivot",
      4,
    ],
    ["the first assignment", "[a]\nk = 1\n[b]\nk = 1\n[a]\n", "a.k", 2],
    ["array of tables header", "[[runtimes]]\nname = 1\n", "runtimes.name", 2],
    [
      "a key inside an inline table is not found",
      "nvidia-container-cli = { load-kmods = 1 }\n",
      "nvidia-container-cli.load-kmods",
      undefined,
    ],
    ["the table itself as a key", "x = 1\nnvidia-container-cli = 5\n", "nvidia-container-cli", 2],
    ["absent", "[nvidia-container-cli]\n", "nvidia-container-cli.no-pivot", undefined],
    ["empty text", "", "a", undefined],
  ];
  for (const [name, text, key, line] of table) {
    await t.step(name, () => {
      assert.equal(keyLine(text, key), line);
    });
  }
});

Deno.test("checkConfig() of an empty file: every setting is the default, marked so", async (t) => {
  for (const text of ["", "\n", "# only a comment\n", "[nvidia-container-cli]\n"]) {
    await t.step(JSON.stringify(text), () => {
      const r = checkConfig(text, FILE, ORIGIN);
      assert.equal(r.file, FILE);
      assert.equal(r.origin, ORIGIN);
      assert.equal(r.error, null);
      assert.deepEqual(r.warnings, []);
      assert.deepEqual(withoutSwarmValue(r.settings), settings());
    });
  }
});

Deno.test("checkConfig() marks as default only the keys the file leaves out", async (t) => {
  const table: [string, string, Record<string, Setting["value"]>][] = [
    ["a value equal to the default is still set", "disable-require = false\n", {
      "disable-require": false,
    }],
    [
      "the 2020 file",
      '[nvidia-container-cli]\nenvironment = []\nload-kmods = true\nldconfig = "@/sbin/ldconfig"\n',
      {
        "nvidia-container-cli.environment": [],
        "nvidia-container-cli.load-kmods": true,
        "nvidia-container-cli.ldconfig": "@/sbin/ldconfig",
      },
    ],
    ["empty = unset: set, but unset", '[nvidia-container-cli]\nroot = ""\nuser = ""\n', {
      "nvidia-container-cli.root": null,
      "nvidia-container-cli.user": null,
    }],
    ['root "/" is unset', '[nvidia-container-cli]\nroot = "/"\n', {
      "nvidia-container-cli.root": null,
    }],
    [
      "capabilities in canonical order",
      'supported-driver-capabilities = "utility, compute"\n',
      { "supported-driver-capabilities": ["compute", "utility"] },
    ],
    ["dotted keys", 'nvidia-container-runtime.modes.legacy.cuda-compat-mode = "ldconfig"\n', {
      "nvidia-container-runtime.modes.legacy.cuda-compat-mode": "ldconfig",
    }],
    ["inline tables", "features = { disable-imex-channel-creation = true }\n", {
      "features.disable-imex-channel-creation": true,
    }],
    [
      "cuda-compat-mode empty stays empty",
      '[nvidia-container-runtime.modes.legacy]\ncuda-compat-mode = ""\n',
      { "nvidia-container-runtime.modes.legacy.cuda-compat-mode": "" },
    ],
    [
      "cuda-compat-mode hook",
      '[nvidia-container-runtime.modes.legacy]\ncuda-compat-mode = "hook"\n',
      { "nvidia-container-runtime.modes.legacy.cuda-compat-mode": "hook" },
    ],
    ["cli-version", '[nvidia-container-runtime-hook]\ncli-version = "1.17.7"\n', {
      "nvidia-container-runtime-hook.cli-version": "1.17.7",
    }],
    ["cli-version empty = unset", '[nvidia-container-runtime-hook]\ncli-version = ""\n', {
      "nvidia-container-runtime-hook.cli-version": null,
    }],
    [
      "log-file under /var/log",
      '[nvidia-container-runtime-hook]\nlog-file = "/var/log/nvidia-hook/decisions.log"\n',
      { "nvidia-container-runtime-hook.log-file": "/var/log/nvidia-hook/decisions.log" },
    ],
    [
      "log-file under /run, cleaned",
      '[nvidia-container-runtime-hook]\nlog-file = "/run//hook/./x/../decisions.log"\n',
      { "nvidia-container-runtime-hook.log-file": "/run/hook/decisions.log" },
    ],
    ["log-file empty = unset", '[nvidia-container-runtime-hook]\nlog-file = ""\n', {
      "nvidia-container-runtime-hook.log-file": null,
    }],
    [
      "the compat and ldconfig features",
      "[features]\nallow-cuda-compat-libs-from-container = true\n" +
      "allow-ldconfig-from-container = false\n",
      {
        "features.allow-cuda-compat-libs-from-container": true,
        "features.allow-ldconfig-from-container": false,
      },
    ],
    ["swarm-resource set", 'swarm-resource = "DOCKER_RESOURCE_GPU"\n', {
      "swarm-resource": null,
    }],
  ];
  for (const [name, text, changes] of table) {
    await t.step(name, () => {
      const r = checkConfig(text, FILE, ORIGIN);
      assert.equal(r.error, null);
      assert.deepEqual(r.warnings, []);
      assert.deepEqual(withoutSwarmValue(r.settings), settings(changes));
    });
  }
});

Deno.test("checkConfig() warns about near misses with a suggestion and the line", async (t) => {
  const table: [string, string, string[]][] = [
    ["load-kmod", "[nvidia-container-cli]\nload-kmod = false\n", [
      unknown(2, "nvidia-container-cli.load-kmod", "nvidia-container-cli.load-kmods"),
    ]],
    ["no-cgroup", "# host file\n[nvidia-container-cli]\nno-cgroup = true\n", [
      unknown(3, "nvidia-container-cli.no-cgroup", "nvidia-container-cli.no-cgroups"),
    ]],
    ["a misspelt table", "[nvidia-container-clii]\nload-kmods = true\n", [
      unknown(2, "nvidia-container-clii.load-kmods", "nvidia-container-cli.load-kmods"),
    ]],
    ["a top-level typo", "disable-requires = true\n", [
      unknown(1, "disable-requires", "disable-require"),
    ]],
    ["a CLI key at the top level", "load-kmods = false\nno-cgroups = true\n", [
      unknown(1, "load-kmods", "nvidia-container-cli.load-kmods"),
      unknown(2, "no-cgroups", "nvidia-container-cli.no-cgroups"),
    ]],
    ["a top-level key in the CLI table", "[nvidia-container-cli]\ndisable-require = true\n", [
      unknown(2, "nvidia-container-cli.disable-require", "disable-require"),
    ]],
    ["a CLI key in a made-up table", "[cli]\nload-kmods = true\n", [
      unknown(2, "cli.load-kmods", "nvidia-container-cli.load-kmods"),
    ]],
    ["mode in the CLI table", '[nvidia-container-cli]\nmode = "legacy"\n', [
      unknown(2, "nvidia-container-cli.mode", "nvidia-container-runtime.mode"),
    ]],
    [
      "a typo under the tolerated [features]",
      "[features]\nignore-imex-channel-request = true\n",
      [unknown(2, "features.ignore-imex-channel-request", "features.ignore-imex-channel-requests")],
    ],
    [
      "a typo under the tolerated [nvidia-container-runtime]",
      '[nvidia-container-runtime]\nmodes.legacy.cuda-compat-mod = "ldconfig"\n',
      [
        unknown(
          2,
          "nvidia-container-runtime.modes.legacy.cuda-compat-mod",
          "nvidia-container-runtime.modes.legacy.cuda-compat-mode",
        ),
      ],
    ],
    [
      "a typo of a tolerated table's known key",
      '[nvidia-container-runtime]\nlog-level = "info"\nmodee = "legacy"\n',
      [unknown(3, "nvidia-container-runtime.modee", "nvidia-container-runtime.mode")],
    ],
    [
      "a typo under [nvidia-container-runtime-hook]",
      '[nvidia-container-runtime-hook]\npath = "/usr/bin/h"\nskip-mode-detectoin = true\n',
      [
        unknown(
          3,
          "nvidia-container-runtime-hook.skip-mode-detectoin",
          "nvidia-container-runtime-hook.skip-mode-detection",
        ),
      ],
    ],
    [
      "in document order",
      "[nvidia-container-cli]\nno-pivott = true\n[features]\ndisable-imex-channel-creaton = true\n",
      [
        unknown(2, "nvidia-container-cli.no-pivott", "nvidia-container-cli.no-pivot"),
        unknown(
          4,
          "features.disable-imex-channel-creaton",
          "features.disable-imex-channel-creation",
        ),
      ],
    ],
  ];
  for (const [name, text, warnings] of table) {
    await t.step(name, () => {
      const r = checkConfig(text, FILE, ORIGIN);
      assert.equal(r.error, null);
      assert.deepEqual(r.warnings, warnings);
    });
  }
});

// SPEC 3.2 [today]: a known key or table written in capitals is read, other
// case variants are ignored, and the documented spelling wins when both are
// present (tables are not merged); check-config warns about each.

const readAs = (line: number, key: string, canonical: string): string =>
  `line ${line}: "${key}" is read as "${canonical}" (capitals are read, as NVIDIA's hook` +
  ` reads them); spell it "${canonical}"`;

const shadowed = (line: number, key: string, canonical: string): string =>
  `line ${line}: "${key}" is ignored: the documented spelling is also present, and only that` +
  ` one counts; remove it or merge it into "${canonical}"`;

const otherCase = (line: number, key: string, canonical: string): string =>
  `line ${line}: "${key}" is ignored: keys are read in lower case or in capitals only; did` +
  ` you mean "${canonical}"?`;

Deno.test("checkConfig() reads a capital key and warns to spell it as documented", async (t) => {
  const table: [string, string, string[], Record<string, Setting["value"]>][] = [
    ["a top-level key", "DISABLE-REQUIRE = true\n", [
      readAs(1, "DISABLE-REQUIRE", "disable-require"),
    ], { "disable-require": true }],
    ["a capital table", "[NVIDIA-CONTAINER-CLI]\nload-kmods = false\n", [
      readAs(2, "NVIDIA-CONTAINER-CLI.load-kmods", "nvidia-container-cli.load-kmods"),
    ], { "nvidia-container-cli.load-kmods": false }],
    ["a capital key in a table", '[nvidia-container-cli]\nROOT = "/r"\n', [
      readAs(2, "nvidia-container-cli.ROOT", "nvidia-container-cli.root"),
    ], { "nvidia-container-cli.root": "/r" }],
    [
      "supported-driver-capabilities",
      'SUPPORTED-DRIVER-CAPABILITIES = "utility,compute"\n',
      [readAs(1, "SUPPORTED-DRIVER-CAPABILITIES", "supported-driver-capabilities")],
      { "supported-driver-capabilities": ["compute", "utility"] },
    ],
  ];
  for (const [name, text, warnings, changes] of table) {
    await t.step(name, () => {
      const r = checkConfig(text, FILE, ORIGIN);
      assert.equal(r.error, null);
      assert.deepEqual(r.warnings, warnings);
      assert.deepEqual(withoutSwarmValue(r.settings), settings(changes));
    });
  }
});

Deno.test("checkConfig() warns that other case variants are ignored", async (t) => {
  const table: [string, string, string[]][] = [
    ["a top-level key", "Disable-Require = true\n", [
      otherCase(1, "Disable-Require", "disable-require"),
    ]],
    ["a key in a table", "[nvidia-container-cli]\nLoad-Kmods = false\n", [
      otherCase(2, "nvidia-container-cli.Load-Kmods", "nvidia-container-cli.load-kmods"),
    ]],
    ["a mixed-case table", "[Nvidia-Container-Cli]\nload-kmods = false\n", [
      otherCase(2, "Nvidia-Container-Cli.load-kmods", "nvidia-container-cli.load-kmods"),
    ]],
  ];
  for (const [name, text, warnings] of table) {
    await t.step(name, () => {
      const r = checkConfig(text, FILE, ORIGIN);
      assert.equal(r.error, null);
      assert.deepEqual(r.warnings, warnings);
      assert.deepEqual(withoutSwarmValue(r.settings), settings());
    });
  }
});

Deno.test("checkConfig() warns that a capital spelling beside the documented one is ignored", async (t) => {
  const table: [string, string, string[], Record<string, Setting["value"]>][] = [
    ["a top-level key", "disable-require = false\nDISABLE-REQUIRE = true\n", [
      shadowed(2, "DISABLE-REQUIRE", "disable-require"),
    ], { "disable-require": false }],
    [
      "tables are not merged",
      "[nvidia-container-cli]\nno-pivot = true\n[NVIDIA-CONTAINER-CLI]\nno-cgroups = true\n",
      [shadowed(4, "NVIDIA-CONTAINER-CLI.no-cgroups", "nvidia-container-cli.no-cgroups")],
      { "nvidia-container-cli.no-pivot": true },
    ],
  ];
  for (const [name, text, warnings, changes] of table) {
    await t.step(name, () => {
      const r = checkConfig(text, FILE, ORIGIN);
      assert.equal(r.error, null);
      assert.deepEqual(r.warnings, warnings);
      assert.deepEqual(withoutSwarmValue(r.settings), settings(changes));
    });
  }
});

Deno.test("checkConfig() reports a capital key of the wrong type, naming the capital key", async (t) => {
  const load = `Cannot load config file ${FILE}: `;
  const table: [string, string, string][] = [
    [
      "a top-level key",
      "DISABLE-REQUIRE = 5\n",
      `${load}"DISABLE-REQUIRE" must be a boolean (line 1)`,
    ],
    [
      "a key in a capital table",
      "# c\n[NVIDIA-CONTAINER-CLI]\nload-kmods = 0\n",
      `${load}"NVIDIA-CONTAINER-CLI.load-kmods" must be a boolean (line 3)`,
    ],
  ];
  for (const [name, text, error] of table) {
    await t.step(name, () => {
      const r = checkConfig(text, FILE, ORIGIN);
      assert.equal(r.error, error);
      assert.deepEqual(r.settings, []);
    });
  }
});

Deno.test("checkConfig() refuses all inside a supported-driver-capabilities list, with the line", async (t) => {
  for (const value of ["utility,all", "all,", " all"]) {
    await t.step(JSON.stringify(value), () => {
      const r = checkConfig(
        `# c\nsupported-driver-capabilities = ${JSON.stringify(value)}\n`,
        FILE,
        ORIGIN,
      );
      assert.equal(
        r.error,
        `Cannot load config file ${FILE}: "supported-driver-capabilities" holds "all" inside a` +
          ' list; expected exactly "all" or a comma-separated list of compute, compat32,' +
          " graphics, utility, video, display, ngx (line 2)",
      );
    });
  }
});

Deno.test("checkConfig() reports far unknown keys without a suggestion", async (t) => {
  const table: [string, string, string[]][] = [
    ["top level", "colour = 1\n", [unknown(1, "colour")]],
    ["in the CLI table", '[nvidia-container-cli]\ncolour = "blue"\n', [
      unknown(2, "nvidia-container-cli.colour"),
    ]],
    ["an unknown table", "[my-tool]\nenabled = true\n", [unknown(2, "my-tool.enabled")]],
  ];
  for (const [name, text, warnings] of table) {
    await t.step(name, () => {
      const r = checkConfig(text, FILE, ORIGIN);
      assert.equal(r.error, null);
      assert.deepEqual(r.warnings, warnings);
    });
  }
});

Deno.test("checkConfig() tolerates the keys of other NVIDIA tools silently", async (t) => {
  const table: [string, string][] = [
    [
      "a current toolkit file",
      `disable-require = false
supported-driver-capabilities = "compat32,compute,display,graphics,ngx,utility,video"

[nvidia-container-cli]
environment = []
ldconfig = "@/sbin/ldconfig.real"
load-kmods = true

[nvidia-container-runtime]
debug = "/var/log/nvidia-container-runtime.log"
log-level = "info"
mode = "auto"
runtimes = ["docker-runc", "runc", "crun"]

[nvidia-container-runtime.modes]

[nvidia-container-runtime.modes.cdi]
annotation-prefixes = ["cdi.k8s.io/"]
default-kind = "nvidia.com/gpu"
spec-dirs = ["/etc/cdi", "/var/run/cdi"]

[nvidia-container-runtime.modes.csv]
mount-spec-path = "/etc/nvidia-container-runtime/host-files-for-container.d"

[nvidia-container-runtime.modes.legacy]
cuda-compat-mode = "ldconfig"

[nvidia-container-runtime-hook]
path = "nvidia-container-runtime-hook"
skip-mode-detection = false

[nvidia-ctk]
path = "nvidia-ctk"
`,
    ],
    [
      "other [features] flags",
      "[features]\nallow-additional-gids = true\nenable-cdi-annotations = true\n",
    ],
    ["the CLI table's cuda-compat-mode", '[nvidia-container-cli]\ncuda-compat-mode = "ldconfig"\n'],
    [
      "experimental runtime keys",
      '[nvidia-container-runtime]\nexperimental = false\ndiscover-mode = "auto"\n',
    ],
    [
      "jit-cdi mode keys",
      '[nvidia-container-runtime.modes.jit-cdi]\ndefault-kind = "nvidia.com/gpu"\n',
    ],
  ];
  for (const [name, text] of table) {
    await t.step(name, () => {
      const r = checkConfig(text, FILE, ORIGIN);
      assert.equal(r.error, null);
      assert.deepEqual(r.warnings, []);
    });
  }
});

Deno.test("checkConfig() refuses an ldconfig without @ unless allowed, as prestart does", async (t) => {
  const error = (line: number, value: string) =>
    `Cannot load config file ${FILE}: "nvidia-container-cli.ldconfig" value` +
    ` ${JSON.stringify(value)} is not host-relative (does not start with "@"); set` +
    ` features.allow-ldconfig-from-container = true to run the container's ldconfig` +
    ` (line ${line})`;
  const table: [string, string, string][] = [
    [
      "a container path",
      '[nvidia-container-cli]\nldconfig = "/sbin/ldconfig"\n',
      error(2, "/sbin/ldconfig"),
    ],
    ["a dotted key", 'nvidia-container-cli.ldconfig = "ldconfig"\n', error(1, "ldconfig")],
    [
      "the feature false",
      '[nvidia-container-cli]\nldconfig = "/sbin/ldconfig"\n[features]\n' +
      "allow-ldconfig-from-container = false\n",
      error(2, "/sbin/ldconfig"),
    ],
    [
      "before the unknown keys",
      '[nvidia-container-cli]\nload-kmod = true\nldconfig = "/sbin/ldconfig"\n',
      error(3, "/sbin/ldconfig"),
    ],
  ];
  for (const [name, text, message] of table) {
    await t.step(name, () => {
      assert.deepEqual(checkConfig(text, FILE, ORIGIN), {
        file: FILE,
        origin: ORIGIN,
        settings: [],
        warnings: [],
        error: message,
      });
    });
  }
});

Deno.test("checkConfig() warns about an allowed ldconfig that is not a host path", async (t) => {
  const allow = "[features]\nallow-ldconfig-from-container = true\n";
  const warning = (line: number, value: string) =>
    `line ${line}: nvidia-container-cli.ldconfig ${JSON.stringify(value)} does not start with` +
    ` "@": the CLI will run the container's ldconfig, not the host's (allowed by` +
    ` features.allow-ldconfig-from-container)`;
  const table: [string, string, string[]][] = [
    ["a container path", `[nvidia-container-cli]\nldconfig = "/sbin/ldconfig"\n${allow}`, [
      warning(2, "/sbin/ldconfig"),
    ]],
    ["a dotted key", `nvidia-container-cli.ldconfig = "ldconfig"\n${allow}`, [
      warning(1, "ldconfig"),
    ]],
    ["a host path", `[nvidia-container-cli]\nldconfig = "@/sbin/ldconfig"\n${allow}`, []],
    ["a host path, not allowed", '[nvidia-container-cli]\nldconfig = "@/sbin/ldconfig"\n', []],
    [
      "a host .real path",
      `[nvidia-container-cli]\nldconfig = "@/sbin/ldconfig.real"\n${allow}`,
      [],
    ],
    ["empty = unset", `[nvidia-container-cli]\nldconfig = ""\n${allow}`, []],
    ["the feature alone", allow, []],
    [
      "after the unknown keys",
      `[nvidia-container-cli]\nldconfig = "/sbin/ldconfig"\nload-kmod = true\n${allow}`,
      [
        unknown(3, "nvidia-container-cli.load-kmod", "nvidia-container-cli.load-kmods"),
        warning(2, "/sbin/ldconfig"),
      ],
    ],
  ];
  for (const [name, text, warnings] of table) {
    await t.step(name, () => {
      const r = checkConfig(text, FILE, ORIGIN);
      assert.equal(r.error, null);
      assert.deepEqual(r.warnings, warnings);
    });
  }
});

Deno.test("checkConfig() reports type errors with the key, the expected type and the line", async (t) => {
  const load = `Cannot load config file ${FILE}: `;
  const table: [string, string, string][] = [
    [
      "a string for a bool",
      '# comment\n[nvidia-container-cli]\nload-kmods = "yes"\n',
      `${load}"nvidia-container-cli.load-kmods" must be a boolean (line 3)`,
    ],
    [
      "a number for a string",
      "[nvidia-container-cli]\nroot = 1\n",
      `${load}"nvidia-container-cli.root" must be a string (line 2)`,
    ],
    [
      "a top-level bool",
      'disable-require = "true"\n',
      `${load}"disable-require" must be a boolean (line 1)`,
    ],
    [
      "a known table given a scalar",
      "disable-require = true\nnvidia-container-cli = 5\n",
      `${load}"nvidia-container-cli" must be a table (line 2)`,
    ],
    [
      "an environment entry without =",
      '[nvidia-container-cli]\nenvironment = [\n  "A=1",\n  "B",\n]\n',
      `${load}"nvidia-container-cli.environment[1]" must have the form KEY=VALUE with a` +
      " non-empty KEY (line 2)",
    ],
    [
      "after a multi-line array",
      "x = [\n  1,\n  2,\n]\n[nvidia-container-cli]\nno-pivot = 3\n",
      `${load}"nvidia-container-cli.no-pivot" must be a boolean (line 6)`,
    ],
    [
      "the text of a multi-line string is not a key",
      's = """\nload-kmods = 1\n"""\n[nvidia-container-cli]\nload-kmods = 2\n',
      `${load}"nvidia-container-cli.load-kmods" must be a boolean (line 5)`,
    ],
    [
      "a dotted key",
      "nvidia-container-runtime.mode = false\n",
      `${load}"nvidia-container-runtime.mode" must be a string (line 1)`,
    ],
    [
      "a cuda-compat-mode that is not a mode",
      '[nvidia-container-runtime]\nlog-level = "info"\nmodes.legacy.cuda-compat-mode = "auto"\n',
      `${load}"nvidia-container-runtime.modes.legacy.cuda-compat-mode" must be one of` +
      ` "ldconfig", "mount", "disabled", "hook" or empty; got "auto" (line 3)`,
    ],
    [
      "a cli-version that is not X.Y.Z",
      '[nvidia-container-runtime-hook]\ncli-version = "1.17"\n',
      `${load}"nvidia-container-runtime-hook.cli-version" must be a version X.Y.Z such as` +
      ` "1.17.7"; got "1.17" (line 2)`,
    ],
    [
      "a log-file outside /var/log and /run",
      '[nvidia-container-runtime-hook]\nlog-file = "/var/log/../../etc/passwd"\n',
      `${load}"nvidia-container-runtime-hook.log-file" must be an absolute path of a file under` +
      ` /var/log or /run (the only places the hook may write); got "/var/log/../../etc/passwd"` +
      ` (line 2)`,
    ],
    [
      "a log-file that is a relative path",
      '[nvidia-container-runtime-hook]\nlog-file = "var/log/hook.log"\n',
      `${load}"nvidia-container-runtime-hook.log-file" must be an absolute path of a file under` +
      ` /var/log or /run (the only places the hook may write); got "var/log/hook.log" (line 2)`,
    ],
  ];
  for (const [name, text, error] of table) {
    await t.step(name, () => {
      assert.deepEqual(checkConfig(text, FILE, ORIGIN), {
        file: FILE,
        origin: ORIGIN,
        settings: [],
        warnings: [],
        error,
      });
    });
  }
});

Deno.test("checkConfig() reports TOML syntax errors with line and column", async (t) => {
  const table: [string, number, number][] = [
    ["a = \n", 1, 5],
    ["[nvidia-container-cli]\nload-kmods = tru\n", 2, 14],
    ["[nvidia-container-cli\n", 1, 22],
    ["[nvidia-container-cli]\nload-kmods = true\nload-kmods = false\n", 3, 1],
  ];
  for (const [text, line, column] of table) {
    await t.step(JSON.stringify(text), () => {
      const r = checkConfig(text, FILE, ORIGIN);
      assert.deepEqual({ ...r, error: null }, {
        file: FILE,
        origin: ORIGIN,
        settings: [],
        warnings: [],
        error: null,
      });
      const prefix = `Cannot parse config file ${FILE}: line ${line}, column ${column}: `;
      const error = r.error ?? "no error";
      assert.ok(error.startsWith(prefix), error);
      assert.ok(error.length > prefix.length, error);
      assert.ok(!error.includes("\n"), error);
      assert.ok(!error.includes("(line"), "the line is given once");
    });
  }
});

Deno.test("checkConfig() reads __proto__ keys as plain unknown keys", async (t) => {
  const table: [string, string, string[]][] = [
    ["a key", "[nvidia-container-cli]\n__proto__ = 1\n", [
      unknown(2, "nvidia-container-cli.__proto__"),
    ]],
    ["a quoted table", '["__proto__"]\nload-kmods = 1\n', [
      unknown(2, "__proto__.load-kmods", "nvidia-container-cli.load-kmods"),
    ]],
    ["a dotted key", "__proto__.polluted = 1\n", [unknown(1, "__proto__.polluted")]],
  ];
  for (const [name, text, warnings] of table) {
    await t.step(name, () => {
      const r = checkConfig(text, FILE, ORIGIN);
      assert.equal(r.error, null);
      assert.deepEqual(r.warnings, warnings);
      assert.deepEqual(withoutSwarmValue(r.settings), settings());
      assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
      assert.equal(({} as Record<string, unknown>)["load-kmods"], undefined);
    });
  }
});

Deno.test("checkConfig() reads a __proto__ inline table as a plain unknown key", () => {
  const r = checkConfig('"__proto__" = { polluted = 1, disable-require = true }\n', FILE, ORIGIN);
  assert.equal(r.error, null);
  assert.equal(r.warnings.length, 2);
  assert.ok(r.warnings[0]?.endsWith('unknown key "__proto__.polluted"'), r.warnings[0]);
  assert.ok(
    r.warnings[1]?.endsWith(
      'unknown key "__proto__.disable-require"; did you mean "disable-require"?',
    ),
    r.warnings[1],
  );
  assert.deepEqual(withoutSwarmValue(r.settings), settings());
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
});

Deno.test("noConfigReport() is the built-in defaults, all marked default", () => {
  const r = noConfigReport();
  assert.equal(r.file, null);
  assert.equal(r.origin, "none found: built-in defaults");
  assert.deepEqual(r.warnings, []);
  assert.equal(r.error, null);
  assert.deepEqual(withoutSwarmValue(r.settings), settings());
});

Deno.test("formatCheckReport() aligns the settings and marks the defaults", () => {
  const report: CheckReport = {
    file: "/etc/x.toml",
    origin: "-config flag",
    settings: [
      { key: "disable-require", value: false, isDefault: true },
      { key: "nvidia-container-cli.root", value: null, isDefault: false },
      { key: "nvidia-container-cli.path", value: "/opt/cli", isDefault: false },
      { key: "nvidia-container-cli.environment", value: ["A=1", 'B="2"'], isDefault: false },
      { key: "x", value: [], isDefault: true },
    ],
    warnings: [],
    error: null,
  };
  assert.equal(
    formatCheckReport(report),
    [
      "config file: /etc/x.toml (-config flag)",
      "  disable-require                  = false  (default)",
      "  nvidia-container-cli.root        = (unset)",
      '  nvidia-container-cli.path        = "/opt/cli"',
      '  nvidia-container-cli.environment = ["A=1", "B=\\"2\\""]',
      "  x                                = []  (default)",
      "ok",
      "",
    ].join("\n"),
  );
});

Deno.test("formatCheckReport() ends with the warnings and their count, or the error", async (t) => {
  const base = { file: "/etc/x.toml", origin: "built-in path", settings: [] };
  const table: [string, CheckReport, string[]][] = [
    ["one warning", { ...base, warnings: ["w1"], error: null }, [
      "config file: /etc/x.toml (built-in path)",
      "warning: w1",
      "ok, 1 warning(s)",
    ]],
    ["two warnings", { ...base, warnings: ["w1", "w2"], error: null }, [
      "config file: /etc/x.toml (built-in path)",
      "warning: w1",
      "warning: w2",
      "ok, 2 warning(s)",
    ]],
    ["an error", { ...base, warnings: [], error: "Cannot load ..." }, [
      "config file: /etc/x.toml (built-in path)",
      "error: Cannot load ...",
    ]],
    [
      "no file",
      {
        file: null,
        origin: "none found: built-in defaults",
        settings: [],
        warnings: [],
        error: null,
      },
      ["config file: none found: built-in defaults", "ok"],
    ],
  ];
  for (const [name, report, lines] of table) {
    await t.step(name, () => {
      assert.equal(formatCheckReport(report), lines.join("\n") + "\n");
    });
  }
});

Deno.test("formatCheckReport() of the defaults: one line per SPEC key, each marked", () => {
  const lines = formatCheckReport(noConfigReport()).split("\n");
  assert.equal(lines[0], "config file: none found: built-in defaults");
  assert.equal(lines.at(-2), "ok");
  assert.equal(lines.at(-1), "");
  const rows = lines.slice(1, -2);
  assert.deepEqual(rows.map((l) => l.trim().split(" ")[0]), KEY_ORDER);
  const width = Math.max(...KEY_ORDER.map((k) => k.length));
  for (const row of rows) {
    assert.ok(row.endsWith("  (default)"), row);
    assert.equal(row.indexOf(" = "), 2 + width, `aligned: ${row}`);
  }
  assert.ok(
    rows.includes(`  ${"nvidia-container-cli.load-kmods".padEnd(width)} = true  (default)`),
  );
  assert.ok(rows.includes(`  ${"nvidia-container-cli.root".padEnd(width)} = (unset)  (default)`));
  assert.ok(
    rows.includes(`  ${"nvidia-container-runtime.mode".padEnd(width)} = "auto"  (default)`),
  );
  const compat = "nvidia-container-runtime.modes.legacy.cuda-compat-mode";
  assert.ok(rows.includes(`  ${compat.padEnd(width)} = "ldconfig"  (default)`));
  const version = "nvidia-container-runtime-hook.cli-version";
  assert.ok(rows.includes(`  ${version.padEnd(width)} = (unset)  (default)`));
  const log = "nvidia-container-runtime-hook.log-file";
  assert.ok(rows.includes(`  ${log.padEnd(width)} = (unset)  (default)`));
});

Deno.test({
  name: "formatCheckReport() escapes control characters of keys and paths",
  fn() {
    // A quoted TOML key may hold any character; the text report must stay one
    // fact per line and must not send escape sequences to the terminal.
    const r = checkConfig('"a\\u001b[31mb" = 1\n"c\\nd" = 2\n', "/etc/x\n.toml", ORIGIN);
    const text = formatCheckReport(r);
    assert.ok(!hasControl(text, "\n"), text);
    // The file line, a line per key, two warnings, the verdict, the final newline.
    assert.equal(text.split("\n").length, 1 + 25 + 2 + 1 + 1);
  },
});

Deno.test({
  name: "checkConfig() warns about our keys under tolerated tables",
  fn() {
    // A CLI key put under [nvidia-container-runtime] or [features] does
    // nothing; today it passes silently because the table is tolerated.
    const r = checkConfig(
      "[nvidia-container-runtime]\nload-kmods = false\n[features]\ndisable-require = true\n",
      FILE,
      ORIGIN,
    );
    assert.deepEqual(r.warnings, [
      unknown(2, "nvidia-container-runtime.load-kmods", "nvidia-container-cli.load-kmods"),
      unknown(4, "features.disable-require", "disable-require"),
    ]);
  },
});

Deno.test("checkConfig() shows swarm-resource as the string list it reads", async (t) => {
  const table: [string, string, Setting["value"], boolean][] = [
    ["absent", "", null, true],
    ["empty", 'swarm-resource = ""\n', null, false],
    ["a list, trimmed", 'swarm-resource = " A, ,B "\n', "A,B", false],
  ];
  for (const [name, text, value, isDefault] of table) {
    await t.step(name, () => {
      const s = checkConfig(text, FILE, ORIGIN).settings.find((x) => x.key === "swarm-resource");
      assert.deepEqual(s, { key: "swarm-resource", value, isDefault });
    });
  }
});
