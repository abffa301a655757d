import assert from "node:assert/strict";
import { throwsExactly } from "./_assert.ts";
import { UsageError } from "../lib/errors.ts";
import { DEFAULT_HOOK_PATH, HOOK_ENV_PATH, ociHook } from "../lib/oci_hook.ts";

/** Whether `text` holds a C0 or C1 control character, DEL, U+2028 or U+2029 (`allowed` aside). */
function hasControl(text: string, allowed = ""): boolean {
  return [...text].some((ch) => {
    const c = ch.charCodeAt(0);
    const control = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029;
    return control && !allowed.includes(ch);
  });
}

/** The SPEC's search list for the CLI (6.1), which the hook gets as its PATH. */
const SANE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function expected(path: string) {
  return {
    version: "1.0.0",
    hook: {
      path,
      args: ["nvidia-container-runtime-hook", "prestart"],
      env: [`PATH=${SANE_PATH}`],
    },
    when: { always: true },
    stages: ["prestart"],
  };
}

Deno.test("DEFAULT_HOOK_PATH and HOOK_ENV_PATH are the installed binary and the CLI search list", () => {
  assert.equal(DEFAULT_HOOK_PATH, "/usr/bin/nvidia-container-runtime-hook");
  assert.equal(HOOK_ENV_PATH, SANE_PATH);
});

Deno.test("ociHook() is a hooks.d 1.0.0 entry: prestart, when.always, a sane PATH", async (t) => {
  const table: [string, string | undefined, string][] = [
    ["the default path", undefined, "/usr/bin/nvidia-container-runtime-hook"],
    [
      "a given path",
      "/opt/nvidia/bin/nvidia-container-runtime-hook",
      "/opt/nvidia/bin/nvidia-container-runtime-hook",
    ],
    ["the old name", "/usr/bin/nvidia-container-toolkit", "/usr/bin/nvidia-container-toolkit"],
    ["spaces are kept", "/opt/my hooks/hook", "/opt/my hooks/hook"],
    ["non-ASCII is kept", "/opt/h\u00e9/hook", "/opt/h\u00e9/hook"],
  ];
  for (const [name, path, hookPath] of table) {
    await t.step(name, () => {
      assert.deepEqual(ociHook(path), expected(hookPath));
    });
  }
});

Deno.test("ociHook() runs the hook as nvidia-container-runtime-hook whatever the file is called", () => {
  // argv[0] is the name the hook answers to; the file name does not matter.
  assert.deepEqual(ociHook("/usr/bin/nvidia-container-toolkit").hook.args, [
    "nvidia-container-runtime-hook",
    "prestart",
  ]);
});

Deno.test("ociHook() returns a fresh object each call", () => {
  const first = ociHook();
  first.hook.args.push("extra");
  first.hook.env.push("X=1");
  assert.deepEqual(ociHook(), expected(DEFAULT_HOOK_PATH));
});

Deno.test("ociHook() refuses a path that is not absolute", async (t) => {
  const table: [string, string][] = [
    ["", '--path must be an absolute path, got ""'],
    [
      "nvidia-container-runtime-hook",
      '--path must be an absolute path, got "nvidia-container-runtime-hook"',
    ],
    ["./bin/hook", '--path must be an absolute path, got "./bin/hook"'],
    ["../hook", '--path must be an absolute path, got "../hook"'],
    ["~/bin/hook", '--path must be an absolute path, got "~/bin/hook"'],
    [" /usr/bin/hook", '--path must be an absolute path, got " /usr/bin/hook"'],
    [
      "x".repeat(70),
      `--path must be an absolute path, got "${"x".repeat(64)}..."`,
    ],
  ];
  for (const [path, message] of table) {
    await t.step(JSON.stringify(path), () => {
      throwsExactly(() => ociHook(path), message, UsageError);
    });
  }
});

Deno.test("ociHook() refuses control characters in the path, shown escaped", async (t) => {
  const table: [string, string][] = [
    ["/usr/bin/a\nb", '"/usr/bin/a\\nb"'],
    ["/usr/bin/a\tb", '"/usr/bin/a\\tb"'],
    ["/usr/bin/a\u001bb", '"/usr/bin/a\\u001bb"'],
    ["/usr/bin/a\u007fb", '"/usr/bin/a\\u007fb"'],
    ["/usr/bin/a\u0000b", '"/usr/bin/a\\u0000b"'],
  ];
  for (const [path, shown] of table) {
    await t.step(JSON.stringify(path), () => {
      assert.throws(() => ociHook(path), (e: unknown) => {
        assert.equal(Object.getPrototypeOf(e), UsageError.prototype);
        const message = (e as Error).message;
        assert.ok(message.startsWith("--path "), message);
        assert.ok(message.endsWith(shown), message);
        assert.ok(!hasControl(message), "the message stays one line");
        return true;
      });
    });
  }
});

Deno.test("ociHook() names control characters in an absolute --path", () => {
  throwsExactly(
    () => ociHook("/a\nb"),
    '--path must not contain control characters, got "/a\\nb"',
    UsageError,
  );
});
