// The rows of the state tables (services/store/state.ts) as records of the projected state
// (state.ts), and back: proto/labelreg/store/v1/rows.proto. A record encoded and decoded is equal
// to itself; bytes that are no row of the table are refused with RowDecodeError naming the table
// and the fault, never with anything else.
//
// A label's history is not in its label row but in one labelEntry row per event (keyed by label
// and version): a label's history has no bound, so a row holding it would grow with every event
// and be rewritten whole by each; this way a change to a label writes two rows of bounded size,
// and the label row's version says exactly which labelEntry keys hold the history.
import { fromHex, toHex } from "../../log/bytes.js";
import {
  CategoryRow,
  EventKind,
  type HistoryEvent as HistoryEventRow,
  IssuerKeyRow,
  IssuerRow,
  LabelEntryRow,
  LabelRow,
  ManufacturerRow,
  ProductRow,
  RequestIdRow,
  SearchNameRow,
} from "../../proto/gen/messages/labelreg/store/v1/rows.js";
import type { ProductRecord } from "./batch-keys.js";
import { byteString, keptSigner } from "./kept.js";
import { MAX_SEARCH_NAMES_PER_CODE } from "./limits.js";
import { ISSUER_STATES, LABEL_STATES, mapLabel, splitProductKey } from "./map-values.js";
import { keyIdHex, keyIdOf } from "./signing.js";
import {
  productKey,
  type CategoryRecord,
  type HistoryEvent,
  type IssuerEventKind,
  type IssuerRecord,
  type IssuerStatus,
  type KeyRecord,
  type LabelEventKind,
  type LabelRecord,
  type RequestRecord,
  type Signer,
} from "./state.js";

/** Bytes that are not a row of `table`. */
export class RowDecodeError extends Error {
  constructor(
    readonly table: string,
    detail: string,
  ) {
    super(`state row of table ${table}: ${detail}`);
    this.name = "RowDecodeError";
  }
}

/** A label without its history: what a label row holds. */
export type LabelRowRecord = Omit<LabelRecord, "history">;

/** A product as its row holds it: its key, every label ever issued for it and the live one. */
export interface KeyedProduct extends ProductRecord {
  readonly productKey: string;
}

/** A manufacturer as its row holds it: its products' keys in the order of their first label. */
export interface ManufacturerRecord {
  readonly registrationCode: string;
  readonly productKeys: readonly string[];
}

// ---- keys ----

/** The labelEntry key of the event that made `labelId` version `version` (1: its issuance). */
export function labelEntryKey(labelId: string, version: number | bigint): string {
  return `${labelId}\n${version}`;
}

/** The labelEntry keys of a label's whole history, oldest first. */
export function labelEntryKeys(labelId: string, version: bigint): string[] {
  return Array.from({ length: Number(version) }, (_, i) => labelEntryKey(labelId, i + 1));
}

// ---- label ----

export function encodeLabelRow(l: LabelRowRecord): Uint8Array {
  return LabelRow.encode({ label: mapLabel(l as LabelRecord) }).finish();
}

export function decodeLabelRow(bytes: Uint8Array): LabelRowRecord {
  const t = "label";
  const l = decodeRow(t, () => LabelRow.decode(bytes)).label;
  if (!l) throw new RowDecodeError(t, "it has no label");
  const manufacturer = need(t, "manufacturer", l.manufacturer);
  return {
    labelId: l.labelId,
    issuerId: l.issuerId,
    productKey: productKey(manufacturer.registrationCode, l.productModel),
    manufacturer,
    productModel: l.productModel,
    categoryId: l.categoryId,
    tier: l.tier,
    validFromUnix: l.validFromUnix,
    validUntilUnix: l.validUntilUnix,
    securitySupportUntilUnix: l.securitySupportUntilUnix,
    testingLab: need(t, "testing lab", l.testingLab),
    standardReference: l.standardReference,
    testReport: need(t, "test report", l.testReport),
    declarationOfConformity: need(t, "declaration of conformity", l.declarationOfConformity),
    keyIndicators: l.keyIndicators,
    state: fromEnum(t, "state", LABEL_STATES, l.state),
    suspendedByAuthority: l.suspendedByAuthority,
    version: positive(t, "version", l.version),
  };
}

