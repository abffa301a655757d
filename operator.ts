/**
 * The operator commands of nvidia-container-runtime-hook (`help`,
 * `explain`, `check-config`, `print-oci-hook`, `doctor`): the I/O shell of
 * the commands a person runs, kept out of main.ts so that `prestart`, which
 * every container start runs, loads none of them. main.ts imports this
 * module only for an operator command; the bundle task bundles it on its
 * own, beside the hook's bundle. Nothing runs at module scope.
 *
 * @module
 */

import { resolvePath } from "./lib/clean_path.ts";
import type { ConfigCandidate } from "./lib/hook_config.ts";
import { hostPath } from "./lib/host_path.ts";
import { HostError } from "./lib/errors.ts";
import { type Invocation, usage } from "./lib/parse_args.ts";
import {
  configSearch,
  decide,
  doctorView,
  errorText,
  type Facts,
  findConfig,
  knownMessage,
  PROGRAM,
  readState,
  reportError,
  say,
  type StateSource,
  tracer,
  versionText,
  writeAll,
} from "./main.ts";

/**
 * For `explain`: the error that spawning `path` would give `prestart` (a
 * configured path is not checked before it is run).
 */
function checkRunnable(path: string): void {
  let reason: string | undefined;
  try {
    const info = Deno.statSync(path);
    if (!info.isFile || ((info.mode ?? 0) & 0o111) === 0) reason = "permission denied";
  } catch (e) {
    reason = errorText(e);
  }
  if (reason !== undefined) {
    throw new HostError(`Cannot run nvidia-container-cli ${JSON.stringify(path)}: ${reason}`);
  }
}

/**
 * Runs the operator command of `invocation` and returns the exit status;
 * its errors are reported here, by main.ts's `reportError` as bundled with
 * this module, whose `instanceof` knows this module's error classes.
 */
export async function operator(
  invocation: Extract<Invocation, { kind: "operator" }>,
): Promise<number> {
  try {
    return await run(invocation);
  } catch (e) {
    return reportError(e, invocation.debug);
  }
}

async function run(invocation: Extract<Invocation, { kind: "operator" }>): Promise<number> {
  const { parseCommandArgs } = await import("./lib/parse_command_args.ts");
  const { stableJson } = await import("./lib/stable_json.ts");
  const options = parseCommandArgs(invocation.command, invocation.args);
  switch (options.command) {
    case "help":
      say(usage(PROGRAM));
      return 0;
    case "explain": {
      const { explainReport, formatExplain } = await import("./lib/explain.ts");
      const facts: Facts = { configFile: null, configOrigin: "", texts: {} };
      const state: StateSource = options.bundle === undefined
        ? { kind: "stdin" }
        : { kind: "bundle", dir: options.bundle };
      if (state.kind === "bundle") Object.assign(facts, readState(state));
      try {
        const configPath = options.configPath ?? invocation.configPath;
        await decide(
          facts,
          { debug: invocation.debug, configPath, state },
          tracer(invocation.debug),
        );
        if (facts.cli !== undefined) checkRunnable(facts.cli.path);
      } catch (e) {
        const message = knownMessage(e);
        if (message === undefined) throw e;
        facts.error = message;
      }
      const report = explainReport(facts);
      writeAll(Deno.stdout, options.json ? stableJson(report) : formatExplain(report));
      return report.error === null ? 0 : 1;
    }
    case "check-config": {
      const { checkConfig, formatCheckReport, noConfigReport } = await import(
        "./lib/check_config.ts"
      );
      const candidates: ConfigCandidate[] = options.file === undefined || options.file === ""
        ? configSearch(invocation.configPath)
        : [{ path: options.file, required: true, origin: "argument" }];
      let last: ConfigCandidate | undefined;
      let report;
      try {
        const found = findConfig(candidates, (c) => (last = c));
        report = found === undefined
          ? noConfigReport()
          : checkConfig(found.text, found.path, found.origin);
      } catch (e) {
        const message = knownMessage(e);
        if (message === undefined) throw e;
        const where = { file: last?.path ?? null, origin: last?.origin ?? "" };
        report = { ...where, settings: [], warnings: [], error: message };
      }
      writeAll(Deno.stdout, options.json ? stableJson(report) : formatCheckReport(report));
      return report.error === null ? 0 : 1;
    }
    case "print-oci-hook": {
      const { ociHook } = await import("./lib/oci_hook.ts");
      writeAll(Deno.stdout, stableJson(ociHook(options.path, options.env)));
      return 0;
    }
    case "doctor": {
      const { formatDoctor, hasFailure, runDoctor } = await import("./lib/doctor/doctor.ts");
      const report = await runDoctor({
        view: doctorView(),
        root: resolvePath(Deno.cwd(), options.root ?? "/"),
        version: await versionText(),
        candidates: configSearch(invocation.configPath),
        cwd: Deno.cwd(),
        pathEnv: hostPath(Deno.env.get("PATH")),
      });
      writeAll(Deno.stdout, options.json ? stableJson(report) : formatDoctor(report));
      return hasFailure(report) ? 1 : 0;
    }
  }
}
