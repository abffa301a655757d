import assert from "node:assert/strict";
import { throwsExactly } from "./_assert.ts";
import { hookConfig } from "./_builders.ts";
import { type CliVersion, type CompatSupport, compatSupport } from "../lib/cli_version.ts";
import { type CompatCli, CUDA_COMPAT_KEY, cudaCompatOption } from "../lib/cuda_compat.ts";
import { InputError } from "../lib/errors.ts";
import { type CudaCompatMode, defaultHookConfig, type HookConfig } from "../lib/hook_config.ts";

// SPEC 6.2 [later, CVE-2025-23359]: `--cuda-compat-mode=` for CLIs from
// 1.17.7 (`ldconfig` when the key is absent, `hook` as `disabled`, `""` as
// `disabled` unless the container's compat libraries are allowed, then no
// flag); `--no-cntlibs` for 1.17.4-1.17.6 (passed unless compat libraries are
// allowed); nothing for older CLIs when no mode is configured, and an error
// naming the CLI version needed for a configured mode they cannot honour.

const CLI = "/usr/bin/nvidia-container-cli";

/** A mode as the config holds it: `undefined` is the key left out. */
type Mode = CudaCompatMode | "" | undefined;

function compatConfig(mode: Mode, allow: boolean): HookConfig {
  return hookConfig({}, {
    runtime: { cudaCompatMode: mode },
    features: { allowCudaCompatLibsFromContainer: allow },
  });
}

/** A CLI of `version` (undefined: it did not say), with the support of that version. */
function cliOf(version: CliVersion | undefined, path = CLI): CompatCli {
  return { path, version, support: version === undefined ? "none" : compatSupport(version) };
}

/** The refusal of a configured `mode` by a CLI that needs `needs`. */
function cannotHonour(mode: string, needs: string, has: string, path = CLI): string {
  return `Cannot honour nvidia-container-runtime.modes.legacy.cuda-compat-mode` +
    ` ${JSON.stringify(mode)}: it needs nvidia-container-cli ${needs} or later, and` +
    ` ${JSON.stringify(path)} ${has}`;
}

/** An option, or the error (`needs` version) the mode gets. */
type Outcome = { option: string | undefined } | { needs: "1.17.4" | "1.17.7" };

const none = { option: undefined } as const;
const opt = (option: string): Outcome => ({ option });

/** Every mode, without and with `features.allow-cuda-compat-libs-from-container`. */
const TABLE: Record<CompatSupport, [Mode, boolean, Outcome][]> = {
  "cuda-compat-mode": [
    [undefined, false, opt("--cuda-compat-mode=ldconfig")],
    [undefined, true, opt("--cuda-compat-mode=ldconfig")],
    ["ldconfig", false, opt("--cuda-compat-mode=ldconfig")],
    ["ldconfig", true, opt("--cuda-compat-mode=ldconfig")],
    ["mount", false, opt("--cuda-compat-mode=mount")],
    ["mount", true, opt("--cuda-compat-mode=mount")],
    ["disabled", false, opt("--cuda-compat-mode=disabled")],
    ["disabled", true, opt("--cuda-compat-mode=disabled")],
    // hook: a CDI hook handles the libraries, so the CLI must not.
    ["hook", false, opt("--cuda-compat-mode=disabled")],
    ["hook", true, opt("--cuda-compat-mode=disabled")],
    ["", false, opt("--cuda-compat-mode=disabled")],
    ["", true, none],
  ],
  "no-cntlibs": [
    // Not configured: what toolkit 1.17.4-1.17.6 passed.
    [undefined, false, opt("--no-cntlibs")],
    [undefined, true, none],
    ["ldconfig", false, { needs: "1.17.7" }],
    ["ldconfig", true, { needs: "1.17.7" }],
    // These CLIs mount the compat libraries by themselves.
    ["mount", false, none],
    ["mount", true, none],
    ["disabled", false, opt("--no-cntlibs")],
    ["disabled", true, opt("--no-cntlibs")],
    ["hook", false, opt("--no-cntlibs")],
    ["hook", true, opt("--no-cntlibs")],
    ["", false, opt("--no-cntlibs")],
    ["", true, none],
  ],
  "none": [
    [undefined, false, none],
    [undefined, true, none],
    ["ldconfig", false, { needs: "1.17.7" }],
    ["ldconfig", true, { needs: "1.17.7" }],
    // What these CLIs do anyway.
    ["mount", false, none],
    ["mount", true, none],
    ["disabled", false, { needs: "1.17.4" }],
    ["disabled", true, { needs: "1.17.4" }],
    ["hook", false, { needs: "1.17.4" }],
    ["hook", true, { needs: "1.17.4" }],
    ["", false, { needs: "1.17.4" }],
    ["", true, none],
  ],
};

