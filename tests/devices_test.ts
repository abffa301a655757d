import assert from "node:assert/strict";
import {
  deviceOption,
  type DeviceRequest,
  devicesFromItems,
  parseDevices,
} from "../lib/devices.ts";

// SPEC 5.5 [today]: the request is split on ",", trimmed, de-duplicated; an
// empty list or any "void" item means no GPU; otherwise the first item that
// is "all" (every device) or "none" (a GPU container without devices)
// decides; otherwise the names, untouched.

function check(cases: Array<[string, DeviceRequest]>) {
  return async (t: Deno.TestContext) => {
    for (const [value, want] of cases) {
      await t.step(JSON.stringify(value), () => {
        assert.deepEqual(parseDevices(value), want);
      });
    }
  };
}

Deno.test(
  "parseDevices() treats an empty list as no GPU",
  check([
    ["", { kind: "void" }],
    [" ", { kind: "void" }],
    ["\t", { kind: "void" }],
    [",", { kind: "void" }],
    [" , , ", { kind: "void" }],
    [",,,", { kind: "void" }],
  ]),
);

Deno.test(
  "parseDevices() treats void anywhere as no GPU",
  check([
    ["void", { kind: "void" }],
    [" void ", { kind: "void" }],
    ["void,", { kind: "void" }],
    ["0,void", { kind: "void" }],
    ["void,0", { kind: "void" }],
    ["0, void ,1", { kind: "void" }],
    ["all,void", { kind: "void" }],
    ["void,all", { kind: "void" }],
    ["none,void", { kind: "void" }],
    ["void,none", { kind: "void" }],
    ["all,none,void", { kind: "void" }],
    ["none,all,void", { kind: "void" }],
    ["0,all,1,void", { kind: "void" }],
    ["all,void,none", { kind: "void" }],
  ]),
);

Deno.test(
  "parseDevices() treats all as every device when no none comes before it",
  check([
    ["all", { kind: "all" }],
    [" all ", { kind: "all" }],
    ["all,all", { kind: "all" }],
    ["0,all", { kind: "all" }],
    ["all,0", { kind: "all" }],
    ["GPU-1, all ,2", { kind: "all" }],
    ["all,none", { kind: "all" }],
    ["0,all,none", { kind: "all" }],
    [" all , none ,0", { kind: "all" }],
    ["all,none,all", { kind: "all" }],
  ]),
);

Deno.test(
  "parseDevices() treats none as a GPU container without devices when no all comes before it",
  check([
    ["none", { kind: "none" }],
    [" none ", { kind: "none" }],
    [",none,", { kind: "none" }],
    ["0,none", { kind: "none" }],
    ["none,0", { kind: "none" }],
    ["none,all", { kind: "none" }],
    ["0,none,all", { kind: "none" }],
    [" none ,, all ", { kind: "none" }],
    ["none,all,none", { kind: "none" }],
    ["GPU-1,none,GPU-2,all", { kind: "none" }],
  ]),
);

Deno.test(
  "parseDevices() passes other names through, trimmed and de-duplicated",
  check([
    ["0", { kind: "list", ids: ["0"] }],
    ["0,1", { kind: "list", ids: ["0", "1"] }],
    ["0, 1,0", { kind: "list", ids: ["0", "1"] }],
    ["1,0", { kind: "list", ids: ["1", "0"] }],
    [" 3 ,,2, 3", { kind: "list", ids: ["3", "2"] }],
    [
      "GPU-8f6a2b1c-0000-1111-2222-333344445555",
      { kind: "list", ids: ["GPU-8f6a2b1c-0000-1111-2222-333344445555"] },
    ],
    ["MIG-GPU-8f6a2b1c/1/0,0:1", { kind: "list", ids: ["MIG-GPU-8f6a2b1c/1/0", "0:1"] }],
    ["MIG-1e3c0f6e-7a4b-5c2d-8e9f-0a1b2c3d4e5f", {
      kind: "list",
      ids: ["MIG-1e3c0f6e-7a4b-5c2d-8e9f-0a1b2c3d4e5f"],
    }],
    ["nvidia.com/gpu=0", { kind: "list", ids: ["nvidia.com/gpu=0"] }],
    ["0 1", { kind: "list", ids: ["0 1"] }],
  ]),
);

