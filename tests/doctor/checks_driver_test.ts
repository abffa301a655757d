import assert from "node:assert/strict";
import {
  DRIVER_LIBRARIES,
  driverChecks,
  driverVersion,
  GPU_NODE,
  gpuField,
  MAX_LD_CACHE_BYTES,
  PERSISTENCED_SOCKET,
} from "../../lib/doctor/checks_driver.ts";
import { CONFIG, configFacts, hostOf } from "./_facts.ts";
import { buildLdCache, DRIVER_LIBS } from "./_ld_cache.ts";
import { char, type Spec } from "./_memory_view.ts";

const CACHE = { kind: "file", bytes: buildLdCache(DRIVER_LIBS) } as const;
const LIBS: Record<string, Spec> = {
  "/usr/lib/x86_64-linux-gnu/libcuda.so.1": "",
  "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1": "",
};
const DEVICES: Record<string, Spec> = {
  "/dev/nvidiactl": char(195, 255),
  "/dev/nvidia-uvm": char(508, 0),
  "/dev/nvidia0": char(195, 0),
  "/dev/nvidia1": char(195, 1),
  "/dev/nvidia-modeset": char(195, 254),
};

function row(id: string, tree: Record<string, Spec>, toml?: string) {
  const host = hostOf({ ...tree, ...(toml === undefined ? {} : { [CONFIG]: toml }) });
  const c = driverChecks(host, configFacts(toml, tree).config).find((x) => x.id === id);
  return [c?.status, c?.message, c?.fix];
}

Deno.test("driverVersion() finds the version in the NVRM line", async (t) => {
  const table: [string, string | undefined][] = [
    [
      "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n",
      "550.54.15",
    ],
    [
      "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  570.86.15  Release Build  (dvs-builder@U16)\n",
      "570.86.15",
    ],
    ["NVRM version: NVIDIA UNIX aarch64 Kernel Module  535.104\n", "535.104"],
    [
      "GCC version: gcc 12.2.0\nNVRM version: NVIDIA UNIX Kernel Module  470.239.06  x\n",
      "470.239.06",
    ],
    ["NVRM version: unknown\n", undefined],
    ["GCC version: gcc version 12.2.0\n", undefined],
    ["", undefined],
  ];
  for (const [text, version] of table) {
    await t.step(
      JSON.stringify(text.slice(0, 40)),
      () => assert.equal(driverVersion(text), version),
    );
  }
});

Deno.test("gpuField() reads a field of a GPU's information file", () => {
  const text = "Model: \t\t Tesla T4\nBus Location: \t 0000:00:1e.0\nIRQ: 12\n";
  assert.equal(gpuField(text, "Model"), "Tesla T4");
  assert.equal(gpuField(text, "Bus Location"), "0000:00:1e.0");
  assert.equal(gpuField(text, "UUID"), undefined);
  assert.ok(
    GPU_NODE.test("nvidia12") && !GPU_NODE.test("nvidiactl") && !GPU_NODE.test("nvidia-uvm"),
  );
});

Deno.test("driver.version and driver.gpus", async (t) => {
  await t.step("a version file without a version", () => {
    assert.deepEqual(row("driver.version", { "/proc/driver/nvidia/version": "NVRM x\n" }), [
      "warn",
      '/proc/driver/nvidia/version names no version: "NVRM x"',
      "install the NVIDIA driver and load it (modprobe nvidia); nvidia-smi must list the GPUs",
    ]);
  });
  await t.step("five GPUs, one information file unreadable", () => {
    const tree: Record<string, Spec> = {};
    for (let i = 0; i < 5; i++) {
      tree[`/proc/driver/nvidia/gpus/0000:0${i}:00.0/information`] = `Model: \t GPU ${i}\n`;
    }
    tree["/proc/driver/nvidia/gpus/0000:01:00.0/information"] = {
      kind: "unreadable",
      name: "PermissionDenied",
    };
    assert.deepEqual(row("driver.gpus", tree).slice(0, 2), [
      "ok",
      "5 GPUs: GPU 0 (0000:00:00.0), unknown model (0000:01:00.0), GPU 2 (0000:02:00.0), GPU 3 (0000:03:00.0) and 1 more",
    ]);
  });
  await t.step("an empty gpus directory", () => {
    assert.deepEqual(
      row("driver.gpus", { "/proc/driver/nvidia/gpus": { kind: "dir" } }).slice(0, 2),
      [
        "fail",
        "no GPU under /proc/driver/nvidia/gpus",
      ],
    );
  });
});

