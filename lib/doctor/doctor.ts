/**
 * `doctor`: whether this host is ready for GPU containers, and what to fix.
 * Runs the checks of every section in a fixed order over a read-only view
 * of the host, and formats the report.
 *
 * @module
 */

import { escapeControls } from "../_escape.ts";
import { HostError } from "../errors.ts";
import type { ConfigCandidate } from "../hook_config.ts";
import { type Check, CHECK_IDS, type CheckId, fail, type Status } from "./check.ts";
import { cgroupsCheck } from "./checks_cgroups.ts";
import { cliChecks, loadCliFacts } from "./checks_cli.ts";
import { containerdChecks, isNvidiaRuntime, loadContainerdFacts } from "./checks_containerd.ts";
import { dockerChecks, HOOK_NAME, loadDockerFacts } from "./checks_docker.ts";
import { driverChecks } from "./checks_driver.ts";
import { hookChecks, loadHookFacts } from "./checks_hook.ts";
import { hooksDChecks, isNvidiaHook, loadHooksDFacts } from "./checks_hooks_d.ts";
import { modeCheck } from "./checks_mode.ts";
import { hostReader, type HostView } from "./host.ts";
import { DEFAULT_BIN_DIRS } from "../cli_search_dirs.ts";
import { lookPath } from "./_proc.ts";

/** What `doctor` is run with. */
export interface DoctorInput {
  /** The host's I/O. */
  view: HostView;
  /** The host root every path is read under (`/`: this host). */
  root: string;
  /** What `-version` prints. */
  version: string;
  /** Where `prestart` looks for its config file (`configCandidates`). */
  candidates: readonly ConfigCandidate[];
  /** The working directory, for relative config and CLI paths. */
  cwd: string;
  /** The `PATH` the CLI is searched in. */
  pathEnv: string | undefined;
}

/** The report, as `--json` prints it. */
export interface DoctorReport {
  schema: 1;
  /** Every check of {@linkcode CHECK_IDS}, in that order. */
  checks: Check[];
}

/** The sections of the report, by id prefix, with their titles. */
export const SECTIONS: ReadonlyMap<string, string> = new Map([
  ["hook", "This hook"],
  ["cli", "nvidia-container-cli"],
  ["driver", "NVIDIA driver"],
  ["docker", "Docker"],
  ["containerd", "containerd"],
  ["hooks-d", "Podman and CRI-O (OCI hooks.d)"],
  ["mode", "Mode"],
  ["cgroups", "cgroups"],
]);

function sectionIds(prefix: string): CheckId[] {
  return CHECK_IDS.filter((id) => id.startsWith(`${prefix}.`));
}

/** Runs `fn`; a bug in it fails its section's checks instead of the command. */
async function guarded(prefix: string, fn: () => Check[] | Promise<Check[]>): Promise<Check[]> {
  try {
    return await fn();
  } catch (e) {
    const why = escapeControls(e instanceof Error ? e.message : String(e));
    return sectionIds(prefix).map((id) =>
      fail(id, `Internal error: ${why}`, "report this as a bug of nvidia-container-runtime-hook")
    );
  }
}

function tryOr<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/**
 * Runs every check against the host. Reads only; runs nothing but the CLI
 * it finds, with `--version`.
 *
 * @throws {HostError} when the root is not a directory.
 *
 * @example
 * ```ts
 * const report = await runDoctor({ view, root: "/", version: "v 1\n", candidates: [], cwd: "/", pathEnv: "/usr/bin" });
 * report.checks[0]?.id; // "hook.version"
 * ```
 */