export function encodeLabelEntryRow(e: HistoryEvent<LabelEventKind>): Uint8Array {
  return LabelEntryRow.encode({ event: eventRow(e) }).finish();
}

export function decodeLabelEntryRow(bytes: Uint8Array): HistoryEvent<LabelEventKind> {
  const t = "labelEntry";
  const e = decodeRow(t, () => LabelEntryRow.decode(bytes)).event;
  return historyEvent(t, need(t, "event", e), LABEL_EVENTS);
}

/** A label record from its row and its labelEntry rows (labelEntryKeys order). */
export function labelRecordOf(row: LabelRowRecord, entries: readonly (Uint8Array | undefined)[]): LabelRecord {
  if (BigInt(entries.length) !== row.version)
    throw new RowDecodeError(
      "labelEntry",
      `label ${row.labelId} is at version ${row.version} but has ${entries.length} events`,
    );
  const history = entries.map((b, i) => {
    if (!b) throw new RowDecodeError("labelEntry", `label ${row.labelId} has no event for version ${i + 1}`);
    return decodeLabelEntryRow(b);
  });
  return { ...row, history };
}

// ---- product, manufacturer ----

export function encodeProductRow(p: KeyedProduct): Uint8Array {
  const { registrationCode, model } = splitProductKey(p.productKey);
  return ProductRow.encode({
    product: { registrationCode, model, labelIds: [...p.labelIds], liveLabelId: p.liveLabelId ?? "" },
  }).finish();
}

export function decodeProductRow(bytes: Uint8Array): KeyedProduct {
  const t = "product";
  const p = need(t, "product", decodeRow(t, () => ProductRow.decode(bytes)).product);
  if (p.labelIds.length === 0) throw new RowDecodeError(t, "the product has no labels");
  return {
    productKey: `${p.registrationCode}\n${p.model}`,
    labelIds: p.labelIds,
    liveLabelId: p.liveLabelId === "" ? undefined : p.liveLabelId,
  };
}

export function encodeManufacturerRow(m: ManufacturerRecord): Uint8Array {
  return ManufacturerRow.encode({
    manufacturer: {
      registrationCode: m.registrationCode,
      productModels: m.productKeys.map((k) => splitProductKey(k).model),
    },
  }).finish();
}

export function decodeManufacturerRow(bytes: Uint8Array): ManufacturerRecord {
  const t = "manufacturer";
  const m = need(t, "manufacturer", decodeRow(t, () => ManufacturerRow.decode(bytes)).manufacturer);
  if (m.productModels.length === 0) throw new RowDecodeError(t, "the manufacturer has no products");
  return {
    registrationCode: m.registrationCode,
    productKeys: m.productModels.map((model) => `${m.registrationCode}\n${model}`),
  };
}

// ---- issuer, issuer key ----

export function encodeIssuerRow(i: IssuerRecord): Uint8Array {
  return IssuerRow.encode({
    issuerId: i.issuerId,
    name: i.name,
    nameEn: i.nameEn,
    nameZh: i.nameZh,
    status: ISSUER_STATES[i.status],
    scope: [...i.scope].map(([categoryId, maxTier]) => ({ categoryId, maxTier })),
    currentKeyId: fromHex(i.currentKeyIdHex),
    history: i.history.map(eventRow),
  }).finish();
}

export function decodeIssuerRow(bytes: Uint8Array): IssuerRecord {
  const t = "issuer";
  const i = decodeRow(t, () => IssuerRow.decode(bytes));
  const scope = new Map<string, number>();
  for (const e of i.scope) {
    if (scope.has(e.categoryId)) throw new RowDecodeError(t, `category ${e.categoryId} is in the scope twice`);
    scope.set(e.categoryId, e.maxTier);
  }
  if (i.history.length === 0) throw new RowDecodeError(t, "the issuer has no history");
  return {
    issuerId: i.issuerId,
    name: i.name,
    nameEn: i.nameEn,
    nameZh: i.nameZh,
    scope,
    status: fromEnum(t, "status", ISSUER_STATES, i.status) as IssuerStatus,
    currentKeyIdHex: keyIdHexOf(t, "current key id", i.currentKeyId),
    history: i.history.map((e) => historyEvent(t, e, ISSUER_EVENTS)),
  };
}

