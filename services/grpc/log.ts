// LogService over gRPC: a thin adapter from the wire to LogReads.
import * as grpc from "@grpc/grpc-js";
import {
  LogServiceDefinition,
  type GetEntriesRequest,
  type GetEntriesResponse,
  type WatchCheckpointsRequest,
  type WatchCheckpointsResponse,
} from "../../proto/gen/messages/labelreg/v1/log_service.js";
import { checkpointResponse, LogReadError, LogReads, type NoteChanges } from "../logreads/log-reads.js";
import type { Registry } from "../registry.js";
import type { GrpcServiceBinding } from "./server.js";
import { grpcDefinition, type ServiceHandlers } from "./service.js";
import { RULE_METADATA_KEY, toServiceError, wellFormed, withSafeDecoding } from "./status.js";

const READ_CODES: Record<LogReadError["code"], grpc.status> = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  OUT_OF_RANGE: grpc.status.OUT_OF_RANGE,
  NOT_FOUND: grpc.status.NOT_FOUND,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
};

function serviceError(e: unknown): grpc.ServiceError {
  if (e instanceof LogReadError) {
    const metadata = new grpc.Metadata();
    metadata.set(RULE_METADATA_KEY, e.rule);
    return { code: READ_CODES[e.code], details: e.message, metadata } as grpc.ServiceError;
  }
  return toServiceError(e) as grpc.ServiceError;
}

/** A JavaScript number from a uint64 field, or INVALID_ARGUMENT beyond 2^53 - 1. */
function num(what: string, v: bigint | number): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n))
    throw new LogReadError("INVALID_ARGUMENT", "bad-number", `${what} ${v} is beyond 2^53 - 1`);
  return n;
}

function unary<Req, Res>(fn: (req: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(wellFormed(call.request)))
      .then(
        (res) => callback(null, res),
        (e) => callback(serviceError(e)),
      );
  };
}

/** Writes to a server stream, waiting for 'drain' when grpc-js buffers are full. */
async function write<T>(call: grpc.ServerWritableStream<unknown, T>, msg: T): Promise<void> {
  if (call.write(msg)) return;
  await new Promise<void>((res) => {
    const done = () => {
      call.off("drain", done);
      call.off("cancelled", done);
      res();
    };
    call.on("drain", done);
    call.on("cancelled", done);
  });
}

/** The LogService binding; `noteChanges` lets WatchCheckpoints send cosigned notes of the same size. */
export function logService(registry: Registry, noteChanges?: NoteChanges): GrpcServiceBinding {
  const reads = new LogReads(registry.view, registry.origin, noteChanges);
  const impl: ServiceHandlers<LogServiceDefinition> = {
    getCheckpoint: unary(async () => {
      const c = reads.checkpoint();
      if (c.note === "")
        throw new LogReadError(
          "NOT_FOUND",
          "no-checkpoint",
          "no checkpoint yet: the sequencer has not published the empty log's",
        );
      return checkpointResponse(c);
    }),

    getInclusionProof: unary(async (req) => {
      const size = num("tree_size", req.treeSize);
      if (!req.leaf) throw new LogReadError("INVALID_ARGUMENT", "missing-leaf", "give index or leaf_hash");
      const leaf = req.leaf.$case === "index" ? { index: num("index", req.leaf.value) } : { leafHash: req.leaf.value };
      const a = await reads.inclusionProof(leaf, size);
      return {
        index: BigInt(a.index),
        treeSize: BigInt(a.treeSize),
        proof: a.proof,
        entry: a.entry,
        checkpoint: a.checkpoint,
      };
    }),

    getConsistencyProof: unary(async (req) => {
      const a = await reads.consistencyProof(num("first_size", req.firstSize), num("second_size", req.secondSize));
      return {
        firstSize: BigInt(a.firstSize),
        secondSize: BigInt(a.secondSize),
        proof: a.proof,
        checkpoint: a.checkpoint,
      };
    }),

    getTile: unary(async (req) => {
      const a = await reads.tile(req.level, num("index", req.index), req.width, req.entryBundle);
      return { data: a.data, width: a.width, path: a.path };
    }),

    getEntries(call: grpc.ServerWritableStream<GetEntriesRequest, GetEntriesResponse>) {
      (async () => {
        const req = wellFormed(call.request);
        for await (const chunk of reads.entries(num("start", req.start), num("end", req.end))) {
          if (call.cancelled) return;
          await write(call, { start: BigInt(chunk.start), entries: chunk.entries });
        }
        call.end();
      })().catch((e) => {
        if (!call.cancelled) call.emit("error", serviceError(e));
      });
    },

    watchCheckpoints(call: grpc.ServerWritableStream<WatchCheckpointsRequest, WatchCheckpointsResponse>) {
      const stop = new AbortController();
      call.on("cancelled", () => stop.abort());
      call.on("close", () => stop.abort());
      (async () => {
        const req = wellFormed(call.request);
        for await (const c of reads.watch(num("after_size", req.afterSize), stop.signal)) {
          await write(call, { checkpoint: c.note, treeSize: BigInt(c.size) });
        }
        if (!call.cancelled) call.end();
      })().catch((e) => {
        if (!call.cancelled) call.emit("error", serviceError(e));
      });
    },
  };
  return {
    name: "labelreg.v1.LogService",
    definition: withSafeDecoding(grpcDefinition(LogServiceDefinition)),
    implementation: impl as unknown as grpc.UntypedServiceImplementation,
  };
}
