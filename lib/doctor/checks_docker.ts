/**
 * `doctor`'s checks of Docker: /etc/docker/daemon.json and its runtimes,
 * and whether a running dockerd found this hook (`docker run --gpus` needs
 * `nvidia-container-runtime-hook` on dockerd's `PATH` when dockerd starts).
 *
 * @module
 */

import { parseJson } from "../_json.ts";
import { DEFAULT_BIN_DIRS } from "../cli_search_dirs.ts";
import { quote } from "../errors.ts";
import { type Check, fail, listed, ok, warn } from "./check.ts";
import type { HostReader, ReadResult } from "./host.ts";
import { findProcesses, lookPath, type ProcessInfo, processPath, processStartMs } from "./_proc.ts";

/** Docker's config file. */
export const DAEMON_JSON = "/etc/docker/daemon.json";

/** Largest daemon.json read, in bytes. */
const MAX_DAEMON_JSON_BYTES = 1024 * 1024;

/** The program dockerd looks up to offer `--gpus`. */
export const HOOK_NAME = "nvidia-container-runtime-hook";

/** The error of `docker run --gpus` when dockerd did not find the hook. */
export const NO_GPU_DRIVER = 'could not select device driver "" with capabilities: [[gpu]]';

/** Slack between the hook's mtime and dockerd's start, in milliseconds. */
const START_SLACK_MS = 1000;

/** A runtime of daemon.json. */
export interface DockerRuntime {
  name: string;
  /** `path` as written, or `undefined` when it is not a string. */
  path: string | undefined;
  /** The executable it names, when found. */
  resolved: string | undefined;
}

/** A running dockerd. */
export interface Dockerd {
  pid: number;
  /** Its `PATH` (`undefined` value: none). */
  path: ReadResult<string | undefined>;
  /** The hook on that `PATH`, and its mtime. */
  hook: { path: string; mtimeMs: number } | undefined;
  /** When it started (ms since the epoch). */
  startMs: ReadResult<number>;
}

