/**
 * The seeded case generator of the differential suite: OCI states, bundle
 * specs and config files for tests/_differential.ts, about 80% well-formed
 * (so that the two hooks' argv get compared), the rest with one malformed
 * part (state, spec, environment entry or config value).
 *
 * Case `i` of seed `s` is generated from `caseSeed(s, i)` alone, so
 * `DIFF_SEED=s DIFF_CASE=i` reproduces it.
 *
 * @module
 */

import type { DiffCase } from "./_differential.ts";
import { caseSeed, envInt, Rng } from "./_fuzz.ts";

/** The seed used when `DIFF_SEED` is not set. */
export const DEFAULT_DIFF_SEED = 0xd1ff5eed;

/** Generated cases per run when `DIFF_RUNS` is not set. */
export const DEFAULT_DIFF_RUNS = 2000;

/** `DIFF_SEED` when set, else {@linkcode DEFAULT_DIFF_SEED}. */
export function diffSeed(): number {
  return (envInt("DIFF_SEED") ?? DEFAULT_DIFF_SEED) >>> 0;
}

/** `DIFF_RUNS` when set, else {@linkcode DEFAULT_DIFF_RUNS}. */
export function diffRuns(): number {
  return envInt("DIFF_RUNS") ?? DEFAULT_DIFF_RUNS;
}

/** `DIFF_CASE` when set: the one case index to run. */
export function diffCase(): number | undefined {
  return envInt("DIFF_CASE");
}

const UUID = "GPU-8f6a2b1c-0000-1111-2222-333344445555";
const UUID2 = "GPU-0d5e1f2a-aaaa-bbbb-cccc-ddddeeeeffff";

const DEVICE_ITEMS: readonly string[] = [
  "0",
  "1",
  "2",
  "3",
  "0",
  "1",
  "7",
  "15",
  UUID,
  UUID2,
  "MIG-GPU-8f6a2b1c-0000-1111-2222-333344445555/1/0",
  "MIG-7d1e5f3a-1111-5555-9999-000011112222",
  "all",
  "none",
  "void",
  "ALL",
  "All",
  "None",
  "",
  "nvidia.com/gpu=0",
  "nvidia.com/gpu=all",
  "nvidia.com/mig=1:0",
  "0:1",
  "gpu0",
];

const CAPS: readonly string[] = [
  "compute",
  "compat32",
  "graphics",
  "utility",
  "video",
  "display",
  "ngx",
];

const CAP_ODD: readonly string[] = ["all", "", "COMPUTE", "Utility", "foo", "gpu", " all "];

const CUDA_VERSIONS: readonly string[] = [
  "9.0",
  "v9.0",
  "10",
  "9.0.1",
  "9.0-rc1",
  "09.0",
  " 9.0",
  "9.0 ",
  "\t10.1\n",
  "garbage",
  "4294967295.0",
  "4294967296",
  "99999999999999999999",
  "11.8.0",
  "12.4.1",
  "10.2.89",
  "1.2.3.4",
  "9.",
  ".9",
  "9..0",
  "9. 0",
  "V9.0",
  "9.0+build",
  "9.0-rc1+b",
  "12-1",
  "0",
  "0.0",
  "vv9",
  "-1",
  "",
];

const REQUIRE_NAMES: readonly string[] = [
  "CUDA",
  "DRIVER",
  "ARCH",
  "BRAND",
  "X",
  "CUDA_1",
  "",
  "JETPACK",
  "JETPACK_HOST_MOUNTS",
  "JETPACKX",
];

const REQUIRE_VALUES: readonly string[] = [
  "cuda>=9.0",
  "cuda>=11.0 brand=tesla,driver>=418,driver<419",
  "arch=x86_64",
  "driver>=450",
  "brand=tesla",
  "cuda>=12.4 brand=unknown,driver>=470,driver<471 brand=grid,driver>=470,driver<471",
  "",
  " ",
  "cuda>=99.0",
];

const BOOL_TEXTS: readonly string[] = [
  "1",
  "t",
  "T",
  "TRUE",
  "true",
  "True",
  "yes",
  "0",
  "f",
  "false",
  "FALSE",
  "",
  "2",
  " true",
  "tRuE",
];

