/**
 * Snapshot-friendly JSON: object keys sorted at every level.
 *
 * @module
 */

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(value).sort()) {
      out[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}

/**
 * `JSON.stringify` with keys sorted at every level, two-space indents and a
 * final newline, so that equal values always print the same text.
 *
 * @example
 * ```ts
 * stableJson({ b: 1, a: [{ d: 2, c: 3 }] });
 * // '{\n  "a": [\n    {\n      "c": 3,\n      "d": 2\n    }\n  ],\n  "b": 1\n}\n'
 * ```
 */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2) + "\n";
}
