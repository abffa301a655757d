import assert from "node:assert/strict";
import { throwsExactly } from "./_assert.ts";
import { UsageError } from "../lib/errors.ts";
import { type Invocation, parseArgs, usage } from "../lib/parse_args.ts";

// SPEC 2: Go `flag` package conventions.

const run = (
  command: "prestart" | "poststart" | "poststop",
  debug = false,
  configPath = "",
): Invocation => ({ kind: "run", command, debug, configPath });

Deno.test("parseArgs() reads flags and the command as Go's flag package", async (t) => {
  const cases: Array<[string[], Invocation]> = [
    // commands
    [["prestart"], run("prestart")],
    [["poststart"], run("poststart")],
    [["poststop"], run("poststop")],
    // -debug, single or double dash, with or without a value
    [["-debug", "prestart"], run("prestart", true)],
    [["--debug", "prestart"], run("prestart", true)],
    [["-debug=true", "prestart"], run("prestart", true)],
    [["-debug=false", "prestart"], run("prestart", false)],
    [["--debug=false", "prestart"], run("prestart", false)],
    [["-debug=T", "prestart"], run("prestart", true)],
    [["-debug=t", "prestart"], run("prestart", true)],
    [["-debug=1", "prestart"], run("prestart", true)],
    [["-debug=TRUE", "prestart"], run("prestart", true)],
    [["-debug=True", "prestart"], run("prestart", true)],
    [["-debug=0", "prestart"], run("prestart", false)],
    [["-debug=f", "prestart"], run("prestart", false)],
    [["-debug=F", "prestart"], run("prestart", false)],
    [["-debug=FALSE", "prestart"], run("prestart", false)],
    [["-debug=False", "prestart"], run("prestart", false)],
    // -config in every spelling
    [["-config", "/etc/x.toml", "prestart"], run("prestart", false, "/etc/x.toml")],
    [["-config=/etc/x.toml", "prestart"], run("prestart", false, "/etc/x.toml")],
    [["--config", "/etc/x.toml", "prestart"], run("prestart", false, "/etc/x.toml")],
    [["--config=/etc/x.toml", "prestart"], run("prestart", false, "/etc/x.toml")],
    [["-config=", "prestart"], run("prestart", false, "")],
    [["-config", "", "prestart"], run("prestart", false, "")],
    [["-config=a=b", "prestart"], run("prestart", false, "a=b")],
    [["-config", "relative.toml", "prestart"], run("prestart", false, "relative.toml")],
    [["-config", "with space.toml", "prestart"], run("prestart", false, "with space.toml")],
    // a value that starts with "-" is still the value
    [["-config", "-debug", "prestart"], run("prestart", false, "-debug")],
    [["-config", "--", "prestart"], run("prestart", false, "--")],
    [["-config", "-", "prestart"], run("prestart", false, "-")],
    [["-config", "-h", "prestart"], run("prestart", false, "-h")],
    // both flags, any order
    [["-debug", "-config", "/c.toml", "prestart"], run("prestart", true, "/c.toml")],
    [["-config=/c.toml", "--debug", "poststop"], run("poststop", true, "/c.toml")],
    [
      ["--debug", "-config=/etc/x.toml", "prestart", "-ignored"],
      run("prestart", true, "/etc/x.toml"),
    ],
    // repeated flags: last wins
    [["-debug", "-debug=false", "prestart"], run("prestart", false)],
    [["-debug=false", "-debug", "prestart"], run("prestart", true)],
    [["-config", "a", "-config=b", "prestart"], run("prestart", false, "b")],
    [["-config=a", "-config=", "prestart"], run("prestart", false, "")],
    // "--" ends the flags
    [["--", "prestart"], run("prestart")],
    [["-debug", "--", "prestart"], run("prestart", true)],
    [["-debug", "--", "prestart", "-config"], run("prestart", true)],
    // flags and words after the command are ignored
    [["prestart", "-debug"], run("prestart")],
    [["prestart", "-config=/x"], run("prestart")],
    [["prestart", "-bogus", "---x", "-debug=yes"], run("prestart")],
    [["poststart", "-config"], run("poststart")],
    [["prestart", "extra", "words"], run("prestart")],
    [["prestart", "--", "-h"], run("prestart")],
  ];
  for (const [args, want] of cases) {
    await t.step(JSON.stringify(args), () => {
      assert.deepEqual(parseArgs(args), want);
    });
  }
});

Deno.test("parseArgs() returns help for -h, -help and --help", async (t) => {
  const cases: string[][] = [
    ["-h"],
    ["-help"],
    ["--help"],
    ["--h"],
    ["-h", "prestart"],
    ["-debug", "-h", "prestart"],
    ["-config", "/x", "-help"],
    ["-h", "-bogus"],
    ["-h", "-debug=yes"],
    ["-h", "start"],
    ["-h=1"],
    ["-help=false", "prestart"],
  ];
  for (const args of cases) {
    await t.step(JSON.stringify(args), () => {
      assert.deepEqual(parseArgs(args), { kind: "help" });
    });
  }
});

