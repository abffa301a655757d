import assert from "node:assert/strict";
import { throwsExactly } from "./_assert.ts";
import { UsageError } from "../lib/errors.ts";
import { usage } from "../lib/parse_args.ts";
import { runHook } from "./_hook.ts";
import { DEFAULT_HOOK_PATH, envEntry, HOOK_ENV_PATH, ociHook } from "../lib/oci_hook.ts";

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

Deno.test("envEntry() splits KEY=VALUE at the first =", async (t) => {
  const table: [string, [string, string]][] = [
    ["NVIDIA_CTK_CONFIG_FILE_PATH=/etc/x.toml", ["NVIDIA_CTK_CONFIG_FILE_PATH", "/etc/x.toml"]],
    ["A=", ["A", ""]],
    ["_=1", ["_", "1"]],
    ["a_b9=x=y", ["a_b9", "x=y"]],
    ["K= spaced value ", ["K", " spaced value "]],
    ["K=line\nbreak", ["K", "line\nbreak"]],
    ["K=caf\u00e9", ["K", "caf\u00e9"]],
  ];
  for (const [entry, split] of table) {
    await t.step(JSON.stringify(entry), () => {
      assert.deepEqual(envEntry(entry), split);
    });
  }
});

Deno.test("envEntry() refuses an entry that is not KEY=VALUE with KEY a variable name", async (t) => {
  const expected = "--env must be KEY=VALUE with KEY a variable name (letters, digits, _), got ";
  const table: [string, string][] = [
    ["", '""'],
    ["NOEQUALS", '"NOEQUALS"'],
    ["=value", '"=value"'],
    ["1A=x", '"1A=x"'],
    ["A-B=x", '"A-B=x"'],
    ["A B=x", '"A B=x"'],
    [" A=x", '" A=x"'],
    ["A.B=x", '"A.B=x"'],
    ["\u00c9=x", '"\u00c9=x"'],
    ["A\0=x", '"A\\u0000=x"'],
    ["A\n=x", '"A\\n=x"'],
    [`${"K".repeat(70)}`, `"${"K".repeat(64)}..."`],
  ];
  for (const [entry, shown] of table) {
    await t.step(JSON.stringify(entry), () => {
      throwsExactly(() => envEntry(entry), expected + shown, UsageError);
    });
  }
});

Deno.test("envEntry() refuses a NUL in the value, shown escaped", () => {
  throwsExactly(
    () => envEntry("K=a\0b"),
    '--env must not contain NUL, got "K=a\\u0000b"',
    UsageError,
  );
});

Deno.test("ociHook() appends --env entries after PATH, in order", async (t) => {
  const table: [string, string[], string[]][] = [
    ["none", [], [`PATH=${SANE_PATH}`]],
    [
      "the config file variable",
      ["NVIDIA_CTK_CONFIG_FILE_PATH=/etc/nvidia/hook.toml"],
      [`PATH=${SANE_PATH}`, "NVIDIA_CTK_CONFIG_FILE_PATH=/etc/nvidia/hook.toml"],
    ],
    ["two, in order", ["B=2", "A=1"], [`PATH=${SANE_PATH}`, "B=2", "A=1"]],
    ["an empty value", ["A="], [`PATH=${SANE_PATH}`, "A="]],
    ["PATH replaces the default in place", ["A=1", "PATH=/opt/bin"], ["PATH=/opt/bin", "A=1"]],
    ["a repeated KEY keeps its place, the last value wins", ["A=1", "B=2", "A=3"], [
      `PATH=${SANE_PATH}`,
      "A=3",
      "B=2",
    ]],
    ["KEY is case-sensitive", ["a=1", "A=2"], [`PATH=${SANE_PATH}`, "a=1", "A=2"]],
  ];
  for (const [name, env, hookEnv] of table) {
    await t.step(name, () => {
      assert.deepEqual(ociHook("/opt/hook", env), {
        ...expected("/opt/hook"),
        hook: {
          path: "/opt/hook",
          args: ["nvidia-container-runtime-hook", "prestart"],
          env: hookEnv,
        },
      });
    });
  }
});

