/**
 * The shell fallback against the real `/bin/sh` and the host's tools, on a
 * temp tree, compared with what Deno itself reports; and its parsing of
 * unexpected output.
 */

import assert from "node:assert/strict";
import {
  makeDev,
  SHELL_READER,
  shellLstat,
  shellReadDir,
  shellReadFiles,
  shellReadLink,
  type ShellRunner,
} from "../../lib/doctor/shell_fallback.ts";

const realShell: ShellRunner = (args) => {
  const out = new Deno.Command("/bin/sh", {
    args: [...args],
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "null",
  }).outputSync();
  return { code: out.code, stdout: out.stdout };
};

function fake(text: string, code = 0): ShellRunner {
  return () => ({ code, stdout: new TextEncoder().encode(text) });
}

/** Effective uid 0 (`id -u`: Deno.uid() needs --allow-sys); mknod needs it. */
const isRoot =
  new TextDecoder().decode(new Deno.Command("id", { args: ["-u"] }).outputSync().stdout) ===
    "0\n";

function tree() {
  const tmp = Deno.makeTempDirSync({ prefix: "hook-shell-" });
  Deno.writeTextFileSync(`${tmp}/file`, "hello\n");
  Deno.writeFileSync(`${tmp}/binary`, new Uint8Array([0, 1, 0xff, 0x0a, 0, 0x20]));
  Deno.writeTextFileSync(`${tmp}/empty`, "");
  Deno.writeTextFileSync(`${tmp}/big`, "x".repeat(100));
  Deno.writeTextFileSync(`${tmp}/space name`, "s");
  Deno.mkdirSync(`${tmp}/dir`);
  Deno.symlinkSync("file", `${tmp}/link`);
  new Deno.Command("mkfifo", { args: [`${tmp}/fifo`] }).outputSync();
  if (isRoot) new Deno.Command("mknod", { args: [`${tmp}/nvidia0`, "c", "195", "0"] }).outputSync();
  return { tmp, done: () => Deno.removeSync(tmp, { recursive: true }) };
}

Deno.test("SHELL_READER sets its own PATH and is one script", () => {
  assert.ok(SHELL_READER.startsWith("PATH=/usr/local/sbin:"), SHELL_READER);
  assert.ok(SHELL_READER.includes("case $op in"));
});

Deno.test("shellLstat() reports what Deno's lstat reports", async (t) => {
  const { tmp, done } = tree();
  try {
    const names = ["file", "binary", "empty", "dir", "link", "fifo", "space name"];
    if (isRoot) names.push("nvidia0");
    for (const name of names) {
      await t.step(name, () => {
        const deno = Deno.lstatSync(`${tmp}/${name}`);
        const sh = shellLstat(realShell, `${tmp}/${name}`);
        assert.equal(sh.mode, deno.mode);
        assert.equal(sh.rdev, deno.rdev);
        assert.equal(sh.mtimeMs, Math.floor((deno.mtime?.getTime() ?? 0) / 1000) * 1000);
        if (!deno.isDirectory) assert.equal(sh.size, deno.size);
      });
    }
    await t.step("a missing path throws NotFound", () => {
      assert.throws(() => shellLstat(realShell, `${tmp}/nope`), { name: "NotFound" });
    });
  } finally {
    done();
  }
});

Deno.test("shellReadLink() and shellReadDir() agree with Deno", () => {
  const { tmp, done } = tree();
  try {
    assert.equal(shellReadLink(realShell, `${tmp}/link`), "file");
    assert.throws(() => shellReadLink(realShell, `${tmp}/file`), { name: "NotFound" });
    const names = [...Deno.readDirSync(tmp)].map((e) => e.name).sort();
    assert.deepEqual(shellReadDir(realShell, tmp).sort(), names);
    assert.throws(() => shellReadDir(realShell, `${tmp}/file`), { name: "NotFound" });
    assert.throws(() => shellReadDir(realShell, `${tmp}/link`), { name: "NotFound" });
    assert.deepEqual(shellReadDir(realShell, `${tmp}/dir`), []);
  } finally {
    done();
  }
});

Deno.test("shellReadFiles() reads bytes exactly, caps them and never opens a FIFO", () => {
  const { tmp, done } = tree();
  try {
    const paths = ["file", "binary", "empty", "big", "fifo", "link", "dir", "nope", "space name"]
      .map((n) => `${tmp}/${n}`);
    const out = shellReadFiles(realShell, paths, 10);
    assert.deepEqual(out[0], new TextEncoder().encode("hello\n"));
    assert.deepEqual(out[1], new Uint8Array([0, 1, 0xff, 0x0a, 0, 0x20]));
    assert.deepEqual(out[2], new Uint8Array());
    assert.equal(out[3], undefined, "larger than the cap");
    for (const i of [4, 5, 6]) {
      assert.ok(out[i] instanceof Error && out[i].message === "not a regular file", `${i}`);
    }
    assert.ok(out[7] instanceof Error && out[7].name === "NotFound");
    assert.deepEqual(out[8], new TextEncoder().encode("s"));
    assert.equal((shellReadFiles(realShell, [`${tmp}/big`], 100)[0] as Uint8Array).length, 100);
    assert.deepEqual(shellReadFiles(realShell, [], 10), []);
  } finally {
    done();
  }
});

Deno.test("shell_fallback parses unexpected output as errors", async (t) => {
  await t.step("lstat: garbage, a short line, a failed run", () => {
    for (const runner of [fake("garbage\n"), fake("81a4 0 0 1\n"), fake("", 1)]) {
      assert.throws(() => shellLstat(runner, "/x"), { name: "NotFound" });
    }
  });
  await t.step("readlink strips one newline", () => {
    assert.equal(shellReadLink(fake("a\n\n"), "/x"), "a\n");
  });
  await t.step("read: permission, odd hex, missing lines, a failed run", () => {
    const out = shellReadFiles(fake("P\nF0\nFzz\n"), ["/a", "/b", "/c", "/d"], 10);
    assert.equal((out[0] as Error).name, "PermissionDenied");
    assert.equal((out[1] as Error).message, "not a regular file");
    assert.equal((out[2] as Error).message, "not a regular file");
    assert.equal((out[3] as Error).message, "cannot run /bin/sh");
    assert.equal(
      (shellReadFiles(fake("", 1), ["/a"], 10)[0] as Error).message,
      "cannot run /bin/sh",
    );
  });
});

Deno.test("makeDev() is glibc's makedev", () => {
  assert.equal(makeDev(195, 0), 49920);
  assert.equal(makeDev(195, 255), 50175);
  assert.equal(makeDev(0, 256), 2 ** 20);
  assert.equal(makeDev(4096, 0), 2 ** 44);
});
