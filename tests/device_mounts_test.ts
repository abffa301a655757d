import assert from "node:assert/strict";
import {
  DEVICE_MOUNT_ROOTS,
  type MountRequests,
  requestsFromMounts,
} from "../lib/device_mounts.ts";
import type { Mount } from "../lib/parse_spec.ts";

// SPEC 5.3 step 1: a mount whose source is /dev/null and whose destination
// lies under /var/run/nvidia-container-devices/ (by path segment, never by
// string prefix) requests the device named by the rest of the path;
// imex/<channel> requests an IMEX channel instead. [today] Only that root:
// /run/nvidia-container-devices/ requests nothing.

const VAR_RUN = "/var/run/nvidia-container-devices";
const RUN = "/run/nvidia-container-devices";

const devNull = (destination: string): Mount => ({ source: "/dev/null", destination });

function requests(devices: string[], imexChannels: string[] = []): MountRequests {
  return { devices, imexChannels };
}

Deno.test("DEVICE_MOUNT_ROOTS is /var/run/nvidia-container-devices alone", () => {
  assert.deepEqual([...DEVICE_MOUNT_ROOTS], [VAR_RUN]);
});

Deno.test("requestsFromMounts() reads a device name under /var/run/nvidia-container-devices", async (t) => {
  const table: [string, Mount[], MountRequests][] = [
    ["no mounts", [], requests([])],
    ["/var/run root", [devNull(`${VAR_RUN}/0`)], requests(["0"])],
    ["/var/run root, UUID", [devNull(`${VAR_RUN}/GPU-1`)], requests(["GPU-1"])],
    [
      "several, mount order",
      [devNull(`${VAR_RUN}/1`), devNull(`${VAR_RUN}/0`), devNull(`${VAR_RUN}/2`)],
      requests(["1", "0", "2"]),
    ],
    ["all", [devNull(`${VAR_RUN}/all`)], requests(["all"])],
    ["none", [devNull(`${VAR_RUN}/none`)], requests(["none"])],
    ["void", [devNull(`${VAR_RUN}/void`)], requests(["void"])],
    [
      "nested MIG name",
      [devNull(`${VAR_RUN}/MIG-x/1/2`)],
      requests(["MIG-x/1/2"]),
    ],
    [
      "UUID",
      [devNull(`${VAR_RUN}/GPU-8f6a2b1c-0000-1111-2222-333344445555`)],
      requests([
        "GPU-8f6a2b1c-0000-1111-2222-333344445555",
      ]),
    ],
    ["CDI-looking name", [devNull(`${VAR_RUN}/nvidia.com/gpu=0`)], requests(["nvidia.com/gpu=0"])],
  ];
  for (const [name, mounts, want] of table) {
    await t.step(name, () => {
      assert.deepEqual(requestsFromMounts(mounts), want);
    });
  }
});

Deno.test("requestsFromMounts() ignores /run/nvidia-container-devices", async (t) => {
  const table: [string, Mount[], MountRequests][] = [
    ["a device", [devNull(`${RUN}/GPU-1`)], requests([])],
    ["an index", [devNull(`${RUN}/0`)], requests([])],
    ["all", [devNull(`${RUN}/all`)], requests([])],
    ["a nested MIG name", [devNull(`${RUN}/MIG-GPU-3a5e1c1a/1/0`)], requests([])],
    ["an IMEX channel", [devNull(`${RUN}/imex/0`)], requests([])],
    ["cleaned", [devNull(`//run//nvidia-container-devices/./0/`)], requests([])],
    [
      "beside /var/run mounts: only those count, in mount order",
      [devNull(`${RUN}/1`), devNull(`${VAR_RUN}/0`), devNull(`${RUN}/2`), devNull(`${VAR_RUN}/3`)],
      requests(["0", "3"]),
    ],
    [
      "channels beside /var/run ones",
      [devNull(`${RUN}/imex/1`), devNull(`${VAR_RUN}/imex/2`)],
      requests([], ["2"]),
    ],
  ];
  for (const [name, mounts, want] of table) {
    await t.step(name, () => {
      assert.deepEqual(requestsFromMounts(mounts), want);
    });
  }
});

