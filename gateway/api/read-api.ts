// What the JSON API and the label pages read: the registry's read paths (VerificationService and
// LogService) as one narrow interface, so the gateway answers the same whether it runs inside the
// registry process (InProcessReadApi, over the committed view) or on its own, pointed at a
// registry's gRPC address (gateway/api/grpc-read-api.ts).

import type {
  GetIssuerResponse,
  GetLabelResponse,
  ListCatalogueResponse,
  ListIssuersResponse,
  ListManufacturerProductsResponse,
  LookupProductResponse,
  GetStatsResponse,
  SearchLabelsRequest,
  SearchLabelsResponse,
  VerifyLabelsResponse,
  WatchLabelsRequest,
  WatchLabelsResponse,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import type {
  CheckpointView,
  ConsistencyAnswer,
  InclusionAnswer,
  LogReads,
} from "../../services/logreads/log-reads.js";
import { BulkVerification } from "../../services/reads/bulk.js";
import { listManufacturerProducts } from "../../services/reads/manufacturer.js";
import type { Reads } from "../../services/reads/reads.js";
import { watchLabels } from "../../services/reads/watch.js";

/**
 * The registry's reads. Refusals reject with an error carrying a gRPC status name as `code` and a
 * stable `rule` (RegistryError, LogReadError or RegistryClientError), which gateway/api/status.ts
 * maps to HTTP.
 */
export interface ReadApi {
  getLabel(labelId: string): Promise<GetLabelResponse>;
  lookupProduct(registrationCode: string, productModel: string): Promise<LookupProductResponse>;
  getIssuer(issuerId: string): Promise<GetIssuerResponse>;
  listIssuers(): Promise<ListIssuersResponse>;
  listCatalogue(): Promise<ListCatalogueResponse>;
  searchLabels(req: SearchLabelsRequest): Promise<SearchLabelsResponse>;
  getStats(): Promise<GetStatsResponse>;
  /** A page of a manufacturer's products (limit 0: the largest page). */
  listManufacturerProducts(
    registrationCode: string,
    offset: number,
    limit: number,
  ): Promise<ListManufacturerProductsResponse>;
  /** VerifyLabels for one batch of ids: the Snapshot, (compact) context entries, one result per id. */
  verifyLabels(labelIds: readonly string[], compact: boolean): AsyncGenerator<VerifyLabelsResponse>;
  /** WatchLabels until `signal` aborts. */
  watchLabels(req: WatchLabelsRequest, signal: AbortSignal): AsyncGenerator<WatchLabelsResponse>;
  /** The latest checkpoint ("" note for an empty log). */
  checkpoint(): Promise<CheckpointView>;
  inclusionProof(leaf: { index: number } | { leafHash: Uint8Array }, treeSize: number): Promise<InclusionAnswer>;
  consistencyProof(firstSize: number, secondSize: number): Promise<ConsistencyAnswer>;
}

/** The reads of the registry this process runs: no copy, no network. */
export class InProcessReadApi implements ReadApi {
  constructor(
    readonly reads: Reads,
    readonly logReads: LogReads,
  ) {}

  getLabel(labelId: string): Promise<GetLabelResponse> {
    return this.reads.getLabel(labelId);
  }
  lookupProduct(registrationCode: string, productModel: string): Promise<LookupProductResponse> {
    return this.reads.lookupProduct(registrationCode, productModel);
  }
  getIssuer(issuerId: string): Promise<GetIssuerResponse> {
    return this.reads.getIssuer(issuerId);
  }
  listIssuers(): Promise<ListIssuersResponse> {
    return this.reads.listIssuers();
  }
  async listCatalogue(): Promise<ListCatalogueResponse> {
    return this.reads.listCatalogue();
  }
  async searchLabels(req: SearchLabelsRequest): Promise<SearchLabelsResponse> {
    return this.reads.searchLabels(req);
  }
  async getStats(): Promise<GetStatsResponse> {
    return this.reads.getStats();
  }
  listManufacturerProducts(
    registrationCode: string,
    offset: number,
    limit: number,
  ): Promise<ListManufacturerProductsResponse> {
    return listManufacturerProducts(this.reads, registrationCode, offset, limit);
  }
  verifyLabels(labelIds: readonly string[], compact: boolean): AsyncGenerator<VerifyLabelsResponse> {
    return new BulkVerification(this.reads, compact).answer(labelIds);
  }
  watchLabels(req: WatchLabelsRequest, signal: AbortSignal): AsyncGenerator<WatchLabelsResponse> {
    return watchLabels(this.reads, req, signal);
  }
  async checkpoint(): Promise<CheckpointView> {
    return this.logReads.checkpoint();
  }
  inclusionProof(leaf: { index: number } | { leafHash: Uint8Array }, treeSize: number): Promise<InclusionAnswer> {
    return this.logReads.inclusionProof(leaf, treeSize);
  }
  consistencyProof(firstSize: number, secondSize: number): Promise<ConsistencyAnswer> {
    return this.logReads.consistencyProof(firstSize, secondSize);
  }
}
