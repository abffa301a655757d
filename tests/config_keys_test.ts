import assert from "node:assert/strict";
import { CONFIG_KEYS, CONFIG_TABLES, isToleratedKey, ldconfigWarning } from "../lib/config_keys.ts";
import { hookConfig } from "./_builders.ts";
import { defaultHookConfig } from "../lib/hook_config.ts";
import { parseConfig } from "../lib/parse_config.ts";

/**
 * SPEC 3.2's key table: key, type, tag, in its order, with our own
 * `nvidia-container-runtime-hook.cli-version` and `.log-file` (not in the
 * SPEC's table, tagged `ours`) after the other hook key.
 */
const SPEC_TABLE: [string, string, "2020" | "later" | "ours"][] = [
  ["disable-require", "bool", "2020"],
  ["swarm-resource", "string", "later"],
  ["accept-nvidia-visible-devices-envvar-when-unprivileged", "bool", "later"],
  ["accept-nvidia-visible-devices-as-volume-mounts", "bool", "later"],
  ["supported-driver-capabilities", "string", "later"],
  ["nvidia-container-cli.root", "string, empty = unset", "2020"],
  ["nvidia-container-cli.path", "string, empty = unset", "2020"],
  ["nvidia-container-cli.environment", 'array of "KEY=VALUE"', "2020"],
  ["nvidia-container-cli.debug", "string, empty = unset", "2020"],
  ["nvidia-container-cli.ldcache", "string, empty = unset", "2020"],
  ["nvidia-container-cli.load-kmods", "bool", "2020"],
  ["nvidia-container-cli.no-pivot", "bool", "2020"],
  ["nvidia-container-cli.no-cgroups", "bool", "2020"],
  ["nvidia-container-cli.user", "string, empty = unset", "2020"],
  ["nvidia-container-cli.ldconfig", "string, empty = unset", "2020"],
  ["nvidia-container-cli.alpha-merge-visible-devices-envvars", "bool", "2020"],
  ["nvidia-container-runtime.mode", "string", "later"],
  [
    "nvidia-container-runtime.modes.legacy.cuda-compat-mode",
    '"ldconfig", "mount", "disabled", "hook" or ""',
    "later",
  ],
  ["nvidia-container-runtime-hook.skip-mode-detection", "bool", "later"],
  // Ours: upstream has no such keys.
  ["nvidia-container-runtime-hook.cli-version", 'version "X.Y.Z", empty = unset', "ours"],
  ["nvidia-container-runtime-hook.log-file", "path under /var/log or /run, empty = unset", "ours"],
  ["features.ignore-imex-channel-requests", "bool", "later"],
  ["features.disable-imex-channel-creation", "bool", "later"],
  ["features.allow-cuda-compat-libs-from-container", "bool", "later"],
  ["features.allow-ldconfig-from-container", "bool", "later"],
];

const ALL_CAPS = ["compute", "compat32", "graphics", "utility", "video", "display", "ngx"];

Deno.test("CONFIG_KEYS lists the SPEC's keys, types and tags in the SPEC's order", () => {
  assert.deepEqual(CONFIG_KEYS.map((k) => [k.key, k.type, k.tag]), SPEC_TABLE);
});

