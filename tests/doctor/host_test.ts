import assert from "node:assert/strict";
import { devNumbers, errorReason, fileKind, hostReader } from "../../lib/doctor/host.ts";
import { makeDev } from "../../lib/doctor/shell_fallback.ts";
import { char, exe, link, memoryView } from "./_memory_view.ts";

Deno.test("fileKind() names each st_mode type", async (t) => {
  const table: [number, string][] = [
    [0o100644, "file"],
    [0o040755, "dir"],
    [0o120777, "symlink"],
    [0o020666, "char"],
    [0o060660, "block"],
    [0o010644, "fifo"],
    [0o140755, "socket"],
    [0o000644, "other"],
  ];
  for (const [mode, kind] of table) {
    await t.step(mode.toString(8), () => assert.equal(fileKind(mode), kind));
  }
});

Deno.test("devNumbers() inverts makeDev() for small and large numbers", async (t) => {
  const table: [number, number][] = [[195, 0], [195, 255], [508, 1], [4095, 255], [4096, 256], [
    1_000_000,
    16_000_000,
  ]];
  for (const [major, minor] of table) {
    await t.step(`${major}:${minor}`, () => {
      assert.deepEqual(devNumbers(makeDev(major, minor)), { major, minor });
    });
  }
  assert.deepEqual(devNumbers(50175), { major: 195, minor: 255 });
});

Deno.test("errorReason() maps Deno's error names to the strerror text", async (t) => {
  const table: [string, string][] = [
    ["NotFound", "no such file or directory"],
    ["PermissionDenied", "permission denied"],
    ["NotADirectory", "not a directory"],
    ["IsADirectory", "is a directory"],
    ["FilesystemLoop", "too many levels of symbolic links"],
  ];
  for (const [name, text] of table) {
    await t.step(name, () => {
      const e = new Error("raw");
      e.name = name;
      assert.equal(errorReason(e), text);
    });
  }
  await t.step("other errors keep their message, escaped", () => {
    assert.equal(errorReason(new Error("bad\nthing")), "bad\\u000athing");
    assert.equal(errorReason("plain"), "plain");
  });
});

Deno.test("hostReader() reads host paths under the root", () => {
  const view = memoryView({ "/etc/x": "host", "/srv/r/etc/x": "fake" });
  const host = hostReader(view, "/srv/r/");
  assert.equal(host.root, "/srv/r");
  assert.deepEqual(host.readText("/etc/x", 100), { ok: true, value: "fake" });
  assert.deepEqual(hostReader(view, "/").readText("/etc/x", 100), { ok: true, value: "host" });
});

Deno.test("hostReader() follows links without leaving the root", async (t) => {
  const view = memoryView({
    "/run/x": "host run",
    "/etc/secret": "host secret",
    "/r/run/x": "fake run",
    "/r/var/run": link("/run"),
    "/r/var/up": link("../../../../../etc"),
    "/r/etc/secret": "fake secret",
    "/r/a": link("b"),
    "/r/b": link("a"),
    "/r/file": "f",
    "/r/dev/char/195:0": link("../nvidia0"),
    "/r/dev/nvidia0": char(195, 0),
  });
  const host = hostReader(view, "/r");
  await t.step("an absolute link goes to the root", () => {
    assert.deepEqual(host.readText("/var/run/x", 100), { ok: true, value: "fake run" });
    assert.equal(host.stat("/var/run/x")?.path, "/run/x");
  });
  await t.step(".. stops at the root", () => {
    assert.deepEqual(host.readText("/var/up/secret", 100), { ok: true, value: "fake secret" });
  });
  await t.step("a relative link resolves from its directory", () => {
    const e = host.stat("/dev/char/195:0");
    assert.deepEqual([e?.path, e?.kind, e?.major, e?.minor], ["/dev/nvidia0", "char", 195, 0]);
  });
  await t.step("lstat does not follow the last link", () => {
    assert.equal(host.lstat("/dev/char/195:0")?.kind, "symlink");
    assert.equal(host.readLink("/dev/char/195:0"), "../nvidia0");
    assert.equal(host.readLink("/file"), undefined);
  });
  await t.step("a loop ends", () => {
    assert.equal(host.stat("/a"), undefined);
    assert.deepEqual(host.readText("/a", 100), {
      ok: false,
      error: "too many levels of symbolic links",
    });
  });
  await t.step("a file is not a directory", () => {
    assert.deepEqual(host.readText("/file/x", 100), { ok: false, error: "not a directory" });
  });
  await t.step("a missing path", () => {
    assert.deepEqual(host.readText("/nope", 100), {
      ok: false,
      error: "no such file or directory",
    });
    assert.equal(host.stat("/nope/deeper"), undefined);
    assert.equal(host.readDir("/nope"), undefined);
  });
});

Deno.test("hostReader().readText() refuses what is not a small regular file", async (t) => {
  const host = hostReader(
    memoryView({
      "/big": "x".repeat(11),
      "/ten": "x".repeat(10),
      "/d/f": "",
      "/fifo": { kind: "fifo" },
      "/sock": { kind: "socket" },
      "/dev/nvidia0": char(195, 0),
      "/locked": { kind: "unreadable", name: "PermissionDenied" },
      "/utf": { kind: "file", bytes: new Uint8Array([0x61, 0xff, 0x62]) },
    }),
    "/",
  );
  const table: [string, ReturnType<typeof host.readText>][] = [
    ["/big", { ok: false, error: "larger than 10 bytes" }],
    ["/ten", { ok: true, value: "x".repeat(10) }],
    ["/d", { ok: false, error: "is a directory" }],
    ["/fifo", { ok: false, error: "not a regular file" }],
    ["/sock", { ok: false, error: "not a regular file" }],
    ["/dev/nvidia0", { ok: false, error: "not a regular file" }],
    ["/locked", { ok: false, error: "permission denied" }],
    ["/utf", { ok: true, value: "a\ufffdb" }],
  ];
  for (const [path, expected] of table) {
    await t.step(path, () => assert.deepEqual(host.readText(path, 10), expected));
  }
});

