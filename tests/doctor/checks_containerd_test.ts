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

const HOOK = "/usr/bin/nvidia-container-runtime-hook";
const BASE_SPEC = "/etc/containerd/nvidia-base-spec.json";

/** A runtime table with `base_runtime_spec` and, optionally, options. */
function specRuntime(table: string, name: string, spec: string, options = ""): string {
  return `[${table}.${name}]\nruntime_type = "io.containerd.runc.v2"\nbase_runtime_spec = "${spec}"\n` +
    (options === "" ? "" : `[${table}.${name}.options]\n${options}\n`);
}

/** A base spec whose prestart hooks have these paths. */
function specWith(...paths: string[]): string {
  return JSON.stringify({
    ociVersion: "1.0.2-dev",
    hooks: { prestart: paths.map((path) => ({ path, args: ["x", "prestart"] })) },
  });
}

Deno.test("containerd.runtimes: a runtime's base_runtime_spec must run an executable hook", async (t) => {
  const write =
    `ctr oci spec | nvidia-container-runtime-hook print-base-spec > ${BASE_SPEC} (see docs/kubernetes.md), then systemctl restart containerd`;
  const table: [string, Record<string, Spec>, [string, string, string]][] = [
    ["the hook, executable (version 2)", {
      [CONTAINERD_CONFIG]: `version = 2\n${specRuntime(V2, "nvidia", BASE_SPEC)}`,
      [BASE_SPEC]: specWith("/usr/bin/other", HOOK),
      [HOOK]: exe(),
    }, ["ok", `nvidia => ${HOOK} (base_runtime_spec ${BASE_SPEC})`, ""]],
    ["the hook under any runtime name, beside NVIDIA's runtime (version 3)", {
      [CONTAINERD_CONFIG]: `version = 3\n${specRuntime(V3, "gpu", BASE_SPEC)}${
        runtime(V3, "nvidia-legacy", `BinaryName = "${NV}"`)
      }`,
      [BASE_SPEC]: specWith("/opt/nvidia-container-toolkit"),
      "/opt/nvidia-container-toolkit": exe(),
    }, [
      "ok",
      `gpu => /opt/nvidia-container-toolkit (base_runtime_spec ${BASE_SPEC}), nvidia-legacy => ${NV}`,
      "",
    ]],
    ["the hook is missing", {
      [CONTAINERD_CONFIG]: `version = 2\n${specRuntime(V2, "nvidia", BASE_SPEC)}`,
      [BASE_SPEC]: specWith(HOOK),
    }, [
      "fail",
      `runtime "nvidia": base_runtime_spec "${BASE_SPEC}" runs "${HOOK}", which is not an executable file`,
      `install the hook at ${HOOK}, or write the spec again with print-base-spec --path PATH: ${write}`,
    ]],
    ["the spec is missing", {
      [CONTAINERD_CONFIG]: `version = 2\n${specRuntime(V2, "nvidia", BASE_SPEC)}`,
    }, [
      "fail",
      `runtime "nvidia": base_runtime_spec "${BASE_SPEC}": no such file or directory (containerd fails every container of it)`,
      write,
    ]],
    ["the spec is not JSON", {
      [CONTAINERD_CONFIG]: `version = 2\n${specRuntime(V2, "nvidia", BASE_SPEC)}`,
      [BASE_SPEC]: "{",
    }, [
      "fail",
      `runtime "nvidia": base_runtime_spec "${BASE_SPEC}": not JSON (containerd fails every container of it)`,
      write,
    ]],
    ["prestart is not an array", {
      [CONTAINERD_CONFIG]: `version = 2\n${specRuntime(V2, "nvidia", BASE_SPEC)}`,
      [BASE_SPEC]: '{"hooks": {"prestart": {}}}',
    }, [
      "fail",
      `runtime "nvidia": base_runtime_spec "${BASE_SPEC}": "hooks.prestart" is not an array (containerd fails every container of it)`,
      write,
    ]],
    ["the spec has no hook", {
      [CONTAINERD_CONFIG]: `version = 2\n${specRuntime(V2, "nvidia", BASE_SPEC)}`,
      [BASE_SPEC]: specWith("/usr/bin/other"),
    }, [
      "warn",
      `runtime "nvidia": base_runtime_spec "${BASE_SPEC}" has no nvidia-container-runtime-hook in hooks.prestart: its containers get no GPU`,
      write,
    ]],
    ["a relative spec path", {
      [CONTAINERD_CONFIG]: `version = 2\n${specRuntime(V2, "nvidia", "spec.json")}`,
    }, [
      "fail",
      'runtime "nvidia": base_runtime_spec "spec.json": not an absolute path (containerd fails every container of it)',
      write.replace(BASE_SPEC, "spec.json"),
    ]],
    ["NVIDIA's runtime as BinaryName would remove the hook", {
      [CONTAINERD_CONFIG]: `version = 2\n${
        specRuntime(V2, "nvidia", BASE_SPEC, `BinaryName = "${NV}"`)
      }`,
      [BASE_SPEC]: specWith(HOOK),
      [HOOK]: exe(),
    }, [
      "warn",
      `runtime "nvidia" runs NVIDIA's runtime (BinaryName "${NV}"), whose default mode removes the nvidia-container-runtime-hook of base_runtime_spec "${BASE_SPEC}"`,
      `remove options.BinaryName of runtime "nvidia" in ${CONTAINERD_CONFIG} (or use another runtime name for this hook), then systemctl restart containerd`,
    ]],
    ["another runtime's broken base spec is not ours to judge", {
      [CONTAINERD_CONFIG]: `version = 2\n${specRuntime(V2, "kata", "/nope.json")}`,
    }, [
      "ok",
      "no nvidia runtime: containerd runs no NVIDIA runtime (it does not read OCI hooks.d)",
      "",
    ]],
  ];
  for (const [name, tree, expected] of table) {
    await t.step(name, () => {
      const check = containerdChecks(loadContainerdFacts(hostOf({ [NV]: exe(), ...tree })))[1];
      assert.deepEqual([check?.status, check?.message, check?.fix], expected);
    });
  }
});

Deno.test("loadContainerdFacts() takes base_runtime_spec from the file that sets it last", () => {
  const facts = loadContainerdFacts(hostOf({
    [CONTAINERD_CONFIG]: `version = 2\nimports = ["/etc/containerd/conf.d/*.toml"]\n${
      specRuntime(V2, "nvidia", "/old.json")
    }`,
    "/etc/containerd/conf.d/a.toml": `version = 2\n${
      runtime(V2, "nvidia", "SystemdCgroup = true")
    }`,
    "/etc/containerd/conf.d/b.toml": `version = 2\n${specRuntime(V2, "nvidia", BASE_SPEC)}`,
    [BASE_SPEC]: specWith(HOOK),
  }));
  assert.deepEqual(
    facts.runtimes.map((r) => [r.name, r.baseRuntimeSpec, r.baseSpec, r.systemdCgroup]),
    [["nvidia", BASE_SPEC, { hooks: [HOOK], executable: [] }, true]],
  );
});