const OCI_VERSIONS: readonly string[] = [
  "1.0.0-rc1",
  "1.0.0-rc2",
  "1.0.0-rc3",
  "1.0.0-rc4",
  "1.0.0-rc5",
  "1.0.0-rc6",
  "1.0.0",
  "1.0.1",
  "1.0.2",
  "1.0.2",
  "1.0.2",
  "1.1.0",
  "1.2.0",
  "v1.0.2",
  "v1.0.0-rc2",
  "1.0.0-rc10",
  "1.0",
  "1",
  "",
  "x",
  "0.6.0",
  "1.0.0-rc2+dev",
];

/** Versions that use the plain-array capabilities form (>= 1.0.0-rc1, < 1.0.0-rc5). */
const ARRAY_FORM = new Set([
  "1.0.0-rc1",
  "1.0.0-rc2",
  "1.0.0-rc3",
  "1.0.0-rc4",
  "v1.0.0-rc2",
  "1.0.0-rc10",
  "1.0.0-rc2+dev",
]);

const SWARM_NAMES: readonly string[] = ["DOCKER_RESOURCE_GPU", "SWARM_GPUS"];

const MOUNT_ROOTS: readonly string[] = [
  "/var/run/nvidia-container-devices",
  "/var/run/nvidia-container-devices",
  "/var/run/nvidia-container-devices",
  "/run/nvidia-container-devices",
  "/var/run/nvidia-container-devicesX",
  "/var/run//nvidia-container-devices",
];

type Value = boolean | number | string | readonly string[] | { raw: string };

/** One config setting: the table path, the key, the value. */
interface Setting {
  table: string;
  key: string;
  value: Value;
}

/** The config keys, by table ("" = top level), with value generators. */
interface KeySpec {
  table: string;
  key: string;
  type: "bool" | "string" | "array";
  valid: (g: DiffGen) => Value;
}

const KEYS: readonly KeySpec[] = [
  { table: "", key: "disable-require", type: "bool", valid: (g) => g.r.chance(0.5) },
  {
    table: "",
    key: "swarm-resource",
    type: "string",
    valid: (g) =>
      g.r.pick([
        "DOCKER_RESOURCE_GPU",
        "DOCKER_RESOURCE_GPU,SWARM_GPUS",
        "SWARM_GPUS,DOCKER_RESOURCE_GPU",
        " SWARM_GPUS , DOCKER_RESOURCE_GPU ,",
        "",
        "NVIDIA_VISIBLE_DEVICES",
        ",",
      ]),
  },
  {
    table: "",
    key: "accept-nvidia-visible-devices-envvar-when-unprivileged",
    type: "bool",
    valid: (g) => g.r.chance(0.5),
  },
  {
    table: "",
    key: "accept-nvidia-visible-devices-as-volume-mounts",
    type: "bool",
    valid: (g) => g.r.chance(0.6),
  },
  {
    table: "",
    key: "supported-driver-capabilities",
    type: "string",
    valid: (g) => {
      if (g.r.chance(0.3)) {
        return g.r.pick([
          "all",
          "",
          "compute,utility",
          "ALL",
          "utility",
          "compute,all",
          "all,utility",
        ]);
      }
      return g.capList(false);
    },
  },
  {
    table: "nvidia-container-cli",
    key: "root",
    type: "string",
    valid: (g) => g.r.pick(["", "/", "<tmp>/driver", "<tmp>/driver/", "/nonexistent-root"]),
  },
  {
    table: "nvidia-container-cli",
    key: "path",
    type: "string",
    valid: (g) =>
      g.r.pick(["<cli>", "<cli>", "", "<tmp>/bin/../bin/nvidia-container-cli", "/nonexistent/cli"]),
  },
  {
    table: "nvidia-container-cli",
    key: "environment",
    type: "array",
    valid: (g) => {
      const entries: string[] = [];
      for (let i = g.r.between(0, 3); i > 0; i--) {
        entries.push(
          g.r.pick([
            "A=1",
            "A=2",
            "LD_LIBRARY_PATH=/opt/lib",
            "NVIDIA_DRIVER_ROOT=/run/nvidia/driver",
            "PATH=/opt/bin:/usr/bin:/bin",
            "EMPTY=",
            "B=x=y",
            "HOST_MARKER=config",
          ]),
        );
      }
      return entries;
    },
  },
  {
    table: "nvidia-container-cli",
    key: "debug",
    type: "string",
    valid: (g) => g.r.pick(["", "/var/log/nvidia-container-toolkit.log", "/dev/stderr"]),
  },
  {
    table: "nvidia-container-cli",
    key: "ldcache",
    type: "string",
    valid: (g) => g.r.pick(["", "/etc/ld.so.cache", "/run/ld.so.cache"]),
  },
  { table: "nvidia-container-cli", key: "load-kmods", type: "bool", valid: (g) => g.r.chance(0.5) },
  { table: "nvidia-container-cli", key: "no-pivot", type: "bool", valid: (g) => g.r.chance(0.5) },
  { table: "nvidia-container-cli", key: "no-cgroups", type: "bool", valid: (g) => g.r.chance(0.5) },
  {
    table: "nvidia-container-cli",
    key: "user",
    type: "string",
    valid: (g) => g.r.pick(["", "root:video", "0:0", "nobody"]),
  },
  {
    table: "nvidia-container-cli",
    key: "ldconfig",
    type: "string",
    valid: (g) => g.ldconfig(),
  },
  {
    table: "nvidia-container-cli",
    key: "alpha-merge-visible-devices-envvars",
    type: "bool",
    valid: (g) => g.r.chance(0.5),
  },
  {
    table: "nvidia-container-runtime",
    key: "mode",
    type: "string",
    valid: (g) =>
      g.r.pick(["auto", "auto", "legacy", "legacy", "", "cdi", "csv", "jit-cdi", "AUTO", "x"]),
  },
  {
    table: "nvidia-container-runtime.modes.legacy",
    key: "cuda-compat-mode",
    type: "string",
    valid: (g) =>
      g.r.pick(["ldconfig", "mount", "disabled", "hook", "", "ldconfig", "bogus", "Mount"]),
  },
  {
    table: "nvidia-container-runtime-hook",
    key: "skip-mode-detection",
    type: "bool",
    valid: (g) => g.r.chance(0.5),
  },
  {
    // This hook's own keys (NVIDIA's hook ignores them); no log file it could write.
    table: "nvidia-container-runtime-hook",
    key: "cli-version",
    type: "string",
    valid: (g) => g.r.pick(["1.18.0", "1.17.7", "2.0.0", "", "1.17", "x", "1.17.0"]),
  },
  {
    table: "nvidia-container-runtime-hook",
    key: "log-file",
    type: "string",
    valid: (g) => g.r.pick(["", "decisions.log", "/tmp/nvidia-hook-decisions.log"]),
  },
  {
    table: "features",
    key: "ignore-imex-channel-requests",
    type: "bool",
    valid: (g) => g.r.chance(0.5),
  },
  {
    table: "features",
    key: "disable-imex-channel-creation",
    type: "bool",
    valid: (g) => g.r.chance(0.5),
  },
  {
    table: "features",
    key: "allow-cuda-compat-libs-from-container",
    type: "bool",
    valid: (g) => g.r.chance(0.5),
  },
  {
    table: "features",
    key: "allow-ldconfig-from-container",
    type: "bool",
    valid: (g) => g.r.chance(0.5),
  },
];

