/**
 * Assertions shared by the unit tests.
 *
 * @module
 */

import assert from "node:assert/strict";
import { InputError } from "../lib/errors.ts";

/** Any of the error classes of lib/errors.ts. */
type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Asserts that `fn` throws an instance of exactly `cls` (not a subclass)
 * with exactly `message`.
 */
export function throwsExactly(
  fn: () => unknown,
  message: string,
  cls: ErrorClass = InputError,
): void {
  assert.throws(fn, (e: unknown) => {
    assert.equal(Object.getPrototypeOf(e), cls.prototype, `not a ${cls.name}: ${e}`);
    assert.equal((e as Error).message, message);
    return true;
  });
}
