/**
 * The `ldconfig` setting of Debian-family configs on other distributions.
 *
 * @module
 */

const REAL = ".real";

/**
 * Normalises the `ldconfig` value (SPEC 6.2): a value starting with `@`
 * names a host path; when it ends in `.real`, that file does not exist but
 * the path without `.real` does, the latter is used. Any other value is
 * returned unchanged. `exists` tells whether a host path exists (`main.ts`
 * passes a file-system check; tests pass a set).
 *
 * @example
 * ```ts
 * normalizeLdconfig("@/sbin/ldconfig.real", (p) => p === "/sbin/ldconfig"); // "@/sbin/ldconfig"
 * normalizeLdconfig("/sbin/ldconfig.real", () => false); // "/sbin/ldconfig.real"
 * ```
 */
export function normalizeLdconfig(
  value: string | undefined,
  exists: (hostPath: string) => boolean,
): string | undefined {
  if (value === undefined || !value.startsWith("@") || !value.endsWith(REAL)) return value;
  const real = value.slice(1);
  const plain = real.slice(0, -REAL.length);
  if (plain === "" || exists(real) || !exists(plain)) return value;
  return `@${plain}`;
}
