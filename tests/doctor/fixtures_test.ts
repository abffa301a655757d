/**
 * `doctor` on fake host trees (tests/fixtures/doctor), with main.ts's own
 * host view: the healthy tree passes every check; each fault changes
 * exactly the checks it names, to the status, message and fix given here.
 * Device nodes need mknod, so the suite needs root (skipped otherwise,
 * except with CI=true).
 */

import assert from "node:assert/strict";
import { doctorView } from "../../main.ts";
import type { Check, CheckId, Status } from "../../lib/doctor/check.ts";
import { CHECK_IDS } from "../../lib/doctor/check.ts";
import { type DoctorReport, runDoctor } from "../../lib/doctor/doctor.ts";
import { configCandidates } from "../../lib/hook_config.ts";
import {
  BOOT_TIME,
  DOCKERD_PID,
  dockerdEnviron,
  faultNames,
  healthySpecials,
  isRoot,
  makeTree,
  type Specials,
} from "./_fixtures.ts";
import { DRIVER_LIBS } from "./_ld_cache.ts";

const inCi = Deno.env.get("CI") === "true";
const root = isRoot();
if (!root && inCi) throw new Error("CI=true: the doctor fixture tests need root (mknod)");

const VERSION = "NVIDIA Container Runtime Hook version 0.1.0";
const CONFIG = "/etc/nvidia-container-runtime/config.toml";
const HOOK = "/usr/bin/nvidia-container-runtime-hook";
const NO_GPU_DRIVER = 'could not select device driver "" with capabilities: [[gpu]]';
const FIX_DRIVER =
  "install the NVIDIA driver and load it (modprobe nvidia); nvidia-smi must list the GPUs";
const FIX_NODES =
  "load the driver and create the nodes: modprobe nvidia nvidia-uvm && nvidia-modprobe -c0 -u";
const FIX_CLI_VERSION =
  'reinstall libnvidia-container-tools; /usr/bin/nvidia-container-cli --version must print "cli-version: X.Y.Z" first';
const FIX_DAEMON_JSON =
  "fix /etc/docker/daemon.json (dockerd does not start with it), then systemctl restart docker";
const FIX_CONTAINERD =
  "fix that file (containerd does not start with it), then systemctl restart containerd";
const FIX_DOCKER_RUNTIME =
  "install the runtime (nvidia-container-runtime comes with nvidia-container-toolkit) or fix runtimes.nvidia.path in /etc/docker/daemon.json, then systemctl restart docker";
const ENVVAR_WARN: Row = [
  "hook.unprivileged-envvar",
  "warn",
  "accept-nvidia-visible-devices-envvar-when-unprivileged is true (the default): any unprivileged container can request every GPU with NVIDIA_VISIBLE_DEVICES=all, which CUDA base images set",
  `set accept-nvidia-visible-devices-envvar-when-unprivileged = false in ${CONFIG} (GPUs then come from volume mounts with accept-nvidia-visible-devices-as-volume-mounts = true, or to privileged containers)`,
];
const NOT_LOADED = "skipped: the config file does not load (see hook.config)";
/** The settings checks when the config file does not load. */
const SETTINGS_SKIPPED: Row[] = [
  ["hook.unprivileged-envvar", "ok", NOT_LOADED],
  ["hook.compat-libs", "ok", NOT_LOADED],
  ["hook.ldconfig", "ok", NOT_LOADED],
  ["cli.user", "ok", NOT_LOADED],
];
const FIX_CONFIG =
  `fix ${CONFIG}; nvidia-container-runtime-hook check-config ${CONFIG} shows each error`;
const FIX_LDCONFIG =
  `set nvidia-container-cli.ldconfig = "@/sbin/ldconfig" in ${CONFIG}, and leave features.allow-ldconfig-from-container unset`;
const NO_DRIVER: Row[] = [
  [
    "driver.version",
    "fail",
    "Cannot read /proc/driver/nvidia/version: no such file or directory (the NVIDIA kernel module is not loaded)",
    FIX_DRIVER,
  ],
  ["driver.gpus", "fail", "no GPU under /proc/driver/nvidia/gpus", FIX_DRIVER],
];

