/**
 * The IMEX channel request (`NVIDIA_IMEX_CHANNELS` or `imex/` mounts).
 *
 * @module
 */

import { PolicyError, quote } from "./errors.ts";

/** Channels the CLI accepts are decimal numbers below this. */
export const MAX_IMEX_CHANNEL = 2 ** 20;

/**
 * What an IMEX request asks for: `none` (nothing, also for `void` and
 * empty), `all` (which asks for no channel, as upstream's hook does since
 * toolkit 1.17.2: the CLI refuses `all`), or these channels.
 */
export type ImexRequest =
  | { kind: "none" }
  | { kind: "all" }
  | { kind: "list"; ids: readonly string[] };

/**
 * Reads IMEX channel items with the precedence of device lists: no items or
 * any `void` item is `none`; else any `all` item is `all`; else any `none`
 * item is `none`.
 *
 * @example
 * ```ts
 * imexFromItems(["0", "1"]); // { kind: "list", ids: ["0", "1"] }
 * imexFromItems(["0", "none"]); // { kind: "none" }
 * ```
 */
export function imexFromItems(ids: readonly string[]): ImexRequest {
  if (ids.length === 0 || ids.includes("void")) return { kind: "none" };
  if (ids.includes("all")) return { kind: "all" };
  if (ids.includes("none")) return { kind: "none" };
  return { kind: "list", ids };
}

/**
 * Checks that every channel of a list is a decimal number below
 * {@linkcode MAX_IMEX_CHANNEL}, the only form the CLI accepts. `from` names
 * the variable or the mounts in the error.
 *
 * @throws {PolicyError} naming `from` and the value.
 *
 * @example
 * ```ts
 * checkImexChannels({ kind: "list", ids: ["0", "3"] }, "NVIDIA_IMEX_CHANNELS"); // returns
 * checkImexChannels({ kind: "list", ids: ["x"] }, "NVIDIA_IMEX_CHANNELS"); // throws
 * ```
 */
export function checkImexChannels(request: ImexRequest, from: string): void {
  if (request.kind !== "list") return;
  for (const id of request.ids) {
    if (!/^[0-9]{1,16}$/.test(id) || Number(id) >= MAX_IMEX_CHANNEL) {
      throw new PolicyError(
        `Cannot request IMEX channel ${quote(id)} from ${from}: a channel is a decimal` +
          ` number below ${MAX_IMEX_CHANNEL}, or the only item is "all"`,
      );
    }
  }
}

/**
 * The `--imex-channel=` value, or `undefined` when no option is passed
 * (`none`, and `all`, which asks for no channel).
 *
 * @example
 * ```ts
 * imexOption({ kind: "list", ids: ["0", "3"] }); // "0,3"
 * imexOption({ kind: "all" }); // undefined
 * ```
 */
export function imexOption(request: ImexRequest): string | undefined {
  switch (request.kind) {
    case "none":
    case "all":
      return undefined;
    case "list":
      return request.ids.join(",");
  }
}
