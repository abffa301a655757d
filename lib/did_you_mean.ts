/**
 * "Did you mean" suggestions for misspelt config keys and variable names.
 *
 * @module
 */

/** Longest word compared; longer words get no suggestion (bounded work). */
const MAX_WORD = 128;

/**
 * The Levenshtein edit distance between `a` and `b` (insertions, deletions
 * and substitutions of UTF-16 code units), or `Infinity` when either is
 * longer than 128 characters.
 *
 * @example
 * ```ts
 * editDistance("load-kmod", "load-kmods"); // 1
 * ```
 */
export function editDistance(a: string, b: string): number {
  if (a.length > MAX_WORD || b.length > MAX_WORD) return Infinity;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      row.push(
        Math.min(
          (prev[j] as number) + 1,
          (row[j - 1] as number) + 1,
          (prev[j - 1] as number) + cost,
        ),
      );
    }
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * The candidate nearest to `word`, when it is a near miss: at most
 * `maxDistance` (default 2) edits away, and fewer edits than a third of the
 * word's length; ties go to the earlier candidate. `undefined` when nothing is near, or `word` itself is a
 * candidate.
 *
 * @example
 * ```ts
 * didYouMean("no-cgroup", ["no-cgroups", "no-pivot"]); // "no-cgroups"
 * didYouMean("colour", ["no-cgroups"]); // undefined
 * ```
 */
export function didYouMean(
  word: string,
  candidates: readonly string[],
  maxDistance = 2,
): string | undefined {
  if (candidates.includes(word)) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(word, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return bestDistance <= maxDistance && bestDistance * 3 < word.length ? best : undefined;
}
