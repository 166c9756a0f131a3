// Folding an accepted statement into the projected state.
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { isCommitment, type CommitmentEntry, type Submission } from "./decode.js";
import {
  byteString,
  keptBytes,
  keptEvidence,
  keptIndicators,
  keptManufacturer,
  keptSigner,
  keptString,
  keptTestingLab,
  keptTime,
} from "./kept.js";
import { keyIdHex, keyIdOf } from "./signing.js";
import {
  productKey,
  requestKey,
  type HistoryEvent,
  type IssuerEventKind,
  type IssuerRecord,
  type LabelEventKind,
  type LabelRecord,
  type RegistryState,
  type Signer,
} from "./state.js";

/** An accepted statement at its place in the log. */
export interface SequencedStatement extends Submission {
  readonly sequencedAtUnix: bigint;
}

/** The signer of an entry, from its key id alone (no signature check: apply trusts check()). */
export function signerOf(state: RegistryState, keyId: Uint8Array): Signer {
  const id = keyIdHex(keyId);
  if (id === state.authorityKeyIdHex) return keptSigner({ kind: "authority", keyIdHex: id });
  const k = state.keys.get(id);
  if (!k) throw new Error(`apply: key ${id} is unknown; check() must accept an entry before apply()`);
  return keptSigner({ kind: "issuer", issuerId: k.issuerId, keyIdHex: id });
}

/**
 * Applies the entry at log index `index` (which must be state.size) to `state`, in place. A
 * commitment entry changes no projection: it only advances the size.
 * Precondition: check() accepted it against this very state (not a replay). apply() re-checks
 * nothing, so it is fast enough to rebuild projections from millions of entries at start-up;
 * inside a transaction (state.begin()) every change is undone by state.rollback().
 */
export function apply(state: RegistryState, entry: SequencedStatement | CommitmentEntry, index: number): void {
  if (index !== state.size) throw new Error(`apply: entry index ${index} is not the next index ${state.size}`);
  if (isCommitment(entry)) {
    state.advance();
    return;
  }
  const signer = signerOf(state, entry.keyId);
  const s = entry.statement;
  const kind = s.kind;
  if (!kind) throw new Error("apply: statement has no kind");
  const at = { index, signer, sequencedAtUnix: keptTime(entry.sequencedAtUnix) };
  switch (kind.$case) {
    case "labelIssued":
      issue(state, s, kind.value, at);
      break;
    case "labelUpgraded":
    case "labelDowngraded":
    case "labelRenewed":
    case "labelSuspended":
    case "labelReinstated":
    case "labelRevoked":
      changeLabel(state, s.labelId, kind, at);
      break;
    case "issuerAccredited":
    case "issuerKeyRotated":
    case "issuerSuspended":
    case "issuerWithdrawn":
      changeIssuer(state, kind, at);
      break;
    case "categoryPublished":
      state.categories.set(kind.value.categoryId, {
        categoryId: kind.value.categoryId,
        name: kind.value.name,
        nameEn: kind.value.nameEn,
        nameZh: kind.value.nameZh,
        description: kind.value.description,
        index,
      });
      break;
  }
  state.requests.set(requestKey(signer, s.requestId), { index, digest: byteString(entry.digest) });
  state.advance();
}

type At = Omit<HistoryEvent<string>, "kind">;

/**
 * A history event, built field by field: a spread ({ ...at, kind }) gave nearly every event its
 * own hidden class (a V8 map and descriptor array per label, a fifth of a replayed label's heap).
 */
function event<K extends string>(at: At, kind: K): HistoryEvent<K> {
  return { index: at.index, kind, signer: at.signer, sequencedAtUnix: at.sequencedAtUnix };
}
type Kind = NonNullable<Statement["kind"]>;

function issue(state: RegistryState, s: Statement, l: Extract<Kind, { $case: "labelIssued" }>["value"], at: At): void {
  const m = l.manufacturer!;
  const product = productKey(m.registrationCode, l.productModel);
  const issuerId = at.signer.kind === "issuer" ? at.signer.issuerId : "";
  const label: LabelRecord = {
    labelId: s.labelId,
    issuerId,
    productKey: product,
    manufacturer: keptManufacturer(m),
    productModel: l.productModel,
    categoryId: keptString(l.categoryId),
    tier: l.tier,
    validFromUnix: l.validFromUnix,
    validUntilUnix: l.validUntilUnix,
    securitySupportUntilUnix: l.securitySupportUntilUnix,
    testingLab: keptTestingLab(l.testingLab!),
    standardReference: keptString(l.standardReference),
    testReport: keptEvidence(l.testReport!),
    declarationOfConformity: keptEvidence(l.declarationOfConformity!),
    keyIndicators: keptIndicators(l.keyIndicators),
    state: "ACTIVE",
    suspendedByAuthority: false,
    version: 1n,
    history: [event(at, "labelIssued")],
  };
  state.labels.set(label.labelId, label);
  state.liveByProduct.set(product, label.labelId);
  // Exactly sized: a spread into a new array leaves room for 16 more ids, for every product.
  const earlier = state.productLabels.get(product);
  state.productLabels.set(product, earlier === undefined ? [label.labelId] : earlier.concat(label.labelId));
  if (earlier === undefined) state.manufacturerProducts.append(label.manufacturer.registrationCode, product);
}