/** A check as a row: id, status, message, fix. */
type Row = [CheckId, Status, string, string?];

/** The healthy tree's report: every check ok. */
const HEALTHY: [CheckId, string][] = [
  ["hook.version", VERSION],
  ["hook.config", `${CONFIG} (built-in path) loads without warnings`],
  [
    "hook.unprivileged-envvar",
    "accept-nvidia-visible-devices-envvar-when-unprivileged is false: unprivileged containers cannot request GPUs by NVIDIA_VISIBLE_DEVICES",
  ],
  [
    "hook.compat-libs",
    "features.allow-cuda-compat-libs-from-container is off: CUDA compat libraries come from the host only",
  ],
  [
    "hook.ldconfig",
    `nvidia-container-cli.ldconfig "@/sbin/ldconfig" runs the host's /sbin/ldconfig`,
  ],
  ["cli.path", "/usr/bin/nvidia-container-cli (found in the search directories)"],
  ["cli.version", "nvidia-container-cli 1.17.7 takes --cuda-compat-mode"],
  ["cli.user", 'nvidia-container-cli.user "root:video" exists on the host'],
  ["driver.version", "NVIDIA driver 550.54.15"],
  ["driver.gpus", "1 GPU: NVIDIA A100-SXM4-40GB (0000:3b:00.0)"],
  ["driver.devices", "/dev/nvidiactl, /dev/nvidia-uvm and /dev/nvidia0 are character devices"],
  [
    "driver.libraries",
    "libnvidia-ml.so.1 => /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1, libcuda.so.1 => /usr/lib/x86_64-linux-gnu/libcuda.so.1",
  ],
  ["driver.persistenced", "nvidia-persistenced listens on /var/run/nvidia-persistenced/socket"],
  ["docker.daemon-json", "/etc/docker/daemon.json parses"],
  ["docker.runtimes", "nvidia => /usr/bin/nvidia-container-runtime"],
  ["docker.hook-path", `dockerd (pid 4242) finds ${HOOK}`],
  ["docker.hook-restart", `dockerd (pid 4242) started after ${HOOK} was installed`],
  ["containerd.config", "/etc/containerd/config.toml and 1 imported file parse"],
  ["containerd.runtimes", "nvidia => /usr/bin/nvidia-container-runtime"],
  ["hooks-d.files", "1 hook file parses: /usr/share/containers/oci/hooks.d/oci-nvidia-hook.json"],
  ["hooks-d.duplicates", "one NVIDIA hook: /usr/share/containers/oci/hooks.d/oci-nvidia-hook.json"],
  ["mode.wiring", 'nvidia-container-runtime.mode "auto": the hook serves it'],
  [
    "cgroups.dev-char",
    "docker's exec-opts native.cgroupdriver=systemd; every NVIDIA device has its /dev/char link",
  ],
];