Deno.test("parseArgs() rejects bad command lines with UsageError", async (t) => {
  const cases: Array<[string[], string]> = [
    // no command
    [[], "No command given"],
    [["-debug"], "No command given"],
    [["--"], "No command given"],
    [["-config", "/x"], "No command given"],
    // -config eats the next word, even a command
    [["-config", "prestart"], "No command given"],
    // unknown command
    [["start"], 'Unknown command "start"'],
    [["Prestart"], 'Unknown command "Prestart"'],
    [["PRESTART"], 'Unknown command "PRESTART"'],
    [[""], 'Unknown command ""'],
    [["-debug", "", "prestart"], 'Unknown command ""'],
    [["-"], 'Unknown command "-"'],
    [["-", "prestart"], 'Unknown command "-"'],
    [["-debug", "-", "prestart"], 'Unknown command "-"'],
    [["--", "-debug", "prestart"], 'Unknown command "-debug"'],
    [["--", "--", "prestart"], 'Unknown command "--"'],
    [["prestart\n"], 'Unknown command "prestart\\n"'],
    [["x".repeat(100)], `Unknown command "${"x".repeat(64)}..."`],
    // a bool flag takes no separate value: "true" is the command
    [["-debug", "true", "prestart"], 'Unknown command "true"'],
    [["-debug", "false"], 'Unknown command "false"'],
    // bad boolean
    [["-debug=yes", "prestart"], 'Invalid boolean value "yes" for -debug: parse error'],
    [["--debug=no", "prestart"], 'Invalid boolean value "no" for -debug: parse error'],
    [["-debug=", "prestart"], 'Invalid boolean value "" for -debug: parse error'],
    [["-debug=tRUE", "prestart"], 'Invalid boolean value "tRUE" for -debug: parse error'],
    [["-debug= true", "prestart"], 'Invalid boolean value " true" for -debug: parse error'],
    [["-debug=yes", "-h"], 'Invalid boolean value "yes" for -debug: parse error'],
    // missing value
    [["-config"], "Flag needs an argument: -config"],
    [["--config"], "Flag needs an argument: -config"],
    [["-debug", "-config"], "Flag needs an argument: -config"],
    // unknown flag
    [["-x", "prestart"], "Flag provided but not defined: -x"],
    [["--x", "prestart"], "Flag provided but not defined: -x"],
    [["-foo=bar", "prestart"], "Flag provided but not defined: -foo"],
    [["-Debug", "prestart"], "Flag provided but not defined: -Debug"],
    [["-DEBUG", "prestart"], "Flag provided but not defined: -DEBUG"],
    [["-debugx", "prestart"], "Flag provided but not defined: -debugx"],
    [["-conf", "/x", "prestart"], "Flag provided but not defined: -conf"],
    [["-H", "prestart"], "Flag provided but not defined: -H"],
    [["-x", "-h"], "Flag provided but not defined: -x"],
    [["-debug", "-bogus", "prestart"], "Flag provided but not defined: -bogus"],
    // bad syntax
    [["---x", "prestart"], "Bad flag syntax: ---x"],
    [["---debug", "prestart"], "Bad flag syntax: ---debug"],
    [["---", "prestart"], "Bad flag syntax: ---"],
    [["-=x", "prestart"], "Bad flag syntax: -=x"],
    [["--=x", "prestart"], "Bad flag syntax: --=x"],
    [["-=", "prestart"], "Bad flag syntax: -="],
    [["-debug", "---x", "prestart"], "Bad flag syntax: ---x"],
  ];
  for (const [args, message] of cases) {
    await t.step(JSON.stringify(args), () => {
      assert.throws(() => parseArgs(args), (e: unknown) => {
        assert.ok(e instanceof UsageError, `expected UsageError, got ${e}`);
        assert.equal(e.message, message);
        return true;
      });
    });
  }
});

Deno.test("parseArgs() keeps every usage error on one line (SPEC 2)", async (t) => {
  const cases: string[][] = [
    ["-a\nb", "prestart"],
    ["---a\nb", "prestart"],
    ["-debug=a\nb", "prestart"],
    ["pre\nstart"],
  ];
  for (const args of cases) {
    await t.step(JSON.stringify(args), () => {
      assert.throws(() => parseArgs(args), (e: unknown) => {
        assert.ok(e instanceof UsageError, `expected UsageError, got ${e}`);
        assert.equal(e.message.includes("\n"), false, JSON.stringify(e.message));
        assert.equal(e.message.includes("\r"), false, JSON.stringify(e.message));
        return true;
      });
    });
  }
});

Deno.test("parseArgs() returns version for -version, whatever the command", async (t) => {
  const cases: string[][] = [
    ["-version"],
    ["--version"],
    ["-version=true"],
    ["-version=1"],
    ["--version=T"],
    ["-version", "prestart"],
    ["-version", "poststop"],
    ["-version", "start"],
    ["-version", ""],
    ["-debug", "-version", "prestart"],
    ["-version", "-debug", "prestart"],
    ["-version", "-config", "/x.toml", "prestart"],
    ["-config=/x.toml", "--version"],
    ["-version=false", "-version"],
    ["-version", "--", "prestart"],
    ["-version", "true"],
  ];
  for (const args of cases) {
    await t.step(JSON.stringify(args), () => {
      assert.deepEqual(parseArgs(args), { kind: "version" });
    });
  }
});

