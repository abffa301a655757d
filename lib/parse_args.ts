/**
 * The hook's command line, parsed with the conventions of Go's `flag`
 * package that existing host configurations were written for.
 *
 * @module
 */

import { type FlagKind, parseFlags } from "./_flags.ts";
import { quote, UsageError } from "./errors.ts";

/** The commands the hook knows, in the order the usage lists them. */
export const COMMANDS = ["prestart", "poststart", "poststop"] as const;

/** One of {@linkcode COMMANDS}. */
export type Command = typeof COMMANDS[number];

/** The operator commands (arguments parsed by `parseCommandArgs`). */
export const OPERATOR_COMMANDS = [
  "explain",
  "check-config",
  "print-oci-hook",
  "print-base-spec",
  "print-containerd-config",
  "doctor",
] as const;

/** One of {@linkcode OPERATOR_COMMANDS}. */
export type OperatorCommand = typeof OPERATOR_COMMANDS[number];

/** What the command line asks for. */
export type Invocation =
  | { kind: "help" }
  /** `-version`: print the version and exit, whatever the command. */
  | { kind: "version" }
  | {
    kind: "run";
    command: Command;
    /** `-debug`: CLI logs to stderr and the hook prints its decision trace. */
    debug: boolean;
    /** `-config FILE`; `""` (the default) means search the default places. */
    configPath: string;
  }
  | {
    kind: "operator";
    command: OperatorCommand;
    debug: boolean;
    configPath: string;
    /** The words after the command, for `parseCommandArgs`. */
    args: readonly string[];
  };

/** Flags and their kind; a bool flag takes no separate value word. */
const FLAGS = new Map<string, FlagKind>([
  ["debug", "bool"],
  ["config", "string"],
  ["version", "bool"],
]);

/**
 * The usage text printed on `-h` and after every usage error.
 *
 * @example
 * ```ts
 * usage("nvidia-container-runtime-hook").startsWith("Usage of nvidia-container-runtime-hook:"); // true
 * ```
 */
export function usage(program: string): string {
  return [
    `Usage of ${program}:`,
    "  -config string",
    "        configuration file",
    "  -debug",
    "        enable debug output",
    "  -version",
    "        show the version information",
    "",
    "Commands:",
    "  prestart",
    "        run the prestart hook",
    "  poststart",
    "        no-op",
    "  poststop",
    "        no-op",
    "  explain [--bundle DIR] [--json] [-config FILE]",
    "        show the decision prestart would make (state on stdin, or a bundle directory)",
    "  check-config [--json] [FILE]",
    "        load the config file prestart would use (or FILE) and report its settings",
    "  print-oci-hook [--path P] [--env KEY=VALUE ...]",
    "        print the OCI hooks.d JSON for podman and CRI-O",
    "  print-base-spec [--path P] [--env KEY=VALUE ...]",
    "        print the OCI spec on stdin with this hook in hooks.prestart (containerd base_runtime_spec)",
    "  print-containerd-config --base-runtime-spec FILE [--runtime-name NAME] [--set-as-default]",
    "                          [--config-version 2|3] [--from CONFIG]",
    "        print containerd config registering a runtime handler that starts from FILE",
    "  doctor [--root DIR] [--json]",
    "        check whether this host is ready for GPU containers, and say what to fix",
    "",
  ].join("\n");
}

function isCommand(word: string): word is Command {
  return (COMMANDS as readonly string[]).includes(word);
}

/**
 * Parses the arguments after the program name. Flags are `-name` or
 * `--name`, values `-name=value` or `-name value`; `--` ends the flags;
 * parsing stops at the first non-flag word, the command; words after it are
 * ignored for the hook commands and returned for the operator commands.
 * `-version` wins over any command (or none).
 *
 * @throws {UsageError} on an unknown flag, a missing value, a bad boolean, a
 * missing or unknown command.
 *
 * @example
 * ```ts
 * parseArgs(["--debug", "-config=/etc/x.toml", "prestart", "-ignored"]);
 * // { kind: "run", command: "prestart", debug: true, configPath: "/etc/x.toml" }
 * ```
 */
export function parseArgs(args: readonly string[]): Invocation {
  const { help, bools, strings, rest } = parseFlags(args, FLAGS);
  if (help) return { kind: "help" };
  if (bools.get("version") === true) return { kind: "version" };
  const command = rest[0];
  if (command === undefined) throw new UsageError("No command given");
  const debug = bools.get("debug") ?? false;
  const configPath = strings.get("config") ?? "";
  if ((OPERATOR_COMMANDS as readonly string[]).includes(command)) {
    return {
      kind: "operator",
      command: command as OperatorCommand,
      debug,
      configPath,
      args: rest.slice(1),
    };
  }
  if (!isCommand(command)) throw new UsageError(`Unknown command ${quote(command)}`);
  return {
    kind: "run",
    command,
    debug,
    configPath,
  };
}
