// VerificationService over gRPC: a thin adapter from the wire to services/reads (the HTTP gateway
// calls the same reads). Streams honour back-pressure: a slow client slows its own feed, and a
// cancelled call stops the work behind it.
import type * as grpc from "@grpc/grpc-js";
import {
  VerificationServiceDefinition,
  type VerifyLabelsRequest,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { BulkVerification } from "../reads/bulk.js";
import { listManufacturerProducts } from "../reads/manufacturer.js";
import { Reads } from "../reads/reads.js";
import { watchLabels } from "../reads/watch.js";
import type { Registry } from "../registry.js";
import type { GrpcServiceBinding } from "./server.js";
import { grpcDefinition, type ServiceHandlers } from "./service.js";
import { toServiceError, wellFormed, withSafeDecoding, type MalformedRequest } from "./status.js";

type Writable<T> = grpc.ServerWritableStream<unknown, T> | grpc.ServerDuplexStream<unknown, T>;

/** Writes every message of `gen`, waiting for 'drain' when the transport's buffer is full. */
async function pump<T>(call: Writable<T>, gen: AsyncGenerator<T>): Promise<void> {
  try {
    for await (const m of gen) {
      if (call.cancelled) return;
      if (!call.write(m)) {
        await new Promise<void>((res) => {
          const done = () => {
            call.off("drain", done);
            call.off("close", done);
            call.off("cancelled", done);
            res();
          };
          call.on("drain", done);
          call.on("close", done);
          call.on("cancelled", done);
        });
      }
    }
  } finally {
    await gen.return(undefined);
  }
}

function unary<Req, Res>(fn: (req: Req) => Promise<Res> | Res): grpc.handleUnaryCall<Req | MalformedRequest, Res> {
  return (call, callback) => {
    (async () => fn(wellFormed(call.request)))().then(
      (res) => callback(null, res),
      (e) => callback(toServiceError(e) as grpc.ServiceError),
    );
  };
}

export function verificationService(
  registry: Registry,
  reads = new Reads(registry.view, registry.domain),
): GrpcServiceBinding {
  const impl: ServiceHandlers<VerificationServiceDefinition> = {
    getLabel: unary((req) => reads.getLabel(req.labelId)),
    lookupProduct: unary((req) => reads.lookupProduct(req.registrationCode, req.productModel)),
    getIssuer: unary((req) => reads.getIssuer(req.issuerId)),
    listIssuers: unary(() => reads.listIssuers()),
    listCatalogue: unary(() => reads.listCatalogue()),
    listManufacturerProducts: unary((req) =>
      listManufacturerProducts(reads, req.registrationCode, req.offset, req.limit),
    ),

    watchLabels(call) {
      const abort = new AbortController();
      call.on("cancelled", () => abort.abort());
      call.on("close", () => abort.abort());
      (async () => {
        const req = wellFormed(call.request);
        await pump(call, watchLabels(reads, req, abort.signal));
      })().then(
        () => {
          if (!call.cancelled) call.end();
        },
        (e) => {
          if (!call.cancelled) call.emit("error", toServiceError(e));
        },
      );
    },

    verifyLabels(call) {
      // Requests are answered one after another, in order; reading pauses while a few wait.
      const queue: (VerifyLabelsRequest | MalformedRequest)[] = [];
      let ended = false;
      let wake: (() => void) | undefined;
      call.on("data", (r: VerifyLabelsRequest | MalformedRequest) => {
        queue.push(r);
        if (queue.length >= 4) call.pause();
        wake?.();
      });
      call.on("end", () => {
        ended = true;
        wake?.();
      });
      (async () => {
        let bulk: BulkVerification | undefined;
        for (;;) {
          const raw = queue.shift();
          if (raw === undefined) {
            if (ended || call.cancelled) break;
            await new Promise<void>((res) => (wake = res));
            continue;
          }
          if (call.isPaused()) call.resume();
          const req = wellFormed(raw);
          bulk ??= new BulkVerification(reads, req.compact);
          await pump(call, bulk.answer(req.labelIds));
        }
        // A call with no request at all still names its snapshot.
        if (!bulk && !call.cancelled) await pump(call, new BulkVerification(reads, false).answer([]));
      })().then(
        () => {
          if (!call.cancelled) call.end();
        },
        (e) => {
          if (!call.cancelled) call.emit("error", toServiceError(e));
        },
      );
    },
  };
  return {
    name: "labelreg.v1.VerificationService",
    definition: withSafeDecoding(grpcDefinition(VerificationServiceDefinition)),
    implementation: impl as unknown as grpc.UntypedServiceImplementation,
  };
}
