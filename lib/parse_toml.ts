/**
 * A TOML 1.0 parser, small and quick to start: the hook parses one short
 * config file per container start, so it is written for a cold engine (no
 * dependency to resolve and load, a few lazily compiled regular
 * expressions, one pass over the text).
 *
 * Strict TOML 1.0: none of TOML 1.1's relaxations (`\x` and `\e` escapes,
 * times without seconds, inline tables over several lines or with a
 * trailing comma) is accepted. A UTF-8 byte order mark is skipped at the
 * start of the text only.
 *
 * Tables are null-prototype objects, so no key (`__proto__` included) can
 * reach `Object.prototype`. Integers are numbers, or bigints outside the safe
 * range (64-bit signed integers all read exactly); date-times, dates and
 * times are {@linkcode TomlDateTime} objects (the hook reads no such key;
 * their ranges are checked all the same).
 *
 * @module
 */

/**
 * A TOML syntax error, or a key or table defined twice, at a 1-based `line`
 * and `column` (counted in UTF-16 code units).
 *
 * @example
 * ```ts
 * try {
 *   parseToml("a = @\n");
 * } catch (e) {
 *   (e as TomlSyntaxError).column; // 5
 * }
 * ```
 */
export class TomlSyntaxError extends SyntaxError {
  override name = "TomlSyntaxError";
  /** The line of the error, from 1. */
  readonly line: number;
  /** The column of the error, from 1. */
  readonly column: number;

  /** An error at `line` and `column`; `message` is the reason alone. */
  constructor(message: string, line: number, column: number) {
    super(message);
    this.line = line;
    this.column = column;
  }
}

/** The four kinds of TOML date and time values, in TOML's names. */
export const TOML_DATE_TIME_KINDS = [
  "offset-date-time",
  "local-date-time",
  "local-date",
  "local-time",
] as const;
/** One of {@linkcode TOML_DATE_TIME_KINDS}. */
export type TomlDateTimeKind = typeof TOML_DATE_TIME_KINDS[number];

/**
 * A TOML date or time: a `Date` that also keeps which of the four kinds it
 * is and, for an offset date-time, its offset. An offset date-time is its
 * instant; the local kinds hold their wall-clock fields as if in UTC (a
 * local date at midnight, a local time on 1970-01-01). Fractions of a second
 * beyond milliseconds are truncated.
 *
 * @example
 * ```ts
 * const d = parseToml("a = 1979-05-27T00:32:00-07:00").a as TomlDateTime;
 * [d.kind, d.offsetMinutes, d.toISOString()]; // ["offset-date-time", -420, "1979-05-27T07:32:00.000Z"]
 * ```
 */
export class TomlDateTime extends Date {
  /** Which kind of TOML value this is. */
  readonly kind: TomlDateTimeKind;
  /** The offset from UTC in minutes of an offset date-time; `null` for the local kinds. */
  readonly offsetMinutes: number | null;

  /** `iso`: an ISO 8601 UTC text of the instant (local kinds: their fields as UTC). */
  constructor(iso: string, kind: TomlDateTimeKind, offsetMinutes: number | null) {
    super(iso);
    this.kind = kind;
    this.offsetMinutes = offsetMinutes;
  }
}

/**
 * A TOML float, as {@linkcode parseToml} returns it with `floats: "tagged"`:
 * a tool that writes TOML back needs `1.0` to stay a float (Go's TOML
 * decoders refuse an integer for a float field).
 *
 * @example
 * ```ts
 * (parseToml("a = 1.0", { floats: "tagged" }).a as TomlFloat).value; // 1
 * ```
 */
export class TomlFloat {
  /** The float's value (`NaN`, `Infinity` and `-0` included). */
  readonly value: number;

  /** A float of `value`. */
  constructor(value: number) {
    this.value = value;
  }
}

/** Options of {@linkcode parseToml}. */
export interface TomlOptions {
  /** `"number"` (the default): floats are numbers; `"tagged"`: {@linkcode TomlFloat}s. */
  floats?: "number" | "tagged";
}

/** A TOML table: a null-prototype object. */
export type TomlTable = Record<string, unknown>;

