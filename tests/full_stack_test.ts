/**
 * Full stack without a GPU: real containers started by runc with the hook as
 * prestart hook, and the hook running NVIDIA's real nvidia-container-cli
 * 1.17.0 (../shared/real-cli) against a simulated driver: the fake driver of
 * tests/fixtures/fake-driver/ (an NVML stub, driver libraries, a static
 * nvidia-smi), compiled once per run with the host's gcc into a temp dir and
 * laid out as a driver root (libraries in its ld.so.cache, device nodes,
 * /proc/driver/nvidia), which the hook's config gives the CLI as
 * `nvidia-container-cli.root`. The container's command reports what it
 * sees: /dev/nvidia*, the driver libraries and links, the driver programs,
 * /proc/driver/nvidia/gpus, its device cgroup rules and `nvidia-smi -L`.
 *
 * Device cgroups are on (the hook's default): on a cgroup v1 host the
 * container reads its devices.list, which must allow exactly the NVIDIA
 * devices it was given; on a cgroup v2 host the CLI attaches an eBPF program
 * instead, which the container cannot list, so only what it sees is checked.
 *
 * Needs root, runc (and the other tools of tests/_e2e.ts), busybox-static,
 * gcc with libc6-dev, and the real CLI with its libraries (libcap2 libelf1
 * libseccomp2 libtirpc3). With CI=true the suite always runs; elsewhere it is
 * skipped, with one line saying why, when any of these is missing.
 */

import assert from "node:assert/strict";
import { CAPABILITIES, type Capability } from "../lib/capabilities.ts";
import {
  busyboxApplets,
  findTools,
  hookEntry,
  installHook,
  mountinfo,
  mountPoints,
  type ProcessResult,
  removeCgroups,
  runProcess,
  type Runtime,
  runtime,
  type Tools,
  unmountUnder,
  which,
} from "./_e2e.ts";
import {
  buildFakeDriver,
  type BuildTools,
  DRIVER_BINARIES,
  DRIVER_LIBRARIES,
  type DriverSpec,
  type FakeGpu,
  type FileCapability,
  findBuildTools,
  procBusId,
  realCli,
  UVM_MAJOR,
  writeDriverRoot,
  writeFullStackBundle,
} from "./_fake_driver.ts";
import { runningLine } from "./_hook.ts";

/** Longest a container start may take (the hook from source and the CLI included). */
const START_TIMEOUT_MS = 60_000;
/** Longest `list` or `delete` may take. */
const ADMIN_TIMEOUT_MS = 20_000;

const GPU0: FakeGpu = {
  minor: 0,
  busId: "00000000:3B:00.0",
  uuid: "GPU-8a3f1c2e-5b6d-4e1a-9c3b-0f5e2d7a1b00",
  name: "NVIDIA A100-SXM4-40GB",
  brand: "tesla",
  computeCapability: "8.0",
};

/** Index 1 with minor 2: the device node follows the NVML minor, not the index. */
const GPU1: FakeGpu = {
  minor: 2,
  busId: "00000000:86:00.0",
  uuid: "GPU-d41c7e09-2f8a-4b3c-a6e5-7c9b1d3f5e02",
  name: "NVIDIA A100-SXM4-80GB",
  brand: "tesla",
  computeCapability: "8.0",
};

/** The simulated driver of every case but one: two GPUs, CUDA 12.4. */
const DRIVER: DriverSpec = {
  version: "550.54.15",
  cuda: "12.4",
  gpus: [GPU0, GPU1],
  staleVersion: "535.161.08",
};

/** A driver whose NVML fails to initialize (NVML_ERROR_DRIVER_NOT_LOADED). */
const BROKEN_DRIVER: DriverSpec = {
  version: "550.54.15",
  cuda: "12.4",
  gpus: [GPU0],
  initError: 9,
};

/**
 * Which files each capability makes the CLI 1.17.0 mount, as it mounts them
 * from the fake driver: video brings the compute libraries too, display the
 * graphics ones; compat32 finds no 32-bit library in the tree.
 */
const MOUNTS: Record<Capability, { libraries: FileCapability[]; binaries: FileCapability[] }> = {
  compute: { libraries: ["compute"], binaries: ["compute"] },
  compat32: { libraries: [], binaries: [] },
  graphics: { libraries: ["graphics"], binaries: [] },
  utility: { libraries: ["utility"], binaries: ["utility"] },
  video: { libraries: ["video", "compute"], binaries: [] },
  display: { libraries: ["graphics"], binaries: [] },
  ngx: { libraries: ["ngx"], binaries: [] },
};

