// The projected state: what the log's entries add up to. Derived only from the log (and the
// authority's key), so it can always be rebuilt by replaying the log with apply().
import type {
  Evidence,
  KeyIndicator,
  Manufacturer,
  TestingLab,
} from "../../proto/gen/messages/labelreg/v1/statement.js";
import { bytesEqual } from "../../log/bytes.js";
import { Journal, JournaledLists, JournaledMap } from "./journal.js";
import { labelBytes, listItemBytes, liveLabelBytes, requestBytes, stringListBytes } from "./record-bytes.js";
import { keyIdHex, keyIdOf } from "./signing.js";

/** The label statement kinds, as Statement.kind.$case names them. */
export type LabelEventKind =
  | "labelIssued"
  | "labelUpgraded"
  | "labelDowngraded"
  | "labelRenewed"
  | "labelSuspended"
  | "labelReinstated"
  | "labelRevoked";

/** The state the label's events put it in. EXPIRED is not an event state: see labelStatusAt. */
export type LabelState = "ACTIVE" | "SUSPENDED" | "REVOKED";

/** What a label reads as at a time. */
export type LabelStatus = "ACTIVE" | "SUSPENDED" | "REVOKED" | "EXPIRED" | "NOT_YET_VALID";

export type Signer =
  | { readonly kind: "authority"; readonly keyIdHex: string }
  | { readonly kind: "issuer"; readonly issuerId: string; readonly keyIdHex: string };

/** One entry of a history: which log entry, what happened, who signed, when it was sequenced. */
export interface HistoryEvent<K extends string> {
  readonly index: number;
  readonly kind: K;
  readonly signer: Signer;
  readonly sequencedAtUnix: bigint;
}

/** A label as its events leave it. Immutable: apply() replaces records, never edits them. */
export interface LabelRecord {
  readonly labelId: string;
  readonly issuerId: string;
  /** productKey(registration code, model): one live label per product. */
  readonly productKey: string;
  readonly manufacturer: Manufacturer;
  readonly productModel: string;
  readonly categoryId: string;
  readonly tier: number;
  readonly validFromUnix: bigint;
  readonly validUntilUnix: bigint;
  /** 0 when not disclosed. */
  readonly securitySupportUntilUnix: bigint;
  readonly testingLab: TestingLab;
  readonly standardReference: string;
  readonly testReport: Evidence;
  readonly declarationOfConformity: Evidence;
  readonly keyIndicators: readonly KeyIndicator[];
  readonly state: LabelState;
  /** While SUSPENDED: whether the authority suspended it (then only the authority reinstates). */
  readonly suspendedByAuthority: boolean;
  /** The number of statements about the label; the next change must expect this version. */
  readonly version: bigint;
  readonly history: readonly HistoryEvent<LabelEventKind>[];
}

export type IssuerStatus = "ACTIVE" | "SUSPENDED" | "WITHDRAWN";
export type IssuerEventKind = "issuerAccredited" | "issuerKeyRotated" | "issuerSuspended" | "issuerWithdrawn";

export interface IssuerRecord {
  readonly issuerId: string;
  readonly name: string;
  /** The name in English and in Chinese, where published. */
  readonly nameEn?: string | undefined;
  readonly nameZh?: string | undefined;
  /** category id -> highest tier the issuer may label in it. */
  readonly scope: ReadonlyMap<string, number>;
  readonly status: IssuerStatus;
  /** Hex key id of the key that signs for the issuer now. */
  readonly currentKeyIdHex: string;
  readonly history: readonly HistoryEvent<IssuerEventKind>[];
}

/**
 * An issuer key and the log positions where it signs: entries with fromIndex <= index < untilIndex.
 * Old keys stay here after rotation, so old entries stay verifiable.
 */
