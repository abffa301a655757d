/**
 * The environment `nvidia-container-cli` runs with.
 *
 * @module
 */

/**
 * The hook's own environment, with `PATH` replaced by `searchPath` when a
 * search happened, then each config `environment` entry (`KEY=VALUE`, split
 * at the first `=`) replacing a variable of the same name. The container's
 * environment never enters. Returns a null-prototype record in a stable
 * order: host variables as given, then new config names.
 *
 * @example
 * ```ts
 * cliEnvironment({ PATH: "/bin", HOME: "/root" }, "/usr/bin:/bin", ["HOME=/tmp"]);
 * // { PATH: "/usr/bin:/bin", HOME: "/tmp" }
 * ```
 */
export function cliEnvironment(
  hostEnv: Readonly<Record<string, string>>,
  searchPath: string | undefined,
  entries: readonly string[],
): Record<string, string> {
  const env: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(hostEnv)) env[k] = v;
  if (searchPath !== undefined) env["PATH"] = searchPath;
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return env;
}
