/**
 * Inputs of the startup benchmark (scripts/bench.ts): the config.toml a
 * current NVIDIA Container Toolkit writes, and OCI bundles shaped like the
 * ones Docker writes for a plain image and for a CUDA image.
 *
 * @module
 */

/**
 * The config.toml that `nvidia-ctk config default` writes on a current
 * toolkit (1.17), with `nvidia-container-cli.path` set to `cliPath`. Keys of
 * other tools and comment lines included: the hook must skip them.
 */
export function toolkitConfigToml(cliPath: string): string {
  return `#accept-nvidia-visible-devices-as-volume-mounts = false
#accept-nvidia-visible-devices-envvar-when-unprivileged = true
disable-require = false
supported-driver-capabilities = "compat32,compute,display,graphics,ngx,utility,video"
#swarm-resource = "DOCKER_RESOURCE_GPU"

[nvidia-container-cli]
#debug = "/var/log/nvidia-container-toolkit.log"
environment = []
#ldcache = "/etc/ld.so.cache"
ldconfig = "@/sbin/ldconfig.real"
load-kmods = true
#no-cgroups = false
path = ${JSON.stringify(cliPath)}
#root = "/run/nvidia/driver"
#user = "root:video"

[nvidia-container-runtime]
#debug = "/var/log/nvidia-container-runtime.log"
log-level = "info"
mode = "auto"
runtimes = ["docker-runc", "runc", "crun"]

[nvidia-container-runtime.modes]

[nvidia-container-runtime.modes.cdi]
annotation-prefixes = ["cdi.k8s.io/"]
default-kind = "nvidia.com/gpu"
spec-dirs = ["/etc/cdi", "/var/run/cdi"]

[nvidia-container-runtime.modes.csv]
mount-spec-path = "/etc/nvidia-container-runtime/host-files-for-container.d"

[nvidia-container-runtime.modes.legacy]
cuda-compat-mode = "ldconfig"

[nvidia-container-runtime-hook]
path = "nvidia-container-runtime-hook"
skip-mode-detection = false

[nvidia-ctk]
path = "nvidia-ctk"
`;
}

/** The environment of a plain (non-GPU) image, as Docker writes it. */
export const PLAIN_ENV: readonly string[] = [
  "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "HOSTNAME=3f4e5d6c7b8a",
  "HOME=/root",
  "LANG=C.UTF-8",
  "PYTHON_VERSION=3.12.7",
  "PYTHON_SHA256=24887b92e2afd4a2ac602419ad4b596372f67ac9b077190f459aba390faf5550",
];

const DRIVER_RANGES = [470, 525, 535, 550]
  .flatMap((d) =>
    [
      "tesla",
      "unknown",
      "nvidia",
      "nvidiartx",
      "geforce",
      "geforcertx",
      "quadro",
      "quadrortx",
      "titan",
      "titanrtx",
    ].map((b) => `brand=${b},driver>=${d},driver<${d + 1}`)
  )
  .join(" ");

/** The environment of an `nvidia/cuda:12.4.1-base` image, as Docker writes it. */
export const CUDA_ENV: readonly string[] = [
  "PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "HOSTNAME=9a8b7c6d5e4f",
  "NVARCH=x86_64",
  `NVIDIA_REQUIRE_CUDA=cuda>=12.4 ${DRIVER_RANGES}`,
  "NV_CUDA_CUDART_VERSION=12.4.127-1",
  "NV_CUDA_COMPAT_PACKAGE=cuda-compat-12-4",
  "CUDA_VERSION=12.4.1",
  "LD_LIBRARY_PATH=/usr/local/nvidia/lib:/usr/local/nvidia/lib64",
  "NVIDIA_VISIBLE_DEVICES=all",
  "NVIDIA_DRIVER_CAPABILITIES=compute,utility",
  "NVIDIA_PRODUCT_NAME=CUDA",
  "HOME=/root",
];

const CAPS = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_FSETID",
  "CAP_FOWNER",
  "CAP_MKNOD",
  "CAP_NET_RAW",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETFCAP",
  "CAP_SETPCAP",
  "CAP_NET_BIND_SERVICE",
  "CAP_SYS_CHROOT",
  "CAP_KILL",
  "CAP_AUDIT_WRITE",
];

