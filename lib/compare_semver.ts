/**
 * Version ordering exactly as Go's `golang.org/x/mod/semver.Compare`, which
 * the 2020 hook used to pick the shape of `process.capabilities`.
 *
 * @module
 */

interface Parsed {
  major: string;
  minor: string;
  patch: string;
  prerelease: string;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

function isIdentChar(c: string): boolean {
  return (c >= "A" && c <= "Z") || (c >= "a" && c <= "z") || isDigit(c) || c === "-";
}

/** Reads a decimal number without leading zeros; returns [number, rest]. */
function parseInt(v: string): [string, string] | undefined {
  if (!isDigit(v[0])) return undefined;
  let i = 1;
  while (i < v.length && isDigit(v[i])) i++;
  if (v[0] === "0" && i !== 1) return undefined;
  return [v.slice(0, i), v.slice(i)];
}

function isNum(v: string): boolean {
  for (const c of v) if (!isDigit(c)) return false;
  return true;
}

function isBadNum(v: string): boolean {
  return v.length > 1 && v[0] === "0" && isNum(v);
}

/** Reads "-ident(.ident)*" up to "+" or the end; returns [prerelease, rest]. */
function parsePrerelease(v: string): [string, string] | undefined {
  let i = 1;
  let start = 1;
  for (; i < v.length && v[i] !== "+"; i++) {
    const c = v[i] as string;
    if (c === ".") {
      if (start === i || isBadNum(v.slice(start, i))) return undefined;
      start = i + 1;
    } else if (!isIdentChar(c)) {
      return undefined;
    }
  }
  if (start === i || isBadNum(v.slice(start, i))) return undefined;
  return [v.slice(0, i), v.slice(i)];
}

/** Checks "+ident(.ident)*" to the end. */
function isBuild(v: string): boolean {
  let start = 1;
  let i = 1;
  for (; i < v.length; i++) {
    const c = v[i] as string;
    if (c === ".") {
      if (start === i) return false;
      start = i + 1;
    } else if (!isIdentChar(c)) {
      return false;
    }
  }
  return start !== i;
}

function parse(v: string): Parsed | undefined {
  if (v[0] !== "v") return undefined;
  const major = parseInt(v.slice(1));
  if (major === undefined) return undefined;
  let rest = major[1];
  if (rest === "") return { major: major[0], minor: "0", patch: "0", prerelease: "" };
  if (rest[0] !== ".") return undefined;
  const minor = parseInt(rest.slice(1));
  if (minor === undefined) return undefined;
  rest = minor[1];
  if (rest === "") return { major: major[0], minor: minor[0], patch: "0", prerelease: "" };
  if (rest[0] !== ".") return undefined;
  const patch = parseInt(rest.slice(1));
  if (patch === undefined) return undefined;
  rest = patch[1];
  let prerelease = "";
  if (rest[0] === "-") {
    const pre = parsePrerelease(rest);
    if (pre === undefined) return undefined;
    [prerelease, rest] = pre;
  }
  if (rest[0] === "+") {
    if (!isBuild(rest)) return undefined;
    rest = "";
  }
  if (rest !== "") return undefined;
  return { major: major[0], minor: minor[0], patch: patch[0], prerelease };
}

function compareInt(x: string, y: string): number {
  if (x === y) return 0;
  if (x.length !== y.length) return x.length < y.length ? -1 : 1;
  return x < y ? -1 : 1;
}

function comparePrerelease(x: string, y: string): number {
  if (x === y) return 0;
  if (x === "") return 1;
  if (y === "") return -1;
  const xs = x.slice(1).split(".");
  const ys = y.slice(1).split(".");
  const n = Math.min(xs.length, ys.length);
  for (let i = 0; i < n; i++) {
    const dx = xs[i] as string;
    const dy = ys[i] as string;
    if (dx === dy) continue;
    const ix = isNum(dx);
    const iy = isNum(dy);
    if (ix !== iy) return ix ? -1 : 1;
    if (ix && dx.length !== dy.length) return dx.length < dy.length ? -1 : 1;
    return dx < dy ? -1 : 1;
  }
  return xs.length < ys.length ? -1 : xs.length > ys.length ? 1 : 0;
}

/**
 * Reports whether `v` is a valid semantic version in Go's `x/mod/semver`
 * sense: a leading `v`, and `vMAJOR`, `vMAJOR.MINOR` or a full
 * `vMAJOR.MINOR.PATCH[-pre][+build]`.
 *
 * @example
 * ```ts
 * isValidSemver("v1.0.0-rc5"); // true
 * isValidSemver("1.0.0"); // false (no "v")
 * ```
 */
export function isValidSemver(v: string): boolean {
  return parse(v) !== undefined;
}

/**
 * Compares two versions as Go's `semver.Compare` does: -1, 0 or +1. An
 * invalid version is equal to another invalid one and lower than every valid
 * one; build metadata is ignored; `v1` and `v1.0` equal `v1.0.0`.
 *
 * @example
 * ```ts
 * compareSemver("v1.0.0-rc10", "v1.0.0-rc5"); // -1 (identifiers compare as ASCII)
 * compareSemver("vbad", "v0.0.0"); // -1
 * ```
 */
export function compareSemver(v: string, w: string): -1 | 0 | 1 {
  const pv = parse(v);
  const pw = parse(w);
  if (pv === undefined && pw === undefined) return 0;
  if (pv === undefined) return -1;
  if (pw === undefined) return 1;
  const c = compareInt(pv.major, pw.major) || compareInt(pv.minor, pw.minor) ||
    compareInt(pv.patch, pw.patch) || comparePrerelease(pv.prerelease, pw.prerelease);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}
