import assert from "node:assert/strict";
import {
  DAEMON_JSON,
  dockerChecks,
  HOOK_NAME,
  loadDockerFacts,
  NO_GPU_DRIVER,
} from "../../lib/doctor/checks_docker.ts";
import { hostOf } from "./_facts.ts";
import { exe, type Spec } from "./_memory_view.ts";

const HOOK = `/usr/bin/${HOOK_NAME}`;

/** A dockerd process: comm, environ (PATH) and stat (started 1000 s after boot). */
function dockerd(pid: number, path: string | null, startTicks = 100000): Record<string, Spec> {
  const env = [...(path === null ? [] : [`PATH=${path}`]), "TOKEN=s3cret"].map((e) => `${e}\0`);
  return {
    [`/proc/${pid}/comm`]: "dockerd\n",
    [`/proc/${pid}/environ`]: env.join(""),
    [`/proc/${pid}/stat`]:
      `${pid} (dockerd) S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ${startTicks} 0 0\n`,
  };
}

const BOOT = { "/proc/stat": "cpu 0\nbtime 1700000000\n" };

function rows(tree: Record<string, Spec>) {
  return dockerChecks(loadDockerFacts(hostOf(tree))).map((c) => [c.id, c.status, c.message]);
}

function row(tree: Record<string, Spec>, id: string) {
  return rows(tree).find((r) => r[0] === id)?.slice(1);
}

Deno.test("Docker counts as installed by /etc/docker, a dockerd binary or process", async (t) => {
  const skipped = "skipped: Docker is not installed (no /etc/docker, dockerd binary or process)";
  await t.step("none", () => {
    assert.deepEqual(rows({ "/proc/1/comm": "init\n" }).map((r) => r[2]), [
      skipped,
      skipped,
      skipped,
      skipped,
    ]);
  });
  const table: [string, Record<string, Spec>][] = [
    ["/etc/docker", { "/etc/docker": { kind: "dir" } }],
    ["a binary", { "/usr/sbin/dockerd": exe() }],
    ["a process", { ...dockerd(9, "/usr/bin"), ...BOOT }],
  ];
  for (const [name, tree] of table) {
    await t.step(name, () => assert.notEqual(row(tree, "docker.daemon-json")?.[1], skipped));
  }
});

Deno.test("docker.daemon-json and docker.runtimes read daemon.json", async (t) => {
  const installed = { "/etc/docker/x": "" };
  const table: [string, string, [string, string][]][] = [
    ["not an object", "[1]", [["fail", `Cannot parse ${DAEMON_JSON}: not a JSON object`], [
      "ok",
      `skipped: ${DAEMON_JSON} does not load (see docker.daemon-json)`,
    ]]],
    ["empty", "", [["fail", `Cannot parse ${DAEMON_JSON}: empty input`], [
      "ok",
      `skipped: ${DAEMON_JSON} does not load (see docker.daemon-json)`,
    ]]],
    ["no runtimes", "{}", [["ok", `${DAEMON_JSON} parses`], [
      "ok",
      "no runtimes registered: docker run --gpus runs the hook through runc",
    ]]],
    ["runtimes not an object", '{"runtimes": []}', [["ok", `${DAEMON_JSON} parses`], [
      "fail",
      `"runtimes" of ${DAEMON_JSON} is not an object`,
    ]]],
    ["a runtime without path", '{"runtimes": {"x": {}}}', [["ok", `${DAEMON_JSON} parses`], [
      "fail",
      `${DAEMON_JSON}: runtime "x" has no "path" string`,
    ]]],
    ["a relative path", '{"runtimes": {"x": {"path": "bin/rt"}}}', [
      ["ok", `${DAEMON_JSON} parses`],
      ["fail", `${DAEMON_JSON}: runtime "x": path "bin/rt" is neither absolute nor a program name`],
    ]],
    ["a name not on the default PATH", '{"runtimes": {"x": {"path": "nope"}}}', [[
      "ok",
      `${DAEMON_JSON} parses`,
    ], ["fail", `${DAEMON_JSON}: runtime "x": "nope" is not found in dockerd's PATH`]]],
    ["names found, sorted", '{"runtimes": {"z": {"path": "rt"}, "a": {"path": "/opt/rt"}}}', [[
      "ok",
      `${DAEMON_JSON} parses`,
    ], ["ok", "a => /opt/rt, z => /usr/bin/rt"]]],
    ["__proto__ as a name", '{"runtimes": {"__proto__": {"path": "/opt/rt"}}}', [[
      "ok",
      `${DAEMON_JSON} parses`,
    ], ["ok", "__proto__ => /opt/rt"]]],
  ];
  for (const [name, json, expected] of table) {
    await t.step(name, () => {
      const tree = { ...installed, [DAEMON_JSON]: json, "/usr/bin/rt": exe(), "/opt/rt": exe() };
      assert.deepEqual(rows(tree).slice(0, 2).map((r) => r.slice(1)), expected);
    });
  }
  await t.step("the runtime name is looked up in dockerd's PATH", () => {
    const tree = {
      ...dockerd(9, "/opt/bin"),
      ...BOOT,
      [DAEMON_JSON]: '{"runtimes": {"n": {"path": "rt"}}}',
      "/opt/bin/rt": exe(),
      "/usr/bin/rt": exe(),
    };
    assert.deepEqual(row(tree, "docker.runtimes"), ["ok", "n => /opt/bin/rt"]);
  });
});

