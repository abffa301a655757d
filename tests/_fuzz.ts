/**
 * Seeded, reproducible input generators and mutators for the property tests
 * of tests/fuzz_test.ts: a small PRNG (mulberry32), hostile strings, JSON
 * and TOML texts of every shape, and byte-level mutations (invalid UTF-8,
 * NUL bytes) decoded the way main.ts decodes its input.
 *
 * Every case gets its own seed derived from the property seed and the case
 * index, so a failure names `FUZZ_SEED` and the case and reproduces alone
 * (`FUZZ_CASE`).
 *
 * @module
 */

/** The seed used when `FUZZ_SEED` is not set. */
export const DEFAULT_SEED = 0x5eed1e55;

/** Longest time one case may take before it counts as a hang, in ms. */
export const CASE_LIMIT_MS = 3000;

/** A non-negative integer from the variable `name`; `undefined` when unset or blank. */
export function envInt(name: string): number | undefined {
  const text = Deno.env.get(name);
  if (text === undefined || text.trim() === "") return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(text)}`);
  }
  return n;
}

/** The property seed: `FUZZ_SEED` when set, else {@linkcode DEFAULT_SEED}. */
export function fuzzSeed(): number {
  return (envInt("FUZZ_SEED") ?? DEFAULT_SEED) >>> 0;
}

/** Cases per property: `FUZZ_RUNS` when set, else `fallback`. */
export function fuzzRuns(fallback: number): number {
  return envInt("FUZZ_RUNS") ?? fallback;
}

/** The seed of case `index` of a property seeded with `seed` (murmur3 finaliser). */
export function caseSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** mulberry32: a small, fast, seedable 32-bit PRNG. */
export class Rng {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A uniform unsigned 32-bit integer. */
  u32(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 2 ** 32) * n);
  }

  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.u32() < p * 2 ** 32;
  }

  /** One item of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }

  /** Shuffles `items` in place and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j] as T, items[i] as T];
    }
    return items;
  }
}

/** Prefix of every generated secret: no error message may contain it. */
export const SECRET = "s3cr3t-";

/** Characters of markers: printable, no `"`, `\` or `.` (see {@linkcode Gen.marker}). */
const MARKER_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=:/ +";

/** Strings that parsers, splitters and argv builders may trip over. */
export const HOSTILE_STRINGS: readonly string[] = [
  "",
  " ",
  "  \t ",
  ",",
  " , ",
  ",,",
  "=",
  "==",
  "A=B",
  "--no-cgroups",
  "-x",
  "--pid=1",
  "--device=all",
  "--require=cuda>=99.0",
  "--root=/",
  "--load-kmods",
  "--compute",
  "--",
  "-",
  "configure",
  "a\nb",
  "\r",
  "\r\n--no-pivot",
  "x\n--no-cgroups\n",
  "\u0000",
  "0\u0000--no-cgroups",
  "\x1b[31mred",
  "\x7f\x85",
  "\u2028\u2029",
  "\ufeff",
  "\ud800",
  "\udfff",
  "\ud83d\udca5",
  "\u00e9\u00fc",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "all",
  "none",
  "void",
  "ALL",
  "utility",
  "compute",
  "$(touch /tmp/pwned)",
  "`id`",
  "'",
  '"',
  "\\",
  "%s%n%x",
  "../../..",
  "/",
  "//",
  "/dev/null",
  "nvidia.com/gpu=0",
];

/** Option-looking words. */
const OPTION_WORDS: readonly string[] = [
  "--no-cgroups",
  "-x",
  "--pid=1",
  "--device=all",
  "configure",
  "--require=cuda>=99.0",
  "--debug=/dev/stderr",
  "--root=/",
  "--",
  "--ldconfig=@/tmp/evil",
  "--user=root",
  "--compat32",
];

/** Characters that are special somewhere: controls, separators, surrogates. */
const ODD_CHARS: readonly string[] = [
  "\u0000",
  "\n",
  "\r",
  "\t",
  "\x1b",
  "\x7f",
  "\x85",
  "\u2028",
  "\u2029",
  "\ufeff",
  "\ud800",
  "\udfff",
  "\u00e9",
  "\ud83d\udca5",
  ",",
  "=",
  "-",
  " ",
  '"',
  "\\",
  "/",
  ".",
];

const JSON_NUMBERS: readonly string[] = [
  "0",
  "-0",
  "1",
  "42",
  "4242",
  "2147483647",
  "2147483648",
  "-1",
  "1.5",
  "1.0",
  "1e3",
  "4.2e1",
  "4242.0",
  "4.242e3",
  "1E3",
  "1e400",
  "-1e400",
  "9007199254740993",
  "0.1",
  "1E-7",
  "123456789012345678901234567890",
];