Deno.test("driver.devices: missing nodes warn with load-kmods, fail without", async (t) => {
  const fix =
    "load the driver and create the nodes: modprobe nvidia nvidia-uvm && nvidia-modprobe -c0 -u";
  await t.step("all there", () => {
    assert.deepEqual(row("driver.devices", DEVICES), [
      "ok",
      "/dev/nvidiactl, /dev/nvidia-uvm and /dev/nvidia0, /dev/nvidia1 are character devices",
      "",
    ]);
  });
  await t.step("no GPU node, load-kmods = false", () => {
    const tree = { "/dev/nvidiactl": char(195, 255), "/dev/nvidia-uvm": char(508, 0) };
    assert.deepEqual(row("driver.devices", tree, "[nvidia-container-cli]\nload-kmods = false\n"), [
      "fail",
      "missing: /dev/nvidia[0-9]* (nvidia-container-cli.load-kmods = false)",
      fix,
    ]);
  });
  await t.step("nvidiactl a directory and nvidia1 a FIFO", () => {
    const tree: Record<string, Spec> = { ...DEVICES, "/dev/nvidia1": { kind: "fifo" } };
    delete tree["/dev/nvidiactl"];
    tree["/dev/nvidiactl/x"] = "";
    assert.deepEqual(row("driver.devices", tree), [
      "fail",
      "not character devices: /dev/nvidiactl (dir), /dev/nvidia1 (fifo)",
      `remove them, then ${fix}`,
    ]);
  });
});

Deno.test("driver.libraries reads the cache the CLI reads (root, ldcache)", async (t) => {
  await t.step("nvidia-container-cli.root and ldcache", () => {
    const tree: Record<string, Spec> = { "/run/nvidia/driver/etc/ld.so.cache.d/c": CACHE };
    for (const [p, s] of Object.entries(LIBS)) tree[`/run/nvidia/driver${p}`] = s;
    const toml =
      '[nvidia-container-cli]\nroot = "/run/nvidia/driver"\nldcache = "/etc/ld.so.cache.d/c"\n';
    assert.deepEqual(row("driver.libraries", tree, toml), [
      "ok",
      "libnvidia-ml.so.1 => /run/nvidia/driver/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1, libcuda.so.1 => /run/nvidia/driver/usr/lib/x86_64-linux-gnu/libcuda.so.1",
      "",
    ]);
  });
  await t.step("missing under the driver root", () => {
    const toml = '[nvidia-container-cli]\nroot = "/run/nvidia/driver"\n';
    assert.deepEqual(row("driver.libraries", { "/etc/ld.so.cache": CACHE }, toml), [
      "fail",
      "Cannot read the ld cache /run/nvidia/driver/etc/ld.so.cache: no such file or directory",
      "run ldconfig -r /run/nvidia/driver to write it",
    ]);
  });
  await t.step("neither library", () => {
    const tree = { "/etc/ld.so.cache": { kind: "file", bytes: buildLdCache([]) } as Spec };
    assert.deepEqual(row("driver.libraries", tree).slice(0, 2), [
      "fail",
      'libnvidia-ml.so.1 and libcuda.so.1 not in the ld cache /etc/ld.so.cache: the CLI fails with "load library failed: libnvidia-ml.so.1"',
    ]);
  });
  await t.step("a cache over the cap", () => {
    const big = { kind: "file", bytes: new Uint8Array(MAX_LD_CACHE_BYTES + 1) } as Spec;
    assert.deepEqual(row("driver.libraries", { "/etc/ld.so.cache": big }).slice(0, 2), [
      "fail",
      "Cannot read the ld cache /etc/ld.so.cache: larger than 67108864 bytes",
    ]);
  });
  assert.deepEqual([...DRIVER_LIBRARIES], ["libnvidia-ml.so.1", "libcuda.so.1"]);
});

Deno.test("driver.persistenced wants a socket", () => {
  assert.deepEqual(row("driver.persistenced", { [PERSISTENCED_SOCKET]: "a file" }).slice(0, 2), [
    "warn",
    'nvidia-persistenced is not running (/var/run/nvidia-persistenced/socket is not a socket (file)): containers start slowly, and the CLI can fail with "driver rpc error: timed out"',
  ]);
  assert.deepEqual(row("driver.persistenced", { [PERSISTENCED_SOCKET]: { kind: "socket" } }), [
    "ok",
    "nvidia-persistenced listens on /var/run/nvidia-persistenced/socket",
    "",
  ]);
});