/** A CLI version of each generation, as the tests use them. */
const VERSIONS: Record<CompatSupport, [CliVersion | undefined, string][]> = {
  "cuda-compat-mode": [
    [{ major: 1, minor: 17, patch: 7 }, "is 1.17.7"],
    [{ major: 2, minor: 0, patch: 0 }, "is 2.0.0"],
  ],
  "no-cntlibs": [
    [{ major: 1, minor: 17, patch: 4 }, "is 1.17.4"],
    [{ major: 1, minor: 17, patch: 6 }, "is 1.17.6"],
  ],
  "none": [
    [{ major: 1, minor: 17, patch: 3 }, "is 1.17.3"],
    [{ major: 1, minor: 17, patch: 0 }, "is 1.17.0"],
    [
      undefined,
      "did not report its version (set nvidia-container-runtime-hook.cli-version)",
    ],
  ],
};

Deno.test("CUDA_COMPAT_KEY is the legacy mode's cuda-compat-mode", () => {
  assert.equal(CUDA_COMPAT_KEY, "nvidia-container-runtime.modes.legacy.cuda-compat-mode");
});

Deno.test("cudaCompatOption() gives each CLI generation the option for each mode", async (t) => {
  for (const support of ["cuda-compat-mode", "no-cntlibs", "none"] as const) {
    for (const [mode, allow, outcome] of TABLE[support]) {
      const name = `${support}: mode ${mode === undefined ? "absent" : JSON.stringify(mode)}` +
        `${allow ? ", compat libs allowed" : ""}`;
      await t.step(name, () => {
        const config = compatConfig(mode, allow);
        for (const [version, has] of VERSIONS[support]) {
          const cli = cliOf(version);
          assert.equal(cli.support, support);
          if ("option" in outcome) {
            assert.equal(cudaCompatOption(config, cli), outcome.option);
          } else {
            throwsExactly(
              () => cudaCompatOption(config, cli),
              cannotHonour(mode ?? "<absent>", outcome.needs, has),
              InputError,
            );
          }
        }
      });
    }
  }
});

Deno.test("cudaCompatOption() names the CLI path as JSON in its error", () => {
  const path = '/opt/my "cli"\\bin';
  throwsExactly(
    () =>
      cudaCompatOption(
        compatConfig("disabled", false),
        cliOf({ major: 1, minor: 17, patch: 0 }, path),
      ),
    cannotHonour("disabled", "1.17.4", "is 1.17.0", path),
    InputError,
  );
});

Deno.test("cudaCompatOption() goes by support, not by the version it is given", () => {
  // main.ts derives support from the version; the option follows support alone.
  const old = { major: 1, minor: 17, patch: 0 };
  const config = defaultHookConfig();
  assert.equal(
    cudaCompatOption(config, { path: CLI, version: old, support: "cuda-compat-mode" }),
    "--cuda-compat-mode=ldconfig",
  );
  assert.equal(
    cudaCompatOption(config, { path: CLI, version: undefined, support: "no-cntlibs" }),
    "--no-cntlibs",
  );
});

Deno.test("cudaCompatOption() reads only the compat settings of the config", () => {
  const busy = hookConfig({ ldconfig: "/sbin/ldconfig", noCgroups: true }, {
    runtime: { mode: "legacy", cudaCompatMode: "mount" },
    features: {
      allowLdconfigFromContainer: true,
      ignoreImexChannelRequests: true,
      disableImexChannelCreation: true,
    },
  });
  assert.equal(
    cudaCompatOption(busy, cliOf({ major: 1, minor: 17, patch: 7 })),
    "--cuda-compat-mode=mount",
  );
});

Deno.test("cudaCompatOption() JSDoc example", () => {
  assert.equal(
    cudaCompatOption(defaultHookConfig(), {
      path: "/usr/bin/nvidia-container-cli",
      version: undefined,
      support: "cuda-compat-mode",
    }),
    "--cuda-compat-mode=ldconfig",
  );
});
