/**
 * JSON parsing that never echoes the input in its error message: V8's own
 * messages quote a snippet of the text, and `config.json` holds secrets.
 *
 * @module
 */

const WS = new Set([" ", "\t", "\n", "\r"]);

/**
 * Finds the offset of the first JSON syntax error in `text` (its length when
 * it finds none), and whether the error is data after a complete value.
 */
function errorOffset(text: string): { at: number; trailing: boolean } {
  let i = 0;
  const ws = () => {
    while (i < text.length && WS.has(text[i] as string)) i++;
  };
  const literal = (word: string) => {
    for (const c of word) {
      if (text[i] !== c) throw i;
      i++;
    }
  };
  const string = () => {
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined || c < " ") throw i;
      i++;
      if (c === '"') return;
      if (c === "\\") {
        const e = text[i];
        if (e === "u") {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? "")) throw i + k;
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else throw i;
      }
    }
  };
  const numberPattern = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
  const number = () => {
    numberPattern.lastIndex = i;
    const m = numberPattern.exec(text);
    if (m === null || m[0] === "") throw i;
    i += m[0].length;
  };
  // Iterative value scanner: a stack of open containers.
  const stack: ("[" | "{")[] = [];
  const key = () => {
    ws();
    if (text[i] !== '"') throw i;
    string();
    ws();
    if (text[i] !== ":") throw i;
    i++;
  };
  /** Scans one value; an opened container leaves its first element scanned. */
  const value = () => {
    for (;;) {
      ws();
      const c = text[i];
      if (c === "{" || c === "[") {
        i++;
        ws();
        if (text[i] === (c === "{" ? "}" : "]")) {
          i++;
          return;
        }
        stack.push(c);
        if (c === "{") key();
        continue;
      }
      if (c === '"') string();
      else if (c === "t") literal("true");
      else if (c === "f") literal("false");
      else if (c === "n") literal("null");
      else number();
      return;
    }
  };
  try {
    value();
    for (;;) {
      ws();
      const top = stack[stack.length - 1];
      if (top === undefined) break;
      const c = text[i];
      if (c === (top === "{" ? "}" : "]")) {
        stack.pop();
        i++;
        continue;
      }
      if (c !== ",") throw i;
      i++;
      if (top === "{") key();
      value();
    }
    ws();
    return { at: i, trailing: i < text.length };
  } catch (at) {
    if (typeof at === "number") return { at, trailing: false };
    throw at;
  }
}

/** Turns an offset into "line L, column C" (both from 1). */
function position(text: string, offset: number): string {
  let line = 1;
  let start = 0;
  for (let k = text.indexOf("\n"); k !== -1 && k < offset; k = text.indexOf("\n", k + 1)) {
    line++;
    start = k + 1;
  }
  return `line ${line}, column ${offset - start + 1}`;
}

/**
 * Parses JSON text. On failure returns a reason that names the position and
 * never quotes the text: "invalid JSON at line 3, column 7", "unexpected
 * data after the JSON value at line 1, column 12", "empty input"; and
 * `trailing` when the text is one complete value followed by more data.
 */
export function parseJson(
  text: string,
): { ok: true; value: unknown } | { ok: false; reason: string; trailing: boolean } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    if (text.trim() === "") return { ok: false, reason: "empty input", trailing: false };
    const { at, trailing } = errorOffset(text);
    if (at >= text.length) {
      return { ok: false, reason: "invalid JSON: unexpected end of input", trailing: false };
    }
    return trailing
      ? {
        ok: false,
        reason: `unexpected data after the JSON value at ${position(text, at)}`,
        trailing,
      }
      : { ok: false, reason: `invalid JSON at ${position(text, at)}`, trailing };
  }
}
