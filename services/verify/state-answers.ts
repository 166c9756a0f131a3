// Verifying the state map answers of the reads about things other than one label: a product
// (LookupProduct), a page of a manufacturer's products (ListManufacturerProducts), an issuer
// (GetIssuer), and the proof that a product, manufacturer or issuer does not exist (MapAbsence).
// Each opens the checkpoint under the trust configuration, checks the map commitment that ends
// it and the key's map proof against it, then that the answer lists exactly what the proven value
// holds: a server cannot leave out a label of a product or a product of a manufacturer, nor pass
// an old issuer state off as current. Portable (the page bundles it); never throws.
import { bytesEqual } from "../../log/bytes.js";
import type { MapKeyKind } from "../../log/map/index.js";
import { MapLabel, MapValue } from "../../proto/gen/messages/labelreg/v1/map.js";
import {
  type GetIssuerResponse,
  type ListManufacturerProductsResponse,
  type LabelState,
  type LookupProductResponse,
  type MapAbsence,
  LabelStatus,
  type ProvenEntry,
  issuerStatusToJSON,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { mapValue } from "../domain/map-values.js";
import { productKey, type LabelState as LabelEventState } from "../domain/state.js";
import { provenEntries } from "./bundle.js";
import { errorText, openTrustedCheckpoint, type OpenedCheckpoint } from "./checkpoint.js";
import { InclusionVerifier } from "./inclusion.js";
import { answerCommitment, proveMapKey, type ProvenCommitment } from "./map-commitment.js";
import { replayEntries } from "./replay.js";
import { resolveTrust, type ResolvedTrust, type TrustConfig } from "./trust.js";
import type { CheckpointRef, VerdictReason } from "./verdict.js";

/** What a verified state answer does not prove. */
export const STATE_DOES_NOT_PROVE: readonly string[] = [
  "that nothing changed after the checkpoint it is as of (fetch a newer answer, or watch the feed)",
];

/** A product answer proves the product's labels and their states, not each label's event history. */
export const PRODUCT_DOES_NOT_PROVE: readonly string[] = [
  ...STATE_DOES_NOT_PROVE,
  "the event history of each label listed, beyond its length and last index (its bundle, from GetLabel, proves it)",
];

/** A manufacturer page proves each product's labels, not their states. */
export const MANUFACTURER_DOES_NOT_PROVE: readonly string[] = [
  ...STATE_DOES_NOT_PROVE,
  "the states of the products' labels (LookupProduct or GetLabel proves them)",
];

/** Common to every verdict below; `verified` false means nothing in the answer may be relied on. */
export interface StateVerdict {
  readonly verified: boolean;
  /** Why the answer does not verify; empty when it does. */
  readonly reasons: readonly VerdictReason[];
  readonly asOf: CheckpointRef | undefined;
  readonly cosignedBy: readonly string[];
  /** The commitment (the checkpoint's last entry) the answer is complete as of. */
  readonly completeAsOf: { readonly index: number; readonly sequencedAtUnix: number } | undefined;
  readonly doesNotProve: readonly string[];
}

/** A product as its proven map value has it. */
export interface ProvenProduct {
  readonly registrationCode: string;
  /** ASCII letters upper-cased. */
  readonly model: string;
  /** Every label of the product, oldest first. */
  readonly labelIds: readonly string[];
  /** "" when none is live. */
  readonly liveLabelId: string;
  /** The log index of the last entry that changed the product. */
  readonly lastIndex: number;
}

/** A label's state as its proven map value has it. */
export interface ProvenLabel {
  readonly labelId: string;
  readonly issuerId: string;
  readonly tier: number;
  /** The event state: "ACTIVE", "SUSPENDED" or "REVOKED". */
  readonly state: LabelEventState;
  readonly suspendedByAuthority: boolean;
  readonly validFromUnix: number;
  readonly validUntilUnix: number;
  /** Its number of entries, the last at lastIndex. */
  readonly version: number;
  readonly lastIndex: number;
}

export interface ProductVerdict extends StateVerdict {
  readonly product: ProvenProduct | undefined;
  /** The product's labels, in its order, each proven. */
  readonly labels: readonly ProvenLabel[];
}

export interface ManufacturerVerdict extends StateVerdict {
  readonly registrationCode: string;
  /** The models of all the manufacturer's products (the proven value's list). */
  readonly productModels: readonly string[];
  /** The page's products, each proven. */
  readonly products: readonly ProvenProduct[];
  readonly offset: number;
  /** 0 when the page ends the list. */
  readonly nextOffset: number;
}

export interface IssuerVerdict extends StateVerdict {
  readonly issuer:
    | {
        readonly issuerId: string;
        readonly name: string;
        /** "active", "suspended" or "withdrawn". */
        readonly status: string;
        readonly lastIndex: number;
      }
    | undefined;
}

export interface MapAbsenceVerdict extends StateVerdict {
  readonly kind: string;
  readonly id: string;
}

type Trust = TrustConfig | ResolvedTrust;
const resolved = (t: Trust): ResolvedTrust => ("domain" in t ? t : resolveTrust(t));

interface Opened {
  readonly cp: OpenedCheckpoint;
  readonly commitment: ProvenCommitment;
}

/** A failure at or after the checkpoint. */
class Refusal {
  constructor(
    readonly reason: VerdictReason,
    readonly cp?: OpenedCheckpoint,
  ) {}
}

function open(note: string, commitment: ProvenEntry | undefined, t: ResolvedTrust): Opened | Refusal {
  const cp = openTrustedCheckpoint(note, t);
  if ("code" in cp) return new Refusal(cp);
  const c = answerCommitment(cp.checkpoint, commitment);
  if (c === undefined)
    return new Refusal({ code: "no-map-commitment", message: "the answer carries no state map proof" }, cp);
  if ("code" in c) return new Refusal(c, cp);
  return { cp, commitment: c };
}

/** The value of `kind` `id` proven present, or the refusal. */
function present(o: Opened, kind: MapKeyKind, id: string, proof: Uint8Array): MapValue | Refusal {
  const r = proveMapKey(o.commitment, kind, id, proof);
  if ("code" in r) return new Refusal(r, o.cp);
  if (!r.value)
    return new Refusal(
      {
        code: `${kind}-absent`,
        message: `the map proves the ${kind} ${JSON.stringify(id)} absent at checkpoint ${o.cp.checkpoint.size}, yet the answer describes it`,
      },
      o.cp,
    );
  return r.value;
}

function base(o: Opened | undefined, doesNotProve: readonly string[]): StateVerdict {
  return {
    verified: true,
    reasons: [],
    asOf: o?.cp.ref,
    cosignedBy: o?.cp.cosignedBy ?? [],
    completeAsOf: o ? { index: o.commitment.size, sequencedAtUnix: o.commitment.sequencedAtUnix } : undefined,
    doesNotProve,
  };
}

function refused(r: Refusal, doesNotProve: readonly string[]): StateVerdict {
  return {
    verified: false,
    reasons: [r.reason],
    asOf: r.cp?.ref,
    cosignedBy: r.cp?.cosignedBy ?? [],
    completeAsOf: undefined,
    doesNotProve,
  };
}

/** Runs `check`, turning a Refusal or anything a hostile object shape throws into a failed verdict. */
function guarded<V extends StateVerdict>(
  doesNotProve: readonly string[],
  empty: Omit<V, keyof StateVerdict>,
  check: () => V | Refusal,
): V {
  let r: V | Refusal;
  try {
    r = check();
  } catch (e) {
    r = new Refusal({ code: "malformed-answer", message: errorText(e) });
  }
  return r instanceof Refusal ? ({ ...refused(r, doesNotProve), ...empty } as V) : r;
}

/** The product of a proven value, checked to be `registrationCode` / `model`. */
function provenProduct(
  v: MapValue,
  registrationCode: string,
  model: string,
  cp: OpenedCheckpoint,
): ProvenProduct | Refusal {
  if (v.kind?.$case !== "product") return new Refusal({ code: "map-proof", message: "not a product value" }, cp);
  const p = v.kind.value;
  const key = productKey(registrationCode, model);
  if (productKey(p.registrationCode, p.model) !== key || p.model !== key.slice(key.indexOf("\n") + 1))
    return new Refusal(
      {
        code: "map-value-differs",
        message: `the product value names ${p.registrationCode} / ${p.model}, not ${registrationCode} / ${model}`,
      },
      cp,
    );
  return {
    registrationCode: p.registrationCode,
    model: p.model,
    labelIds: p.labelIds,
    liveLabelId: p.liveLabelId,
    lastIndex: Number(v.lastIndex),
  };
}

const EVENT_STATES: Partial<Record<LabelStatus, LabelEventState>> = {
  [LabelStatus.LABEL_STATUS_ACTIVE]: "ACTIVE",
  [LabelStatus.LABEL_STATUS_SUSPENDED]: "SUSPENDED",
  [LabelStatus.LABEL_STATUS_REVOKED]: "REVOKED",
};

/** What a label with event state `state` reads as at `t` (labelStatusAt, on a map value). */
function statusAt(m: MapLabel, t: bigint): LabelStatus {
  if (m.state === LabelStatus.LABEL_STATUS_REVOKED) return m.state;
  if (t >= m.validUntilUnix) return LabelStatus.LABEL_STATUS_EXPIRED;
  if (t < m.validFromUnix) return LabelStatus.LABEL_STATUS_NOT_YET_VALID;
  return m.state;
}

/**
 * Checks a reported LabelState against the label's proven value: every field the value holds, the
 * status as the value reads at the reported time, and the history's length and last index.
 */
function provenLabel(l: LabelState, v: MapValue, product: string, cp: OpenedCheckpoint): ProvenLabel | Refusal {
  const differs = (what: string) =>
    new Refusal(
      { code: "label-state-differs", message: `label ${l.labelId}: the answer's ${what} is not the proven value's` },
      cp,
    );
  if (v.kind?.$case !== "label") return differs("kind");
  const m = v.kind.value;
  if (productKey(m.manufacturer?.registrationCode ?? "", m.productModel) !== product) return differs("product");
  const said: MapLabel = {
    labelId: l.labelId,
    issuerId: l.issuerId,
    manufacturer: l.manufacturer,
    productModel: l.productModel,
    categoryId: l.categoryId,
    tier: l.tier,
    validFromUnix: l.validFromUnix,
    validUntilUnix: l.validUntilUnix,
    securitySupportUntilUnix: l.securitySupportUntilUnix,
    testingLab: l.testingLab,
    standardReference: l.standardReference,
    testReport: l.testReport,
    declarationOfConformity: l.declarationOfConformity,
    keyIndicators: l.keyIndicators,
    state: m.state,
    suspendedByAuthority: l.suspendedByAuthority,
    version: l.version,
  };
  if (!bytesEqual(MapLabel.encode(said).finish(), MapLabel.encode(m).finish())) return differs("state");
  const state = EVENT_STATES[m.state];
  if (state === undefined) return differs("state");
  if (statusAt(m, l.statusAtUnix) !== l.status) return differs(`status at ${l.statusAtUnix}`);
  if (BigInt(l.history.length) !== m.version || l.history.at(-1)?.index !== v.lastIndex) return differs("history");
  return {
    labelId: m.labelId,
    issuerId: m.issuerId,
    tier: m.tier,
    state,
    suspendedByAuthority: m.suspendedByAuthority,
    validFromUnix: Number(m.validFromUnix),
    validUntilUnix: Number(m.validUntilUnix),
    version: Number(m.version),
    lastIndex: Number(v.lastIndex),
  };
}

/** What differs between two id lists, for a message: what `want` has that `got` lacks, and the reverse. */
function listDiff(want: readonly string[], got: readonly string[]): string {
  const g = new Set(got);
  const w = new Set(want);
  const missing = want.filter((x) => !g.has(x));
  const extra = got.filter((x) => !w.has(x));
  const parts = [];
  if (missing.length) parts.push(`left out ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", ..." : ""}`);
  if (extra.length) parts.push(`added ${extra.slice(0, 5).join(", ")}${extra.length > 5 ? ", ..." : ""}`);
  return parts.length ? parts.join("; ") : "listed in another order";
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Verifies a LookupProduct answer for `registrationCode` / `productModel`: the product's map value
 * is proven at the checkpoint, the labels listed are exactly its labels, in order, and the live
 * label is the one it names.
 */
export function verifyProductAnswer(
  res: LookupProductResponse,
  expect: { readonly registrationCode: string; readonly productModel: string },
  trust: Trust,
): ProductVerdict {
  return guarded<ProductVerdict>(PRODUCT_DOES_NOT_PROVE, { product: undefined, labels: [] }, () => {
    const o = open(res.checkpoint, res.commitment, resolved(trust));
    if (o instanceof Refusal) return o;
    const id = productKey(expect.registrationCode, expect.productModel);
    const v = present(o, "product", id, res.mapProof);
    if (v instanceof Refusal) return v;
    const p = provenProduct(v, expect.registrationCode, expect.productModel, o.cp);
    if (p instanceof Refusal) return p;
    const listed = res.labels.map((l) => l.labelId);
    if (!sameList(listed, p.labelIds))
      return new Refusal(
        {
          code: "incomplete-product",
          message: `the map at checkpoint ${o.cp.checkpoint.size} says product ${p.registrationCode} / ${p.model} has labels ${p.labelIds.join(", ")}; the answer ${listDiff(p.labelIds, listed)}`,
        },
        o.cp,
      );
    if (res.liveLabelId !== p.liveLabelId)
      return new Refusal(
        {
          code: "live-label-differs",
          message: `the map says the live label of ${p.registrationCode} / ${p.model} is ${JSON.stringify(p.liveLabelId)}, the answer ${JSON.stringify(res.liveLabelId)}`,
        },
        o.cp,
      );
    if (res.labelMapProofs.length !== res.labels.length)
      return new Refusal(
        {
          code: "map-proof",
          message: `the answer has ${res.labelMapProofs.length} label map proofs for ${res.labels.length} labels`,
        },
        o.cp,
      );
    const labels: ProvenLabel[] = [];
    for (const [k, l] of res.labels.entries()) {
      const lv = present(o, "label", l.labelId, res.labelMapProofs[k]!);
      if (lv instanceof Refusal) return lv;
      const proven = provenLabel(l, lv, id, o.cp);
      if (proven instanceof Refusal) return proven;
      labels.push(proven);
    }
    return { ...base(o, PRODUCT_DOES_NOT_PROVE), product: p, labels };
  });
}

/**
 * Verifies only the product's own value in a LookupProduct answer: its checkpoint, commitment
 * and map proof, which prove its labels and its live label. The answer's `labels` and their proofs
 * are not read (a tender's evidence keeps only what this checks, so every byte of it is proven).
 */
export function verifyProductValue(
  res: Pick<LookupProductResponse, "checkpoint" | "commitment" | "mapProof">,
  expect: { readonly registrationCode: string; readonly productModel: string },
  trust: Trust,
): ProductVerdict {
  return guarded<ProductVerdict>(PRODUCT_DOES_NOT_PROVE, { product: undefined, labels: [] }, () => {
    const o = open(res.checkpoint, res.commitment, resolved(trust));
    if (o instanceof Refusal) return o;
    const v = present(o, "product", productKey(expect.registrationCode, expect.productModel), res.mapProof);
    if (v instanceof Refusal) return v;
    const p = provenProduct(v, expect.registrationCode, expect.productModel, o.cp);
    if (p instanceof Refusal) return p;
    return { ...base(o, PRODUCT_DOES_NOT_PROVE), product: p, labels: [] };
  });
}

/**
 * Verifies one page of ListManufacturerProducts for `registrationCode` (and, when given, the
 * `offset` asked for): the manufacturer's value is proven, the page lists exactly the products at
 * its positions of the value's list, says correctly whether more follow, and each product's own
 * value (its labels, its live label) is proven against the same commitment.
 */
export function verifyManufacturerPage(
  res: ListManufacturerProductsResponse,
  expect: { readonly registrationCode: string; readonly offset?: number },
  trust: Trust,
): ManufacturerVerdict {
  const empty = {
    registrationCode: expect.registrationCode,
    productModels: [],
    products: [],
    offset: 0,
    nextOffset: 0,
  };
  return guarded<ManufacturerVerdict>(MANUFACTURER_DOES_NOT_PROVE, empty, () => {
    const o = open(res.checkpoint, res.commitment, resolved(trust));
    if (o instanceof Refusal) return o;
    const code = expect.registrationCode;
    const v = present(o, "manufacturer", code, res.mapProof);
    if (v instanceof Refusal) return v;
    if (v.kind?.$case !== "manufacturer" || v.kind.value.registrationCode !== code)
      return new Refusal({ code: "map-value-differs", message: `the manufacturer value is not ${code}'s` }, o.cp);
    const models = v.kind.value.productModels;
    const offset = res.offset;
    const fail = (message: string) => new Refusal({ code: "incomplete-products", message }, o.cp);
    if (expect.offset !== undefined && offset !== expect.offset)
      return new Refusal(
        { code: "wrong-page", message: `the answer starts at ${offset}, not at ${expect.offset} as asked` },
        o.cp,
      );
    const listed = res.products.map((p) => p.model);
    const at = `the map at checkpoint ${o.cp.checkpoint.size} lists ${models.length} products of ${code}`;
    if (offset + listed.length > models.length)
      return fail(`${at}; the answer lists ${listed.length} from position ${offset}`);
    if (listed.length === 0 && offset < models.length) return fail(`${at}; the answer lists none from ${offset}`);
    const want = models.slice(offset, offset + listed.length);
    if (!sameList(listed, want)) return fail(`${at}; from position ${offset} the answer ${listDiff(want, listed)}`);
    const end = offset + listed.length;
    const next = end < models.length ? end : 0;
    if (res.nextOffset !== next)
      return fail(
        `${at}; the answer ends at ${end} and says ${res.nextOffset === 0 ? "none follow" : `the next starts at ${res.nextOffset}`}`,
      );
    const products: ProvenProduct[] = [];
    for (const p of res.products) {
      const pv = present(o, "product", productKey(code, p.model), p.mapProof);
      if (pv instanceof Refusal) return pv;
      const pp = provenProduct(pv, code, p.model, o.cp);
      if (pp instanceof Refusal) return pp;
      products.push(pp);
    }
    return {
      ...base(o, MANUFACTURER_DOES_NOT_PROVE),
      registrationCode: code,
      productModels: models,
      products,
      offset,
      nextOffset: res.nextOffset,
    };
  });
}

/**
 * Verifies a GetIssuer answer for `issuerId`: its entries are in the checkpoint's log and replay
 * as a valid history from the authority's key, the issuer's map value is proven, the last of its
 * own entries is the value's last_index (none left out), the replay gives the value, and the
 * issuer state the answer reports agrees with it: the issuer's state is current as of the
 * checkpoint.
 */
export function verifyIssuerAnswer(res: GetIssuerResponse, issuerId: string, trust: Trust): IssuerVerdict {
  return guarded<IssuerVerdict>(STATE_DOES_NOT_PROVE, { issuer: undefined }, () => {
    const t = resolved(trust);
    const o = open(res.checkpoint, res.commitment, t);
    if (o instanceof Refusal) return o;
    const entries = provenEntries(
      res.entries,
      o.cp.checkpoint,
      new InclusionVerifier(o.cp.checkpoint.size, o.cp.checkpoint.root),
      "entry",
    );
    if (!Array.isArray(entries)) return new Refusal(entries, o.cp);
    const replayed = replayEntries(entries, t.domain);
    if ("code" in replayed) return new Refusal(replayed, o.cp);
    const v = present(o, "issuer", issuerId, res.mapProof);
    if (v instanceof Refusal) return v;
    const record = replayed.state.issuers.get(issuerId);
    if (!record)
      return new Refusal({ code: "issuer-missing", message: `the entries never accredit issuer ${issuerId}` }, o.cp);
    const logIndex = (position: number) => BigInt(replayed.logIndex[position]!);
    const last = logIndex(record.history[record.history.length - 1]!.index);
    if (last !== v.lastIndex)
      return new Refusal(
        {
          code: "incomplete-history",
          message: `the map at checkpoint ${o.cp.checkpoint.size} says issuer ${issuerId} last changed at index ${v.lastIndex}; the answer's entries end at ${last}: entries were left out`,
        },
        o.cp,
      );
    // The replay numbers entries by position; the map names log indices.
    const mine = mapValue(replayed.state, "issuer", issuerId);
    if (mine.kind?.$case === "issuer")
      mine.kind.value.keys = mine.kind.value.keys.map((k) => ({
        ...k,
        fromIndex: logIndex(Number(k.fromIndex)),
        untilIndex: k.untilIndex === 0n ? 0n : logIndex(Number(k.untilIndex)),
      }));
    mine.lastIndex = last;
    if (!bytesEqual(MapValue.encode(mine).finish(), MapValue.encode(v).finish()))
      return new Refusal(
        {
          code: "map-value-differs",
          message: `the replayed history of issuer ${issuerId} does not give the state the map commits at checkpoint ${o.cp.checkpoint.size}`,
        },
        o.cp,
      );
    const committed = v.kind?.$case === "issuer" ? v.kind.value : undefined;
    const said = res.issuer;
    if (
      !committed ||
      !said ||
      said.issuerId !== issuerId ||
      said.name !== committed.name ||
      said.status !== committed.status
    )
      return new Refusal(
        {
          code: "issuer-state-differs",
          message: `the answer describes issuer ${issuerId} otherwise than its proven map value`,
        },
        o.cp,
      );
    return {
      ...base(o, STATE_DOES_NOT_PROVE),
      issuer: {
        issuerId,
        name: committed.name,
        status: issuerStatusToJSON(committed.status)
          .replace(/^ISSUER_STATUS_/, "")
          .toLowerCase(),
        lastIndex: Number(v.lastIndex),
      },
    };
  });
}

/** The map id of a product, as a MapAbsence of kind "product" names it. */
export function productMapId(registrationCode: string, productModel: string): string {
  return productKey(registrationCode, productModel);
}

/**
 * Verifies a proof that the map holds no `kind` `id` (a NOT_FOUND's MapAbsence) at its
 * checkpoint. For a product, `id` is productMapId(registration code, model).
 */
export function verifyMapAbsence(
  absence: MapAbsence,
  expect: { readonly kind: "product" | "manufacturer" | "issuer"; readonly id: string },
  trust: Trust,
): MapAbsenceVerdict {
  return guarded<MapAbsenceVerdict>(STATE_DOES_NOT_PROVE, { kind: expect.kind, id: expect.id }, () => {
    if (absence.kind !== expect.kind || absence.id !== expect.id)
      return new Refusal({
        code: "wrong-key",
        message: `the absence is of the ${absence.kind} ${JSON.stringify(absence.id)}, not the ${expect.kind} ${JSON.stringify(expect.id)}`,
      });
    const o = open(absence.checkpoint, absence.commitment, resolved(trust));
    if (o instanceof Refusal) return o;
    const r = proveMapKey(o.commitment, expect.kind, expect.id, absence.mapProof);
    if ("code" in r) return new Refusal(r, o.cp);
    if (r.value)
      return new Refusal(
        {
          code: `${expect.kind}-exists`,
          message: `the map holds the ${expect.kind} ${JSON.stringify(expect.id)} at checkpoint ${o.cp.checkpoint.size}`,
        },
        o.cp,
      );
    return { ...base(o, STATE_DOES_NOT_PROVE), kind: expect.kind, id: expect.id };
  });
}