export function encodeIssuerKeyRow(k: KeyRecord): Uint8Array {
  return IssuerKeyRow.encode({
    publicKey: k.publicKey,
    issuerId: k.issuerId,
    fromIndex: BigInt(k.fromIndex),
    untilIndex: k.untilIndex === undefined ? undefined : BigInt(k.untilIndex),
  }).finish();
}

export function decodeIssuerKeyRow(bytes: Uint8Array): KeyRecord {
  const t = "issuerKey";
  const k = decodeRow(t, () => IssuerKeyRow.decode(bytes));
  if (k.publicKey.length !== 32) throw new RowDecodeError(t, `the public key has ${k.publicKey.length} bytes, not 32`);
  return {
    keyIdHex: keyIdHex(keyIdOf(k.publicKey)),
    publicKey: k.publicKey,
    issuerId: k.issuerId,
    fromIndex: index(t, "from index", k.fromIndex),
    untilIndex: k.untilIndex === undefined ? undefined : index(t, "until index", k.untilIndex),
  };
}

// ---- category, request id ----

export function encodeCategoryRow(c: CategoryRecord): Uint8Array {
  return CategoryRow.encode({
    category: {
      categoryId: c.categoryId,
      name: c.name,
      description: c.description,
      nameEn: c.nameEn,
      nameZh: c.nameZh,
    },
    index: BigInt(c.index),
  }).finish();
}

export function decodeCategoryRow(bytes: Uint8Array): CategoryRecord {
  const t = "category";
  const r = decodeRow(t, () => CategoryRow.decode(bytes));
  const c = need(t, "category", r.category);
  return {
    categoryId: c.categoryId,
    name: c.name,
    nameEn: c.nameEn,
    nameZh: c.nameZh,
    description: c.description,
    index: index(t, "index", r.index),
  };
}

export function encodeRequestIdRow(r: RequestRecord): Uint8Array {
  return RequestIdRow.encode({ index: BigInt(r.index), digest: bytesOf(r.digest) }).finish();
}

export function decodeRequestIdRow(bytes: Uint8Array): RequestRecord {
  const t = "requestId";
  const r = decodeRow(t, () => RequestIdRow.decode(bytes));
  if (r.digest.length !== 32) throw new RowDecodeError(t, `the digest has ${r.digest.length} bytes, not 32`);
  return { index: index(t, "index", r.index), digest: byteString(r.digest) };
}

// ---- search ----

/**
 * The searchModel key of the product of manufacturer `code` with model `folded` (foldModel): the
 * product key's two parts the other way round, so that a model's rows are next to each other.
 */
export function searchModelKey(folded: string, code: string): string {
  return `${folded}\n${code}`;
}

/** What every searchModel key of the model `folded` starts with, and sorts after. */
export function searchModelPrefix(folded: string): string {
  return `${folded}\n`;
}

/** A searchModel row's value: empty, the key says it all. */
export const SEARCH_MODEL_VALUE = new Uint8Array(0);

/** A searchModel value; refused unless empty. */
export function checkSearchModelValue(bytes: Uint8Array): void {
  if (bytes.length !== 0) throw new RowDecodeError("searchModel", `the value has ${bytes.length} bytes, not 0`);
}

/** A searchName row: a registration code's distinct manufacturer names, oldest first. */
export function encodeSearchNameRow(names: readonly string[]): Uint8Array {
  return SearchNameRow.encode({ names: [...names] }).finish();
}

