import assert from "node:assert/strict";
import { cliSearchDirs, DEFAULT_BIN_DIRS } from "../lib/cli_search_dirs.ts";

const DEFAULTS = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

Deno.test("DEFAULT_BIN_DIRS are the six standard directories in order", () => {
  assert.deepEqual([...DEFAULT_BIN_DIRS], DEFAULTS);
});

Deno.test("cliSearchDirs() searches PATH, then the defaults not already listed", async (t) => {
  const table: [string | undefined, string[]][] = [
    [undefined, DEFAULTS],
    ["", DEFAULTS],
    [":", DEFAULTS],
    ["/opt/bin", ["/opt/bin", ...DEFAULTS]],
    ["/opt/bin::rel:./bin:.:../x", ["/opt/bin", ...DEFAULTS]],
    ["bin:sbin", DEFAULTS],
    [
      "/opt/bin:/usr/bin:/home/u/bin",
      [
        "/opt/bin",
        "/usr/bin",
        "/home/u/bin",
        "/usr/local/sbin",
        "/usr/local/bin",
        "/usr/sbin",
        "/sbin",
        "/bin",
      ],
    ],
    ["/bin:/usr/bin", [
      "/bin",
      "/usr/bin",
      "/usr/local/sbin",
      "/usr/local/bin",
      "/usr/sbin",
      "/sbin",
    ]],
    [
      "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      DEFAULTS,
    ],
    [
      "/sbin:/bin:/usr/sbin:/usr/bin:/usr/local/sbin:/usr/local/bin",
      ["/sbin", "/bin", "/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"],
    ],
  ];
  for (const [pathEnv, expected] of table) {
    await t.step(JSON.stringify(pathEnv) ?? "unset", () => {
      assert.deepEqual(cliSearchDirs(pathEnv, undefined), expected);
    });
  }
});

Deno.test("cliSearchDirs() puts the root-prefixed list first when root is set", async (t) => {
  const root = "/run/nvidia/driver";
  await t.step("no PATH", () => {
    assert.deepEqual(cliSearchDirs(undefined, root), [
      ...DEFAULTS.map((d) => root + d),
      ...DEFAULTS,
    ]);
  });
  await t.step("/opt/bin:rel", () => {
    assert.deepEqual(cliSearchDirs("/opt/bin:rel", root), [
      "/run/nvidia/driver/opt/bin",
      ...DEFAULTS.map((d) => root + d),
      "/opt/bin",
      ...DEFAULTS,
    ]);
  });
});

Deno.test("cliSearchDirs() joins root like Go's path.Join", async (t) => {
  const table: [string, string][] = [
    ["/run/nvidia/driver/", "/run/nvidia/driver/usr/local/sbin"],
    ["/run//nvidia/./driver", "/run/nvidia/driver/usr/local/sbin"],
    ["/run/nvidia/x/../driver", "/run/nvidia/driver/usr/local/sbin"],
    ["driver", "driver/usr/local/sbin"],
  ];
  for (const [root, first] of table) {
    await t.step(root, () => {
      const dirs = cliSearchDirs("", root);
      assert.equal(dirs.length, 12);
      assert.equal(dirs[0], first);
      assert.deepEqual(dirs.slice(6), DEFAULTS);
    });
  }
  await t.step("PATH entry with a trailing slash under root", () => {
    assert.equal(cliSearchDirs("/opt/bin/", "/r")[0], "/r/opt/bin");
  });
});
