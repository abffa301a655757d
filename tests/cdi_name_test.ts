import assert from "node:assert/strict";
import { isQualifiedCdiName } from "../lib/cdi_name.ts";

// SPEC 5.9: fully-qualified CDI names `vendor/class=name` as the Container
// Device Interface specification defines them (its Go parser
// `IsQualifiedName`): vendor and class start with an ASCII letter, contain
// ASCII letters, digits, `_`, `-`, `.`, and end with a letter or digit; the
// name starts and ends with a letter or digit and may also contain `:`.

Deno.test("isQualifiedCdiName() accepts vendor/class=name", async (t) => {
  const cases = [
    "nvidia.com/gpu=0",
    "nvidia.com/gpu=all",
    "nvidia.com/gpu=GPU-8f6a2b1c-0000-1111-2222-333344445555",
    "nvidia.com/gpu=MIG-1e3c0f6e-7a4b-5c2d-8e9f-0a1b2c3d4e5f",
    "nvidia.com/gpu=0:1",
    "nvidia.com/gpu=1:0",
    "management.nvidia.com/gpu=all",
    "nvidia.com/imex-channel=0",
    "nvidia.com/mig.gpu=0",
    "vendor.example/class_1=dev_1",
    "Ab/Cd=E",
    "a1/b2=c",
    "nvidia.com/gpu=0a.b-c_d:e",
    "x-y.z/c-d=9",
  ];
  for (const name of cases) {
    await t.step(name, () => {
      assert.equal(isQualifiedCdiName(name), true);
    });
  }
});

Deno.test("isQualifiedCdiName() rejects names that are not fully qualified", async (t) => {
  const cases = [
    // not of the vendor/class=name form
    "",
    "0",
    "all",
    "none",
    "GPU-0f1e",
    "MIG-GPU-3a5e1c1a/1/0",
    "nvidia.com/gpu",
    "gpu=0",
    "=0",
    "/gpu=0",
    "nvidia.com/=0",
    "nvidia.com/gpu=",
    "/nvidia.com/gpu=0",
    // vendor
    "1vendor/c=0",
    "-vendor/c=0",
    ".vendor/c=0",
    "_vendor/c=0",
    "vendor-/c=0",
    "vendor./c=0",
    "ven dor/c=0",
    "ven:dor/c=0",
    "ven\u00e9dor/c=0",
    // class
    "nvidia.com/1gpu=0",
    "nvidia.com/-gpu=0",
    "nvidia.com/gpu-=0",
    "nvidia.com/gpu.=0",
    "nvidia.com/g/pu=0",
    "nvidia.com/g:pu=0",
    "nvidia.com/g pu=0",
    // name
    "nvidia.com/gpu=-0",
    "nvidia.com/gpu=.0",
    "nvidia.com/gpu=:0",
    "nvidia.com/gpu=_0",
    "nvidia.com/gpu=0-",
    "nvidia.com/gpu=0:",
    "nvidia.com/gpu=0.",
    "nvidia.com/gpu=0/1",
    "nvidia.com/gpu=0=1",
    "nvidia.com/gpu=0 1",
    "nvidia.com/gpu= 0",
    "nvidia.com/gpu=0,1",
    "nvidia.com/gpu=\u00e9",
    "nvidia.com/gpu=0\n",
  ];
  for (const name of cases) {
    await t.step(JSON.stringify(name), () => {
      assert.equal(isQualifiedCdiName(name), false);
    });
  }
});

Deno.test("isQualifiedCdiName() JSDoc examples", () => {
  assert.equal(isQualifiedCdiName("nvidia.com/gpu=0"), true);
  assert.equal(isQualifiedCdiName("nvidia.com/gpu=all"), true);
  assert.equal(isQualifiedCdiName("GPU-0f1e"), false);
});
