import assert from "node:assert/strict";
import { parseBool } from "../lib/parse_bool.ts";

// Go's strconv.ParseBool accepts exactly these twelve spellings.

Deno.test("parseBool() reads Go's true spellings as true", async (t) => {
  for (const value of ["1", "t", "T", "TRUE", "true", "True"]) {
    await t.step(JSON.stringify(value), () => {
      assert.equal(parseBool(value), true);
    });
  }
});

Deno.test("parseBool() reads Go's false spellings as false", async (t) => {
  for (const value of ["0", "f", "F", "FALSE", "false", "False"]) {
    await t.step(JSON.stringify(value), () => {
      assert.equal(parseBool(value), false);
    });
  }
});

Deno.test("parseBool() rejects everything else with undefined", async (t) => {
  const rejected = [
    "",
    " ",
    " true",
    "true ",
    "\ttrue",
    "true\n",
    "1 ",
    "tRUE",
    "TRue",
    "trUE",
    "tRue",
    "fALSE",
    "FaLsE",
    "falsE",
    "yes",
    "no",
    "y",
    "n",
    "Y",
    "on",
    "off",
    "2",
    "-1",
    "+1",
    "01",
    "00",
    "10",
    "0x1",
    "1.0",
    "truee",
    "tru",
    "fals",
    "ture",
    "null",
    "undefined",
    "\u0074rue\u0000",
    "\uff54\uff52\uff55\uff45",
    "\u0131",
  ];
  for (const value of rejected) {
    await t.step(JSON.stringify(value), () => {
      assert.equal(parseBool(value), undefined);
    });
  }
});
