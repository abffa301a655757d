import assert from "node:assert/strict";
import { throwsExactly } from "./_assert.ts";
import { MAX_SPEC_BYTES, parseSpec } from "../lib/parse_spec.ts";

const BUNDLE = "/run/bundles/abc";
const FILE = BUNDLE + "/config.json";
const WHERE = `Cannot parse ${FILE}: `;

function spec(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    ociVersion: "1.0.2",
    process: { env: ["PATH=/usr/bin"] },
    root: { path: "rootfs" },
    ...overrides,
  });
}

Deno.test("parseSpec() limit is 64 MiB", () => {
  assert.equal(MAX_SPEC_BYTES, 67108864);
});

Deno.test("parseSpec() reads a runc config.json", () => {
  const text = JSON.stringify({
    ociVersion: "1.0.2-dev",
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ["nvidia-smi"],
      env: ["PATH=/usr/bin", "NVIDIA_VISIBLE_DEVICES=all", "PATH=/bin"],
      cwd: "/",
      capabilities: {
        bounding: ["CAP_CHOWN", "CAP_SYS_ADMIN"],
        effective: ["CAP_CHOWN"],
        permitted: ["CAP_CHOWN"],
      },
    },
    root: { path: "rootfs", readonly: true },
    hostname: "x",
    mounts: [{ destination: "/proc", type: "proc", source: "proc" }],
    linux: { namespaces: [{ type: "pid" }] },
  });
  const got = parseSpec(text, FILE, BUNDLE);
  assert.equal(got.ociVersion, "1.0.2-dev");
  assert.deepEqual([...got.env], [["PATH", "/bin"], ["NVIDIA_VISIBLE_DEVICES", "all"]]);
  assert.equal(got.privileged, true);
  assert.equal(got.rootfs, "/run/bundles/abc/rootfs");
  assert.deepEqual(got.mounts, [{ source: "proc", destination: "/proc" }]);
  assert.deepEqual(Object.keys(got).sort(), [
    "env",
    "mounts",
    "ociVersion",
    "privileged",
    "rootfs",
  ]);
});

Deno.test("parseSpec() reads mounts: source and destination, in order", async (t) => {
  const table: [unknown, { source: string | undefined; destination: string | undefined }[]][] = [
    [undefined, []],
    [null, []],
    [[], []],
    [
      [
        { destination: "/proc", type: "proc", source: "proc" },
        {
          destination: "/var/run/nvidia-container-devices/0",
          type: "bind",
          source: "/dev/null",
          options: ["rbind", "ro"],
        },
        { source: "/dev/null", destination: "/run/nvidia-container-devices/imex/1" },
      ],
      [
        { source: "proc", destination: "/proc" },
        { source: "/dev/null", destination: "/var/run/nvidia-container-devices/0" },
        { source: "/dev/null", destination: "/run/nvidia-container-devices/imex/1" },
      ],
    ],
    [[{}], [{ source: undefined, destination: undefined }]],
    [[{ source: null, destination: null }], [{ source: undefined, destination: undefined }]],
    [[{ destination: "/tmp", type: "tmpfs" }], [{ source: undefined, destination: "/tmp" }]],
    [[{ source: "", destination: "" }], [{ source: "", destination: "" }]],
    [[{ Type: "bind", Options: ["ro"], source: "/a", destination: "/b" }], [{
      source: "/a",
      destination: "/b",
    }]],
  ];
  for (const [mounts, expected] of table) {
    await t.step(JSON.stringify(mounts) ?? "absent", () => {
      const text = mounts === undefined ? spec() : spec({ mounts });
      assert.deepEqual(parseSpec(text, FILE, BUNDLE).mounts, expected);
    });
  }
});