/** Part of the syscall allow-list of Docker's default seccomp profile. */
const SYSCALLS = (
  "accept accept4 access adjtimex alarm bind brk capget capset chdir chmod chown chown32 " +
  "clock_adjtime clock_getres clock_gettime clock_nanosleep close close_range connect " +
  "copy_file_range creat dup dup2 dup3 epoll_create epoll_create1 epoll_ctl epoll_pwait " +
  "epoll_pwait2 epoll_wait eventfd eventfd2 execve execveat exit exit_group faccessat " +
  "faccessat2 fadvise64 fallocate fanotify_mark fchdir fchmod fchmodat fchown fchownat " +
  "fcntl fdatasync fgetxattr flistxattr flock fork fremovexattr fsetxattr fstat fstatfs " +
  "fsync ftruncate futex futex_waitv futimesat getcpu getcwd getdents getdents64 getegid " +
  "geteuid getgid getgroups getitimer getpeername getpgid getpgrp getpid getppid " +
  "getpriority getrandom getresgid getresuid getrlimit get_robust_list getrusage getsid " +
  "getsockname getsockopt get_thread_area gettid gettimeofday getuid getxattr " +
  "inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl " +
  "io_destroy io_getevents io_pgetevents ioprio_get ioprio_set io_setup io_submit " +
  "io_uring_enter io_uring_register io_uring_setup ipc kill landlock_add_rule " +
  "landlock_create_ruleset landlock_restrict_self lchown lgetxattr link linkat listen " +
  "listxattr llistxattr lremovexattr lseek lsetxattr lstat madvise membarrier memfd_create " +
  "memfd_secret mincore mkdir mkdirat mknod mknodat mlock mlock2 mlockall mmap mprotect " +
  "mq_getsetattr mq_notify mq_open mq_timedreceive mq_timedsend mq_unlink mremap msgctl " +
  "msgget msgrcv msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep " +
  "newfstatat open openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc " +
  "pkey_free pkey_mprotect poll ppoll prctl pread64 preadv preadv2 prlimit64 process_mrelease " +
  "pselect6 pwrite64 pwritev pwritev2 read readahead readlink readlinkat readv recv recvfrom " +
  "recvmmsg recvmsg remap_file_pages removexattr rename renameat renameat2 restart_syscall " +
  "rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn " +
  "rt_sigsuspend rt_sigtimedwait rt_tgsigqueueinfo sched_getaffinity sched_getattr " +
  "sched_getparam sched_get_priority_max sched_get_priority_min sched_getscheduler " +
  "sched_rr_get_interval sched_setaffinity sched_setattr sched_setparam sched_setscheduler " +
  "sched_yield seccomp select semctl semget semop semtimedop send sendfile sendmmsg sendmsg " +
  "sendto setfsgid setfsuid setgid setgroups setitimer setpgid setpriority setregid " +
  "setresgid setresuid setreuid setrlimit set_robust_list setsid setsockopt set_thread_area " +
  "set_tid_address setuid setxattr shmat shmctl shmdt shmget shutdown sigaltstack signalfd " +
  "signalfd4 sigprocmask sigreturn socketcall socketpair splice stat statfs statx symlink " +
  "symlinkat sync sync_file_range syncfs sysinfo tee tgkill time timer_create timer_delete " +
  "timer_getoverrun timer_gettime timer_settime timerfd_create timerfd_gettime " +
  "timerfd_settime times tkill truncate umask uname unlink unlinkat utime utimensat utimes " +
  "vfork vmsplice wait4 waitid waitpid write writev"
).split(" ");

function mount(destination: string, type: string, source: string, options: string[]): unknown {
  return { destination, type, source, options };
}

/**
 * A bundle's config.json as Docker writes it (capabilities, mounts, hooks,
 * seccomp profile, masked paths), with `env` as `process.env` and `extra`
 * mounts after Docker's own.
 */
