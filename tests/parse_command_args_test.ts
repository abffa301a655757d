import assert from "node:assert/strict";
import { throwsExactly } from "./_assert.ts";
import { UsageError } from "../lib/errors.ts";
import type { OperatorCommand } from "../lib/parse_args.ts";
import { type CommandOptions, parseCommandArgs } from "../lib/parse_command_args.ts";

type Explain = Extract<CommandOptions, { command: "explain" }>;

function explain(fields: Partial<Omit<Explain, "command">> = {}): Explain {
  return { command: "explain", bundle: undefined, json: false, configPath: undefined, ...fields };
}

Deno.test("parseCommandArgs() reads explain's flags, Go style", async (t) => {
  const table: [string[], CommandOptions][] = [
    [[], explain()],
    [["--json"], explain({ json: true })],
    [["-json"], explain({ json: true })],
    [["--json=true"], explain({ json: true })],
    [["--json=false"], explain()],
    [["-json=0"], explain()],
    [["--json=T"], explain({ json: true })],
    [["--bundle", "/b"], explain({ bundle: "/b" })],
    [["-bundle=/b"], explain({ bundle: "/b" })],
    [["--bundle=rel/dir"], explain({ bundle: "rel/dir" })],
    [["--bundle", "/b", "--json"], explain({ bundle: "/b", json: true })],
    [["--json", "--bundle", "/b"], explain({ bundle: "/b", json: true })],
    // A value word may look like a flag: it is the value.
    [["--bundle", "--json"], explain({ bundle: "--json" })],
    // The last occurrence wins.
    [["--bundle", "/a", "--bundle", "/b"], explain({ bundle: "/b" })],
    [["-config", "/etc/x.toml"], explain({ configPath: "/etc/x.toml" })],
    [["--config=/etc/x.toml", "--json"], explain({ configPath: "/etc/x.toml", json: true })],
    // -config= means "search the default places", overriding a global -config.
    [["-config="], explain({ configPath: "" })],
    [["--"], explain()],
    [["--json", "--"], explain({ json: true })],
  ];
  for (const [args, options] of table) {
    await t.step(args.join(" ") || "(none)", () => {
      assert.deepEqual(parseCommandArgs("explain", args), options);
    });
  }
});

Deno.test("parseCommandArgs() reads check-config's flag and optional FILE", async (t) => {
  const table: [string[], CommandOptions][] = [
    [[], { command: "check-config", file: undefined, json: false }],
    [["/etc/x.toml"], { command: "check-config", file: "/etc/x.toml", json: false }],
    [["--json"], { command: "check-config", file: undefined, json: true }],
    [["--json", "/etc/x.toml"], { command: "check-config", file: "/etc/x.toml", json: true }],
    [["-json=false", "x.toml"], { command: "check-config", file: "x.toml", json: false }],
    // `--` ends the flags: a FILE may start with "-".
    [["--", "-odd.toml"], { command: "check-config", file: "-odd.toml", json: false }],
    [["--json", "--", "--json"], { command: "check-config", file: "--json", json: true }],
  ];
  for (const [args, options] of table) {
    await t.step(args.join(" ") || "(none)", () => {
      assert.deepEqual(parseCommandArgs("check-config", args), options);
    });
  }
});

function ociHook(path: string | undefined, env: string[] = []): CommandOptions {
  return { command: "print-oci-hook", path, env };
}

Deno.test("parseCommandArgs() reads print-oci-hook's --path", async (t) => {
  const table: [string[], CommandOptions][] = [
    [[], ociHook(undefined)],
    [["--path", "/opt/hook"], ociHook("/opt/hook")],
    [["-path=/opt/hook"], ociHook("/opt/hook")],
    // Validated by ociHook(), not here.
    [["--path", "relative"], ociHook("relative")],
    [["--path="], ociHook("")],
    [["--path", "/a", "--path", "/b"], ociHook("/b")],
  ];
  for (const [args, options] of table) {
    await t.step(args.join(" ") || "(none)", () => {
      assert.deepEqual(parseCommandArgs("print-oci-hook", args), options);
    });
  }
});

Deno.test("parseCommandArgs() keeps every print-oci-hook --env, in order", async (t) => {
  const table: [string[], CommandOptions][] = [
    [["--env", "A=1"], ociHook(undefined, ["A=1"])],
    [["-env=A=1"], ociHook(undefined, ["A=1"])],
    [["--env=A=1", "-env", "B=2", "--env", "A=3"], ociHook(undefined, ["A=1", "B=2", "A=3"])],
    [["--env", "A=1", "--path", "/p", "--env", "B=2"], ociHook("/p", ["A=1", "B=2"])],
    // Validated by ociHook(), not here.
    [["--env", "not-an-entry"], ociHook(undefined, ["not-an-entry"])],
    [["--env="], ociHook(undefined, [""])],
    // A value word may look like a flag: it is the value.
    [["--env", "--path"], ociHook(undefined, ["--path"])],
    [["--path", "--env", "--env", "-h"], ociHook("--env", ["-h"])],
    [["--env", "A=1", "--"], ociHook(undefined, ["A=1"])],
  ];
  for (const [args, options] of table) {
    await t.step(args.join(" "), () => {
      assert.deepEqual(parseCommandArgs("print-oci-hook", args), options);
    });
  }
});