/** Each fault of tests/fixtures/doctor/faults and the checks it changes. */
const FAULTS: Record<string, Row[]> = {
  "config-garbage": [
    [
      "hook.config",
      "fail",
      `Cannot parse config file ${CONFIG}: line 1, column 22: illegal character in key`,
      FIX_CONFIG,
    ],
    // prestart fails for every container: the settings are not checked.
    ...SETTINGS_SKIPPED,
  ],
  "config-directory": [
    ["hook.config", "fail", `Cannot read config file ${CONFIG}: is a directory`, FIX_CONFIG],
    ...SETTINGS_SKIPPED,
  ],
  "config-warning": [[
    "hook.config",
    "warn",
    `${CONFIG} (built-in path): line 8: unknown key "nvidia-container-cli.no-cgroup"; did you mean "nvidia-container-cli.no-cgroups"?`,
    `edit ${CONFIG}; nvidia-container-runtime-hook check-config ${CONFIG} lists every warning`,
  ]],
  "envvar-default": [ENVVAR_WARN],
  "compat-libs": [[
    "hook.compat-libs",
    "warn",
    "features.allow-cuda-compat-libs-from-container is true: the CLI may use CUDA compat libraries from the container image in front of the host driver's",
    `set features.allow-cuda-compat-libs-from-container = false in ${CONFIG}`,
  ]],
  "ldconfig-container": [
    [
      "hook.config",
      "fail",
      `Cannot load config file ${CONFIG}: "nvidia-container-cli.ldconfig" value "/sbin/ldconfig" is not host-relative (does not start with "@"); set features.allow-ldconfig-from-container = true to run the container's ldconfig (line 6)`,
      FIX_CONFIG,
    ],
    ...SETTINGS_SKIPPED.filter((r) => r[0] !== "hook.ldconfig"),
    [
      "hook.ldconfig",
      "fail",
      `nvidia-container-cli.ldconfig "/sbin/ldconfig" does not start with "@": prestart refuses the config file (the CLI would run the container's ldconfig, not the host's)`,
      FIX_LDCONFIG,
    ],
  ],
  "ldconfig-container-allowed": [[
    "hook.ldconfig",
    "fail",
    `nvidia-container-cli.ldconfig "/sbin/ldconfig" does not start with "@": the CLI will run the container's ldconfig, not the host's (allowed by features.allow-ldconfig-from-container)`,
    FIX_LDCONFIG,
  ]],
  "ldconfig-missing": [[
    "hook.ldconfig",
    "fail",
    'nvidia-container-cli.ldconfig "@/opt/ldconfig": /opt/ldconfig is not an executable file on the host',
    `set nvidia-container-cli.ldconfig to "@" and the host's ldconfig (e.g. "@/sbin/ldconfig") in ${CONFIG}`,
  ]],
  "cli-missing": [
    [
      "cli.path",
      "fail",
      "Cannot find nvidia-container-cli in /usr/bin:/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin",
      `install libnvidia-container-tools (nvidia-container-cli), or set nvidia-container-cli.path in ${CONFIG}`,
    ],
    ["cli.version", "ok", "skipped: no nvidia-container-cli to run (see cli.path)"],
  ],
  "cli-old": [[
    "cli.version",
    "warn",
    "nvidia-container-cli 1.17.0 does not take --cuda-compat-mode (1.17.7 and later do): the container's CUDA compat libraries cannot be controlled",
    "upgrade libnvidia-container-tools to 1.17.7 or later",
  ]],
  "cli-old-compat-mode": [[
    "cli.version",
    "fail",
    'Cannot honour nvidia-container-runtime.modes.legacy.cuda-compat-mode "ldconfig": it needs nvidia-container-cli 1.17.7 or later, and "/usr/bin/nvidia-container-cli" is 1.17.0',
    `upgrade libnvidia-container-tools, or change nvidia-container-runtime.modes.legacy.cuda-compat-mode in ${CONFIG}`,
  ]],
  "cli-version-newer": [[
    "cli.version",
    "fail",
    "nvidia-container-runtime-hook.cli-version is 1.17.7, but /usr/bin/nvidia-container-cli is 1.17.0: prestart passes --cuda-compat-mode=ldconfig, which this CLI rejects",
    `set nvidia-container-runtime-hook.cli-version = "1.17.0" in ${CONFIG}, or remove it`,
  ]],
  "cli-version-older": [[
    "cli.version",
    "warn",
    "nvidia-container-runtime-hook.cli-version is 1.17.5, but /usr/bin/nvidia-container-cli is 1.17.7: prestart passes the options of 1.17.5, not those of 1.17.7",
    `set nvidia-container-runtime-hook.cli-version = "1.17.7" in ${CONFIG}, or remove it`,
  ]],
  "cli-garbage-version": [[
    "cli.version",
    "fail",
    '/usr/bin/nvidia-container-cli --version printed "nvidia-container-cli: unknown version", not "cli-version: X.Y.Z"',
    FIX_CLI_VERSION,
  ]],
  "cli-exit-1": [[
    "cli.version",
    "fail",
    "/usr/bin/nvidia-container-cli --version exited with status 1",
    FIX_CLI_VERSION,
  ]],
  "cli-hangs": [[
    "cli.version",
    "fail",
    "/usr/bin/nvidia-container-cli --version did not finish within 5 s",
    FIX_CLI_VERSION,
  ]],
  "cli-user-missing": [[
    "cli.user",
    "fail",
    'nvidia-container-cli.user "nvidia:video": user "nvidia" is not in /etc/passwd',
    `create it (useradd/groupadd), or fix nvidia-container-cli.user in ${CONFIG}`,
  ]],
  "cli-user-malformed": [[
    "cli.user",
    "fail",
    'nvidia-container-cli.user "root:video:extra" is not UID[:GID] (numbers or names)',
    `fix nvidia-container-cli.user in ${CONFIG}, e.g. "root:video"`,
  ]],
  "driver-missing": NO_DRIVER,
  "devices-missing": [[
    "driver.devices",
    "warn",
    "missing: /dev/nvidia-uvm; the CLI creates them at container start (nvidia-container-cli.load-kmods = true)",
    FIX_NODES,
  ]],
  "device-regular-file": [[
    "driver.devices",
    "fail",
    "not character devices: /dev/nvidia0 (file)",
    `remove them, then ${FIX_NODES}`,
  ]],
  "ld-cache-garbage": [[
    "driver.libraries",
    "fail",
    'Cannot parse the ld cache /etc/ld.so.cache: not an ld cache (no "glibc-ld.so.cache1.1" header)',
    "run ldconfig to rewrite it",
  ]],
  "ld-cache-stale": [[
    "driver.libraries",
    "warn",
    "the ld cache /etc/ld.so.cache names missing files: libcuda.so.1 => /usr/lib/x86_64-linux-gnu/libcuda.so.1",
    "run ldconfig",
  ]],
  "persistenced-missing": [[
    "driver.persistenced",
    "warn",
    'nvidia-persistenced is not running (no /var/run/nvidia-persistenced/socket): containers start slowly, and the CLI can fail with "driver rpc error: timed out"',
    "systemctl enable --now nvidia-persistenced",
  ]],
  "daemon-json-garbage": [
    [
      "docker.daemon-json",
      "fail",
      "Cannot parse /etc/docker/daemon.json: invalid JSON at line 4, column 3",
      FIX_DAEMON_JSON,
    ],
    [
      "docker.runtimes",
      "ok",
      "skipped: /etc/docker/daemon.json does not load (see docker.daemon-json)",
    ],
    // Docker's cgroup driver is unknown; containerd's still tells.
    [
      "cgroups.dev-char",
      "ok",
      "containerd's SystemdCgroup = true; every NVIDIA device has its /dev/char link",
    ],
  ],
  "docker-runtime-missing": [[
    "docker.runtimes",
    "fail",
    '/etc/docker/daemon.json: runtime "nvidia": /usr/bin/nope is not an executable file',
    FIX_DOCKER_RUNTIME,
  ]],
  "containerd-garbage": [
    [
      "containerd.config",
      "fail",
      "Cannot parse /etc/containerd/config.toml: line 3, column 1: expected comma or end of structure",
      FIX_CONTAINERD,
    ],
    ["containerd.runtimes", "ok", "skipped: the config does not load (see containerd.config)"],
  ],
  "containerd-import-garbage": [
    [
      "containerd.config",
      "fail",
      "Cannot parse /etc/containerd/conf.d/99-nvidia.toml: line 3, column 18: invalid value",
      FIX_CONTAINERD,
    ],
    ["containerd.runtimes", "ok", "skipped: the config does not load (see containerd.config)"],
  ],
  "containerd-binary-missing": [[
    "containerd.runtimes",
    "fail",
    'runtime "nvidia": BinaryName "/usr/bin/nope" is not an executable file',
    'install nvidia-container-toolkit, or fix the BinaryName of runtime "nvidia" in /etc/containerd/conf.d/99-nvidia.toml (nvidia-ctk runtime configure --runtime=containerd), then systemctl restart containerd',
  ]],
  "hooks-d-garbage": [[
    "hooks-d.files",
    "fail",
    "Cannot parse /etc/containers/oci/hooks.d/broken.json: invalid JSON: unexpected end of input",
    "fix or remove /etc/containers/oci/hooks.d/broken.json (nvidia-container-runtime-hook print-oci-hook prints a valid one)",
  ]],
  "hooks-d-bad-path": [[
    "hooks-d.files",
    "fail",
    "/usr/share/containers/oci/hooks.d/oci-nvidia-hook.json: hook.path /usr/local/bin/nvidia-container-runtime-hook is not an executable file",
    "fix or remove /usr/share/containers/oci/hooks.d/oci-nvidia-hook.json (nvidia-container-runtime-hook print-oci-hook prints a valid one)",
  ]],
  "hooks-d-duplicate": [
    [
      "hooks-d.files",
      "ok",
      "2 hook files parse: /usr/share/containers/oci/hooks.d/oci-nvidia-hook.json, /etc/containers/oci/hooks.d/nvidia.json",
    ],
    [
      "hooks-d.duplicates",
      "warn",
      "2 NVIDIA hooks run at prestart: /usr/share/containers/oci/hooks.d/oci-nvidia-hook.json, /etc/containers/oci/hooks.d/nvidia.json: the hook would run twice for each container",
      "remove all but one of /usr/share/containers/oci/hooks.d/oci-nvidia-hook.json, /etc/containers/oci/hooks.d/nvidia.json",
    ],
  ],
  "hooks-d-override": [
    [
      "hooks-d.files",
      "ok",
      "2 hook files parse (1 overridden by a file of the same name in /etc/containers/oci/hooks.d): /etc/containers/oci/hooks.d/oci-nvidia-hook.json",
    ],
    [
      "hooks-d.duplicates",
      "ok",
      "one NVIDIA hook: /etc/containers/oci/hooks.d/oci-nvidia-hook.json",
    ],
  ],
  "mode-cdi": [[
    "mode.wiring",
    "warn",
    `nvidia-container-runtime.mode "cdi": GPU containers that reach the hook (hooks.d, docker --gpus) fail with 'Cannot serve nvidia-container-runtime.mode "cdi"'; the NVIDIA runtime (docker, containerd) serves those run with it`,
    `run GPU containers with --runtime=nvidia, or set nvidia-container-runtime.mode = "auto" in ${CONFIG}`,
  ]],
  "mode-cdi-hook-only": [
    [
      "docker.runtimes",
      "ok",
      "no runtimes registered: docker run --gpus runs the hook through runc",
    ],
    ["containerd.config", "ok", "/etc/containerd/config.toml parses"],
    [
      "containerd.runtimes",
      "ok",
      "no nvidia runtime: containerd runs no NVIDIA runtime (it does not read OCI hooks.d)",
    ],
    [
      "mode.wiring",
      "fail",
      `nvidia-container-runtime.mode "cdi" and only the hook is wired (hooks.d, docker --gpus): every GPU container fails with 'Cannot serve nvidia-container-runtime.mode "cdi"'`,
      `set nvidia-container-runtime.mode = "auto" in ${CONFIG}, or register the NVIDIA runtime (nvidia-ctk runtime configure) and run GPU containers with --runtime=nvidia`,
    ],
  ],
  "no-dev-char": [[
    "cgroups.dev-char",
    "warn",
    `docker's exec-opts native.cgroupdriver=systemd, and no /dev/char link for /dev/nvidia-uvm (508:0), /dev/nvidia-uvm-tools (508:1), /dev/nvidia0 (195:0), /dev/nvidiactl (195:255): after systemctl daemon-reload containers lose their GPUs ("Failed to initialize NVML: Unknown Error")`,
    "nvidia-ctk system create-dev-char-symlinks --create-all",
  ]],
  "proc-missing": [
    ...NO_DRIVER,
    [
      "docker.hook-path",
      "warn",
      "Cannot list /proc: cannot tell whether dockerd runs",
      "run doctor as root, with /proc mounted",
    ],
    [
      "docker.hook-restart",
      "ok",
      "skipped: no running dockerd finds the hook (see docker.hook-path)",
    ],
  ],
};

