/**
 * The hook's command line, parsed with the conventions of Go's `flag`
 * package that existing host configurations were written for.
 *
 * @module
 */

import { printable, quote, UsageError } from "./errors.ts";
import { parseBool } from "./parse_bool.ts";

/** The commands the hook knows, in the order the usage lists them. */
export const COMMANDS = ["prestart", "poststart", "poststop"] as const;

/** One of {@linkcode COMMANDS}. */
export type Command = typeof COMMANDS[number];

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
  };

/** Flags and their kind; a bool flag takes no separate value word. */
const FLAGS = new Map<string, "bool" | "string">([
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
 * ignored. `-version` wins over any command (or none).
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
  const bools = new Map<string, boolean>();
  const strings = new Map<string, string>();
  let i = 0;
  while (i < args.length) {
    const word = args[i] as string;
    if (word.length < 2 || word[0] !== "-") break;
    i++;
    if (word === "--") break;
    let name = word.slice(word[1] === "-" ? 2 : 1);
    if (name === "" || name[0] === "-" || name[0] === "=") {
      throw new UsageError(`Bad flag syntax: ${printable(word)}`);
    }
    let value: string | undefined;
    const eq = name.indexOf("=");
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const kind = FLAGS.get(name);
    switch (kind) {
      case undefined:
        if (name === "h" || name === "help") return { kind: "help" };
        throw new UsageError(`Flag provided but not defined: -${printable(name)}`);
      case "bool": {
        const b = value === undefined ? true : parseBool(value);
        if (b === undefined) {
          throw new UsageError(
            `Invalid boolean value ${quote(value ?? "")} for -${name}: parse error`,
          );
        }
        bools.set(name, b);
        break;
      }
      case "string":
        if (value === undefined) {
          if (i >= args.length) throw new UsageError(`Flag needs an argument: -${name}`);
          value = args[i++] as string;
        }
        strings.set(name, value);
        break;
    }
  }
  if (bools.get("version") === true) return { kind: "version" };
  const command = args[i];
  if (command === undefined) throw new UsageError("No command given");
  if (!isCommand(command)) throw new UsageError(`Unknown command ${quote(command)}`);
  return {
    kind: "run",
    command,
    debug: bools.get("debug") ?? false,
    configPath: strings.get("config") ?? "",
  };
}