Deno.test("requestsFromMounts() counts only mounts of /dev/null", async (t) => {
  const table: [string | undefined, boolean][] = [
    ["/dev/null", true],
    ["//dev/null", true],
    ["/dev//null", true],
    ["/dev/./null", true],
    ["/dev/null/", true],
    ["/tmp/../dev/null", true],
    ["/dev/zero", false],
    ["/dev/nvidia0", false],
    ["/dev/null0", false],
    ["/dev/nul", false],
    ["dev/null", false],
    ["/DEV/NULL", false],
    ["/host/dev/null", false],
    ["", false],
    [undefined, false],
    ["tmpfs", false],
  ];
  for (const [source, counted] of table) {
    await t.step(JSON.stringify(source) ?? "absent", () => {
      assert.deepEqual(
        requestsFromMounts([{ source, destination: `${VAR_RUN}/0` }]),
        counted ? requests(["0"]) : requests([]),
      );
    });
  }
});

Deno.test("requestsFromMounts() compares the destination by path segment", async (t) => {
  const table: [string | undefined, string[]][] = [
    // string-prefix lookalikes
    ["/var/run/nvidia-container-devicesX/0", []],
    ["/var/run/nvidia-container-devices0", []],
    ["/run/nvidia-container-devices-old/0", []],
    ["/run/nvidia-container-devices.bak/GPU-1", []],
    ["/var/run/nvidia-container-device/0", []],
    ["/var/run/NVIDIA-container-devices/0", []],
    // elsewhere
    ["/nvidia-container-devices/0", []],
    ["/srv/var/run/nvidia-container-devices/0", []],
    ["/var/nvidia-container-devices/0", []],
    // the root itself names nothing
    [VAR_RUN, []],
    [`${VAR_RUN}/`, []],
    [`${VAR_RUN}//`, []],
    [`${VAR_RUN}/.`, []],
    // /run/nvidia-container-devices is no root, by segment
    [`${RUN}/0`, []],
    ["/run/nvidia-container-devices", []],
    ["/run/nvidia-container-devices/GPU-1", []],
    ["/run/./nvidia-container-devices/0", []],
    // a /run path that cleans to /var/run counts
    ["/run/../var/run/nvidia-container-devices/0", ["0"]],
    [`${RUN}/../../var/run/nvidia-container-devices/1`, ["1"]],
    // a /var/run path that cleans to /run does not
    ["/var/run/../../run/nvidia-container-devices/0", []],
    ["/var/../run/nvidia-container-devices/0", []],
    // relative destinations are never under a root
    ["var/run/nvidia-container-devices/0", []],
    ["run/nvidia-container-devices/0", []],
    ["./run/nvidia-container-devices/0", []],
    ["", []],
    [undefined, []],
    // ".." is resolved lexically first
    [`${VAR_RUN}/../0`, []],
    [`${VAR_RUN}/..`, []],
    [`${RUN}/../../etc/passwd`, []],
    [`${VAR_RUN}/x/../0`, ["0"]],
    ["/x/../var/run/nvidia-container-devices/0", ["0"]],
    ["/../var/run/nvidia-container-devices/1", ["1"]],
    ["/../run/nvidia-container-devices/1", []],
    [`${VAR_RUN}/MIG-x/1/../2`, ["MIG-x/2"]],
    // extra slashes and dots
    ["//var//run/nvidia-container-devices//0", ["0"]],
    [`${VAR_RUN}/./0/`, ["0"]],
    [`${RUN}/./0/`, []],
    [`${VAR_RUN}/MIG-x//1/./2/`, ["MIG-x/1/2"]],
  ];
  for (const [destination, devices] of table) {
    await t.step(JSON.stringify(destination) ?? "absent", () => {
      assert.deepEqual(
        requestsFromMounts([{ source: "/dev/null", destination }]),
        requests(devices),
      );
    });
  }
});

