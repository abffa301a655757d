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

Deno.test("parseConfig() reads every 2020 key", () => {
  const text = `disable-require = true
swarm-resource = "DOCKER_RESOURCE_GPU"

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
`;
  assert.deepEqual(parseConfig(text, FILE), {
    disableRequire: true,
    swarmResource: "DOCKER_RESOURCE_GPU",
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
  });
});

Deno.test("parseConfig() reads each key alone, others keeping their default", async (t) => {
  const table: [string, HookConfig][] = [
    ["disable-require = true", hookConfig({}, { disableRequire: true })],
    ["disable-require = false", hookConfig({})],
    [
      'swarm-resource = "DOCKER_RESOURCE_GPU"',
      hookConfig({}, { swarmResource: "DOCKER_RESOURCE_GPU" }),
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
      'nvidia-container-cli.ldconfig = "/sbin/ldconfig"',
      hookConfig({ ldconfig: "/sbin/ldconfig" }),
    ],
    [
      "nvidia-container-cli.alpha-merge-visible-devices-envvars = true",
      hookConfig({ alphaMergeVisibleDevicesEnvvars: true }),
    ],
  ];
  for (const [text, expected] of table) {
    await t.step(text, () => {
      assert.deepEqual(parseConfig(text + "\n", FILE), expected);
    });
  }
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
    '[nvidia-container-cli]\nload-kmod = 5\nno-cgroup = "x"\ndisable-require = 7\n',
    '[nvidia-container-cli]\ncuda-compat-mode = "ldconfig"\n',
    '[nvidia-container-runtime]\ndebug = "/var/log/nvidia-container-runtime.log"\n' +
    'log-level = "info"\nruntimes = ["docker-runc", "runc"]\n' +
    "[nvidia-container-runtime.experimental]\nfoo = 1\n",
    '[nvidia-container-runtime.modes.csv]\nmount-spec-path = "/etc/nvidia-container-runtime/host-files-for-container.d"\n' +
    '[nvidia-container-runtime.modes.cdi]\ndefault-kind = "nvidia.com/gpu"\n' +
    "[nvidia-container-runtime.modes.jit-cdi]\nx = 1\n",
    '[nvidia-container-runtime-hook]\npath = "nvidia-container-runtime-hook"\n',
    '[nvidia-ctk]\npath = "nvidia-ctk"\n',
    "[features]\nsome-future-flag = true\n",
    "[NVIDIA-CONTAINER-CLI]\nload-kmods = false\n",
    '[nvidia-container-cli]\nLoad-Kmods = false\nROOT = "/r"\n',
    'Disable-Require = true\nSWARM-RESOURCE = "X"\n',
    "[other]\nnvidia-container-cli = 5\n",
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
  ];
  for (const [text, key, detail] of table) {
    await t.step(text, () => {
      throwsExactly(() => parseConfig(text + "\n", FILE), `${WHERE}"${key}" ${detail}`);
    });
  }
});

Deno.test("parseConfig() rejects nvidia-container-cli that is not a table", async (t) => {
  for (
    const text of [
      "nvidia-container-cli = 5",
      'nvidia-container-cli = "x"',
      "nvidia-container-cli = []",
      '[[nvidia-container-cli]]\nroot = "/r"',
    ]
  ) {
    await t.step(text, () => {
      throwsExactly(
        () => parseConfig(text + "\n", FILE),
        `${WHERE}"nvidia-container-cli" must be a table`,
      );
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

Deno.test("parseConfig() does not read keys through __proto__", () => {
  const text = '[nvidia-container-cli]\n"__proto__" = { root = "/evil", load-kmods = false }\n' +
    '"constructor" = 1\n';
  assert.deepEqual(parseConfig(text, FILE), defaultHookConfig());
  assert.equal(({} as Record<string, unknown>)["root"], undefined);
});
