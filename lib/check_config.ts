/**
 * `check-config`: loads a config file the way `prestart` does and reports
 * the effective settings, errors with line numbers, and warnings for
 * unknown keys (with a suggestion for near misses) and risky values.
 *
 * @module
 */

import { escapeControls } from "./_escape.ts";
import {
  CONFIG_KEYS,
  CONFIG_TABLES,
  isToleratedKey,
  ldconfigWarning,
  UPSTREAM_KEYS,
} from "./config_keys.ts";
import { isTomlTable as isTable, keySpelling } from "./_config_lookup.ts";
import { didYouMean } from "./did_you_mean.ts";
import { InputError } from "./errors.ts";
import { defaultHookConfig, type HookConfig } from "./hook_config.ts";
import { parseConfig } from "./parse_config.ts";
import { parseToml } from "./parse_toml.ts";

/** One effective setting. */
export interface Setting {
  key: string;
  /** The value `prestart` uses (`null`: unset). */
  value: boolean | string | readonly string[] | null;
  /** Not set in the file: the built-in default applies. */
  isDefault: boolean;
}

/** What `check-config` found. */
export interface CheckReport {
  /** The file checked, or `null` when none was found (built-in defaults). */
  file: string | null;
  /** Where the file came from (`-config flag`, `built-in path`, ...). */
  origin: string;
  /** Every known key, in the order of the SPEC's table (empty on error). */
  settings: readonly Setting[];
  /** Unknown keys and risky values; they do not fail `prestart`. */
  warnings: readonly string[];
  /** The error `prestart` would report, or `null`. */
  error: string | null;
}

type Doc = Record<string, unknown>;

/** The dotted paths of every value that is not a table. */
function leafKeys(doc: Doc, prefix = ""): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(doc)) {
    const key = prefix + k;
    if (isTable(v)) out.push(...leafKeys(v, `${key}.`));
    else out.push(key);
  }
  return out;
}

/** Whether `prestart` reads `dotted` from the file (in either spelling it takes). */
function has(doc: Doc, dotted: string): boolean {
  let node: unknown = doc;
  for (const part of dotted.split(".")) {
    if (!isTable(node)) return false;
    const name = keySpelling(node, part);
    if (name === undefined) return false;
    node = node[name];
  }
  return true;
}

/**
 * The warning for a key that names a known key in another case, or
 * `undefined` when `key` is not such a key: capitals are read (unless the
 * documented spelling is also present), other case variants are ignored.
 */
function spellingWarning(
  text: string,
  doc: Doc,
  key: string,
  known: ReadonlySet<string>,
): string | undefined {
  const parts = key.split(".");
  const canonical = parts.map((p) => p.toLowerCase());
  const canonicalKey = canonical.join(".");
  if (canonicalKey === key || !known.has(canonicalKey)) return undefined;
  let node: unknown = doc;
  let verdict: "read" | "shadowed" | "ignored" = "read";
  for (let i = 0; i < parts.length && verdict === "read"; i++) {
    const part = parts[i] as string;
    const want = canonical[i] as string;
    if (!isTable(node)) break;
    if (part !== want) {
      if (part !== part.toUpperCase()) verdict = "ignored";
      else if (Object.hasOwn(node, want)) verdict = "shadowed";
    }
    node = node[part];
  }
  const name = `"${key}"`;
  switch (verdict) {
    case "read":
      return `${at(text, key)}${name} is read as "${canonicalKey}" (capitals are read, as` +
        ` NVIDIA's hook reads them); spell it "${canonicalKey}"`;
    case "shadowed":
      return `${at(text, key)}${name} is ignored: the documented spelling is also present,` +
        ` and only that one counts; remove it or merge it into "${canonicalKey}"`;
    case "ignored":
      return `${at(text, key)}${name} is ignored: keys are read in lower case or in` +
        ` capitals only; did you mean "${canonicalKey}"?`;
  }
}

function unquote(part: string): string {
  const p = part.trim();
  return (p.startsWith('"') && p.endsWith('"')) || (p.startsWith("'") && p.endsWith("'"))
    ? p.slice(1, -1)
    : p;
}

function dotted(raw: string): string {
  return raw.split(".").map(unquote).join(".");
}

/**
 * The 1-based line where `key` (dotted) is assigned, found by tracking
 * `[table]` headers; `undefined` when not found (inline tables, say).
 *
 * @example
 * ```ts
 * keyLine('[nvidia-container-cli]\nload-kmods = 1\n', "nvidia-container-cli.load-kmods"); // 2
 * ```
 */
export function keyLine(text: string, key: string): number | undefined {
  let table = "";
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line.startsWith("[")) {
      const end = line.indexOf("]");
      if (end > 0) table = dotted(line.slice(line.startsWith("[[") ? 2 : 1, end));
      continue;
    }
    const eq = line.indexOf("=");
    if (eq <= 0 || line.startsWith("#")) continue;
    const full = (table === "" ? "" : `${table}.`) + dotted(line.slice(0, eq));
    if (full === key) return i + 1;
  }
  return undefined;
}

