/**
 * The arguments of the operator commands (`explain`, `check-config`,
 * `print-oci-hook`, `print-base-spec`, `print-containerd-config`, `doctor`), with the same Go `flag` conventions as the global
 * flags. Unlike `prestart`, they reject words they do not know.
 *
 * @module
 */

import { type FlagKind, type ParsedFlags, parseFlags } from "./_flags.ts";
import { quote, UsageError } from "./errors.ts";
import type { OperatorCommand } from "./parse_args.ts";
import {
  type ConfigVersion,
  DEFAULT_RUNTIME_NAME,
  parseConfigVersion,
} from "./containerd_config.ts";

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
  | {
    command: "print-oci-hook";
    path: string | undefined;
    /** Each `--env KEY=VALUE`, in order (validated by `ociHook`). */
    env: string[];
  }
  | {
    command: "print-base-spec";
    path: string | undefined;
    /** Each `--env KEY=VALUE`, in order (validated by `ociHook`). */
    env: string[];
  }
  | {
    command: "print-containerd-config";
    /** `--base-runtime-spec FILE` (required). */
    baseRuntimeSpec: string;
    /** `--runtime-name NAME`, default `nvidia`. */
    runtimeName: string;
    setAsDefault: boolean;
    /** `--config-version 2|3`, when given. */
    configVersion: ConfigVersion | undefined;
    /** `--from CONFIG`: the config to merge into. */
    from: string | undefined;
  }
  | {
    command: "doctor";
    /** `--root DIR`: read every host path under DIR (a fake host tree). */
    root: string | undefined;
    json: boolean;
  };

const FLAGS: Record<OperatorCommand, ReadonlyMap<string, FlagKind>> = {
  "explain": new Map([["bundle", "string"], ["json", "bool"], ["config", "string"]]),
  "check-config": new Map([["json", "bool"]]),
  "print-oci-hook": new Map([["path", "string"], ["env", "string"]]),
  "print-base-spec": new Map([["path", "string"], ["env", "string"]]),
  "print-containerd-config": new Map([
    ["base-runtime-spec", "string"],
    ["runtime-name", "string"],
    ["set-as-default", "bool"],
    ["config-version", "string"],
    ["from", "string"],
  ]),
  "doctor": new Map([["root", "string"], ["json", "bool"]]),
};

/** The string flags of a command that may be given more than once, each value kept. */
const REPEATABLE: Partial<Record<OperatorCommand, string>> = {
  "print-oci-hook": "env",
  "print-base-spec": "env",
};

/**
 * `parseFlags`, one flag (with its value word) at a time and in order, so
 * that every value of the `repeatable` flag is kept, while errors, `-h` and
 * the end of the flags are exactly those of `parseFlags`.
 */
function parseRepeating(
  args: readonly string[],
  flags: ReadonlyMap<string, FlagKind>,
  repeatable: string,
): ParsedFlags & { repeated: string[] } {
  const bools = new Map<string, boolean>();
  const strings = new Map<string, string>();
  const repeated: string[] = [];
  let i = 0;
  while (i < args.length) {
    const word = args[i] as string;
    if (word.length < 2 || word[0] !== "-") break;
    if (word === "--") {
      i++;
      break;
    }
    const name = word.slice(word[1] === "-" ? 2 : 1);
    const takesWord = !name.includes("=") && flags.get(name) === "string";
    const one = parseFlags(args.slice(i, i + (takesWord ? 2 : 1)), flags);
    if (one.help) return { help: true, bools, strings, rest: [], repeated };
    i += takesWord ? 2 : 1;
    for (const [k, v] of one.bools) bools.set(k, v);
    for (const [k, v] of one.strings) {
      if (k === repeatable) repeated.push(v);
      else strings.set(k, v);
    }
  }
  return { help: false, bools, strings, rest: args.slice(i), repeated };
}

function noMore(command: string, rest: readonly string[]): void {
  if (rest.length > 0) {
    throw new UsageError(`Unexpected argument ${quote(rest[0] as string)} after ${command}`);
  }
}

/**
 * Parses the words after an operator command. `print-oci-hook`'s and
 * `print-base-spec`'s `--env` may be repeated; every other flag's last occurrence wins.
 *
 * @throws {UsageError} on an unknown flag, a missing value or an extra word.
 *
 * @example
 * ```ts
 * parseCommandArgs("explain", ["--bundle", "/b", "--json"]);
 * // { command: "explain", bundle: "/b", json: true, configPath: undefined }
 * parseCommandArgs("print-oci-hook", ["--env", "A=1", "--env=B=2"]);
 * // { command: "print-oci-hook", path: undefined, env: ["A=1", "B=2"] }
 * ```
 */
export function parseCommandArgs(
  command: OperatorCommand,
  args: readonly string[],
): CommandOptions {
  const repeatable = REPEATABLE[command];
  const { help, bools, strings, rest, repeated } = repeatable === undefined
    ? { ...parseFlags(args, FLAGS[command]), repeated: [] }
    : parseRepeating(args, FLAGS[command], repeatable);
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
      return { command, path: strings.get("path"), env: repeated };
    case "print-base-spec":
      noMore(command, rest);
      return { command, path: strings.get("path"), env: repeated };
    case "print-containerd-config": {
      noMore(command, rest);
      const spec = strings.get("base-runtime-spec");
      if (spec === undefined) {
        throw new UsageError("print-containerd-config needs --base-runtime-spec FILE");
      }
      const version = strings.get("config-version");
      const from = strings.get("from");
      if (from === "") throw new UsageError('--from must name a file, got ""');
      return {
        command,
        baseRuntimeSpec: spec,
        runtimeName: strings.get("runtime-name") ?? DEFAULT_RUNTIME_NAME,
        setAsDefault: bools.get("set-as-default") ?? false,
        configVersion: version === undefined ? undefined : parseConfigVersion(version),
        from,
      };
    }
    case "doctor": {
      noMore(command, rest);
      const root = strings.get("root");
      if (root === "") throw new UsageError('--root must name a directory, got ""');
      return { command, root, json: bools.get("json") ?? false };
    }
  }
}