function toCheck([id, status, message, fix]: Row): Check {
  return { id, status, message, fix: fix ?? "" };
}

function healthyReport(): Check[] {
  return HEALTHY.map(([id, message]) => ({ id, status: "ok", message, fix: "" }));
}

/** The healthy report with `changes` in place. */
function expected(changes: readonly Row[]): Check[] {
  const byId = new Map(changes.map((r) => [r[0], toCheck(r)]));
  return healthyReport().map((c) => byId.get(c.id) ?? c);
}

async function doctorOn(
  options: Parameters<typeof makeTree>[0],
): Promise<DoctorReport> {
  const tree = makeTree(options);
  try {
    return await runDoctor({
      view: doctorView(),
      root: tree.root,
      version: `${VERSION}\n`,
      candidates: configCandidates("", {}),
      cwd: "/",
      pathEnv: "/usr/bin:/bin",
    });
  } finally {
    tree.done();
  }
}

function fixtureTest(name: string, fn: (t: Deno.TestContext) => Promise<void>): void {
  Deno.test({ name, ignore: !root, fn });
}

Deno.test("the fixture tables name every check once, in report order", () => {
  assert.deepEqual(HEALTHY.map(([id]) => id), [...CHECK_IDS]);
  assert.deepEqual(Object.keys(FAULTS).sort(), faultNames(), "one entry per fault directory");
});

