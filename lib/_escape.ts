/**
 * Escaping for one-line output.
 *
 * @module
 */

function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029;
}

/**
 * Control and line-separator characters (C0, DEL, C1, U+2028, U+2029) as
 * `\uXXXX`, so that a value stays on its line and sends nothing to the
 * terminal.
 */
export function escapeControls(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += isControl(code) ? `\\u${code.toString(16).padStart(4, "0")}` : text[i];
  }
  return out;
}