const JSON_KEYS: readonly string[] = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "valueOf",
  "pid",
  "bundle",
  "bundlePath",
  "ociVersion",
  "process",
  "root",
  "env",
  "path",
  "capabilities",
  "bounding",
  "mounts",
  "polluted",
];

/** Paths for `bundle` and `root.path`. */
const PATHS: readonly string[] = [
  "/run/bundles/abc",
  "bundle",
  "rootfs",
  "./rootfs/",
  "rootfs//.",
  "../b",
  "/",
  "//",
  "/..",
  "/./",
  "../../..",
  "../../x",
  "a/..",
  ".",
  "..",
  "/a//b/./c/../d/",
  "--no-cgroups",
  "-x",
  "configure",
  "/with\nnewline",
  "/with\rcr",
  "/nul\u0000byte",
  "/sp ace",
  "/\u00fcn\u00ef",
  "/\ud83d\udca5",
  "/\ud800",
];

const VERSIONS: readonly string[] = [
  "1.0.0",
  "1.0.2",
  "1.1.0",
  "1.2.0",
  "1.0.0-rc1",
  "1.0.0-rc2",
  "1.0.0-rc4",
  "1.0.0-rc5",
  "1.0.0-rc10",
  "0.6.0",
  "",
  "v1.0.2",
  "1.0",
  "1",
  "1.0.0+build",
  "1.0.0-rc2+b",
  "01.0.0",
  "1.0.0-",
  "1.0.0-rc2.",
];

/** Variable names the policy reads. */
export const POLICY_NAMES: readonly string[] = [
  "NVIDIA_VISIBLE_DEVICES",
  "NVIDIA_VISIBLE_DEVICES",
  "NVIDIA_VISIBLE_DEVICES",
  "NVIDIA_VISIBLE_DEVICES_A",
  "NVIDIA_VISIBLE_DEVICES_",
  "NVIDIA_DRIVER_CAPABILITIES",
  "NVIDIA_DRIVER_CAPABILITIES",
  "NVIDIA_REQUIRE_CUDA",
  "NVIDIA_REQUIRE_DRIVER",
  "NVIDIA_REQUIRE_JETPACK_HOST_MOUNTS",
  "NVIDIA_DISABLE_REQUIRE",
  "CUDA_VERSION",
  "CUDA_VERSION",
  "NVIDIA_MIG_CONFIG_DEVICES",
  "NVIDIA_MIG_MONITOR_DEVICES",
  "NVIDIA_IMEX_CHANNELS",
  "DOCKER_RESOURCE_GPU",
  "SWARM_GPUS",
];

/** Names the policy never reads: their values get secrets. */
const OTHER_NAMES: readonly string[] = [
  "LD_PRELOAD",
  "LD_LIBRARY_PATH",
  "PATH",
  "HOME",
  "AWS_SECRET_ACCESS_KEY",
  "PASSWORD",
  "__proto__",
  "constructor",
  "",
  "A B",
  "nvidia_visible_devices",
  "NVIDIA_VISIBLE_DEVICES ",
  " CUDA_VERSION",
];

/** Names usable as `swarm-resource`. */
export const SWARM_NAMES: readonly string[] = ["DOCKER_RESOURCE_GPU", "SWARM_GPUS"];

const DEVICE_TOKENS: readonly string[] = [
  "all",
  "none",
  "void",
  "0",
  "1",
  "3",
  " 0 ",
  "GPU-8f6a2b1c-0000-1111-2222-333344445555",
  "MIG-GPU-8f6a2b1c/1/0",
  "nvidia.com/gpu=0",
  "ALL",
  "",
];

/** The seven driver capabilities. */
export const CAPABILITY_NAMES: readonly string[] = [
  "compute",
  "compat32",
  "graphics",
  "utility",
  "video",
  "display",
  "ngx",
];

const CUDA_VERSIONS: readonly string[] = [
  "9.0",
  "10.2.89",
  " 11 ",
  "v12.1",
  "4294967295",
  "4294967296",
  "1.2.3.4",
  "9. 0",
  "x",
  "0x10",
  "1e3",
  "\u0663",
  "\uff11\uff12",
  "9.0\n",
  "",
];

const REQUIRE_VALUES: readonly string[] = [
  "cuda>=9.0",
  "brand=tesla,driver>=450",
  "",
  "--no-cgroups",
  "--pid=1",
  "a\nb",
];

const BOOL_WORDS: readonly string[] = ["1", "t", "T", "TRUE", "true", "True", "yes", "0", ""];

/** Bytes that make a UTF-8 decoder work: NUL, stray continuation, overlong, surrogate... */
const ODD_BYTES: readonly number[][] = [
  [0x00],
  [0xff],
  [0xfe],
  [0x80],
  [0xc3],
  [0xc0, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xe2, 0x80, 0xa8],
  [0xef, 0xbb, 0xbf],
  [0xf0, 0x9f, 0x92],
];