/**
 * What the container runs: one `key: words...` line per thing it can see
 * (sorted by the suite, not here), then nvidia-smi's output as `smi:` lines.
 */
const PROBE = [
  "echo devices: $(cd /dev && ls -d nvidia* 2>/dev/null)",
  "echo libraries: $(cd /usr/lib64 2>/dev/null && find . -type f | sed 's|^./||')",
  "echo links: $(cd /usr/lib64 2>/dev/null && for l in $(find . -type l); do " +
  'echo "${l#./}->$(readlink "$l")"; done)',
  "echo binaries: $(cd /usr/bin && ls -d nvidia* 2>/dev/null)",
  "echo firmware: $(find /lib/firmware -type f 2>/dev/null)",
  "echo ipc: $(ls -d /tmp/nvidia-mps 2>/dev/null)",
  "echo proc: $(ls /proc/driver/nvidia/gpus 2>/dev/null)",
  "echo profile: $(ls /etc/nvidia/nvidia-application-profiles-rc.d 2>/dev/null)",
  "list=/sys/fs/cgroup/devices/devices.list",
  `if [ -r $list ]; then echo cgroup: $(awk '$1 == "c" && $2 ~ /^(195|${UVM_MAJOR}):/ ` +
  `{ print $2 ":" $3 }' $list); else echo "cgroup: n/a"; fi`,
  "if [ -x /usr/bin/nvidia-smi ]; then out=$(nvidia-smi -L); rc=$?; " +
  'echo "$out" | sed \'s/^/smi: /\'; echo "smi: exit $rc"; fi',
].join("\n");

/** What {@link PROBE} reports, each list sorted. */
interface Seen {
  devices: string[];
  libraries: string[];
  links: string[];
  binaries: string[];
  firmware: string[];
  ipc: string[];
  proc: string[];
  profile: string[];
  /** `MAJOR:MINOR:ACCESS` of the NVIDIA rules; `["n/a"]` without a v1 devices cgroup. */
  cgroup: string[];
  /** nvidia-smi -L's lines and `exit N`; empty when there is no nvidia-smi. */
  smi: string[];
}

const SEEN_KEYS = [
  "devices",
  "libraries",
  "links",
  "binaries",
  "firmware",
  "ipc",
  "proc",
  "profile",
  "cgroup",
] as const;

function parseProbe(stdout: string): Seen {
  const seen: Record<string, string[]> = Object.create(null);
  const smi: string[] = [];
  for (const line of stdout.split("\n")) {
    if (line === "") continue;
    const at = line.indexOf(": ");
    const key = at < 0 ? line.replace(/:$/, "") : line.slice(0, at);
    const value = at < 0 ? "" : line.slice(at + 2);
    if (key === "smi") smi.push(value);
    else if ((SEEN_KEYS as readonly string[]).includes(key) && !(key in seen)) {
      seen[key] = value.split(" ").filter((w) => w !== "").sort();
    } else throw new Error(`unexpected probe line ${JSON.stringify(line)} in:\n${stdout}`);
  }
  for (const key of SEEN_KEYS) {
    if (!(key in seen)) throw new Error(`probe line ${key} missing in:\n${stdout}`);
  }
  return { ...(seen as unknown as Omit<Seen, "smi">), smi };
}

/** What a container sees that nothing was mounted into. */
function untouched(cgroupV1: boolean): Seen {
  return {
    devices: [],
    libraries: [],
    links: [],
    binaries: [],
    firmware: [],
    ipc: [],
    proc: [],
    profile: [],
    cgroup: cgroupV1 ? [] : ["n/a"],
    smi: [],
  };
}

/**
 * What a container given `gpus` and `capabilities` sees with the fake driver
 * `spec`: the NVIDIA devices, libraries, links (the sonames the container's
 * ldconfig made, and the CLI's own libcuda.so, libnvidia-opticalflow.so and
 * libGLX_indirect.so.0), programs, firmware, MPS directory, /proc entries,
 * application profile, device rules and nvidia-smi -L lines.
 */
