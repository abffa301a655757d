/**
 * The version of `nvidia-container-cli`, and what its `configure` accepts
 * for CUDA forward-compatibility libraries.
 *
 * @module
 */

/** A CLI version, `major.minor.patch`. */
export interface CliVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/**
 * How a CLI generation is told what to do with the container's CUDA
 * compatibility libraries: `cuda-compat-mode` (1.17.7 and later take
 * `--cuda-compat-mode=`), `no-cntlibs` (1.17.4 to 1.17.6 take
 * `--no-cntlibs`), or `none` (older: neither option exists).
 */
export type CompatSupport = "cuda-compat-mode" | "no-cntlibs" | "none";

const VERSION = /^(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})\.(0|[1-9][0-9]{0,8})$/;

/**
 * Parses `X.Y.Z` (decimal, no leading zeros, no suffix); `undefined` for
 * anything else.
 *
 * @example
 * ```ts
 * parseVersionNumber("1.17.7"); // { major: 1, minor: 17, patch: 7 }
 * parseVersionNumber("1.17"); // undefined
 * ```
 */
export function parseVersionNumber(text: string): CliVersion | undefined {
  const m = VERSION.exec(text);
  if (m === null) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]) };
}

/**
 * The version in the output of `nvidia-container-cli --version`, whose
 * first line is `cli-version: X.Y.Z`; `undefined` when it is not there.
 *
 * @example
 * ```ts
 * parseCliVersion("cli-version: 1.17.0\nlib-version: 1.17.0\n"); // { major: 1, minor: 17, patch: 0 }
 * ```
 */
export function parseCliVersion(output: string): CliVersion | undefined {
  const first = output.split("\n", 1)[0]?.trim() ?? "";
  const m = /^cli-version:\s*(\S+)$/.exec(first);
  return m === null ? undefined : parseVersionNumber(m[1] as string);
}

/**
 * Shows a version as `X.Y.Z`.
 *
 * @example
 * ```ts
 * formatVersion({ major: 1, minor: 17, patch: 0 }); // "1.17.0"
 * ```
 */
export function formatVersion(v: CliVersion): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

function atLeast(v: CliVersion, major: number, minor: number, patch: number): boolean {
  if (v.major !== major) return v.major > major;
  if (v.minor !== minor) return v.minor > minor;
  return v.patch >= patch;
}

/**
 * Which compat-library option a CLI of version `v` accepts.
 *
 * @example
 * ```ts
 * compatSupport({ major: 1, minor: 17, patch: 5 }); // "no-cntlibs"
 * ```
 */
export function compatSupport(v: CliVersion): CompatSupport {
  if (atLeast(v, 1, 17, 7)) return "cuda-compat-mode";
  if (atLeast(v, 1, 17, 4)) return "no-cntlibs";
  return "none";
}