/** Text fragments a mutation inserts. */
const TOKENS: readonly string[] = [
  '"',
  "{",
  "}",
  "[",
  "]",
  ",",
  ":",
  "\\",
  "\\u",
  "\n",
  "=",
  "[[",
  "#",
  "'",
  '"""',
  '"__proto__":',
  '"pid":',
  "null",
  "1e999",
  "-",
  "__proto__",
  "constructor.prototype.polluted = 1\n",
];

const encoder = new TextEncoder();

/** Escapes `s` as a TOML basic string. */
export function tomlString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (c < 0x20 || c === 0x7f) out += `\\u${c.toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return out + '"';
}

/** A random generator of hostile inputs; remembers the long markers it made. */
export class Gen extends Rng {
  /** Every marker made (strings longer than 64 characters, see {@linkcode marker}). */
  readonly markers: string[] = [];

  /**
   * A random string of 65 to `max` characters that no error message may show
   * more than 64 consecutive characters of. Its alphabet has no `"`, `\` or
   * `.`, so its quoted form equals it and a cut (`...`) cannot extend a match.
   */
  marker(max = 300): string {
    let s = "";
    const n = this.between(65, max);
    const noComma = this.chance(0.5);
    for (let i = 0; i < n; i++) {
      const c = this.pick([...MARKER_CHARS]);
      s += noComma || !this.chance(0.05) ? c : ",";
    }
    this.markers.push(s);
    return s;
  }

  /** A value no error message may contain: {@linkcode SECRET} and random letters. */
  secret(): string {
    let s = SECRET;
    for (let i = 0; i < 12; i++) s += this.pick([..."abcdefghijklmnopqrstuvwxyz0123456789"]);
    return s;
  }

  /** A hostile string of any family. */
  hostile(): string {
    switch (this.int(8)) {
      case 0:
      case 1:
        return this.pick(HOSTILE_STRINGS);
      case 2: {
        const w = this.pick(OPTION_WORDS);
        return this.pick(["", " ", "\n", ",", "=", "\t"]) + w + this.pick(["", " ", "\n", ","]);
      }
      case 3: {
        let s = "";
        for (let i = this.between(1, 8); i > 0; i--) s += this.pick(ODD_CHARS);
        return s;
      }
      case 4: {
        let s = "";
        for (let i = this.between(0, 20); i > 0; i--) {
          s += String.fromCharCode(this.between(32, 126));
        }
        return s;
      }
      case 5:
        return this.marker();
      case 6: {
        const parts: string[] = [];
        for (let i = this.between(1, 5); i > 0; i--) {
          parts.push(this.chance(0.5) ? this.pick(HOSTILE_STRINGS) : this.pick(DEVICE_TOKENS));
        }
        return parts.join(this.pick([",", ", ", " ,", ",,"]));
      }
      default:
        if (this.chance(0.05)) {
          return this.pick(["x", ",", "-", "\u00e9"]).repeat(this.between(1000, 20000));
        }
        return this.pick(HOSTILE_STRINGS) + this.pick(ODD_CHARS) + this.pick(HOSTILE_STRINGS);
    }
  }

  /** Random JSON whitespace. */
  ws(): string {
    return this.chance(0.7) ? "" : this.pick([" ", "\n", "\t", "\r\n", "  \n "]);
  }

  /** A JSON object text with these entries (values already JSON), in this order. */
  object(entries: readonly (readonly [string, string])[]): string {
    const body = entries.map(([k, v]) =>
      `${this.ws()}${JSON.stringify(k)}${this.ws()}:${this.ws()}${v}`
    );
    return `{${body.join(",")}${this.ws()}}`;
  }

  /** A JSON array text of these items (already JSON). */
  array(items: readonly string[]): string {
    return `[${items.map((i) => this.ws() + i).join(",")}${this.ws()}]`;
  }

  /** A JSON string literal of a hostile string. */
  jsonString(s = this.hostile()): string {
    return JSON.stringify(s);
  }

  /** Text of a random JSON value of any type, nested up to `depth` more levels. */
  anyJson(depth = 3): string {
    if (this.chance(0.01)) {
      const n = this.between(100, 3000);
      const [open, close] = this.chance(0.5) ? ["[", "]"] : ['{"a":', "}"];
      return open.repeat(n) + (open === "[" ? "" : "1") + close.repeat(n);
    }
    const kind = this.int(depth <= 0 ? 5 : 8);
    switch (kind) {
      case 0:
        return "null";
      case 1:
        return this.pick(["true", "false"]);
      case 2:
        return this.pick(JSON_NUMBERS);
      case 3:
      case 4:
        return this.jsonString();
      case 5:
      case 6: {
        const items: string[] = [];
        for (let i = this.between(0, 4); i > 0; i--) items.push(this.anyJson(depth - 1));
        return this.array(items);
      }
      default: {
        const entries: [string, string][] = [];
        for (let i = this.between(0, 4); i > 0; i--) {
          const key = this.chance(0.6) ? this.pick(JSON_KEYS) : this.hostile();
          entries.push([key, this.anyJson(depth - 1)]);
        }
        if (entries.length > 0 && this.chance(0.2)) entries.push(this.pick(entries));
        return this.object(entries);
      }
    }
  }

  /** Applies 1 to 4 byte-level mutations to `text` and decodes it as main.ts does. */
  mutate(text: string): string {
    let bytes = [...encoder.encode(text)];
    for (let n = this.between(1, 4); n > 0; n--) {
      const at = this.int(bytes.length + 1);
      switch (this.int(7)) {
        case 0:
          bytes.splice(at, 0, ...this.pick(ODD_BYTES));
          break;
        case 1:
          bytes.splice(at, 0, ...encoder.encode(this.pick(TOKENS)));
          break;
        case 2:
          bytes.splice(at, this.between(1, 8));
          break;
        case 3:
          if (at < bytes.length) bytes[at] = (bytes[at] as number) ^ (1 << this.int(8));
          break;
        case 4: {
          const len = this.between(1, 16);
          bytes.splice(at, 0, ...bytes.slice(at, at + len));
          break;
        }
        case 5:
          if (this.chance(0.3)) bytes = bytes.slice(0, at);
          break;
        default:
          if (at < bytes.length) bytes[at] = this.int(256);
      }
    }
    return new TextDecoder().decode(new Uint8Array(bytes));
  }

  /** A path-like string for `bundle` or `root.path`. */
  path(): string {
    switch (this.int(4)) {
      case 0:
        return "/" + this.hostile();
      case 1:
        return this.hostile();
      case 2:
        return "/" + this.marker();
      default:
        return this.pick(PATHS);
    }
  }

  /**
   * An OCI key as written, or rarely a variant differing only in case
   * (`Env`, `ENV`), which the hook refuses.
   */
  spell(key: string): string {
    if (!this.chance(0.015)) return key;
    return this.chance(0.5) ? key.toUpperCase() : key[0]!.toUpperCase() + key.slice(1);
  }

  /** `mounts`: objects with a source and a destination, or anything. */
  mounts(): string {
    if (this.chance(0.2)) return this.anyJson();
    const items: string[] = [];
    for (let i = this.between(0, 3); i > 0; i--) {
      const entries: [string, string][] = [];
      if (this.chance(0.9)) entries.push([this.spell("source"), this.jsonString(this.path())]);
      if (this.chance(0.9)) {
        entries.push([
          this.spell("destination"),
          this.jsonString(
            this.chance(0.5) ? `/var/run/nvidia-container-devices/${this.int(4)}` : this.path(),
          ),
        ]);
      }
      if (this.chance(0.3)) entries.push(["type", this.jsonString("bind")]);
      items.push(this.object(this.shuffle(entries)));
    }
    return this.array(items);
  }

  /** The text of a container state: mostly well-formed, any JSON type in any field. */
  stateText(): string {
    if (this.chance(0.05)) return this.anyJson();
    const entries: [string, string][] = [];
    if (this.chance(0.85)) {
      entries.push([
        "pid",
        this.chance(0.7)
          ? String(this.between(1, 2 ** 31 - 1))
          : this.chance(0.5)
          ? this.pick(JSON_NUMBERS)
          : this.anyJson(),
      ]);
    }
    const bundleValue = () => {
      const r = this.int(20);
      if (r < 12) return this.jsonString(this.path());
      if (r < 15) return '""';
      if (r < 17) return "null";
      return this.anyJson();
    };
    if (this.chance(0.8)) entries.push(["bundle", bundleValue()]);
    if (this.chance(0.25)) entries.push(["bundlePath", bundleValue()]);
    const noise: [string, () => string][] = [
      ["ociVersion", () => this.jsonString(this.pick(VERSIONS))],
      // Mostly a string; sometimes empty or another type (then no id).
      ["id", () => this.chance(0.8) ? this.jsonString() : this.pick(['""', "null", "7", "[]"])],
      ["status", () => this.jsonString(this.pick(["creating", "created", "running"]))],
      ["annotations", () => this.anyJson()],
      ["root", () => this.jsonString("/run/crun")],
      ["__proto__", () => '{"pid":1,"bundle":"/proto","polluted":true}'],
      ["constructor", () => '{"prototype":{"polluted":true}}'],
    ];
    for (const [key, value] of noise) if (this.chance(0.3)) entries.push([key, value()]);
    if (this.chance(0.2)) entries.push([this.hostile(), this.anyJson()]);
    if (entries.length > 0 && this.chance(0.15)) {
      entries.push([this.pick(entries)[0], this.chance(0.5) ? this.anyJson() : bundleValue()]);
    }
    let text = this.object(this.shuffle(entries));
    if (this.chance(0.03)) text += this.pick(["x", "{}", " 1", "\u0000", "]"]);
    return text;
  }

  /** A comma-separated device request. */
  deviceList(): string {
    const parts: string[] = [];
    for (let i = this.between(1, 4); i > 0; i--) {
      parts.push(this.chance(0.7) ? this.pick(DEVICE_TOKENS) : this.hostile());
    }
    return parts.join(this.pick([",", ", ", " ,", ",,"]));
  }

  /** A `NVIDIA_DRIVER_CAPABILITIES` value, mostly valid. */
  capabilityList(): string {
    const parts: string[] = [];
    for (let i = this.between(0, 4); i > 0; i--) {
      const r = this.int(10);
      parts.push(r < 7 ? this.pick(CAPABILITY_NAMES) : r < 8 ? "all" : r < 9 ? "" : this.hostile());
    }
    return parts.join(this.pick([",", ", ", " , "]));
  }

  /** A value for the policy variable `name`. */
  policyValue(name: string): string {
    if (this.chance(0.1)) return this.hostile();
    if (name.startsWith("NVIDIA_VISIBLE_DEVICES") || SWARM_NAMES.includes(name)) {
      return this.deviceList();
    }
    if (name === "NVIDIA_IMEX_CHANNELS") return this.deviceList();
    if (name === "NVIDIA_DRIVER_CAPABILITIES") return this.capabilityList();
    if (name === "NVIDIA_DISABLE_REQUIRE") return this.pick(BOOL_WORDS);
    if (name === "CUDA_VERSION") return this.pick(CUDA_VERSIONS);
    if (name.startsWith("NVIDIA_REQUIRE_")) {
      return this.chance(0.7) ? this.pick(REQUIRE_VALUES) : this.marker();
    }
    return this.pick(["", "0", "all", "--no-cgroups", "0,1"]);
  }

  /** `process.env` entries: policy variables, secrets, odd names, rarely one without `=`. */
  envEntries(): string[] {
    const out: string[] = [];
    for (let i = this.between(0, 12); i > 0; i--) {
      const r = this.int(100);
      if (r < 65) {
        const name = this.pick(POLICY_NAMES);
        out.push(`${name}=${this.policyValue(name)}`);
      } else if (r < 90) {
        out.push(`${this.pick(OTHER_NAMES)}=${this.secret()}`);
      } else if (r < 97) {
        out.push(this.pick(["__proto__=x", "constructor=y", "=", "==", "=x", "A=B=C"]));
      } else {
        out.push(this.pick(["NO_EQUALS", this.secret(), ""]));
      }
    }
    return out;
  }

  /** `process.capabilities` in the list form, the sets form, or anything. */
  capabilities(): string {
    const list = () => {
      const items: string[] = [];
      for (let i = this.between(0, 4); i > 0; i--) {
        items.push(
          this.pick(['"CAP_SYS_ADMIN"', '"CAP_CHOWN"', "null", '"cap_sys_admin"', "5", "[]"]),
        );
      }
      return this.array(items);
    };
    switch (this.int(4)) {
      case 0:
        return list();
      case 1:
      case 2: {
        const entries: [string, string][] = [];
        for (const set of ["bounding", "effective", "inheritable", "permitted", "ambient"]) {
          if (this.chance(0.5)) {
            entries.push([this.spell(set), this.chance(0.9) ? list() : this.anyJson(1)]);
          }
        }
        return this.object(entries);
      }
      default:
        return this.anyJson(2);
    }
  }

  /** The text of a `config.json`: mostly well-formed, any JSON type in any field. */
  specText(): string {
    if (this.chance(0.03)) return this.anyJson();
    const entries: [string, string][] = [];
    if (this.chance(0.95)) {
      entries.push([
        this.spell("ociVersion"),
        this.chance(0.8)
          ? this.jsonString(this.pick(VERSIONS))
          : this.chance(0.5)
          ? this.jsonString()
          : this.anyJson(),
      ]);
    }
    if (this.chance(0.95)) {
      if (this.chance(0.9)) {
        const process: [string, string][] = [];
        if (this.chance(0.9)) {
          const r = this.int(20);
          process.push([
            this.spell("env"),
            r < 17
              ? this.array(this.envEntries().map((e) => JSON.stringify(e)))
              : r < 18
              ? "null"
              : this.anyJson(),
          ]);
        }
        if (this.chance(0.5)) process.push([this.spell("capabilities"), this.capabilities()]);
        if (this.chance(0.3)) process.push(["args", this.anyJson()]);
        if (this.chance(0.1)) process.push(["__proto__", '{"env":["NVIDIA_VISIBLE_DEVICES=all"]}']);
        entries.push([this.spell("process"), this.object(this.shuffle(process))]);
      } else {
        entries.push(["process", this.anyJson()]);
      }
    }
    if (this.chance(0.95)) {
      if (this.chance(0.9)) {
        const root: [string, string][] = [];
        if (this.chance(0.95)) {
          root.push([
            this.spell("path"),
            this.chance(0.9) ? this.jsonString(this.path()) : this.anyJson(),
          ]);
        }
        if (this.chance(0.3)) root.push(["readonly", this.pick(["true", "false", "1"])]);
        entries.push([this.spell("root"), this.object(root)]);
      } else {
        entries.push(["root", this.anyJson()]);
      }
    }
    const noise: [string, () => string][] = [
      [this.spell("mounts"), () => this.mounts()],
      ["hooks", () => this.anyJson()],
      ["annotations", () => this.anyJson(4)],
      ["__proto__", () => '{"ociVersion":"1.0.2","polluted":true}'],
      ["constructor", () => '{"prototype":{"polluted":true}}'],
    ];
    for (const [key, value] of noise) if (this.chance(0.25)) entries.push([key, value()]);
    if (this.chance(0.2)) entries.push([this.hostile(), this.anyJson()]);
    if (entries.length > 0 && this.chance(0.1)) {
      entries.push([this.pick(entries)[0], this.anyJson()]);
    }
    let text = this.object(this.shuffle(entries));
    if (this.chance(0.03)) text += this.pick(["x", "{}", " 1", "\u0000"]);
    return text;
  }

  /** A TOML value of any type, possibly nested. */
  tomlValue(depth = 2): string {
    switch (this.int(depth <= 0 ? 7 : 9)) {
      case 0:
        return this.pick(["true", "false"]);
      case 1:
        return this.pick([
          "0",
          "5",
          "-1",
          "+7",
          "0x1f",
          "0o17",
          "0b101",
          "1_000",
          "9223372036854775807",
          "9223372036854775808",
          "01",
        ]);
      case 2:
        return this.pick(["1.5", "inf", "-inf", "nan", "1e400", "6.02e23", "1.", "-0.0"]);
      case 3:
      case 4:
        return tomlString(this.hostile());
      case 5:
        return this.pick([
          "'literal'",
          '"""multi\nline"""',
          "'''raw\\n'''",
          '"bad \\q escape"',
          '"\\uD800"',
          '"\\U0010FFFF"',
        ]);
      case 6:
        return this.pick([
          "1979-05-27T07:32:00Z",
          "1979-05-27",
          "07:32:00",
          "1979-05-27T07:32:00.999999-07:00",
          "2024-13-45",
        ]);
      case 7: {
        const items: string[] = [];
        for (let i = this.between(0, 3); i > 0; i--) items.push(this.tomlValue(depth - 1));
        return `[${items.join(", ")}]`;
      }
      default: {
        const items: string[] = [];
        for (let i = this.between(0, 3); i > 0; i--) {
          items.push(
            `${this.pick(["a", '"b"', "load-kmods", "user", "__proto__"])} = ${
              this.tomlValue(depth - 1)
            }`,
          );
        }
        return `{ ${items.join(", ")} }`;
      }
    }
  }

  /** A random, often invalid, TOML config file. */
  tomlText(): string {
    const lines: string[] = [];
    const keys = [
      ...TOP_KEYS,
      ...CLI_KEYS,
      ...CLI_KEYS.map((k) => `nvidia-container-cli.${k}`),
      "__proto__",
      "constructor",
      "__proto__.polluted",
      "constructor.prototype.polluted",
      '"__proto__"',
      "prototype",
      "nvidia-container-cli",
      "nvidia-container-runtime.mode",
    ];
    for (let i = this.between(0, 12); i > 0; i--) {
      const r = this.int(10);
      if (r < 2) {
        lines.push(
          this.pick([
            "[nvidia-container-cli]",
            "[nvidia-container-runtime]",
            "[nvidia-container-runtime.modes.legacy]",
            "[features]",
            "[nvidia-container-runtime-hook]",
            "[__proto__]",
            "[constructor.prototype]",
            "[[nvidia-container-cli]]",
            '["nvidia-container-cli"]',
            "[ nvidia-container-cli . x ]",
            `[${tomlString(this.hostile())}]`,
          ]),
        );
      } else if (r < 9) {
        lines.push(`${this.pick(keys)} = ${this.tomlValue()}`);
      } else {
        lines.push(`# ${this.hostile().replace(/[\n\r]/g, " ")}`);
      }
    }
    if (this.chance(0.02)) {
      const n = this.between(500, 3000);
      lines.push(`deep = ${"[".repeat(n)}${"]".repeat(n)}`);
    }
    const text = lines.join(this.chance(0.9) ? "\n" : "\r\n") + "\n";
    return this.chance(0.2) ? this.mutate(text) : text;
  }

  /**
   * A valid config file with hostile string values, written in one of three
   * TOML styles (tables, dotted keys, inline tables) with unknown keys
   * around; and the settings it holds, by dotted key.
   */
  validConfig(): { text: string; settings: Map<string, ConfigValue> } {
    const settings = new Map<string, ConfigValue>();
    const maybe = (key: string, p: number, value: () => ConfigValue) => {
      if (this.chance(p)) settings.set(key, value());
    };
    const bool = () => this.chance(0.5);
    const text = () => (this.chance(0.2) ? "" : this.hostile());
    maybe("disable-require", 0.3, bool);
    maybe(
      "swarm-resource",
      0.3,
      () =>
        this.chance(0.8)
          ? this.pick([...SWARM_NAMES, SWARM_NAMES.join(","), ` ${SWARM_NAMES.join(" , ")} ,`])
          : this.hostile(),
    );
    maybe("accept-nvidia-visible-devices-envvar-when-unprivileged", 0.2, bool);
    maybe("accept-nvidia-visible-devices-as-volume-mounts", 0.4, bool);
    maybe("supported-driver-capabilities", 0.2, () => {
      if (this.chance(0.2)) return "all";
      return CAPABILITY_NAMES.filter(() => this.chance(0.7)).join(this.pick([",", ", "]));
    });
    for (const key of ["root", "path", "debug", "ldcache", "user"]) {
      maybe(`nvidia-container-cli.${key}`, 0.3, text);
    }
    // An ldconfig without @ loads only when the container's ldconfig is allowed.
    maybe("nvidia-container-cli.ldconfig", 0.3, () => (this.chance(0.5) ? "@" : "") + text());
    const ldconfig = settings.get("nvidia-container-cli.ldconfig");
    if (typeof ldconfig === "string" && ldconfig !== "" && !ldconfig.startsWith("@")) {
      settings.set("features.allow-ldconfig-from-container", true);
    } else {
      maybe("features.allow-ldconfig-from-container", 0.2, bool);
    }
    for (
      const key of ["load-kmods", "no-pivot", "no-cgroups", "alpha-merge-visible-devices-envvars"]
    ) {
      maybe(`nvidia-container-cli.${key}`, 0.4, bool);
    }
    maybe("nvidia-container-cli.environment", 0.3, () => {
      const entries: string[] = [];
      for (let i = this.between(0, 3); i > 0; i--) {
        entries.push(
          `${this.pick(["A", "LD_PRELOAD", "PATH", "__proto__", "X-Y"])}=${this.hostile()}`,
        );
      }
      return entries;
    });
    maybe(
      "nvidia-container-runtime.mode",
      0.3,
      () => this.pick(["auto", "legacy", "", "auto", "cdi"]),
    );
    maybe(
      "nvidia-container-runtime.modes.legacy.cuda-compat-mode",
      0.3,
      () => this.pick(["ldconfig", "mount", "disabled", "hook", ""]),
    );
    maybe("nvidia-container-runtime-hook.skip-mode-detection", 0.2, bool);
    maybe("nvidia-container-runtime-hook.cli-version", 0.2, () => {
      if (this.chance(0.2)) return "";
      if (this.chance(0.5)) return this.pick(["1.17.0", "1.17.4", "1.17.6", "1.17.7", "2.0.0"]);
      return `${this.int(3)}.${this.int(30)}.${this.int(10)}`;
    });
    // A file under /var/log or /run, the name hostile but one segment (no "/").
    maybe("nvidia-container-runtime-hook.log-file", 0.2, () => {
      if (this.chance(0.2)) return "";
      const name = this.hostile().replaceAll("/", "_");
      const file = name === "" || name === "." || name === ".." ? "decisions.log" : name;
      const dir = this.pick([
        "/var/log",
        "/run",
        "/var/log/nvidia-hook",
        "/run//x/..",
        "/var/log/./",
      ]);
      return `${dir}/${file}`;
    });
    maybe("features.ignore-imex-channel-requests", 0.2, bool);
    maybe("features.disable-imex-channel-creation", 0.2, bool);
    maybe("features.allow-cuda-compat-libs-from-container", 0.3, bool);
    // Unknown keys, tolerated silently.
    maybe("nvidia-container-runtime.debug", 0.2, text);
    maybe("nvidia-container-runtime.modes.cdi.default-kind", 0.1, text);
    maybe("features.something-else", 0.1, bool);
    maybe("nvidia-ctk.path", 0.1, text);
    maybe("unknown-key", 0.1, text);
    maybe("__proto__.polluted", 0.1, bool);
    maybe("constructor.prototype.polluted", 0.1, bool);
    maybe("nvidia-container-cli.__proto__.polluted", 0.1, bool);
    const entries = this.shuffle([...settings]);
    return { text: renderToml(entries, this.pick(["tables", "dotted", "inline"])), settings };
  }
}

