/**
 * The dynamic linker's cache, `/etc/ld.so.cache`, as glibc's `ldconfig`
 * writes it: the current format (`glibc-ld.so.cache1.1`, alone since glibc
 * 2.32), or after the old `ld.so-1.7.0` table (the `compat` format older
 * distributions write).
 *
 * @module
 */

/** One library of the cache. */
export interface LdCacheEntry {
  /** ldconfig's flags: the ELF type (low byte) and the ABI (`0x0300`: x86-64). */
  flags: number;
  /** The soname, e.g. `libcuda.so.1`. */
  key: string;
  /** The file, e.g. `/usr/lib/x86_64-linux-gnu/libcuda.so.1`. */
  value: string;
}

/** A parsed cache, or why it cannot be parsed. */
export type LdCacheResult =
  | { ok: true; entries: LdCacheEntry[] }
  | { ok: false; error: string };

const OLD_MAGIC = "ld.so-1.7.0";
const NEW_MAGIC = "glibc-ld.so.cache1.1";
const NEW_HEADER = 48;
const NEW_ENTRY = 24;
const OLD_ENTRY = 12;
/** Longest string read from the string table (PATH_MAX). */
const MAX_STRING = 4096;

function hasMagic(bytes: Uint8Array, at: number, magic: string): boolean {
  if (at + magic.length > bytes.length) return false;
  for (let i = 0; i < magic.length; i++) {
    if (bytes[at + i] !== magic.charCodeAt(i)) return false;
  }
  return true;
}

/** Where the new-format header is, or `undefined`. */
function newHeaderAt(bytes: Uint8Array): number | undefined {
  if (hasMagic(bytes, 0, NEW_MAGIC)) return 0;
  if (!hasMagic(bytes, 0, OLD_MAGIC) || bytes.length < 16) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = 16 + view.getUint32(12, true) * OLD_ENTRY;
  // Aligned to the new header: 8 bytes on 64-bit ABIs, 4 on some 32-bit ones.
  for (const align of [8, 4]) {
    const at = Math.ceil(end / align) * align;
    if (hasMagic(bytes, at, NEW_MAGIC)) return at;
  }
  return undefined;
}

function cString(bytes: Uint8Array, at: number): string | undefined {
  if (at >= bytes.length) return undefined;
  const limit = Math.min(bytes.length, at + MAX_STRING);
  const end = bytes.indexOf(0, at);
  if (end < 0 || end >= limit) return undefined;
  return new TextDecoder().decode(bytes.subarray(at, end));
}

/**
 * Parses the bytes of an ld cache. String offsets of the new format count
 * from its header; every offset and count is checked against the size.
 *
 * @example
 * ```ts
 * parseLdCache(new TextEncoder().encode("ld.so-1.7.0\0\0\0\0\0"));
 * // { ok: false, error: 'old format only ("ld.so-1.7.0"), no "glibc-ld.so.cache1.1" table' }
 * ```
 */
export function parseLdCache(bytes: Uint8Array): LdCacheResult {
  const at = newHeaderAt(bytes);
  if (at === undefined) {
    return hasMagic(bytes, 0, OLD_MAGIC)
      ? { ok: false, error: `old format only ("${OLD_MAGIC}"), no "${NEW_MAGIC}" table` }
      : { ok: false, error: `not an ld cache (no "${NEW_MAGIC}" header)` };
  }
  const cache = bytes.subarray(at);
  if (cache.length < NEW_HEADER) return { ok: false, error: "truncated header" };
  const view = new DataView(cache.buffer, cache.byteOffset, cache.byteLength);
  // Byte 28: 0 unset (the writer's order), 1 invalid, 2 little-endian, 3 big-endian.
  const order = cache[28];
  if (order === 1) return { ok: false, error: "invalid byte order flag" };
  const little = order !== 3;
  const count = view.getUint32(20, little);
  if (NEW_HEADER + count * NEW_ENTRY > cache.length) {
    return { ok: false, error: `truncated: ${count} entries do not fit in ${cache.length} bytes` };
  }
  const entries: LdCacheEntry[] = [];
  for (let i = 0; i < count; i++) {
    const e = NEW_HEADER + i * NEW_ENTRY;
    const key = cString(cache, view.getUint32(e + 4, little));
    const value = cString(cache, view.getUint32(e + 8, little));
    if (key === undefined || value === undefined) {
      return { ok: false, error: `entry ${i} points outside the string table` };
    }
    entries.push({ flags: view.getInt32(e, little), key, value });
  }
  return { ok: true, entries };
}

/** ldconfig's ELF library types (the low byte of the flags). */
const ELF_TYPES = [0x01, 0x03];

/**
 * The entry for `soname`: an ELF library, one built for a 64-bit or other
 * specific ABI (flags `0xff00` set, as the CLI's own ABI is on 64-bit hosts)
 * before a plain one.
 *
 * @example
 * ```ts
 * ldCacheLookup([{ flags: 0x0003, key: "libcuda.so.1", value: "/usr/lib32/libcuda.so.1" },
 *   { flags: 0x0303, key: "libcuda.so.1", value: "/usr/lib64/libcuda.so.1" }], "libcuda.so.1")?.value;
 * // "/usr/lib64/libcuda.so.1"
 * ```
 */
export function ldCacheLookup(
  entries: readonly LdCacheEntry[],
  soname: string,
): LdCacheEntry | undefined {
  const elf = entries.filter((e) => e.key === soname && ELF_TYPES.includes(e.flags & 0xff));
  return elf.find((e) => (e.flags & 0xff00) !== 0) ?? elf[0];
}
