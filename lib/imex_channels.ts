/**
 * The IMEX channel request (`NVIDIA_IMEX_CHANNELS` or `imex/` mounts).
 *
 * @module
 */

/**
 * What an IMEX request asks for: `none` (nothing, also for `void` and
 * empty), `all` (passed as `all`), or these channels.
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
 * The `--imex-channel=` value, or `undefined` when no option is passed.
 *
 * @example
 * ```ts
 * imexOption({ kind: "list", ids: ["0", "3"] }); // "0,3"
 * ```
 */
export function imexOption(request: ImexRequest): string | undefined {
  switch (request.kind) {
    case "none":
      return undefined;
    case "all":
      return "all";
    case "list":
      return request.ids.join(",");
  }
}
