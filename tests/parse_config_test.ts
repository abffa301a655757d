import assert from "node:assert/strict";
import { throwsExactly } from "./_assert.ts";
import { hookConfig } from "./_builders.ts";
import { InputError } from "../lib/errors.ts";
import { defaultHookConfig, type HookConfig } from "../lib/hook_config.ts";
import { parseConfig } from "../lib/parse_config.ts";

const FILE = "/etc/nvidia-container-runtime/config.toml";
const WHERE = `Cannot load config file ${FILE}: `;

Deno.test("parseConfig() gives the defaults for an empty file", async (t) => {
  for (const text of ["", "\n", "# only a comment\n", "[nvidia-container-cli]\n"]) {
    await t.step(JSON.stringify(text), () => {
      assert.deepEqual(parseConfig(text, FILE), defaultHookConfig());
    });
  }
});

Deno.test("parseConfig() reads the 2020 config file as shipped", () => {
  const text = `disable-require = false
#swarm-resource = "DOCKER_RESOURCE_GPU"

[nvidia-container-cli]
#root = "/run/nvidia/driver"
#path = "/usr/bin/nvidia-container-cli"
environment = []
#debug = "/var/log/nvidia-container-toolkit.log"
#ldcache = "/etc/ld.so.cache"
load-kmods = true
#no-cgroups = false
#user = "root:video"
ldconfig = "@/sbin/ldconfig"

[nvidia-container-runtime]
#debug = "/var/log/nvidia-container-runtime.log"
`;
  assert.deepEqual(parseConfig(text, FILE), hookConfig({ ldconfig: "@/sbin/ldconfig" }));
});

Deno.test("parseConfig() reads the current upstream config file as shipped", () => {
  const text = `#accept-nvidia-visible-devices-as-volume-mounts = false
#accept-nvidia-visible-devices-envvar-when-unprivileged = true
disable-require = false
supported-driver-capabilities = "compat32,compute,display,graphics,ngx,utility,video"
#swarm-resource = "DOCKER_RESOURCE_GPU"

[nvidia-container-cli]
#debug = "/var/log/nvidia-container-toolkit.log"
environment = []
#ldcache = "/etc/ld.so.cache"
ldconfig = "@/sbin/ldconfig.real"
load-kmods = true
#no-cgroups = false
#path = "/usr/bin/nvidia-container-cli"
#root = "/run/nvidia/driver"
#user = "root:video"

[nvidia-container-runtime]
#debug = "/var/log/nvidia-container-runtime.log"
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
`;
  assert.deepEqual(
    parseConfig(text, FILE),
    hookConfig({ ldconfig: "@/sbin/ldconfig.real" }, { runtime: { cudaCompatMode: "ldconfig" } }),
  );
});

Deno.test("parseConfig() reads a GPU Operator config with empty strings and a driver root", () => {
  const text = `accept-nvidia-visible-devices-as-volume-mounts = true
accept-nvidia-visible-devices-envvar-when-unprivileged = false
disable-require = false
supported-driver-capabilities = "compat32,compute,display,graphics,ngx,utility,video"

[nvidia-container-cli]
environment = []
ldconfig = "@/run/nvidia/driver/sbin/ldconfig.real"
load-kmods = true
path = "/usr/local/nvidia/toolkit/nvidia-container-cli"
root = "/run/nvidia/driver"
debug = ""
ldcache = ""
user = ""

[nvidia-container-runtime]
log-level = "info"
mode = "auto"
runtimes = ["docker-runc", "runc", "crun"]

[nvidia-container-runtime.modes.cdi]
default-kind = "management.nvidia.com/gpu"

[nvidia-container-runtime.modes.legacy]
cuda-compat-mode = "ldconfig"

[nvidia-container-runtime-hook]
path = "/usr/local/nvidia/toolkit/nvidia-container-runtime-hook"
skip-mode-detection = true

[nvidia-ctk]
path = "/usr/local/nvidia/toolkit/nvidia-ctk"
`;
  assert.deepEqual(
    parseConfig(text, FILE),
    hookConfig({
      ldconfig: "@/run/nvidia/driver/sbin/ldconfig.real",
      path: "/usr/local/nvidia/toolkit/nvidia-container-cli",
      root: "/run/nvidia/driver",
    }, {
      acceptDeviceListAsVolumeMounts: true,
      acceptEnvvarUnprivileged: false,
      runtime: { cudaCompatMode: "ldconfig" },
      skipModeDetection: true,
    }),
  );
});

