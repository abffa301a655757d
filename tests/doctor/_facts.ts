/** Helpers for the check tests: a host over a memory tree, and the hook's facts. */

import { type HookFacts, loadHookFacts } from "../../lib/doctor/checks_hook.ts";
import { type HostReader, hostReader } from "../../lib/doctor/host.ts";
import { configCandidates } from "../../lib/hook_config.ts";
import { type MemoryOptions, memoryView, type Spec } from "./_memory_view.ts";

/** The config file the built-in search finds first on these hosts. */
export const CONFIG = "/etc/nvidia-container-runtime/config.toml";

/** A reader over `tree` at root `/`. */
export function hostOf(tree: Record<string, Spec>, options: MemoryOptions = {}): HostReader {
  return hostReader(memoryView(tree, options), "/");
}

/** The hook's facts on `host`, with the built-in config search. */
export function factsOf(host: HostReader): HookFacts {
  return loadHookFacts(host, configCandidates("", {}), "/", "V 1\n");
}

/** The hook's facts with `toml` as the config file (none when `undefined`). */
export function configFacts(toml: string | undefined, tree: Record<string, Spec> = {}): HookFacts {
  return factsOf(hostOf(toml === undefined ? tree : { ...tree, [CONFIG]: toml }));
}
