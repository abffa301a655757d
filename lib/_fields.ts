/**
 * Safe access to untrusted JSON objects: only own properties count, so keys
 * such as `__proto__` or `constructor` never reach `Object.prototype`.
 *
 * @module
 */

/** A parsed JSON object. */
export type JsonObject = Record<string, unknown>;

/** Whether `v` is a JSON object (not an array, not `null`). */
export function isObject(v: unknown): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The own property `key` of `obj`; `undefined` when absent or `null`. */
export function field(obj: JsonObject, key: string): unknown {
  if (!Object.hasOwn(obj, key)) return undefined;
  const v = obj[key];
  return v === null ? undefined : v;
}

/** Names the JSON type of a value for error messages: "a number", "null", ... */
export function jsonType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  switch (typeof v) {
    case "object":
      return "an object";
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    default:
      return typeof v;
  }
}