export interface KeyRecord {
  readonly keyIdHex: string;
  readonly publicKey: Uint8Array;
  readonly issuerId: string;
  /** The index of the entry that accredited the key (the key signs only later entries). */
  readonly fromIndex: number;
  /** The index of the rotation that retired it, if any. */
  readonly untilIndex: number | undefined;
}

export interface CategoryRecord {
  readonly categoryId: string;
  readonly name: string;
  /** The name in English and in Chinese, where published. */
  readonly nameEn?: string | undefined;
  readonly nameZh?: string | undefined;
  readonly description: string;
  readonly index: number;
}

/** A used request id: where its statement is and the statement's digest. */
export interface RequestRecord {
  readonly index: number;
  /** The digest as a byte string (byteString): every entry keeps one, and as a string it takes
   * half the heap a Uint8Array view does. */
  readonly digest: string;
}

/** The signer names that request ids are unique under: the issuer id, or this for the authority. */
export const AUTHORITY_SIGNER = "@authority";

export function signerName(s: Signer): string {
  return s.kind === "authority" ? AUTHORITY_SIGNER : s.issuerId;
}

// check() and then apply() ask for the same entry's keys: the last key of each kind is kept, so
// the second call returns the very string the first built (and hashed, as a map key), not a
// copy to build, hash and keep again. Equal inputs give an equal key whatever the cache holds.
let lastSigner = "";
let lastRequestId = "";
let lastRequestKey = "\n";

export function requestKey(signer: Signer, requestId: string): string {
  const name = signerName(signer);
  if (name !== lastSigner || requestId !== lastRequestId) {
    lastSigner = name;
    lastRequestId = requestId;
    lastRequestKey = `${name}\n${requestId}`;
  }
  return lastRequestKey;
}

let lastCode = "";
let lastModel = "";
let lastProductKey = "\n";

