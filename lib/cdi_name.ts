/**
 * Fully-qualified CDI device names (`vendor/class=name`), as the Container
 * Device Interface specification defines them.
 *
 * @module
 */

function isLetter(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
}

function isAlphaNumeric(c: string): boolean {
  return isLetter(c) || (c >= "0" && c <= "9");
}

/** First character, inner characters, last character rules of one part. */
function valid(
  part: string,
  first: (c: string) => boolean,
  inner: (c: string) => boolean,
): boolean {
  if (part === "") return false;
  const chars = [...part];
  if (!first(chars[0] as string)) return false;
  if (!isAlphaNumeric(chars[chars.length - 1] as string)) return false;
  return chars.every(inner);
}

const vendorOrClassChar = (c: string) => isAlphaNumeric(c) || c === "_" || c === "-" || c === ".";
const deviceChar = (c: string) => vendorOrClassChar(c) || c === ":";

/**
 * Whether `name` is a fully-qualified CDI device name: `vendor/class=device`
 * where vendor and class are ASCII letters, digits, `_`, `-` and `.`,
 * starting with a letter; the device name also allows `:` and starts with a
 * letter or digit; every part ends with a letter or digit.
 *
 * @example
 * ```ts
 * isQualifiedCdiName("nvidia.com/gpu=0"); // true
 * isQualifiedCdiName("nvidia.com/gpu=all"); // true
 * isQualifiedCdiName("GPU-0f1e"); // false
 * ```
 */
export function isQualifiedCdiName(name: string): boolean {
  const eq = name.indexOf("=");
  if (eq < 0) return false;
  const kind = name.slice(0, eq);
  const device = name.slice(eq + 1);
  const slash = kind.indexOf("/");
  if (slash < 0) return false;
  const vendor = kind.slice(0, slash);
  const cls = kind.slice(slash + 1);
  return valid(vendor, isLetter, vendorOrClassChar) &&
    valid(cls, isLetter, vendorOrClassChar) &&
    valid(device, isAlphaNumeric, deviceChar);
}
