/**
 * The `ldconfig` setting of Debian-family configs on other distributions.
 *
 * @module
 */

const REAL = ".real";

/**
 * Normalises the `ldconfig` value as NVIDIA's current hook does (SPEC 6.2,
 * settled with its binary): a value starting with `@` names a host path P;
 * when P ends in `.real`, P is kept if it exists and `.real` is dropped
 * otherwise; when P does not end in `.real`, `P.real` is used if that file
 * exists (Debian-family hosts, where /sbin/ldconfig is a wrapper script).
 * Any other value is returned unchanged. `exists` tells whether a host path
 * exists (`main.ts` passes a file-system check; tests pass a set).
 *
 * @example
 * ```ts
 * normalizeLdconfig("@/sbin/ldconfig.real", (p) => p === "/sbin/ldconfig"); // "@/sbin/ldconfig"
 * normalizeLdconfig("@/sbin/ldconfig", (p) => p === "/sbin/ldconfig.real"); // "@/sbin/ldconfig.real"
 * normalizeLdconfig("/sbin/ldconfig.real", () => false); // "/sbin/ldconfig.real"
 * ```
 */
export function normalizeLdconfig(
  value: string | undefined,
  exists: (hostPath: string) => boolean,
): string | undefined {
  if (value === undefined || !value.startsWith("@")) return value;
  const path = value.slice(1);
  if (path.endsWith(REAL)) return exists(path) ? value : `@${path.slice(0, -REAL.length)}`;
  return exists(path + REAL) ? `@${path}${REAL}` : value;
}

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
 * ldconfigOption("@/usr/sbin/ldconfig", () => false); // "@/usr/sbin/ldconfig"
 * ldconfigOption("", () => false); // "@/sbin/ldconfig"
 * ```
 */
export function ldconfigOption(
  value: string | undefined,
  exists: (hostPath: string) => boolean,
): string {
  const configured = value === undefined || value === "" ? `@${LDCONFIG}` : value;
  return normalizeLdconfig(configured, exists) as string;
}