Deno.test(
  "parseDevices() keeps tokens case-sensitive",
  check([
    ["ALL", { kind: "list", ids: ["ALL"] }],
    ["All", { kind: "list", ids: ["All"] }],
    ["VOID", { kind: "list", ids: ["VOID"] }],
    ["Void,0", { kind: "list", ids: ["Void", "0"] }],
    ["NONE", { kind: "list", ids: ["NONE"] }],
    ["None,ALL", { kind: "list", ids: ["None", "ALL"] }],
    ["all0", { kind: "list", ids: ["all0"] }],
    ["voids", { kind: "list", ids: ["voids"] }],
  ]),
);

Deno.test("deviceOption() gives the --device= value", async (t) => {
  const cases: Array<[string, Exclude<DeviceRequest, { kind: "void" }>, string | undefined]> = [
    ["all", { kind: "all" }, "all"],
    ["none", { kind: "none" }, undefined],
    ["one", { kind: "list", ids: ["0"] }, "0"],
    ["several", { kind: "list", ids: ["0", "GPU-1", "MIG-GPU-2/1/0"] }, "0,GPU-1,MIG-GPU-2/1/0"],
  ];
  for (const [name, request, want] of cases) {
    await t.step(name, () => {
      assert.equal(deviceOption(request), want);
    });
  }
});

Deno.test("parseDevices() and deviceOption() together give the SPEC 5.5 option", async (t) => {
  const cases: Array<[string, string | undefined]> = [
    ["all", "all"],
    ["0,all,1", "all"],
    ["0,all,none", "all"],
    ["none", undefined],
    ["none,all", undefined],
    [" 0, 1,0", "0,1"],
    ["GPU-a ,GPU-b,GPU-a", "GPU-a,GPU-b"],
  ];
  for (const [value, want] of cases) {
    await t.step(JSON.stringify(value), () => {
      const request = parseDevices(value);
      assert.notEqual(request.kind, "void");
      if (request.kind === "void") return;
      assert.equal(deviceOption(request), want);
    });
  }
});

Deno.test("devicesFromItems() applies the SPEC 5.5 rules to items already split", async (t) => {
  const cases: Array<[string[], DeviceRequest]> = [
    [[], { kind: "void" }],
    [["void"], { kind: "void" }],
    [["MIG-1/2/0", "void"], { kind: "void" }],
    [["void", "all"], { kind: "void" }],
    [["all", "void"], { kind: "void" }],
    [["none", "all", "void"], { kind: "void" }],
    [["all"], { kind: "all" }],
    [["0", "all"], { kind: "all" }],
    [["all", "none"], { kind: "all" }],
    [["0", "all", "none"], { kind: "all" }],
    [["none", "all"], { kind: "none" }],
    [["none"], { kind: "none" }],
    [["GPU-1", "none"], { kind: "none" }],
    [["GPU-1", "none", "all"], { kind: "none" }],
    [["0"], { kind: "list", ids: ["0"] }],
    [["MIG-GPU-1/2/0", "GPU-3"], { kind: "list", ids: ["MIG-GPU-1/2/0", "GPU-3"] }],
    [["nvidia.com/gpu=0"], { kind: "list", ids: ["nvidia.com/gpu=0"] }],
    [["ALL", "Void"], { kind: "list", ids: ["ALL", "Void"] }],
  ];
  for (const [items, want] of cases) {
    await t.step(JSON.stringify(items), () => {
      assert.deepEqual(devicesFromItems(items), want);
    });
  }
});

Deno.test("devices JSDoc examples", () => {
  assert.deepEqual(parseDevices("0, 1,0"), { kind: "list", ids: ["0", "1"] });
  assert.deepEqual(parseDevices("none,all"), { kind: "none" });
  assert.deepEqual(parseDevices("0,all,none"), { kind: "all" });
  assert.deepEqual(parseDevices(" , "), { kind: "void" });
  assert.deepEqual(devicesFromItems(["MIG-1/2/0", "void"]), { kind: "void" });
  assert.equal(deviceOption({ kind: "list", ids: ["0", "GPU-1"] }), "0,GPU-1");
});
