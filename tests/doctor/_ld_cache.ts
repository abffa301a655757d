/**
 * Writes ld caches for tests, in the layout glibc's ldconfig writes (the
 * ld cache tests check it against `ldconfig -p`): the new format
 * (`glibc-ld.so.cache1.1`), or `compat` (the old table first).
 */

/** One library to put in a cache (flags default to x86-64 libc6). */
export interface CacheLib {
  key: string;
  value: string;
  flags?: number;
}

/** The libraries a healthy NVIDIA host has in its cache. */
export const DRIVER_LIBS: readonly CacheLib[] = [
  { key: "libc.so.6", value: "/lib/x86_64-linux-gnu/libc.so.6" },
  { key: "libcuda.so.1", value: "/usr/lib/x86_64-linux-gnu/libcuda.so.1" },
  { key: "libnvidia-ml.so.1", value: "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1" },
];

/** The bytes of a cache holding `libs`. */
export function buildLdCache(
  libs: readonly CacheLib[],
  options: { format?: "new" | "compat"; bigEndian?: boolean } = {},
): Uint8Array {
  const little = options.bigEndian !== true;
  const enc = new TextEncoder();
  const oldSize = options.format === "compat" ? 16 + libs.length * 12 : 0;
  const newAt = Math.ceil(oldSize / 8) * 8;
  const entriesEnd = 48 + libs.length * 24;
  const strings: number[] = [];
  const offsets = libs.map((l) => {
    const key = entriesEnd + strings.length;
    strings.push(...enc.encode(l.key), 0);
    const value = entriesEnd + strings.length;
    strings.push(...enc.encode(l.value), 0);
    return { key, value };
  });
  const out = new Uint8Array(newAt + entriesEnd + strings.length);
  const view = new DataView(out.buffer);
  if (options.format === "compat") {
    out.set(enc.encode("ld.so-1.7.0"), 0);
    view.setUint32(12, libs.length, true);
    // Old entries point into the same strings (after the new table).
    libs.forEach((l, i) => {
      const o = offsets[i] as { key: number; value: number };
      view.setInt32(16 + i * 12, l.flags ?? 0x0303, true);
      view.setUint32(20 + i * 12, newAt + o.key - oldSize, true);
      view.setUint32(24 + i * 12, newAt + o.value - oldSize, true);
    });
  }
  out.set(enc.encode("glibc-ld.so.cache1.1"), newAt);
  view.setUint32(newAt + 20, libs.length, little);
  view.setUint32(newAt + 24, strings.length, little);
  out[newAt + 28] = little ? 2 : 3;
  libs.forEach((l, i) => {
    const e = newAt + 48 + i * 24;
    const o = offsets[i] as { key: number; value: number };
    view.setInt32(e, l.flags ?? 0x0303, little);
    view.setUint32(e + 4, o.key, little);
    view.setUint32(e + 8, o.value, little);
  });
  out.set(strings, newAt + entriesEnd);
  return out;
}