function at(text: string, key: string): string {
  const line = keyLine(text, key);
  return line === undefined ? "" : `line ${line}: `;
}

/** A key of ours with the same last part, for a key in the wrong table. */
function sameLeaf(key: string): string | undefined {
  const leaf = key.slice(key.lastIndexOf(".") + 1);
  return CONFIG_KEYS.map((k) => k.key).find((k) => k.endsWith(`.${leaf}`) || k === leaf);
}

function unknownKeyWarning(text: string, key: string): string {
  const known = CONFIG_KEYS.map((k) => k.key);
  const suggestion = didYouMean(key, known) ?? sameLeaf(key);
  return `${at(text, key)}unknown key "${key}"` +
    (suggestion === undefined ? "" : `; did you mean "${suggestion}"?`);
}

function settingsOf(config: HookConfig, doc: Doc): Setting[] {
  return CONFIG_KEYS.map(({ key, value }) => {
    const v = value(config);
    return { key, value: v === undefined ? null : v, isDefault: !has(doc, key) };
  });
}

/**
 * Checks the text of a config file. `file` names it; `origin` says where it
 * came from.
 *
 * @example
 * ```ts
 * const r = checkConfig("[nvidia-container-cli]\nno-cgroup = true\n", "/etc/c.toml", "-config flag");
 * r.warnings; // ['line 2: unknown key "nvidia-container-cli.no-cgroup"; did you mean "nvidia-container-cli.no-cgroups"?']
 * ```
 */
export function checkConfig(text: string, file: string, origin: string): CheckReport {
  let config: HookConfig;
  try {
    config = parseConfig(text, file);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const key = /: "([^"[]+)/.exec(e.message)?.[1];
    const line = key === undefined ? undefined : keyLine(text, key);
    const where = line === undefined ? "" : ` (line ${line})`;
    return { file, origin, settings: [], warnings: [], error: e.message + where };
  }
  const doc = parseToml(text) as Doc;
  const warnings: string[] = [];
  const known = new Set(CONFIG_KEYS.map((k) => k.key));
  const tables = new Set<string>(CONFIG_TABLES);
  const knownList = [...known];
  for (const key of leafKeys(doc)) {
    if (known.has(key) || tables.has(key)) continue;
    const spelling = spellingWarning(text, doc, key, known);
    if (spelling !== undefined) {
      warnings.push(spelling);
      continue;
    }
    // Keys of other NVIDIA tools pass, unless they look like a misspelt or
    // misplaced key of ours.
    if (
      isToleratedKey(key) && didYouMean(key, knownList) === undefined &&
      (sameLeaf(key) === undefined || (UPSTREAM_KEYS as readonly string[]).includes(key))
    ) continue;
    warnings.push(unknownKeyWarning(text, key));
  }
  const ldconfig = ldconfigWarning(config);
  if (ldconfig !== undefined) {
    warnings.push(`${at(text, "nvidia-container-cli.ldconfig")}${ldconfig}`);
  }
  return { file, origin, settings: settingsOf(config, doc), warnings, error: null };
}

/**
 * The report when no config file exists: the built-in defaults.
 *
 * @example
 * ```ts
 * noConfigReport().file; // null
 * ```
 */
export function noConfigReport(): CheckReport {
  return {
    file: null,
    origin: "none found: built-in defaults",
    settings: settingsOf(defaultHookConfig(), {}),
    warnings: [],
    error: null,
  };
}

function formatValue(value: Setting["value"]): string {
  if (value === null) return "(unset)";
  return typeof value === "string" || typeof value === "boolean"
    ? JSON.stringify(value)
    : `[${value.map((v) => JSON.stringify(v)).join(", ")}]`;
}

/**
 * The human-readable report: the file, one aligned line per setting with
 * `(default)` marks, then warnings and the error. Control characters (in
 * keys or the file name) are escaped as `\uXXXX`.
 *
 * @example
 * ```ts
 * formatCheckReport(noConfigReport()).split("\n")[0];
 * // "config file: none found: built-in defaults"
 * ```
 */
export function formatCheckReport(report: CheckReport): string {
  const lines = [
    report.file === null
      ? `config file: ${report.origin}`
      : `config file: ${report.file} (${report.origin})`,
  ];
  const width = Math.max(...report.settings.map((s) => s.key.length));
  for (const s of report.settings) {
    const mark = s.isDefault ? "  (default)" : "";
    lines.push(`  ${s.key.padEnd(width)} = ${formatValue(s.value)}${mark}`);
  }
  for (const w of report.warnings) lines.push(`warning: ${w}`);
  if (report.error !== null) lines.push(`error: ${report.error}`);
  else lines.push(report.warnings.length === 0 ? "ok" : `ok, ${report.warnings.length} warning(s)`);
  return lines.map(escapeControls).join("\n") + "\n";
}