Deno.test("parseConfig() reads every key of SPEC 3.2 at once", () => {
  const text = `disable-require = true
swarm-resource = "DOCKER_RESOURCE_GPU, OTHER_GPU"
accept-nvidia-visible-devices-envvar-when-unprivileged = false
accept-nvidia-visible-devices-as-volume-mounts = true
supported-driver-capabilities = "utility,compute"

[nvidia-container-cli]
root = "/run/nvidia/driver"
path = "/usr/local/bin/nvidia-container-cli"
environment = ["A=1", "B=x=y", "C="]
debug = "/var/log/nvidia-container-toolkit.log"
ldcache = "/etc/ld.so.cache"
load-kmods = false
no-pivot = true
no-cgroups = true
user = "root:video"
ldconfig = "@/sbin/ldconfig"
alpha-merge-visible-devices-envvars = true

[nvidia-container-runtime]
mode = "legacy"

[nvidia-container-runtime.modes.legacy]
cuda-compat-mode = "mount"

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
  assert.deepEqual(parseConfig(text, FILE), {
    disableRequire: true,
    swarmResource: ["DOCKER_RESOURCE_GPU", "OTHER_GPU"],
    acceptEnvvarUnprivileged: false,
    acceptDeviceListAsVolumeMounts: true,
    supportedDriverCapabilities: ["compute", "utility"],
    cli: {
      root: "/run/nvidia/driver",
      path: "/usr/local/bin/nvidia-container-cli",
      environment: ["A=1", "B=x=y", "C="],
      debug: "/var/log/nvidia-container-toolkit.log",
      ldcache: "/etc/ld.so.cache",
      loadKmods: false,
      noPivot: true,
      noCgroups: true,
      user: "root:video",
      ldconfig: "@/sbin/ldconfig",
      alphaMergeVisibleDevicesEnvvars: true,
    },
    runtime: { mode: "legacy", cudaCompatMode: "mount" },
    skipModeDetection: true,
    cliVersion: { major: 1, minor: 17, patch: 7 },
    logFile: "/var/log/nvidia-hook/decisions.log",
    features: {
      ignoreImexChannelRequests: true,
      disableImexChannelCreation: true,
      allowCudaCompatLibsFromContainer: true,
      allowLdconfigFromContainer: true,
    },
  });
});

Deno.test("parseConfig() reads each key alone, others keeping their default", async (t) => {
  const table: [string, HookConfig][] = [
    ["disable-require = true", hookConfig({}, { disableRequire: true })],
    ["disable-require = false", hookConfig({})],
    [
      'swarm-resource = "DOCKER_RESOURCE_GPU"',
      hookConfig({}, { swarmResource: ["DOCKER_RESOURCE_GPU"] }),
    ],
    [
      "accept-nvidia-visible-devices-envvar-when-unprivileged = false",
      hookConfig({}, { acceptEnvvarUnprivileged: false }),
    ],
    ["accept-nvidia-visible-devices-envvar-when-unprivileged = true", hookConfig({})],
    [
      "accept-nvidia-visible-devices-as-volume-mounts = true",
      hookConfig({}, { acceptDeviceListAsVolumeMounts: true }),
    ],
    ["accept-nvidia-visible-devices-as-volume-mounts = false", hookConfig({})],
    [
      'supported-driver-capabilities = "compute"',
      hookConfig({}, { supportedDriverCapabilities: ["compute"] }),
    ],
    [
      'nvidia-container-cli.root = "/run/nvidia/driver"',
      hookConfig({ root: "/run/nvidia/driver" }),
    ],
    ['nvidia-container-cli.path = "rel/cli"', hookConfig({ path: "rel/cli" })],
    ['nvidia-container-cli.environment = ["X=1"]', hookConfig({ environment: ["X=1"] })],
    ["nvidia-container-cli.environment = []", hookConfig({ environment: [] })],
    ['nvidia-container-cli.debug = "/dev/stderr"', hookConfig({ debug: "/dev/stderr" })],
    [
      'nvidia-container-cli.ldcache = "/tmp/ld.so.cache"',
      hookConfig({ ldcache: "/tmp/ld.so.cache" }),
    ],
    ["nvidia-container-cli.load-kmods = false", hookConfig({ loadKmods: false })],
    ["nvidia-container-cli.load-kmods = true", hookConfig({ loadKmods: true })],
    ["nvidia-container-cli.no-pivot = true", hookConfig({ noPivot: true })],
    ["nvidia-container-cli.no-cgroups = true", hookConfig({ noCgroups: true })],
    ['nvidia-container-cli.user = "1000:1000"', hookConfig({ user: "1000:1000" })],
    [
      'nvidia-container-cli.ldconfig = "@/sbin/ldconfig"',
      hookConfig({ ldconfig: "@/sbin/ldconfig" }),
    ],
    [
      "nvidia-container-cli.alpha-merge-visible-devices-envvars = true",
      hookConfig({ alphaMergeVisibleDevicesEnvvars: true }),
    ],
    ['nvidia-container-runtime.mode = "cdi"', hookConfig({}, { runtime: { mode: "cdi" } })],
    ['nvidia-container-runtime.mode = "legacy"', hookConfig({}, { runtime: { mode: "legacy" } })],
    ['nvidia-container-runtime.mode = "auto"', hookConfig({})],
    [
      'nvidia-container-runtime.modes.legacy.cuda-compat-mode = "ldconfig"',
      hookConfig({}, { runtime: { cudaCompatMode: "ldconfig" } }),
    ],
    [
      'nvidia-container-runtime.modes.legacy.cuda-compat-mode = "mount"',
      hookConfig({}, { runtime: { cudaCompatMode: "mount" } }),
    ],
    [
      'nvidia-container-runtime.modes.legacy.cuda-compat-mode = "disabled"',
      hookConfig({}, { runtime: { cudaCompatMode: "disabled" } }),
    ],
    [
      'nvidia-container-runtime.modes.legacy.cuda-compat-mode = "hook"',
      hookConfig({}, { runtime: { cudaCompatMode: "hook" } }),
    ],
    // Empty is not unset here: it is disabled unless compat libraries are allowed.
    [
      'nvidia-container-runtime.modes.legacy.cuda-compat-mode = ""',
      hookConfig({}, { runtime: { cudaCompatMode: "" } }),
    ],
    [
      "nvidia-container-runtime-hook.skip-mode-detection = true",
      hookConfig({}, { skipModeDetection: true }),
    ],
    ["nvidia-container-runtime-hook.skip-mode-detection = false", hookConfig({})],
    [
      'nvidia-container-runtime-hook.cli-version = "1.17.0"',
      hookConfig({}, { cliVersion: { major: 1, minor: 17, patch: 0 } }),
    ],
    [
      'nvidia-container-runtime-hook.cli-version = "0.0.0"',
      hookConfig({}, { cliVersion: { major: 0, minor: 0, patch: 0 } }),
    ],
    ['nvidia-container-runtime-hook.cli-version = ""', hookConfig({})],
    [
      'nvidia-container-runtime-hook.log-file = "/var/log/hook.log"',
      hookConfig({}, { logFile: "/var/log/hook.log" }),
    ],
    [
      'nvidia-container-runtime-hook.log-file = "/run/nvidia-hook/decisions.log"',
      hookConfig({}, { logFile: "/run/nvidia-hook/decisions.log" }),
    ],
    ['nvidia-container-runtime-hook.log-file = ""', hookConfig({})],
    [
      "features.ignore-imex-channel-requests = true",
      hookConfig({}, { features: { ignoreImexChannelRequests: true } }),
    ],
    [
      "features.disable-imex-channel-creation = true",
      hookConfig({}, { features: { disableImexChannelCreation: true } }),
    ],
    ["features.ignore-imex-channel-requests = false", hookConfig({})],
    ["features.disable-imex-channel-creation = false", hookConfig({})],
    [
      "features.allow-cuda-compat-libs-from-container = true",
      hookConfig({}, { features: { allowCudaCompatLibsFromContainer: true } }),
    ],
    ["features.allow-cuda-compat-libs-from-container = false", hookConfig({})],
    [
      "features.allow-ldconfig-from-container = true",
      hookConfig({}, { features: { allowLdconfigFromContainer: true } }),
    ],
    ["features.allow-ldconfig-from-container = false", hookConfig({})],
  ];
  for (const [text, expected] of table) {
    await t.step(text, () => {
      assert.deepEqual(parseConfig(text + "\n", FILE), expected);
    });
  }
});

Deno.test("parseConfig() reads swarm-resource as a comma list, trimmed, blanks dropped", async (t) => {
  const table: [string, string[]][] = [
    ["A", ["A"]],
    ["A,B", ["A", "B"]],
    ["B,A", ["B", "A"]],
    [" A , ,B ", ["A", "B"]],
    [",A,,", ["A"]],
    ["DOCKER_RESOURCE_GPU,NVIDIA_VISIBLE_DEVICES_SWARM", [
      "DOCKER_RESOURCE_GPU",
      "NVIDIA_VISIBLE_DEVICES_SWARM",
    ]],
    ["", []],
    [" ", []],
    [",,", []],
    [" , ", []],
  ];
  for (const [value, expected] of table) {
    await t.step(JSON.stringify(value), () => {
      assert.deepEqual(
        parseConfig(`swarm-resource = ${JSON.stringify(value)}\n`, FILE).swarmResource,
        expected,
      );
    });
  }
});

Deno.test("parseConfig() reads supported-driver-capabilities in canonical order", async (t) => {
  const all = defaultHookConfig().supportedDriverCapabilities;
  const table: [string, readonly string[]][] = [
    ["all", all],
    ["compat32,compute,display,graphics,ngx,utility,video", all],
    ["utility", ["utility"]],
    ["utility, compute", ["compute", "utility"]],
    ["video,compute,video", ["compute", "video"]],
    [" ngx ,, graphics", ["graphics", "ngx"]],
  ];
  for (const [value, expected] of table) {
    await t.step(JSON.stringify(value), () => {
      assert.deepEqual(
        parseConfig(`supported-driver-capabilities = ${JSON.stringify(value)}\n`, FILE)
          .supportedDriverCapabilities,
        expected,
      );
    });
  }
});

Deno.test("parseConfig() refuses all inside a list in supported-driver-capabilities", async (t) => {
  const message = `${WHERE}"supported-driver-capabilities" holds "all" inside a list;` +
    ' expected exactly "all" or a comma-separated list of compute, compat32, graphics, utility,' +
    " video, display, ngx";
  for (
    const value of [
      "utility,all",
      "all,utility",
      "compute,all",
      "all,",
      ",all",
      " all",
      "all ",
      " all ",
      "all,all",
      "all, ",
    ]
  ) {
    await t.step(JSON.stringify(value), () => {
      throwsExactly(
        () => parseConfig(`supported-driver-capabilities = ${JSON.stringify(value)}\n`, FILE),
        message,
      );
    });
  }
});

Deno.test("parseConfig() rejects an unknown name in supported-driver-capabilities", async (t) => {
  const table: [string, string][] = [
    ["compute,foo", '"foo"'],
    ["Compute", '"Compute"'],
    ["ALL", '"ALL"'],
    ["none", '"none"'],
    ["compute utility", '"compute utility"'],
  ];
  for (const [value, quoted] of table) {
    await t.step(JSON.stringify(value), () => {
      throwsExactly(
        () => parseConfig(`supported-driver-capabilities = ${JSON.stringify(value)}\n`, FILE),
        `${WHERE}"supported-driver-capabilities" names an unknown driver capability ${quoted};` +
          ' expected "all" or a comma-separated list of compute, compat32, graphics, utility,' +
          " video, display, ngx",
      );
    });
  }
});

Deno.test('parseConfig() treats nvidia-container-cli.root = "/" as unset', async (t) => {
  await t.step("alone", () => {
    assert.deepEqual(
      parseConfig('[nvidia-container-cli]\nroot = "/"\n', FILE),
      defaultHookConfig(),
    );
  });
  await t.step("with other keys", () => {
    assert.deepEqual(
      parseConfig('[nvidia-container-cli]\nroot = "/"\nno-pivot = true\n', FILE),
      hookConfig({ noPivot: true }),
    );
  });
  for (const spelling of ["//", "/./", "/../"]) {
    await t.step(`${spelling} (the host root, spelt otherwise)`, () => {
      assert.equal(
        parseConfig(`[nvidia-container-cli]\nroot = "${spelling}"\n`, FILE).cli.root,
        undefined,
      );
    });
  }
  await t.step("a real root is kept", () => {
    assert.equal(
      parseConfig('[nvidia-container-cli]\nroot = "/run/nvidia/driver"\n', FILE).cli.root,
      "/run/nvidia/driver",
    );
  });
});

Deno.test("parseConfig() treats an empty string as unset for root, path, debug, ldcache, user, ldconfig", async (t) => {
  for (const key of ["root", "path", "debug", "ldcache", "user", "ldconfig"]) {
    await t.step(`${key} = ""`, () => {
      assert.deepEqual(
        parseConfig(`[nvidia-container-cli]\n${key} = ""\n`, FILE),
        defaultHookConfig(),
      );
    });
  }
  await t.step("all six empty, as the GPU Operator writes them", () => {
    const text = '[nvidia-container-cli]\nroot = ""\npath = ""\ndebug = ""\nldcache = ""\n' +
      'user = ""\nldconfig = ""\n';
    assert.deepEqual(parseConfig(text, FILE), defaultHookConfig());
  });
});

Deno.test("parseConfig() keeps non-empty strings exactly, spaces included", () => {
  assert.deepEqual(
    parseConfig("[nvidia-container-cli]\nuser = \" \"\nroot = '/run/nvidia driver/'\n", FILE),
    hookConfig({ user: " ", root: "/run/nvidia driver/" }),
  );
});

Deno.test("parseConfig() reads the new tables as dotted keys and inline tables too", async (t) => {
  const expected = hookConfig({}, {
    runtime: { mode: "legacy", cudaCompatMode: "mount" },
    skipModeDetection: true,
    features: { ignoreImexChannelRequests: true, disableImexChannelCreation: true },
  });
  const table = [
    'nvidia-container-runtime.mode = "legacy"\n' +
    'nvidia-container-runtime.modes.legacy.cuda-compat-mode = "mount"\n' +
    "nvidia-container-runtime-hook.skip-mode-detection = true\n" +
    "features.ignore-imex-channel-requests = true\n" +
    "features.disable-imex-channel-creation = true\n",
    'nvidia-container-runtime = { mode = "legacy", modes = { legacy = { cuda-compat-mode = "mount" } } }\n' +
    "nvidia-container-runtime-hook = { skip-mode-detection = true }\n" +
    "features = { ignore-imex-channel-requests = true, disable-imex-channel-creation = true }\n",
    '[nvidia-container-runtime]\nmode = "legacy"\n' +
    '[nvidia-container-runtime.modes.legacy]\ncuda-compat-mode = "mount"\n' +
    "[nvidia-container-runtime-hook]\nskip-mode-detection = true\n" +
    "[features]\nignore-imex-channel-requests = true\ndisable-imex-channel-creation = true\n",
    '[nvidia-container-runtime]\nmode = "legacy"\nmodes.legacy.cuda-compat-mode = "mount"\n' +
    "[nvidia-container-runtime-hook]\nskip-mode-detection = true\n" +
    "[features]\nignore-imex-channel-requests = true\ndisable-imex-channel-creation = true\n",
  ];
  for (const text of table) {
    await t.step(JSON.stringify(text), () => {
      assert.deepEqual(parseConfig(text, FILE), expected);
    });
  }
});

Deno.test("parseConfig() accepts dotted keys and inline tables", async (t) => {
  const expected = hookConfig({ root: "/r", noPivot: true, loadKmods: false });
  const table = [
    'nvidia-container-cli.root = "/r"\nnvidia-container-cli.no-pivot = true\n' +
    "nvidia-container-cli.load-kmods = false\n",
    'nvidia-container-cli = { root = "/r", no-pivot = true, load-kmods = false }\n',
    '[nvidia-container-cli]\nroot = "/r"\nno-pivot = true\nload-kmods = false\n',
    '"nvidia-container-cli".root = "/r"\n"nvidia-container-cli"."no-pivot" = true\n' +
    "nvidia-container-cli . load-kmods = false\n",
  ];
  for (const text of table) {
    await t.step(JSON.stringify(text), () => {
      assert.deepEqual(parseConfig(text, FILE), expected);
    });
  }
});

Deno.test("parseConfig() ignores unknown keys and tables", async (t) => {
  const table = [
    "foo = 1\n",
    "load-kmods = 5\n",
    "LOAD-KMODS = 5\n",
    '[nvidia-container-cli]\nload-kmod = 5\nno-cgroup = "x"\ndisable-require = 7\n',
    '[nvidia-container-cli]\nLoad-Kmods = false\nRoot = "/r"\n',
    "Disable-Require = true\n",
    "Accept-Nvidia-Visible-Devices-As-Volume-Mounts = true\n",
    '[nvidia-container-runtime]\nMode = "cdi"\n',
    "[Features]\nignore-imex-channel-requests = true\n",
    "[features]\nIgnore-Imex-Channel-Requests = true\n",
    '[nvidia-container-runtime.modes.Legacy]\ncuda-compat-mode = "mount"\n',
    "[Nvidia-Container-Cli]\nload-kmods = false\n",
    "[other]\nnvidia-container-cli = 5\nfeatures = 5\n",
    "mode = 5\nskip-mode-detection = 1\nignore-imex-channel-requests = 2\n",
    "[nvidia-container-cli]\nmode = 5\nskip-mode-detection = 1\n",
  ];
  for (const text of table) {
    await t.step(JSON.stringify(text), () => {
      assert.deepEqual(parseConfig(text, FILE), defaultHookConfig());
    });
  }
});

// SPEC 3.2 [today]: NVIDIA's go-toml v1 decoding also reads a known key or
// table written in capitals; other case variants are ignored; when both the
// documented and the capital spelling exist, only the documented one counts
// (tables are not merged).

Deno.test("parseConfig() reads a known key or table written in capitals", async (t) => {
  const table: [string, string, HookConfig][] = [
    ["a top-level bool", "DISABLE-REQUIRE = true\n", hookConfig({}, { disableRequire: true })],
    ["a top-level string", 'SWARM-RESOURCE = "X"\n', hookConfig({}, { swarmResource: ["X"] })],
    [
      "supported-driver-capabilities",
      'SUPPORTED-DRIVER-CAPABILITIES = "utility,compute"\n',
      hookConfig({}, { supportedDriverCapabilities: ["compute", "utility"] }),
    ],
    [
      "a capital table",
      "[NVIDIA-CONTAINER-CLI]\nload-kmods = false\n",
      hookConfig({ loadKmods: false }),
    ],
    [
      "a capital key in a table",
      '[nvidia-container-cli]\nLOAD-KMODS = false\nROOT = "/r"\n',
      hookConfig({ loadKmods: false, root: "/r" }),
    ],
    [
      "a capital key in a capital table",
      "[NVIDIA-CONTAINER-CLI]\nLOAD-KMODS = false\n",
      hookConfig({ loadKmods: false }),
    ],
    [
      "a capital hook table",
      "[NVIDIA-CONTAINER-RUNTIME-HOOK]\nskip-mode-detection = true\n",
      hookConfig({}, { skipModeDetection: true }),
    ],
    [
      "capital nested tables",
      '[NVIDIA-CONTAINER-RUNTIME.MODES.LEGACY]\nCUDA-COMPAT-MODE = "mount"\n',
      hookConfig({}, { runtime: { cudaCompatMode: "mount" } }),
    ],
    [
      "capital features",
      "[FEATURES]\nIGNORE-IMEX-CHANNEL-REQUESTS = true\n",
      hookConfig({}, { features: { ignoreImexChannelRequests: true } }),
    ],
    [
      "a capital mode",
      '[nvidia-container-runtime]\nMODE = "legacy"\n',
      hookConfig({}, { runtime: { mode: "legacy" } }),
    ],
    [
      "beside a mixed-case key, which is ignored",
      'Disable-Require = true\nSWARM-RESOURCE = "X"\n',
      hookConfig({}, { swarmResource: ["X"] }),
    ],
  ];
  for (const [name, text, expected] of table) {
    await t.step(name, () => {
      assert.deepEqual(parseConfig(text, FILE), expected);
    });
  }
});

Deno.test("parseConfig() ignores other case variants of a known key or table", async (t) => {
  const table = [
    "Disable-Require = true\n",
    "disable-REQUIRE = true\n",
    "DISABLE-require = true\n",
    "Disable-require = true\n",
    "[Nvidia-Container-Cli]\nload-kmods = false\n",
    "[nvidia-container-CLI]\nload-kmods = false\n",
    "[nvidia-container-cli]\nLoad-Kmods = false\n",
    "[NVIDIA-CONTAINER-CLI]\nLoad-Kmods = false\n",
    "[Nvidia-Container-Runtime-Hook]\nSKIP-MODE-DETECTION = true\n",
    'SUPPORTED-driver-capabilities = "bogus"\n',
    "Disable-Require = 5\n",
    "[Features]\nignore-imex-channel-requests = 5\n",
  ];
  for (const text of table) {
    await t.step(JSON.stringify(text), () => {
      assert.deepEqual(parseConfig(text, FILE), defaultHookConfig());
    });
  }
});

Deno.test("parseConfig() reads only the documented spelling when both are present", async (t) => {
  const table: [string, string, HookConfig][] = [
    [
      "top-level key, documented first",
      "disable-require = false\nDISABLE-REQUIRE = true\n",
      defaultHookConfig(),
    ],
    [
      "top-level key, capitals first",
      "DISABLE-REQUIRE = true\ndisable-require = false\n",
      defaultHookConfig(),
    ],
    [
      "a capital key of the wrong type beside the documented one is not read",
      "disable-require = true\nDISABLE-REQUIRE = 5\n",
      hookConfig({}, { disableRequire: true }),
    ],
    [
      "a key in a table",
      "[nvidia-container-cli]\nload-kmods = true\nLOAD-KMODS = false\n",
      defaultHookConfig(),
    ],
    [
      "tables are not merged: only the documented table counts",
      "[nvidia-container-cli]\nno-pivot = true\n[NVIDIA-CONTAINER-CLI]\nno-cgroups = true\n" +
      "load-kmods = false\n",
      hookConfig({ noPivot: true }),
    ],
    [
      "tables are not merged, capitals first",
      "[NVIDIA-CONTAINER-CLI]\nno-cgroups = true\n[nvidia-container-cli]\nno-pivot = true\n",
      hookConfig({ noPivot: true }),
    ],
    [
      "an empty documented table still shadows the capital one",
      "[nvidia-container-cli]\n[NVIDIA-CONTAINER-CLI]\nload-kmods = false\n",
      defaultHookConfig(),
    ],
    [
      "a capital table of the wrong shape beside the documented one is not read",
      "FEATURES = 5\n[features]\nignore-imex-channel-requests = true\n",
      hookConfig({}, { features: { ignoreImexChannelRequests: true } }),
    ],
  ];
  for (const [name, text, expected] of table) {
    await t.step(name, () => {
      assert.deepEqual(parseConfig(text, FILE), expected);
    });
  }
});

Deno.test("parseConfig() rejects a capital key of the wrong type, naming the capital key", async (t) => {
  const table: [string, string, string][] = [
    ["DISABLE-REQUIRE = 5", "DISABLE-REQUIRE", "must be a boolean"],
    ['DISABLE-REQUIRE = "true"', "DISABLE-REQUIRE", "must be a boolean"],
    ["SWARM-RESOURCE = 5", "SWARM-RESOURCE", "must be a string"],
    ["SUPPORTED-DRIVER-CAPABILITIES = true", "SUPPORTED-DRIVER-CAPABILITIES", "must be a string"],
    [
      '[nvidia-container-cli]\nLOAD-KMODS = "false"',
      "nvidia-container-cli.LOAD-KMODS",
      "must be a boolean",
    ],
    [
      "[NVIDIA-CONTAINER-CLI]\nload-kmods = 0",
      "NVIDIA-CONTAINER-CLI.load-kmods",
      "must be a boolean",
    ],
    ["[NVIDIA-CONTAINER-CLI]\nROOT = 5", "NVIDIA-CONTAINER-CLI.ROOT", "must be a string"],
    [
      '[NVIDIA-CONTAINER-CLI]\nENVIRONMENT = "A=1"',
      "NVIDIA-CONTAINER-CLI.ENVIRONMENT",
      'must be an array of "KEY=VALUE" strings',
    ],
    ["NVIDIA-CONTAINER-CLI = 5", "NVIDIA-CONTAINER-CLI", "must be a table"],
    ["FEATURES = true", "FEATURES", "must be a table"],
    [
      "[NVIDIA-CONTAINER-RUNTIME]\nMODE = 5",
      "NVIDIA-CONTAINER-RUNTIME.MODE",
      "must be a string",
    ],
    [
      "[NVIDIA-CONTAINER-RUNTIME-HOOK]\nSKIP-MODE-DETECTION = 1",
      "NVIDIA-CONTAINER-RUNTIME-HOOK.SKIP-MODE-DETECTION",
      "must be a boolean",
    ],
  ];
  for (const [text, key, detail] of table) {
    await t.step(JSON.stringify(text), () => {
      throwsExactly(() => parseConfig(`${text}\n`, FILE), `${WHERE}"${key}" ${detail}`);
    });
  }
});

Deno.test("parseConfig() refuses a bad value of a capital key, since it is read", async (t) => {
  // Which spelling these messages name is not settled: only the value part is checked.
  const table: [string, string][] = [
    [
      'SUPPORTED-DRIVER-CAPABILITIES = "bogus"',
      ' names an unknown driver capability "bogus"; expected "all" or a comma-separated list of' +
      " compute, compat32, graphics, utility, video, display, ngx",
    ],
    [
      'SUPPORTED-DRIVER-CAPABILITIES = "utility,all"',
      ' holds "all" inside a list; expected exactly "all" or a comma-separated list of' +
      " compute, compat32, graphics, utility, video, display, ngx",
    ],
    [
      '[NVIDIA-CONTAINER-CLI]\nLDCONFIG = "/sbin/ldconfig"',
      ' value "/sbin/ldconfig" is not host-relative (does not start with "@"); set' +
      " features.allow-ldconfig-from-container = true to run the container's ldconfig",
    ],
  ];
  for (const [text, tail] of table) {
    await t.step(JSON.stringify(text), () => {
      assert.throws(() => parseConfig(`${text}\n`, FILE), (e: unknown) => {
        assert.ok(e instanceof InputError, `not an InputError: ${e}`);
        assert.ok(e.message.startsWith(WHERE), e.message);
        assert.ok(e.message.endsWith(tail), e.message);
        return true;
      });
    });
  }
});

Deno.test("parseConfig() tolerates the keys SPEC 3.2 lists as seen on real hosts", async (t) => {
  const table = [
    '[nvidia-container-runtime]\ndebug = "/var/log/nvidia-container-runtime.log"\n',
    '[nvidia-container-runtime]\nlog-level = "info"\n',
    '[nvidia-container-runtime]\nruntimes = ["docker-runc", "runc", "crun"]\n',
    "[nvidia-container-runtime]\nexperimental = false\n",
    "[nvidia-container-runtime.experimental]\nfoo = 1\n",
    '[nvidia-container-runtime]\ndiscover-mode = "auto"\n',
    "[nvidia-container-runtime]\ndiscover-mode = 1\n",
    '[nvidia-container-runtime.modes.csv]\nmount-spec-path = "/etc/nvidia-container-runtime/host-files-for-container.d"\n',
    '[nvidia-container-runtime.modes.cdi]\ndefault-kind = "nvidia.com/gpu"\n' +
    'annotation-prefixes = ["cdi.k8s.io/"]\nspec-dirs = ["/etc/cdi", "/var/run/cdi"]\n',
    "[nvidia-container-runtime.modes.jit-cdi]\nx = 1\n",
    "[nvidia-container-runtime.modes]\ncsv = 5\ncdi = 5\njit-cdi = 5\n",
    "[nvidia-container-runtime.modes.legacy]\nother = 1\n",
    '[nvidia-container-runtime-hook]\npath = "nvidia-container-runtime-hook"\n',
    '[nvidia-container-runtime-hook]\npath = "/usr/local/nvidia/toolkit/nvidia-container-runtime-hook"\n',
    '[nvidia-ctk]\npath = "nvidia-ctk"\n',
    "[features]\nsome-future-flag = true\n",
    "[features]\nenable-cdi-spec-generation = true\nallow-additional-gids = true\n",
    '[nvidia-container-cli]\ncuda-compat-mode = "ldconfig"\n',
    "[nvidia-container-cli]\ncuda-compat-mode = 5\n",
    "[nvidia-container-runtime]\n[nvidia-container-runtime.modes]\n[nvidia-container-runtime.modes.legacy]\n" +
    "[nvidia-container-runtime-hook]\n[features]\n[nvidia-ctk]\n",
  ];
  for (const text of table) {
    await t.step(JSON.stringify(text), () => {
      assert.deepEqual(parseConfig(text, FILE), defaultHookConfig());
    });
  }
});

Deno.test("parseConfig() rejects a known key of the wrong type, naming the key", async (t) => {
  const bool = "must be a boolean";
  const str = "must be a string";
  const list = 'must be an array of "KEY=VALUE" strings';
  const table: [string, string, string][] = [
    ['disable-require = "true"', "disable-require", bool],
    ["disable-require = 1", "disable-require", bool],
    ["swarm-resource = 5", "swarm-resource", str],
    ['swarm-resource = ["A"]', "swarm-resource", str],
    ["swarm-resource = true", "swarm-resource", str],
    ["nvidia-container-cli.root = 5", "nvidia-container-cli.root", str],
    ["nvidia-container-cli.root = 1979-05-27", "nvidia-container-cli.root", str],
    ["nvidia-container-cli.path = true", "nvidia-container-cli.path", str],
    ["nvidia-container-cli.debug = 1.5", "nvidia-container-cli.debug", str],
    ['nvidia-container-cli.ldcache = ["/etc/ld.so.cache"]', "nvidia-container-cli.ldcache", str],
    ["nvidia-container-cli.user = 0", "nvidia-container-cli.user", str],
    ["nvidia-container-cli.ldconfig = { p = 1 }", "nvidia-container-cli.ldconfig", str],
    ['nvidia-container-cli.load-kmods = "false"', "nvidia-container-cli.load-kmods", bool],
    ["nvidia-container-cli.load-kmods = 0", "nvidia-container-cli.load-kmods", bool],
    ["nvidia-container-cli.no-pivot = 1", "nvidia-container-cli.no-pivot", bool],
    ['nvidia-container-cli.no-cgroups = "yes"', "nvidia-container-cli.no-cgroups", bool],
    [
      "nvidia-container-cli.alpha-merge-visible-devices-envvars = []",
      "nvidia-container-cli.alpha-merge-visible-devices-envvars",
      bool,
    ],
    ['nvidia-container-cli.environment = "A=1"', "nvidia-container-cli.environment", list],
    ["nvidia-container-cli.environment = { A = 1 }", "nvidia-container-cli.environment", list],
    ["[nvidia-container-cli.root]\nx = 1", "nvidia-container-cli.root", str],
    [
      'accept-nvidia-visible-devices-envvar-when-unprivileged = "false"',
      "accept-nvidia-visible-devices-envvar-when-unprivileged",
      bool,
    ],
    [
      "accept-nvidia-visible-devices-envvar-when-unprivileged = 0",
      "accept-nvidia-visible-devices-envvar-when-unprivileged",
      bool,
    ],
    [
      'accept-nvidia-visible-devices-as-volume-mounts = "true"',
      "accept-nvidia-visible-devices-as-volume-mounts",
      bool,
    ],
    [
      "accept-nvidia-visible-devices-as-volume-mounts = 1",
      "accept-nvidia-visible-devices-as-volume-mounts",
      bool,
    ],
    [
      'supported-driver-capabilities = ["compute"]',
      "supported-driver-capabilities",
      str,
    ],
    ["supported-driver-capabilities = true", "supported-driver-capabilities", str],
    ["nvidia-container-runtime.mode = 5", "nvidia-container-runtime.mode", str],
    ['nvidia-container-runtime.mode = ["auto"]', "nvidia-container-runtime.mode", str],
    ["nvidia-container-runtime.mode = false", "nvidia-container-runtime.mode", str],
    [
      "nvidia-container-runtime.modes.legacy.cuda-compat-mode = 1",
      "nvidia-container-runtime.modes.legacy.cuda-compat-mode",
      str,
    ],
    [
      "nvidia-container-runtime.modes.legacy.cuda-compat-mode = true",
      "nvidia-container-runtime.modes.legacy.cuda-compat-mode",
      str,
    ],
    [
      'nvidia-container-runtime-hook.skip-mode-detection = "true"',
      "nvidia-container-runtime-hook.skip-mode-detection",
      bool,
    ],
    [
      "nvidia-container-runtime-hook.skip-mode-detection = 1",
      "nvidia-container-runtime-hook.skip-mode-detection",
      bool,
    ],
    [
      'features.ignore-imex-channel-requests = "true"',
      "features.ignore-imex-channel-requests",
      bool,
    ],
    [
      "features.ignore-imex-channel-requests = 1",
      "features.ignore-imex-channel-requests",
      bool,
    ],
    [
      'features.disable-imex-channel-creation = "yes"',
      "features.disable-imex-channel-creation",
      bool,
    ],
    [
      "features.disable-imex-channel-creation = []",
      "features.disable-imex-channel-creation",
      bool,
    ],
    [
      'features.allow-cuda-compat-libs-from-container = "true"',
      "features.allow-cuda-compat-libs-from-container",
      bool,
    ],
    [
      'features.allow-ldconfig-from-container = "true"',
      "features.allow-ldconfig-from-container",
      bool,
    ],
    [
      "features.allow-ldconfig-from-container = 1",
      "features.allow-ldconfig-from-container",
      bool,
    ],
    [
      "nvidia-container-runtime-hook.cli-version = 1.17",
      "nvidia-container-runtime-hook.cli-version",
      str,
    ],
    [
      'nvidia-container-runtime-hook.cli-version = ["1.17.7"]',
      "nvidia-container-runtime-hook.cli-version",
      str,
    ],
    [
      "nvidia-container-runtime.modes.legacy.cuda-compat-mode = []",
      "nvidia-container-runtime.modes.legacy.cuda-compat-mode",
      str,
    ],
    [
      "nvidia-container-runtime-hook.log-file = true",
      "nvidia-container-runtime-hook.log-file",
      str,
    ],
  ];
  for (const [text, key, detail] of table) {
    await t.step(text, () => {
      throwsExactly(() => parseConfig(text + "\n", FILE), `${WHERE}"${key}" ${detail}`);
    });
  }
});

Deno.test("parseConfig() rejects a cuda-compat-mode that is not a mode, naming it", async (t) => {
  const values = ["bogus", "LDCONFIG", "Mount", " mount", "mount ", "cdi", "container", "none"];
  for (const value of values) {
    await t.step(JSON.stringify(value), () => {
      const text = `[nvidia-container-runtime.modes.legacy]\ncuda-compat-mode = ${
        JSON.stringify(value)
      }\n`;
      throwsExactly(
        () => parseConfig(text, FILE),
        `${WHERE}"nvidia-container-runtime.modes.legacy.cuda-compat-mode" must be one of` +
          ` "ldconfig", "mount", "disabled", "hook" or empty; got ${JSON.stringify(value)}`,
      );
    });
  }
});

Deno.test("parseConfig() rejects a cli-version that is not X.Y.Z, naming it", async (t) => {
  const values = ["1.17", "1", "v1.17.7", "1.17.7-1", "1.17.7+git", "01.17.7", " 1.17.7", "latest"];
  for (const value of values) {
    await t.step(JSON.stringify(value), () => {
      const text = `[nvidia-container-runtime-hook]\ncli-version = ${JSON.stringify(value)}\n`;
      throwsExactly(
        () => parseConfig(text, FILE),
        `${WHERE}"nvidia-container-runtime-hook.cli-version" must be a version X.Y.Z such as` +
          ` "1.17.7"; got ${JSON.stringify(value)}`,
      );
    });
  }
});

Deno.test("parseConfig() cleans a log-file path under /var/log or /run", async (t) => {
  const table: [string, string][] = [
    ["/var/log/nvidia-hook/decisions.log", "/var/log/nvidia-hook/decisions.log"],
    ["/var/log//hook.log", "/var/log/hook.log"],
    ["/var/log/./a/../hook.log", "/var/log/hook.log"],
    ["/run/hook.log/", "/run/hook.log"],
    ["/run/nvidia/../hook.log", "/run/hook.log"],
  ];
  for (const [value, path] of table) {
    await t.step(value, () => {
      const text = `[nvidia-container-runtime-hook]\nlog-file = ${JSON.stringify(value)}\n`;
      assert.equal(parseConfig(text, FILE).logFile, path);
    });
  }
});

Deno.test("parseConfig() rejects a log-file outside /var/log and /run, naming it", async (t) => {
  const values = [
    "var/log/hook.log",
    "./hook.log",
    "/var/log",
    "/var/log/",
    "/run",
    "/var/log/..",
    "/var/log/../../etc/passwd",
    "/run/../etc/shadow",
    "/var/logs/hook.log",
    "/runner/hook.log",
    "/var/run/hook.log",
    "/etc/hook.log",
    "/tmp/hook.log",
    "/",
  ];
  for (const value of values) {
    await t.step(JSON.stringify(value), () => {
      const text = `[nvidia-container-runtime-hook]\nlog-file = ${JSON.stringify(value)}\n`;
      throwsExactly(
        () => parseConfig(text, FILE),
        `${WHERE}"nvidia-container-runtime-hook.log-file" must be an absolute path of a file` +
          ` under /var/log or /run (the only places the hook may write); got ${
            JSON.stringify(value)
          }`,
      );
    });
  }
});

/** The refusal of an ldconfig that is not host-relative. */
function containerLdconfig(value: string): string {
  return `${WHERE}"nvidia-container-cli.ldconfig" value ${JSON.stringify(value)} is not` +
    ' host-relative (does not start with "@"); set features.allow-ldconfig-from-container' +
    " = true to run the container's ldconfig";
}

Deno.test("parseConfig() refuses an ldconfig without @ unless the container's ldconfig is allowed", async (t) => {
  const values = ["/sbin/ldconfig", "/sbin/ldconfig.real", "ldconfig", " @/sbin/ldconfig", "/@x"];
  for (const value of values) {
    const line = `ldconfig = ${JSON.stringify(value)}\n`;
    await t.step(`${JSON.stringify(value)} refused`, () => {
      throwsExactly(
        () => parseConfig(`[nvidia-container-cli]\n${line}`, FILE),
        containerLdconfig(value),
      );
    });
    await t.step(`${JSON.stringify(value)} refused with the feature false`, () => {
      const text =
        `[nvidia-container-cli]\n${line}[features]\nallow-ldconfig-from-container = false\n`;
      throwsExactly(() => parseConfig(text, FILE), containerLdconfig(value));
    });
    await t.step(`${JSON.stringify(value)} allowed`, () => {
      const text =
        `[nvidia-container-cli]\n${line}[features]\nallow-ldconfig-from-container = true\n`;
      assert.deepEqual(
        parseConfig(text, FILE),
        hookConfig({ ldconfig: value }, { features: { allowLdconfigFromContainer: true } }),
      );
    });
  }
  await t.step("the feature may come first, as a dotted key", () => {
    const text = "features.allow-ldconfig-from-container = true\n" +
      'nvidia-container-cli.ldconfig = "/sbin/ldconfig"\n';
    assert.equal(parseConfig(text, FILE).cli.ldconfig, "/sbin/ldconfig");
  });
  await t.step("a host path and an empty value need nothing", () => {
    for (const value of ["@/sbin/ldconfig", "@ldconfig", ""]) {
      const text = `[nvidia-container-cli]\nldconfig = ${JSON.stringify(value)}\n`;
      assert.equal(parseConfig(text, FILE).cli.ldconfig, value === "" ? undefined : value);
    }
  });
  await t.step("a mistyped feature is a type error, not false", () => {
    const text = '[nvidia-container-cli]\nldconfig = "/sbin/ldconfig"\n' +
      '[features]\nallow-ldconfig-from-container = "true"\n';
    throwsExactly(
      () => parseConfig(text, FILE),
      `${WHERE}"features.allow-ldconfig-from-container" must be a boolean`,
    );
  });
  await t.step("a long value is shortened in the message", () => {
    const value = "/" + "x".repeat(300);
    const text = `[nvidia-container-cli]\nldconfig = ${JSON.stringify(value)}\n`;
    throwsExactly(
      () => parseConfig(text, FILE),
      containerLdconfig(value.slice(0, 64) + "..."),
    );
  });
});

Deno.test("parseConfig() rejects a known table given something else, naming it", async (t) => {
  const table: [string, string][] = [
    ["nvidia-container-cli = 5", "nvidia-container-cli"],
    ['nvidia-container-cli = "x"', "nvidia-container-cli"],
    ["nvidia-container-cli = []", "nvidia-container-cli"],
    ["nvidia-container-cli = true", "nvidia-container-cli"],
    ['[[nvidia-container-cli]]\nroot = "/r"', "nvidia-container-cli"],
    ["nvidia-container-runtime = 5", "nvidia-container-runtime"],
    ['nvidia-container-runtime = "auto"', "nvidia-container-runtime"],
    ['[[nvidia-container-runtime]]\nmode = "auto"', "nvidia-container-runtime"],
    ["nvidia-container-runtime.modes = 5", "nvidia-container-runtime.modes"],
    ['nvidia-container-runtime.modes = "legacy"', "nvidia-container-runtime.modes"],
    ["nvidia-container-runtime.modes.legacy = 5", "nvidia-container-runtime.modes.legacy"],
    [
      'nvidia-container-runtime.modes.legacy = ["ldconfig"]',
      "nvidia-container-runtime.modes.legacy",
    ],
    ["nvidia-container-runtime-hook = 5", "nvidia-container-runtime-hook"],
    ['nvidia-container-runtime-hook = "/usr/bin/x"', "nvidia-container-runtime-hook"],
    ["features = 5", "features"],
    ["features = true", "features"],
    ["features = []", "features"],
  ];
  for (const [text, key] of table) {
    await t.step(text, () => {
      throwsExactly(() => parseConfig(text + "\n", FILE), `${WHERE}"${key}" must be a table`);
    });
  }
});

Deno.test("parseConfig() rejects an environment entry without = or with an empty name", async (t) => {
  const form = "must have the form KEY=VALUE with a non-empty KEY";
  const table: [string, number, string][] = [
    ['["A"]', 0, form],
    ['["A=1", "B"]', 1, form],
    ['["A=1", "=x"]', 1, form],
    ['["="]', 0, form],
    ['["A=1", ""]', 1, form],
    ["[1]", 0, "must be a string of the form KEY=VALUE"],
    ['["A=1", true]', 1, "must be a string of the form KEY=VALUE"],
  ];
  for (const [value, i, detail] of table) {
    await t.step(value, () => {
      throwsExactly(
        () => parseConfig(`[nvidia-container-cli]\nenvironment = ${value}\n`, FILE),
        `${WHERE}"nvidia-container-cli.environment[${i}]" ${detail}`,
      );
    });
  }
});

Deno.test("parseConfig() reports a TOML syntax error with line and column", async (t) => {
  const table: [string, number, number][] = [
    ["a = 1\n  b = @\n", 2, 7],
    ['disable-require = true\nswarm-resource = "A" "B"\n', 2, 22],
    ["[nvidia-container-cli]\nload-kmods = tru\n", 2, 14],
  ];
  for (const [text, line, column] of table) {
    await t.step(JSON.stringify(text), () => {
      assert.throws(() => parseConfig(text, FILE), (e: unknown) => {
        assert.equal(Object.getPrototypeOf(e), InputError.prototype);
        const message = (e as Error).message;
        const prefix = `Cannot parse config file ${FILE}: line ${line}, column ${column}: `;
        assert.ok(message.startsWith(prefix), message);
        assert.ok(message.length > prefix.length, message);
        assert.ok(!message.includes("\n"), message);
        return true;
      });
    });
  }
});

Deno.test("parseConfig() rejects a repeated key or table", async (t) => {
  for (
    const text of [
      "disable-require = true\ndisable-require = false\n",
      "[nvidia-container-cli]\n[nvidia-container-cli]\n",
    ]
  ) {
    await t.step(JSON.stringify(text), () => {
      assert.throws(() => parseConfig(text, FILE), (e: unknown) => {
        assert.equal(Object.getPrototypeOf(e), InputError.prototype);
        assert.match(
          (e as Error).message,
          /^Cannot parse config file \/etc\/nvidia-container-runtime\/config\.toml: line 2, column \d+: \S/,
        );
        return true;
      });
    });
  }
});

Deno.test("parseConfig() does not read keys through __proto__", async (t) => {
  const table = [
    '[nvidia-container-cli]\n"__proto__" = { root = "/evil", load-kmods = false }\n' +
    '"constructor" = 1\n',
    '"__proto__" = { disable-require = true, features = { ignore-imex-channel-requests = true } }\n',
    '[features]\n"__proto__" = { disable-imex-channel-creation = true }\n',
    '[nvidia-container-runtime]\n"__proto__" = { mode = "cdi" }\n',
  ];
  for (const text of table) {
    await t.step(JSON.stringify(text), () => {
      assert.deepEqual(parseConfig(text, FILE), defaultHookConfig());
      const plain = {} as Record<string, unknown>;
      for (const key of ["root", "disable-require", "mode", "disable-imex-channel-creation"]) {
        assert.equal(plain[key], undefined);
      }
    });
  }
});
