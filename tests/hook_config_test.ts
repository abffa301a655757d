import assert from "node:assert/strict";
import {
  type ConfigCandidate,
  configCandidates,
  type ConfigSearchEnv,
  CUDA_COMPAT_MODES,
  DEFAULT_CONFIG_PATHS,
  DEFAULT_CUDA_COMPAT_MODE,
  defaultHookConfig,
} from "../lib/hook_config.ts";

// SPEC 3.1 (where the file is read from) and 3.2 (the defaults).

const RUN = "/run/nvidia/driver/etc/nvidia-container-runtime/config.toml";
const ETC = "/etc/nvidia-container-runtime/config.toml";

Deno.test("defaultHookConfig() has the SPEC 3.2 default of every key", () => {
  assert.deepEqual(defaultHookConfig(), {
    disableRequire: false,
    swarmResource: [],
    acceptEnvvarUnprivileged: true,
    acceptDeviceListAsVolumeMounts: false,
    supportedDriverCapabilities: [
      "compute",
      "compat32",
      "graphics",
      "utility",
      "video",
      "display",
      "ngx",
    ],
    cli: {
      root: undefined,
      path: undefined,
      environment: [],
      debug: undefined,
      ldcache: undefined,
      loadKmods: true,
      noPivot: false,
      noCgroups: false,
      user: undefined,
      ldconfig: undefined,
      alphaMergeVisibleDevicesEnvvars: false,
    },
    // Absent: DEFAULT_CUDA_COMPAT_MODE applies where the mode is used.
    runtime: { mode: "auto", cudaCompatMode: undefined },
    skipModeDetection: false,
    cliVersion: undefined,
    features: {
      ignoreImexChannelRequests: false,
      disableImexChannelCreation: false,
      allowCudaCompatLibsFromContainer: false,
      allowLdconfigFromContainer: false,
    },
  });
});

Deno.test("CUDA_COMPAT_MODES are the four modes; ldconfig is the default", () => {
  assert.deepEqual([...CUDA_COMPAT_MODES], ["ldconfig", "mount", "disabled", "hook"]);
  assert.equal(DEFAULT_CUDA_COMPAT_MODE, "ldconfig");
});

Deno.test("defaultHookConfig() returns a fresh value each call", () => {
  const a = defaultHookConfig();
  (a.supportedDriverCapabilities as string[]).pop();
  (a.cli.environment as string[]).push("X=1");
  (a.swarmResource as string[]).push("X");
  a.runtime.mode = "cdi";
  a.features.ignoreImexChannelRequests = true;
  a.features.allowLdconfigFromContainer = true;
  const b = defaultHookConfig();
  assert.equal(b.supportedDriverCapabilities.length, 7);
  assert.deepEqual(b.cli.environment, []);
  assert.deepEqual(b.swarmResource, []);
  assert.equal(b.runtime.mode, "auto");
  assert.equal(b.features.ignoreImexChannelRequests, false);
  assert.equal(b.features.allowLdconfigFromContainer, false);
});

Deno.test("defaultHookConfig() JSDoc example: load-kmods defaults to true", () => {
  assert.equal(defaultHookConfig().cli.loadKmods, true);
});

Deno.test("DEFAULT_CONFIG_PATHS are the 2020 places, driver container first", () => {
  assert.deepEqual([...DEFAULT_CONFIG_PATHS], [RUN, ETC]);
});

/** The candidates without their origin text: path and whether it must exist. */
function places(flag: string, env: ConfigSearchEnv): [string, boolean][] {
  return configCandidates(flag, env).map((c) => [c.path, c.required]);
}

const BUILT_IN: [string, boolean][] = [[RUN, false], [ETC, false]];
const XDG_FILE = "/home/u/.config/nvidia-container-runtime/config.toml";

Deno.test("configCandidates() makes a non-empty -config the only, required, place", async (t) => {
  const table: [string, ConfigSearchEnv][] = [
    ["/etc/x.toml", {}],
    ["/etc/x.toml", { ctkConfigFilePath: "/ctk.toml" }],
    ["/etc/x.toml", { xdgConfigHome: "/home/u/.config" }],
    ["/etc/x.toml", { prefix: "/tmp/t" }],
    ["/etc/x.toml", { ctkConfigFilePath: "/ctk.toml", xdgConfigHome: "/h", prefix: "/tmp/t" }],
  ];
  for (const [flag, env] of table) {
    await t.step(JSON.stringify(env), () => {
      assert.deepEqual(places(flag, env), [["/etc/x.toml", true]]);
    });
  }
  await t.step("a relative -config is used as given, without the prefix", () => {
    assert.deepEqual(places("rel/x.toml", { prefix: "/tmp/t" }), [["rel/x.toml", true]]);
  });
});