/** What `doctor` found of Docker. */
export interface DockerFacts {
  /** /etc/docker, a dockerd binary or a dockerd process exists. */
  installed: boolean;
  daemonJson:
    | { state: "missing" }
    | { state: "error"; error: string }
    | { state: "ok"; doc: Record<string, unknown> };
  /** Running dockerd processes, or why /proc cannot tell. */
  dockerd: ReadResult<Dockerd[]>;
  /** The runtimes of daemon.json (`undefined`: `runtimes` is not an object). */
  runtimes: DockerRuntime[] | undefined;
  /** `native.cgroupdriver` of daemon.json's `exec-opts`, when set. */
  cgroupDriver: string | undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function readDaemonJson(host: HostReader): DockerFacts["daemonJson"] {
  const read = host.readText(DAEMON_JSON, MAX_DAEMON_JSON_BYTES);
  if (!read.ok) {
    return read.error === "no such file or directory"
      ? { state: "missing" }
      : { state: "error", error: `Cannot read ${DAEMON_JSON}: ${read.error}` };
  }
  const parsed = parseJson(read.value);
  if (!parsed.ok) return { state: "error", error: `Cannot parse ${DAEMON_JSON}: ${parsed.reason}` };
  if (!isObject(parsed.value)) {
    return { state: "error", error: `Cannot parse ${DAEMON_JSON}: not a JSON object` };
  }
  return { state: "ok", doc: parsed.value };
}

function dockerdOf(host: HostReader, p: ProcessInfo): Dockerd {
  const path = processPath(host, p.pid);
  const hookPath = path.ok && path.value !== undefined
    ? lookPath(host, path.value, HOOK_NAME)
    : undefined;
  const entry = hookPath === undefined ? undefined : host.stat(hookPath);
  return {
    pid: p.pid,
    path,
    hook: hookPath === undefined || entry === undefined
      ? undefined
      : { path: hookPath, mtimeMs: entry.mtimeMs },
    startMs: processStartMs(host, p.pid),
  };
}

/**
 * Gathers what the Docker checks need: daemon.json, its runtimes (a bare
 * name is looked up in dockerd's `PATH`, else the default directories), and
 * each running dockerd.
 *
 * @example
 * ```ts
 * loadDockerFacts(host).installed; // false on a host without Docker
 * ```
 */
export function loadDockerFacts(host: HostReader): DockerFacts {
  const processes = findProcesses(host, ["dockerd"]);
  const dockerd: ReadResult<Dockerd[]> = processes.ok
    ? { ok: true, value: processes.value.map((p) => dockerdOf(host, p)) }
    : processes;
  const defaults = DEFAULT_BIN_DIRS.join(":");
  const installed = host.stat("/etc/docker")?.kind === "dir" ||
    lookPath(host, defaults, "dockerd") !== undefined ||
    (dockerd.ok && dockerd.value.length > 0);
  const daemonJson = readDaemonJson(host);
  const doc = daemonJson.state === "ok" ? daemonJson.doc : {};
  const firstPath = dockerd.ok
    ? dockerd.value.map((d) => d.path).find((p) => p.ok && p.value !== undefined)
    : undefined;
  const searchPath = firstPath?.ok ? firstPath.value ?? defaults : defaults;
  let runtimes: DockerRuntime[] | undefined = [];
  if (Object.hasOwn(doc, "runtimes")) {
    const table = doc["runtimes"];
    runtimes = isObject(table)
      ? Object.keys(table).sort().map((name) => {
        const entry = table[name];
        const path = isObject(entry) && typeof entry["path"] === "string"
          ? entry["path"]
          : undefined;
        let resolved: string | undefined;
        if (path !== undefined && path.startsWith("/")) {
          resolved = host.isExecutable(path) ? path : undefined;
        } else if (path !== undefined && path !== "" && !path.includes("/")) {
          resolved = lookPath(host, searchPath, path);
        }
        return { name, path, resolved };
      })
      : undefined;
  }
  const opts = Array.isArray(doc["exec-opts"]) ? doc["exec-opts"] : [];
  const driver = opts.filter((o): o is string => typeof o === "string")
    .map((o) => /^native\.cgroupdriver\s*=\s*(.*)$/.exec(o)?.[1]?.trim())
    .filter((d) => d !== undefined).at(-1);
  return { installed, daemonJson, dockerd, runtimes, cgroupDriver: driver };
}

const NOT_INSTALLED =
  "skipped: Docker is not installed (no /etc/docker, dockerd binary or process)";
const RESTART = "systemctl restart docker";

function daemonJsonCheck(f: DockerFacts): Check {
  if (!f.installed) return ok("docker.daemon-json", NOT_INSTALLED);
  switch (f.daemonJson.state) {
    case "missing":
      return ok("docker.daemon-json", `no ${DAEMON_JSON}: Docker's defaults`);
    case "error":
      return fail(
        "docker.daemon-json",
        f.daemonJson.error,
        `fix ${DAEMON_JSON} (dockerd does not start with it), then ${RESTART}`,
      );
    case "ok":
      return ok("docker.daemon-json", `${DAEMON_JSON} parses`);
  }
}

function runtimesCheck(f: DockerFacts): Check {
  if (!f.installed) return ok("docker.runtimes", NOT_INSTALLED);
  if (f.daemonJson.state === "error") {
    return ok("docker.runtimes", `skipped: ${DAEMON_JSON} does not load (see docker.daemon-json)`);
  }
  if (f.runtimes === undefined) {
    return fail(
      "docker.runtimes",
      `"runtimes" of ${DAEMON_JSON} is not an object`,
      `fix "runtimes" in ${DAEMON_JSON}, then ${RESTART}`,
    );
  }
  if (f.runtimes.length === 0) {
    return ok(
      "docker.runtimes",
      "no runtimes registered: docker run --gpus runs the hook through runc",
    );
  }
  const bad = f.runtimes.find((r) => r.resolved === undefined);
  if (bad !== undefined) {
    const name = quote(bad.name);
    const why = bad.path === undefined
      ? `runtime ${name} has no "path" string`
      : bad.path.startsWith("/")
      ? `runtime ${name}: ${bad.path} is not an executable file`
      : bad.path.includes("/") || bad.path === ""
      ? `runtime ${name}: path ${quote(bad.path)} is neither absolute nor a program name`
      : `runtime ${name}: ${quote(bad.path)} is not found in dockerd's PATH`;
    return fail(
      "docker.runtimes",
      `${DAEMON_JSON}: ${why}`,
      `install the runtime (nvidia-container-runtime comes with nvidia-container-toolkit) or fix runtimes.${bad.name}.path in ${DAEMON_JSON}, then ${RESTART}`,
    );
  }
  return ok("docker.runtimes", listed(f.runtimes.map((r) => `${r.name} => ${r.resolved}`)));
}

function hookPathCheck(f: DockerFacts): Check {
  if (!f.installed) return ok("docker.hook-path", NOT_INSTALLED);
  if (!f.dockerd.ok) {
    return warn(
      "docker.hook-path",
      `${f.dockerd.error}: cannot tell whether dockerd runs`,
      "run doctor as root, with /proc mounted",
    );
  }
  if (f.dockerd.value.length === 0) {
    return ok("docker.hook-path", "skipped: dockerd is not running");
  }
  for (const d of f.dockerd.value) {
    if (!d.path.ok) {
      return warn(
        "docker.hook-path",
        `dockerd (pid ${d.pid}): ${d.path.error}`,
        "run doctor as root, with /proc mounted",
      );
    }
    if (d.hook === undefined) {
      const path = d.path.value === undefined ? "no PATH" : `PATH=${d.path.value}`;
      return fail(
        "docker.hook-path",
        `${HOOK_NAME} is not on the PATH of dockerd (pid ${d.pid}, ${path}): docker run --gpus fails with ${NO_GPU_DRIVER}`,
        `install the hook as /usr/bin/${HOOK_NAME}, then ${RESTART}`,
      );
    }
  }
  return ok(
    "docker.hook-path",
    listed(f.dockerd.value.map((d) => `dockerd (pid ${d.pid}) finds ${d.hook?.path}`)),
  );
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.[0-9]{3}Z$/, "Z");
}