Deno.test("CONFIG_KEYS gives the SPEC's defaults for the built-in config", async (t) => {
  const table: [string, unknown][] = [
    ["disable-require", false],
    ["swarm-resource", undefined],
    ["accept-nvidia-visible-devices-envvar-when-unprivileged", true],
    ["accept-nvidia-visible-devices-as-volume-mounts", false],
    ["supported-driver-capabilities", ALL_CAPS],
    ["nvidia-container-cli.root", undefined],
    ["nvidia-container-cli.path", undefined],
    ["nvidia-container-cli.environment", []],
    ["nvidia-container-cli.debug", undefined],
    ["nvidia-container-cli.ldcache", undefined],
    ["nvidia-container-cli.load-kmods", true],
    ["nvidia-container-cli.no-pivot", false],
    ["nvidia-container-cli.no-cgroups", false],
    ["nvidia-container-cli.user", undefined],
    ["nvidia-container-cli.ldconfig", undefined],
    ["nvidia-container-cli.alpha-merge-visible-devices-envvars", false],
    ["nvidia-container-runtime.mode", "auto"],
    // The key is absent: the effective mode is the default.
    ["nvidia-container-runtime.modes.legacy.cuda-compat-mode", "ldconfig"],
    ["nvidia-container-runtime-hook.skip-mode-detection", false],
    ["nvidia-container-runtime-hook.cli-version", undefined],
    ["nvidia-container-runtime-hook.log-file", undefined],
    ["features.ignore-imex-channel-requests", false],
    ["features.disable-imex-channel-creation", false],
    ["features.allow-cuda-compat-libs-from-container", false],
    ["features.allow-ldconfig-from-container", false],
  ];
  const config = defaultHookConfig();
  for (const [key, value] of table) {
    await t.step(key, () => {
      const entry = CONFIG_KEYS.find((k) => k.key === key);
      assert.ok(entry !== undefined);
      assert.deepEqual(entry.value(config), value);
    });
  }
});

Deno.test("CONFIG_KEYS reads each key's own setting from a loaded config", async (t) => {
  // Every key set away from its default, so that a swapped accessor shows.
  const text = `disable-require = true
swarm-resource = "A, B"
accept-nvidia-visible-devices-envvar-when-unprivileged = false
accept-nvidia-visible-devices-as-volume-mounts = true
supported-driver-capabilities = "utility,compute"

[nvidia-container-cli]
root = "/run/nvidia/driver"
path = "/opt/cli"
environment = ["A=1"]
debug = "/var/log/cli.log"
ldcache = "/etc/ld.so.cache"
load-kmods = false
no-pivot = true
no-cgroups = true
user = "root:video"
ldconfig = "@/sbin/ldconfig"
alpha-merge-visible-devices-envvars = true

[nvidia-container-runtime]
mode = "legacy"
modes.legacy.cuda-compat-mode = "mount"

[nvidia-container-runtime-hook]
skip-mode-detection = true
cli-version = "1.17.7"
log-file = "/var/log/nvidia-hook/decisions.log"

[features]
ignore-imex-channel-requests = true
disable-imex-channel-creation = true
allow-cuda-compat-libs-from-container = true
allow-ldconfig-from-container = true
`;
  const config = parseConfig(text, "/etc/x.toml");
  const table: [string, unknown][] = [
    ["disable-require", true],
    ["swarm-resource", "A,B"],
    ["accept-nvidia-visible-devices-envvar-when-unprivileged", false],
    ["accept-nvidia-visible-devices-as-volume-mounts", true],
    ["supported-driver-capabilities", ["compute", "utility"]],
    ["nvidia-container-cli.root", "/run/nvidia/driver"],
    ["nvidia-container-cli.path", "/opt/cli"],
    ["nvidia-container-cli.environment", ["A=1"]],
    ["nvidia-container-cli.debug", "/var/log/cli.log"],
    ["nvidia-container-cli.ldcache", "/etc/ld.so.cache"],
    ["nvidia-container-cli.load-kmods", false],
    ["nvidia-container-cli.no-pivot", true],
    ["nvidia-container-cli.no-cgroups", true],
    ["nvidia-container-cli.user", "root:video"],
    ["nvidia-container-cli.ldconfig", "@/sbin/ldconfig"],
    ["nvidia-container-cli.alpha-merge-visible-devices-envvars", true],
    ["nvidia-container-runtime.mode", "legacy"],
    ["nvidia-container-runtime.modes.legacy.cuda-compat-mode", "mount"],
    ["nvidia-container-runtime-hook.skip-mode-detection", true],
    ["nvidia-container-runtime-hook.cli-version", "1.17.7"],
    ["nvidia-container-runtime-hook.log-file", "/var/log/nvidia-hook/decisions.log"],
    ["features.ignore-imex-channel-requests", true],
    ["features.disable-imex-channel-creation", true],
    ["features.allow-cuda-compat-libs-from-container", true],
    ["features.allow-ldconfig-from-container", true],
  ];
  assert.deepEqual(table.map(([k]) => k), SPEC_TABLE.map(([k]) => k), "every key is covered");
  for (const [key, value] of table) {
    await t.step(key, () => {
      const entry = CONFIG_KEYS.find((k) => k.key === key);
      assert.ok(entry !== undefined);
      assert.deepEqual(entry.value(config), value);
    });
  }
});

