// Projection records to the wire's messages (shared by gRPC and the gateway's JSON).
import {
  IssuerStatus,
  LabelEventKind,
  LabelStatus,
  type IssuerState,
  type LabelState,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { mapLabel } from "../domain/map-values.js";
import { keyIdOf } from "../domain/signing.js";
import {
  labelStatusAt,
  type IssuerRecord,
  type KeyRecord,
  type LabelEventKind as DomainLabelEventKind,
  type LabelRecord,
  type LabelStatus as DomainLabelStatus,
} from "../domain/state.js";

export const LABEL_STATUS: Readonly<Record<DomainLabelStatus, LabelStatus>> = {
  ACTIVE: LabelStatus.LABEL_STATUS_ACTIVE,
  SUSPENDED: LabelStatus.LABEL_STATUS_SUSPENDED,
  REVOKED: LabelStatus.LABEL_STATUS_REVOKED,
  EXPIRED: LabelStatus.LABEL_STATUS_EXPIRED,
  NOT_YET_VALID: LabelStatus.LABEL_STATUS_NOT_YET_VALID,
};

export const EVENT_KIND: Readonly<Record<DomainLabelEventKind, LabelEventKind>> = {
  labelIssued: LabelEventKind.LABEL_EVENT_KIND_ISSUED,
  labelUpgraded: LabelEventKind.LABEL_EVENT_KIND_UPGRADED,
  labelDowngraded: LabelEventKind.LABEL_EVENT_KIND_DOWNGRADED,
  labelRenewed: LabelEventKind.LABEL_EVENT_KIND_RENEWED,
  labelSuspended: LabelEventKind.LABEL_EVENT_KIND_SUSPENDED,
  labelReinstated: LabelEventKind.LABEL_EVENT_KIND_REINSTATED,
  labelRevoked: LabelEventKind.LABEL_EVENT_KIND_REVOKED,
};

/**
 * A label record as the wire shows it, its status evaluated at `nowUnix`. `logIndex` maps the
 * record's history positions to log indices when the record comes from a partial replay.
 */
export function toLabelState(r: LabelRecord, nowUnix: bigint, logIndex?: readonly number[]): LabelState {
  // The fields the map commits, less its event state: a reader gets the status at a time instead.
  const { state: _committed, ...committed } = mapLabel(r);
  return {
    ...committed,
    status: LABEL_STATUS[labelStatusAt(r, nowUnix)],
    statusAtUnix: nowUnix,
    history: r.history.map((h) => ({
      index: BigInt(logIndex ? logIndex[h.index]! : h.index),
      kind: EVENT_KIND[h.kind],
      sequencedAtUnix: h.sequencedAtUnix,
      byAuthority: h.signer.kind === "authority",
    })),
  };
}

const ISSUER_STATUS = {
  ACTIVE: IssuerStatus.ISSUER_STATUS_ACTIVE,
  SUSPENDED: IssuerStatus.ISSUER_STATUS_SUSPENDED,
  WITHDRAWN: IssuerStatus.ISSUER_STATUS_WITHDRAWN,
} as const;

/** An issuer record and its keys (oldest first) as the wire shows them. */
export function toIssuerState(r: IssuerRecord, keys: readonly KeyRecord[], logIndex?: readonly number[]): IssuerState {
  const at = (i: number) => BigInt(logIndex ? logIndex[i]! : i);
  return {
    issuerId: r.issuerId,
    name: r.name,
    status: ISSUER_STATUS[r.status],
    scope: [...r.scope].map(([categoryId, maxTier]) => ({ categoryId, maxTier })),
    keys: keys.map((k) => ({
      publicKey: k.publicKey,
      keyId: keyIdOf(k.publicKey),
      fromIndex: at(k.fromIndex),
      untilIndex: k.untilIndex === undefined ? 0n : at(k.untilIndex),
    })),
    history: r.history.map((h) => ({ index: at(h.index), kind: h.kind, sequencedAtUnix: h.sequencedAtUnix })),
  };
}