function configured(
  spec: DriverSpec,
  gpus: readonly FakeGpu[],
  capabilities: readonly Capability[],
  cgroupV1: boolean,
): Seen {
  const has = (...c: Capability[]) => c.some((x) => capabilities.includes(x));
  const libraryGroups = new Set(capabilities.flatMap((c) => MOUNTS[c].libraries));
  const binaryGroups = new Set(capabilities.flatMap((c) => MOUNTS[c].binaries));
  const libraries = DRIVER_LIBRARIES.filter((l) => libraryGroups.has(l.capability));
  const file = (name: string) => `${name}.${spec.version}`;
  const mounted = (name: string) => libraries.some((l) => l.name === name);
  const links = libraries.filter((l) => l.soname !== "version")
    .map((l) => `${l.soname}->${file(l.name)}`);
  if (mounted("libcuda.so")) links.push("libcuda.so->libcuda.so.1");
  if (mounted("libnvidia-opticalflow.so")) {
    links.push("libnvidia-opticalflow.so->libnvidia-opticalflow.so.1");
  }
  if (mounted("libGLX_nvidia.so")) links.push(`libGLX_indirect.so.0->${file("libGLX_nvidia.so")}`);
  const uvm = has("compute", "video");
  const devices = ["nvidiactl", ...gpus.map((g) => `nvidia${g.minor}`)];
  const rules = ["195:255:rw", ...gpus.map((g) => `195:${g.minor}:rw`)];
  if (uvm) {
    devices.push("nvidia-uvm", "nvidia-uvm-tools");
    rules.push(`${UVM_MAJOR}:0:rw`, `${UVM_MAJOR}:1:rw`);
  }
  if (has("display")) {
    devices.push("nvidia-modeset");
    rules.push("195:254:rw");
  }
  const byBusId = [...gpus].sort((a, b) => procBusId(a.busId) < procBusId(b.busId) ? -1 : 1);
  const smi = !binaryGroups.has("utility")
    ? []
    : gpus.length === 0
    ? ["No devices were found", "exit 6"]
    : [...byBusId.map((g, i) => `GPU ${i}: ${g.name} (UUID: ${g.uuid})`), "exit 0"];
  return {
    devices: devices.sort(),
    libraries: libraries.map((l) => file(l.name)).sort(),
    links: links.sort(),
    binaries: DRIVER_BINARIES.filter((b) => binaryGroups.has(b.capability)).map((b) => b.name)
      .sort(),
    firmware: [`/lib/firmware/nvidia/${spec.version}/gsp_ga10x.bin`],
    ipc: uvm ? ["/tmp/nvidia-mps"] : [],
    proc: byBusId.map((g) => procBusId(g.busId)),
    profile: has("graphics", "display") ? ["10-container.conf"] : [],
    cgroup: cgroupV1 ? rules.sort() : ["n/a"],
    smi,
  };
}

interface Suite {
  tools: Tools;
  dir: string;
  hook: string;
  cli: string;
  ldconfig: string;
  applets: string[];
  runc: Runtime;
  /** The driver roots by name. */
  roots: { main: string; broken: string };
  /** Whether the host has a cgroup v1 devices hierarchy (the container can list its rules). */
  cgroupV1: boolean;
  /** Every file of the main driver root with its size and mtime, right after it was written. */
  rootListing: string;
  nextId(): string;
}

const inCi = Deno.env.get("CI") === "true";

async function prerequisites(): Promise<{ tools: Tools; build: BuildTools } | { missing: string }> {
  const found = await findTools();
  if ("missing" in found) return found;
  const build = findBuildTools();
  if ("missing" in build) return build;
  const scratch = await Deno.makeTempDir({ prefix: "hook-full-stack-cli-" });
  try {
    const cli = await realCli(scratch);
    if ("missing" in cli) return cli;
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
  return { tools: found.tools, build: build.tools };
}

const found = await prerequisites();
const skipReason = "missing" in found && !inCi ? found.missing : undefined;
if (skipReason !== undefined) {
  Deno.stderr.writeSync(new TextEncoder().encode(`full_stack_test.ts: skipped: ${skipReason}\n`));
}

let suitePromise: Promise<Suite> | undefined;

/** The suite's driver roots, CLI and temp dir, set up once; removed when the test process exits. */
function suite(): Promise<Suite> {
  suitePromise ??= setUp();
  return suitePromise;
}

/** `find ROOT` with sizes and mtimes: what the CLI must not change. */
async function listing(root: string): Promise<string> {
  const r = await runProcess([which("find") ?? "find", root, "-printf", "%p %y %s %T@\\n"], {
    timeoutMs: 10_000,
  });
  if (r.code !== 0) throw new Error(`find ${root} failed: ${r.stderr}`);
  return r.stdout.split("\n").sort().join("\n");
}

async function setUp(): Promise<Suite> {
  if ("missing" in found) {
    throw new Error(`CI=true: the full-stack suite must run, but ${found.missing}`);
  }
  const { tools, build: buildTools } = found;
  const dir = await Deno.makeTempDir({ prefix: "hook-full-stack-" });
  globalThis.addEventListener("unload", () => {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Best effort at exit; each case removes its own files.
    }
  });
  Deno.mkdirSync(`${dir}/build`);
  const build = await buildFakeDriver(buildTools, `${dir}/build`);
  const roots = { main: `${dir}/driver`, broken: `${dir}/driver-broken` };
  await writeDriverRoot(buildTools, build, roots.main, DRIVER);
  await writeDriverRoot(buildTools, build, roots.broken, BROKEN_DRIVER);
  const cli = await realCli(`${dir}/real-cli`);
  if ("missing" in cli) throw new Error(`the real CLI cannot run: ${cli.missing}`);
  const cgroupV1 = mountPoints(await mountinfo())
    .some((m) => m.point === "/sys/fs/cgroup/devices" && m.fstype === "cgroup");
  let n = 0;
  return {
    tools,
    dir,
    hook: installHook(`${dir}/nvidia-container-runtime-hook`),
    cli: cli.cli,
    ldconfig: buildTools.ldconfig,
    applets: await busyboxApplets(tools.busybox),
    runc: runtime(tools, "runc", `${dir}/state-runc`, false),
    roots,
    cgroupV1,
    rootListing: await listing(roots.main),
    nextId: () => `${dir.split("/").at(-1)}-${++n}`,
  };
}