// Flags of tables and arrays, kept beside them (never as properties).
/** Opened by a `[header]` or `[[header]]`. */
const EXPLICIT = 1;
/** Created by a dotted key. */
const DOTTED = 2;
/** An inline table or a value array: closed for good. */
const FROZEN = 4;
/** An array made by `[[header]]`. */
const TABLE_ARRAY = 8;

const MAX_DEPTH = 1000;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

const TAB = 9;
const LF = 10;
const CR = 13;
const SPACE = 32;
const QUOTE = 34;
const HASH = 35;
const APOSTROPHE = 39;
const COMMA = 44;
const DOT = 46;
const EQUALS = 61;
const OPEN_BRACKET = 91;
const BACKSLASH = 92;
const CLOSE_BRACKET = 93;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;
const DEL = 127;
const SHORT_TIME_REASON = "a time without seconds is TOML 1.1, not TOML 1.0";
const BOM = 0xfeff;

// Runs of plain characters, matched natively: a cold engine runs a
// character loop in its interpreter, which costs more than the whole parse.
const SPACES = /[ \t]*/y;
// deno-lint-ignore no-control-regex -- TOML forbids these controls here
const COMMENT_BODY = /[^\x00-\x08\x0a-\x1f\x7f]*/y;
const BARE_KEY = /[A-Za-z0-9_-]+/y;
// deno-lint-ignore no-control-regex -- TOML forbids these controls here
const BASIC_PLAIN = /[^"\\\x00-\x08\x0a-\x1f\x7f]*/y;
// deno-lint-ignore no-control-regex -- TOML forbids these controls here
const LITERAL_PLAIN = /[^'\x00-\x08\x0a-\x1f\x7f]*/y;

const DATE_TIME =
  /(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?)?/y;
const TIME = /(\d{2}):(\d{2}):(\d{2})(\.\d+)?/y;
/** `HH:MM` without seconds, which TOML 1.1 allows. */
const SHORT_TIME = /\d{2}:\d{2}(?!:)/y;
const DECIMAL = /[+-]?(?:0|[1-9](?:_?\d)*)(\.\d(?:_?\d)*)?([eE][+-]?\d(?:_?\d)*)?/y;
const SPECIAL_FLOAT = /[+-]?(?:inf|nan)/y;
const PREFIXED = /0(?:x[\dA-Fa-f](?:_?[\dA-Fa-f])*|o[0-7](?:_?[0-7])*|b[01](?:_?[01])*)/y;

function isBareKeyChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 ||
    c === 45;
}

/** Characters that may not directly follow a number, date or boolean. */
function continuesValue(c: number): boolean {
  return isBareKeyChar(c) || c === DOT || c === 43 || c === 58;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function newTable(): TomlTable {
  return Object.create(null);
}

function isTable(v: unknown): v is TomlTable {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date) &&
    !(v instanceof TomlFloat);
}

class Parser {
  readonly src: string;
  i = 0;
  readonly flags = new Map<object, number>();
  /** Whether floats are returned as {@linkcode TomlFloat}s. */
  readonly tagged: boolean;

  /** Parses `src` from `start` (past a byte order mark). */
  constructor(src: string, start: number, tagged = false) {
    this.src = src;
    this.i = start;
    this.tagged = tagged;
  }

  fail(reason: string, at: number = this.i): never {
    let line = 1;
    let start = 0;
    for (let k = this.src.indexOf("\n"); k !== -1 && k < at; k = this.src.indexOf("\n", k + 1)) {
      line++;
      start = k + 1;
    }
    throw new TomlSyntaxError(reason, line, at - start + 1);
  }

  code(): number {
    return this.src.charCodeAt(this.i); // NaN at the end
  }

  /** Moves past the match of the sticky `re` at `i`, if any. */
  skip(re: RegExp): void {
    re.lastIndex = this.i;
    if (re.test(this.src)) this.i = re.lastIndex;
  }

  skipSpaces(): void {
    const c = this.src.charCodeAt(this.i);
    if (c === SPACE || c === TAB) this.skip(SPACES);
  }

  /** A comment from its `#` to the end of the line (not included). */
  comment(): void {
    this.i++;
    this.skip(COMMENT_BODY);
    if (this.i < this.src.length && this.newline() === 0) {
      this.fail("control characters are not allowed in comments");
    }
  }

  /** A newline (LF or CRLF) at `i`: its length, else 0. */
  newline(): number {
    const c = this.code();
    if (c === LF) return 1;
    if (c === CR && this.src.charCodeAt(this.i + 1) === LF) return 2;
    return 0;
  }

  /** Spaces, an optional comment, then a newline or the end of the text. */
  endOfLine(): void {
    this.skipSpaces();
    if (this.code() === HASH) this.comment();
    if (this.i >= this.src.length) return;
    const n = this.newline();
    if (n === 0) this.fail("each key-value declaration must be followed by an end-of-line");
    this.i += n;
  }

  /** Whitespace, newlines and comments (inside arrays). */
  skipBlank(): void {
    for (;;) {
      this.skipSpaces();
      const c = this.code();
      if (c === HASH) this.comment();
      const n = this.newline();
      if (n === 0) return;
      this.i += n;
    }
  }

  document(): TomlTable {
    const root = newTable();
    let table = root;
    const src = this.src;
    while (this.i < src.length) {
      this.skipSpaces();
      const c = this.code();
      if (c === OPEN_BRACKET) table = this.header(root);
      else if (c !== HASH && this.newline() === 0 && this.i < src.length) this.keyValue(table, 0);
      this.endOfLine();
    }
    return root;
  }

  /** A `[table]` or `[[array]]` header; the table it opens. */
  header(root: TomlTable): TomlTable {
    const start = this.i;
    this.i++;
    const array = this.code() === OPEN_BRACKET;
    if (array) this.i++;
    this.skipSpaces();
    const keys = this.key();
    this.skipSpaces();
    if (this.code() !== CLOSE_BRACKET) this.fail("illegal character in key");
    this.i++;
    if (array) {
      if (this.code() !== CLOSE_BRACKET) this.fail("expected end of table array declaration");
      this.i++;
    }
    let t = root;
    for (let k = 0; k < keys.length - 1; k++) {
      const name = keys[k] as string;
      const v = t[name];
      if (v === undefined) {
        const sub = newTable();
        t[name] = sub;
        t = sub;
      } else if (isTable(v) && !this.has(v, FROZEN)) {
        t = v;
      } else if (Array.isArray(v) && this.has(v, TABLE_ARRAY)) {
        t = v[v.length - 1] as TomlTable;
      } else {
        this.fail("trying to redefine an already defined table or value", start);
      }
    }
    const last = keys[keys.length - 1] as string;
    const v = t[last];
    const opened = newTable();
    this.flags.set(opened, EXPLICIT);
    if (array) {
      if (v === undefined) {
        const list = [opened];
        this.flags.set(list, TABLE_ARRAY);
        t[last] = list;
      } else if (Array.isArray(v) && this.has(v, TABLE_ARRAY)) {
        v.push(opened);
      } else {
        this.fail("trying to redefine an already defined table or value", start);
      }
      return opened;
    }
    if (v === undefined) {
      t[last] = opened;
      return opened;
    }
    if (isTable(v) && (this.flags.get(v) ?? 0) === 0) {
      this.flags.set(v, EXPLICIT);
      return v;
    }
    return this.fail("trying to redefine an already defined table or value", start);
  }

  has(v: object, flag: number): boolean {
    return ((this.flags.get(v) ?? 0) & flag) !== 0;
  }

  /** A dotted key: one or more simple keys joined by dots. */
  key(): string[] {
    const keys = [this.simpleKey()];
    for (;;) {
      const save = this.i;
      this.skipSpaces();
      if (this.code() !== DOT) {
        this.i = save;
        return keys;
      }
      this.i++;
      this.skipSpaces();
      keys.push(this.simpleKey());
    }
  }

  simpleKey(): string {
    const c = this.code();
    if (c === QUOTE) {
      if (this.src.startsWith('"""', this.i)) {
        this.fail("illegal quoted key: multiline strings are not allowed");
      }
      return this.basicString();
    }
    if (c === APOSTROPHE) {
      if (this.src.startsWith("'''", this.i)) {
        this.fail("illegal quoted key: multiline strings are not allowed");
      }
      return this.literalString();
    }
    const start = this.i;
    this.skip(BARE_KEY);
    if (this.i === start) this.fail("illegal character in key");
    return this.src.slice(start, this.i);
  }

  /** `key = value` into `table`. */
  keyValue(table: TomlTable, depth: number): void {
    const start = this.i;
    const keys = this.key();
    this.skipSpaces();
    if (this.code() !== EQUALS) this.fail("illegal character in key");
    this.i++;
    this.skipSpaces();
    const value = this.value(depth);
    let t = table;
    for (let k = 0; k < keys.length - 1; k++) {
      const name = keys[k] as string;
      const v = t[name];
      if (v === undefined) {
        const sub = newTable();
        this.flags.set(sub, DOTTED);
        t[name] = sub;
        t = sub;
      } else if (isTable(v) && this.flags.get(v) === DOTTED) {
        t = v;
      } else {
        this.fail("trying to redefine an already defined table or value", start);
      }
    }
    const last = keys[keys.length - 1] as string;
    if (t[last] !== undefined) {
      this.fail("trying to redefine an already defined table or value", start);
    }
    t[last] = value;
  }

  value(depth: number): unknown {
    const c = this.code();
    switch (c) {
      case QUOTE:
        return this.src.startsWith('"""', this.i)
          ? this.multilineBasicString()
          : this.basicString();
      case APOSTROPHE:
        return this.src.startsWith("'''", this.i)
          ? this.multilineLiteralString()
          : this.literalString();
      case OPEN_BRACKET:
        return this.array(depth + 1);
      case OPEN_BRACE:
        return this.inlineTable(depth + 1);
    }
    const start = this.i;
    let value: unknown;
    if (this.src.startsWith("true", start)) {
      this.i += 4;
      value = true;
    } else if (this.src.startsWith("false", start)) {
      this.i += 5;
      value = false;
    } else {
      value = this.dateTime() ?? this.number();
    }
    if (value === undefined) this.fail("invalid value", start);
    if (continuesValue(this.code())) this.fail("invalid value", start);
    return value;
  }

  match(re: RegExp): RegExpExecArray | null {
    re.lastIndex = this.i;
    const m = re.exec(this.src);
    if (m !== null) this.i += m[0].length;
    return m;
  }

  dateTime(): TomlDateTime | undefined {
    const start = this.i;
    const c = this.code();
    if (c < 48 || c > 57) return undefined;
    if (this.src.charCodeAt(start + 4) === 45) {
      const m = this.match(DATE_TIME);
      if (m === null) return undefined;
      const [, y, mo, d, h, mi, s, frac, offset] = m;
      const year = Number(y);
      const month = Number(mo);
      const day = Number(d);
      if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
        this.fail("invalid date", start);
      }
      const date = `${y}-${mo}-${d}`;
      if (h === undefined) {
        const t = this.src.charCodeAt(this.i);
        if ((t === 84 || t === 116 || t === SPACE) && this.shortTime(this.i + 1)) {
          this.fail(SHORT_TIME_REASON, start);
        }
        return new TomlDateTime(`${date}T00:00:00Z`, "local-date", null);
      }
      const time = this.time(start, h, mi as string, s as string, frac);
      if (offset === undefined) {
        return new TomlDateTime(`${date}T${time}Z`, "local-date-time", null);
      }
      let minutes = 0;
      let zone = "Z";
      if (offset.length > 1) {
        const oh = Number(offset.slice(1, 3));
        const om = Number(offset.slice(4, 6));
        if (oh > 23 || om > 59) this.fail("invalid time offset", start);
        minutes = (offset[0] === "-" ? -1 : 1) * (oh * 60 + om);
        zone = offset;
      }
      return new TomlDateTime(`${date}T${time}${zone}`, "offset-date-time", minutes);
    }
    if (this.src.charCodeAt(start + 2) === 58) {
      const m = this.match(TIME);
      if (m === null) {
        return this.shortTime(start) ? this.fail(SHORT_TIME_REASON, start) : undefined;
      }
      const [, h, mi, s, frac] = m;
      const time = this.time(start, h as string, mi as string, s as string, frac);
      return new TomlDateTime(`1970-01-01T${time}Z`, "local-time", null);
    }
    return undefined;
  }

  /** Whether `HH:MM` without seconds is at `at`. */
  shortTime(at: number): boolean {
    SHORT_TIME.lastIndex = at;
    return SHORT_TIME.test(this.src);
  }

  /**
   * Checks a time's fields; `HH:MM:SS.mmm` (digits beyond milliseconds are
   * truncated). A leap second (`:60`) is refused: a `Date` cannot hold it.
   */
  time(start: number, h: string, mi: string, s: string, frac: string | undefined): string {
    if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) this.fail("invalid time", start);
    const ms = frac === undefined ? "" : `.${frac.slice(1, 4).padEnd(3, "0")}`;
    return `${h}:${mi}:${s}${ms}`;
  }

  number(): number | bigint | TomlFloat | undefined {
    const start = this.i;
    const special = this.match(SPECIAL_FLOAT);
    if (special !== null) {
      const text = special[0];
      return this.float(text.endsWith("nan") ? NaN : text.startsWith("-") ? -Infinity : Infinity);
    }
    const prefixed = this.match(PREFIXED);
    if (prefixed !== null) return this.integer(prefixed[0].replaceAll("_", ""), start);
    const m = this.match(DECIMAL);
    if (m === null) return undefined;
    const text = m[0].replaceAll("_", "");
    if (m[1] !== undefined || m[2] !== undefined) return this.float(Number(text));
    return this.integer(text, start);
  }

  float(n: number): number | TomlFloat {
    return this.tagged ? new TomlFloat(n) : n;
  }

  /**
   * An integer: a number, or a bigint beyond 2^53 - 1 (which a number
   * cannot hold exactly); beyond 64 bits it is refused.
   */
  integer(text: string, start: number): number | bigint {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n === 0 ? 0 : n; // -0 is a float's, not an integer's
    const big = BigInt(text);
    if (big > INT64_MAX || big < INT64_MIN) this.fail("integer out of the 64-bit range", start);
    return big;
  }

  /** A `"basic string"` (one line, with escapes). */
  basicString(): string {
    const src = this.src;
    const start = this.i;
    this.i++;
    let out = "";
    for (;;) {
      const from = this.i;
      this.skip(BASIC_PLAIN);
      out += src.slice(from, this.i);
      const c = this.code();
      if (c === QUOTE) {
        this.i++;
        return out;
      }
      if (c === BACKSLASH) out += this.escape();
      else if (this.i >= src.length || c === LF || c === CR) {
        this.fail("unfinished string", start);
      } else this.fail("control characters are not allowed in strings");
    }
  }

  /** An escape sequence at `i` (the backslash); its text. */
  escape(): string {
    const at = this.i;
    const e = this.src[this.i + 1];
    this.i += 2;
    switch (e) {
      case "b":
        return "\b";
      case "t":
        return "\t";
      case "n":
        return "\n";
      case "f":
        return "\f";
      case "r":
        return "\r";
      case '"':
        return '"';
      case "\\":
        return "\\";
      case "u":
      case "U": {
        const digits = e === "u" ? 4 : 8;
        for (let k = 0; k < digits; k++) {
          if (!isHex(this.src.charCodeAt(this.i + k))) {
            this.fail("invalid non-hex character in unicode escape", at);
          }
        }
        const cp = parseInt(this.src.slice(this.i, this.i + digits), 16);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
          this.fail("escape is not a unicode scalar value", at);
        }
        this.i += digits;
        return String.fromCodePoint(cp);
      }
      case "x":
      case "e":
        return this.fail(`the escape \\${e} is TOML 1.1, not TOML 1.0`, at);
    }
    return this.fail("unrecognised escape sequence", at);
  }

  /** A `"""multi-line basic string"""`. */
  multilineBasicString(): string {
    const src = this.src;
    const start = this.i;
    this.i += 3;
    this.i += this.newline();
    let out = "";
    let from = this.i;
    for (;;) {
      const c = this.code();
      if (c === QUOTE) {
        let q = 0;
        while (src.charCodeAt(this.i + q) === QUOTE) q++;
        if (q >= 3) {
          if (q > 5) this.fail("too many quotes at the end of a string", this.i + 5);
          out += src.slice(from, this.i + q - 3);
          this.i += q;
          return out;
        }
        this.i += q;
      } else if (c === BACKSLASH) {
        out += src.slice(from, this.i);
        // A backslash at the end of a line trims the whitespace that follows.
        let k = this.i + 1;
        while (src.charCodeAt(k) === SPACE || src.charCodeAt(k) === TAB) k++;
        const save = this.i;
        this.i = k;
        if (this.newline() > 0) {
          for (;;) {
            const d = this.code();
            if (d === SPACE || d === TAB) this.i++;
            else {
              const n = this.newline();
              if (n === 0) break;
              this.i += n;
            }
          }
        } else {
          this.i = save;
          out += this.escape();
        }
        from = this.i;
      } else if (this.i >= src.length) {
        this.fail("unfinished string", start);
      } else if (c === CR) {
        if (src.charCodeAt(this.i + 1) !== LF) this.fail("bare carriage return in a string");
        this.i += 2;
      } else if ((c < SPACE && c !== TAB && c !== LF) || c === DEL) {
        this.fail("control characters are not allowed in strings");
      } else {
        this.i++;
      }
    }
  }

  /** A `'literal string'` (one line, no escapes). */
  literalString(): string {
    const src = this.src;
    const start = this.i;
    this.i++;
    this.skip(LITERAL_PLAIN);
    const c = this.code();
    if (c === APOSTROPHE) {
      this.i++;
      return src.slice(start + 1, this.i - 1);
    }
    if (this.i >= src.length || c === LF || c === CR) this.fail("unfinished string", start);
    return this.fail("control characters are not allowed in strings");
  }

  /** A `'''multi-line literal string'''`. */
  multilineLiteralString(): string {
    const src = this.src;
    const start = this.i;
    this.i += 3;
    this.i += this.newline();
    const from = this.i;
    for (;;) {
      const c = this.code();
      if (c === APOSTROPHE) {
        let q = 0;
        while (src.charCodeAt(this.i + q) === APOSTROPHE) q++;
        if (q >= 3) {
          if (q > 5) this.fail("too many quotes at the end of a string", this.i + 5);
          const out = src.slice(from, this.i + q - 3);
          this.i += q;
          return out;
        }
        this.i += q;
      } else if (this.i >= src.length) {
        this.fail("unfinished string", start);
      } else if (c === CR) {
        if (src.charCodeAt(this.i + 1) !== LF) this.fail("bare carriage return in a string");
        this.i += 2;
      } else if ((c < SPACE && c !== TAB && c !== LF) || c === DEL) {
        this.fail("control characters are not allowed in strings");
      } else {
        this.i++;
      }
    }
  }

  array(depth: number): unknown[] {
    if (depth > MAX_DEPTH) this.fail("values nested too deeply");
    this.i++;
    const out: unknown[] = [];
    this.flags.set(out, FROZEN);
    for (;;) {
      this.skipBlank();
      if (this.code() === CLOSE_BRACKET) break;
      out.push(this.value(depth));
      this.skipBlank();
      const c = this.code();
      if (c === COMMA) this.i++;
      else if (c === CLOSE_BRACKET) break;
      else this.fail("expected comma or end of structure");
    }
    this.i++;
    return out;
  }

  /**
   * An inline table: on one line and without a trailing comma (TOML 1.0;
   * only its values, such as arrays, may span lines).
   */
  inlineTable(depth: number): TomlTable {
    if (depth > MAX_DEPTH) this.fail("values nested too deeply");
    this.i++;
    const out = newTable();
    this.flags.set(out, FROZEN);
    this.inlineSpace();
    if (this.code() === CLOSE_BRACE) {
      this.i++;
      return out;
    }
    for (;;) {
      this.keyValue(out, depth);
      this.inlineSpace();
      const c = this.code();
      if (c === CLOSE_BRACE) break;
      if (c !== COMMA) this.fail("expected comma or end of inline table");
      this.i++;
      this.inlineSpace();
      if (this.code() === CLOSE_BRACE) {
        this.fail("a trailing comma in an inline table is TOML 1.1, not TOML 1.0");
      }
    }
    this.i++;
    return out;
  }

  /** Spaces inside an inline table, where a newline or comment is an error. */
  inlineSpace(): void {
    this.skipSpaces();
    const c = this.code();
    if (c === LF || c === CR || c === HASH) {
      this.fail("a newline or comment in an inline table is TOML 1.1, not TOML 1.0");
    }
  }
}