Deno.test("CONFIG_KEYS reads the settings of keys and tables written in capitals", async (t) => {
  // NVIDIA's go-toml v1 decoding reads the capital spelling too; the
  // documented one wins when both are present; other case variants are ignored.
  const table: [string, string, string, unknown][] = [
    ["a capital top-level key", "DISABLE-REQUIRE = true\n", "disable-require", true],
    [
      "a capital table",
      "[NVIDIA-CONTAINER-CLI]\nno-pivot = true\n",
      "nvidia-container-cli.no-pivot",
      true,
    ],
    [
      "a capital key in a capital table",
      '[NVIDIA-CONTAINER-RUNTIME]\nMODE = "legacy"\n',
      "nvidia-container-runtime.mode",
      "legacy",
    ],
    [
      "the documented spelling wins",
      "disable-require = false\nDISABLE-REQUIRE = true\n",
      "disable-require",
      false,
    ],
    [
      "tables are not merged",
      "[nvidia-container-cli]\nno-pivot = true\n[NVIDIA-CONTAINER-CLI]\nno-cgroups = true\n",
      "nvidia-container-cli.no-cgroups",
      false,
    ],
    ["a mixed-case key is ignored", "Disable-Require = true\n", "disable-require", false],
    [
      "a mixed-case table is ignored",
      "[Features]\nignore-imex-channel-requests = true\n",
      "features.ignore-imex-channel-requests",
      false,
    ],
  ];
  for (const [name, text, key, value] of table) {
    await t.step(name, () => {
      const entry = CONFIG_KEYS.find((k) => k.key === key);
      assert.ok(entry !== undefined);
      assert.deepEqual(entry.value(parseConfig(text, "/etc/x.toml")), value);
    });
  }
});

Deno.test("CONFIG_KEYS shows the effective cuda-compat-mode and the cli-version", async (t) => {
  const table: [string, string, unknown][] = [
    ["cuda-compat-mode absent: the default", "", "ldconfig"],
    [
      "cuda-compat-mode empty stays empty",
      '[nvidia-container-runtime]\nmodes.legacy.cuda-compat-mode = ""\n',
      "",
    ],
    [
      "cuda-compat-mode hook",
      '[nvidia-container-runtime]\nmodes.legacy.cuda-compat-mode = "hook"\n',
      "hook",
    ],
    [
      "cuda-compat-mode disabled",
      '[nvidia-container-runtime]\nmodes.legacy.cuda-compat-mode = "disabled"\n',
      "disabled",
    ],
  ];
  const compat = CONFIG_KEYS.find((k) =>
    k.key === "nvidia-container-runtime.modes.legacy.cuda-compat-mode"
  );
  assert.ok(compat !== undefined);
  for (const [name, text, value] of table) {
    await t.step(name, () => assert.equal(compat.value(parseConfig(text, "/etc/x.toml")), value));
  }
  const version = CONFIG_KEYS.find((k) => k.key === "nvidia-container-runtime-hook.cli-version");
  assert.ok(version !== undefined);
  const versions: [string, string | undefined][] = [
    ['cli-version = ""', undefined],
    ['cli-version = "0.0.0"', "0.0.0"],
    ['cli-version = "2.10.300"', "2.10.300"],
  ];
  for (const [line, value] of versions) {
    await t.step(line, () => {
      const text = `[nvidia-container-runtime-hook]\n${line}\n`;
      assert.equal(version.value(parseConfig(text, "/etc/x.toml")), value);
    });
  }
});

