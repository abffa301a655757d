import assert from "node:assert/strict";
import {
  HOOKS_DIRS,
  hooksDChecks,
  isNvidiaHook,
  loadHooksDFacts,
} from "../../lib/doctor/checks_hooks_d.ts";
import { ociHook } from "../../lib/oci_hook.ts";
import { hostOf } from "./_facts.ts";
import { exe, type Spec } from "./_memory_view.ts";

const [SHARE, ETC] = HOOKS_DIRS;
const HOOK = "/usr/bin/nvidia-container-runtime-hook";
const GOOD = ociHook(HOOK);

function rows(tree: Record<string, Spec>) {
  return hooksDChecks(loadHooksDFacts(hostOf({ [HOOK]: exe(), ...tree }))).map((c) => [
    c.status,
    c.message,
  ]);
}

Deno.test("hooks.d is skipped without podman, CRI-O or a hooks directory", () => {
  const skipped = "skipped: neither podman nor CRI-O is installed, and no hooks directory exists";
  assert.deepEqual(rows({}), [["ok", skipped], ["ok", skipped]]);
  assert.deepEqual(rows({ "/usr/bin/podman": exe() }), [
    ["ok", `no hook files in ${SHARE} or ${ETC}`],
    ["ok", "no NVIDIA hook in the hooks directories"],
  ]);
  assert.equal(rows({ "/usr/bin/crio": exe() })[0]?.[1], `no hook files in ${SHARE} or ${ETC}`);
});

Deno.test("print-oci-hook's output is a valid hook; other files are ignored", () => {
  assert.deepEqual(
    rows({ [`${SHARE}/nvidia.json`]: JSON.stringify(GOOD), [`${SHARE}/README`]: "x" }),
    [
      ["ok", `1 hook file parses: ${SHARE}/nvidia.json`],
      ["ok", `one NVIDIA hook: ${SHARE}/nvidia.json`],
    ],
  );
});

Deno.test("hooks-d.files applies the hooks 1.0.0 rules", async (t) => {
  const table: [string, unknown, string][] = [
    ["not an object", [], "not a JSON object"],
    [
      "version 0.1.0",
      { ...GOOD, version: "0.1.0" },
      'unexpected hook version "0.1.0" (expecting 1.0.0)',
    ],
    [
      "no version",
      { ...GOOD, version: undefined },
      "unexpected hook version (none) (expecting 1.0.0)",
    ],
    ["no hook", { ...GOOD, hook: undefined }, "missing required property: hook"],
    ["no path", { ...GOOD, hook: { args: [] } }, "missing required property: hook.path"],
    [
      "args not strings",
      { ...GOOD, hook: { path: HOOK, args: [1] } },
      "hook.args must be an array of strings",
    ],
    [
      "env not an array",
      { ...GOOD, hook: { path: HOOK, env: "PATH=/bin" } },
      "hook.env must be an array of strings",
    ],
    [
      "a zero timeout",
      { ...GOOD, hook: { path: HOOK, timeout: 0 } },
      "hook.timeout must be a positive integer",
    ],
    ["no when", { ...GOOD, when: undefined }, "missing required property: when"],
    [
      "when.always a string",
      { ...GOOD, when: { always: "true" } },
      "when.always must be a boolean",
    ],
    [
      "when.commands not strings",
      { ...GOOD, when: { commands: [1] } },
      "when.commands must be an array of strings",
    ],
    [
      "when.annotations of numbers",
      { ...GOOD, when: { annotations: { a: 1 } } },
      "when.annotations must be an object of strings",
    ],
    ["no stages", { ...GOOD, stages: [] }, "missing required property: stages"],
    ["an unknown stage", { ...GOOD, stages: ["prestart", "later"] }, 'unknown stage "later"'],
    [
      "a relative path",
      { ...GOOD, hook: { path: "nvidia-container-runtime-hook" } },
      'hook.path "nvidia-container-runtime-hook" is not absolute',
    ],
    [
      "a path without execute bits",
      { ...GOOD, hook: { path: "/etc/passwd" } },
      "hook.path /etc/passwd is not an executable file",
    ],
  ];
  for (const [name, doc, error] of table) {
    await t.step(name, () => {
      const r = rows({ "/etc/passwd": "", [`${ETC}/h.json`]: JSON.stringify(doc) });
      assert.deepEqual(r[0], ["fail", `${ETC}/h.json: ${error}`]);
    });
  }
  await t.step("several bad files: the first, and a count", () => {
    const r = rows({ [`${SHARE}/a.json`]: "{", [`${ETC}/b.json`]: "[]" });
    assert.deepEqual(r[0], [
      "fail",
      `Cannot parse ${SHARE}/a.json: invalid JSON: unexpected end of input (and 1 more)`,
    ]);
  });
  await t.step("a file over 1 MiB", () => {
    const r = rows({ [`${ETC}/big.json`]: " ".repeat(1024 * 1024 + 1) });
    assert.deepEqual(r[0], ["fail", `Cannot read ${ETC}/big.json: larger than 1048576 bytes`]);
  });
  await t.step("a FIFO", () => {
    const r = rows({ [`${ETC}/f.json`]: { kind: "fifo" } });
    assert.deepEqual(r[0], ["fail", `Cannot read ${ETC}/f.json: not a regular file`]);
  });
});

Deno.test("hooks-d.duplicates counts NVIDIA prestart hooks in use", async (t) => {
  const nv = JSON.stringify(GOOD);
  await t.step("the old toolkit name counts", () => {
    const old = JSON.stringify(ociHook("/usr/bin/nvidia-container-toolkit"));
    const r = rows({
      "/usr/bin/nvidia-container-toolkit": exe(),
      [`${SHARE}/a.json`]: nv,
      [`${ETC}/b.json`]: old,
    });
    assert.equal(r[1]?.[0], "warn");
  });
  await t.step("a poststop hook of the same program does not", () => {
    const post = JSON.stringify({ ...GOOD, stages: ["poststop"] });
    assert.deepEqual(rows({ [`${SHARE}/a.json`]: nv, [`${ETC}/b.json`]: post })[1], [
      "ok",
      `one NVIDIA hook: ${SHARE}/a.json`,
    ]);
  });
  await t.step("isNvidiaHook() ignores an overridden file", () => {
    const f = {
      file: "/x.json",
      error: undefined,
      path: HOOK,
      stages: ["prestart"],
      overridden: true,
    };
    assert.equal(isNvidiaHook(f), false);
    assert.equal(isNvidiaHook({ ...f, overridden: false }), true);
  });
});