Deno.test("parseSpec() rejects mounts of the wrong shape, naming the field", async (t) => {
  const table: [unknown, string][] = [
    [{}, '"mounts" must be an array, got an object'],
    ["/dev/null", '"mounts" must be an array, got a string'],
    [5, '"mounts" must be an array, got a number'],
    [true, '"mounts" must be an array, got a boolean'],
    [[null], '"mounts[0]" must be an object, got null'],
    [[{ source: "a", destination: "/a" }, "x"], '"mounts[1]" must be an object, got a string'],
    [[[]], '"mounts[0]" must be an object, got an array'],
    [[{ source: 5, destination: "/a" }], '"mounts[0].source" must be a string, got a number'],
    [
      [{ source: "/dev/null", destination: ["/a"] }],
      '"mounts[0].destination" must be a string, got an array',
    ],
    [
      [{ source: "/a", destination: "/a" }, { source: "/b", destination: {} }],
      '"mounts[1].destination" must be a string, got an object',
    ],
    [[{ source: false }], '"mounts[0].source" must be a string, got a boolean'],
  ];
  for (const [mounts, detail] of table) {
    await t.step(JSON.stringify(mounts), () => {
      throwsExactly(() => parseSpec(spec({ mounts }), FILE, BUNDLE), WHERE + detail);
    });
  }
  await t.step("checked after root.path", () => {
    throwsExactly(
      () => parseSpec(spec({ root: { path: "" }, mounts: 5 }), FILE, BUNDLE),
      WHERE + '"root.path" must be a non-empty string, got an empty string',
    );
  });
});

Deno.test("parseSpec() does not take mounts from __proto__", () => {
  const text = '{"ociVersion":"1.0.2","process":{},"root":{"path":"r"},' +
    '"__proto__":{"mounts":[{"source":"/dev/null","destination":"/run/nvidia-container-devices/0"}]}}';
  assert.deepEqual(parseSpec(text, FILE, BUNDLE).mounts, []);
});

Deno.test("parseSpec() JSDoc example", () => {
  const got = parseSpec(
    '{"ociVersion":"1.0.2","process":{"env":["A=1"]},"root":{"path":"rootfs"}}',
    "/b/config.json",
    "/b",
  );
  assert.equal(got.rootfs, "/b/rootfs");
});

Deno.test("parseSpec() reads process.env as a map", async (t) => {
  const table: [unknown, [string, string][]][] = [
    [undefined, []],
    [null, []],
    [[], []],
    [["A=1", "B=x=y", "A=2"], [["A", "2"], ["B", "x=y"]]],
  ];
  for (const [env, expected] of table) {
    await t.step(JSON.stringify(env) ?? "absent", () => {
      const text = spec({ process: env === undefined ? {} : { env } });
      assert.deepEqual([...parseSpec(text, FILE, BUNDLE).env], expected);
    });
  }
});

Deno.test("parseSpec() rejects a bad process.env naming the index, not the value", async (t) => {
  const table: [unknown, string][] = [
    ["A=1", '"process.env" must be an array of strings, got a string'],
    [{ A: "1" }, '"process.env" must be an array of strings, got an object'],
    [["A=1", 2], '"process.env[1]" must be a string, got a number'],
    [["A=1", "SECRET_hunter2"], '"process.env[1]" must have the form KEY=VALUE'],
  ];
  for (const [env, detail] of table) {
    await t.step(JSON.stringify(env), () => {
      throwsExactly(() => parseSpec(spec({ process: { env } }), FILE, BUNDLE), WHERE + detail);
    });
  }
});

Deno.test("parseSpec() reads privilege from process.capabilities", async (t) => {
  const table: [string, unknown, boolean][] = [
    ["1.0.2", undefined, false],
    ["1.0.2", null, false],
    ["1.0.2", { bounding: ["CAP_SYS_ADMIN"] }, true],
    ["1.0.2", { effective: ["CAP_SYS_ADMIN"] }, false],
    ["1.0.0-rc2", ["CAP_SYS_ADMIN"], true],
    ["1.0.0-rc2", null, false],
    ["1.0.0-rc10", ["CAP_SYS_ADMIN"], true],
    ["1.0.0-rc5", { bounding: ["CAP_SYS_ADMIN"] }, true],
    ["", { bounding: ["CAP_SYS_ADMIN"] }, true],
  ];
  for (const [ociVersion, capabilities, expected] of table) {
    await t.step(
      `${JSON.stringify(ociVersion)} ${JSON.stringify(capabilities) ?? "absent"}`,
      () => {
        const process = capabilities === undefined ? {} : { capabilities };
        assert.equal(parseSpec(spec({ ociVersion, process }), FILE, BUNDLE).privileged, expected);
      },
    );
  }
});

