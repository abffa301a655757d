/**
 * A TOML 1.0 writer for what {@linkcode parseToml} returns (with `floats:
 * "tagged"`), so that a config read, changed and written keeps every other
 * value and its type: `parseToml(formatToml(doc), { floats: "tagged" })`
 * equals `doc`.
 *
 * @module
 */

import { InputError, quote } from "./errors.ts";
import { TomlDateTime, TomlFloat, type TomlTable } from "./parse_toml.ts";

const BARE_KEY = /^[A-Za-z0-9_-]+$/;

function isTable(v: unknown): v is TomlTable {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date) &&
    !(v instanceof TomlFloat);
}

/**
 * A key: bare when it can be, else a basic string.
 *
 * @example
 * ```ts
 * formatKey("io.containerd.grpc.v1.cri"); // '"io.containerd.grpc.v1.cri"'
 * ```
 */
export function formatKey(key: string): string {
  return BARE_KEY.test(key) ? key : formatString(key);
}

/** A basic string: `"` and `\` escaped, control characters as TOML's escapes. */
function formatString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, "0").toUpperCase()}`;
    else out += ch;
  }
  return `${out}"`;
}

function formatFloat(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (n === Infinity) return "inf";
  if (n === -Infinity) return "-inf";
  if (Object.is(n, -0)) return "-0.0";
  const text = String(n);
  return /[.e]/.test(text) ? text : `${text}.0`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function formatDateTime(d: Date): string {
  const kind = d instanceof TomlDateTime ? d.kind : "offset-date-time";
  const offset = d instanceof TomlDateTime ? d.offsetMinutes ?? 0 : 0;
  // Local kinds hold their fields as UTC; an offset date-time is shown at its offset.
  const at = new Date(d.getTime() + (kind === "offset-date-time" ? offset * 60_000 : 0));
  const date = `${pad(at.getUTCFullYear(), 4)}-${pad(at.getUTCMonth() + 1)}-${
    pad(at.getUTCDate())
  }`;
  const ms = at.getUTCMilliseconds();
  const time = `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}` +
    (ms === 0 ? "" : `.${pad(ms, 3)}`);
  switch (kind) {
    case "local-date":
      return date;
    case "local-time":
      return time;
    case "local-date-time":
      return `${date}T${time}`;
    case "offset-date-time": {
      const sign = offset < 0 ? "-" : "+";
      const abs = Math.abs(offset);
      const zone = offset === 0 ? "Z" : `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
      return `${date}T${time}${zone}`;
    }
  }
}

/** An inline value: a scalar, an array (`[a, b]`) or an inline table (`{ k = v }`). */
function formatValue(v: unknown, path: string): string {
  switch (typeof v) {
    case "string":
      return formatString(v);
    case "boolean":
      return String(v);
    case "bigint":
      return String(v);
    case "number":
      return Number.isInteger(v) && !Object.is(v, -0) ? String(v) : formatFloat(v);
  }
  if (v instanceof TomlFloat) return formatFloat(v.value);
  if (v instanceof Date) return formatDateTime(v);
  if (Array.isArray(v)) return `[${v.map((x, i) => formatValue(x, `${path}[${i}]`)).join(", ")}]`;
  if (isTable(v)) {
    const entries = Object.keys(v).map((k) => `${formatKey(k)} = ${formatValue(v[k], path)}`);
    return entries.length === 0 ? "{}" : `{ ${entries.join(", ")} }`;
  }
  throw new InputError(`Cannot write TOML: ${quote(path)} holds ${v === null ? "null" : typeof v}`);
}

/** Whether `v` is written as `[[array of tables]]` sections. */
function isTableArray(v: unknown): v is TomlTable[] {
  return Array.isArray(v) && v.length > 0 && v.every(isTable);
}

/** Writes `table` (at `keys`, root when empty): its plain keys, then its sub-tables. */
function writeTable(table: TomlTable, keys: string[], out: string[]): void {
  const names = Object.keys(table);
  const path = keys.join(".");
  // A section's header is indented by its depth and its keys one step more.
  const indent = "  ".repeat(keys.length);
  for (const k of names) {
    const v = table[k];
    if (isTable(v) || isTableArray(v)) continue;
    out.push(`${indent}${formatKey(k)} = ${formatValue(v, path === "" ? k : `${path}.${k}`)}`);
  }
  for (const k of names) {
    const v = table[k];
    const sub = [...keys, formatKey(k)];
    if (isTable(v)) {
      out.push("", `${indent}[${sub.join(".")}]`);
      writeTable(v, sub, out);
    } else if (isTableArray(v)) {
      for (const element of v) {
        out.push("", `${indent}[[${sub.join(".")}]]`);
        writeTable(element, sub, out);
      }
    }
  }
}

/**
 * Writes `doc` as TOML 1.0: each table's plain keys first, then its
 * sub-tables as `[a.b]` sections (indented by depth, as `containerd config
 * dump` writes them) and arrays of tables as `[[a.b]]`; keys in the order
 * of `doc`. Integers are numbers with an integral value or bigints; floats
 * are {@linkcode TomlFloat}s or numbers with a fraction (`inf`, `nan`);
 * date-times are written to the millisecond, in their kind and offset.
 *
 * @throws {InputError} for a value TOML cannot hold (`null`, `undefined`,
 * a function), naming its key.
 *
 * @example
 * ```ts
 * formatToml({ version: 2, plugins: { cri: { x: new TomlFloat(1) } } });
 * // "version = 2\n\n[plugins]\n\n  [plugins.cri]\n    x = 1.0\n"
 * ```
 */
export function formatToml(doc: TomlTable): string {
  const out: string[] = [];
  writeTable(doc, [], out);
  while (out[0] === "") out.shift();
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}
