// IssuanceService over gRPC: a thin adapter from the wire to Registry.submit.
import type * as grpc from "@grpc/grpc-js";
import type { Receipt } from "../../proto/gen/messages/labelreg/v1/entry.js";
import {
  IssuanceServiceDefinition,
  type SubmitBulkRequest,
  type SubmitBulkResponse,
} from "../../proto/gen/messages/labelreg/v1/issuance_service.js";
import { encodeMapProof } from "../domain/map-wire.js";
import type { Registry } from "../registry.js";
import { RegistryError } from "../sequencer/errors.js";
import type { SequencedReceipt } from "../sequencer/sequencer.js";
import type { GrpcServiceBinding } from "./server.js";
import { grpcDefinition, type ServiceHandlers } from "./service.js";
import { grpcCode, toServiceError, wellFormed, withSafeDecoding } from "./status.js";

/** Statements of one bulk stream in flight at once; past it the stream is paused (back-pressure). */
export const BULK_MAX_IN_FLIGHT = 4096;

export function toReceipt(r: SequencedReceipt): Receipt {
  const m = r.map;
  return {
    entry: r.entry,
    index: BigInt(r.index),
    inclusionProof: r.inclusionProof,
    checkpoint: r.checkpoint,
    commitmentEntry: m ? m.commitmentEntry : new Uint8Array(0),
    commitmentInclusionProof: m ? m.commitmentInclusionProof : [],
    mapProof: m ? encodeMapProof(m.proof) : new Uint8Array(0),
  };
}

const missingStatement = () =>
  new RegistryError("INVALID_ARGUMENT", "missing-statement", "signed_statement is required");

export function issuanceService(registry: Registry): GrpcServiceBinding {
  const impl: ServiceHandlers<IssuanceServiceDefinition> = {
    submit(call, callback) {
      (async () => {
        const req = wellFormed(call.request);
        if (!req.signedStatement) throw missingStatement();
        return toReceipt(await registry.submit(req.signedStatement));
      })().then(
        (receipt) => callback(null, { receipt }),
        (e) => callback(toServiceError(e) as grpc.ServiceError),
      );
    },

    submitBulk(call) {
      let inFlight = 0;
      let ended = false;
      let failed = false;
      const finish = () => {
        if (ended && inFlight === 0 && !failed) call.end();
      };
      const answer = (res: SubmitBulkResponse) => {
        inFlight--;
        if (!call.cancelled && !failed) call.write(res);
        if (inFlight < BULK_MAX_IN_FLIGHT / 2 && call.isPaused()) call.resume();
        finish();
      };
      call.on("data", (raw: SubmitBulkRequest) => {
        let req: SubmitBulkRequest;
        try {
          req = wellFormed(raw);
        } catch (e) {
          // Without a sequence number the response could not be matched: end the stream.
          failed = true;
          call.emit("error", toServiceError(e));
          return;
        }
        inFlight++;
        if (inFlight >= BULK_MAX_IN_FLIGHT) call.pause();
        const sequence = req.sequence;
        const p = req.signedStatement ? registry.submit(req.signedStatement) : Promise.reject(missingStatement());
        p.then(
          (r) => answer({ sequence, result: { $case: "receipt", value: toReceipt(r) } }),
          (e) => {
            const err = e instanceof RegistryError ? e : new RegistryError("INTERNAL", "internal", "internal error");
            if (!(e instanceof RegistryError)) toServiceError(e);
            answer({
              sequence,
              result: { $case: "status", value: { code: grpcCode(err.code), rule: err.rule, message: err.message } },
            });
          },
        );
      });
      call.on("end", () => {
        ended = true;
        finish();
      });
      call.on("error", () => {
        failed = true;
      });
    },
  };
  return {
    name: "labelreg.v1.IssuanceService",
    definition: withSafeDecoding(grpcDefinition(IssuanceServiceDefinition)),
    implementation: impl as unknown as grpc.UntypedServiceImplementation,
  };
}