Deno.test("requestsFromMounts() reads imex/<channel> as an IMEX channel", async (t) => {
  const table: [string, Mount[], MountRequests][] = [
    ["one channel", [devNull(`${VAR_RUN}/imex/3`)], requests([], ["3"])],
    ["not under /run", [devNull(`${RUN}/imex/0`)], requests([])],
    [
      "channels and devices",
      [devNull(`${VAR_RUN}/imex/1`), devNull(`${VAR_RUN}/0`), devNull(`${VAR_RUN}/imex/0`)],
      requests(["0"], ["1", "0"]),
    ],
    ["all", [devNull(`${VAR_RUN}/imex/all`)], requests([], ["all"])],
    ["cleaned", [devNull(`${VAR_RUN}//imex//3/`)], requests([], ["3"])],
    ["imex alone is a device name", [devNull(`${VAR_RUN}/imex`)], requests(["imex"])],
    ["imex/ alone is a device name", [devNull(`${VAR_RUN}/imex/`)], requests(["imex"])],
    ["IMEX is case-sensitive", [devNull(`${VAR_RUN}/IMEX/3`)], requests(["IMEX/3"])],
    ["imexx/3 is a device", [devNull(`${VAR_RUN}/imexx/3`)], requests(["imexx/3"])],
    [
      "not from /dev/zero",
      [{ source: "/dev/zero", destination: `${VAR_RUN}/imex/3` }],
      requests(
        [],
      ),
    ],
    [
      "not from a lookalike root",
      [devNull("/var/run/nvidia-container-devicesX/imex/3")],
      requests(
        [],
      ),
    ],
  ];
  for (const [name, mounts, want] of table) {
    await t.step(name, () => {
      assert.deepEqual(requestsFromMounts(mounts), want);
    });
  }
});

Deno.test("requestsFromMounts() drops repeats, keeping the first", async (t) => {
  const table: [string, Mount[], MountRequests][] = [
    ["same mount twice", [devNull(`${VAR_RUN}/0`), devNull(`${VAR_RUN}/0`)], requests(["0"])],
    [
      "same device again after another",
      [devNull(`${VAR_RUN}/1`), devNull(`${VAR_RUN}/0`), devNull(`${VAR_RUN}/1`)],
      requests(["1", "0"]),
    ],
    [
      "same device spelled differently",
      [devNull(`${VAR_RUN}/0`), devNull(`//var/run/nvidia-container-devices/./0/`)],
      requests(["0"]),
    ],
    [
      "same channel twice",
      [devNull(`${VAR_RUN}/imex/2`), devNull(`${VAR_RUN}/imex/1`), devNull(`${VAR_RUN}/imex/2`)],
      requests([], ["2", "1"]),
    ],
  ];
  for (const [name, mounts, want] of table) {
    await t.step(name, () => {
      assert.deepEqual(requestsFromMounts(mounts), want);
    });
  }
});

Deno.test("requestsFromMounts() ignores every other mount", () => {
  const mounts: Mount[] = [
    { source: "proc", destination: "/proc" },
    { source: "/run/containers/resolv.conf", destination: "/etc/resolv.conf" },
    { source: undefined, destination: `${VAR_RUN}/0` },
    { source: "/dev/null", destination: undefined },
    { source: undefined, destination: undefined },
    devNull("/proc/kcore"),
    devNull(`${VAR_RUN}/GPU-7`),
  ];
  assert.deepEqual(requestsFromMounts(mounts), requests(["GPU-7"]));
});

Deno.test("requestsFromMounts() JSDoc example", () => {
  assert.deepEqual(
    requestsFromMounts([
      { source: "/dev/null", destination: "/var/run/nvidia-container-devices/GPU-1" },
      { source: "/dev/null", destination: "/var/run/nvidia-container-devices/imex/3" },
      { source: "/dev/null", destination: "/var/run/nvidia-container-devicesX/0" },
    ]),
    { devices: ["GPU-1"], imexChannels: ["3"] },
  );
});