/** One container start. */
interface CaseSpec {
  /** `process.env` of the container (after a `PATH`). */
  env: string[];
  /** The driver root the hook's config names; the main one by default. */
  root?: "main" | "broken";
  /** More lines of the config's `[nvidia-container-cli]` table. */
  config?: string[];
  /** A rootfs without /etc. */
  noEtc?: boolean;
  /**
   * The hook's defaults: a config without the `ldconfig` key (nor any other
   * setting the hook decides with). The suite cannot run the hook without a
   * config file: NVIDIA's CLI is not on the hook's `PATH` and the simulated
   * driver is not at `/`, so the config names the CLI (`path`), the driver
   * (`root`) and the CLI's `debug` log, none of which changes the argv's
   * options. With the real 1.17.0 CLI the hook passes no CUDA compat option
   * when none is configured (it adapts that option to the CLI's version).
   */
  defaults?: boolean;
  /** Executable files (shell scripts) to add to the rootfs, by absolute path in it. */
  rootfsFiles?: Record<string, string>;
  /** Paths in the rootfs whose presence after the start {@link Started.marks} reports. */
  marks?: string[];
}

/** What a start left to assert on; the container and its files are gone by then. */
interface Started {
  /** The container's id, which runc passes to the hook in the state. */
  id: string;
  bundle: string;
  result: ProcessResult;
  /** The CLI's --debug log ("" when it did not run). */
  cliLog: string;
  /** `runc list --quiet` right after the start. */
  list: ProcessResult;
  /** Mounts the host still had under the case's directory (unmounted since). */
  leftoverMounts: string[];
  /** Those of {@link CaseSpec.marks} that existed in the rootfs after the start. */
  marks: string[];
}

function readIfExists(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "";
    throw e;
  }
}

/**
 * Builds a fresh bundle for `spec` (the CLI writes into the rootfs), starts
 * it with runc in the foreground (runc deletes the container when it exits),
 * lists the containers left, and cleans up whatever happened.
 */