export function decodeSearchNameRow(bytes: Uint8Array): string[] {
  const t = "searchName";
  const { names } = decodeRow(t, () => SearchNameRow.decode(bytes));
  if (names.length === 0) throw new RowDecodeError(t, "it has no names");
  if (names.length > MAX_SEARCH_NAMES_PER_CODE)
    throw new RowDecodeError(t, `it has ${names.length} names, over ${MAX_SEARCH_NAMES_PER_CODE}`);
  if (new Set(names).size !== names.length) throw new RowDecodeError(t, "it has a name twice");
  return names;
}

// ---- shared parts ----

const LABEL_EVENTS: Record<LabelEventKind, EventKind> = {
  labelIssued: EventKind.EVENT_KIND_LABEL_ISSUED,
  labelUpgraded: EventKind.EVENT_KIND_LABEL_UPGRADED,
  labelDowngraded: EventKind.EVENT_KIND_LABEL_DOWNGRADED,
  labelRenewed: EventKind.EVENT_KIND_LABEL_RENEWED,
  labelSuspended: EventKind.EVENT_KIND_LABEL_SUSPENDED,
  labelReinstated: EventKind.EVENT_KIND_LABEL_REINSTATED,
  labelRevoked: EventKind.EVENT_KIND_LABEL_REVOKED,
};
const ISSUER_EVENTS: Record<IssuerEventKind, EventKind> = {
  issuerAccredited: EventKind.EVENT_KIND_ISSUER_ACCREDITED,
  issuerKeyRotated: EventKind.EVENT_KIND_ISSUER_KEY_ROTATED,
  issuerSuspended: EventKind.EVENT_KIND_ISSUER_SUSPENDED,
  issuerWithdrawn: EventKind.EVENT_KIND_ISSUER_WITHDRAWN,
};
const ALL_EVENTS: Record<string, EventKind> = { ...LABEL_EVENTS, ...ISSUER_EVENTS };

function eventRow(e: HistoryEvent<string>): HistoryEventRow {
  const kind = ALL_EVENTS[e.kind];
  if (kind === undefined) throw new Error(`state row: unknown event kind ${e.kind}`);
  return {
    index: BigInt(e.index),
    kind,
    signerKeyId: fromHex(e.signer.keyIdHex),
    signerIssuerId: e.signer.kind === "issuer" ? e.signer.issuerId : "",
    sequencedAtUnix: e.sequencedAtUnix,
  };
}

function historyEvent<K extends string>(t: string, e: HistoryEventRow, kinds: Record<K, EventKind>): HistoryEvent<K> {
  const id = keyIdHexOf(t, "signer key id", e.signerKeyId);
  const signer: Signer =
    e.signerIssuerId === ""
      ? { kind: "authority", keyIdHex: id }
      : { kind: "issuer", issuerId: e.signerIssuerId, keyIdHex: id };
  return {
    index: index(t, "event index", e.index),
    kind: fromEnum(t, "event kind", kinds, e.kind),
    signer: keptSigner(signer),
    sequencedAtUnix: e.sequencedAtUnix,
  };
}

/** `f`'s result: a protobuf decode of a row of `table`, its failure a RowDecodeError. */
export function decodeRow<T>(table: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw new RowDecodeError(table, `not a ${table} row (${e instanceof Error ? e.message : String(e)})`);
  }
}

function need<T>(table: string, what: string, v: T | undefined): T {
  if (v === undefined) throw new RowDecodeError(table, `it has no ${what}`);
  return v;
}

/** The key of `names` whose value is `v`. */
function fromEnum<K extends string>(table: string, what: string, names: Record<K, number>, v: number): K {
  for (const k in names) if (names[k] === v) return k;
  throw new RowDecodeError(table, `${what} ${v} is not one this table holds`);
}

function index(table: string, what: string, v: bigint): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new RowDecodeError(table, `${what} ${v} is past any log index`);
  return Number(v);
}

function positive(table: string, what: string, v: bigint): bigint {
  if (v < 1n) throw new RowDecodeError(table, `${what} ${v} is not positive`);
  return v;
}

function keyIdHexOf(table: string, what: string, b: Uint8Array): string {
  if (b.length !== 32) throw new RowDecodeError(table, `the ${what} has ${b.length} bytes, not 32`);
  return toHex(b);
}

function bytesOf(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
