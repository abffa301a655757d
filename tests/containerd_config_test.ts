import assert from "node:assert/strict";
import {
  checkHandlerOptions,
  handlerDropIn,
  type HandlerOptions,
  mergeHandler,
  parseConfigVersion,
} from "../lib/containerd_config.ts";
import { InputError, UsageError } from "../lib/errors.ts";
import { parseToml, TomlDateTime, TomlFloat, type TomlTable } from "../lib/parse_toml.ts";
import { formatToml } from "../lib/_toml_write.ts";

const SPEC = "/etc/containerd/nvidia-base-spec.json";
const OPTIONS: HandlerOptions = {
  baseRuntimeSpec: SPEC,
  runtimeName: "nvidia",
  setAsDefault: false,
};
const V2 = 'plugins."io.containerd.grpc.v1.cri"';
const V3 = 'plugins."io.containerd.cri.v1.runtime"';

/** A value with its TOML type made visible (floats, date kinds, bigints), for deep comparison. */
function typed(v: unknown): unknown {
  if (v instanceof TomlFloat) {
    return { float: Number.isNaN(v.value) ? "nan" : Object.is(v.value, -0) ? "-0" : v.value };
  }
  if (v instanceof TomlDateTime) return { [v.kind]: v.toISOString(), offset: v.offsetMinutes };
  if (typeof v === "bigint") return { bigint: String(v) };
  if (Array.isArray(v)) return v.map(typed);
  if (typeof v === "object" && v !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) out[k] = typed((v as TomlTable)[k]);
    return out;
  }
  return v;
}

const parse = (text: string) => parseToml(text, { floats: "tagged" });

Deno.test("handlerDropIn() for config versions 2 and 3", async (t) => {
  await t.step("version 3 (containerd 2.x)", () => {
    assert.equal(
      handlerDropIn(3, OPTIONS),
      [
        "version = 3",
        "",
        "[plugins]",
        "",
        `  [${V3}]`,
        "",
        `    [${V3}.containerd]`,
        "",
        `      [${V3}.containerd.runtimes]`,
        "",
        `        [${V3}.containerd.runtimes.nvidia]`,
        '          runtime_type = "io.containerd.runc.v2"',
        `          base_runtime_spec = "${SPEC}"`,
        "",
      ].join("\n"),
    );
  });
  await t.step("version 2 (containerd 1.6, 1.7), as the default, another name", () => {
    const doc = parse(handlerDropIn(2, { ...OPTIONS, runtimeName: "gpu", setAsDefault: true }));
    assert.deepEqual(typed(doc), {
      version: 2,
      plugins: {
        "io.containerd.grpc.v1.cri": {
          containerd: {
            default_runtime_name: "gpu",
            runtimes: {
              gpu: { runtime_type: "io.containerd.runc.v2", base_runtime_spec: SPEC },
            },
          },
        },
      },
    });
  });
});

/** A config with a value of every TOML type and settings a node has. */
const NODE_V2 = `# the node's config
version = 2
root = "/var/lib/containerd"
oom_score = -999
imports = ["/etc/containerd/conf.d/*.toml"]
big = 9223372036854775807
when = 1979-05-27T00:32:00.999-07:00
day = 1979-05-27
at = 07:32:00
local = 1979-05-27T07:32:00
quoted = "tab\\there \\"q\\" \\u00e9 \\u0001"
literal = 'C:\\path'
multi = """
two
lines"""
mixed = [1, 2.5, "s", [true, false], { a = 1 }]
empty_array = []
inline = { x = 1, y = { z = "w" } }
"dotted.key" = 1
weird-key_1 = 2

[grpc]
  address = "/run/containerd/containerd.sock"
  max_recv_message_size = 16777216

[plugins]
  [plugins."io.containerd.gc.v1.scheduler"]
    pause_threshold = 0.02
    deletion_threshold = 0
    one = 1.0
    neg_zero = -0.0
    exp = 1e3
    inf = inf
    ninf = -inf
    nan = nan
  [${V2}]
    sandbox_image = "registry.k8s.io/pause:3.6"
    restrict_oom_score_adj = true
    [${V2}.containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [${V2}.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        base_runtime_spec = "/etc/containerd/runc-spec.json"
        pod_annotations = ["a"]
        [${V2}.containerd.runtimes.runc.options]
          SystemdCgroup = true
          BinaryName = "/usr/local/sbin/runc"
      [${V2}.containerd.runtimes.kata]
        runtime_type = "io.containerd.kata.v2"
    [${V2}.registry.mirrors."docker.io"]
      endpoint = ["https://mirror.example"]

[[plugins."io.containerd.x".rules]]
  name = "first"
  [plugins."io.containerd.x".rules.sub]
    k = 1
[[plugins."io.containerd.x".rules]]
  name = "second"
`;

