import assert from "node:assert/strict";
import { hostPath } from "../lib/host_path.ts";

Deno.test("hostPath() drops the node_compat_bin entry Deno puts first on PATH", async (t) => {
  const table: [string | undefined, string | undefined][] = [
    ["/root/.cache/deno/node_compat_bin:/usr/bin:/bin", "/usr/bin:/bin"],
    ["/home/u/.cache/deno/node_compat_bin:/nonexistent", "/nonexistent"],
    ["/root/.cache/deno/node_compat_bin", undefined],
    ["/usr/bin:/bin", "/usr/bin:/bin"],
    // Only the first entry is Deno's; later ones are the host's own.
    ["/usr/bin:/opt/node_compat_bin", "/usr/bin:/opt/node_compat_bin"],
    // A relative first entry is the host's, whatever its name.
    ["node_compat_bin:/bin", "node_compat_bin:/bin"],
    ["/opt/node_compat_bin_x:/bin", "/opt/node_compat_bin_x:/bin"],
    ["", ""],
    [undefined, undefined],
  ];
  for (const [path, expected] of table) {
    await t.step(
      String(JSON.stringify(path ?? null)),
      () => assert.equal(hostPath(path), expected),
    );
  }
});