/** Keys real hosts carry that the hook must tolerate. */
const TOLERATED: readonly Setting[] = [
  {
    table: "nvidia-container-runtime",
    key: "debug",
    value: "/var/log/nvidia-container-runtime.log",
  },
  { table: "nvidia-container-runtime", key: "log-level", value: "info" },
  { table: "nvidia-container-runtime", key: "runtimes", value: ["docker-runc", "runc", "crun"] },
  { table: "nvidia-container-runtime.modes.cdi", key: "default-kind", value: "nvidia.com/gpu" },
  { table: "nvidia-container-runtime-hook", key: "path", value: "nvidia-container-runtime-hook" },
  { table: "nvidia-ctk", key: "path", value: "nvidia-ctk" },
  { table: "features", key: "some-other-feature", value: true },
  { table: "nvidia-container-cli", key: "cuda-compat-mode", value: "ldconfig" },
  { table: "", key: "unknown-key", value: 5 },
  // TOML 1.0 that go-toml v1 cannot decode, in keys the hooks do not read.
  { table: "nvidia-container-runtime", key: "runtimes", value: { raw: '[["runc"], ["crun"]]' } },
  {
    table: "nvidia-container-runtime.modes.cdi",
    key: "annotation-prefixes",
    value: { raw: '["a", 1]' },
  },
  {
    table: "nvidia-container-runtime",
    key: "runtimes",
    value: { raw: '[\n  "runc",\n  ["crun"],\n]' },
  },
];

/** A TOML basic string. */
function tomlString(s: string): string {
  return JSON.stringify(s);
}

function tomlValue(v: Value): string {
  if (typeof v === "boolean" || typeof v === "number") return String(v);
  if (typeof v === "string") return tomlString(v);
  if ("raw" in v) return v.raw;
  return `[${(v as readonly string[]).map(tomlString).join(", ")}]`;
}

