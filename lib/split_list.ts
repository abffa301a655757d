/**
 * The list syntax of the `NVIDIA_*` variables.
 *
 * @module
 */

/**
 * Splits a comma-separated value: items trimmed, empty items dropped,
 * repeats dropped keeping the first. Items stay case-sensitive.
 *
 * @example
 * ```ts
 * splitList(" 0, 1,,0 ,GPU-x"); // ["0", "1", "GPU-x"]
 * ```
 */
export function splitList(value: string): string[] {
  const seen = new Set<string>();
  for (const raw of value.split(",")) {
    const item = raw.trim();
    if (item !== "") seen.add(item);
  }
  return [...seen];
}
