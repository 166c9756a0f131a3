// The state map's values (DESIGN.md, "The state map"; proto/labelreg/v1/map.proto): what each
// label, product, manufacturer, issuer and category reads as in the projected state, encoded.
//
// A value is a pure function of the state, so writing one again that a batch did not change
// writes the same bytes (and leaves the root as it was): a batch may over-approximate what it
// touched, never under-approximate. Each value's last_index is derived from the records'
// histories, so the state keeps no index of its own for the map.
import type { MapEntry } from "../../log/map/update.js";
import { mapKey, type MapKeyKind } from "../../log/map/key.js";
import type { MapKey } from "../../log/map/hash.js";
import type { MapHasher } from "../../log/map/hash.js";
import { type MapLabel, MapValue } from "../../proto/gen/messages/labelreg/v1/map.js";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { IssuerStatus, LabelStatus } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { MAX_ISSUER_KEYS, MAX_MANUFACTURER_PRODUCTS, MAX_MAP_VALUE_BYTES, MAX_PRODUCT_LABELS } from "./limits.js";
import { keyIdOf } from "./signing.js";
import {
  productKey,
  type LabelRecord,
  type LabelState,
  type IssuerStatus as IssuerState,
  type RegistryState,
} from "./state.js";

/** The things a batch may have changed, by map key kind: the ids whose values are written again. */
export class MapTouched {
  readonly label = new Set<string>();
  /** productKey(registration code, model). */
  readonly product = new Set<string>();
  /** Registration codes. */
  readonly manufacturer = new Set<string>();
  readonly issuer = new Set<string>();
  readonly category = new Set<string>();

  /** Notes what `statement` changed; call after apply() has applied it. */
  add(state: RegistryState, statement: Statement): void {
    const kind = statement.kind;
    switch (kind?.$case) {
      case "labelIssued": {
        const m = kind.value.manufacturer!;
        this.label.add(statement.labelId);
        this.product.add(productKey(m.registrationCode, kind.value.productModel));
        this.manufacturer.add(m.registrationCode);
        break;
      }
      case "labelRevoked": {
        // Revoking the live label clears the product's live label.
        this.label.add(statement.labelId);
        const label = state.labels.get(statement.labelId);
        if (label) this.product.add(label.productKey);
        break;
      }
      case "labelUpgraded":
      case "labelDowngraded":
      case "labelRenewed":
      case "labelSuspended":
      case "labelReinstated":
        this.label.add(statement.labelId);
        break;
      case "issuerAccredited":
      case "issuerKeyRotated":
      case "issuerSuspended":
      case "issuerWithdrawn":
        this.issuer.add(kind.value.issuerId);
        break;
      case "categoryPublished":
        this.category.add(kind.value.categoryId);
        break;
      case undefined:
        break;
    }
  }

  /** Everything in `state`: the touched set of a rebuild from nothing. */
  static everything(state: RegistryState): MapTouched {
    const t = new MapTouched();
    for (const id of state.labels.keys()) t.label.add(id);
    for (const id of state.productLabels.keys()) t.product.add(id);
    for (const id of state.manufacturerProducts.keys()) t.manufacturer.add(id);
    for (const id of state.issuers.keys()) t.issuer.add(id);
    for (const id of state.categories.keys()) t.category.add(id);
    return t;
  }
}

/** The map entries (key and encoded MapValue) of everything in `touched`. */
export function mapEntries(state: RegistryState, touched: MapTouched, hasher: Pick<MapHasher, "digest">): MapEntry[] {
  const out: MapEntry[] = [];
  for (const kind of MAP_KINDS) {
    for (const id of touched[kind])
      out.push({ key: mapKey(hasher, kind, id), value: encodeMapValue(mapValue(state, kind, id)) });
  }
  return out;
}

/** The keys of the entries mapEntries() gives for `touched`, without their values. */
export function touchedKeys(touched: MapTouched, hasher: Pick<MapHasher, "digest">): MapKey[] {
  return MAP_KINDS.flatMap((kind) => [...touched[kind]].map((id) => mapKey(hasher, kind, id)));
}

const MAP_KINDS: readonly MapKeyKind[] = ["label", "product", "manufacturer", "issuer", "category"];

/** Encodes a value, refusing one over MAX_MAP_VALUE_BYTES (check() keeps every list within its limit). */
export function encodeMapValue(value: MapValue): Uint8Array {
  const bytes = MapValue.encode(value).finish();
  if (bytes.length > MAX_MAP_VALUE_BYTES)
    throw new Error(`map value of ${bytes.length} bytes is over ${MAX_MAP_VALUE_BYTES}`);
  return bytes;
}

/** The value of the thing of `kind` named `id`; throws if the state has no such thing. */
export function mapValue(state: RegistryState, kind: MapKeyKind, id: string): MapValue {
  switch (kind) {
    case "label":
      return labelValue(state, id);
    case "product":
      return productValue(state, id);
    case "manufacturer":
      return manufacturerValue(state, id);
    case "issuer":
      return issuerValue(state, id);
    case "category": {
      const c = state.categories.get(id);
      if (!c) throw new Error(`map value: no category ${id}`);
      return {
        lastIndex: BigInt(c.index),
        kind: {
          $case: "category",
          value: {
            categoryId: c.categoryId,
            name: c.name,
            description: c.description,
            nameEn: c.nameEn,
            nameZh: c.nameZh,
          },
        },
      };
    }
  }
}