function capital(s: string): string {
  return s.toUpperCase();
}

function titleCase(s: string): string {
  return s.split("-").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join("-");
}

/** Generates one case from its own seed. */
export class DiffGen {
  readonly r: Rng;
  /** Empty files the case needs under `<tmp>`. */
  readonly hostFiles: string[] = [];

  constructor(seed: number) {
    this.r = new Rng(seed);
  }

  /** A list of 1-4 capability names (shuffled, maybe repeated), joined with `,`. */
  capList(odd: boolean): string {
    const items: string[] = [];
    for (let i = this.r.between(1, 4); i > 0; i--) {
      items.push(odd && this.r.chance(0.2) ? this.r.pick(CAP_ODD) : this.r.pick(CAPS));
    }
    return items.map((s) => (this.r.chance(0.1) ? ` ${s} ` : s)).join(",");
  }

  /** A configured `ldconfig` value within what both hooks see on this host. */
  ldconfig(): string {
    switch (this.r.int(8)) {
      case 0:
        return "@/sbin/ldconfig";
      case 1:
        return "@/sbin/ldconfig.real";
      case 2:
        return "";
      case 3:
        return "/sbin/ldconfig";
      case 4: {
        // A host file of the case's own, with or without the .real one.
        this.hostFiles.push("host/sbin/ldconfig");
        if (this.r.chance(0.5)) this.hostFiles.push("host/sbin/ldconfig.real");
        return this.r.chance(0.7) ? "@<tmp>/host/sbin/ldconfig.real" : "@<tmp>/host/sbin/ldconfig";
      }
      case 5:
        this.hostFiles.push("host/sbin/ldconfig.real");
        return "@<tmp>/host/sbin/ldconfig.real";
      case 6:
        return "@/nonexistent/ldconfig.real";
      default:
        return "/sbin/ldconfig.real";
    }
  }

  /** A device request value. */
  devices(): string {
    const r = this.r;
    switch (r.int(12)) {
      case 0:
        return r.pick(["", " ", ",", " , ", ",,"]);
      case 1:
        return r.pick(["all", "none", "void", "ALL"]);
      case 2:
        return "all";
      default: {
        const items: string[] = [];
        for (let i = r.between(1, 4); i > 0; i--) {
          const item = r.chance(0.75) ? r.pick(DEVICE_ITEMS.slice(0, 12)) : r.pick(DEVICE_ITEMS);
          items.push(r.chance(0.12) ? r.pick([` ${item}`, `${item} `, ` ${item} `]) : item);
        }
        if (r.chance(0.1)) items.push(items[0] as string);
        return items.join(",");
      }
    }
  }

  /** A `NVIDIA_DRIVER_CAPABILITIES` value. */
  capabilities(): string {
    const r = this.r;
    switch (r.int(10)) {
      case 0:
        return r.pick(["", ",", " ", " , "]);
      case 1:
        return r.pick(["all", "all", "ALL", "compute,all", "all,utility"]);
      case 2:
        return this.capList(true);
      default:
        return this.capList(false);
    }
  }

  /** An IMEX channels value. */
  imex(): string {
    return this.r.pick([
      "0",
      "1",
      "0,1",
      "all",
      "none",
      "void",
      "",
      " 1",
      "1 ,2",
      "1048575",
      "1048576",
      "x",
      "-1",
      "1,1",
      "none,1",
      "01",
    ]);
  }