Deno.test("parseSpec() rejects process.capabilities of the wrong shape", async (t) => {
  await t.step("1.0.2 with a list", () => {
    throwsExactly(
      () => parseSpec(spec({ process: { capabilities: ["CAP_SYS_ADMIN"] } }), FILE, BUNDLE),
      WHERE +
        '"process.capabilities" must be an object of capability sets for ociVersion "1.0.2", got an array',
    );
  });
  await t.step("1.0.0-rc3 with sets", () => {
    throwsExactly(
      () =>
        parseSpec(
          spec({ ociVersion: "1.0.0-rc3", process: { capabilities: { bounding: [] } } }),
          FILE,
          BUNDLE,
        ),
      WHERE +
        '"process.capabilities" must be an array of strings for ociVersion "1.0.0-rc3", got an object',
    );
  });
});

Deno.test("parseSpec() rejects a file that is not one JSON object", async (t) => {
  const table: [string, string][] = [
    ["", "empty input"],
    ["null", "expected a JSON object, got null"],
    ["[]", "expected a JSON object, got an array"],
    ['"x"', "expected a JSON object, got a string"],
    ["1", "expected a JSON object, got a number"],
    ["{", "invalid JSON: unexpected end of input"],
    ['{"ociVersion":"1.0.2",}', "invalid JSON at line 1, column 23"],
    [spec() + "\n{}", "unexpected data after the JSON value at line 2, column 1"],
  ];
  for (const [text, detail] of table) {
    await t.step(JSON.stringify(text), () => {
      throwsExactly(() => parseSpec(text, FILE, BUNDLE), WHERE + detail);
    });
  }
});

Deno.test("parseSpec() checks ociVersion, process and root in that order", async (t) => {
  const table: [string, string][] = [
    ["{}", '"ociVersion" is missing; expected a string'],
    ['{"process":5,"root":5}', '"ociVersion" is missing; expected a string'],
    ['{"ociVersion":null,"process":{},"root":{}}', '"ociVersion" is missing; expected a string'],
    ['{"ociVersion":1,"process":5,"root":5}', '"ociVersion" must be a string, got a number'],
    [
      '{"ociVersion":["1.0.2"],"process":{},"root":{}}',
      '"ociVersion" must be a string, got an array',
    ],
    ['{"ociVersion":{},"process":{},"root":{}}', '"ociVersion" must be a string, got an object'],
    ['{"ociVersion":true,"process":{},"root":{}}', '"ociVersion" must be a string, got a boolean'],
    ['{"ociVersion":"1.0.2","root":5}', '"process" is missing; expected an object'],
    ['{"ociVersion":"1.0.2","process":null,"root":{}}', '"process" is missing; expected an object'],
    ['{"ociVersion":"1.0.2","process":"x","root":5}', '"process" must be an object, got a string'],
    ['{"ociVersion":"1.0.2","process":[],"root":{}}', '"process" must be an object, got an array'],
    ['{"ociVersion":"1.0.2","process":{"env":5}}', '"root" is missing; expected an object'],
    ['{"ociVersion":"1.0.2","process":{},"root":null}', '"root" is missing; expected an object'],
    [
      '{"ociVersion":"1.0.2","process":{"env":5},"root":"/r"}',
      '"root" must be an object, got a string',
    ],
    ['{"ociVersion":"1.0.2","process":{},"root":[]}', '"root" must be an object, got an array'],
    ['{"ociVersion":"1.0.2","process":{},"root":7}', '"root" must be an object, got a number'],
    [
      '{"ociVersion":"1.0.2","process":{"env":5},"root":{}}',
      '"process.env" must be an array of strings, got a number',
    ],
  ];
  for (const [text, detail] of table) {
    await t.step(text, () => {
      throwsExactly(() => parseSpec(text, FILE, BUNDLE), WHERE + detail);
    });
  }
});

