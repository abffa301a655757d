import assert from "node:assert/strict";
import { PolicyError } from "../lib/errors.ts";
import {
  checkImexChannels,
  imexFromItems,
  imexOption,
  type ImexRequest,
  MAX_IMEX_CHANNEL,
} from "../lib/imex_channels.ts";

// SPEC 5.8: IMEX channels follow the list rules of devices; `none`, `void`
// and empty mean none; `all` asks for no channel (the CLI refuses
// `--imex-channel=all`); the channels, decimal numbers below 2^20, become
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
    // The CLI refuses --imex-channel=all: all asks for no channel.
    [{ kind: "all" }, undefined],
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

Deno.test("MAX_IMEX_CHANNEL is 2^20", () => {
  assert.equal(MAX_IMEX_CHANNEL, 1048576);
});

/** The refusal of one channel taken from `from`. */
function refusal(id: string, from: string): string {
  return `Cannot request IMEX channel ${JSON.stringify(id)} from ${from}: a channel is a` +
    ` decimal number below 1048576, or the only item is "all"`;
}

Deno.test("checkImexChannels() accepts decimal channels below 2^20, all and none", async (t) => {
  const table: ImexRequest[] = [
    { kind: "none" },
    { kind: "all" },
    { kind: "list", ids: ["0"] },
    { kind: "list", ids: ["1048575"] },
    { kind: "list", ids: ["0", "1", "1048575"] },
    // Leading zeros are decimal (the 1.17.0 CLI takes them), up to 16 digits.
    { kind: "list", ids: ["0001"] },
    { kind: "list", ids: ["0000000000000001"] },
    { kind: "list", ids: ["0000000001048575"] },
  ];
  for (const request of table) {
    await t.step(JSON.stringify(request), () => {
      assert.equal(checkImexChannels(request, "NVIDIA_IMEX_CHANNELS"), undefined);
    });
  }
});

Deno.test("checkImexChannels() refuses any other channel, naming it and where it came from", async (t) => {
  const table: [string[], string][] = [
    [["1048576"], "1048576"],
    [["9999999999999999"], "9999999999999999"],
    [["-1"], "-1"],
    [["+1"], "+1"],
    [["0x1"], "0x1"],
    [["1e3"], "1e3"],
    [["1.0"], "1.0"],
    [["ALL"], "ALL"],
    [["none0"], "none0"],
    // splitList trims and drops empty items; a list built otherwise is checked as it is.
    [[""], ""],
    [[" 1"], " 1"],
    [["1 "], "1 "],
    [["\u0661"], "\u0661"],
    // 17 digits, even with the value 1.
    [["00000000000000001"], "00000000000000001"],
    // The first bad channel is named.
    [["0", "1048575", "x", "y"], "x"],
  ];
  for (const [ids, bad] of table) {
    await t.step(JSON.stringify(ids), () => {
      for (const from of ["NVIDIA_IMEX_CHANNELS", "the IMEX volume mounts"]) {
        assert.throws(
          () => checkImexChannels({ kind: "list", ids }, from),
          (e: unknown) => e instanceof PolicyError && e.message === refusal(bad, from),
        );
      }
    });
  }
});

Deno.test("checkImexChannels() shortens a long channel in its message", () => {
  const long = "9".repeat(500);
  assert.throws(
    () => checkImexChannels({ kind: "list", ids: [long] }, "NVIDIA_IMEX_CHANNELS"),
    (e: unknown) =>
      e instanceof PolicyError && e.message.length < 300 && e.message.startsWith(
        'Cannot request IMEX channel "9999',
      ),
  );
});

Deno.test("imex_channels JSDoc examples", () => {
  assert.deepEqual(imexFromItems(["0", "1"]), { kind: "list", ids: ["0", "1"] });
  assert.deepEqual(imexFromItems(["0", "none"]), { kind: "none" });
  assert.equal(
    checkImexChannels({ kind: "list", ids: ["0", "3"] }, "NVIDIA_IMEX_CHANNELS"),
    undefined,
  );
  assert.throws(
    () => checkImexChannels({ kind: "list", ids: ["x"] }, "NVIDIA_IMEX_CHANNELS"),
    PolicyError,
  );
  assert.equal(imexOption({ kind: "list", ids: ["0", "3"] }), "0,3");
  assert.equal(imexOption({ kind: "all" }), undefined);
});