async function start(s: Suite, spec: CaseSpec): Promise<Started> {
  const id = s.nextId();
  const caseDir = `${s.dir}/${id}`;
  const bundle = `${caseDir}/bundle`;
  const prefix = `${caseDir}/prefix`;
  const cliLog = `${caseDir}/cli.log`;
  Deno.mkdirSync(`${prefix}/etc/nvidia-container-runtime`, { recursive: true });
  Deno.writeTextFileSync(
    `${prefix}/etc/nvidia-container-runtime/config.toml`,
    [
      "[nvidia-container-cli]",
      `path = ${JSON.stringify(s.cli)}`,
      `root = ${JSON.stringify(s.roots[spec.root ?? "main"])}`,
      ...(spec.defaults === true ? [] : [`ldconfig = ${JSON.stringify(`@${s.ldconfig}`)}`]),
      `debug = ${JSON.stringify(cliLog)}`,
      ...(spec.config ?? []),
      "",
    ].join("\n"),
  );
  writeFullStackBundle(bundle, s.tools.busybox, s.applets, {
    args: ["sh", "-c", PROBE],
    env: spec.env,
    hooks: { prestart: [hookEntry(s.hook, prefix)] },
    ...(spec.noEtc === true ? { noEtc: true } : {}),
  });
  for (const [path, text] of Object.entries(spec.rootfsFiles ?? {})) {
    const file = `${bundle}/rootfs${path}`;
    Deno.mkdirSync(file.slice(0, file.lastIndexOf("/")), { recursive: true });
    Deno.writeTextFileSync(file, text, { mode: 0o755 });
    Deno.chmodSync(file, 0o755);
  }
  const forceDelete = () =>
    runProcess(s.runc.argv("delete", "--force", id), { timeoutMs: ADMIN_TIMEOUT_MS });
  try {
    const result = await runProcess(
      [s.tools.setsid, ...s.runc.argv("run", "--bundle", bundle, id)],
      {
        timeoutMs: START_TIMEOUT_MS,
        cwd: s.dir,
        ownSession: true,
        onTimeout: forceDelete,
      },
    );
    const list = await runProcess(s.runc.argv("list", "--quiet"), { timeoutMs: ADMIN_TIMEOUT_MS });
    const marks = (spec.marks ?? []).filter((path) => {
      try {
        Deno.lstatSync(`${bundle}/rootfs${path}`);
        return true;
      } catch (e) {
        if (e instanceof Deno.errors.NotFound) return false;
        throw e;
      }
    });
    return {
      id,
      bundle,
      result,
      cliLog: readIfExists(cliLog),
      list,
      leftoverMounts: await unmountUnder(s.tools, caseDir),
      marks,
    };
  } finally {
    // Also after a failure above: no container, mount or file survives a case.
    await forceDelete().catch(() => {});
    await removeCgroups(id).catch(() => {});
    await unmountUnder(s.tools, caseDir); // throws rather than leave a mount to recurse into
    await Deno.remove(caseDir, { recursive: true });
  }
}

/** Runs `check`; a failure also shows the CLI's debug log. */
function withLog(r: Started, check: () => void): void {
  try {
    check();
  } catch (e) {
    if (e instanceof Error && r.cliLog !== "") {
      e.message += `\n--- nvidia-container-cli --debug log ---\n${r.cliLog}`;
    }
    throw e;
  }
}

function assertNothingLeft(r: Started): void {
  assert.deepEqual({ code: r.list.code, stdout: r.list.stdout, stderr: r.list.stderr }, {
    code: 0,
    stdout: "",
    stderr: "",
  });
  assert.deepEqual(r.leftoverMounts, []);
}

/** Asserts a start that ran the probe and saw `seen`, and left nothing behind. */
function assertSaw(r: Started, seen: Seen): void {
  withLog(r, () => {
    assert.deepEqual({ code: r.result.code, stderr: r.result.stderr }, { code: 0, stderr: "" });
    assert.deepEqual(parseProbe(r.result.stdout), seen);
    assertNothingLeft(r);
  });
}

/** `s` as Go's `%q` writes it (what runc's logrus puts in `msg="..."`), for ASCII text. */
function goQuote(s: string): string {
  const escapes: Record<string, string> = { "\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t" };
  return `"${s.replace(/[\\"\n\t]/g, (c) => escapes[c] as string)}"`;
}

/** The devices and requirements the hook's running line names. */
interface Asked {
  devices: string;
  requirements: string[];
}

/**
 * Asserts a start runc refused because the hook exited 1 with its running
 * line (for `asked`), then `stderr` (the CLI's message, the hook having
 * become the CLI): runc's one error line, no output from the container, and
 * no container state left.
 */
function assertRefused(r: Started, asked: Asked, stderr: string): void {
  withLog(r, () => {
    const hookStderr = runningLine({ id: r.id, bundle: r.bundle, ...asked }) + stderr;
    const message = "runc run failed: unable to start container process: error during container " +
      "init: error running hook #0: error running hook: exit status 1, stdout: , " +
      `stderr: ${hookStderr}`;
    assert.match(r.result.stderr, /^time="[^"]+" /);
    assert.deepEqual(
      {
        code: r.result.code,
        stdout: r.result.stdout,
        stderr: r.result.stderr.replace(/^time="[^"]+" /, ""),
      },
      { code: 1, stdout: "", stderr: `level=error msg=${goQuote(message)}\n` },
    );
    assertNothingLeft(r);
  });
}

const CLI = "nvidia-container-cli: ";

/** The CLI's message for an unmet CUDA requirement. */
function cudaUnmet(condition: string): string {
  return `${CLI}requirement error: unsatisfied condition: ${condition}, please update your ` +
    "driver to a newer version, or use an earlier cuda container\n";
}

