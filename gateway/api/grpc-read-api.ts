// The registry's reads over gRPC (VerificationService and LogService), for a gateway running as
// its own process: `labelreg gateway --registry HOST:PORT`. Refusals arrive as RegistryClientError
// with the registry's status and rule, so the JSON API answers them exactly as in-process.

import { Metadata, type CallOptions, type ChannelCredentials, type ServiceError } from "@grpc/grpc-js";
import { LogServiceClient, VerificationServiceClient } from "../../services/grpc/clients.js";
import type {
  GetIssuerResponse,
  GetLabelResponse,
  ListCatalogueResponse,
  ListIssuersResponse,
  ListManufacturerProductsResponse,
  LookupProductResponse,
  VerifyLabelsResponse,
  WatchLabelsRequest,
  WatchLabelsResponse,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { fromServiceError } from "../../services/client/errors.js";
import type { CheckpointView, ConsistencyAnswer, InclusionAnswer } from "../../services/logreads/log-reads.js";
import type { ReadApi } from "./read-api.js";

/** Unary calls give up after this long: a reader is waiting. */
const DEADLINE_MS = 10_000;
const MAX_MESSAGE = 16 * 1024 * 1024;

type Unary<Req, Res> = (
  req: Req,
  md: Metadata,
  opts: Partial<CallOptions>,
  cb: (err: ServiceError | null, res: Res) => void,
) => unknown;

export class GrpcReadApi implements ReadApi {
  private readonly verification: VerificationServiceClient;
  private readonly log: LogServiceClient;

  constructor(address: string, credentials: ChannelCredentials) {
    const options = { "grpc.max_receive_message_length": MAX_MESSAGE };
    this.verification = new VerificationServiceClient(address, credentials, options);
    this.log = new LogServiceClient(address, credentials, options);
  }

  private unary<Req, Res>(client: object, method: Unary<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) =>
      method.call(client, req, new Metadata(), { deadline: Date.now() + DEADLINE_MS }, (err, res) =>
        err ? reject(fromServiceError(err)) : resolve(res),
      ),
    );
  }

  getLabel(labelId: string): Promise<GetLabelResponse> {
    return this.unary(this.verification, this.verification.getLabel, { labelId });
  }
  lookupProduct(registrationCode: string, productModel: string): Promise<LookupProductResponse> {
    return this.unary(this.verification, this.verification.lookupProduct, { registrationCode, productModel });
  }
  getIssuer(issuerId: string): Promise<GetIssuerResponse> {
    return this.unary(this.verification, this.verification.getIssuer, { issuerId });
  }
  listIssuers(): Promise<ListIssuersResponse> {
    return this.unary(this.verification, this.verification.listIssuers, {});
  }
  listCatalogue(): Promise<ListCatalogueResponse> {
    return this.unary(this.verification, this.verification.listCatalogue, {});
  }
  listManufacturerProducts(
    registrationCode: string,
    offset: number,
    limit: number,
  ): Promise<ListManufacturerProductsResponse> {
    return this.unary(this.verification, this.verification.listManufacturerProducts, {
      registrationCode,
      offset,
      limit,
    });
  }

  async *verifyLabels(labelIds: readonly string[], compact: boolean): AsyncGenerator<VerifyLabelsResponse> {
    const call = this.verification.verifyLabels();
    call.end({ labelIds: [...labelIds], compact });
    try {
      for await (const m of call as AsyncIterable<VerifyLabelsResponse>) yield m;
    } catch (e) {
      throw fromServiceError(e);
    } finally {
      call.cancel();
    }
  }

  async *watchLabels(req: WatchLabelsRequest, signal: AbortSignal): AsyncGenerator<WatchLabelsResponse> {
    const call = this.verification.watchLabels(req);
    const stop = () => call.cancel();
    signal.addEventListener("abort", stop, { once: true });
    try {
      for await (const m of call as AsyncIterable<WatchLabelsResponse>) yield m;
    } catch (e) {
      if (signal.aborted) return;
      throw fromServiceError(e);
    } finally {
      signal.removeEventListener("abort", stop);
      call.cancel();
    }
  }

  async checkpoint(): Promise<CheckpointView> {
    const r = await this.unary(this.log, this.log.getCheckpoint, {});
    const witnessed =
      r.witnessedCheckpoint === "" ? undefined : { note: r.witnessedCheckpoint, size: Number(r.witnessedTreeSize) };
    return { note: r.checkpoint, size: Number(r.treeSize), cosigners: r.cosigners, witnessed };
  }

  async inclusionProof(leaf: { index: number } | { leafHash: Uint8Array }, treeSize: number): Promise<InclusionAnswer> {
    const l =
      "index" in leaf
        ? { $case: "index" as const, value: BigInt(leaf.index) }
        : { $case: "leafHash" as const, value: leaf.leafHash };
    const r = await this.unary(this.log, this.log.getInclusionProof, { leaf: l, treeSize: BigInt(treeSize) });
    return {
      index: Number(r.index),
      treeSize: Number(r.treeSize),
      proof: r.proof,
      entry: r.entry,
      checkpoint: r.checkpoint,
    };
  }

  async consistencyProof(firstSize: number, secondSize: number): Promise<ConsistencyAnswer> {
    const r = await this.unary(this.log, this.log.getConsistencyProof, {
      firstSize: BigInt(firstSize),
      secondSize: BigInt(secondSize),
    });
    return {
      firstSize: Number(r.firstSize),
      secondSize: Number(r.secondSize),
      proof: r.proof,
      checkpoint: r.checkpoint,
    };
  }

  close(): void {
    this.verification.close();
    this.log.close();
  }
}