Deno.test("loadDockerFacts() reads native.cgroupdriver from exec-opts, the last one winning", () => {
  const facts = (opts: unknown) =>
    loadDockerFacts(hostOf({ [DAEMON_JSON]: JSON.stringify({ "exec-opts": opts }) })).cgroupDriver;
  assert.equal(facts(["native.cgroupdriver=systemd"]), "systemd");
  assert.equal(
    facts(["native.cgroupdriver = cgroupfs", 1, "native.cgroupdriver=systemd"]),
    "systemd",
  );
  assert.equal(facts(["other=1"]), undefined);
  assert.equal(facts("native.cgroupdriver=systemd"), undefined);
});

Deno.test("docker.hook-path and docker.hook-restart look at every running dockerd", async (t) => {
  const hook = { [HOOK]: exe("#!/bin/sh\n", 1700000500_000) };
  await t.step("not running", () => {
    assert.deepEqual(
      rows({ "/etc/docker/x": "", "/proc/1/comm": "init\n" }).slice(2).map((r) => r.slice(1)),
      [
        ["ok", "skipped: dockerd is not running"],
        ["ok", "skipped: no running dockerd finds the hook (see docker.hook-path)"],
      ],
    );
  });
  await t.step("two, the second without the hook", () => {
    const tree = { ...hook, ...BOOT, ...dockerd(10, "/usr/bin"), ...dockerd(20, "/opt/bin") };
    assert.deepEqual(row(tree, "docker.hook-path"), [
      "fail",
      `${HOOK_NAME} is not on the PATH of dockerd (pid 20, PATH=/opt/bin): docker run --gpus fails with ${NO_GPU_DRIVER}`,
    ]);
  });
  await t.step("two, both finding it", () => {
    const tree = { ...hook, ...BOOT, ...dockerd(10, "/usr/bin"), ...dockerd(20, "/bin:/usr/bin") };
    assert.deepEqual(rows(tree).slice(2).map((r) => r.slice(1)), [
      ["ok", `dockerd (pid 10) finds ${HOOK}, dockerd (pid 20) finds ${HOOK}`],
      [
        "ok",
        `dockerd (pid 10) started after ${HOOK} was installed, dockerd (pid 20) started after ${HOOK} was installed`,
      ],
    ]);
  });
  await t.step("a hook without execute bits is not found", () => {
    const tree = { [HOOK]: "text", ...BOOT, ...dockerd(10, "/usr/bin") };
    assert.equal(row(tree, "docker.hook-path")?.[0], "fail");
  });
  await t.step("an unreadable environ", () => {
    const tree = {
      ...hook,
      ...BOOT,
      ...dockerd(10, "/usr/bin"),
      "/proc/10/environ": { kind: "unreadable", name: "PermissionDenied" } as Spec,
    };
    assert.deepEqual(row(tree, "docker.hook-path"), [
      "warn",
      "dockerd (pid 10): Cannot read /proc/10/environ: permission denied",
    ]);
  });
  await t.step("changed within a second of the start: ok", () => {
    const tree = { [HOOK]: exe("", 1700001000_900), ...BOOT, ...dockerd(10, "/usr/bin") };
    assert.equal(row(tree, "docker.hook-restart")?.[0], "ok");
  });
  await t.step("no btime", () => {
    const tree = { ...hook, ...dockerd(10, "/usr/bin"), "/proc/stat": "cpu 0\n" };
    assert.deepEqual(row(tree, "docker.hook-restart"), [
      "warn",
      "cannot tell when dockerd (pid 10) started: /proc/stat has no btime",
    ]);
  });
  await t.step("the secret in dockerd's environ is never shown", () => {
    const tree = { ...BOOT, ...dockerd(10, "/opt/bin") };
    assert.ok(!JSON.stringify(rows(tree)).includes("s3cret"));
  });
});