export function dockerSpec(id: string, env: readonly string[], extra: unknown[] = []): unknown {
  return {
    ociVersion: "1.2.0",
    process: {
      user: { uid: 0, gid: 0, additionalGids: [0, 1, 2, 3, 4, 6, 10, 11, 20, 26, 27] },
      args: ["/bin/sh", "-c", "sleep infinity"],
      env,
      cwd: "/",
      capabilities: { bounding: CAPS, effective: CAPS, permitted: CAPS },
      apparmorProfile: "docker-default",
      oomScoreAdj: 0,
    },
    root: { path: `/var/lib/docker/overlay2/${id}/merged` },
    hostname: id.slice(0, 12),
    mounts: [
      mount("/proc", "proc", "proc", ["nosuid", "noexec", "nodev"]),
      mount("/dev", "tmpfs", "tmpfs", ["nosuid", "strictatime", "mode=755", "size=65536k"]),
      mount("/dev/pts", "devpts", "devpts", [
        "nosuid",
        "noexec",
        "newinstance",
        "ptmxmode=0666",
        "mode=0620",
        "gid=5",
      ]),
      mount("/sys", "sysfs", "sysfs", ["nosuid", "noexec", "nodev", "ro"]),
      mount("/sys/fs/cgroup", "cgroup", "cgroup", ["ro", "nosuid", "noexec", "nodev"]),
      mount("/dev/mqueue", "mqueue", "mqueue", ["nosuid", "noexec", "nodev"]),
      mount("/dev/shm", "tmpfs", "shm", [
        "nosuid",
        "noexec",
        "nodev",
        "mode=1777",
        "size=67108864",
      ]),
      ...["resolv.conf", "hostname", "hosts"].map((f) =>
        mount(`/etc/${f}`, "bind", `/var/lib/docker/containers/${id}/${f}`, ["rbind", "rprivate"])
      ),
      ...extra,
    ],
    hooks: {
      prestart: [{
        path: "/usr/bin/nvidia-container-runtime-hook",
        args: ["nvidia-container-runtime-hook", "prestart"],
        env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
      }],
    },
    linux: {
      sysctl: { "net.ipv4.ip_unprivileged_port_start": "0", "net.ipv4.ping_group_range": "0 0" },
      resources: {
        devices: [
          { allow: false, access: "rwm" },
          { allow: true, type: "c", major: 1, minor: 5, access: "rwm" },
          { allow: true, type: "c", major: 1, minor: 3, access: "rwm" },
          { allow: true, type: "c", major: 1, minor: 9, access: "rwm" },
          { allow: true, type: "c", major: 1, minor: 8, access: "rwm" },
          { allow: true, type: "c", major: 5, minor: 0, access: "rwm" },
          { allow: true, type: "c", major: 5, minor: 1, access: "rwm" },
        ],
        memory: {},
        cpu: { shares: 0 },
        blockIO: { weight: 0 },
      },
      cgroupsPath: `system.slice:docker:${id}`,
      namespaces: ["mount", "network", "uts", "pid", "ipc", "cgroup"].map((type) => ({ type })),
      seccomp: {
        defaultAction: "SCMP_ACT_ERRNO",
        defaultErrnoRet: 1,
        architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
        syscalls: [
          { names: SYSCALLS, action: "SCMP_ACT_ALLOW" },
          {
            names: ["personality"],
            action: "SCMP_ACT_ALLOW",
            args: [{ index: 0, value: 0, op: "SCMP_CMP_EQ" }],
          },
          {
            names: ["clone"],
            action: "SCMP_ACT_ALLOW",
            args: [{ index: 0, value: 2114060288, op: "SCMP_CMP_MASKED_EQ" }],
          },
          { names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: 38 },
        ],
      },
      maskedPaths: [
        "/proc/asound",
        "/proc/acpi",
        "/proc/kcore",
        "/proc/keys",
        "/proc/latency_stats",
        "/proc/timer_list",
        "/proc/timer_stats",
        "/proc/sched_debug",
        "/proc/scsi",
        "/sys/firmware",
        "/sys/devices/virtual/powercap",
      ],
      readonlyPaths: [
        "/proc/bus",
        "/proc/fs",
        "/proc/irq",
        "/proc/sys",
        "/proc/sysrq-trigger",
      ],
    },
  };
}

/** A container id: 64 hex digits derived from `seed`. */
export function containerId(seed: number): string {
  let s = "";
  let x = (seed * 2654435761) >>> 0;
  while (s.length < 64) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += x.toString(16).padStart(8, "0");
  }
  return s.slice(0, 64);
}

/**
 * A large CUDA container: the CUDA image's environment grown to `envCount`
 * variables, and Kubernetes-style volume mounts appended until the
 * config.json text is as long as it can be without exceeding `bytes`.
 * Returns the JSON text.
 */
export function largeCudaSpecText(id: string, envCount: number, bytes: number): string {
  const env = [...CUDA_ENV];
  for (let i = env.length; i < envCount; i++) {
    env.push(`APP_SETTING_${String(i).padStart(4, "0")}=value-${containerId(i).slice(0, 40)}`);
  }
  const mounts: unknown[] = [];
  const volume = (i: number) =>
    mount(
      `/var/run/secrets/app/volume-${i}`,
      "bind",
      `/var/lib/kubelet/pods/${
        containerId(i).slice(0, 36)
      }/volumes/kubernetes.io~configmap/vol-${i}`,
      ["rbind", "rprivate", "ro"],
    );
  // Each mount adds its JSON and a comma: grow to just below `bytes`.
  let size = JSON.stringify(dockerSpec(id, env, mounts)).length;
  for (;;) {
    const next = volume(mounts.length);
    const grow = JSON.stringify(next).length + 1;
    if (size + grow > bytes) break;
    mounts.push(next);
    size += grow;
  }
  return JSON.stringify(dockerSpec(id, env, mounts));
}
