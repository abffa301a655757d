/**
 * Loading the TOML config file into a {@linkcode HookConfig}. This module
 * pulls in the TOML parser, so `main.ts` imports it only when a file exists.
 *
 * @module
 */

import { parse, TomlError } from "smol-toml";
import { InputError } from "./errors.ts";
import { type CliConfig, defaultHookConfig, type HookConfig } from "./hook_config.ts";

/**
 * How a key is read: `bool`; `string` (any string, `""` included);
 * `string-or-unset` (`""` means the key is unset); `strings` (an array of
 * `KEY=VALUE` strings).
 */
type KeyKind = "bool" | "string" | "string-or-unset" | "env-list";

const EXPECTED: Record<KeyKind, string> = {
  "bool": "a boolean",
  "string": "a string",
  "string-or-unset": "a string",
  "env-list": 'an array of "KEY=VALUE" strings',
};

type Doc = Record<string, unknown>;

function own(table: Doc, key: string): unknown {
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

function isTable(v: unknown): v is Doc {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Reads and type-checks one key; `undefined` when absent (or unset). */
function read(table: Doc, key: string, kind: "bool", where: Where): boolean | undefined;
function read(
  table: Doc,
  key: string,
  kind: "string" | "string-or-unset",
  where: Where,
): string | undefined;
function read(table: Doc, key: string, kind: "env-list", where: Where): string[] | undefined;
function read(
  table: Doc,
  key: string,
  kind: KeyKind,
  where: Where,
): boolean | string | string[] | undefined {
  const value = own(table, key);
  if (value === undefined) return undefined;
  const name = where.prefix + key;
  const fail = (detail = `must be ${EXPECTED[kind]}`, index = "") =>
    new InputError(`Cannot load config file ${where.file}: "${name}${index}" ${detail}`);
  switch (kind) {
    case "bool":
      if (typeof value !== "boolean") throw fail();
      return value;
    case "string":
    case "string-or-unset":
      if (typeof value !== "string") throw fail();
      return kind === "string-or-unset" && value === "" ? undefined : value;
    case "env-list": {
      if (!Array.isArray(value)) throw fail();
      return value.map((entry: unknown, i) => {
        if (typeof entry !== "string") {
          throw fail("must be a string of the form KEY=VALUE", `[${i}]`);
        }
        if (entry.indexOf("=") < 1) {
          throw fail("must have the form KEY=VALUE with a non-empty KEY", `[${i}]`);
        }
        return entry;
      });
    }
  }
}

interface Where {
  file: string;
  prefix: string;
}

function readCli(doc: Doc, file: string): CliConfig {
  const defaults = defaultHookConfig().cli;
  const table = own(doc, "nvidia-container-cli");
  if (table === undefined) return defaults;
  if (!isTable(table)) {
    throw new InputError(`Cannot load config file ${file}: "nvidia-container-cli" must be a table`);
  }
  const w: Where = { file, prefix: "nvidia-container-cli." };
  return {
    root: read(table, "root", "string-or-unset", w),
    path: read(table, "path", "string-or-unset", w),
    environment: read(table, "environment", "env-list", w) ?? defaults.environment,
    debug: read(table, "debug", "string-or-unset", w),
    ldcache: read(table, "ldcache", "string-or-unset", w),
    loadKmods: read(table, "load-kmods", "bool", w) ?? defaults.loadKmods,
    noPivot: read(table, "no-pivot", "bool", w) ?? defaults.noPivot,
    noCgroups: read(table, "no-cgroups", "bool", w) ?? defaults.noCgroups,
    user: read(table, "user", "string-or-unset", w),
    ldconfig: read(table, "ldconfig", "string-or-unset", w),
    alphaMergeVisibleDevicesEnvvars:
      read(table, "alpha-merge-visible-devices-envvars", "bool", w) ??
        defaults.alphaMergeVisibleDevicesEnvvars,
  };
}

/**
 * Parses the text of a TOML config file. Unknown keys and tables are
 * ignored (hosts carry keys for other NVIDIA tools); known keys must have
 * their type. `file` names the file in error messages.
 *
 * @throws {InputError} on TOML syntax errors (with line and column) and on
 * known keys of the wrong type.
 *
 * @example
 * ```ts
 * parseConfig('[nvidia-container-cli]\nload-kmods = false\n', "/etc/x.toml").cli.loadKmods; // false
 * ```
 */
export function parseConfig(text: string, file: string): HookConfig {
  let doc: Doc;
  try {
    doc = parse(text) as Doc;
  } catch (e) {
    if (e instanceof TomlError) {
      const reason = (e.message.split("\n")[0] ?? "").replace(/^Invalid TOML document: /, "");
      throw new InputError(
        `Cannot parse config file ${file}: line ${e.line}, column ${e.column}: ${reason}`,
      );
    }
    throw new InputError(`Cannot parse config file ${file}: ${String(e)}`);
  }
  const top: Where = { file, prefix: "" };
  return {
    disableRequire: read(doc, "disable-require", "bool", top) ?? false,
    swarmResource: read(doc, "swarm-resource", "string", top),
    cli: readCli(doc, file),
  };
}