/** Label event states as the map (and the stored rows) encode them. */
export const LABEL_STATES: Record<LabelState, LabelStatus> = {
  ACTIVE: LabelStatus.LABEL_STATUS_ACTIVE,
  SUSPENDED: LabelStatus.LABEL_STATUS_SUSPENDED,
  REVOKED: LabelStatus.LABEL_STATUS_REVOKED,
};
export const ISSUER_STATES: Record<IssuerState, IssuerStatus> = {
  ACTIVE: IssuerStatus.ISSUER_STATUS_ACTIVE,
  SUSPENDED: IssuerStatus.ISSUER_STATUS_SUSPENDED,
  WITHDRAWN: IssuerStatus.ISSUER_STATUS_WITHDRAWN,
};

function label(state: RegistryState, id: string) {
  const l = state.labels.get(id);
  if (!l) throw new Error(`map value: no label ${id}`);
  return l;
}

/**
 * A label record as the map commits it. LabelState (what reads answer) is this plus the status at
 * a time and the history (services/reads/convert.ts builds it from here); the two messages keep
 * their own field numbers, as the wire was frozen with both.
 */
export function mapLabel(l: LabelRecord): MapLabel {
  return {
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
    keyIndicators: [...l.keyIndicators],
    state: LABEL_STATES[l.state],
    suspendedByAuthority: l.suspendedByAuthority,
    version: l.version,
  };
}

function labelValue(state: RegistryState, id: string): MapValue {
  const l = label(state, id);
  return { lastIndex: BigInt(l.history[l.history.length - 1]!.index), kind: { $case: "label", value: mapLabel(l) } };
}

/** A productKey's registration code and (upper-cased) model. */
export function splitProductKey(key: string): { registrationCode: string; model: string } {
  // A registration code has no "\n" (its syntax is [0-9A-Z-]); the model may.
  const at = key.indexOf("\n");
  return { registrationCode: key.slice(0, at), model: key.slice(at + 1) };
}

/**
 * A product changes when a label is issued for it (the new label is live) and when its live
 * label is revoked. The live label is always the latest one if any (issuing needs the previous
 * one revoked or expired, and makes the new one live), so the last change is the latest label's
 * revocation if it was revoked, else its issuance.
 */
function productValue(state: RegistryState, key: string): MapValue {
  const labelIds = state.productLabels.get(key);
  if (!labelIds) throw new Error(`map value: no product ${JSON.stringify(key)}`);
  if (labelIds.length > MAX_PRODUCT_LABELS)
    throw new Error(`map value: product has ${labelIds.length} labels, over ${MAX_PRODUCT_LABELS}`);
  const latest = label(state, labelIds[labelIds.length - 1]!);
  const changed = latest.state === "REVOKED" ? latest.history[latest.history.length - 1]! : latest.history[0]!;
  const { registrationCode, model } = splitProductKey(key);
  return {
    lastIndex: BigInt(changed.index),
    kind: {
      $case: "product",
      value: { registrationCode, model, labelIds: [...labelIds], liveLabelId: state.liveByProduct.get(key) ?? "" },
    },
  };
}

/** A manufacturer changes when it gets a new product: with the first label of its newest product. */
function manufacturerValue(state: RegistryState, registrationCode: string): MapValue {
  const products = state.manufacturerProducts.get(registrationCode);
  if (!products) throw new Error(`map value: no manufacturer ${registrationCode}`);
  if (products.length > MAX_MANUFACTURER_PRODUCTS)
    throw new Error(`map value: manufacturer has ${products.length} products, over ${MAX_MANUFACTURER_PRODUCTS}`);
  const first = label(state, state.productLabels.get(products[products.length - 1]!)![0]!);
  return {
    lastIndex: BigInt(first.history[0]!.index),
    kind: {
      $case: "manufacturer",
      value: { registrationCode, productModels: products.map((p) => splitProductKey(p).model) },
    },
  };
}

function issuerValue(state: RegistryState, id: string): MapValue {
  const i = state.issuers.get(id);
  if (!i) throw new Error(`map value: no issuer ${id}`);
  // Issuers have few keys and change rarely: a scan of all keys costs less than an index kept for it.
  const keys = [...state.keys.values()].filter((k) => k.issuerId === id).sort((a, b) => a.fromIndex - b.fromIndex);
  if (keys.length > MAX_ISSUER_KEYS)
    throw new Error(`map value: issuer has ${keys.length} keys, over ${MAX_ISSUER_KEYS}`);
  return {
    lastIndex: BigInt(i.history[i.history.length - 1]!.index),
    kind: {
      $case: "issuer",
      value: {
        issuerId: i.issuerId,
        name: i.name,
        status: ISSUER_STATES[i.status],
        scope: [...i.scope].map(([categoryId, maxTier]) => ({ categoryId, maxTier })),
        keys: keys.map((k) => ({
          publicKey: k.publicKey,
          keyId: keyIdOf(k.publicKey),
          fromIndex: BigInt(k.fromIndex),
          untilIndex: BigInt(k.untilIndex ?? 0),
        })),
        nameEn: i.nameEn,
        nameZh: i.nameZh,
      },
    },
  };
}

/** The map key a statement changes first: its label's, its issuer's or its category's. */
export function statementMapKey(statement: Statement): { kind: MapKeyKind; id: string } | undefined {
  const kind = statement.kind;
  switch (kind?.$case) {
    case "issuerAccredited":
    case "issuerKeyRotated":
    case "issuerSuspended":
    case "issuerWithdrawn":
      return { kind: "issuer", id: kind.value.issuerId };
    case "categoryPublished":
      return { kind: "category", id: kind.value.categoryId };
    case undefined:
      return undefined;
    default:
      return { kind: "label", id: statement.labelId };
  }
}
