/**
 * lib/divergences.ts: each row's condition, met and not met, over raw
 * inputs (the differential suite applies them to real runs of both hooks).
 */

import assert from "node:assert/strict";
import {
  divergence,
  DIVERGENCE_IDS,
  type DivergenceCase,
  matchDivergences,
} from "../lib/divergences.ts";

const STATE = '{"pid": 4242, "bundle": "/b"}';

function spec(env: string[], more: Record<string, unknown> = {}): string {
  return JSON.stringify({
    ociVersion: "1.0.2",
    process: { env },
    root: { path: "rootfs" },
    ...more,
  });
}

function c(fields: Partial<DivergenceCase>): DivergenceCase {
  return { args: [], state: STATE, spec: spec([]), config: undefined, ...fields };
}

const PLAIN = c({ spec: spec(["NVIDIA_VISIBLE_DEVICES=0"]) });

Deno.test("matchDivergences() meets no row for a plain GPU container", () => {
  assert.deepEqual(matchDivergences(PLAIN), []);
});

Deno.test("matchDivergences() meets each row under its condition", async (t) => {
  const cases: [string, DivergenceCase][] = [
    ["malformed-state", c({ state: "null" })],
    ["malformed-state", c({ state: STATE + " x" })],
    ["malformed-state", c({ state: '{"pid": 0, "bundle": "/b"}' })],
    ["malformed-state", c({ state: '{"pid": 1}' })],
    ["malformed-spec", c({ spec: spec([]) + "{}" })],
    ["malformed-spec", c({ spec: JSON.stringify({ ociVersion: "1.0.2", process: {} }) })],
    [
      "malformed-spec",
      c({
        spec: JSON.stringify({ ociVersion: "1.0.2", process: { Env: [] }, root: { path: "r" } }),
      }),
    ],
    [
      "malformed-spec",
      c({ spec: JSON.stringify({ ociVersion: "1.0.2", process: {}, root: { path: "" } }) }),
    ],
    [
      "too-many-requirements",
      c({ spec: spec(Array.from({ length: 33 }, (_, i) => `NVIDIA_REQUIRE_${i}=a`)) }),
    ],
    ["cuda-version-whitespace", c({ spec: spec(["CUDA_VERSION= 9.0"]) })],
    ["toml-beyond-go-toml", c({ config: "x = [[1], [2]]\n" })],
    ["toml-beyond-go-toml", c({ config: 'x = [1, "a"]\n' })],
    ["imex-list-cleaned", c({ spec: spec(["NVIDIA_IMEX_CHANNELS= 1"]) })],
    ["imex-list-cleaned", c({ spec: spec(["NVIDIA_IMEX_CHANNELS=1,1"]) })],
    [
      "imex-all-mount",
      c({
        spec: spec([], {
          mounts: [{
            source: "/dev/null",
            destination: "/var/run/nvidia-container-devices/imex/all",
          }],
        }),
      }),
    ],
    ["empty-requirement", c({ spec: spec(["NVIDIA_REQUIRE_A="]) })],
    ["requirement-order", c({ spec: spec(["NVIDIA_REQUIRE_A=a", "NVIDIA_REQUIRE_B=b"]) })],
    [
      "device-mount-segments",
      c({
        spec: spec([], {
          mounts: [{ source: "/dev/null", destination: "/var/run/nvidia-container-devicesX/9" }],
        }),
      }),
    ],
    ["relative-root-path", c({ cwdIsBundle: false })],
    ["cli-root-slash", c({ config: '[nvidia-container-cli]\nroot = "/"\n' })],
    ["empty-ldconfig", c({ config: '[nvidia-container-cli]\nldconfig = ""\n' })],
    [
      "alpha-merge",
      c({ config: "[nvidia-container-cli]\nalpha-merge-visible-devices-envvars = true\n" }),
    ],
    ["environment-replaces", c({ config: '[nvidia-container-cli]\nenvironment = ["A=1"]\n' })],
    [
      "cuda-compat-adapts",
      c({ config: '[nvidia-container-runtime-hook]\ncli-version = "1.17.0"\n' }),
    ],
    [
      "cuda-compat-unknown",
      c({ config: '[nvidia-container-runtime.modes.legacy]\ncuda-compat-mode = "foo"\n' }),
    ],
    ["duplicate-devices", c({ spec: spec(["NVIDIA_VISIBLE_DEVICES=0, 0"]) })],
    [
      "duplicate-devices",
      c({
        spec: spec(["A=0", "B=0"]),
        config: 'swarm-resource = "A,B"\n',
      }),
    ],
    ["imex-channel-checked", c({ spec: spec(["NVIDIA_IMEX_CHANNELS=x"]) })],
    ["imex-channel-checked", c({ spec: spec(["NVIDIA_IMEX_CHANNELS=1048576"]) })],
    [
      "rootfs-host-root",
      c({ spec: JSON.stringify({ ociVersion: "1.0.2", process: {}, root: { path: "/.." } }) }),
    ],
    ["environment-entries-checked", c({ config: '[nvidia-container-cli]\nenvironment = ["A"]\n' })],
    ["own-keys-checked", c({ config: '[nvidia-container-runtime-hook]\nlog-file = "/tmp/x"\n' })],
    ["supported-all-in-list", c({ config: 'supported-driver-capabilities = "utility,all"\n' })],
  ];
  for (const [id, input] of cases) {
    await t.step(`${id}: ${JSON.stringify(input).slice(0, 90)}`, () => {
      assert.ok(
        matchDivergences(input).includes(id as never),
        JSON.stringify(matchDivergences(input)),
      );
    });
  }
  await t.step("every row has a case above", () => {
    const covered = new Set(cases.map(([id]) => id));
    assert.deepEqual(DIVERGENCE_IDS.filter((id) => !covered.has(id)), []);
  });
});