function changeLabel(
  state: RegistryState,
  labelId: string,
  kind: Exclude<Kind, { $case: "labelIssued" | `issuer${string}` | "categoryPublished" }>,
  at: At,
): void {
  const old = state.labels.get(labelId);
  if (!old) throw new Error(`apply: label ${labelId} does not exist`);
  const happened: HistoryEvent<LabelEventKind> = event(at, kind.$case);
  const base = { ...old, version: old.version + 1n, history: old.history.concat(happened) };
  let next: LabelRecord;
  switch (kind.$case) {
    case "labelUpgraded":
      next = { ...base, tier: kind.value.tier, testReport: keptEvidence(kind.value.testReport!) };
      break;
    case "labelDowngraded":
      next = { ...base, tier: kind.value.tier };
      break;
    case "labelRenewed":
      next = {
        ...base,
        validUntilUnix: kind.value.validUntilUnix,
        securitySupportUntilUnix: kind.value.securitySupportUntilUnix || old.securitySupportUntilUnix,
        testReport: kind.value.testReport ? keptEvidence(kind.value.testReport) : old.testReport,
      };
      break;
    case "labelSuspended":
      next = { ...base, state: "SUSPENDED", suspendedByAuthority: at.signer.kind === "authority" };
      break;
    case "labelReinstated":
      next = { ...base, state: "ACTIVE", suspendedByAuthority: false };
      break;
    case "labelRevoked":
      next = { ...base, state: "REVOKED", suspendedByAuthority: false };
      if (state.liveByProduct.get(old.productKey) === labelId) state.liveByProduct.delete(old.productKey);
      break;
  }
  state.labels.set(labelId, next);
}

function changeIssuer(state: RegistryState, kind: Extract<Kind, { $case: `issuer${string}` }>, at: At): void {
  const happened: HistoryEvent<IssuerEventKind> = event(at, kind.$case);
  const old = state.issuers.get(kind.value.issuerId);
  let next: IssuerRecord;
  switch (kind.$case) {
    case "issuerAccredited": {
      const a = kind.value;
      const keyId = keyIdHex(keyIdOf(a.publicKey));
      next = {
        issuerId: a.issuerId,
        name: a.name,
        nameEn: a.nameEn,
        nameZh: a.nameZh,
        scope: new Map(a.scope.map((e) => [e.categoryId, e.maxTier] as const)),
        status: "ACTIVE",
        currentKeyIdHex: keyId,
        history: (old?.history ?? []).concat(happened),
      };
      if (!old) {
        state.keys.set(keyId, {
          keyIdHex: keyId,
          publicKey: keptBytes(a.publicKey),
          issuerId: a.issuerId,
          fromIndex: at.index,
          untilIndex: undefined,
        });
      }
      break;
    }
    case "issuerKeyRotated": {
      if (!old) throw new Error(`apply: issuer ${kind.value.issuerId} does not exist`);
      const keyId = keyIdHex(keyIdOf(kind.value.newPublicKey));
      const retired = state.keys.get(old.currentKeyIdHex);
      if (retired) state.keys.set(retired.keyIdHex, { ...retired, untilIndex: at.index });
      state.keys.set(keyId, {
        keyIdHex: keyId,
        publicKey: keptBytes(kind.value.newPublicKey),
        issuerId: old.issuerId,
        fromIndex: at.index,
        untilIndex: undefined,
      });
      next = { ...old, currentKeyIdHex: keyId, history: old.history.concat(happened) };
      break;
    }
    case "issuerSuspended":
    case "issuerWithdrawn":
      if (!old) throw new Error(`apply: issuer ${kind.value.issuerId} does not exist`);
      next = {
        ...old,
        status: kind.$case === "issuerSuspended" ? "SUSPENDED" : "WITHDRAWN",
        history: old.history.concat(happened),
      };
      break;
  }
  state.issuers.set(next.issuerId, next);
}