Deno.test("CONFIG_TABLES are the tables that hold known keys", () => {
  assert.deepEqual(
    [...CONFIG_TABLES],
    [
      "nvidia-container-cli",
      "nvidia-container-runtime",
      "nvidia-container-runtime.modes",
      "nvidia-container-runtime.modes.legacy",
      "nvidia-container-runtime-hook",
      "features",
    ],
  );
  // Each known dotted key lives in one of them (or at the top level).
  for (const { key } of CONFIG_KEYS) {
    const table = key.includes(".") ? key.slice(0, key.lastIndexOf(".")) : undefined;
    if (table !== undefined) {
      assert.ok((CONFIG_TABLES as readonly string[]).includes(table), key);
    }
  }
});

Deno.test("isToleratedKey() accepts the keys real hosts carry for other NVIDIA tools", async (t) => {
  const tolerated = [
    // Anything else under [nvidia-container-runtime].
    "nvidia-container-runtime.debug",
    "nvidia-container-runtime.log-level",
    "nvidia-container-runtime.runtimes",
    "nvidia-container-runtime.experimental",
    "nvidia-container-runtime.discover-mode",
    "nvidia-container-runtime.modes.csv.mount-spec-path",
    "nvidia-container-runtime.modes.cdi.spec-dirs",
    "nvidia-container-runtime.modes.cdi.default-kind",
    "nvidia-container-runtime.modes.jit-cdi.anything",
    // [nvidia-container-runtime-hook] path and [nvidia-ctk].
    "nvidia-container-runtime-hook.path",
    "nvidia-ctk",
    "nvidia-ctk.path",
    // Other [features] flags.
    "features.allow-additional-gids",
    "features.some-future-flag",
    "nvidia-container-cli.cuda-compat-mode",
  ];
  for (const key of tolerated) {
    await t.step(key, () => assert.equal(isToleratedKey(key), true));
  }
});

Deno.test("isToleratedKey() refuses everything else, by table name and not string prefix", async (t) => {
  const refused = [
    "load-kmods",
    "nvidia-container-cli.load-kmod",
    "nvidia-container-cli.no-cgroup",
    "nvidia-container-cli.colour",
    "nvidia-container-runtime-hook.skip-mode-detectoin",
    "nvidia-container-runtime-hook.other",
    // Prefix look-alikes of tolerated tables.
    "nvidia-container-runtimes.debug",
    "nvidia-container-runtime",
    "nvidia-ctk-extra.path",
    "nvidia-ctkpath",
    "featuresx.flag",
    "features",
    "nvidia-container-cli.cuda-compat-mode.x",
    "NVIDIA-CONTAINER-RUNTIME.debug",
  ];
  for (const key of refused) {
    await t.step(key, () => assert.equal(isToleratedKey(key), false));
  }
});

Deno.test("ldconfigWarning() warns only about an ldconfig without @", async (t) => {
  // A config holds an ldconfig without @ only when the feature allows it.
  const allowed = {
    features: { ...defaultHookConfig().features, allowLdconfigFromContainer: true },
  };
  const table: [string | undefined, string | undefined][] = [
    [undefined, undefined],
    ["@/sbin/ldconfig", undefined],
    [
      "/sbin/ldconfig",
      'nvidia-container-cli.ldconfig "/sbin/ldconfig" does not start with "@": the CLI will run' +
      " the container's ldconfig, not the host's (allowed by features.allow-ldconfig-from-container)",
    ],
  ];
  for (const [ldconfig, expected] of table) {
    await t.step(String(ldconfig), () => {
      assert.equal(
        ldconfigWarning(hookConfig(ldconfig === undefined ? {} : { ldconfig }, allowed)),
        expected,
      );
    });
  }
});