/** A value of {@linkcode Gen.validConfig}. */
export type ConfigValue = boolean | string | string[];

function tomlLiteral(v: ConfigValue): string {
  if (typeof v === "boolean") return String(v);
  if (typeof v === "string") return tomlString(v);
  return `[${v.map(tomlString).join(", ")}]`;
}

interface Tree {
  leaves: [string, ConfigValue][];
  tables: Map<string, Tree>;
}

/** Renders settings (dotted bare keys) as TOML in one of three styles. */
function renderToml(
  entries: [string, ConfigValue][],
  style: "tables" | "dotted" | "inline",
): string {
  if (style === "dotted") return entries.map(([k, v]) => `${k} = ${tomlLiteral(v)}\n`).join("");
  const root: Tree = { leaves: [], tables: new Map() };
  for (const [key, value] of entries) {
    const path = key.split(".");
    let t = root;
    for (const part of path.slice(0, -1)) {
      let sub = t.tables.get(part);
      if (sub === undefined) t.tables.set(part, sub = { leaves: [], tables: new Map() });
      t = sub;
    }
    t.leaves.push([path[path.length - 1] as string, value]);
  }
  const lines = root.leaves.map(([k, v]) => `${k} = ${tomlLiteral(v)}`);
  if (style === "inline") {
    const inline = (t: Tree): string => {
      const parts = [
        ...t.leaves.map(([k, v]) => `${k} = ${tomlLiteral(v)}`),
        ...[...t.tables].map(([k, sub]) => `${k} = ${inline(sub)}`),
      ];
      return `{ ${parts.join(", ")} }`;
    };
    for (const [k, sub] of root.tables) lines.push(`${k} = ${inline(sub)}`);
  } else {
    const walk = (t: Tree, name: string) => {
      if (t.leaves.length > 0) {
        lines.push(`[${name}]`, ...t.leaves.map(([k, v]) => `${k} = ${tomlLiteral(v)}`));
      }
      for (const [k, sub] of t.tables) walk(sub, `${name}.${k}`);
    };
    for (const [k, sub] of root.tables) walk(sub, k);
  }
  return lines.join("\n") + "\n";
}

