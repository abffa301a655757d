import assert from "node:assert/strict";
import { imexFromItems, imexOption, type ImexRequest } from "../lib/imex_channels.ts";

// SPEC 5.8: IMEX channels follow the list rules of devices; `none`, `void`
// and empty mean none; `all` is passed as `all`; the channels become
// `--imex-channel=a,b`.

Deno.test("imexFromItems() reads IMEX channel items", async (t) => {
  const table: [string[], ImexRequest][] = [
    [[], { kind: "none" }],
    [["void"], { kind: "none" }],
    [["0", "void"], { kind: "none" }],
    [["void", "all"], { kind: "none" }],
    [["none"], { kind: "none" }],
    [["0", "none"], { kind: "none" }],
    [["all"], { kind: "all" }],
    [["0", "all"], { kind: "all" }],
    [["none", "all"], { kind: "all" }],
    [["0"], { kind: "list", ids: ["0"] }],
    [["0", "1"], { kind: "list", ids: ["0", "1"] }],
    [["3", "1"], { kind: "list", ids: ["3", "1"] }],
    [["ALL"], { kind: "list", ids: ["ALL"] }],
    [["None", "VOID"], { kind: "list", ids: ["None", "VOID"] }],
  ];
  for (const [items, want] of table) {
    await t.step(JSON.stringify(items), () => {
      assert.deepEqual(imexFromItems(items), want);
    });
  }
});

Deno.test("imexOption() gives the --imex-channel= value", async (t) => {
  const table: [ImexRequest, string | undefined][] = [
    [{ kind: "none" }, undefined],
    [{ kind: "all" }, "all"],
    [{ kind: "list", ids: ["0"] }, "0"],
    [{ kind: "list", ids: ["0", "3"] }, "0,3"],
    [{ kind: "list", ids: ["3", "0", "12"] }, "3,0,12"],
  ];
  for (const [request, want] of table) {
    await t.step(JSON.stringify(request), () => {
      assert.equal(imexOption(request), want);
    });
  }
});

Deno.test("imex_channels JSDoc examples", () => {
  assert.deepEqual(imexFromItems(["0", "1"]), { kind: "list", ids: ["0", "1"] });
  assert.deepEqual(imexFromItems(["0", "none"]), { kind: "none" });
  assert.equal(imexOption({ kind: "list", ids: ["0", "3"] }), "0,3");
});
