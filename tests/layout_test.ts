/**
 * The design card's layout rules, checked on the source text: lib/ is pure
 * (no Deno.*, console or environment), nothing on the hook's startup path
 * imports node: built-ins or npm:semver, every lib export has JSDoc with an
 * example, and every lib module has its test file.
 */

import assert from "node:assert/strict";
import { HOOK_PERMISSIONS } from "../scripts/_hook_permissions.ts";
import { repoDir } from "./_hook.ts";

const LIB = `${repoDir()}/lib`;

/** The folders of lib/ that hold modules of one concern (their tests: tests/<folder>/). */
const LIB_FOLDERS = ["", "doctor/"] as const;

/** The modules of lib/ and its folders, as paths relative to lib/ (`doctor/check.ts`). */
function libFiles(): string[] {
  return LIB_FOLDERS.flatMap((folder) =>
    [...Deno.readDirSync(`${LIB}/${folder}`)].filter((e) => e.isFile && e.name.endsWith(".ts"))
      .map((e) => `${folder}${e.name}`)
  ).sort();
}

function isPrivate(path: string): boolean {
  return path.slice(path.lastIndexOf("/") + 1).startsWith("_");
}

Deno.test("every folder of lib/ is covered by these rules", () => {
  const folders = [...Deno.readDirSync(LIB)].filter((e) => e.isDirectory).map((e) => `${e.name}/`);
  assert.deepEqual(folders.sort(), LIB_FOLDERS.filter((f) => f !== "").sort());
});

Deno.test("lib/ modules do no I/O: no Deno.*, console or node process", async (t) => {
  for (const name of libFiles()) {
    await t.step(name, () => {
      const text = Deno.readTextFileSync(`${LIB}/${name}`);
      assert.doesNotMatch(text, /\bDeno\./, "uses Deno.*");
      assert.doesNotMatch(text, /\bconsole\./, "uses console");
      assert.doesNotMatch(text, /globalThis\.process|from\s+"node:process"/, "reads process");
    });
  }
});

Deno.test("main.ts, operator.ts and lib/ import no node: built-in and no npm:semver", async (t) => {
  for (const path of ["main.ts", "operator.ts", ...libFiles().map((n) => `lib/${n}`)]) {
    await t.step(path, () => {
      const text = Deno.readTextFileSync(`${repoDir()}/${path}`);
      assert.doesNotMatch(text, /from\s+"node:|import\(\s*"node:/);
      assert.doesNotMatch(text, /npm:semver/);
    });
  }
});

Deno.test("main.ts loads the TOML parser only through a dynamic import", () => {
  const text = Deno.readTextFileSync(`${repoDir()}/main.ts`);
  assert.doesNotMatch(text, /^import[^;]*parse_config\.ts/m);
  assert.match(text, /await import\("\.\/lib\/parse_config\.ts"\)/);
});

Deno.test("main.ts loads doctor's modules only through a dynamic import", () => {
  const text = Deno.readTextFileSync(`${repoDir()}/main.ts`);
  assert.doesNotMatch(text, /^import[^;]*lib\/doctor\//m);
  const operator = Deno.readTextFileSync(`${repoDir()}/operator.ts`);
  assert.doesNotMatch(operator, /^import[^;]*lib\/doctor\//m);
  assert.match(operator, /await import\("\.\/lib\/doctor\/doctor\.ts"\)/);
});

Deno.test("main.ts loads operator.ts only through the computed import that keeps it out of the hook's bundle", () => {
  const text = Deno.readTextFileSync(`${repoDir()}/main.ts`);
  const imports = text.match(/^import[^;]*;/gms) ?? [];
  for (const line of imports) assert.doesNotMatch(line, /operator\.ts/);
  assert.doesNotMatch(text, /(?<!typeof )import\(\s*"\.\/operator\.ts"\s*\)/);
  const loads = imports.filter((line) => !line.startsWith("import type "));
  for (const name of ["explain", "check_config", "oci_hook", "parse_command_args", "stable_json"]) {
    const module = `./lib/${name}.ts`;
    assert.ok(!text.includes(`import("${module}")`), `main.ts imports ${module}`);
    for (const line of loads) assert.ok(!line.includes(`"${module}"`), `main.ts imports ${module}`);
  }
});

Deno.test("the bundle task bundles main.ts and operator.ts beside it; compile includes the second", () => {
  const config = JSON.parse(Deno.readTextFileSync(`${repoDir()}/deno.json`));
  const bundles = (config.tasks.bundle as string).split(" && ").filter((c) =>
    c.startsWith("deno bundle ")
  ).map((c) => c.split(" "));
  assert.deepEqual(bundles.map((w) => [w[w.indexOf("--output") + 1], w[w.length - 1]]), [
    ["dist/nvidia-container-runtime-hook.js", "main.ts"],
    ["dist/nvidia-container-runtime-hook-operator.js", "operator.ts"],
  ]);
  const compile =
    (config.tasks.compile as string).split(" && ").find((c) => c.startsWith("deno compile ")) ?? "";
  assert.match(compile, / --include dist\/nvidia-container-runtime-hook-operator\.js /);
});

Deno.test("every export of lib/ has JSDoc", async (t) => {
  for (const name of libFiles()) {
    await t.step(name, () => {
      const lines = Deno.readTextFileSync(`${LIB}/${name}`).split("\n");
      lines.forEach((line, i) => {
        if (!/^export (function|const|class|type|interface) /.test(line)) return;
        let j = i - 1;
        while (j >= 0 && (lines[j] as string).trim() === "") j--;
        assert.match(lines[j] ?? "", /\*\/\s*$/, `no JSDoc before line ${i + 1}: ${line}`);
      });
    });
  }
});

Deno.test("every public lib/ module has a test file", async (t) => {
  for (const name of libFiles().filter((n) => !isPrivate(n))) {
    await t.step(name, () => {
      const test = `${repoDir()}/tests/${name.replace(/\.ts$/, "_test.ts")}`;
      assert.ok(Deno.statSync(test).isFile, `missing ${test}`);
    });
  }
});

Deno.test("the compile task grants exactly the permissions the launchers use", () => {
  const config = JSON.parse(Deno.readTextFileSync(`${repoDir()}/deno.json`));
  const compile = (config.tasks.compile as string).split(" && ").find((c) =>
    c.startsWith("deno compile ")
  );
  assert.ok(compile !== undefined, "the compile task runs deno compile");
  const words: string[] = compile.split(" ");
  const flags = words.filter((w) => /^--(allow|deny|no-prompt)/.test(w) || w === "-A");
  assert.deepEqual(flags, [...HOOK_PERMISSIONS]);
});