Deno.test("parseSpec() refuses a key that differs in case from the OCI name it reads", async (t) => {
  const CASE = (key: string, where: string, name: string) =>
    `${WHERE}"${key}"${where} differs in case from the OCI name "${name}"; ` +
    "OCI keys are case-sensitive";
  const table: [string, string, string][] = [
    [
      '{"OciVersion":"1.0.2","process":{},"root":{"path":"r"}}',
      "OciVersion",
      CASE("OciVersion", "", "ociVersion"),
    ],
    [
      '{"ociVersion":"1.0.2","OCIVERSION":"1.0.2","process":{},"root":{"path":"r"}}',
      "OCIVERSION beside ociVersion",
      CASE("OCIVERSION", "", "ociVersion"),
    ],
    [
      '{"ociVersion":"1.0.2","Process":{},"root":{"path":"r"}}',
      "Process",
      CASE("Process", "", "process"),
    ],
    [
      '{"ociVersion":"1.0.2","process":{},"Root":{"path":"r"}}',
      "Root",
      CASE("Root", "", "root"),
    ],
    [spec({ Mounts: [] }), "Mounts", CASE("Mounts", "", "mounts")],
    [spec({ process: { Env: ["A=1"] } }), "Env", CASE("Env", ' in "process"', "env")],
    [spec({ process: { ENV: ["A=1"] } }), "ENV", CASE("ENV", ' in "process"', "env")],
    [
      spec({ process: { env: ["A=1"], Env: ["B=2"] } }),
      "Env beside env",
      CASE("Env", ' in "process"', "env"),
    ],
    [
      spec({ process: { Capabilities: { bounding: [] } } }),
      "Capabilities",
      CASE("Capabilities", ' in "process"', "capabilities"),
    ],
    [
      spec({ process: { capabilities: { Bounding: ["CAP_SYS_ADMIN"] } } }),
      "Bounding",
      CASE("Bounding", ' in "process.capabilities"', "bounding"),
    ],
    [spec({ root: { Path: "rootfs" } }), "Path", CASE("Path", ' in "root"', "path")],
    [
      spec({
        mounts: [{ Source: "/dev/null", destination: "/var/run/nvidia-container-devices/0" }],
      }),
      "Source",
      CASE("Source", ' in "mounts[0]"', "source"),
    ],
    [
      spec({ mounts: [{ source: "proc", destination: "/proc" }, { DESTINATION: "/x" }] }),
      "DESTINATION in the second mount",
      CASE("DESTINATION", ' in "mounts[1]"', "destination"),
    ],
  ];
  for (const [text, name, message] of table) {
    await t.step(name, () => {
      throwsExactly(() => parseSpec(text, FILE, BUNDLE), message);
    });
  }
});

Deno.test("parseSpec() ignores case variants of keys it does not read", async (t) => {
  const table: [string, Record<string, unknown>][] = [
    ["Hostname", { Hostname: "x" }],
    ["process.Args", { process: { env: [], Args: ["sh"] } }],
    ["process.capabilities.Effective", {
      process: { env: [], capabilities: { bounding: [], Effective: ["CAP_SYS_ADMIN"] } },
    }],
    ["root.Readonly", { root: { path: "rootfs", Readonly: true } }],
    ["mounts[0].Type", { mounts: [{ Type: "bind", source: "/a", destination: "/b" }] }],
  ];
  for (const [name, overrides] of table) {
    await t.step(name, () => {
      const got = parseSpec(spec(overrides), FILE, BUNDLE);
      assert.equal(got.ociVersion, "1.0.2");
      assert.equal(got.privileged, false);
    });
  }
});

Deno.test("parseSpec() reads the last value of a repeated key", async (t) => {
  await t.step("process.env", () => {
    const text =
      '{"ociVersion":"1.0.2","process":{"env":["A=1"],"env":["B=2"]},"root":{"path":"r"}}';
    assert.deepEqual([...parseSpec(text, FILE, BUNDLE).env], [["B", "2"]]);
  });
  await t.step("root.path", () => {
    const text = '{"ociVersion":"1.0.2","process":{},"root":{"path":"a","path":"b"}}';
    assert.equal(parseSpec(text, FILE, BUNDLE).rootfs, BUNDLE + "/b");
  });
  await t.step("ociVersion: a wrong type first, a string last", () => {
    const text = '{"ociVersion":5,"process":{},"root":{"path":"r"},"ociVersion":"1.1.0"}';
    assert.equal(parseSpec(text, FILE, BUNDLE).ociVersion, "1.1.0");
  });
  await t.step("root.path: a string first, null last", () => {
    const text = '{"ociVersion":"1.0.2","process":{},"root":{"path":"r","path":null}}';
    throwsExactly(
      () => parseSpec(text, FILE, BUNDLE),
      WHERE + '"root.path" must be a non-empty string, got null',
    );
  });
});