  /** The container's environment entries, in order. */
  envEntries(swarm: boolean): string[] {
    const r = this.r;
    const e: [string, string][] = [];
    const add = (k: string, v: string) => e.push([k, v]);
    if (r.chance(0.75)) add("NVIDIA_VISIBLE_DEVICES", this.devices());
    if (r.chance(0.6)) add("NVIDIA_DRIVER_CAPABILITIES", this.capabilities());
    if (r.chance(0.4)) {
      for (let i = r.between(1, 3); i > 0; i--) {
        add(`NVIDIA_REQUIRE_${r.pick(REQUIRE_NAMES)}`, r.pick(REQUIRE_VALUES));
      }
    }
    if (r.chance(0.01)) {
      // Around the CLI's limit of 32 requirements.
      for (let i = r.between(30, 34); i > 0; i--) add(`NVIDIA_REQUIRE_R${i}`, `driver>=${400 + i}`);
    }
    if (r.chance(0.15)) add("NVIDIA_DISABLE_REQUIRE", r.pick(BOOL_TEXTS));
    if (r.chance(0.35)) {
      add(
        "CUDA_VERSION",
        r.chance(0.6) ? r.pick(CUDA_VERSIONS.slice(0, 4)) : r.pick(CUDA_VERSIONS),
      );
    }
    if (swarm || r.chance(0.05)) {
      for (const name of SWARM_NAMES) if (r.chance(0.5)) add(name, this.devices());
    }
    if (r.chance(0.2)) add("NVIDIA_IMEX_CHANNELS", this.imex());
    if (r.chance(0.08)) add("NVIDIA_MIG_CONFIG_DEVICES", r.pick(["all", "0", "", "0,1"]));
    if (r.chance(0.08)) add("NVIDIA_MIG_MONITOR_DEVICES", r.pick(["all", "1", "", "none"]));
    if (r.chance(0.08)) {
      for (let i = r.between(1, 2); i > 0; i--) {
        add(`NVIDIA_VISIBLE_DEVICES_${r.pick(["", "A", "B", "1"])}`, this.devices());
      }
    }
    if (r.chance(0.5)) {
      for (let i = r.between(1, 3); i > 0; i--) {
        add(
          r.pick(["PATH", "HOME", "LANG", "FOO", "LD_LIBRARY_PATH", "nvidia_visible_devices"]),
          r.pick([
            "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "/root",
            "C",
            "",
            "a=b",
            "0",
          ]),
        );
      }
    }
    if (e.length > 0 && r.chance(0.1)) {
      const [k] = r.pick(e);
      add(k, r.pick(["all", "0", "", "compute", "9.0"]));
    }
    const entries = (r.chance(0.7) ? e : r.shuffle(e)).map(([k, v]) => `${k}=${v}`);
    return entries;
  }

  /** The `process.capabilities` JSON, or `undefined` to leave it out. */
  capabilitiesJson(version: string, privileged: boolean, wellFormed: boolean): string | undefined {
    const r = this.r;
    if (!privileged && r.chance(0.3)) return undefined;
    if (!privileged && r.chance(0.05)) return "null";
    const names = privileged
      ? r.shuffle(["CAP_SYS_ADMIN", ...(r.chance(0.5) ? ["CAP_CHOWN", "CAP_KILL"] : [])])
      : r.pick([["CAP_CHOWN", "CAP_KILL"], [], ["CAP_AUDIT_WRITE"], ["cap_sys_admin"]]);
    const list = JSON.stringify(names);
    let arrayForm = ARRAY_FORM.has(version);
    if (!wellFormed && r.chance(0.5)) arrayForm = !arrayForm;
    if (arrayForm) return list;
    const sets: string[] = [`"bounding":${list}`];
    if (r.chance(0.5)) {
      sets.push(`"effective":${JSON.stringify(privileged && r.chance(0.5) ? [] : names)}`);
    }
    if (r.chance(0.3)) sets.push(`"permitted":${list}`);
    if (!privileged && r.chance(0.1)) sets.push(`"effective":["CAP_SYS_ADMIN"]`);
    return `{${r.shuffle(sets).join(",")}}`;
  }

  /** Volume mounts (a JSON array), or `undefined`. */
  mounts(): string | undefined {
    const r = this.r;
    if (!r.chance(0.25)) return undefined;
    const items: string[] = [];
    if (r.chance(0.5)) items.push('{"destination":"/proc","type":"proc","source":"proc"}');
    for (let i = r.between(1, 3); i > 0; i--) {
      const root = r.pick(MOUNT_ROOTS);
      const name = r.pick([
        "0",
        "1",
        "3",
        UUID,
        "MIG-GPU-8f6a2b1c-0000-1111-2222-333344445555/1/0",
        "all",
        "imex/0",
        "imex/3",
        "imex/all",
        "imex/x",
        "void",
        "",
      ]);
      const source = r.chance(0.85)
        ? "/dev/null"
        : r.pick(["/tmp/x", "/dev/zero", "", "/dev/null/"]);
      const options = r.chance(0.5)
        ? ',"options":["ro","nosuid","nodev","bind"],"type":"bind"'
        : "";
      items.push(
        `{"destination":${JSON.stringify(`${root}/${name}`)},"source":${
          JSON.stringify(source)
        }${options}}`,
      );
    }
    return `[${r.shuffle(items).join(",")}]`;
  }

