/**
 * `CUDA_VERSION` of legacy CUDA images.
 *
 * @module
 */

import { InputError, quote } from "./errors.ts";

const MAX_PART = 4294967295;

/**
 * Parses `CUDA_VERSION`: surrounding whitespace trimmed, an optional leading
 * `v`, then one to three dot-separated decimal numbers (leading zeros
 * allowed, each at most 4294967295); missing parts are 0. Returns
 * `[major, minor, patch]`.
 *
 * @throws {InputError} naming the value for anything else.
 *
 * @example
 * ```ts
 * parseCudaVersion(" 9.0.176 "); // [9, 0, 176]
 * parseCudaVersion("v10"); // [10, 0, 0]
 * ```
 */
export function parseCudaVersion(value: string): [number, number, number] {
  const trimmed = value.trim();
  const parts = (trimmed.startsWith("v") ? trimmed.slice(1) : trimmed).split(".");
  const bad = () =>
    new InputError(
      `Invalid CUDA_VERSION ${quote(value)}: expected [v]MAJOR[.MINOR[.PATCH]] in decimal numbers`,
    );
  if (parts.length > 3) throw bad();
  const nums = parts.map((p) => {
    if (p === "" || ![...p].every((c) => c >= "0" && c <= "9")) throw bad();
    const n = Number(p);
    if (n > MAX_PART) throw bad();
    return n;
  });
  return [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 0];
}
