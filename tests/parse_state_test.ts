import assert from "node:assert/strict";
import { throwsExactly } from "./_assert.ts";
import { InputError } from "../lib/errors.ts";
import { MAX_PID, MAX_STATE_BYTES, parseState } from "../lib/parse_state.ts";

const CWD = "/run/containerd/io.containerd.runtime.v2.task/k8s.io";
const WHERE = "Cannot parse container state on stdin: ";
const PID_RANGE = "an integer from 1 to 2147483647";
const NO_BUNDLE = WHERE +
  'no bundle: "bundle" (or the older "bundlePath") must be a non-empty string';

Deno.test("parseState() limits and bounds are those of the SPEC", () => {
  assert.equal(MAX_STATE_BYTES, 1048576);
  assert.equal(MAX_PID, 2147483647);
});

Deno.test("parseState() reads a runc state", () => {
  const text = JSON.stringify({
    ociVersion: "1.0.2",
    id: "abc",
    status: "creating",
    pid: 4242,
    bundle: "/run/bundles/abc",
    annotations: { "io.kubernetes.cri.container-type": "container" },
    root: "/run/crun",
  });
  assert.deepEqual(parseState(text, CWD), { pid: 4242, bundle: "/run/bundles/abc", id: "abc" });
});

Deno.test("parseState() returns the id only when it is a non-empty string", async (t) => {
  const table: [string, string | undefined][] = [
    ['"id":"abc"', "abc"],
    ['"id":"hook-e2e-1"', "hook-e2e-1"],
    // Kept as given: whoever prints it escapes it.
    ['"id":" a\\u001b[31m\\n\\u0000"', " a\u001b[31m\n\u0000"],
    ['"id":"a","id":"b"', "b"],
    ['"id":""', undefined],
    ['"id":null', undefined],
    ['"id":7', undefined],
    ['"id":true', undefined],
    ['"id":["abc"]', undefined],
    ['"id":{"abc":1}', undefined],
    ['"id":"a","id":""', undefined],
    ["", undefined],
  ];
  for (const [field, id] of table) {
    const text = `{"pid":1,"bundle":"/b"${field === "" ? "" : `,${field}`}}`;
    await t.step(text, () => {
      const expected = id === undefined ? { pid: 1, bundle: "/b" } : { pid: 1, bundle: "/b", id };
      assert.deepEqual(parseState(text, CWD), expected);
    });
  }
});

Deno.test("parseState() accepts surrounding whitespace", () => {
  assert.deepEqual(parseState(' \n\t{"pid":1,"bundle":"/b"}\r\n ', CWD), { pid: 1, bundle: "/b" });
});

Deno.test("parseState() accepts pids from 1 to 2^31-1 written as integer literals", async (t) => {
  const table: [string, number][] = [
    ["1", 1],
    ["2", 2],
    ["4242", 4242],
    ["2147483647", 2147483647],
  ];
  for (const [pid, expected] of table) {
    await t.step(pid, () => {
      assert.deepEqual(parseState(`{"pid":${pid},"bundle":"/b"}`, CWD), {
        pid: expected,
        bundle: "/b",
      });
    });
  }
});

Deno.test("parseState() rejects an integer-valued pid written with a fraction or exponent", async (t) => {
  // NVIDIA's hook decodes the pid into a Go int: only an integer literal.
  for (const pid of ["4242.0", "4.242e3", "1e3", "1E3", "1e+3", "42E-0", "1.0", "4.2e1", "1.000"]) {
    await t.step(pid, () => {
      throwsExactly(
        () => parseState(`{"pid":${pid},"bundle":"/b"}`, CWD),
        `${WHERE}"pid" must be written as ${PID_RANGE} (no fraction or exponent), got ${pid}`,
      );
    });
  }
});

Deno.test("parseState() rejects a pid out of range or not an integer", async (t) => {
  const table: [string, string][] = [
    ["0", "0"],
    ["-1", "-1"],
    ["2147483648", "2147483648"],
    ["1.5", "1.5"],
    ["-0", "0"],
    ["1e400", "Infinity"],
    ['"5"', "a string"],
    ["true", "a boolean"],
    ["[5]", "an array"],
    ['{"n":5}', "an object"],
  ];
  for (const [pid, got] of table) {
    await t.step(pid, () => {
      throwsExactly(
        () => parseState(`{"pid":${pid},"bundle":"/b"}`, CWD),
        `${WHERE}"pid" must be ${PID_RANGE}, got ${got}`,
      );
    });
  }
});