function fullStack(name: string, body: (s: Suite, t: Deno.TestContext) => Promise<void>): void {
  Deno.test({
    name,
    ignore: skipReason !== undefined,
    fn: async (t) => body(await suite(), t),
  });
}

const COMPUTE_UTILITY = ["compute", "utility"] as const;

fullStack(
  "a container asking for device 0 with compute and utility sees /dev/nvidia0, the driver's libraries and nvidia-smi -L",
  async (s) => {
    const r = await start(s, {
      env: ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DRIVER_CAPABILITIES=compute,utility"],
    });
    assertSaw(r, configured(DRIVER, [GPU0], COMPUTE_UTILITY, s.cgroupV1));
    // Spelled out once, beside the computed expectation.
    const seen = parseProbe(r.result.stdout);
    assert.ok(seen.libraries.includes("libcuda.so.550.54.15"));
    assert.ok(seen.links.includes("libcuda.so.1->libcuda.so.550.54.15"));
    assert.deepEqual(seen.smi, [`GPU 0: NVIDIA A100-SXM4-40GB (UUID: ${GPU0.uuid})`, "exit 0"]);
    assert.deepEqual(seen.devices, ["nvidia-uvm", "nvidia-uvm-tools", "nvidia0", "nvidiactl"]);
    // The older driver's leftover is in the ld.so.cache, and the CLI passes it over.
    assert.match(
      r.cliLog,
      /skipping \/usr\/lib\/x86_64-linux-gnu\/libnvidia-glcore\.so\.535\.161\.08\n/,
    );
  },
);

fullStack("NVIDIA_VISIBLE_DEVICES selects exactly the GPUs the container sees", async (s, t) => {
  const cases: [string, FakeGpu[]][] = [
    ["1", [GPU1]],
    ["0,1", [GPU0, GPU1]],
    ["all", [GPU0, GPU1]],
    [GPU1.uuid, [GPU1]],
    [`${GPU1.uuid},0`, [GPU0, GPU1]],
    ["none", []],
  ];
  for (const [devices, gpus] of cases) {
    await t.step(`NVIDIA_VISIBLE_DEVICES=${devices}`, async () => {
      const r = await start(s, {
        env: [`NVIDIA_VISIBLE_DEVICES=${devices}`, "NVIDIA_DRIVER_CAPABILITIES=compute,utility"],
      });
      assertSaw(r, configured(DRIVER, gpus, COMPUTE_UTILITY, s.cgroupV1));
    });
  }
  await t.step("NVIDIA_VISIBLE_DEVICES=void", async () => {
    const r = await start(s, {
      env: ["NVIDIA_VISIBLE_DEVICES=void", "NVIDIA_DRIVER_CAPABILITIES=compute,utility"],
    });
    assertSaw(r, untouched(s.cgroupV1));
    assert.equal(r.cliLog, "");
  });
});

fullStack(
  "each driver capability mounts its libraries, programs and devices",
  async (s, t) => {
    for (const capability of [...CAPABILITIES, "all"] as const) {
      await t.step(`NVIDIA_DRIVER_CAPABILITIES=${capability}`, async () => {
        const r = await start(s, {
          env: ["NVIDIA_VISIBLE_DEVICES=1", `NVIDIA_DRIVER_CAPABILITIES=${capability}`],
        });
        const capabilities = capability === "all" ? CAPABILITIES : [capability];
        assertSaw(r, configured(DRIVER, [GPU1], capabilities, s.cgroupV1));
      });
    }
  },
);

fullStack("requirements the driver meets start the container", async (s, t) => {
  const cases: string[][] = [
    ["NVIDIA_REQUIRE_CUDA=cuda>=12.4"],
    // Alternatives are separated by spaces: the second one holds.
    ["NVIDIA_REQUIRE_CUDA=cuda>=13.0 brand=tesla,driver>=550,driver<551"],
    ["NVIDIA_REQUIRE_CUDA=cuda>=11.0", "NVIDIA_REQUIRE_ARCH=arch>=8.0"],
  ];
  for (const env of cases) {
    await t.step(env.join(" "), async () => {
      const r = await start(s, {
        env: ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DRIVER_CAPABILITIES=compute,utility", ...env],
      });
      assertSaw(r, configured(DRIVER, [GPU0], COMPUTE_UTILITY, s.cgroupV1));
    });
  }
});

