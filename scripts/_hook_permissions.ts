/**
 * The permission flags the hook binary is compiled with (the `compile` task
 * of deno.json). Every launcher that runs main.ts from source (tests, demo,
 * benchmark) uses exactly these; tests/layout_test.ts checks the task.
 *
 * @module
 */

/** `--allow-read --allow-env --allow-run --no-prompt`: no write, net, ffi or sys. */
export const HOOK_PERMISSIONS: readonly string[] = [
  "--allow-read",
  "--allow-env",
  "--allow-run",
  "--no-prompt",
];
