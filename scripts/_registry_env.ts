/**
 * The caller's environment variables that decide whether Deno reaches a
 * package registry: which certificate authorities it trusts, which proxy it
 * goes through, which registry it asks. `deno bundle` downloads esbuild from
 * the npm registry on first use; behind a TLS-inspecting proxy, or with a
 * company CA, it fails with `invalid peer certificate: UnknownIssuer` unless
 * these reach it. Every child process that may reach a registry and is
 * started with a cleared environment (the install task as the tests and the
 * engine benchmark run it) gets them from {@link registryEnv}.
 *
 * @module
 */

/**
 * The names kept, in this order: Deno's own CA settings, Node's extra-CA
 * file (honoured by Deno since 2.8), the OpenSSL-style CA paths (read by
 * Deno's `system` store), the proxy variables in both cases, and the npm
 * registry override.
 */
export const REGISTRY_ENV_NAMES = [
  "DENO_CERT",
  "DENO_TLS_CA_STORE",
  "NODE_EXTRA_CA_CERTS",
  "SSL_CERT_FILE",
  "SSL_CERT_DIR",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "ALL_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  "all_proxy",
  "NPM_CONFIG_REGISTRY",
  "npm_config_registry",
] as const;

/** One of {@link REGISTRY_ENV_NAMES}. */
export type RegistryEnvName = typeof REGISTRY_ENV_NAMES[number];

/**
 * The variables of {@link REGISTRY_ENV_NAMES} that `get` (by default the
 * running process's environment) has, with their values; unset ones are
 * left out, so that the child sees exactly what the caller has.
 *
 * @example
 * ```ts
 * registryEnv((n) => n === "HTTPS_PROXY" ? "http://proxy:3128" : undefined);
 * // { HTTPS_PROXY: "http://proxy:3128" }
 * ```
 */
export function registryEnv(
  get: (name: string) => string | undefined = (name) => Deno.env.get(name),
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of REGISTRY_ENV_NAMES) {
    const value = get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}