fullStack(
  "a requirement the driver does not meet stops the start with the CLI's message",
  async (s, t) => {
    // [the requirement variables, the requirements the hook names, the CLI's message]
    const cases: [string[], string[], string][] = [
      [["NVIDIA_REQUIRE_CUDA=cuda>=13.0"], ["cuda>=13.0"], cudaUnmet("cuda>=13.0")],
      // No alternative holds: the CLI names the first.
      [
        ["NVIDIA_REQUIRE_CUDA=brand=tesla,driver>=560 cuda>=13.0"],
        ["brand=tesla,driver>=560 cuda>=13.0"],
        `${CLI}requirement error: unsatisfied condition: brand=tesla,driver>=560\n`,
      ],
      // Each variable must hold on its own.
      [
        ["NVIDIA_REQUIRE_CUDA=cuda>=12.0", "NVIDIA_REQUIRE_BRAND=brand=geforce"],
        ["cuda>=12.0", "brand=geforce"],
        `${CLI}requirement error: unsatisfied condition: brand=geforce\n`,
      ],
      [
        ["NVIDIA_REQUIRE_CUDA=cuda>=12.0", "NVIDIA_REQUIRE_DRIVER=driver<550"],
        ["cuda>=12.0", "driver<550"],
        `${CLI}requirement error: unsatisfied condition: driver<550\n`,
      ],
    ];
    for (const [env, requirements, message] of cases) {
      await t.step(env.join(" "), async () => {
        const r = await start(s, {
          env: ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DRIVER_CAPABILITIES=compute,utility", ...env],
        });
        assertRefused(r, { devices: "0", requirements }, message);
      });
    }
  },
);

fullStack(
  "NVIDIA_DISABLE_REQUIRE=true starts a container whose requirement the driver does not meet",
  async (s) => {
    const r = await start(s, {
      env: [
        "NVIDIA_VISIBLE_DEVICES=0",
        "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
        "NVIDIA_REQUIRE_CUDA=cuda>=13.0",
        "NVIDIA_DISABLE_REQUIRE=true",
      ],
    });
    assertSaw(r, configured(DRIVER, [GPU0], COMPUTE_UTILITY, s.cgroupV1));
  },
);

fullStack(
  "a legacy CUDA image (CUDA_VERSION only) gets every GPU and capability, and its CUDA requirement",
  async (s, t) => {
    await t.step("CUDA_VERSION=12.2.2 (met)", async () => {
      const r = await start(s, { env: ["CUDA_VERSION=12.2.2"] });
      assertSaw(r, configured(DRIVER, [GPU0, GPU1], CAPABILITIES, s.cgroupV1));
    });
    await t.step("CUDA_VERSION=13.1.0 (not met)", async () => {
      const r = await start(s, { env: ["CUDA_VERSION=13.1.0"] });
      assertRefused(r, { devices: "all", requirements: ["cuda>=13.1"] }, cudaUnmet("cuda>=13.1"));
    });
  },
);

fullStack(
  "a device the driver does not have stops the start with the CLI's device error",
  async (s, t) => {
    for (const device of ["2", "GPU-00000000-0000-0000-0000-000000000000", "0,7"]) {
      await t.step(`NVIDIA_VISIBLE_DEVICES=${device}`, async () => {
        const r = await start(s, { env: [`NVIDIA_VISIBLE_DEVICES=${device}`] });
        const unknown = device.split(",").at(-1);
        assertRefused(
          r,
          { devices: device, requirements: [] },
          `${CLI}device error: ${unknown}: unknown device\n`,
        );
      });
    }
  },
);

fullStack(
  "a container without a GPU request sees no NVIDIA device, library or program",
  async (s) => {
    const r = await start(s, { env: ["HOSTNAME=plain"] });
    assertSaw(r, untouched(s.cgroupV1));
    assert.equal(r.cliLog, "");
  },
);

fullStack("no-cgroups = true gives the devices without device cgroup rules", async (s) => {
  const r = await start(s, {
    env: ["NVIDIA_VISIBLE_DEVICES=all", "NVIDIA_DRIVER_CAPABILITIES=compute,utility"],
    config: ["no-cgroups = true"],
  });
  assertSaw(r, {
    ...configured(DRIVER, [GPU0, GPU1], COMPUTE_UTILITY, s.cgroupV1),
    cgroup: s.cgroupV1 ? [] : ["n/a"],
  });
});

fullStack(
  "a driver whose NVML fails to initialize stops the start with the CLI's nvml error",
  async (s) => {
    const r = await start(s, { env: ["NVIDIA_VISIBLE_DEVICES=0"], root: "broken" });
    assertRefused(
      r,
      { devices: "0", requirements: [] },
      `${CLI}initialization error: nvml error: driver not loaded\n`,
    );
  },
);