Deno.test("parseState() rejects a missing or null pid", async (t) => {
  for (
    const text of [
      '{"bundle":"/b"}',
      '{"pid":null,"bundle":"/b"}',
      '{"pid":1,"bundle":"/b","pid":null}',
    ]
  ) {
    await t.step(text, () => {
      throwsExactly(
        () => parseState(text, CWD),
        `${WHERE}"pid" is missing; expected ${PID_RANGE}`,
      );
    });
  }
});

Deno.test("parseState() keeps the last value of a repeated key", async (t) => {
  await t.step('{"pid":1,"pid":2,...}', () => {
    assert.deepEqual(parseState('{"pid":1,"pid":2,"bundle":"/b"}', CWD), { pid: 2, bundle: "/b" });
  });
  await t.step('{"bundle":"/a","bundle":"/b",...}', () => {
    assert.deepEqual(parseState('{"pid":3,"bundle":"/a","bundle":"/b"}', CWD), {
      pid: 3,
      bundle: "/b",
    });
  });
  await t.step('{"pid":0,...,"pid":7}', () => {
    assert.deepEqual(parseState('{"pid":0,"bundle":"/b","pid":7}', CWD), { pid: 7, bundle: "/b" });
  });
  await t.step('{"pid":4242.0,"pid":7,...}: every pid is written as Go decodes it', () => {
    // Go's decoder decodes each occurrence and reports the first type error.
    assert.throws(
      () => parseState('{"pid":4242.0,"pid":7,"bundle":"/b"}', CWD),
      new InputError(
        'Cannot parse container state on stdin: "pid" must be written as an integer from 1 to' +
          " 2147483647 (no fraction or exponent), got 4242.0",
      ),
    );
  });
  await t.step('{"pid":7,"pid":4242.0,...}: the last pid is refused', () => {
    throwsExactly(
      () => parseState('{"pid":7,"pid":4242.0,"bundle":"/b"}', CWD),
      `${WHERE}"pid" must be written as ${PID_RANGE} (no fraction or exponent), got 4242.0`,
    );
  });
  await t.step('{"x":{"pid":1.0},"pid":5,...}: a nested pid is not the state\'s', () => {
    assert.deepEqual(parseState('{"x":{"pid":1.0},"pid":5,"bundle":"/b"}', CWD), {
      pid: 5,
      bundle: "/b",
    });
  });
});

Deno.test("parseState() chooses bundle over bundlePath", async (t) => {
  const table: [string, string][] = [
    ['{"pid":1,"bundle":"/a","bundlePath":"/p"}', "/a"],
    ['{"pid":1,"bundlePath":"/p"}', "/p"],
    ['{"pid":1,"bundle":null,"bundlePath":"/p"}', "/p"],
    ['{"pid":1,"bundle":"","bundlePath":"/p"}', "/p"],
    ['{"pid":1,"bundle":"/a","bundlePath":""}', "/a"],
    ['{"pid":1,"bundle":"/a","bundlePath":null}', "/a"],
  ];
  for (const [text, bundle] of table) {
    await t.step(text, () => {
      assert.deepEqual(parseState(text, CWD), { pid: 1, bundle });
    });
  }
});

Deno.test("parseState() rejects a state without a bundle", async (t) => {
  const table = [
    '{"pid":1}',
    '{"pid":1,"bundle":""}',
    '{"pid":1,"bundle":null}',
    '{"pid":1,"bundlePath":""}',
    '{"pid":1,"bundle":"","bundlePath":""}',
    '{"pid":1,"bundle":null,"bundlePath":null}',
    '{"pid":1,"Bundle":"/b"}',
    '{"pid":1,"bundlepath":"/b"}',
  ];
  for (const text of table) {
    await t.step(text, () => {
      throwsExactly(() => parseState(text, CWD), NO_BUNDLE);
    });
  }
});

Deno.test("parseState() rejects a bundle of the wrong type", async (t) => {
  const table: [string, string][] = [
    ['{"pid":1,"bundle":5}', '"bundle" must be a string, got a number'],
    ['{"pid":1,"bundle":true}', '"bundle" must be a string, got a boolean'],
    ['{"pid":1,"bundle":["/b"]}', '"bundle" must be a string, got an array'],
    ['{"pid":1,"bundle":{"path":"/b"}}', '"bundle" must be a string, got an object'],
    ['{"pid":1,"bundlePath":5}', '"bundlePath" must be a string, got a number'],
    ['{"pid":1,"bundle":"","bundlePath":[]}', '"bundlePath" must be a string, got an array'],
  ];
  for (const [text, detail] of table) {
    await t.step(text, () => {
      throwsExactly(() => parseState(text, CWD), WHERE + detail);
    });
  }
});