Deno.test("parseCommandArgs() reads doctor's --root and --json", async (t) => {
  const table: [string[], CommandOptions][] = [
    [[], { command: "doctor", root: undefined, json: false }],
    [["--json"], { command: "doctor", root: undefined, json: true }],
    [["--root", "/srv/host"], { command: "doctor", root: "/srv/host", json: false }],
    [["-root=rel", "-json"], { command: "doctor", root: "rel", json: true }],
    [["--root", "/a", "--root", "/b"], { command: "doctor", root: "/b", json: false }],
  ];
  for (const [args, options] of table) {
    await t.step(args.join(" ") || "(none)", () => {
      assert.deepEqual(parseCommandArgs("doctor", args), options);
    });
  }
});

Deno.test("parseCommandArgs() returns help for -h and -help, wherever they come", async (t) => {
  const table: [OperatorCommand, string[]][] = [
    ["explain", ["-h"]],
    ["explain", ["--help"]],
    ["explain", ["--json", "-h"]],
    ["check-config", ["-help"]],
    ["check-config", ["--json", "--h"]],
    ["print-oci-hook", ["-h"]],
    ["print-oci-hook", ["--path", "/x", "--help"]],
    ["print-oci-hook", ["--env", "A=1", "-help"]],
    // Go's flag package stops at -h: what follows is not looked at.
    ["print-oci-hook", ["-h", "--env"]],
    ["print-oci-hook", ["--help", "--nope"]],
    ["doctor", ["--root", "/x", "-h"]],
  ];
  for (const [command, args] of table) {
    await t.step(`${command} ${args.join(" ")}`, () => {
      assert.deepEqual(parseCommandArgs(command, args), { command: "help" });
    });
  }
});

Deno.test("parseCommandArgs() refuses unknown flags, missing values and extra words", async (t) => {
  const table: [OperatorCommand, string[], string][] = [
    ["explain", ["--nope"], "Flag provided but not defined: -nope"],
    ["explain", ["-path", "/x"], "Flag provided but not defined: -path"],
    // The global flags are not flags of the command.
    ["explain", ["-debug"], "Flag provided but not defined: -debug"],
    ["explain", ["--bundle"], "Flag needs an argument: -bundle"],
    ["explain", ["--json", "-config"], "Flag needs an argument: -config"],
    ["explain", ["--json=maybe"], 'Invalid boolean value "maybe" for -json: parse error'],
    ["explain", ["--json="], 'Invalid boolean value "" for -json: parse error'],
    ["explain", ["---json"], "Bad flag syntax: ---json"],
    ["explain", ["-=x"], "Bad flag syntax: -=x"],
    ["explain", ["bundle-dir"], 'Unexpected argument "bundle-dir" after explain'],
    ["explain", ["--json", "x"], 'Unexpected argument "x" after explain'],
    ["explain", ["--", "--json"], 'Unexpected argument "--json" after explain'],
    ["explain", ["-"], 'Unexpected argument "-" after explain'],
    ["check-config", ["--nope"], "Flag provided but not defined: -nope"],
    ["check-config", ["--path", "/x"], "Flag provided but not defined: -path"],
    ["check-config", ["a.toml", "b.toml"], 'Unexpected argument "b.toml" after check-config'],
    // Go's flag package stops at the first non-flag word.
    ["check-config", ["a.toml", "--json"], 'Unexpected argument "--json" after check-config'],
    ["print-oci-hook", ["--json"], "Flag provided but not defined: -json"],
    ["print-oci-hook", ["--path"], "Flag needs an argument: -path"],
    ["print-oci-hook", ["--env"], "Flag needs an argument: -env"],
    ["print-oci-hook", ["--env", "A=1", "--env"], "Flag needs an argument: -env"],
    ["print-oci-hook", ["---env", "A=1"], "Bad flag syntax: ---env"],
    ["print-oci-hook", ["-=A=1"], "Bad flag syntax: -=A=1"],
    ["print-oci-hook", ["--envs", "A=1"], "Flag provided but not defined: -envs"],
    ["print-oci-hook", ["--env", "A=1", "B=2"], 'Unexpected argument "B=2" after print-oci-hook'],
    ["print-oci-hook", ["--", "--env", "A=1"], 'Unexpected argument "--env" after print-oci-hook'],
    [
      "print-oci-hook",
      ["/usr/bin/hook"],
      'Unexpected argument "/usr/bin/hook" after print-oci-hook',
    ],
    ["doctor", ["--root"], "Flag needs an argument: -root"],
    ["doctor", ["--root="], '--root must name a directory, got ""'],
    ["doctor", ["/srv/host"], 'Unexpected argument "/srv/host" after doctor'],
    ["doctor", ["--config", "/x"], "Flag provided but not defined: -config"],
  ];
  for (const [command, args, message] of table) {
    await t.step(`${command} ${args.join(" ")}`, () => {
      throwsExactly(() => parseCommandArgs(command, args), message, UsageError);
    });
  }
});

Deno.test("parseCommandArgs() keeps usage errors on one line and short", async (t) => {
  const long = "y".repeat(80);
  const table: [OperatorCommand, string[], string][] = [
    ["explain", ["--a\nb"], "Flag provided but not defined: -a\\nb"],
    ["explain", ["--\u001b[31m"], "Flag provided but not defined: -\\u001b[31m"],
    ["explain", ["--json=\n"], 'Invalid boolean value "\\n" for -json: parse error'],
    ["explain", ["x\ny"], 'Unexpected argument "x\\ny" after explain'],
    [
      "print-oci-hook",
      [long],
      `Unexpected argument "${"y".repeat(64)}..." after print-oci-hook`,
    ],
  ];
  for (const [command, args, message] of table) {
    await t.step(JSON.stringify(args), () => {
      throwsExactly(() => parseCommandArgs(command, args), message, UsageError);
    });
  }
});