fullStack(
  "an image without /etc fails in the CLI's ldconfig step, after the mounts, and leaves nothing",
  async (s) => {
    const r = await start(s, { env: ["NVIDIA_VISIBLE_DEVICES=0"], noEtc: true });
    assertRefused(
      r,
      { devices: "0", requirements: [] },
      `${CLI}ldcache error: process ${s.ldconfig} failed with error code: 1\n`,
    );
    assert.match(r.cliLog, /mounting \S+\/usr\/bin\/nvidia-smi at /);
  },
);

/**
 * The `--ldconfig` the hook passes by default: the host's ldconfig (`@`),
 * Ubuntu's `/sbin/ldconfig.real` where the host has one.
 */
function defaultLdconfig(): string {
  try {
    Deno.statSync("/sbin/ldconfig.real");
    return "@/sbin/ldconfig.real";
  } catch {
    return "@/sbin/ldconfig";
  }
}

/**
 * An image's own ldconfig that leaves a mark in its rootfs when run: a CLI
 * told to use the container's ldconfig (no `@`) would run it as root, the
 * CVE-2024-0136 class the host's default prevents. No redirection: under
 * the CLI's seccomp filter busybox sh loops on the fd copies a redirection
 * makes, which floods the CLI's log.
 */
const MARKING_LDCONFIG = "#!/bin/sh\nexec tee /ldconfig-ran\n";

/** What the CLI's debug log says about the ldconfig it was given. */
function ldconfigLogLines(log: string): string[] {
  return log.split("\n").filter((line) => /ldconfig/i.test(line))
    .map((line) => line.replace(/^[IWE]\d{4} [\d:.]+ +\d+ [\w.]+:\d+\] /, ""));
}

fullStack(
  "with no ldconfig configured, an image's own /sbin/ldconfig is not run: the host's ldconfig makes its cache",
  async (s) => {
    const r = await start(s, {
      env: ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DRIVER_CAPABILITIES=compute,utility"],
      defaults: true,
      rootfsFiles: { "/sbin/ldconfig": MARKING_LDCONFIG, "/sbin/ldconfig.real": MARKING_LDCONFIG },
      marks: ["/ldconfig-ran"],
    });
    withLog(r, () => {
      assert.deepEqual(r.marks, [], "the image's ldconfig ran");
      // The links are the sonames the host's ldconfig made in the rootfs.
      assertSaw(r, configured(DRIVER, [GPU0], COMPUTE_UTILITY, s.cgroupV1));
      // The CLI names the ldconfig it was given and runs it (`@`: the host's).
      assert.deepEqual(ldconfigLogLines(r.cliLog).slice(0, 2), [
        `setting ldconfig to ${defaultLdconfig()} (host relative)`,
        `executing ${defaultLdconfig().slice(1)} from host at ${r.bundle}/rootfs`,
      ]);
    });
  },
);

fullStack("with no ldconfig configured, an image without /sbin/ldconfig starts", async (s) => {
  // NVIDIA's CLI 1.17.0 given no --ldconfig runs the container's
  // /sbin/ldconfig.real, logs that it cannot, and goes on: the links below
  // (the sonames an ldconfig made) show that the host's ldconfig ran.
  const r = await start(s, {
    env: ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DRIVER_CAPABILITIES=compute,utility"],
    defaults: true,
  });
  assertSaw(r, configured(DRIVER, [GPU0], COMPUTE_UTILITY, s.cgroupV1));
});

fullStack(
  "a container without NVIDIA_DRIVER_CAPABILITIES gets compute and utility: libcuda.so is mounted",
  async (s) => {
    const r = await start(s, { env: ["NVIDIA_VISIBLE_DEVICES=0"], defaults: true });
    assertSaw(r, configured(DRIVER, [GPU0], ["compute", "utility"], s.cgroupV1));
    // Spelled out: the compute library, its links, and nvidia-smi (utility).
    const seen = parseProbe(r.result.stdout);
    assert.ok(seen.libraries.includes("libcuda.so.550.54.15"), seen.libraries.join(" "));
    assert.ok(seen.links.includes("libcuda.so->libcuda.so.1"), seen.links.join(" "));
    assert.ok(seen.links.includes("libcuda.so.1->libcuda.so.550.54.15"), seen.links.join(" "));
    assert.ok(seen.binaries.includes("nvidia-smi"), seen.binaries.join(" "));
  },
);

fullStack("the CLI changed nothing in the driver root", async (s) => {
  assert.equal(await listing(s.roots.main), s.rootListing);
});