  /** The config.json text. */
  spec(
    malformed: boolean,
    swarm: boolean,
  ): { text: string; hasMounts: boolean } {
    const r = this.r;
    const version = r.chance(0.6) ? "1.0.2" : r.pick(OCI_VERSIONS);
    const privileged = r.chance(0.45);
    const env = this.envEntries(swarm);
    const caps = this.capabilitiesJson(version, privileged, !malformed);
    const mounts = this.mounts();
    const proc: string[] = [];
    if (r.chance(0.3)) proc.push('"terminal":false', '"cwd":"/"', '"args":["sh"]');
    proc.push(`"env":${JSON.stringify(env)}`);
    if (caps !== undefined) proc.push(`"capabilities":${caps}`);
    const rootPath = r.chance(0.85)
      ? "rootfs"
      : r.pick(["<bundle>/rootfs", "./rootfs/", "rootfs/"]);
    const fields: string[] = [
      `"ociVersion":${JSON.stringify(version)}`,
      `"process":{${proc.join(",")}}`,
      `"root":{"path":${JSON.stringify(rootPath)}${r.chance(0.2) ? ',"readonly":true' : ""}}`,
    ];
    if (mounts !== undefined) fields.push(`"mounts":${mounts}`);
    if (r.chance(0.2)) fields.push('"hostname":"ctr"', '"annotations":{"a":"b"}');
    if (!malformed) {
      return {
        text: `{${(r.chance(0.3) ? r.shuffle(fields) : fields).join(",")}}`,
        hasMounts: mounts !== undefined,
      };
    }
    // One thing wrong with it.
    const envJson = JSON.stringify(env);
    const bad = r.pick<() => string>([
      () => `{"process":{"env":${envJson}},"root":{"path":"rootfs"}}`,
      () => `{"ociVersion":1,"process":{"env":${envJson}},"root":{"path":"rootfs"}}`,
      () => `{"ociVersion":"1.0.2","root":{"path":"rootfs"}}`,
      () => `{"ociVersion":"1.0.2","process":{"env":${envJson}}}`,
      () => `{"ociVersion":"1.0.2","process":{"env":${envJson}},"root":{"path":""}}`,
      () => `{"ociVersion":"1.0.2","process":{"env":${envJson}},"root":{"path":"/"}}`,
      () => `{"ociVersion":"1.0.2","process":{"env":${envJson}},"root":{}}`,
      () =>
        `{"ociVersion":"1.0.2","process":{"env":"NVIDIA_VISIBLE_DEVICES=all"},"root":{"path":"rootfs"}}`,
      () => `{"ociVersion":"1.0.2","process":{"env":null},"root":{"path":"rootfs"}}`,
      () => `{"ociVersion":"1.0.2","process":{},"root":{"path":"rootfs"}}`,
      () =>
        `{"ociVersion":"1.0.2","process":{"env":${
          JSON.stringify([...env, r.pick(["NVIDIA_VISIBLE_DEVICES", "FOO", "", "=x"])])
        }},"root":{"path":"rootfs"}}`,
      () =>
        `{"ociVersion":"1.0.2","process":{"env":[${
          [...env.map((s) => JSON.stringify(s)), r.pick(["1", "null", "true"])].join(",")
        }]},"root":{"path":"rootfs"}}`,
      () => `{"ociVersion":"1.0.2","Process":{"env":${envJson}},"root":{"path":"rootfs"}}`,
      () => `{"ociVersion":"1.0.2","process":{"Env":${envJson}},"root":{"path":"rootfs"}}`,
      () => `{"ociVersion":"1.0.2","process":{"env":${envJson}},"Root":{"path":"rootfs"}}`,
      () => `{${fields.join(",")}}${r.pick([" x", "{}", "\n\n", " ", "]"])}`,
      () =>
        `{"ociVersion":"1.0.2","process":{"env":${envJson},"capabilities":${
          r.pick([
            '"CAP_SYS_ADMIN"',
            "5",
            '{"bounding":"CAP_SYS_ADMIN"}',
            '{"bounding":[1]}',
            "[1]",
          ])
        }},"root":{"path":"rootfs"}}`,
      () =>
        `{"ociVersion":"1.0.2","process":{"env":${envJson}},"root":{"path":"rootfs"},"mounts":${
          r.pick(["{}", "5", '[{"source":1,"destination":"/x"}]', "[null]", '"x"'])
        }}`,
      () => `{"ociVersion":"1.0.2","process":null,"root":{"path":"rootfs"}}`,
      () => `{"ociVersion":"1.0.2","process":{"env":${envJson}},"root":{"path":5}}`,
      () => r.pick(["", "null", "[]", "{", "5", '"x"']),
      () =>
        `{"ociVersion":"1.0.2","process":{"env":${envJson}},"root":{"path":"rootfs"},"ociVersion":"1.0.0-rc2"}`,
    ]);
    return { text: bad(), hasMounts: mounts !== undefined };
  }

