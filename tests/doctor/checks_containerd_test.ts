import assert from "node:assert/strict";
import {
  CONTAINERD_CONFIG,
  containerdChecks,
  isNvidiaRuntime,
  loadContainerdFacts,
} from "../../lib/doctor/checks_containerd.ts";
import { hostOf } from "./_facts.ts";
import { exe, type Spec } from "./_memory_view.ts";

const V2 = 'plugins."io.containerd.grpc.v1.cri".containerd.runtimes';
const V3 = 'plugins."io.containerd.cri.v1.runtime".containerd.runtimes';
const NV = "/usr/bin/nvidia-container-runtime";

function runtime(table: string, name: string, options: string): string {
  return `[${table}.${name}]\nruntime_type = "io.containerd.runc.v2"\n[${table}.${name}.options]\n${options}\n`;
}

function rows(tree: Record<string, Spec>) {
  return containerdChecks(loadContainerdFacts(hostOf({ [NV]: exe(), ...tree }))).map((c) => [
    c.status,
    c.message,
  ]);
}

Deno.test("containerd is skipped when not installed; a missing config is its defaults", () => {
  const skipped =
    "skipped: containerd is not installed (no /etc/containerd, containerd binary or process)";
  assert.deepEqual(rows({}), [["ok", skipped], ["ok", skipped]]);
  assert.deepEqual(rows({ "/usr/bin/containerd": exe() }), [
    ["ok", `no ${CONTAINERD_CONFIG}: containerd's defaults`],
    ["ok", `skipped: no ${CONTAINERD_CONFIG}`],
  ]);
  assert.deepEqual(rows({ "/proc/3/comm": "containerd\n" })[0], [
    "ok",
    `no ${CONTAINERD_CONFIG}: containerd's defaults`,
  ]);
});

Deno.test("loadContainerdFacts() finds the runtimes of config versions 1, 2 and 3", async (t) => {
  const table: [string, string][] = [
    ["version 1", runtime("plugins.cri.containerd.runtimes", "nvidia", `BinaryName = "${NV}"`)],
    ["version 2", `version = 2\n${runtime(V2, "nvidia", `BinaryName = "${NV}"`)}`],
    ["version 3", `version = 3\n${runtime(V3, "nvidia", `BinaryName = "${NV}"`)}`],
    ["dotted keys", `version = 2\n[${V2}.gpu.options]\nBinaryName = "nvidia-container-runtime"\n`],
  ];
  for (const [name, toml] of table) {
    await t.step(name, () => {
      const r = rows({ [CONTAINERD_CONFIG]: toml });
      assert.equal(r[0]?.[0], "ok");
      assert.match(r[1]?.[1] as string, /^(nvidia|gpu) => \/usr\/bin\/nvidia-container-runtime$/);
    });
  }
});

