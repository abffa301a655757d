/**
 * Helpers of the full-stack suite (tests/full_stack_test.ts): the simulated
 * NVIDIA driver of tests/fixtures/fake-driver/ built with the host's gcc, a
 * driver root laid out the way a driver install leaves a host (libraries in
 * the ld.so.cache, binaries on PATH, device nodes, /proc/driver/nvidia), and
 * NVIDIA's real nvidia-container-cli from ../shared/real-cli, made runnable.
 *
 * Nothing here asserts; the suite does.
 *
 * @module
 */

import { type BundleOptions, runProcess, which, writeBundle } from "./_e2e.ts";
import { repoDir } from "./_hook.ts";

/** The C sources of the fake driver. */
export const FAKE_DRIVER_SOURCES = `${repoDir()}/tests/fixtures/fake-driver`;

/** NVIDIA's nvidia-container-cli 1.17.0, built from source (see its README). */
export const REAL_CLI_DIR = `${repoDir()}/../shared/real-cli`;

/** The library directory of the driver root (Debian's multiarch directory). */
export const DRIVER_LIB_DIR = "/usr/lib/x86_64-linux-gnu";

/** Where the NVML stub reads its configuration inside the driver root. */
export const NVML_CONFIG = "/etc/fake-driver/nvml.conf";

/** A driver capability the CLI mounts files for. */
export type FileCapability = "utility" | "compute" | "video" | "graphics" | "ngx";

/**
 * The libraries of the fake driver, each the CLI's name for it and its
 * soname (`version` when the soname is the file name, as NVIDIA's driver has
 * it for the internal libraries), grouped by the capability that makes the
 * CLI mount it. A 550 driver's set: libraries the CLI 1.17.0 also knows but
 * that 550 no longer ships (nscq, fatbinaryloader, compiler, ifr, cbl) are
 * absent, as on a real host.
 */
export const DRIVER_LIBRARIES: readonly {
  name: string;
  soname: string | "version";
  capability: FileCapability;
}[] = [
  { name: "libnvidia-ml.so", soname: "libnvidia-ml.so.1", capability: "utility" },
  { name: "libnvidia-cfg.so", soname: "libnvidia-cfg.so.1", capability: "utility" },
  { name: "libcuda.so", soname: "libcuda.so.1", capability: "compute" },
  { name: "libcudadebugger.so", soname: "libcudadebugger.so.1", capability: "compute" },
  { name: "libnvidia-opencl.so", soname: "libnvidia-opencl.so.1", capability: "compute" },
  { name: "libnvidia-gpucomp.so", soname: "version", capability: "compute" },
  {
    name: "libnvidia-ptxjitcompiler.so",
    soname: "libnvidia-ptxjitcompiler.so.1",
    capability: "compute",
  },
  { name: "libnvidia-allocator.so", soname: "libnvidia-allocator.so.1", capability: "compute" },
  { name: "libnvidia-pkcs11.so", soname: "version", capability: "compute" },
  { name: "libnvidia-pkcs11-openssl3.so", soname: "version", capability: "compute" },
  { name: "libnvidia-nvvm.so", soname: "libnvidia-nvvm.so.4", capability: "compute" },
  { name: "libvdpau_nvidia.so", soname: "libvdpau_nvidia.so.1", capability: "video" },
  { name: "libnvidia-encode.so", soname: "libnvidia-encode.so.1", capability: "video" },
  { name: "libnvidia-opticalflow.so", soname: "libnvidia-opticalflow.so.1", capability: "video" },
  { name: "libnvcuvid.so", soname: "libnvcuvid.so.1", capability: "video" },
  { name: "libnvidia-eglcore.so", soname: "version", capability: "graphics" },
  { name: "libnvidia-glcore.so", soname: "version", capability: "graphics" },
  { name: "libnvidia-tls.so", soname: "version", capability: "graphics" },
  { name: "libnvidia-glsi.so", soname: "version", capability: "graphics" },
  { name: "libnvidia-fbc.so", soname: "libnvidia-fbc.so.1", capability: "graphics" },
  { name: "libnvidia-rtcore.so", soname: "version", capability: "graphics" },
  { name: "libnvoptix.so", soname: "libnvoptix.so.1", capability: "graphics" },
  { name: "libGLX_nvidia.so", soname: "libGLX_nvidia.so.0", capability: "graphics" },
  { name: "libEGL_nvidia.so", soname: "libEGL_nvidia.so.0", capability: "graphics" },
  { name: "libGLESv2_nvidia.so", soname: "libGLESv2_nvidia.so.2", capability: "graphics" },
  { name: "libGLESv1_CM_nvidia.so", soname: "libGLESv1_CM_nvidia.so.1", capability: "graphics" },
  { name: "libnvidia-glvkspirv.so", soname: "version", capability: "graphics" },
  { name: "libnvidia-ngx.so", soname: "libnvidia-ngx.so.1", capability: "ngx" },
];