Deno.test("hostReader() reads refused paths (/proc, /dev) through the shell", async (t) => {
  const view = memoryView({
    "/proc/driver/nvidia/version": "NVRM version: x 550.54.15 y\n",
    "/proc/1/comm": "systemd\n",
    "/proc/7/comm": "dockerd\n",
    "/dev/nvidia0": char(195, 0),
    "/dev/char/195:0": link("../nvidia0"),
    "/etc/hostname": "box\n",
  }, { refused: ["/proc", "/dev"] });
  const host = hostReader(view, "/");
  await t.step("readText", () => {
    assert.deepEqual(host.readText("/proc/driver/nvidia/version", 100), {
      ok: true,
      value: "NVRM version: x 550.54.15 y\n",
    });
  });
  await t.step("stat through a link", () => {
    const e = host.stat("/dev/char/195:0");
    assert.deepEqual([e?.path, e?.kind, e?.major, e?.minor], ["/dev/nvidia0", "char", 195, 0]);
  });
  await t.step("readDir", () => assert.deepEqual(host.readDir("/proc"), ["1", "7", "driver"]));
  await t.step("a missing refused path", () => {
    assert.equal(host.stat("/proc/99/comm"), undefined);
  });
  await t.step("paths Deno allows do not use the shell", () => {
    const before = view.calls.filter((c) => c.startsWith("shell")).length;
    assert.deepEqual(host.readText("/etc/hostname", 100), { ok: true, value: "box\n" });
    assert.equal(view.calls.filter((c) => c.startsWith("shell")).length, before);
  });
});

Deno.test("hostReader().readEach() reads in one shell run, and follows no final link", () => {
  const view = memoryView({
    "/proc/1/comm": "systemd\n",
    "/proc/2/comm": link("/etc/shadow"),
    "/proc/3/comm": { kind: "fifo" },
    "/etc/shadow": "secret",
  }, { refused: ["/proc"] });
  const host = hostReader(view, "/");
  const pids = ["1", "2", "3", "4"];
  assert.deepEqual(host.readEach("/proc", pids, "comm", 256), [
    "systemd\n",
    undefined,
    undefined,
    undefined,
  ]);
  assert.deepEqual(view.calls.filter((c) => c.startsWith("shell")), [
    "shell lstat /proc",
    "shell read 257 /proc/1/comm /proc/2/comm /proc/3/comm /proc/4/comm",
  ]);
  const direct = hostReader(
    memoryView({ "/proc/1/comm": "init\n", "/proc/2/comm": link("/etc/x"), "/etc/x": "x" }),
    "/",
  );
  assert.deepEqual(direct.readEach("/proc", ["1", "2"], "comm", 256), ["init\n", undefined]);
  assert.deepEqual(direct.readEach("/nope", ["1"], "comm", 256), [undefined]);
});

Deno.test("hostReader() caches lstat: each path is looked at once", () => {
  const view = memoryView({ "/a/b/c": "x" });
  const host = hostReader(view, "/");
  host.stat("/a/b/c");
  host.stat("/a/b/c");
  host.readText("/a/b/c", 10);
  assert.deepEqual(view.calls.filter((c) => c.startsWith("lstat")), [
    "lstat /a",
    "lstat /a/b",
    "lstat /a/b/c",
  ]);
});

Deno.test("hostReader().isExecutable() wants a regular file with an execute bit", async (t) => {
  const host = hostReader(
    memoryView({ "/x": exe(), "/f": "text", "/l": link("/x"), "/d/e": "" }),
    "/",
  );
  const table: [string, boolean][] = [["/x", true], ["/l", true], ["/f", false], ["/d", false], [
    "/nope",
    false,
  ]];
  for (const [path, expected] of table) {
    await t.step(path, () => assert.equal(host.isExecutable(path), expected));
  }
});

Deno.test("hostReader().run() runs the resolved path under the root", async () => {
  const view = memoryView({ "/r/usr/bin/cli": link("/opt/cli"), "/r/opt/cli": exe() }, {
    run: (path) => ({ ok: true, code: 0, output: path, truncated: false, timedOut: false }),
  });
  const host = hostReader(view, "/r");
  const opts = { env: {}, timeoutMs: 1, maxBytes: 1 };
  assert.deepEqual(await host.run("/usr/bin/cli", ["--version"], opts), {
    ok: true,
    code: 0,
    output: "/r/opt/cli",
    truncated: false,
    timedOut: false,
  });
  assert.deepEqual(await host.run("/usr/bin/nope", [], opts), {
    ok: false,
    error: "no such file or directory",
  });
});

Deno.test("hostReader() reports a shell that cannot start as an error, not a throw", () => {
  const view = memoryView({ "/proc/1/comm": "x" }, { refused: ["/proc"] });
  view.shell = () => {
    throw new Error("no /bin/sh");
  };
  const host = hostReader(view, "/");
  assert.equal(host.stat("/proc/1/comm"), undefined);
  assert.equal(host.readDir("/proc"), undefined);
  assert.deepEqual(host.readEach("/proc", ["1"], "comm", 10), [undefined]);
});