function hookRestartCheck(f: DockerFacts): Check {
  if (!f.installed) return ok("docker.hook-restart", NOT_INSTALLED);
  const running = f.dockerd.ok ? f.dockerd.value.filter((d) => d.hook !== undefined) : [];
  if (running.length === 0) {
    return ok(
      "docker.hook-restart",
      "skipped: no running dockerd finds the hook (see docker.hook-path)",
    );
  }
  for (const d of running) {
    const hook = d.hook as { path: string; mtimeMs: number };
    if (!d.startMs.ok) {
      return warn(
        "docker.hook-restart",
        `cannot tell when dockerd (pid ${d.pid}) started: ${d.startMs.error}`,
        `if docker run --gpus fails, ${RESTART}`,
      );
    }
    if (hook.mtimeMs > d.startMs.value + START_SLACK_MS) {
      return warn(
        "docker.hook-restart",
        `${hook.path} changed (${iso(hook.mtimeMs)}) after dockerd (pid ${d.pid}) started (${
          iso(d.startMs.value)
        }): dockerd looks the hook up once, at start; if it was missing then, docker run --gpus fails with ${NO_GPU_DRIVER}`,
        RESTART,
      );
    }
  }
  return ok(
    "docker.hook-restart",
    listed(
      running.map((d) => `dockerd (pid ${d.pid}) started after ${d.hook?.path} was installed`),
    ),
  );
}

/**
 * The checks of Docker, in report order: `docker.daemon-json`,
 * `docker.runtimes`, `docker.hook-path`, `docker.hook-restart`.
 *
 * @example
 * ```ts
 * dockerChecks(loadDockerFacts(host)).length; // 4
 * ```
 */
export function dockerChecks(facts: DockerFacts): Check[] {
  return [
    daemonJsonCheck(facts),
    runtimesCheck(facts),
    hookPathCheck(facts),
    hookRestartCheck(facts),
  ];
}
