/**
 * `CUDA_VERSION` of legacy CUDA images.
 *
 * @module
 */

import { InputError, quote } from "./errors.ts";

/** The largest major or minor version (a uint32, as NVIDIA's hook checks). */
const MAX_PART = 4294967295n;

/** The largest number any part may hold (a uint64, as NVIDIA's semver parser reads it). */
const MAX_NUMBER = 18446744073709551615n;

function isDigits(s: string): boolean {
  return s !== "" && [...s].every((c) => c >= "0" && c <= "9");
}

function isIdentifier(s: string): boolean {
  return s !== "" &&
    [...s].every((c) =>
      (c >= "0" && c <= "9") || (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "-"
    );
}

/** Dot-separated identifiers; numeric pre-release identifiers have no leading zero. */
function isIdentifiers(s: string, prerelease: boolean): boolean {
  return s.split(".").every((id) =>
    isIdentifier(id) && !(prerelease && isDigits(id) && id.length > 1 && id.startsWith("0"))
  );
}

/**
 * Parses `CUDA_VERSION` with the grammar of NVIDIA's current hook:
 * surrounding whitespace trimmed (ours: that hook refuses it), an optional
 * leading `v`, one to three dot-separated decimal numbers (leading zeros
 * allowed; major and minor at most 4294967295, the patch at most
 * 2^64 - 1), then an optional `-PRERELEASE` and an optional `+BUILD`
 * (dot-separated identifiers of ASCII letters, digits and `-`; a numeric
 * pre-release identifier has no leading zero), which are ignored. Missing
 * parts are 0. Returns `[major, minor]`.
 *
 * @throws {InputError} naming the value for anything else.
 *
 * @example
 * ```ts
 * parseCudaVersion(" 9.0.176 "); // [9, 0]
 * parseCudaVersion("v10"); // [10, 0]
 * parseCudaVersion("9.0-rc1"); // [9, 0]
 * ```
 */
export function parseCudaVersion(value: string): [number, number] {
  const bad = () =>
    new InputError(
      `Invalid CUDA_VERSION ${
        quote(value)
      }: expected [v]MAJOR[.MINOR[.PATCH]][-PRERELEASE][+BUILD]` +
        ` with decimal numbers`,
    );
  let rest = value.trim();
  if (rest.startsWith("v")) rest = rest.slice(1);
  const plus = rest.indexOf("+");
  if (plus >= 0) {
    if (!isIdentifiers(rest.slice(plus + 1), false)) throw bad();
    rest = rest.slice(0, plus);
  }
  const dash = rest.indexOf("-");
  if (dash >= 0) {
    if (!isIdentifiers(rest.slice(dash + 1), true)) throw bad();
    rest = rest.slice(0, dash);
  }
  const parts = rest.split(".");
  if (parts.length > 3 || !parts.every(isDigits)) throw bad();
  const nums = parts.map((p) => BigInt(p));
  if (nums.some((n) => n > MAX_NUMBER)) throw bad();
  const [major = 0n, minor = 0n] = nums;
  if (major > MAX_PART || minor > MAX_PART) throw bad();
  return [Number(major), Number(minor)];
}