/** Top-level keys of the config file. */
const TOP_KEYS: readonly string[] = [
  "disable-require",
  "swarm-resource",
  "accept-nvidia-visible-devices-envvar-when-unprivileged",
  "accept-nvidia-visible-devices-as-volume-mounts",
  "supported-driver-capabilities",
];

/** Keys of `[nvidia-container-cli]`. */
const CLI_KEYS: readonly string[] = [
  "root",
  "path",
  "environment",
  "debug",
  "ldcache",
  "load-kmods",
  "no-pivot",
  "no-cgroups",
  "user",
  "ldconfig",
  "alpha-merge-visible-devices-envvars",
];

/**
 * The first character of `s` that breaks a one-line message (C0 and C1
 * controls, DEL, U+2028, U+2029), as `U+XXXX`; `undefined` when none.
 */
export function lineBreaker(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) {
      return `U+${c.toString(16).padStart(4, "0")}`;
    }
  }
  return undefined;
}

/** A readable excerpt of an input for a failure message. */
export function show(input: unknown, max = 2000): string {
  const text = typeof input === "string" ? input : JSON.stringify(input) ?? String(input);
  const escaped = JSON.stringify(text.length > max ? text.slice(0, max) : text);
  return text.length > max ? `${escaped} (${text.length} characters, cut)` : escaped;
}

