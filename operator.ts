/**
 * The operator commands of nvidia-container-runtime-hook (`help`,
 * `explain`, `check-config`, `print-oci-hook`, `print-base-spec`,
 * `print-containerd-config`, `doctor`): the I/O shell of
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
import { HostError, InputError } from "./lib/errors.ts";
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

/** What `print-containerd-config` says on stderr with a version 2 drop-in. */
const DROP_IN_V2_NOTE = `${PROGRAM}: note: containerd 1.6 and 1.7 replace a plugin's whole ` +
  "table with an imported file's, so this drop-in drops every other CRI setting of the main " +
  "config; on those versions merge it with --from CONFIG instead\n";

/** Reads stdin to its end as UTF-8; more than `cap` bytes is an error naming `what`. */
async function readStdin(cap: number, what: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of Deno.stdin.readable) {
    size += chunk.length;
    if (size > cap) throw new InputError(`Cannot read ${what}: larger than ${cap} bytes`);
    chunks.push(chunk);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}

/** A regular file's text, at most `cap` bytes. */
function readFileCapped(path: string, cap: number): string {
  let reason: string | undefined;
  try {
    const info = Deno.statSync(path);
    if (!info.isFile) reason = "not a regular file";
    else if (info.size > cap) reason = `larger than ${cap} bytes`;
    else return new TextDecoder().decode(Deno.readFileSync(path));
  } catch (e) {
    reason = errorText(e);
  }
  throw new HostError(`Cannot read ${path}: ${reason}`);
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
    case "print-base-spec": {
      const [{ ociHook }, { baseRuntimeSpec, MAX_BASE_SPEC_BYTES }] = await Promise.all([
        import("./lib/oci_hook.ts"),
        import("./lib/base_spec.ts"),
      ]);
      const hook = ociHook(options.path, options.env).hook;
      const text = await readStdin(MAX_BASE_SPEC_BYTES, "the OCI spec on stdin");
      writeAll(Deno.stdout, baseRuntimeSpec(text, hook));
      return 0;
    }
    case "print-containerd-config": {
      const { handlerDropIn, MAX_CONTAINERD_CONFIG_BYTES, mergeHandler } = await import(
        "./lib/containerd_config.ts"
      );
      const handler = {
        baseRuntimeSpec: options.baseRuntimeSpec,
        runtimeName: options.runtimeName,
        setAsDefault: options.setAsDefault,
      };
      if (options.from === undefined) {
        const version = options.configVersion ?? 3;
        const text = handlerDropIn(version, handler);
        if (version === 2) say(DROP_IN_V2_NOTE);
        writeAll(Deno.stdout, text);
        return 0;
      }
      const text = readFileCapped(options.from, MAX_CONTAINERD_CONFIG_BYTES);
      writeAll(Deno.stdout, mergeHandler(text, options.from, options.configVersion, handler));
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