Deno.test("formatToml() round-trips every TOML type", () => {
  const doc = parse(NODE_V2);
  const text = formatToml(doc);
  assert.deepEqual(typed(parse(text)), typed(doc));
  assert.equal(formatToml(parse(text)), text);
  // Floats stay floats, also where their value is integral.
  assert.match(text, /\n {4}one = 1\.0\n {4}neg_zero = -0\.0\n {4}exp = 1000\.0\n {4}inf = inf\n/);
  assert.match(text, /\nwhen = 1979-05-27T00:32:00\.999-07:00\nday = 1979-05-27\nat = 07:32:00\n/);
  assert.match(text, /\nbig = 9223372036854775807\n/);
  assert.match(text, /\n"dotted\.key" = 1\nweird-key_1 = 2\n/);
  assert.match(text, /\nquoted = "tab\\there \\"q\\" \u00e9 \\u0001"\n/);
});

Deno.test("formatToml() writes control characters escaped and refuses null", () => {
  assert.equal(formatToml({ "a\nb": "x\x7fy\rz" }), '"a\\nb" = "x\\u007Fy\\rz"\n');
  assert.equal(formatToml({}), "");
  assert.throws(
    () => formatToml({ t: { a: [null] } }),
    (e) => e instanceof InputError && e.message === 'Cannot write TOML: "t.a[0]" holds null',
  );
});

Deno.test("mergeHandler() adds the handler and keeps every other setting", async (t) => {
  const before = parse(NODE_V2);
  await t.step("version 2: the handler copies runc's options, not its base spec", () => {
    const after = parse(mergeHandler(NODE_V2, "config.toml", undefined, OPTIONS));
    const cri = (after.plugins as TomlTable)["io.containerd.grpc.v1.cri"] as TomlTable;
    const runtimes = (cri.containerd as TomlTable).runtimes as TomlTable;
    assert.deepEqual(typed(runtimes.nvidia), {
      runtime_type: "io.containerd.runc.v2",
      base_runtime_spec: SPEC,
      pod_annotations: ["a"],
      options: { SystemdCgroup: true, BinaryName: "/usr/local/sbin/runc" },
    });
    // Everything else is as it was.
    delete runtimes.nvidia;
    assert.deepEqual(typed(after), typed(before));
  });
  await t.step("--set-as-default sets default_runtime_name, the rest kept", () => {
    const after = parse(
      mergeHandler(NODE_V2, "config.toml", 2, { ...OPTIONS, setAsDefault: true }),
    );
    const cri = (after.plugins as TomlTable)["io.containerd.grpc.v1.cri"] as TomlTable;
    const containerd = cri.containerd as TomlTable;
    assert.equal(containerd.default_runtime_name, "nvidia");
    containerd.default_runtime_name = "runc";
    delete (containerd.runtimes as TomlTable).nvidia;
    assert.deepEqual(typed(after), typed(before));
  });
  await t.step(
    "merging again replaces the handler (an NVIDIA runtime's BinaryName dropped)",
    () => {
      const nvidia = NODE_V2.replace(
        `[${V2}.containerd.runtimes.kata]`,
        `[${V2}.containerd.runtimes.nvidia]\n runtime_type = "io.containerd.runc.v2"\n` +
          ` [${V2}.containerd.runtimes.nvidia.options]\n BinaryName = "/usr/bin/nvidia-container-runtime"\n` +
          `[${V2}.containerd.runtimes.kata]`,
      ).replace('default_runtime_name = "runc"', 'default_runtime_name = "nvidia"');
      const after = parse(
        mergeHandler(nvidia, "config.toml", undefined, { ...OPTIONS, runtimeName: "gpu" }),
      );
      const cri = (after.plugins as TomlTable)["io.containerd.grpc.v1.cri"] as TomlTable;
      const runtimes = (cri.containerd as TomlTable).runtimes as TomlTable;
      // The default runtime is NVIDIA's: its options are copied without its BinaryName.
      assert.deepEqual(typed(runtimes.gpu), {
        runtime_type: "io.containerd.runc.v2",
        base_runtime_spec: SPEC,
        options: {},
      });
      const again = parse(mergeHandler(nvidia, "config.toml", undefined, OPTIONS));
      const r2 = ((again.plugins as TomlTable)["io.containerd.grpc.v1.cri"] as TomlTable)
        .containerd as TomlTable;
      // The default is the handler itself: it starts empty.
      assert.deepEqual(typed((r2.runtimes as TomlTable).nvidia), {
        runtime_type: "io.containerd.runc.v2",
        base_runtime_spec: SPEC,
      });
    },
  );
  await t.step("a default runtime that is not runc is not copied", () => {
    const kata = NODE_V2.replace('default_runtime_name = "runc"', 'default_runtime_name = "kata"');
    const after = parse(mergeHandler(kata, "config.toml", undefined, OPTIONS));
    const cri = (after.plugins as TomlTable)["io.containerd.grpc.v1.cri"] as TomlTable;
    assert.deepEqual(typed(((cri.containerd as TomlTable).runtimes as TomlTable).nvidia), {
      runtime_type: "io.containerd.runc.v2",
      base_runtime_spec: SPEC,
    });
  });
  await t.step("version 3: the runtime plugin's table, created where absent", () => {
    const text =
      'version = 3\n[plugins."io.containerd.cri.v1.images"]\n  snapshotter = "overlayfs"\n';
    assert.deepEqual(typed(parse(mergeHandler(text, "config.toml", 3, OPTIONS))), {
      version: 3,
      plugins: {
        "io.containerd.cri.v1.images": { snapshotter: "overlayfs" },
        "io.containerd.cri.v1.runtime": {
          containerd: {
            runtimes: {
              nvidia: { runtime_type: "io.containerd.runc.v2", base_runtime_spec: SPEC },
            },
          },
        },
      },
    });
  });
});

