// The bare-transport baseline for bench/issue.bench.ts: a grpc-js server whose methods do no
// work. Same message sizes as the registry's IssuanceService: it takes the same request bytes and
// answers with recorded registry responses (a unary SubmitResponse; for the stream a
// SubmitBulkResponse whose leading `sequence` field is replaced by the request's, so the client
// can match responses exactly as it does for the registry).
//
//   node dist/bench/noop-server.js <unary-response-file> <bulk-response-file>
//
// Prints {"port": N} once listening.
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { NOOP_BULK_PATH, NOOP_UNARY_PATH } from "./noop-child.js";

const [unaryFile, bulkFile] = process.argv.slice(2);
if (!unaryFile || !bulkFile) {
  process.stderr.write("usage: noop-server.ts <unary-response-file> <bulk-response-file>\n");
  process.exit(2);
}
const unaryReply = readFileSync(unaryFile);
/** A SubmitBulkResponse without its sequence field (field 1): we prepend the request's. */
const bulkTail = readFileSync(bulkFile);

const identity = (b: Buffer) => b;

const definition: grpc.ServiceDefinition = {
  Unary: {
    path: NOOP_UNARY_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
  Bulk: {
    path: NOOP_BULK_PATH,
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

/** The bytes of a SubmitBulkRequest's leading `sequence = 1` varint field (tag 0x08), if present. */
function sequenceField(req: Buffer): Buffer {
  if (req[0] !== 0x08) return Buffer.alloc(0);
  let i = 1;
  while (i < req.length && i < 11 && (req[i]! & 0x80) !== 0) i++;
  return req.subarray(0, i + 1);
}

const server = new grpc.Server({
  "grpc.max_receive_message_length": 16 << 20,
  "grpc.max_send_message_length": 16 << 20,
});
server.addService(definition, {
  Unary: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, cb: grpc.sendUnaryData<Buffer>) => cb(null, unaryReply),
  Bulk: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
    call.on("data", (req: Buffer) => call.write(Buffer.concat([sequenceField(req), bulkTail])));
    call.on("end", () => call.end());
    call.on("error", () => undefined);
  },
});
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  console.log(JSON.stringify({ port }));
});