/** The driver's programs (all the same static stub), by the capability that mounts them. */
export const DRIVER_BINARIES: readonly { name: string; capability: FileCapability }[] = [
  { name: "nvidia-smi", capability: "utility" },
  { name: "nvidia-debugdump", capability: "utility" },
  { name: "nvidia-persistenced", capability: "utility" },
  { name: "nvidia-cuda-mps-control", capability: "compute" },
  { name: "nvidia-cuda-mps-server", capability: "compute" },
];

/** One simulated GPU. */
export interface FakeGpu {
  /** The device minor: /dev/nvidiaMINOR is 195:MINOR. */
  minor: number;
  /** The PCI bus id as NVML reports it, e.g. `00000000:3B:00.0`. */
  busId: string;
  uuid: string;
  name: string;
  brand: "tesla" | "quadro" | "geforce" | "nvs" | "grid" | "titan" | "unknown";
  /** The compute capability, e.g. `8.0`. */
  computeCapability: string;
}

/** What the simulated driver reports. */
export interface DriverSpec {
  /** The driver version, e.g. `550.54.15`; every library's file name ends in it. */
  version: string;
  /** The CUDA version of the driver, e.g. `12.4`. */
  cuda: string;
  /** In NVML index order. */
  gpus: readonly FakeGpu[];
  /** Make nvmlInit_v2 fail with this NVML return code. */
  initError?: number;
  /**
   * Also leave libnvidia-glcore of this older driver version in the library
   * directory (and so in the ld.so.cache), as an upgrade can leave it.
   */
  staleVersion?: string;
}

/** The programs building the fake driver needs, by absolute path. */
export interface BuildTools {
  gcc: string;
  ldconfig: string;
  mknod: string;
}

/** The build tools, or why they cannot be used (one line naming the Debian package). */
export function findBuildTools(): { tools: BuildTools } | { missing: string } {
  const absent: string[] = [];
  const gcc = which("gcc");
  const ldconfig = which("ldconfig");
  const mknod = which("mknod");
  if (gcc === undefined) absent.push("gcc (gcc)");
  if (ldconfig === undefined) absent.push("ldconfig (libc-bin)");
  if (mknod === undefined) absent.push("mknod (coreutils)");
  // A static nvidia-smi needs libc.a.
  if (!exists("/usr/lib/x86_64-linux-gnu/libc.a")) absent.push("libc.a (libc6-dev)");
  if (absent.length > 0) return { missing: `not installed: ${absent.join(", ")}` };
  return { tools: { gcc: gcc as string, ldconfig: ldconfig as string, mknod: mknod as string } };
}