Deno.test("matchDivergences() does not meet rows on their near misses", async (t) => {
  const cases: [string, DivergenceCase][] = [
    ["malformed-state", c({ state: '{"pid": 1, "bundle": "/b", "id": "x"}' })],
    ["malformed-state", c({ state: undefined })],
    ["cuda-version-whitespace", c({ spec: spec(["CUDA_VERSION=9.0"]) })],
    ["imex-list-cleaned", c({ spec: spec(["NVIDIA_IMEX_CHANNELS=1,2"]) })],
    ["imex-channel-checked", c({ spec: spec(["NVIDIA_IMEX_CHANNELS=all"]) })],
    ["imex-channel-checked", c({ spec: spec(["NVIDIA_IMEX_CHANNELS=1048575"]) })],
    ["duplicate-devices", c({ spec: spec(["NVIDIA_VISIBLE_DEVICES=0,1"]) })],
    ["empty-requirement", c({ spec: spec(["NVIDIA_REQUIRE_A=a"]) })],
    ["requirement-order", c({ spec: spec(["NVIDIA_REQUIRE_A=a"]) })],
    [
      "device-mount-segments",
      c({
        spec: spec([], {
          mounts: [{ source: "/dev/null", destination: "/var/run/nvidia-container-devices/9" }],
        }),
      }),
    ],
    ["relative-root-path", c({ cwdIsBundle: true })],
    ["cli-root-slash", c({ config: '[nvidia-container-cli]\nroot = "/run/nvidia/driver"\n' })],
    ["empty-ldconfig", c({ config: '[nvidia-container-cli]\nldconfig = "@/sbin/ldconfig"\n' })],
    [
      "environment-entries-checked",
      c({ config: '[nvidia-container-cli]\nenvironment = ["A=1"]\n' }),
    ],
    ["supported-all-in-list", c({ config: 'supported-driver-capabilities = "all"\n' })],
    [
      "cuda-compat-unknown",
      c({ config: '[nvidia-container-runtime.modes.legacy]\ncuda-compat-mode = "mount"\n' }),
    ],
    [
      "rootfs-host-root",
      c({ spec: JSON.stringify({ ociVersion: "1.0.2", process: {}, root: { path: "/x" } }) }),
    ],
  ];
  for (const [id, input] of cases) {
    await t.step(`${id}: ${JSON.stringify(input).slice(0, 90)}`, () => {
      assert.ok(!matchDivergences(input).includes(id as never));
    });
  }
});

Deno.test("matchDivergences() reads config keys as the hook does (capitals too)", () => {
  assert.ok(
    matchDivergences(c({ config: '[NVIDIA-CONTAINER-CLI]\nROOT = "/"\n' })).includes(
      "cli-root-slash",
    ),
  );
  assert.ok(
    !matchDivergences(c({ config: '[Nvidia-Container-Cli]\nroot = "/"\n' })).includes(
      "cli-root-slash",
    ),
  );
});

Deno.test("matchDivergences() never throws on malformed inputs", () => {
  for (const text of ["", "null", "[]", "{", '{"process": 5}', '{"root": []}', "\u0000"]) {
    matchDivergences(c({ state: text, spec: text, config: text }));
  }
});

Deno.test("divergence() JSDoc example", () => {
  assert.equal(divergence("duplicate-devices").spec, "5.5");
  assert.deepEqual(
    matchDivergences({
      args: [],
      state: '{"pid": 1, "bundle": "/b"}',
      spec:
        '{"ociVersion": "1.0.2", "process": {"env": ["NVIDIA_VISIBLE_DEVICES=0,0"]}, "root": {"path": "r"}}',
      config: undefined,
    }),
    ["duplicate-devices"],
  );
});