  /** The state text; `cwd` is what it needs. */
  state(malformed: boolean): { text: string; cwd: "bundle" | "tmp" } {
    const r = this.r;
    const pid = r.chance(0.5) ? "4242" : String(r.between(1, 2147483647));
    const extras: string[] = [];
    if (r.chance(0.4)) extras.push('"ociVersion":"1.0.2"', '"id":"ctr-1"', '"status":"creating"');
    if (r.chance(0.15)) extras.push('"annotations":{"io.kubernetes.pod":"x"}');
    if (r.chance(0.1)) extras.push('"root":"/run/crun"', '"created":"2024-01-01T00:00:00Z"');
    let bundle = '"bundle":"<bundle>"';
    let cwd: "bundle" | "tmp" = r.chance(0.95) ? "bundle" : "tmp";
    switch (r.int(10)) {
      case 0:
        bundle = '"bundlePath":"<bundle>"';
        break;
      case 1:
        bundle = r.pick(['"bundle":".","bundlePath":"/nonexistent"', '"bundle":"."']);
        cwd = "bundle";
        break;
      case 2:
        bundle = r.pick([
          '"bundle":null,"bundlePath":"<bundle>"',
          '"bundle":"","bundlePath":"<bundle>"',
        ]);
        break;
      case 3:
        bundle = '"bundle":"bundle"';
        cwd = "tmp";
        break;
      default:
    }
    const ws = () => (r.chance(0.1) ? r.pick([" ", "\n", "\t\n "]) : "");
    if (!malformed) {
      const fields = [`"pid":${pid}`, bundle, ...extras];
      return {
        text: `${ws()}{${(r.chance(0.3) ? r.shuffle(fields) : fields).join(",")}}${ws()}`,
        cwd,
      };
    }
    const text = r.pick<() => string>([
      () =>
        `{"pid":${
          r.pick(["0", "-1", "1.5", "4242.0", "1e3", "2147483648", "null", '"4242"', "true", "[]"])
        },${bundle}}`,
      () => `{${bundle}}`,
      () => `{"pid":${pid}}`,
      () => `{"pid":${pid},"bundle":null}`,
      () => `{"pid":${pid},"bundle":""}`,
      () => `{"pid":${pid},"bundle":5}`,
      () => `{"pid":${pid},${bundle}}${r.pick([" x", "{}", " null", "\n{}"])}`,
      () => r.pick(["null", "[]", "", "5", '"x"', "{"]),
      () => `{"Pid":${pid},"Bundle":"<bundle>"}`,
      () => `{"PID":${pid},"bundle":"<bundle>"}`,
      () => `{"pid":${pid},"bundle":"<bundle>","bundle":"/nonexistent"}`,
      () => `{"pid":${pid},"bundle":"/nonexistent","bundle":"<bundle>"}`,
      () => `{"pid":${pid},"bundle":"<bundle>/"}`,
      () => `{"pid":${pid},"bundle":"<bundle>/../bundle"}`,
    ])();
    return { text, cwd };
  }

  /** The spelling of a key or table name. */
  spelling(name: string): string {
    const r = this.r.int(40);
    if (r < 4) return capital(name);
    if (r < 5) return titleCase(name);
    return name;
  }