Deno.test("parseSpec() does not take required fields from __proto__", () => {
  throwsExactly(
    () =>
      parseSpec(
        '{"__proto__":{"ociVersion":"1.0.2","process":{},"root":{"path":"r"}}}',
        FILE,
        BUNDLE,
      ),
    WHERE + '"ociVersion" is missing; expected a string',
  );
});

Deno.test("parseSpec() resolves root.path against the bundle and cleans it", async (t) => {
  const table: [string, string, string][] = [
    ["rootfs", BUNDLE, "/run/bundles/abc/rootfs"],
    ["./rootfs/", BUNDLE, "/run/bundles/abc/rootfs"],
    ["rootfs//x/./y/..", BUNDLE, "/run/bundles/abc/rootfs/x"],
    ["../other/rootfs", BUNDLE, "/run/bundles/other/rootfs"],
    [".", BUNDLE, "/run/bundles/abc"],
    ["/var/lib/containers/rootfs", BUNDLE, "/var/lib/containers/rootfs"],
    ["/var//lib/./containers/../c/rootfs/", BUNDLE, "/var/lib/c/rootfs"],
    ["//srv/root", BUNDLE, "/srv/root"],
    ["/../../srv", BUNDLE, "/srv"],
    ["../../../../../x", BUNDLE, "/x"],
    ["rootfs", "/", "/rootfs"],
  ];
  for (const [path, bundle, expected] of table) {
    await t.step(`${path} in ${bundle}`, () => {
      assert.equal(
        parseSpec(spec({ root: { path } }), bundle + "/config.json", bundle).rootfs,
        expected,
      );
    });
  }
});

Deno.test("parseSpec() does not resolve symlinks in root.path", async (t) => {
  // /proc/self/root is a symlink to "/" on Linux; lexical cleaning keeps it.
  const table: [string, string][] = [
    ["/proc/self/root", "/proc/self/root"],
    ["/proc/self/root/rootfs", "/proc/self/root/rootfs"],
    ["/proc/self/cwd/../x", "/proc/self/x"],
  ];
  for (const [path, expected] of table) {
    await t.step(path, () => {
      assert.equal(parseSpec(spec({ root: { path } }), FILE, BUNDLE).rootfs, expected);
    });
  }
});

Deno.test("parseSpec() rejects a root.path that is not a non-empty string", async (t) => {
  const table: [Record<string, unknown>, string][] = [
    [{}, "null"],
    [{ path: null }, "null"],
    [{ path: "" }, "an empty string"],
    [{ path: 5 }, "a number"],
    [{ path: ["rootfs"] }, "an array"],
    [{ path: { p: "rootfs" } }, "an object"],
    [{ path: false }, "a boolean"],
  ];
  for (const [root, got] of table) {
    await t.step(JSON.stringify(root), () => {
      throwsExactly(
        () => parseSpec(spec({ root }), FILE, BUNDLE),
        WHERE + `"root.path" must be a non-empty string, got ${got}`,
      );
    });
  }
});

Deno.test("parseSpec() rejects a rootfs that is the host root", async (t) => {
  const table: [string, string][] = [
    ["/", BUNDLE],
    ["//", BUNDLE],
    ["/./", BUNDLE],
    ["/..", BUNDLE],
    ["/usr/..", BUNDLE],
    ["../../..", BUNDLE],
    [".", "/"],
  ];
  for (const [path, bundle] of table) {
    await t.step(`${path} in ${bundle}`, () => {
      const file = bundle === "/" ? "/config.json" : FILE;
      throwsExactly(
        () => parseSpec(spec({ root: { path } }), file, bundle),
        `Cannot parse ${file}: "root.path" must not be the host root "/"`,
      );
    });
  }
});

Deno.test("parseSpec() checks process.env before capabilities before root.path", async (t) => {
  await t.step("env and capabilities wrong", () => {
    throwsExactly(
      () =>
        parseSpec(spec({ process: { env: 1, capabilities: 1 }, root: { path: "" } }), FILE, BUNDLE),
      WHERE + '"process.env" must be an array of strings, got a number',
    );
  });
  await t.step("capabilities and root.path wrong", () => {
    throwsExactly(
      () => parseSpec(spec({ process: { capabilities: 1 }, root: { path: "" } }), FILE, BUNDLE),
      WHERE +
        '"process.capabilities" must be an object of capability sets for ociVersion "1.0.2", got a number',
    );
  });
});
