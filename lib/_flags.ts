/**
 * The flag loop of Go's `flag` package, shared by the global flags and the
 * flags of the operator commands.
 *
 * @module
 */

import { printable, quote, UsageError } from "./errors.ts";
import { parseBool } from "./parse_bool.ts";

/** A flag's kind; a bool flag takes no separate value word. */
export type FlagKind = "bool" | "string";

/** The flags found, and the words after them. */
export interface ParsedFlags {
  /** `-h` or `-help` was given (parsing stopped there). */
  help: boolean;
  bools: Map<string, boolean>;
  strings: Map<string, string>;
  /** The words after the flags (after `--`, or from the first non-flag word). */
  rest: readonly string[];
}

/**
 * Parses flags `-name` or `--name`, values `-name=value` or `-name value`;
 * `--` ends the flags, and so does the first word that is not a flag.
 *
 * @throws {UsageError} on an unknown flag, a missing value, a bad boolean.
 */
export function parseFlags(
  args: readonly string[],
  flags: ReadonlyMap<string, FlagKind>,
): ParsedFlags {
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
    const kind = flags.get(name);
    switch (kind) {
      case undefined:
        if (name === "h" || name === "help") return { help: true, bools, strings, rest: [] };
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
  return { help: false, bools, strings, rest: args.slice(i) };
}