function exists(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

async function run(argv: string[], what: string): Promise<string> {
  const r = await runProcess(argv, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`${what} failed (${r.code}): ${argv.join(" ")}\n${r.stderr}`);
  return r.stdout;
}

/** The compiled fake driver: its parts, linked per driver version on demand. */
export interface FakeDriverBuild {
  dir: string;
  /** libnvidia-ml (the NVML stub), soname libnvidia-ml.so.1. */
  nvml: string;
  /** The static nvidia-smi stub, also every other driver program. */
  smi: string;
  /** The libraries other than NVML for `version`, by CLI name (linked once per version). */
  libraries(version: string): Promise<Map<string, string>>;
}

const CFLAGS = ["-O2", "-Wall", "-Wextra", "-Werror", "-std=gnu11"];

/**
 * Compiles the fake driver's sources into `dir` (which must exist) with
 * `gcc`: the NVML stub, the static nvidia-smi, and the objects the other
 * libraries are linked from. Nothing is written to the repository.
 */
export async function buildFakeDriver(tools: BuildTools, dir: string): Promise<FakeDriverBuild> {
  const src = FAKE_DRIVER_SOURCES;
  const gcc = (args: string[]) => run([tools.gcc, ...CFLAGS, ...args], "gcc");
  const nvml = `${dir}/libnvidia-ml.so`;
  const smi = `${dir}/nvidia-smi`;
  const so = ["-shared", "-fPIC", "-fvisibility=hidden"];
  await Promise.all([
    gcc([...so, "-Wl,-soname,libnvidia-ml.so.1", "-o", nvml, `${src}/nvml.c`]),
    gcc(["-static", "-o", smi, `${src}/nvidia_smi.c`]),
    gcc(["-c", "-fPIC", "-fvisibility=hidden", "-o", `${dir}/library.o`, `${src}/library.c`]),
    gcc(["-c", "-fPIC", "-o", `${dir}/abi_note.o`, `${src}/abi_note.c`]),
  ]);
  const linked = new Map<string, Promise<Map<string, string>>>();
  const link = async (version: string) => {
    const out = `${dir}/${version}`;
    Deno.mkdirSync(out);
    const paths = new Map<string, string>();
    // Two at a time: the machine has two cores.
    const queue = DRIVER_LIBRARIES.filter((l) => l.name !== "libnvidia-ml.so");
    const worker = async () => {
      for (let lib = queue.shift(); lib !== undefined; lib = queue.shift()) {
        const file = `${lib.name}.${version}`;
        const soname = lib.soname === "version" ? file : lib.soname;
        const objects = [`${dir}/library.o`];
        // The CLI takes libnvidia-tls only with the ABI note of the TLS ABI.
        if (lib.name === "libnvidia-tls.so") objects.push(`${dir}/abi_note.o`);
        await run(
          [tools.gcc, "-shared", `-Wl,-soname,${soname}`, "-o", `${out}/${file}`, ...objects],
          "gcc",
        );
        paths.set(lib.name, `${out}/${file}`);
      }
    };
    await Promise.all([worker(), worker()]);
    return paths;
  };
  return {
    dir,
    nvml,
    smi,
    libraries(version) {
      let p = linked.get(version);
      if (p === undefined) linked.set(version, p = link(version));
      return p;
    },
  };
}

/** The NVML stub's configuration file for `spec` (format: tests/fixtures/fake-driver/nvml.c). */
export function nvmlConfig(spec: DriverSpec): string {
  return [
    "# Written by tests/_fake_driver.ts",
    `driver ${spec.version}`,
    `cuda ${spec.cuda}`,
    ...(spec.initError === undefined ? [] : [`init-error ${spec.initError}`]),
    ...spec.gpus.map((g) =>
      `gpu ${g.minor} ${g.busId} ${g.uuid} ${g.brand} ${g.computeCapability} ${g.name}`
    ),
    "",
  ].join("\n");
}

/**
 * The bus id as the driver names its /proc/driver/nvidia/gpus directory:
 * 16-bit domain, lower case (`0000:3b:00.0`).
 */
export function procBusId(busId: string): string {
  const m = /^([0-9a-fA-F]+):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/.exec(busId);
  if (m === null) throw new Error(`bad bus id ${busId}`);
  const [, domain, bus, device, fn] = m as unknown as [string, string, string, string, string];
  return `${parseInt(domain, 16).toString(16).padStart(4, "0")}:${bus}:${device}.${fn}`
    .toLowerCase();
}

/** The `information` file the driver has for `gpu` in its /proc directory. */
function information(gpu: FakeGpu): string {
  return [
    `Model: \t\t ${gpu.name}`,
    "IRQ:   \t\t 0",
    `GPU UUID: \t ${gpu.uuid}`,
    "Video BIOS: \t ??.??.??.??.??",
    "Bus Type: \t PCIe",
    "DMA Size: \t 47 bits",
    "DMA Mask: \t 0x7fffffffffff",
    `Bus Location: \t ${procBusId(gpu.busId)}`,
    `Device Minor: \t ${gpu.minor}`,
    "GPU Excluded:\t No",
    "",
  ].join("\n");
}

/** The major the fake driver's nvidia-uvm devices have (dynamic on a real host). */
export const UVM_MAJOR = 509;

/**
 * Lays out a driver root at `root` (created) for `spec`, as a driver install
 * leaves a host: the libraries in {@link DRIVER_LIB_DIR} with ROOT/etc/ld.so.cache
 * from `ldconfig -r`, the programs in /usr/bin, the device nodes in /dev
 * (nvidiactl 195:255, nvidia-modeset 195:254, nvidiaN 195:N, nvidia-uvm and
 * -tools {@link UVM_MAJOR}:0/1), /proc/driver/nvidia (version, params, one
 * gpus/BUSID/information per GPU), the GSP firmware directory, the MPS pipe
 * directory, and the NVML stub's configuration. Everything is world-readable:
 * the CLI's helper reads NVML as an unprivileged user.
 */
export async function writeDriverRoot(
  tools: BuildTools,
  build: FakeDriverBuild,
  root: string,
  spec: DriverSpec,
): Promise<void> {
  const lib = `${root}${DRIVER_LIB_DIR}`;
  for (
    const d of [DRIVER_LIB_DIR, "/usr/bin", "/etc/fake-driver", "/dev", "/proc/driver/nvidia/gpus"]
  ) {
    Deno.mkdirSync(`${root}${d}`, { recursive: true });
  }
  Deno.copyFileSync(build.nvml, `${lib}/libnvidia-ml.so.${spec.version}`);
  for (const [name, path] of await build.libraries(spec.version)) {
    Deno.copyFileSync(path, `${lib}/${name}.${spec.version}`);
  }
  if (spec.staleVersion !== undefined) {
    const stale = (await build.libraries(spec.staleVersion)).get("libnvidia-glcore.so") as string;
    Deno.copyFileSync(stale, `${lib}/libnvidia-glcore.so.${spec.staleVersion}`);
  }
  for (const entry of Deno.readDirSync(lib)) Deno.chmodSync(`${lib}/${entry.name}`, 0o755);
  Deno.writeTextFileSync(`${root}/etc/ld.so.conf`, `${DRIVER_LIB_DIR}\n`);
  await run([tools.ldconfig, "-r", root], "ldconfig");
  for (const bin of DRIVER_BINARIES) {
    Deno.copyFileSync(build.smi, `${root}/usr/bin/${bin.name}`);
    Deno.chmodSync(`${root}/usr/bin/${bin.name}`, 0o755);
  }
  const nodes: [string, number, number][] = [
    ["nvidiactl", 195, 255],
    ["nvidia-modeset", 195, 254],
    ["nvidia-uvm", UVM_MAJOR, 0],
    ["nvidia-uvm-tools", UVM_MAJOR, 1],
    ...spec.gpus.map((g): [string, number, number] => [`nvidia${g.minor}`, 195, g.minor]),
  ];
  for (const [name, major, minor] of nodes) {
    await run(
      [tools.mknod, "-m", "666", `${root}/dev/${name}`, "c", `${major}`, `${minor}`],
      "mknod",
    );
  }
  const proc = `${root}/proc/driver/nvidia`;
  Deno.writeTextFileSync(
    `${proc}/version`,
    `NVRM version: NVIDIA UNIX x86_64 Kernel Module  ${spec.version}  fake driver of the test suite\n` +
      "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n",
  );
  Deno.writeTextFileSync(`${proc}/params`, "ModifyDeviceFiles: 1\nDeviceFileUID: 0\n");
  for (const gpu of spec.gpus) {
    const dir = `${proc}/gpus/${procBusId(gpu.busId)}`;
    Deno.mkdirSync(dir);
    Deno.writeTextFileSync(`${dir}/information`, information(gpu));
  }
  const firmware = `${root}/lib/firmware/nvidia/${spec.version}`;
  Deno.mkdirSync(firmware, { recursive: true });
  Deno.writeTextFileSync(`${firmware}/gsp_ga10x.bin`, "fake GSP firmware\n");
  Deno.mkdirSync(`${root}/tmp/nvidia-mps`, { recursive: true });
  Deno.writeTextFileSync(`${root}${NVML_CONFIG}`, nvmlConfig(spec));
  for (const d of ["/etc", "/etc/fake-driver", "/proc", "/tmp"]) {
    Deno.chmodSync(`${root}${d}`, 0o755);
  }
  Deno.chmodSync(`${root}${NVML_CONFIG}`, 0o644);
}

/** The ELF magic, the start of every shared object. */
function isElf(path: string): boolean {
  try {
    const bytes = Deno.readFileSync(path);
    return bytes.length > 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c &&
      bytes[3] === 0x46;
  } catch {
    return false;
  }
}

/**
 * A runnable real CLI: `bin/nvidia-container-cli` of {@link REAL_CLI_DIR}
 * when its lib/ symlinks are intact. A copy that lost them (each
 * `lib/*.so.1` a small text file naming its target, as copying without
 * symlinks leaves it) gets a wrapper in `dir` instead: the same libexec
 * binary with a lib/ of real symlinks on LD_LIBRARY_PATH. Either way the CLI
 * must print its version; otherwise this says why not (one line).
 */
export async function realCli(dir: string): Promise<{ cli: string } | { missing: string }> {
  const exe = `${REAL_CLI_DIR}/libexec/nvidia-container-cli`;
  if (!exists(exe)) return { missing: `${exe} does not exist` };
  let cli = `${REAL_CLI_DIR}/bin/nvidia-container-cli`;
  const sonames = ["libnvidia-container.so.1", "libnvidia-container-go.so.1"];
  if (sonames.some((s) => !isElf(`${REAL_CLI_DIR}/lib/${s}`))) {
    Deno.mkdirSync(`${dir}/lib`, { recursive: true });
    Deno.mkdirSync(`${dir}/bin`, { recursive: true });
    for (const soname of sonames) {
      const target = `${REAL_CLI_DIR}/lib/${soname}`;
      const named = exists(target) && !isElf(target) ? Deno.readTextFileSync(target).trim() : "";
      const file = /^[A-Za-z0-9._+-]+$/.test(named) ? `${REAL_CLI_DIR}/lib/${named}` : target;
      if (!isElf(file)) return { missing: `${target} is not a shared object` };
      Deno.symlinkSync(file, `${dir}/lib/${soname}`);
    }
    cli = `${dir}/bin/nvidia-container-cli`;
    Deno.writeTextFileSync(
      cli,
      [
        "#!/bin/sh",
        "# Generated by tests/_fake_driver.ts: NVIDIA's real CLI with its lib/ symlinks restored.",
        `LD_LIBRARY_PATH='${dir}/lib' exec '${exe}' "$@"`,
        "",
      ].join("\n"),
    );
    Deno.chmodSync(cli, 0o755);
  }
  const r = await runProcess([cli, "--version"], { timeoutMs: 10_000 });
  if (r.code !== 0 || !r.stdout.startsWith("cli-version: ")) {
    const why = (r.stderr.trim().split("\n")[0] ?? "") || `exit ${r.code}`;
    return {
      missing: `${cli} --version failed: ${why} (needs libcap2 libelf1 libseccomp2 libtirpc3)`,
    };
  }
  return { cli };
}

/** Options of {@linkcode writeFullStackBundle}. */
export interface FullStackBundleOptions extends BundleOptions {
  /** Leave out the rootfs's /etc (every real image has one). */
  noEtc?: boolean;
}

/**
 * {@linkcode writeBundle} for the real CLI: the rootfs also gets an /etc
 * (where the CLI's ldconfig writes the container's ld.so.cache), and
 * config.json two tmpfs mounts, /proc/driver and /proc/driver/nvidia (the CLI
 * mounts its own tmpfs on the container's /proc/driver/nvidia, which a procfs
 * without the NVIDIA kernel module lacks), and the container's own cgroups at
 * /sys/fs/cgroup, read-only, so that it can show its device rules.
 */
export function writeFullStackBundle(
  dir: string,
  busybox: string,
  applets: readonly string[],
  options: FullStackBundleOptions,
): void {
  const { noEtc, ...bundle } = options;
  writeBundle(dir, busybox, applets, bundle);
  if (noEtc !== true) Deno.mkdirSync(`${dir}/rootfs/etc`);
  const spec = JSON.parse(Deno.readTextFileSync(`${dir}/config.json`));
  const tmpfs = ["nosuid", "nodev", "noexec", "mode=755"];
  spec.mounts.push(
    { destination: "/proc/driver", type: "tmpfs", source: "tmpfs", options: tmpfs },
    { destination: "/proc/driver/nvidia", type: "tmpfs", source: "tmpfs", options: tmpfs },
    {
      destination: "/sys/fs/cgroup",
      type: "cgroup",
      source: "cgroup",
      options: ["nosuid", "noexec", "nodev", "relatime", "ro"],
    },
  );
  Deno.writeTextFileSync(`${dir}/config.json`, JSON.stringify(spec, null, 2) + "\n");
}