/** A basic string without escapes or control characters (regular expression source). */
const PLAIN_STRING = '"[^"\\\\\\x00-\\x08\\x0a-\\x1f\\x7f]*"';
/**
 * One line of the forms config files are made of: blank, a comment, a
 * `[table.header]` of bare keys, or `bare-key = value` where the value is a
 * string without escapes, a boolean or an array of such strings; an end
 * comment allowed. Groups: header, key, string, boolean, array items.
 */
const SIMPLE_LINE = new RegExp(
  "[ \\t]*(?:\\[[ \\t]*([A-Za-z0-9_-]+(?:[ \\t]*\\.[ \\t]*[A-Za-z0-9_-]+)*)[ \\t]*\\]" +
    `|([A-Za-z0-9_-]+)[ \\t]*=[ \\t]*(?:(${PLAIN_STRING})|(true|false)|` +
    `\\[[ \\t]*((?:${PLAIN_STRING}[ \\t]*,[ \\t]*)*(?:${PLAIN_STRING}[ \\t]*)?)\\]))?` +
    "[ \\t]*(?:#[^\\x00-\\x08\\x0a-\\x1f\\x7f]*)?(?:\\r?\\n|$)",
  "y",
);
const ARRAY_ITEM = new RegExp(PLAIN_STRING, "g");

