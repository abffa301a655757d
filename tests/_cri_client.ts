/**
 * The CRI client process of the CRI suite (tests/_cri.ts starts it): it
 * calls containerd's CRI API (`runtime.v1`) over a unix socket with
 * `@grpc/grpc-js`, one call per JSON line on stdin
 * (`{"id", "method", "request", "timeoutMs"}`), and answers each with one
 * JSON line on stdout (`{"id", "response"}` or `{"id", "error": {"code",
 * "details"}}`), in any order. It ends at the end of stdin.
 *
 * A process of its own because Deno checks a unix-socket connect against
 * the net permission (`Requires net access to "unix:/..."`), which the test
 * task does not grant: this process gets exactly
 * `--allow-net=unix:SOCKET`, and read/write of that socket.
 *
 * Usage: `deno run ... tests/_cri_client.ts SOCKET PROTO`.
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { createInterface } from "node:readline";
import process from "node:process";

const [socket, proto] = Deno.args as [string, string];
const definition = protoLoader.loadSync(proto, {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
});
// deno-lint-ignore no-explicit-any
const pkg = grpc.loadPackageDefinition(definition) as any;
const address = `unix://${socket}`;
const credentials = grpc.credentials.createInsecure();
const runtime = new pkg.runtime.v1.RuntimeService(address, credentials);
const image = new pkg.runtime.v1.ImageService(address, credentials);
const IMAGE_METHODS = new Set([
  "ImageStatus",
  "ListImages",
  "PullImage",
  "RemoveImage",
  "ImageFsInfo",
]);

const encoder = new TextEncoder();
function answer(value: unknown): void {
  Deno.stdout.writeSync(encoder.encode(JSON.stringify(value) + "\n"));
}

let pending = 0;
let ended = false;
function finish(): void {
  if (ended && pending === 0) {
    runtime.close();
    image.close();
    process.exit(0);
  }
}

const lines = createInterface({ input: process.stdin });
lines.on("line", (line: string) => {
  const { id, method, request, timeoutMs } = JSON.parse(line);
  const service = IMAGE_METHODS.has(method) ? image : runtime;
  pending++;
  service[method](
    request,
    { deadline: Date.now() + timeoutMs },
    (err: grpc.ServiceError | null, response: unknown) => {
      pending--;
      if (err === null) answer({ id, response });
      else answer({ id, error: { code: err.code, details: err.details } });
      finish();
    },
  );
});
lines.on("close", () => {
  ended = true;
  finish();
});
