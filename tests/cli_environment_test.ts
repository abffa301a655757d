import assert from "node:assert/strict";
import { cliEnvironment } from "../lib/cli_environment.ts";

function entries(env: Record<string, string>): [string, string][] {
  return Object.entries(env);
}

Deno.test("cliEnvironment() passes the hook's environment unchanged without search or entries", () => {
  const env = cliEnvironment({ PATH: "/bin", HOME: "/root" }, undefined, []);
  assert.deepEqual(entries(env), [["PATH", "/bin"], ["HOME", "/root"]]);
});

Deno.test("cliEnvironment() gives the CLI the extended PATH when a search happened", async (t) => {
  await t.step("PATH replaced", () => {
    assert.deepEqual(
      entries(cliEnvironment({ HOME: "/root", PATH: "/bin" }, "/opt/bin:/usr/bin:/bin", [])),
      [["HOME", "/root"], ["PATH", "/opt/bin:/usr/bin:/bin"]],
    );
  });
  await t.step("PATH added when the hook had none", () => {
    assert.deepEqual(
      entries(cliEnvironment({ HOME: "/root" }, "/usr/bin:/bin", [])),
      [["HOME", "/root"], ["PATH", "/usr/bin:/bin"]],
    );
  });
});

Deno.test("cliEnvironment() lets config entries replace same-named variables", async (t) => {
  const host = { PATH: "/bin", HOME: "/root", LANG: "C" };
  const table: [string[], [string, string][]][] = [
    [["HOME=/tmp"], [["PATH", "/bin"], ["HOME", "/tmp"], ["LANG", "C"]]],
    [["NEW=1"], [["PATH", "/bin"], ["HOME", "/root"], ["LANG", "C"], ["NEW", "1"]]],
    [["A=b=c"], [["PATH", "/bin"], ["HOME", "/root"], ["LANG", "C"], ["A", "b=c"]]],
    [["LANG="], [["PATH", "/bin"], ["HOME", "/root"], ["LANG", ""]]],
    [["X=1", "X=2"], [["PATH", "/bin"], ["HOME", "/root"], ["LANG", "C"], ["X", "2"]]],
    [["PATH=/custom"], [["PATH", "/custom"], ["HOME", "/root"], ["LANG", "C"]]],
    [["lang=en"], [["PATH", "/bin"], ["HOME", "/root"], ["LANG", "C"], ["lang", "en"]]],
  ];
  for (const [config, expected] of table) {
    await t.step(JSON.stringify(config), () => {
      assert.deepEqual(entries(cliEnvironment(host, undefined, config)), expected);
    });
  }
});

Deno.test("cliEnvironment() applies config entries after the extended PATH", () => {
  assert.deepEqual(
    entries(cliEnvironment({ PATH: "/bin" }, "/usr/bin:/bin", ["PATH=/opt/only"])),
    [["PATH", "/opt/only"]],
  );
});

Deno.test("cliEnvironment() does not change the hook's environment", () => {
  const host = { PATH: "/bin", HOME: "/root" };
  cliEnvironment(host, "/usr/bin", ["HOME=/tmp", "NEW=1"]);
  assert.deepEqual(host, { PATH: "/bin", HOME: "/root" });
});

Deno.test("cliEnvironment() treats __proto__ and constructor as plain names", () => {
  const host: Record<string, string> = Object.create(null);
  host["constructor"] = "c";
  const env = cliEnvironment(host, undefined, ["__proto__=x", "toString=y"]);
  assert.equal(Object.getPrototypeOf(env), null);
  assert.deepEqual(entries(env), [["constructor", "c"], ["__proto__", "x"], ["toString", "y"]]);
  assert.equal(({} as Record<string, unknown>)["x"], undefined);
  assert.equal(typeof ({}).toString, "function");
});