Deno.test("mergeHandler() refuses what it cannot merge into, naming the file", async (t) => {
  const table: [string, string, 2 | 3 | undefined, string][] = [
    [
      "a syntax error",
      "version = 2\nx = [\n",
      undefined,
      "Cannot parse /etc/c.toml: line 3, column 1: ",
    ],
    [
      "no version",
      'root = "/x"\n',
      undefined,
      "Cannot merge into /etc/c.toml: it has no version (version 1); only config versions 2 (containerd 1.6, 1.7) and 3 (containerd 2.x) are supported",
    ],
    [
      "version 1",
      "version = 1\n",
      undefined,
      "Cannot merge into /etc/c.toml: it has version 1; only config versions 2 (containerd 1.6, 1.7) and 3 (containerd 2.x) are supported",
    ],
    [
      "a string version",
      'version = "2"\n',
      undefined,
      'Cannot merge into /etc/c.toml: it has version "2"; only config versions 2 (containerd 1.6, 1.7) and 3 (containerd 2.x) are supported',
    ],
    [
      "another version than asked",
      "version = 2\n",
      3,
      "Cannot merge into /etc/c.toml: it has version 2, but --config-version is 3",
    ],
    [
      "plugins not a table",
      "version = 2\nplugins = 1\n",
      undefined,
      "Cannot merge into /etc/c.toml: plugins must be a table",
    ],
    [
      "the CRI plugin not a table",
      `version = 2\n[plugins]\n"io.containerd.grpc.v1.cri" = []\n`,
      undefined,
      'Cannot merge into /etc/c.toml: plugins."io.containerd.grpc.v1.cri" must be a table',
    ],
    [
      "runtimes not a table",
      `version = 2\n[${V2}.containerd]\nruntimes = "x"\n`,
      undefined,
      `Cannot merge into /etc/c.toml: ${V2}.containerd.runtimes must be a table`,
    ],
  ];
  for (const [name, text, version, message] of table) {
    await t.step(name, () => {
      assert.throws(() => mergeHandler(text, "/etc/c.toml", version, OPTIONS), (e) => {
        assert.ok(e instanceof InputError);
        if (message.endsWith(": ")) assert.ok(e.message.startsWith(message), e.message);
        else assert.equal(e.message, message);
        return true;
      });
    });
  }
});

Deno.test("checkHandlerOptions() and parseConfigVersion() refuse bad flags", async (t) => {
  const table: [string, Partial<HandlerOptions>, string][] = [
    [
      "a relative spec",
      { baseRuntimeSpec: "spec.json" },
      '--base-runtime-spec must be an absolute path, got "spec.json"',
    ],
    [
      "a control character",
      { baseRuntimeSpec: "/a\nb" },
      '--base-runtime-spec must not contain control characters, got "/a\\nb"',
    ],
    [
      "an upper-case name",
      { runtimeName: "NVIDIA" },
      '--runtime-name must be a lowercase DNS label (a-z, 0-9, -; at most 63), got "NVIDIA"',
    ],
    [
      "a dotted name",
      { runtimeName: "a.b" },
      '--runtime-name must be a lowercase DNS label (a-z, 0-9, -; at most 63), got "a.b"',
    ],
    [
      "an empty name",
      { runtimeName: "" },
      '--runtime-name must be a lowercase DNS label (a-z, 0-9, -; at most 63), got ""',
    ],
    [
      "a name of 64",
      { runtimeName: "a".repeat(64) },
      `--runtime-name must be a lowercase DNS label (a-z, 0-9, -; at most 63), got "${
        "a".repeat(64)
      }"`,
    ],
  ];
  for (const [name, o, message] of table) {
    await t.step(name, () => {
      assert.throws(
        () => checkHandlerOptions({ ...OPTIONS, ...o }),
        (e) => e instanceof UsageError && e.message === message,
      );
    });
  }
  await t.step("good names", () => {
    for (const runtimeName of ["nvidia", "a", "nvidia-mounts", "x1", "a".repeat(63)]) {
      checkHandlerOptions({ ...OPTIONS, runtimeName });
    }
  });
  await t.step("--config-version", () => {
    assert.equal(parseConfigVersion("2"), 2);
    assert.equal(parseConfigVersion("3"), 3);
    for (const bad of ["1", "4", "", "2.0", " 3"]) {
      assert.throws(
        () => parseConfigVersion(bad),
        (e) =>
          e instanceof UsageError &&
          e.message === `--config-version must be 2 or 3, got ${JSON.stringify(bad)}`,
      );
    }
  });
});
