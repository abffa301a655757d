import assert from "node:assert/strict";
import { configSearchPaths, DEFAULT_CONFIG_PATHS, defaultHookConfig } from "../lib/hook_config.ts";

Deno.test("defaultHookConfig() has the SPEC default of every 2020 key", () => {
  assert.deepEqual(defaultHookConfig(), {
    disableRequire: false,
    swarmResource: undefined,
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
  });
});

Deno.test("DEFAULT_CONFIG_PATHS are the 2020 places, driver container first", () => {
  assert.deepEqual([...DEFAULT_CONFIG_PATHS], [
    "/run/nvidia/driver/etc/nvidia-container-runtime/config.toml",
    "/etc/nvidia-container-runtime/config.toml",
  ]);
});

Deno.test("configSearchPaths() puts the prefix in front of the default paths", async (t) => {
  const table: [string, string[]][] = [
    ["", [
      "/run/nvidia/driver/etc/nvidia-container-runtime/config.toml",
      "/etc/nvidia-container-runtime/config.toml",
    ]],
    ["/", [
      "/run/nvidia/driver/etc/nvidia-container-runtime/config.toml",
      "/etc/nvidia-container-runtime/config.toml",
    ]],
    ["/tmp/t", [
      "/tmp/t/run/nvidia/driver/etc/nvidia-container-runtime/config.toml",
      "/tmp/t/etc/nvidia-container-runtime/config.toml",
    ]],
    ["/tmp/t/", [
      "/tmp/t/run/nvidia/driver/etc/nvidia-container-runtime/config.toml",
      "/tmp/t/etc/nvidia-container-runtime/config.toml",
    ]],
    ["/tmp/t///", [
      "/tmp/t/run/nvidia/driver/etc/nvidia-container-runtime/config.toml",
      "/tmp/t/etc/nvidia-container-runtime/config.toml",
    ]],
    ["//", [
      "/run/nvidia/driver/etc/nvidia-container-runtime/config.toml",
      "/etc/nvidia-container-runtime/config.toml",
    ]],
  ];
  for (const [prefix, expected] of table) {
    await t.step(JSON.stringify(prefix), () => {
      assert.deepEqual(configSearchPaths(prefix), expected);
    });
  }
});
