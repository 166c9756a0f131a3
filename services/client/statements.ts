// Builders for every statement kind, with the envelope filled in: a fresh request id (the
// idempotency key: reuse it only to resend the very same signed bytes), signed-at = now, and the
// log's origin when given (RegistryClient.submitStatement fills it in from the log's key).
import type {
  Evidence,
  IssuerAccredited,
  LabelIssued,
  Reason,
  ScopeEntry,
  Statement,
  Tier,
} from "../../proto/gen/messages/labelreg/v1/statement.js";

export interface EnvelopeOptions {
  /** Default: a random UUID. */
  readonly requestId?: string;
  /** Default: now, in Unix seconds. */
  readonly signedAtUnix?: bigint;
  /**
   * The origin of the log the statement is for (RegistryClient.origin). Default: empty, which a
   * registry refuses (`wrong-log`) unless RegistryClient.submitStatement fills it in.
   */
  readonly logOrigin?: string;
}

type Kind = NonNullable<Statement["kind"]>;

/** Unix seconds now. */
export function nowUnix(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}

function envelope(kind: Kind, labelId: string, expectedLabelVersion: bigint, o: EnvelopeOptions): Statement {
  return {
    requestId: o.requestId ?? globalThis.crypto.randomUUID(),
    signedAtUnix: o.signedAtUnix ?? nowUnix(),
    labelId,
    expectedLabelVersion,
    logOrigin: o.logOrigin ?? "",
    kind,
  };
}

/** A label change applies to the version the signer last saw (optimistic concurrency). */
export interface LabelChange {
  readonly labelId: string;
  /** The label's current version: the number of statements about it so far (1 after issuance). */
  readonly expectedVersion: bigint | number;
}

const change = (c: LabelChange, kind: Kind, o: EnvelopeOptions) =>
  envelope(kind, c.labelId, BigInt(c.expectedVersion), o);

// --- an issuer's label statements (the authority may also suspend, reinstate and revoke) ---

export function issueLabel(labelId: string, label: LabelIssued, o: EnvelopeOptions = {}): Statement {
  return envelope({ $case: "labelIssued", value: label }, labelId, 0n, o);
}

export function upgradeLabel(
  c: LabelChange,
  v: { tier: Tier; testReport: Evidence },
  o: EnvelopeOptions = {},
): Statement {
  return change(c, { $case: "labelUpgraded", value: v }, o);
}

export function downgradeLabel(c: LabelChange, v: { tier: Tier; reason: Reason }, o: EnvelopeOptions = {}): Statement {
  return change(c, { $case: "labelDowngraded", value: v }, o);
}

export function renewLabel(
  c: LabelChange,
  v: { validUntilUnix: bigint; securitySupportUntilUnix?: bigint; testReport?: Evidence },
  o: EnvelopeOptions = {},
): Statement {
  const value = {
    validUntilUnix: v.validUntilUnix,
    securitySupportUntilUnix: v.securitySupportUntilUnix ?? 0n,
    testReport: v.testReport,
  };
  return change(c, { $case: "labelRenewed", value }, o);
}

export function suspendLabel(c: LabelChange, reason: Reason, o: EnvelopeOptions = {}): Statement {
  return change(c, { $case: "labelSuspended", value: { reason } }, o);
}

export function reinstateLabel(c: LabelChange, reason: Reason, o: EnvelopeOptions = {}): Statement {
  return change(c, { $case: "labelReinstated", value: { reason } }, o);
}

export function revokeLabel(c: LabelChange, reason: Reason, o: EnvelopeOptions = {}): Statement {
  return change(c, { $case: "labelRevoked", value: { reason } }, o);
}

// --- the authority's statements ---

/** The optional English and Chinese names, left out (not empty) when not given. */
function translatedNames(v: { nameEn?: string | undefined; nameZh?: string | undefined }) {
  return { ...(v.nameEn ? { nameEn: v.nameEn } : {}), ...(v.nameZh ? { nameZh: v.nameZh } : {}) };
}

export function accreditIssuer(
  v: {
    issuerId: string;
    name: string;
    publicKey: Uint8Array;
    scope: readonly ScopeEntry[];
    nameEn?: string | undefined;
    nameZh?: string | undefined;
  },
  o: EnvelopeOptions = {},
): Statement {
  const value: IssuerAccredited = {
    issuerId: v.issuerId,
    name: v.name,
    publicKey: v.publicKey,
    scope: [...v.scope],
    ...translatedNames(v),
  };
  return envelope({ $case: "issuerAccredited", value }, "", 0n, o);
}

export function rotateIssuerKey(
  v: { issuerId: string; newPublicKey: Uint8Array; reason: Reason },
  o: EnvelopeOptions = {},
): Statement {
  return envelope({ $case: "issuerKeyRotated", value: v }, "", 0n, o);
}

export function suspendIssuer(issuerId: string, reason: Reason, o: EnvelopeOptions = {}): Statement {
  return envelope({ $case: "issuerSuspended", value: { issuerId, reason } }, "", 0n, o);
}

export function withdrawIssuer(issuerId: string, reason: Reason, o: EnvelopeOptions = {}): Statement {
  return envelope({ $case: "issuerWithdrawn", value: { issuerId, reason } }, "", 0n, o);
}

export function publishCategory(
  v: {
    categoryId: string;
    name: string;
    description?: string;
    nameEn?: string | undefined;
    nameZh?: string | undefined;
  },
  o: EnvelopeOptions = {},
): Statement {
  return envelope(
    {
      $case: "categoryPublished",
      value: { categoryId: v.categoryId, name: v.name, description: v.description ?? "", ...translatedNames(v) },
    },
    "",
    0n,
    o,
  );
}

/** What an accepted label statement leaves the label as: its state and its new version. */
export function labelOutcome(s: Statement): { state: "ACTIVE" | "SUSPENDED" | "REVOKED"; version: bigint } | undefined {
  switch (s.kind?.$case) {
    case "labelIssued":
    case "labelUpgraded":
    case "labelDowngraded":
    case "labelRenewed":
    case "labelReinstated":
      return { state: "ACTIVE", version: s.expectedLabelVersion + 1n };
    case "labelSuspended":
      return { state: "SUSPENDED", version: s.expectedLabelVersion + 1n };
    case "labelRevoked":
      return { state: "REVOKED", version: s.expectedLabelVersion + 1n };
    default:
      return undefined;
  }
}
