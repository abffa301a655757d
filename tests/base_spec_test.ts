import assert from "node:assert/strict";
import { baseRuntimeSpec } from "../lib/base_spec.ts";
import { InputError } from "../lib/errors.ts";
import { ociHook } from "../lib/oci_hook.ts";

const HOOK =
  ociHook("/usr/bin/nvidia-container-runtime-hook", ["NVIDIA_CTK_CONFIG_FILE_PATH=/etc/h.toml"])
    .hook;
const ENTRY = {
  path: "/usr/bin/nvidia-container-runtime-hook",
  args: ["nvidia-container-runtime-hook", "prestart"],
  env: [
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "NVIDIA_CTK_CONFIG_FILE_PATH=/etc/h.toml",
  ],
};
const OTHER = { path: "/usr/libexec/oci/hooks.d/other", args: ["other"] };

function prestart(spec: unknown): unknown {
  return JSON.parse(baseRuntimeSpec(JSON.stringify(spec), HOOK)).hooks.prestart;
}

Deno.test("baseRuntimeSpec() adds the hook to a spec without hooks, keeping every field in order", () => {
  const text = '{"ociVersion": "1.0.2-dev", "process": {"cwd": "/"}, "linux": {}}';
  const out = baseRuntimeSpec(text, HOOK);
  assert.equal(
    out,
    JSON.stringify(
      { ociVersion: "1.0.2-dev", process: { cwd: "/" }, linux: {}, hooks: { prestart: [ENTRY] } },
      null,
      2,
    ) + "\n",
  );
});

Deno.test("baseRuntimeSpec() hooks.prestart: own entries replaced in place, others kept", async (t) => {
  const table: [string, unknown[], unknown[]][] = [
    ["empty", [], [ENTRY]],
    ["another hook is kept, ours appended", [OTHER], [OTHER, ENTRY]],
    ["an earlier entry of the same path is replaced in place", [
      { path: ENTRY.path, args: ["x"] },
      OTHER,
    ], [ENTRY, OTHER]],
    ["NVIDIA's hook elsewhere, and the old name, count as ours; later copies go", [
      OTHER,
      { path: "/usr/local/nvidia/toolkit/nvidia-container-runtime-hook" },
      { path: "/usr/bin/nvidia-container-toolkit", args: ["nvidia-container-toolkit"] },
      OTHER,
    ], [OTHER, ENTRY, OTHER]],
    ["a similar name is not ours", [{ path: "/usr/bin/nvidia-container-runtime-hook.sh" }], [
      { path: "/usr/bin/nvidia-container-runtime-hook.sh" },
      ENTRY,
    ]],
    ["entries that are not objects are kept", [1, null, "x"], [1, null, "x", ENTRY]],
  ];
  for (const [name, before, after] of table) {
    await t.step(name, () => assert.deepEqual(prestart({ hooks: { prestart: before } }), after));
  }
});

Deno.test("baseRuntimeSpec() keeps the other stages and null as absent", () => {
  const out = JSON.parse(baseRuntimeSpec(
    JSON.stringify({ hooks: { poststop: [OTHER], prestart: null } }),
    HOOK,
  ));
  assert.deepEqual(out.hooks, { poststop: [OTHER], prestart: [ENTRY] });
  assert.deepEqual(JSON.parse(baseRuntimeSpec('{"hooks": null}', HOOK)).hooks, {
    prestart: [ENTRY],
  });
});

Deno.test("baseRuntimeSpec() keeps numbers exactly as written", () => {
  const text = '{"linux": {"resources": {"memory": {"limit": 9223372036854775807}}, "x": 1.50}}';
  const out = baseRuntimeSpec(text, HOOK);
  assert.match(out, /"limit": 9223372036854775807,?\n/);
  assert.match(out, /"x": 1\.50\n/);
});

Deno.test("baseRuntimeSpec() rejects what is not a spec with one line", async (t) => {
  const table: [string, string, RegExp | string][] = [
    ["not JSON", "x", /^Cannot parse the OCI spec on stdin: not JSON \(".*"\)$/],
    ["empty", "", /^Cannot parse the OCI spec on stdin: not JSON/],
    ["an array", "[1]", "Cannot use the OCI spec on stdin: it must be a JSON object, got an array"],
    ["null", "null", "Cannot use the OCI spec on stdin: it must be a JSON object, got null"],
    ["a string", '"x"', "Cannot use the OCI spec on stdin: it must be a JSON object, got a string"],
    [
      "hooks an array",
      '{"hooks": []}',
      'Cannot use the OCI spec on stdin: "hooks" must be an object, got an array',
    ],
    [
      "prestart an object",
      '{"hooks": {"prestart": {}}}',
      'Cannot use the OCI spec on stdin: "hooks.prestart" must be an array, got an object',
    ],
    [
      "prestart a string",
      '{"hooks": {"prestart": "x"}}',
      'Cannot use the OCI spec on stdin: "hooks.prestart" must be an array, got a string',
    ],
  ];
  for (const [name, text, message] of table) {
    await t.step(name, () => {
      assert.throws(() => baseRuntimeSpec(text, HOOK), (e) => {
        assert.ok(e instanceof InputError);
        if (typeof message === "string") assert.equal(e.message, message);
        else assert.match(e.message, message);
        assert.ok(!e.message.includes("\n"));
        return true;
      });
    });
  }
});

Deno.test("baseRuntimeSpec() does not let __proto__ reach Object.prototype", () => {
  const out = baseRuntimeSpec('{"__proto__": {"polluted": 1}, "hooks": {}}', HOOK);
  assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
  assert.match(out, /"__proto__": \{/);
});
