/**
 * The arguments of the operator commands (`explain`, `check-config`,
 * `print-oci-hook`, `doctor`), with the same Go `flag` conventions as the global
 * flags. Unlike `prestart`, they reject words they do not know.
 *
 * @module
 */

import { type FlagKind, parseFlags } from "./_flags.ts";
import { quote, UsageError } from "./errors.ts";
import type { OperatorCommand } from "./parse_args.ts";

/** What an operator command was asked to do. */
export type CommandOptions =
  | { command: "help" }
  | {
    command: "explain";
    /** `--bundle DIR`: read `DIR/config.json` instead of a state on stdin. */
    bundle: string | undefined;
    json: boolean;
    /** `-config FILE` given after the command (overrides the global flag). */
    configPath: string | undefined;
  }
  | { command: "check-config"; file: string | undefined; json: boolean }
  | { command: "print-oci-hook"; path: string | undefined }
  | {
    command: "doctor";
    /** `--root DIR`: read every host path under DIR (a fake host tree). */
    root: string | undefined;
    json: boolean;
  };

const FLAGS: Record<OperatorCommand, ReadonlyMap<string, FlagKind>> = {
  "explain": new Map([["bundle", "string"], ["json", "bool"], ["config", "string"]]),
  "check-config": new Map([["json", "bool"]]),
  "print-oci-hook": new Map([["path", "string"]]),
  "doctor": new Map([["root", "string"], ["json", "bool"]]),
};

function noMore(command: string, rest: readonly string[]): void {
  if (rest.length > 0) {
    throw new UsageError(`Unexpected argument ${quote(rest[0] as string)} after ${command}`);
  }
}

/**
 * Parses the words after an operator command.
 *
 * @throws {UsageError} on an unknown flag, a missing value or an extra word.
 *
 * @example
 * ```ts
 * parseCommandArgs("explain", ["--bundle", "/b", "--json"]);
 * // { command: "explain", bundle: "/b", json: true, configPath: undefined }
 * ```
 */
export function parseCommandArgs(
  command: OperatorCommand,
  args: readonly string[],
): CommandOptions {
  const { help, bools, strings, rest } = parseFlags(args, FLAGS[command]);
  if (help) return { command: "help" };
  switch (command) {
    case "explain":
      noMore(command, rest);
      return {
        command,
        bundle: strings.get("bundle"),
        json: bools.get("json") ?? false,
        configPath: strings.get("config"),
      };
    case "check-config":
      noMore(command, rest.slice(1));
      return { command, file: rest[0], json: bools.get("json") ?? false };
    case "print-oci-hook":
      noMore(command, rest);
      return { command, path: strings.get("path") };
    case "doctor": {
      noMore(command, rest);
      const root = strings.get("root");
      if (root === "") throw new UsageError('--root must name a directory, got ""');
      return { command, root, json: bools.get("json") ?? false };
    }
  }
}
