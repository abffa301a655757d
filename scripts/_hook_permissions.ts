/**
 * The permission flags the hook binary is compiled with (the `compile` task
 * of deno.json). Every launcher that runs main.ts from source (tests, demo,
 * benchmark) uses exactly these; tests/layout_test.ts checks the task.
 *
 * @module
 */

/**
 * `--allow-read --allow-env --allow-run --allow-ffi --allow-write=/var/log,/run
 * --no-prompt`: no net or sys. `--allow-ffi` is for `execve` (the hook
 * becomes the CLI); write is for the CLI version cache under /run and the
 * decision log under /var/log or /run.
 */
export const HOOK_PERMISSIONS: readonly string[] = [
  "--allow-read",
  "--allow-env",
  "--allow-run",
  "--allow-ffi",
  "--allow-write=/var/log,/run",
  "--no-prompt",
];