Deno.test("configCandidates() makes a non-empty NVIDIA_CTK_CONFIG_FILE_PATH the only, required, place", async (t) => {
  const table: [ConfigSearchEnv, [string, boolean][]][] = [
    [{ ctkConfigFilePath: "/opt/ctk.toml" }, [["/opt/ctk.toml", true]]],
    [
      { ctkConfigFilePath: "/opt/ctk.toml", xdgConfigHome: "/home/u/.config" },
      [["/opt/ctk.toml", true]],
    ],
    [{ ctkConfigFilePath: "/opt/ctk.toml", prefix: "/tmp/t" }, [["/opt/ctk.toml", true]]],
    [{ ctkConfigFilePath: "ctk.toml" }, [["ctk.toml", true]]],
    [{ ctkConfigFilePath: "" }, BUILT_IN],
    [{ ctkConfigFilePath: "", xdgConfigHome: "/home/u/.config" }, [
      [XDG_FILE, false],
      ...BUILT_IN,
    ]],
    [{ ctkConfigFilePath: undefined }, BUILT_IN],
  ];
  for (const [env, expected] of table) {
    await t.step(JSON.stringify(env), () => {
      assert.deepEqual(places("", env), expected);
    });
  }
});

Deno.test("configCandidates() tries an absolute XDG_CONFIG_HOME before the built-in paths", async (t) => {
  const table: [string | undefined, [string, boolean][]][] = [
    ["/home/u/.config", [[XDG_FILE, false], ...BUILT_IN]],
    ["/home/u/.config/", [[XDG_FILE, false], ...BUILT_IN]],
    ["/home/u/.config///", [[XDG_FILE, false], ...BUILT_IN]],
    ["/", [["/nvidia-container-runtime/config.toml", false], ...BUILT_IN]],
    ["///", [["/nvidia-container-runtime/config.toml", false], ...BUILT_IN]],
    ["", BUILT_IN],
    [undefined, BUILT_IN],
    // A relative value is invalid for the XDG Base Directory specification
    // and ignored: it would name a file relative to the hook's working
    // directory, which is the container's bundle under runc.
    ["home/u/.config", BUILT_IN],
    ["./config", BUILT_IN],
    [".", BUILT_IN],
    ["~/.config", BUILT_IN],
  ];
  for (const [xdgConfigHome, expected] of table) {
    await t.step(JSON.stringify(xdgConfigHome) ?? "unset", () => {
      assert.deepEqual(places("", { xdgConfigHome }), expected);
    });
  }
});

Deno.test("configCandidates() puts the prefix in front of the built-in paths only", async (t) => {
  const prefixed: [string, boolean][] = [
    ["/tmp/t/run/nvidia/driver/etc/nvidia-container-runtime/config.toml", false],
    ["/tmp/t/etc/nvidia-container-runtime/config.toml", false],
  ];
  const table: [string | undefined, [string, boolean][]][] = [
    [undefined, BUILT_IN],
    ["", BUILT_IN],
    ["/", BUILT_IN],
    ["//", BUILT_IN],
    ["/tmp/t", prefixed],
    ["/tmp/t/", prefixed],
    ["/tmp/t///", prefixed],
  ];
  for (const [prefix, expected] of table) {
    await t.step(JSON.stringify(prefix) ?? "unset", () => {
      assert.deepEqual(places("", { prefix }), expected);
    });
  }
  await t.step("not in front of XDG_CONFIG_HOME", () => {
    assert.deepEqual(
      places("", { prefix: "/tmp/t", xdgConfigHome: "/home/u/.config" }),
      [[XDG_FILE, false], ...prefixed],
    );
  });
});

Deno.test("configCandidates() says where each place came from", () => {
  const origin = (flag: string, env: ConfigSearchEnv): string[] =>
    configCandidates(flag, env).map((c: ConfigCandidate) => c.origin);
  const [flag] = origin("/x.toml", {});
  assert.match(flag ?? "", /-config/);
  const [ctk] = origin("", { ctkConfigFilePath: "/x.toml" });
  assert.match(ctk ?? "", /NVIDIA_CTK_CONFIG_FILE_PATH/);
  const [xdg, run, etc] = origin("", { xdgConfigHome: "/h" });
  assert.match(xdg ?? "", /XDG_CONFIG_HOME/);
  assert.ok((run ?? "") !== "" && (etc ?? "") !== "", `${run} ${etc}`);
  assert.notEqual(run, xdg);
});

Deno.test("configCandidates() JSDoc example: the XDG file comes first", () => {
  assert.equal(
    configCandidates("", { xdgConfigHome: "/home/u/.config" })[0]?.path,
    "/home/u/.config/nvidia-container-runtime/config.toml",
  );
});
