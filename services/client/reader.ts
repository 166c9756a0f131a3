// The read side of the client SDK, for platforms and manufacturers: labels, products, a
// manufacturer's products and issuers over gRPC, each answer verified offline against the log's
// and the authority's keys before it is returned (services/verify). An answer that does not
// verify throws RegistryClientError DATA_LOSS, rule "bad-answer", naming the verdict's reason; a
// NOT_FOUND comes back as a verified absence, or throws the same way if its proof fails.
import { Metadata, type ChannelOptions, type ServiceError } from "@grpc/grpc-js";
import { VerificationServiceClient } from "../grpc/clients.js";
import {
  LabelBundle,
  MapAbsence,
  type GetIssuerResponse,
  type GetLabelResponse,
  type LabelError,
  type ListManufacturerProductsResponse,
  type LookupProductResponse,
  type VerifyLabelsResponse,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { nodeEd25519 } from "../crypto/ed25519-node.js";
import { verifyLabelBundle } from "../verify/bundle.js";
import { CompactBundles } from "../verify/compact.js";
import { memoizedTrust } from "../verify/memo.js";
import { verifyLabelAbsence, type AbsenceVerdict } from "../verify/completeness.js";
import {
  productMapId,
  verifyIssuerAnswer,
  verifyManufacturerPage,
  verifyMapAbsence,
  verifyProductAnswer,
  type IssuerVerdict,
  type ManufacturerVerdict,
  type MapAbsenceVerdict,
  type ProductVerdict,
  type ProvenProduct,
  type StateVerdict,
} from "../verify/state-answers.js";
import { resolveTrust, type ResolvedTrust, type TrustConfig } from "../verify/trust.js";
import type { Verdict, VerdictReason } from "../verify/verdict.js";
import { channelCredentials, type ClientTls } from "./connect.js";
import { fromServiceError, RegistryClientError } from "./errors.js";

export interface RegistryReaderOptions {
  /** host:port of the registry's gRPC endpoint. */
  readonly address: string;
  /** The keys answers are verified under (Ed25519 defaults to Node's here), or the same resolved. */
  readonly trust: TrustConfig | ResolvedTrust;
  readonly tls?: ClientTls;
  /** Deadline of each call (default 30 s). */
  readonly deadlineMs?: number;
  readonly channelOptions?: ChannelOptions;
}

/** A read's outcome: the thing with its answer and verdict, or a verified proof that it does not exist. */
export type Found<A, V> =
  | { readonly found: true; readonly answer: A; readonly verdict: V }
  | { readonly found: false; readonly absence: MapAbsenceVerdict };

export type LabelLookup =
  | { readonly found: true; readonly answer: GetLabelResponse; readonly verdict: Verdict }
  | { readonly found: false; readonly absence: AbsenceVerdict };

/** One id of verifyLabels: as getLabel, or the registry's refusal of that id (a malformed id). */
export type BulkLabelResult = LabelLookup | { readonly found: false; readonly refused: LabelError };

/** Every product of a manufacturer, read page by page, each page verified. */
export interface ManufacturerProducts {
  readonly registrationCode: string;
  readonly products: readonly ProvenProduct[];
  /** One verdict per page, in order; the list is whole as of the last page's checkpoint. */
  readonly pages: readonly ManufacturerVerdict[];
}

/** Pages read by allManufacturerProducts before it gives up (MAX_MANUFACTURER_PRODUCTS / page size, with room). */
const MAX_PAGES = 64;

type Call<Req, Res> = (
  req: Req,
  md: Metadata,
  opts: { deadline: number },
  cb: (err: ServiceError | null, res: Res) => void,
) => unknown;

export class RegistryReader {
  readonly stub: VerificationServiceClient;
  readonly trust: ResolvedTrust;
  private readonly deadlineMs: number;

  constructor(opts: RegistryReaderOptions) {
    this.trust = "domain" in opts.trust ? opts.trust : resolveTrust({ ed25519: nodeEd25519, ...opts.trust });
    this.deadlineMs = opts.deadlineMs ?? 30_000;
    this.stub = new VerificationServiceClient(opts.address, channelCredentials(opts.tls), {
      "grpc.max_receive_message_length": 16 * 1024 * 1024,
      ...opts.channelOptions,
    });
  }

  /** A label, its verdict (which may say revoked, suspended, ...), or its verified absence. */
  async getLabel(labelId: string): Promise<LabelLookup> {
    let answer: GetLabelResponse;
    try {
      answer = await this.call(this.stub.getLabel, { labelId });
    } catch (e) {
      const err = fromServiceError(e);
      if (err.code !== "NOT_FOUND" || err.rule !== "label-not-found") throw err;
      if (!err.absence) throw badAnswer(`label ${labelId}`, noProof, err);
      const absence = verifyLabelAbsence(LabelBundle.decode(err.absence), this.trust);
      if (!absence.absent || absence.labelId !== labelId)
        throw badAnswer(`label ${labelId}'s absence`, absence.reasons[0], err);
      return { found: false, absence };
    }
    const verdict = verifyLabelBundle(answer.bundle!, this.trust, { expectedLabelId: labelId });
    if (verdict.status === "not-verifiable") throw badAnswer(`label ${labelId}`, verdict.reasons[0]);
    return { found: true, answer, verdict };
  }

  /**
   * Many labels in one VerifyLabels call (compact form), each verified as getLabel verifies one,
   * in the order asked; the registry's refusal of one id (a malformed id) is that id's result.
   */
  async verifyLabels(labelIds: readonly string[]): Promise<BulkLabelResult[]> {
    const call = this.stub.verifyLabels(new Metadata(), { deadline: Date.now() + this.deadlineMs });
    call.end({ labelIds: [...labelIds], compact: true });
    const stream = new CompactBundles();
    // One checkpoint and shared context entries per stream: each signature is verified once.
    const trust = memoizedTrust(this.trust);
    const out: BulkLabelResult[] = [];
    try {
      for await (const m of call as AsyncIterable<VerifyLabelsResponse>) {
        const r = stream.accept(m);
        if (!r) continue;
        const labelId = labelIds[out.length];
        if (r.labelId !== labelId)
          throw badAnswer(`label ${labelId}`, {
            code: "result-order",
            message: `result ${out.length} is about ${JSON.stringify(r.labelId)}, not the id asked in that place`,
          });
        const res = r.result;
        if (res?.$case === "label") {
          const verdict = verifyLabelBundle(stream.expand(res.value.bundle!), trust, { expectedLabelId: labelId });
          if (verdict.status === "not-verifiable") throw badAnswer(`label ${labelId}`, verdict.reasons[0]);
          out.push({ found: true, answer: res.value, verdict });
        } else if (res?.value.rule === "label-not-found") {
          if (!res.value.absence) throw badAnswer(`label ${labelId}`, noProof);
          const absence = verifyLabelAbsence(stream.expand(res.value.absence), trust);
          if (!absence.absent || absence.labelId !== labelId)
            throw badAnswer(`label ${labelId}'s absence`, absence.reasons[0]);
          out.push({ found: false, absence });
        } else if (res) out.push({ found: false, refused: res.value });
      }
    } catch (e) {
      throw e instanceof RegistryClientError ? e : fromServiceError(e);
    } finally {
      call.cancel();
    }
    if (out.length !== labelIds.length)
      throw badAnswer("the labels asked", {
        code: "results-missing",
        message: `${out.length} results for ${labelIds.length} ids`,
      });
    return out;
  }

  /** A product's labels, proven complete, with each label's state proven (not its event history), or its absence. */
  lookupProduct(registrationCode: string, productModel: string): Promise<Found<LookupProductResponse, ProductVerdict>> {
    return this.found(
      () => this.call(this.stub.lookupProduct, { registrationCode, productModel }),
      (a) => verifyProductAnswer(a, { registrationCode, productModel }, this.trust),
      "product",
      productMapId(registrationCode, productModel),
    );
  }

  /** An issuer, its state proven current, or its absence. */
  getIssuer(issuerId: string): Promise<Found<GetIssuerResponse, IssuerVerdict>> {
    return this.found(
      () => this.call(this.stub.getIssuer, { issuerId }),
      (a) => verifyIssuerAnswer(a, issuerId, this.trust),
      "issuer",
      issuerId,
    );
  }

  /** One page of a manufacturer's products (limit 0: the registry's largest page), or its absence. */
  listManufacturerProducts(
    registrationCode: string,
    page: { readonly offset?: number; readonly limit?: number } = {},
  ): Promise<Found<ListManufacturerProductsResponse, ManufacturerVerdict>> {
    const offset = page.offset ?? 0;
    return this.found(
      () => this.call(this.stub.listManufacturerProducts, { registrationCode, offset, limit: page.limit ?? 0 }),
      (a) => verifyManufacturerPage(a, { registrationCode, offset }, this.trust),
      "manufacturer",
      registrationCode,
    );
  }

  /**
   * Every product of a manufacturer: pages until the list ends, each verified, each page's list of
   * models a prefix of the next one's (a manufacturer's products are never removed), or its absence.
   */
  async allManufacturerProducts(
    registrationCode: string,
  ): Promise<
    | { readonly found: true; readonly all: ManufacturerProducts }
    | { readonly found: false; readonly absence: MapAbsenceVerdict }
  > {
    const pages: ManufacturerVerdict[] = [];
    const products: ProvenProduct[] = [];
    let offset = 0;
    for (let n = 0; n < MAX_PAGES; n++) {
      const r = await this.listManufacturerProducts(registrationCode, { offset });
      if (!r.found) {
        if (pages.length > 0)
          throw badAnswer(`manufacturer ${registrationCode}`, {
            code: "manufacturer-vanished",
            message: "the manufacturer was proven present, then absent",
          });
        return r;
      }
      const prev = pages.at(-1)?.productModels ?? [];
      const now = r.verdict.productModels;
      if (prev.length > now.length || prev.some((m, i) => now[i] !== m))
        throw badAnswer(`manufacturer ${registrationCode}`, {
          code: "products-rewritten",
          message: "a later page's proven product list does not extend the earlier one's",
        });
      pages.push(r.verdict);
      products.push(...r.verdict.products);
      if (r.verdict.nextOffset === 0) return { found: true, all: { registrationCode, products, pages } };
      offset = r.verdict.nextOffset;
    }
    throw badAnswer(`manufacturer ${registrationCode}`, {
      code: "too-many-pages",
      message: `the list did not end within ${MAX_PAGES} pages`,
    });
  }

  private async found<A, V extends StateVerdict>(
    read: () => Promise<A>,
    verify: (a: A) => V,
    kind: "product" | "manufacturer" | "issuer",
    id: string,
  ): Promise<Found<A, V>> {
    let answer: A;
    try {
      answer = await read();
    } catch (e) {
      const err = fromServiceError(e);
      if (err.code !== "NOT_FOUND") throw err;
      if (!err.mapAbsence) throw badAnswer(`${kind} ${id}`, noProof, err);
      const absence = verifyMapAbsence(MapAbsence.decode(err.mapAbsence), { kind, id }, this.trust);
      if (!absence.verified) throw badAnswer(`${kind} ${id}'s absence`, absence.reasons[0], err);
      return { found: false, absence };
    }
    const verdict = verify(answer);
    if (!verdict.verified) throw badAnswer(`${kind} ${id}`, verdict.reasons[0]);
    return { found: true, answer, verdict };
  }

  private call<Req, Res>(method: Call<Req, Res>, req: Req): Promise<Res> {
    return new Promise((resolve, reject) =>
      method.call(this.stub, req, new Metadata(), { deadline: Date.now() + this.deadlineMs }, (err, res) =>
        err ? reject(err) : resolve(res),
      ),
    );
  }

  close(): void {
    this.stub.close();
  }
}

const noProof: VerdictReason = { code: "no-absence-proof", message: "the NOT_FOUND carries no proof of absence" };

function badAnswer(what: string, reason: VerdictReason | undefined, cause?: unknown): RegistryClientError {
  const r = reason ?? { code: "unverified", message: "it does not verify" };
  return new RegistryClientError(
    "DATA_LOSS",
    "bad-answer",
    `the registry's answer about ${what} does not verify (${r.code}): ${r.message}`,
    cause === undefined ? undefined : { cause },
  );
}
