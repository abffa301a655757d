import assert from "node:assert/strict";
import { allowedLogPath, type LogEntry, logLine, MAX_LOG_LINE } from "../lib/decision_log.ts";

Deno.test("allowedLogPath() takes files under /var/log and /run only, by segment", async (t) => {
  const table: [string, string | undefined][] = [
    ["/var/log/nvidia-container-runtime-hook.log", "/var/log/nvidia-container-runtime-hook.log"],
    ["/var/log/nvidia/decisions.log", "/var/log/nvidia/decisions.log"],
    ["/run/nvidia-hook/decisions.log", "/run/nvidia-hook/decisions.log"],
    ["/var/log//x.log", "/var/log/x.log"],
    ["/var/log/./a/../x.log", "/var/log/x.log"],
    ["/var/log", undefined],
    ["/var/log/", undefined],
    ["/run", undefined],
    ["/var/logs/x.log", undefined],
    ["/var/log-x/x.log", undefined],
    ["/runx/x.log", undefined],
    ["/var/run/x.log", undefined],
    ["/var/log/../../etc/passwd", undefined],
    ["/etc/x.log", undefined],
    ["var/log/x.log", undefined],
    ["", undefined],
  ];
  for (const [path, want] of table) {
    await t.step(JSON.stringify(path), () => assert.equal(allowedLogPath(path), want));
  }
});

function entry(fields: Partial<LogEntry> = {}): LogEntry {
  return {
    schema: 1,
    time: "2026-12-01T09:00:00.000Z",
    container: "c1",
    bundle: "/b",
    pid: 42,
    gpu: true,
    reason: "NVIDIA_VISIBLE_DEVICES",
    devices: "0",
    capabilities: ["utility"],
    requirements: [],
    argv: ["/usr/bin/nvidia-container-cli", "configure", "--pid=42", "/b/rootfs"],
    outcome: "cli",
    error: null,
    hook_ms: 12.5,
    ...fields,
  };
}

Deno.test("logLine() writes the entry as one JSON line in field order", () => {
  assert.equal(
    logLine(entry()),
    '{"schema":1,"time":"2026-12-01T09:00:00.000Z","container":"c1","bundle":"/b","pid":42,' +
      '"gpu":true,"reason":"NVIDIA_VISIBLE_DEVICES","devices":"0","capabilities":["utility"],' +
      '"requirements":[],"argv":["/usr/bin/nvidia-container-cli","configure","--pid=42",' +
      '"/b/rootfs"],"outcome":"cli","error":null,"hook_ms":12.5}\n',
  );
});

Deno.test("logLine() cuts the longest fields, marked, to stay within 4 KiB", async (t) => {
  const byteLength = (s: string) => new TextEncoder().encode(s).length;
  await t.step("one long error", () => {
    const line = logLine(entry({ error: "x".repeat(10_000) }));
    assert.ok(byteLength(line) <= MAX_LOG_LINE);
    const parsed = JSON.parse(line);
    assert.match(parsed.error, /^x+\.\.\.\[cut\]$/);
    assert.equal(parsed.container, "c1");
  });
  await t.step("a long argv element among short ones", () => {
    const long = `--require=${"cuda>=12.0 ".repeat(1000)}`;
    const line = logLine(entry({ argv: ["/cli", long, "/b/rootfs"] }));
    assert.ok(byteLength(line) <= MAX_LOG_LINE);
    const argv = JSON.parse(line).argv;
    assert.deepEqual([argv[0], argv[2]], ["/cli", "/b/rootfs"]);
    assert.ok(argv[1].startsWith("--require=cuda>=12.0 ") && argv[1].endsWith("...[cut]"));
  });
  await t.step("multi-byte characters count as bytes", () => {
    const line = logLine(entry({ reason: "\u00e9".repeat(4000) }));
    assert.ok(byteLength(line) <= MAX_LOG_LINE);
    assert.ok(JSON.parse(line).reason.endsWith("...[cut]"));
  });
  await t.step("many short strings: the lists go, marked", () => {
    const line = logLine(entry({ requirements: Array(600).fill("cuda>=1"), argv: [] }));
    assert.ok(byteLength(line) <= MAX_LOG_LINE);
    const parsed = JSON.parse(line);
    assert.deepEqual([parsed.requirements, parsed.argv], [null, ["...[cut]"]]);
  });
  await t.step("the same entry gives the same line", () => {
    const e = entry({ error: "y".repeat(9000), bundle: "/b".repeat(3000) });
    assert.equal(logLine(e), logLine(e));
  });
});