Deno.test("containerd imports: relative, globbed, nested, each file once", async (t) => {
  await t.step("a relative glob, a nested import and a cycle", () => {
    const r = rows({
      [CONTAINERD_CONFIG]: 'version = 2\nimports = ["conf.d/[0-9]?-*.toml"]\n',
      "/etc/containerd/conf.d/10-a.toml":
        'version = 2\nimports = ["/etc/containerd/more.toml", "/etc/containerd/config.toml"]\n',
      "/etc/containerd/conf.d/1-skipped.toml": "not = [toml",
      "/etc/containerd/conf.d/20-b.txt": "not = [toml",
      "/etc/containerd/more.toml": `version = 2\n${runtime(V2, "nvidia", `BinaryName = "${NV}"`)}`,
    });
    assert.deepEqual(r, [
      ["ok", `${CONTAINERD_CONFIG} and 2 imported files parse`],
      ["ok", `nvidia => ${NV}`],
    ]);
  });
  await t.step("a later file overrides the runtime", () => {
    const r = rows({
      [CONTAINERD_CONFIG]: `version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n${
        runtime(V2, "nvidia", 'BinaryName = "/opt/old"')
      }`,
      "/etc/containerd/conf.d/a.toml": `version = 2\n${
        runtime(V2, "nvidia", `BinaryName = "${NV}"`)
      }`,
    });
    assert.deepEqual(r[1], ["ok", `nvidia => ${NV}`]);
  });
  await t.step("a missing explicit import fails", () => {
    const r = rows({ [CONTAINERD_CONFIG]: 'imports = ["/etc/containerd/nope.toml"]\n' });
    assert.deepEqual(r, [
      ["fail", "Cannot read /etc/containerd/nope.toml: no such file or directory"],
      ["ok", "skipped: the config does not load (see containerd.config)"],
    ]);
  });
  await t.step("a glob matching nothing, a malformed glob", () => {
    assert.equal(
      rows({ [CONTAINERD_CONFIG]: 'imports = ["/nope/*.toml", "/etc/*[.toml"]\n' })[0]?.[0],
      "ok",
    );
  });
  await t.step("imports of the wrong type", () => {
    assert.deepEqual(rows({ [CONTAINERD_CONFIG]: "imports = [1]\n" })[0], [
      "fail",
      `Cannot load ${CONTAINERD_CONFIG}: "imports" must be an array of strings`,
    ]);
  });
  await t.step("more than 64 files", () => {
    const tree: Record<string, Spec> = {
      [CONTAINERD_CONFIG]: 'imports = ["/etc/containerd/conf.d/*.toml"]\n',
    };
    for (let i = 0; i < 70; i++) {
      tree[`/etc/containerd/conf.d/${String(i).padStart(2, "0")}.toml`] = "";
    }
    assert.deepEqual(rows(tree)[0], [
      "fail",
      "Cannot load /etc/containerd/conf.d/63.toml: more than 64 config files",
    ]);
  });
  await t.step("a file over 1 MiB", () => {
    assert.deepEqual(rows({ [CONTAINERD_CONFIG]: "#".repeat(1024 * 1024 + 1) })[0], [
      "fail",
      `Cannot read ${CONTAINERD_CONFIG}: larger than 1048576 bytes`,
    ]);
  });
});

Deno.test("containerd.runtimes: an nvidia runtime needs an existing BinaryName", async (t) => {
  const table: [string, string, [string, string]][] = [
    ["no nvidia runtime", runtime(V2, "runc", "SystemdCgroup = true"), [
      "ok",
      "no nvidia runtime: containerd runs no NVIDIA runtime (it does not read OCI hooks.d)",
    ]],
    ["no BinaryName", runtime(V2, "nvidia", "SystemdCgroup = true"), [
      "warn",
      'runtime "nvidia" has no options.BinaryName: containerd runs runc for it, not the NVIDIA runtime',
    ]],
    ["a missing BinaryName", runtime(V2, "nvidia", 'BinaryName = "/opt/nope"'), [
      "fail",
      'runtime "nvidia": BinaryName "/opt/nope" is not an executable file',
    ]],
    ["a relative BinaryName", runtime(V2, "nvidia", 'BinaryName = "bin/rt"'), [
      "fail",
      'runtime "nvidia": BinaryName "bin/rt" is not an executable file',
    ]],
    ["BinaryName not a string", runtime(V2, "nvidia", "BinaryName = 1"), [
      "warn",
      'runtime "nvidia" has no options.BinaryName: containerd runs runc for it, not the NVIDIA runtime',
    ]],
    ["a runtime named otherwise", runtime(V2, "gpu", `BinaryName = "${NV}.cdi"`), [
      "fail",
      `runtime "gpu": BinaryName "${NV}.cdi" is not an executable file`,
    ]],
  ];
  for (const [name, toml, expected] of table) {
    await t.step(name, () => assert.deepEqual(rows({ [CONTAINERD_CONFIG]: toml })[1], expected));
  }
});

Deno.test("isNvidiaRuntime() goes by the name or the BinaryName", () => {
  assert.equal(isNvidiaRuntime({ name: "NVIDIA-gpu", binaryName: undefined }), true);
  assert.equal(
    isNvidiaRuntime({ name: "x", binaryName: "/usr/bin/nvidia-container-runtime.cdi" }),
    true,
  );
  assert.equal(isNvidiaRuntime({ name: "runc", binaryName: "/usr/bin/runc" }), false);
});

Deno.test("loadContainerdFacts() keeps SystemdCgroup for the cgroups check", () => {
  const facts = loadContainerdFacts(
    hostOf({ [CONTAINERD_CONFIG]: runtime(V2, "runc", "SystemdCgroup = true") }),
  );
  assert.deepEqual(facts.runtimes.map((r) => [r.name, r.systemdCgroup]), [["runc", true]]);
});
