/**
 * How the config file's keys are looked up, shared by the config loader,
 * `check-config` and the divergence table.
 *
 * @module
 */

/** Whether a TOML value is a table (not an array or a date-time). */
export function isTomlTable(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/**
 * The spelling of `key` that counts in `table`, as NVIDIA's go-toml v1
 * decoding reads it: the key as documented, else the key in capitals
 * (`DISABLE-REQUIRE`); other case variants are not read. When both are
 * present only the documented one counts.
 *
 * @example
 * ```ts
 * keySpelling({ "DISABLE-REQUIRE": true }, "disable-require"); // "DISABLE-REQUIRE"
 * keySpelling({ "Disable-Require": true }, "disable-require"); // undefined
 * ```
 */
export function keySpelling(table: Record<string, unknown>, key: string): string | undefined {
  if (Object.hasOwn(table, key)) return key;
  const upper = key.toUpperCase();
  return upper !== key && Object.hasOwn(table, upper) ? upper : undefined;
}