Deno.test("ociHook() refuses the first invalid --env entry, after checking the path", () => {
  throwsExactly(
    () => ociHook("/opt/hook", ["A=1", "bad", "1=2"]),
    '--env must be KEY=VALUE with KEY a variable name (letters, digits, _), got "bad"',
    UsageError,
  );
  throwsExactly(
    () => ociHook("relative", ["bad"]),
    '--path must be an absolute path, got "relative"',
    UsageError,
  );
});

Deno.test("ociHook() does not change the env array it is given", () => {
  const env = ["A=1", "PATH=/x"];
  ociHook("/opt/hook", env);
  assert.deepEqual(env, ["A=1", "PATH=/x"]);
});

// Process level: print-oci-hook as an operator runs it.

const P = "nvidia-container-runtime-hook: ";
const PROCESS_ENV = { PATH: SANE_PATH };

Deno.test("print-oci-hook --env: the JSON carries the entries after PATH", async (t) => {
  const table: [string[], string[]][] = [
    [
      ["--env", "NVIDIA_CTK_CONFIG_FILE_PATH=/etc/nvidia/hook.toml"],
      [`PATH=${SANE_PATH}`, "NVIDIA_CTK_CONFIG_FILE_PATH=/etc/nvidia/hook.toml"],
    ],
    [
      ["-env=A=1", "--path", "/opt/hook", "--env", "PATH=/opt/bin", "--env", "B="],
      ["PATH=/opt/bin", "A=1", "B="],
    ],
  ];
  for (const [args, env] of table) {
    await t.step(args.join(" "), async () => {
      const r = await runHook({ args: ["print-oci-hook", ...args], env: PROCESS_ENV });
      assert.deepEqual({ code: r.code, stderr: r.stderr }, { code: 0, stderr: "" });
      const path = args.includes("/opt/hook") ? "/opt/hook" : DEFAULT_HOOK_PATH;
      assert.deepEqual(JSON.parse(r.stdout), {
        ...expected(path),
        hook: {
          path,
          args: ["nvidia-container-runtime-hook", "prestart"],
          env,
        },
      });
    });
  }
});

Deno.test("print-oci-hook --env: the hooks.d text is sorted and ends with a newline", async () => {
  const r = await runHook({
    args: ["print-oci-hook", "--env", 'K=a"b\\c\nd'],
    env: PROCESS_ENV,
  });
  assert.equal(r.code, 0);
  assert.equal(
    r.stdout,
    [
      "{",
      '  "hook": {',
      '    "args": [',
      '      "nvidia-container-runtime-hook",',
      '      "prestart"',
      "    ],",
      '    "env": [',
      `      "PATH=${SANE_PATH}",`,
      '      "K=a\\"b\\\\c\\nd"',
      "    ],",
      '    "path": "/usr/bin/nvidia-container-runtime-hook"',
      "  },",
      '  "stages": [',
      '    "prestart"',
      "  ],",
      '  "version": "1.0.0",',
      '  "when": {',
      '    "always": true',
      "  }",
      "}",
      "",
    ].join("\n"),
  );
});

Deno.test("print-oci-hook --env bad input: exit 2, one error line and the usage", async (t) => {
  const shape = "--env must be KEY=VALUE with KEY a variable name (letters, digits, _), got ";
  const table: [string[], string][] = [
    [["--env", "NOEQUALS"], `${shape}"NOEQUALS"`],
    [["--env", "1A=x"], `${shape}"1A=x"`],
    [["--env="], `${shape}""`],
    [["--env", "A\nB=x"], `${shape}"A\\nB=x"`],
    [["--env", "A=1", "--env"], "Flag needs an argument: -env"],
    [["--env", "A=1", "extra"], 'Unexpected argument "extra" after print-oci-hook'],
  ];
  for (const [args, message] of table) {
    await t.step(JSON.stringify(args), async () => {
      const r = await runHook({ args: ["print-oci-hook", ...args], env: PROCESS_ENV });
      assert.deepEqual(r, {
        code: 2,
        stdout: "",
        stderr: `${P}${message}\n${usage("nvidia-container-runtime-hook")}`,
      });
    });
  }
});