/**
 * Runs `check` on `runs` inputs made by `generate`, each from its own seed.
 * A failure names the property, the case, `FUZZ_SEED` and the input. A case
 * slower than {@linkcode CASE_LIMIT_MS} fails as a hang. `FUZZ_CASE=N` runs
 * case N only.
 */
export function forAll<T>(
  name: string,
  runs: number,
  generate: (g: Gen) => T,
  check: (input: T, g: Gen) => void,
): void {
  const seed = fuzzSeed();
  const only = envInt("FUZZ_CASE");
  for (let i = only ?? 0; i < (only === undefined ? runs : only + 1); i++) {
    const g = new Gen(caseSeed(seed, i));
    const input = generate(g);
    const start = performance.now();
    try {
      check(input, g);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new Error(
        `${name}: case ${i} failed (reproduce: FUZZ_SEED=${seed} FUZZ_CASE=${i}): ${why}\n` +
          `input: ${show(input)}`,
        { cause: e },
      );
    }
    const ms = performance.now() - start;
    if (ms > CASE_LIMIT_MS) {
      throw new Error(
        `${name}: case ${i} took ${Math.round(ms)} ms (reproduce: FUZZ_SEED=${seed} ` +
          `FUZZ_CASE=${i})\ninput: ${show(input)}`,
      );
    }
  }
}
