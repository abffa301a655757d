/**
 * Post-processing step of the `bundle` task: makes V8 compile the bundle's
 * functions when it compiles the script, so that they land in Deno's V8
 * code cache, instead of compiling each one lazily from source on every
 * start.
 *
 * V8 compiles a function lazily (on its first call) unless it is a
 * parenthesized function expression, which it takes as "called at once" and
 * compiles eagerly with the script. Deno caches the script's compiled code
 * (its V8 code cache) from that first compile, so lazily compiled functions
 * are never cached: the hook, which runs each function about once per start
 * and then execs, paid for compiling all of prestart's functions on every
 * start (several ms, "(program)" in a --cpu-prof profile). This step turns
 * every top-level `function name(...) {...}` of the bundle, except in the
 * modules of the operator commands ({@linkcode OPERATOR_MODULES}), into
 * `var name = (function name(...) {...});`: same name, same body, same
 * `this` and `arguments`; only hoisting differs, and the bundle's top level
 * calls none of them before it has run past their definitions (the step
 * checks that by loading the result: its top level must run without error;
 * main.ts does nothing at module scope but define).
 *
 * Run: deno run --allow-read --allow-write=dist scripts/_eager_functions.ts FILE
 *
 * @module
 */

const DECLARATION = /^(async )?function(\*?) ([A-Za-z_$][\w$]*)\(/;

/** The `// path` line esbuild writes before each module's code. */
const SECTION = /^\/\/ ([\w./-]+\.(?:ts|json))$/;

/**
 * Modules only the operator commands load (main.ts imports them in
 * `operator()`): their functions stay lazy, so that prestart neither loads
 * their compiled code from the cache nor compiles them when there is no
 * cache. A module missing here is only made eager (correct, a little more
 * to load).
 */
export const OPERATOR_MODULES: readonly string[] = [
  "lib/doctor/",
  "lib/explain.ts",
  "lib/check_config.ts",
  "lib/oci_hook.ts",
  "lib/stable_json.ts",
  "lib/parse_command_args.ts",
  "lib/did_you_mean.ts",
  "lib/config_keys.ts",
];

/** `text` with its top-level function declarations made eager (see the module doc). */
export function eagerFunctions(text: string): { text: string; count: number } {
  const lines = text.split("\n");
  const out: string[] = [];
  let open: string | undefined;
  let count = 0;
  let lazy = false;
  for (const line of lines) {
    const section = open === undefined ? SECTION.exec(line) : null;
    if (section !== null) lazy = OPERATOR_MODULES.some((m) => section[1]!.startsWith(m));
    const m = open === undefined && !lazy ? DECLARATION.exec(line) : null;
    if (m !== null) {
      const name = m[3]!;
      if (line.endsWith("}")) {
        out.push(`var ${name} = (${line});`);
      } else {
        out.push(`var ${name} = (${line}`);
        open = name;
      }
      count++;
    } else if (open !== undefined && line === "}") {
      out.push("});");
      open = undefined;
    } else {
      out.push(line);
    }
  }
  if (open !== undefined) throw new Error(`function ${open} has no closing line "}"`);
  return { text: out.join("\n"), count };
}

function fail(message: string): never {
  Deno.stderr.writeSync(new TextEncoder().encode(`_eager_functions: ${message}\n`));
  Deno.exit(1);
}

if (import.meta.main) {
  const file = Deno.args[0];
  if (file === undefined || Deno.args.length !== 1) {
    fail("usage: deno run --allow-read --allow-write=dist scripts/_eager_functions.ts FILE");
  }
  const { text, count } = eagerFunctions(Deno.readTextFileSync(file));
  if (count === 0) {
    fail(`no top-level function in ${file}`);
  }
  Deno.writeTextFileSync(file, text);
  // The bundle's top level must still run (it only defines; main() is not called).
  const url = new URL(file, `file://${Deno.cwd()}/`).href;
  const module = await import(url);
  if (typeof module.main !== "function") {
    fail(`${file} does not export main after the rewrite`);
  }
}