/**
 * The fast path: a document made only of {@linkcode SIMPLE_LINE} lines, with
 * no table or key defined twice, parsed by one native regular expression
 * per line. `undefined` for anything else, which the full parser then reads
 * (and reports, if it is an error). Its result is the full parser's.
 */
function parseSimple(text: string, start: number): TomlTable | undefined {
  const root = newTable();
  const headers = new Set<TomlTable>();
  let table = root;
  SIMPLE_LINE.lastIndex = start;
  while (SIMPLE_LINE.lastIndex < text.length) {
    const m = SIMPLE_LINE.exec(text);
    if (m === null || m[0] === "") return undefined;
    const [, header, key, string, boolean, items] = m;
    if (header !== undefined) {
      let t = root;
      for (const part of header.split(".")) {
        const name = part.trim();
        const v = t[name];
        if (v === undefined) t = t[name] = newTable();
        else if (isTable(v)) t = v;
        else return undefined;
      }
      if (headers.has(t) || (t !== root && Object.keys(t).length > 0 && !headers.has(t))) {
        // Defined twice, or holding keys of another header: let the full
        // parser decide (it knows implicit tables from defined ones).
        return undefined;
      }
      headers.add(t);
      table = t;
    } else if (key !== undefined) {
      if (table[key] !== undefined) return undefined;
      if (string !== undefined) table[key] = string.slice(1, -1);
      else if (boolean !== undefined) table[key] = boolean === "true";
      else table[key] = (items ?? "").match(ARRAY_ITEM)?.map((q) => q.slice(1, -1)) ?? [];
    }
  }
  return root;
}

/**
 * Parses a TOML 1.0 document into a table of null-prototype objects. A
 * byte order mark (U+FEFF) may open the text; it is skipped. Floats are
 * numbers, or {@linkcode TomlFloat}s with `options.floats` `"tagged"`.
 *
 * @throws {TomlSyntaxError} on a syntax error (TOML 1.1 syntax included), a
 * key or table defined twice, or an integer outside 64 bits.
 *
 * @example
 * ```ts
 * parseToml('a = true\n[t]\nb = ["x", "y"]\n'); // { a: true, t: { b: ["x", "y"] } }
 * ```
 */
export function parseToml(text: string, options: TomlOptions = {}): TomlTable {
  const start = text.charCodeAt(0) === BOM ? 1 : 0;
  return parseSimple(text, start) ??
    new Parser(text, start, options.floats === "tagged").document();
}