/** A model as products compare it: ASCII letters upper-cased, nothing else changed. */
export function foldModel(model: string): string {
  return model.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/** A product is (manufacturer registration code, model); models compare with ASCII case folded. */
export function productKey(registrationCode: string, model: string): string {
  if (registrationCode !== lastCode || model !== lastModel) {
    lastCode = registrationCode;
    lastModel = model;
    lastProductKey = `${registrationCode}\n${foldModel(model)}`;
  }
  return lastProductKey;
}

/**
 * The projected state, mutable in place by apply(). begin()/commit()/rollback() bracket a batch:
 * every mutation inside is journaled and undone by rollback(). Outside a transaction nothing is
 * journaled (a replay at start-up pays nothing for it).
 */
export class RegistryState {
  readonly journal = new Journal();
  readonly labels: JournaledMap<string, LabelRecord>;
  /** productKey -> the id of the product's latest label that is not revoked (it may have expired). */
  readonly liveByProduct: JournaledMap<string, string>;
  /** productKey -> every label id ever issued for the product, oldest first. */
  readonly productLabels: JournaledMap<string, readonly string[]>;
  /** Manufacturer registration code -> its products' productKeys, in the order of their first label. */
  readonly manufacturerProducts: JournaledLists<string, string>;
  readonly issuers = new JournaledMap<string, IssuerRecord>(this.journal);
  /** hex key id -> issuer key (current and retired). The authority's key is not here. */
  readonly keys = new JournaledMap<string, KeyRecord>(this.journal);
  readonly categories = new JournaledMap<string, CategoryRecord>(this.journal);
  /** requestKey(signer, request id) -> where the statement went. */
  readonly requests: JournaledMap<string, RequestRecord>;
  readonly authorityKeyIdHex: string;
  private treeSize = 0;

  /**
   * A complete state holds every record (a replay builds one). A partial one (`partial`) holds
   * the labels, products, manufacturers and request ids that were loaded (batch-keys.ts) or
   * changed, at size `size`; issuers, keys and categories are always whole.
   */
  constructor(
    readonly authorityPublicKey: Uint8Array,
    opts: { readonly partial?: boolean; readonly size?: number } = {},
  ) {
    this.authorityKeyIdHex = authorityKeyIdHex(authorityPublicKey);
    const part = (name: string) => (opts.partial ? name : undefined);
    this.labels = new JournaledMap(this.journal, part("label"), labelBytes);
    this.liveByProduct = new JournaledMap(this.journal, part("product (live label)"), liveLabelBytes);
    this.productLabels = new JournaledMap(this.journal, part("product (labels)"), stringListBytes);
    this.manufacturerProducts = new JournaledLists(this.journal, part("manufacturer"), stringListBytes, listItemBytes);
    this.requests = new JournaledMap(this.journal, part("request id"), requestBytes);
    this.treeSize = opts.size ?? 0;
  }

  get partial(): boolean {
    return this.labels.partial;
  }

  /**
   * What a partial state's labels, products, manufacturers and request ids take in the heap, by
   * estimate (record-bytes.ts); 0 for a complete state.
   */
  get cachedBytes(): number {
    return (
      this.labels.bytes +
      this.liveByProduct.bytes +
      this.productLabels.bytes +
      this.manufacturerProducts.bytes +
      this.requests.bytes
    );
  }

  /**
   * Forgets the least recently loaded records of a partial state until cachedBytes is at most
   * `maxBytes`: each table gives up the same share of what it holds (a workload's mix stays), the
   * oldest first; a product's live label and label list go together. Outside transactions only.
   */
  evict(maxBytes: number): void {
    const total = this.cachedBytes;
    if (total <= maxBytes) return;
    const share = maxBytes / total;
    for (const table of [this.labels, this.requests, this.manufacturerProducts]) table.evictTo(table.bytes * share);
    const products = () => this.productLabels.bytes + this.liveByProduct.bytes;
    const productsTarget = products() * share;
    this.productLabels.evictWhile(
      () => products() > productsTarget,
      (key) => this.liveByProduct.forget(key),
    );
  }

  /** The number of log entries applied: the index the next entry must have. */
  get size(): number {
    return this.treeSize;
  }

  /** Advances the size by one (journaled). Used by apply(). */
  advance(): void {
    const old = this.treeSize;
    this.journal.record(() => {
      this.treeSize = old;
    });
    this.treeSize = old + 1;
  }

  begin(): void {
    this.journal.begin();
  }
  commit(): void {
    this.journal.commit();
  }
  rollback(): void {
    this.journal.rollback();
  }
}

// A verifier builds a state per bundle, always for the same authority key: hash it once.
let lastAuthorityKey = new Uint8Array(0);
let lastAuthorityKeyIdHex = "";

function authorityKeyIdHex(publicKey: Uint8Array): string {
  if (!bytesEqual(publicKey, lastAuthorityKey)) {
    lastAuthorityKeyIdHex = keyIdHex(keyIdOf(publicKey));
    lastAuthorityKey = Uint8Array.from(publicKey);
  }
  return lastAuthorityKeyIdHex;
}

/**
 * What `label`, as currently recorded, reads as at `timeUnix`: REVOKED is final; past the end of
 * validity it reads EXPIRED (no event needed); before its start NOT_YET_VALID; otherwise its
 * event state. It does not undo events recorded after `timeUnix`.
 */
export function labelStatusAt(label: LabelRecord, timeUnix: bigint): LabelStatus {
  if (label.state === "REVOKED") return "REVOKED";
  if (timeUnix >= label.validUntilUnix) return "EXPIRED";
  if (timeUnix < label.validFromUnix) return "NOT_YET_VALID";
  return label.state;
}

/** The key that signed at log position `index`, if `keyIdHex` names an issuer key valid there. */
export function issuerKeyAt(state: RegistryState, keyIdHexValue: string, index: number): KeyRecord | undefined {
  const k = state.keys.get(keyIdHexValue);
  if (!k || index <= k.fromIndex || (k.untilIndex !== undefined && index >= k.untilIndex)) return undefined;
  return k;
}
