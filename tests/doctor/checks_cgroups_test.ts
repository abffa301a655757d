import assert from "node:assert/strict";
import { type CgroupFacts, cgroupsCheck } from "../../lib/doctor/checks_cgroups.ts";
import { hostOf } from "./_facts.ts";
import { char, link, type Spec } from "./_memory_view.ts";

const NONE: CgroupFacts = {
  docker: false,
  dockerDriver: undefined,
  containerdSystemd: false,
  hooksD: false,
};
const V2_SYSTEMD = { "/sys/fs/cgroup/cgroup.controllers": "cpu\n", "/proc/1/comm": "systemd\n" };
const DEVICES: Record<string, Spec> = {
  "/dev/nvidiactl": char(195, 255),
  "/dev/nvidia0": char(195, 0),
  "/dev/nvidia-caps/nvidia-cap1": char(511, 1),
  "/dev/char/195:255": link("../nvidiactl"),
  "/dev/char/195:0": link("../nvidia0"),
  "/dev/char/511:1": link("../nvidia-caps/nvidia-cap1"),
};
const NOT_SYSTEMD =
  "the systemd cgroup driver is not in use: systemctl daemon-reload does not take GPUs away";

function check(tree: Record<string, Spec>, facts: Partial<CgroupFacts>) {
  const c = cgroupsCheck(hostOf(tree), { ...NONE, ...facts });
  return [c.status, c.message];
}

Deno.test("cgroupsCheck() tells which engines use the systemd driver", async (t) => {
  const table: [string, Record<string, Spec>, Partial<CgroupFacts>, string][] = [
    [
      "docker cgroupfs on cgroup v2",
      V2_SYSTEMD,
      { docker: true, dockerDriver: "cgroupfs" },
      NOT_SYSTEMD,
    ],
    ["docker default on cgroup v1", { "/proc/1/comm": "systemd\n" }, { docker: true }, NOT_SYSTEMD],
    ["docker default on v2, init not systemd", { ...V2_SYSTEMD, "/proc/1/comm": "tini\n" }, {
      docker: true,
    }, NOT_SYSTEMD],
    ["nothing installed on v2 with systemd", V2_SYSTEMD, {}, NOT_SYSTEMD],
    [
      "docker systemd",
      {},
      { docker: true, dockerDriver: "systemd" },
      "docker's exec-opts native.cgroupdriver=systemd; every NVIDIA device has its /dev/char link",
    ],
    [
      "containerd SystemdCgroup",
      {},
      { containerdSystemd: true },
      "containerd's SystemdCgroup = true; every NVIDIA device has its /dev/char link",
    ],
    [
      "docker default on v2 with systemd",
      V2_SYSTEMD,
      { docker: true },
      "cgroup v2 with systemd, the engines' default driver; every NVIDIA device has its /dev/char link",
    ],
    [
      "podman on v2 with systemd",
      V2_SYSTEMD,
      { hooksD: true },
      "cgroup v2 with systemd, the engines' default driver; every NVIDIA device has its /dev/char link",
    ],
  ];
  for (const [name, tree, facts, message] of table) {
    await t.step(
      name,
      () => assert.deepEqual(check({ ...DEVICES, ...tree }, facts), ["ok", message]),
    );
  }
});

Deno.test("cgroupsCheck() wants a /dev/char link to the same device for each NVIDIA node", async (t) => {
  const systemd = { docker: true, dockerDriver: "systemd" };
  await t.step("no NVIDIA nodes", () => {
    assert.deepEqual(check({}, systemd), [
      "ok",
      "skipped: docker's exec-opts native.cgroupdriver=systemd, but no NVIDIA device nodes in /dev",
    ]);
  });
  await t.step("a missing link and a link to another device", () => {
    const tree = {
      ...DEVICES,
      "/dev/char/195:0": link("../nvidiactl"),
      "/dev/char/511:1": link("/nope"),
    };
    const c = cgroupsCheck(hostOf(tree), { ...NONE, ...systemd });
    assert.deepEqual(c, {
      id: "cgroups.dev-char",
      status: "warn",
      message:
        'docker\'s exec-opts native.cgroupdriver=systemd, and no /dev/char link for /dev/nvidia0 (195:0), /dev/nvidia-caps/nvidia-cap1 (511:1): after systemctl daemon-reload containers lose their GPUs ("Failed to initialize NVML: Unknown Error")',
      fix: "nvidia-ctk system create-dev-char-symlinks --create-all",
    });
  });
  await t.step("an absolute link resolves under the root", () => {
    const tree = { ...DEVICES, "/dev/char/195:0": link("/dev/nvidia0") };
    assert.equal(check(tree, systemd)[0], "ok");
  });
});
