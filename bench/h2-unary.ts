// A lean gRPC unary client over node:http2, for the benchmark's load generator only. The load
// runs on the same cores as the server it measures; grpc-js spends ~130-200 µs of CPU per unary
// call on the client side (call stack, interceptors, metadata, deadline timer), which at an
// offered 2,000/s is a good part of a core taken from the server and charged to its latency.
// This client sends the same gRPC requests on the wire (HTTP/2 POST, application/grpc,
// length-prefixed message, te: trailers) over one connection, as grpc-js does, and reads the
// grpc-status (and the registry's labelreg-rule) from the trailers or a trailers-only response.
// No compression, no retries, no deadlines: the runs have their own bounds.
import * as http2 from "node:http2";
import { STATUS_NAMES } from "../services/client/errors.js";

/** The outcome of one call: the response message, or an error name like grpc-js's status names. */
export interface UnaryOutcome {
  readonly error?: string;
  readonly response?: Buffer;
}

export type UnaryCaller = (path: string, request: Buffer) => Promise<UnaryOutcome>;

/** `[0][length u32 BE][message]`: a gRPC length-prefixed message, uncompressed. */
export function grpcFrame(message: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + message.length);
  out[0] = 0;
  out.writeUInt32BE(message.length, 1);
  message.copy(out, 5);
  return out;
}

/** The one message of a unary response body, or undefined if the body is not exactly one frame. */
function unframe(body: Buffer): Buffer | undefined {
  if (body.length < 5 || body[0] !== 0) return undefined;
  const len = body.readUInt32BE(1);
  return body.length === 5 + len ? body.subarray(5) : undefined;
}

function statusError(headers: http2.IncomingHttpHeaders): string | undefined {
  const raw = headers["grpc-status"];
  if (raw === undefined) return undefined;
  const code = Number(raw);
  if (code === 0) return "";
  const rule = headers["labelreg-rule"];
  return `${STATUS_NAMES[code] ?? code}${rule ? `/${String(rule)}` : ""}`;
}

/** A connection to `address` (host:port, plaintext) and a caller taking pre-framed requests. */
export function h2UnaryClient(address: string): { call: UnaryCaller; close(): void } {
  const session = http2.connect(`http://${address}`);
  session.on("error", () => undefined); // each call reports its own failure
  const call: UnaryCaller = (path, framed) =>
    new Promise((resolve) => {
      let settled = false;
      const done = (o: UnaryOutcome) => {
        if (!settled) {
          settled = true;
          resolve(o);
        }
      };
      const stream = session.request({
        ":method": "POST",
        ":path": path,
        "content-type": "application/grpc",
        te: "trailers",
      });
      const chunks: Buffer[] = [];
      let status: string | undefined;
      stream.on("response", (headers) => {
        status = statusError(headers); // a trailers-only response carries the status here
      });
      stream.on("trailers", (trailers) => {
        status = statusError(trailers) ?? status;
      });
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (status === undefined) return done({ error: "no-grpc-status" });
        if (status !== "") return done({ error: status });
        const response = unframe(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
        done(response ? { response } : { error: "bad-frame" });
      });
      stream.on("error", (e) => done({ error: `transport/${e.message}` }));
      stream.on("close", () => done({ error: "closed" }));
      stream.end(framed);
    });
  return { call, close: () => session.close() };
}