fixtureTest("doctor: the healthy tree passes every check", async () => {
  const report = await doctorOn({});
  assert.deepEqual(report, { schema: 1, checks: healthyReport() });
});

fixtureTest("doctor: each fault of tests/fixtures/doctor/faults changes its checks", async (t) => {
  for (const [fault, changes] of Object.entries(FAULTS)) {
    await t.step(fault, async () => {
      assert.deepEqual((await doctorOn({ fault })).checks, expected(changes));
    });
  }
});

/** Faults git cannot hold (bytes, FIFOs, sizes, mtimes), made from the healthy specials. */
const MADE: [string, (s: Specials) => void, Row[]][] = [
  [
    "an ld cache without libcuda.so.1",
    (s) => {
      s.files["etc/ld.so.cache"] = healthySpecials(
        DRIVER_LIBS.filter((l) => l.key !== "libcuda.so.1"),
      )
        .files["etc/ld.so.cache"] as Uint8Array;
    },
    [[
      "driver.libraries",
      "fail",
      'libcuda.so.1 not in the ld cache /etc/ld.so.cache: the CLI fails with "load library failed: libcuda.so.1"',
      "install the NVIDIA driver's libraries (e.g. libnvidia-compute, nvidia-driver-libs), then run ldconfig",
    ]],
  ],
  [
    "a FIFO as daemon.json (never opened)",
    (s) => s.fifos.push("etc/docker/daemon.json"),
    [
      [
        "docker.daemon-json",
        "fail",
        "Cannot read /etc/docker/daemon.json: not a regular file",
        FIX_DAEMON_JSON,
      ],
      [
        "docker.runtimes",
        "ok",
        "skipped: /etc/docker/daemon.json does not load (see docker.daemon-json)",
      ],
      [
        "cgroups.dev-char",
        "ok",
        "containerd's SystemdCgroup = true; every NVIDIA device has its /dev/char link",
      ],
    ],
  ],
  [
    "a daemon.json over 1 MiB",
    (s) => (s.files["etc/docker/daemon.json"] = `${" ".repeat(1024 * 1024)}{}`),
    [
      [
        "docker.daemon-json",
        "fail",
        "Cannot read /etc/docker/daemon.json: larger than 1048576 bytes",
        FIX_DAEMON_JSON,
      ],
      [
        "docker.runtimes",
        "ok",
        "skipped: /etc/docker/daemon.json does not load (see docker.daemon-json)",
      ],
      [
        "cgroups.dev-char",
        "ok",
        "containerd's SystemdCgroup = true; every NVIDIA device has its /dev/char link",
      ],
    ],
  ],
  [
    "dockerd without the hook on its PATH",
    (s) => (s.files[`proc/${DOCKERD_PID}/environ`] = dockerdEnviron("/opt/bin:relative")),
    [
      [
        "docker.runtimes",
        "fail",
        `/etc/docker/daemon.json: runtime "nvidia": "nvidia-container-runtime" is not found in dockerd's PATH`,
        FIX_DOCKER_RUNTIME,
      ],
      [
        "docker.hook-path",
        "fail",
        `nvidia-container-runtime-hook is not on the PATH of dockerd (pid 4242, PATH=/opt/bin:relative): docker run --gpus fails with ${NO_GPU_DRIVER}`,
        `install the hook as ${HOOK}, then systemctl restart docker`,
      ],
      [
        "docker.hook-restart",
        "ok",
        "skipped: no running dockerd finds the hook (see docker.hook-path)",
      ],
    ],
  ],
  [
    "dockerd without PATH",
    (s) => (s.files[`proc/${DOCKERD_PID}/environ`] = dockerdEnviron(null)),
    [
      [
        "docker.hook-path",
        "fail",
        `nvidia-container-runtime-hook is not on the PATH of dockerd (pid 4242, no PATH): docker run --gpus fails with ${NO_GPU_DRIVER}`,
        `install the hook as ${HOOK}, then systemctl restart docker`,
      ],
      [
        "docker.hook-restart",
        "ok",
        "skipped: no running dockerd finds the hook (see docker.hook-path)",
      ],
    ],
  ],
  [
    "a hook newer than dockerd",
    (s) => (s.mtimes["usr/bin/nvidia-container-runtime-hook"] = BOOT_TIME + 2000),
    [[
      "docker.hook-restart",
      "warn",
      `${HOOK} changed (2023-11-14T22:46:40Z) after dockerd (pid 4242) started (2023-11-14T22:30:00Z): dockerd looks the hook up once, at start; if it was missing then, docker run --gpus fails with ${NO_GPU_DRIVER}`,
      "systemctl restart docker",
    ]],
  ],
  [
    "a dockerd stat without its start time",
    (s) => (s.files[`proc/${DOCKERD_PID}/stat`] = "4242 (dockerd) S 1\n"),
    [[
      "docker.hook-restart",
      "warn",
      "cannot tell when dockerd (pid 4242) started: /proc/4242/stat has no start time (field 22)",
      "if docker run --gpus fails, systemctl restart docker",
    ]],
  ],
  [
    "a dockerd whose name has spaces and parentheses in stat",
    (s) => {
      s.files[`proc/${DOCKERD_PID}/stat`] =
        "4242 (dock) (erd) S 1 4242 4242 0 -1 4194560 100 0 0 0 " +
        "10 10 0 0 20 0 12 0 100000 1000000\n";
    },
    [],
  ],
  [
    "a link loop as daemon.json",
    (s) => (s.links["etc/docker/daemon.json"] = "daemon.json"),
    [
      [
        "docker.daemon-json",
        "fail",
        "Cannot read /etc/docker/daemon.json: too many levels of symbolic links",
        FIX_DAEMON_JSON,
      ],
      [
        "docker.runtimes",
        "ok",
        "skipped: /etc/docker/daemon.json does not load (see docker.daemon-json)",
      ],
      [
        "cgroups.dev-char",
        "ok",
        "containerd's SystemdCgroup = true; every NVIDIA device has its /dev/char link",
      ],
    ],
  ],
];

