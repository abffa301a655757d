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

/** The host's ldconfig on Debian-family hosts (a wrapper elsewhere, or absent). */
export const LDCONFIG_REAL = "/sbin/ldconfig.real";

/** The host's ldconfig. */
export const LDCONFIG = "/sbin/ldconfig";

/**
 * The `--ldconfig=` value passed to the CLI (SPEC 6.2): the configured
 * value, normalised by {@linkcode normalizeLdconfig}; with none configured
 * (absent or `""`), `@/sbin/ldconfig.real` when that file exists on the
 * host, else `@/sbin/ldconfig`, as NVIDIA's current hook does. The option
 * is never left out: the CLI's own default is the container's
 * `/sbin/ldconfig`, a binary the image controls, run by a root process
 * (CVE-2024-0136/0137).
 *
 * @example
 * ```ts
 * ldconfigOption(undefined, (p) => p === "/sbin/ldconfig"); // "@/sbin/ldconfig"
 * ldconfigOption(undefined, () => true); // "@/sbin/ldconfig.real"
 * ldconfigOption("@/usr/sbin/ldconfig", () => true); // "@/usr/sbin/ldconfig"
 * ```
 */
export function ldconfigOption(
  value: string | undefined,
  exists: (hostPath: string) => boolean,
): string {
  if (value !== undefined) return normalizeLdconfig(value, exists) as string;
  return exists(LDCONFIG_REAL) ? `@${LDCONFIG_REAL}` : `@${LDCONFIG}`;
}