  /** The config.toml text, or `undefined` for no config file. */
  config(malformed: boolean, wants: { swarm: boolean; mounts: boolean }): string | undefined {
    const r = this.r;
    if (!wants.swarm && !wants.mounts && !malformed && r.chance(0.35)) return undefined;
    const settings: Setting[] = [];
    for (const k of KEYS) {
      let p = 0.12;
      if (k.key === "swarm-resource" && wants.swarm) p = 1;
      if (k.key === "accept-nvidia-visible-devices-as-volume-mounts" && wants.mounts) p = 0.8;
      if (k.key === "path") p = 0.08;
      if (!r.chance(p)) continue;
      settings.push({ table: k.table, key: k.key, value: k.valid(this) });
    }
    // A container ldconfig needs the feature, most of the time.
    const ld = settings.find((s) => s.key === "ldconfig");
    if (
      ld !== undefined && typeof ld.value === "string" && ld.value !== "" &&
      !ld.value.startsWith("@") && r.chance(0.7) &&
      !settings.some((s) => s.key === "allow-ldconfig-from-container")
    ) {
      settings.push({ table: "features", key: "allow-ldconfig-from-container", value: true });
    }
    if (r.chance(0.15)) settings.push(r.pick(TOLERATED));
    if (malformed) {
      const k = r.pick(KEYS);
      const wrong: Value = k.type === "bool"
        ? r.pick<Value>(["true", 1, { raw: "[]" }, "yes"])
        : k.type === "string"
        ? r.pick<Value>([5, true, ["a"], { raw: "1.5" }])
        : r.pick<Value>([{ raw: '"A=1"' }, ["NOEQ"], ["=v"], ["A=1", ""], { raw: "[1, 2]" }]);
      // Replacing a valid setting of that key (twice would be a TOML error, not a type error).
      const at = settings.findIndex((s) => s.table === k.table && s.key === k.key);
      if (at >= 0) settings.splice(at, 1);
      settings.push({ table: k.table, key: k.key, value: wrong });
    }
    if (settings.length === 0) settings.push(r.pick(TOLERATED));
    const spelled = settings.map((s) => ({ ...s, key: this.spelling(s.key) }));
    // Sometimes the same key twice: the exact and the capital spelling.
    if (r.chance(0.05)) {
      const s = r.pick(settings);
      const k = KEYS.find((x) => x.key === s.key);
      if (k !== undefined) {
        spelled.push({ table: s.table, key: capital(s.key), value: k.valid(this) });
      }
    }
    let text = this.render(r.shuffle(spelled), r.chance(0.7) ? "tables" : "dotted");
    if (malformed && r.chance(0.15)) {
      text += r.pick([
        "[nvidia-container-cli\n",
        "nvidia-container-cli = 5\n",
        "disable-require = \n",
        "key = 'unterminated\n",
        '[features]\nallow-ldconfig-from-container = "true"\n',
      ]);
    }
    return text;
  }

  render(settings: readonly Setting[], style: "tables" | "dotted"): string {
    const bare = (k: string) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : tomlString(k));
    if (style === "dotted") {
      return settings.map((s) => {
        const path = s.table === "" ? [] : s.table.split(".").map((p) => this.spelling(p));
        return `${[...path, s.key].map(bare).join(".")} = ${tomlValue(s.value)}\n`;
      }).join("");
    }
    const tables = new Map<string, Setting[]>();
    for (const s of settings) {
      const list = tables.get(s.table) ?? [];
      list.push(s);
      tables.set(s.table, list);
    }
    const lines: string[] = [];
    for (const s of tables.get("") ?? []) lines.push(`${bare(s.key)} = ${tomlValue(s.value)}`);
    for (const [table, list] of tables) {
      if (table === "") continue;
      const name = this.r.chance(0.9)
        ? table
        : table.split(".").map((p) => this.spelling(p)).join(".");
      lines.push("", `[${name}]`);
      for (const s of list) lines.push(`${bare(s.key)} = ${tomlValue(s.value)}`);
    }
    return lines.join("\n").replace(/^\n/, "") + "\n";
  }

  /** The hook flags before `prestart`. */
  args(): string[] {
    const r = this.r.int(20);
    if (r === 0) return ["-debug"];
    if (r === 1) return [this.r.pick(["--debug=true", "-debug=false", "--debug", "-debug=1"])];
    if (r === 2) return ["-config="];
    return [];
  }
}

/** Case `index` of seed `seed`. */
export function generateCase(seed: number, index: number): DiffCase {
  const g = new DiffGen(caseSeed(seed, index));
  const r = g.r;
  const malformed = r.chance(0.2);
  // Which part is malformed: state, spec or config (the others well-formed).
  const part = malformed
    ? r.pick(["state", "spec", "spec", "config", "config"] as const)
    : undefined;
  const swarm = r.chance(0.1);
  const args = g.args();
  const state = g.state(part === "state");
  const spec = part === "spec" && r.chance(0.05)
    ? { text: undefined, hasMounts: false }
    : g.spec(part === "spec", swarm);
  const config = g.config(part === "config", { swarm, mounts: spec.hasMounts });
  const out: DiffCase = { args, state: state.text, spec: spec.text, config, cwd: state.cwd };
  if (g.hostFiles.length > 0) out.hostFiles = [...new Set(g.hostFiles)];
  if (config?.includes("<tmp>/driver") && r.chance(0.5)) {
    out.cliAt = ["driver/usr/bin/nvidia-container-cli", "bin/nvidia-container-cli"];
  }
  return out;
}