Deno.test("parseState() resolves a relative bundle against the working directory", async (t) => {
  const table: [string, string, string][] = [
    ["b", "/run", "/run/b"],
    ["./b/", "/run", "/run/b"],
    ["../b", "/run/x", "/run/b"],
    ["a//b/./c", "/", "/a/b/c"],
    ["/abs//b/", "/run", "/abs/b"],
  ];
  for (const [bundle, cwd, expected] of table) {
    await t.step(`${bundle} in ${cwd}`, () => {
      assert.deepEqual(parseState(JSON.stringify({ pid: 9, bundle }), cwd), {
        pid: 9,
        bundle: expected,
      });
    });
  }
  await t.step("bundlePath b in /run", () => {
    assert.deepEqual(parseState('{"pid":9,"bundlePath":"b"}', "/run"), {
      pid: 9,
      bundle: "/run/b",
    });
  });
});

Deno.test("parseState() rejects a state that is not one JSON object", async (t) => {
  const table: [string, string][] = [
    ["null", "expected a JSON object, got null"],
    ["[]", "expected a JSON object, got an array"],
    ['[{"pid":1,"bundle":"/b"}]', "expected a JSON object, got an array"],
    ['"state"', "expected a JSON object, got a string"],
    ["42", "expected a JSON object, got a number"],
    ["true", "expected a JSON object, got a boolean"],
    ["", "empty input"],
    [" \n", "empty input"],
    ['{"pid":1,"bundle":"/b"} x', "unexpected data after the JSON value at line 1, column 25"],
    ['{"pid":1,"bundle":"/b"}\n{}', "unexpected data after the JSON value at line 2, column 1"],
    ['{"pid":1,"bundle":"/b"', "invalid JSON: unexpected end of input"],
    ['{"pid":1,"bundle":/b}', "invalid JSON at line 1, column 19"],
  ];
  for (const [text, detail] of table) {
    await t.step(JSON.stringify(text), () => {
      throwsExactly(() => parseState(text, CWD), WHERE + detail);
    });
  }
});

Deno.test("parseState() does not crash on deeply nested input", () => {
  const depth = 100000;
  throwsExactly(
    () => parseState("[".repeat(depth) + "]".repeat(depth), CWD),
    WHERE + "expected a JSON object, got an array",
  );
  throwsExactly(
    () => parseState('{"pid":1,"bundle":"/b","x":' + "[".repeat(depth), CWD),
    WHERE + "invalid JSON: unexpected end of input",
  );
  assert.deepEqual(
    parseState('{"pid":1,"bundle":"/b","x":' + "[".repeat(depth) + "]".repeat(depth) + "}", CWD),
    { pid: 1, bundle: "/b" },
  );
});

Deno.test("parseState() ignores __proto__ and constructor keys", async (t) => {
  await t.step('{"__proto__":{"pid":5,"bundle":"/b"}}', () => {
    throwsExactly(
      () => parseState('{"__proto__":{"pid":5,"bundle":"/b"}}', CWD),
      `${WHERE}"pid" is missing; expected ${PID_RANGE}`,
    );
  });
  await t.step('{"pid":5,"__proto__":{"bundle":"/b"}}', () => {
    throwsExactly(() => parseState('{"pid":5,"__proto__":{"bundle":"/b"}}', CWD), NO_BUNDLE);
  });
  await t.step('{"pid":5,"bundle":"/b","__proto__":{"polluted":1},"constructor":{}}', () => {
    assert.deepEqual(
      parseState('{"pid":5,"bundle":"/b","__proto__":{"polluted":1},"constructor":{}}', CWD),
      { pid: 5, bundle: "/b" },
    );
    assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
  });
  await t.step('{"constructor":1,"toString":2,"hasOwnProperty":3,"pid":5,"bundle":"/b"}', () => {
    assert.deepEqual(
      parseState(
        '{"constructor":1,"toString":2,"hasOwnProperty":3,"pid":5,"bundle":"/b"}',
        CWD,
      ),
      { pid: 5, bundle: "/b" },
    );
  });
});

Deno.test("parseState() ignores fields it does not read, whatever their type", () => {
  const text =
    '{"ociVersion":5,"id":null,"status":[],"annotations":"x","root":{},"pid":8,"bundle":"/b"}';
  assert.deepEqual(parseState(text, CWD), { pid: 8, bundle: "/b" });
});

Deno.test("parseState() never quotes the state in its errors", () => {
  const secret = "tok3n-hunter2";
  for (
    const text of [`{"pid":"${secret}","bundle":"/b"}`, `{"pid":1,"bundle":"/b","x":${secret}}`]
  ) {
    assert.throws(() => parseState(text, CWD), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.ok(!e.message.includes(secret), e.message);
      return true;
    });
  }
});