export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const host = hostReader(input.view, input.root);
  if (host.stat("/")?.kind !== "dir") {
    throw new HostError(`Cannot read --root ${JSON.stringify(input.root)}: not a directory`);
  }
  const hook = loadHookFacts(host, input.candidates, input.cwd, input.version);
  const docker = tryOr(() => loadDockerFacts(host), undefined);
  const containerd = tryOr(() => loadContainerdFacts(host), undefined);
  const hooksD = tryOr(() => loadHooksDFacts(host), undefined);
  const must = <T>(facts: T | undefined, what: string): T => {
    if (facts === undefined) throw new Error(`cannot gather the ${what} facts`);
    return facts;
  };
  const checks = [
    ...await guarded("hook", () => hookChecks(hook, host)),
    ...await guarded("cli", async () => {
      const cli = await loadCliFacts(host, hook.config, input.pathEnv, input.cwd);
      return cliChecks(cli, hook, host);
    }),
    ...await guarded("driver", () => driverChecks(host, hook.config)),
    ...await guarded("docker", () => dockerChecks(must(docker, "Docker"))),
    ...await guarded("containerd", () => containerdChecks(must(containerd, "containerd"))),
    ...await guarded("hooks-d", () => hooksDChecks(must(hooksD, "hooks.d"))),
    ...await guarded("mode", () => {
      const hookVia: string[] = [];
      if (hooksD?.files.some(isNvidiaHook)) hookVia.push("hooks.d");
      const dockerd = docker?.dockerd.ok ? docker.dockerd.value : [];
      const idle = docker?.installed === true && dockerd.length === 0 &&
        lookPath(host, DEFAULT_BIN_DIRS.join(":"), HOOK_NAME) !== undefined;
      if (dockerd.some((d) => d.hook !== undefined) || idle) hookVia.push("docker --gpus");
      const runtimeVia: string[] = [];
      const nvidiaPath = (p: string | undefined) =>
        (p?.slice(p.lastIndexOf("/") + 1) ?? "").startsWith("nvidia-container-runtime");
      if (docker?.runtimes?.some((r) => nvidiaPath(r.path))) runtimeVia.push("docker");
      if (containerd?.runtimes.some((r) => isNvidiaRuntime(r) && r.binaryName !== undefined)) {
        runtimeVia.push("containerd");
      }
      return [modeCheck(hook, { hook: hookVia, runtime: runtimeVia })];
    }),
    ...await guarded("cgroups", () => [
      cgroupsCheck(host, {
        docker: docker?.installed ?? false,
        dockerDriver: docker?.cgroupDriver,
        containerdSystemd: containerd?.runtimes.some((r) => r.systemdCgroup) ?? false,
        hooksD: hooksD?.installed ?? false,
      }),
    ]),
  ];
  return { schema: 1, checks };
}

const LABELS: Record<Status, string> = { ok: "ok  ", warn: "warn", fail: "FAIL" };

/**
 * Whether the report has a failing check (`doctor` then exits 1).
 *
 * @example
 * ```ts
 * hasFailure({ schema: 1, checks: [] }); // false
 * ```
 */
export function hasFailure(report: DoctorReport): boolean {
  return report.checks.some((c) => c.status === "fail");
}

/**
 * The text report: one line per check under its section's title, the
 * status first (`ok`, `warn`, `FAIL`) and the fix after `--`, then a
 * summary line. Control characters are escaped.
 *
 * @example
 * ```ts
 * formatDoctor({ schema: 1, checks: [] }).trimEnd().split("\n").at(-1);
 * // "summary: 0 ok, 0 warn, 0 FAIL: ready for GPU containers"
 * ```
 */
export function formatDoctor(report: DoctorReport): string {
  const lines: string[] = [];
  for (const [prefix, title] of SECTIONS) {
    const checks = report.checks.filter((c) => c.id.startsWith(`${prefix}.`));
    if (checks.length === 0) continue;
    lines.push(title);
    for (const c of checks) {
      const fix = c.fix === "" ? "" : ` -- fix: ${c.fix}`;
      lines.push(`  ${LABELS[c.status]} ${c.id}: ${c.message}${fix}`);
    }
    lines.push("");
  }
  const count = (s: Status) => report.checks.filter((c) => c.status === s).length;
  const verdict = hasFailure(report) ? "not ready for GPU containers" : "ready for GPU containers";
  lines.push(
    `summary: ${count("ok")} ok, ${count("warn")} warn, ${count("fail")} FAIL: ${verdict}`,
  );
  return lines.map(escapeControls).join("\n") + "\n";
}