Deno.test("parseArgs() runs the command when -version is false or comes after the command", async (t) => {
  const cases: Array<[string[], Invocation]> = [
    [["-version=false", "prestart"], run("prestart")],
    [["--version=0", "poststart"], run("poststart")],
    [["-version", "-version=false", "prestart"], run("prestart")],
    [["prestart", "-version"], run("prestart")],
    [["-debug", "prestart", "--version"], run("prestart", true)],
    [["-config", "-version", "prestart"], run("prestart", false, "-version")],
  ];
  for (const [args, want] of cases) {
    await t.step(JSON.stringify(args), () => {
      assert.deepEqual(parseArgs(args), want);
    });
  }
});

Deno.test("parseArgs() gives help over -version when -h is among the flags", async (t) => {
  for (const args of [["-h", "-version"], ["-version", "-h"], ["-version", "--help", "prestart"]]) {
    await t.step(JSON.stringify(args), () => {
      assert.deepEqual(parseArgs(args), { kind: "help" });
    });
  }
});

Deno.test("parseArgs() still reports flag errors next to -version, as Go's flag.Parse", async (t) => {
  const cases: Array<[string[], string]> = [
    [["-version=yes"], 'Invalid boolean value "yes" for -version: parse error'],
    [["-version="], 'Invalid boolean value "" for -version: parse error'],
    [["-version", "-bogus"], "Flag provided but not defined: -bogus"],
    [["-bogus", "-version"], "Flag provided but not defined: -bogus"],
    [["-version", "-config"], "Flag needs an argument: -config"],
    [["-Version"], "Flag provided but not defined: -Version"],
    [["-versions"], "Flag provided but not defined: -versions"],
    [["-v"], "Flag provided but not defined: -v"],
    [["---version"], "Bad flag syntax: ---version"],
    [["-version=false"], "No command given"],
  ];
  for (const [args, message] of cases) {
    await t.step(JSON.stringify(args), () => {
      throwsExactly(() => parseArgs(args), message, UsageError);
    });
  }
});

Deno.test("parseArgs() does not modify its arguments", () => {
  const args = ["-debug", "-config", "/x", "prestart", "-y"];
  const copy = [...args];
  parseArgs(args);
  assert.deepEqual(args, copy);
});

Deno.test("parseArgs() hands the words after an operator command to it", async (t) => {
  const table: [string[], unknown][] = [
    [["explain"], { kind: "operator", command: "explain", debug: false, configPath: "", args: [] }],
    [
      ["-debug", "-config=/c.toml", "explain", "--bundle", "/b", "--json"],
      {
        kind: "operator",
        command: "explain",
        debug: true,
        configPath: "/c.toml",
        args: ["--bundle", "/b", "--json"],
      },
    ],
    [
      ["check-config", "/etc/x.toml"],
      {
        kind: "operator",
        command: "check-config",
        debug: false,
        configPath: "",
        args: ["/etc/x.toml"],
      },
    ],
    [
      ["--", "print-oci-hook", "--path", "/p"],
      {
        kind: "operator",
        command: "print-oci-hook",
        debug: false,
        configPath: "",
        args: ["--path", "/p"],
      },
    ],
    [
      ["-config", "/c.toml", "doctor", "--root", "/srv/host", "--json"],
      {
        kind: "operator",
        command: "doctor",
        debug: false,
        configPath: "/c.toml",
        args: ["--root", "/srv/host", "--json"],
      },
    ],
  ];
  for (const [args, expected] of table) {
    await t.step(args.join(" "), () => assert.deepEqual(parseArgs(args), expected));
  }
  await t.step("-version still wins", () => {
    assert.deepEqual(parseArgs(["-version", "explain", "--nope"]), { kind: "version" });
  });
  await t.step("commands are case-sensitive", () => {
    throwsExactly(() => parseArgs(["Explain"]), 'Unknown command "Explain"', UsageError);
  });
});

Deno.test("usage() names the program, every flag and the commands", () => {
  const text = usage("nvidia-container-toolkit");
  assert.ok(text.startsWith("Usage of nvidia-container-toolkit:\n"), text);
  for (
    const word of [
      "-config",
      "-debug",
      "-version",
      "prestart",
      "poststart",
      "poststop",
      "explain",
      "check-config",
      "print-oci-hook",
      "doctor [--root DIR] [--json]",
    ]
  ) {
    assert.ok(text.includes(word), `usage lacks ${word}`);
  }
});

Deno.test("parseArgs() and usage() JSDoc examples", () => {
  assert.deepEqual(parseArgs(["--debug", "-config=/etc/x.toml", "prestart", "-ignored"]), {
    kind: "run",
    command: "prestart",
    debug: true,
    configPath: "/etc/x.toml",
  });
  assert.equal(
    usage("nvidia-container-runtime-hook").startsWith("Usage of nvidia-container-runtime-hook:"),
    true,
  );
});