fixtureTest("doctor: faults made at test time change their checks", async (t) => {
  for (const [name, make, changes] of MADE) {
    await t.step(name, async () => {
      const specials = healthySpecials();
      make(specials);
      assert.deepEqual((await doctorOn({ specials })).checks, expected(changes));
    });
  }
});

fixtureTest("doctor: an empty root (nothing installed) skips the engines", async () => {
  const report = await doctorOn({ base: "empty" });
  const skip = (engine: string, why: string) => `skipped: ${engine} is not installed (${why})`;
  const docker = skip("Docker", "no /etc/docker, dockerd binary or process");
  const containerd = skip("containerd", "no /etc/containerd, containerd binary or process");
  const hooksD = "skipped: neither podman nor CRI-O is installed, and no hooks directory exists";
  assert.deepEqual(report.checks, [
    toCheck(["hook.version", "ok", VERSION]),
    toCheck([
      "hook.config",
      "ok",
      "no config file found, built-in defaults (looked in /run/nvidia/driver/etc/nvidia-container-runtime/config.toml, /etc/nvidia-container-runtime/config.toml)",
    ]),
    toCheck(ENVVAR_WARN),
    toCheck(["hook.compat-libs", "ok", HEALTHY[3]?.[1] as string]),
    toCheck([
      "hook.ldconfig",
      "ok",
      "nvidia-container-cli.ldconfig is unset: the CLI runs its built-in host ldconfig",
    ]),
    toCheck(FAULTS["cli-missing"]?.[0] as Row),
    toCheck(["cli.version", "ok", "skipped: no nvidia-container-cli to run (see cli.path)"]),
    toCheck(["cli.user", "ok", "nvidia-container-cli.user is unset"]),
    ...NO_DRIVER.map(toCheck),
    toCheck([
      "driver.devices",
      "warn",
      "missing: /dev/nvidiactl, /dev/nvidia-uvm, /dev/nvidia[0-9]*; the CLI creates them at container start (nvidia-container-cli.load-kmods = true)",
      FIX_NODES,
    ]),
    toCheck([
      "driver.libraries",
      "fail",
      "Cannot read the ld cache /etc/ld.so.cache: no such file or directory",
      "run ldconfig to write it",
    ]),
    toCheck(FAULTS["persistenced-missing"]?.[0] as Row),
    toCheck(["docker.daemon-json", "ok", docker]),
    toCheck(["docker.runtimes", "ok", docker]),
    toCheck(["docker.hook-path", "ok", docker]),
    toCheck(["docker.hook-restart", "ok", docker]),
    toCheck(["containerd.config", "ok", containerd]),
    toCheck(["containerd.runtimes", "ok", containerd]),
    toCheck(["hooks-d.files", "ok", hooksD]),
    toCheck(["hooks-d.duplicates", "ok", hooksD]),
    toCheck(["mode.wiring", "ok", 'nvidia-container-runtime.mode "auto": the hook serves it']),
    toCheck([
      "cgroups.dev-char",
      "ok",
      "the systemd cgroup driver is not in use: systemctl daemon-reload does not take GPUs away",
    ]),
  ]);
});

fixtureTest("doctor: nothing of dockerd's environment but PATH reaches the report", async () => {
  const report = JSON.stringify(await doctorOn({}));
  assert.ok(!report.includes("hunter2"), report);
  assert.ok(!report.includes("SECRET_TOKEN"), report);
});

fixtureTest("doctor writes nothing: the tree is byte-identical after a run", async () => {
  const tree = makeTree({ fault: "config-warning" });
  const listing = () => {
    const out = new Deno.Command("sh", {
      args: ["-c", 'cd "$1" && find . -exec stat -c "%n %s %Y %a %F" {} + | sort', "sh", tree.root],
      stdout: "piped",
    }).outputSync();
    return new TextDecoder().decode(out.stdout);
  };
  try {
    const before = listing();
    await runDoctor({
      view: doctorView(),
      root: tree.root,
      version: VERSION,
      candidates: configCandidates("", {}),
      cwd: "/",
      pathEnv: "/usr/bin",
    });
    assert.equal(listing(), before);
  } finally {
    tree.done();
  }
});
