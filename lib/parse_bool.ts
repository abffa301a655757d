/**
 * Boolean parsing as Go's `strconv.ParseBool`.
 *
 * @module
 */

const TRUE = new Set(["1", "t", "T", "TRUE", "true", "True"]);
const FALSE = new Set(["0", "f", "F", "FALSE", "false", "False"]);

/**
 * Parses a boolean the way Go's `strconv.ParseBool` does; `undefined` for
 * anything it would reject (including `""`, `" true"` and `"yes"`).
 *
 * @example
 * ```ts
 * parseBool("T"); // true
 * parseBool("yes"); // undefined
 * ```
 */
export function parseBool(value: string): boolean | undefined {
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  return undefined;
}
