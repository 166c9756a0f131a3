// The rules: whether a signed statement may be appended to the log in the current state. The
// sequencer calls check() before assigning an index; the auditor calls it for every entry while
// replaying the log, with the entry's sequenced-at time as `now`, and reaches the same verdicts.
import type { SignedStatement } from "../../proto/gen/messages/labelreg/v1/entry.js";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import type { DomainConfig } from "./config.js";
import { byteString } from "./kept.js";
import { parseSignedStatement, type Submission } from "./decode.js";
import { keyIdHex, keyIdOf, statementSigningInput } from "./signing.js";
import {
  labelStatusAt,
  productKey,
  requestKey,
  type IssuerRecord,
  type LabelEventKind,
  type LabelRecord,
  type LabelStatus,
  type RegistryState,
  type Signer,
} from "./state.js";
import { MAX_ISSUER_KEYS, MAX_MANUFACTURER_PRODUCTS, MAX_PRODUCT_LABELS } from "./limits.js";
import { labelIssuerId } from "./syntax.js";
import { isViolation, violation, type RuleViolation } from "./violation.js";

/** The statement may be appended; apply() it at the next index once it is. */
export interface Accepted {
  readonly kind: "accepted";
  readonly submission: Submission;
  readonly signer: Signer;
}

/** The same statement bytes were already sequenced under this request id, at `index`. */
export interface Replay {
  readonly kind: "replay";
  readonly index: number;
}

export type CheckResult = Accepted | Replay | RuleViolation;

type Check = RuleViolation | undefined;
type Kind = NonNullable<Statement["kind"]>;

/**
 * Finds the key `sub.keyId` names (the authority's, or any issuer key, current or retired) and
 * verifies the signature. Stateless but for the key lookup, so a pool can run it in parallel;
 * whether a retired key may still sign is a rule (checkRules), not authentication.
 */
export function authenticate(state: RegistryState, sub: Submission, config: DomainConfig): Signer | RuleViolation {
  return authenticateWith(state, sub, (publicKey) =>
    config.verify(publicKey, statementSigningInput(sub.statementBytes), sub.signature),
  );
}

/**
 * authenticate() with the signature check given as `signatureValid(publicKey)`: whether
 * `sub.signature` verifies over statementSigningInput(sub.statementBytes) with that key. For a
 * caller that verified it ahead (the auditor, on worker threads) and need not build the input.
 */
export function authenticateWith(
  state: RegistryState,
  sub: Submission,
  signatureValid: (publicKey: Uint8Array) => boolean,
): Signer | RuleViolation {
  const id = keyIdHex(sub.keyId);
  let publicKey: Uint8Array;
  let signer: Signer;
  if (id === state.authorityKeyIdHex) {
    publicKey = state.authorityPublicKey;
    signer = { kind: "authority", keyIdHex: id };
  } else {
    const k = state.keys.get(id);
    if (!k)
      return violation(
        "UNAUTHENTICATED",
        "unknown-key",
        `key id ${id} is neither the authority's nor an accredited issuer's`,
      );
    publicKey = k.publicKey;
    signer = { kind: "issuer", issuerId: k.issuerId, keyIdHex: id };
  }
  if (!signatureValid(publicKey)) {
    return violation("UNAUTHENTICATED", "bad-signature", `the signature does not verify with key ${id}`);
  }
  return signer;
}

/**
 * Every rule that depends on the state, for an authenticated submission, evaluated at `now`
 * (Unix seconds). Order: the log origin, idempotent replay, request-id reuse, clock skew, signer
 * standing, then the kind's own rules. Pure: reads `state`, never changes it.
 */
export function checkRules(
  state: RegistryState,
  sub: Submission,
  signer: Signer,
  now: bigint,
  config: DomainConfig,
): CheckResult {
  const s = sub.statement;
  // First: a statement for another log is refused whatever this log holds.
  if (s.logOrigin !== config.logOrigin) {
    return violation(
      "INVALID_ARGUMENT",
      "wrong-log",
      s.logOrigin === ""
        ? `the statement names no log_origin; this log is ${JSON.stringify(config.logOrigin)}`
        : `the statement is for log ${JSON.stringify(s.logOrigin)}, not this log ${JSON.stringify(config.logOrigin)}`,
    );
  }
  const used = state.requests.get(requestKey(signer, s.requestId));
  if (used) {
    if (used.digest === byteString(sub.digest)) return { kind: "replay", index: used.index };
    return violation(
      "ALREADY_EXISTS",
      "request-id-reused",
      `request id ${s.requestId} was used at index ${used.index} for a different statement`,
    );
  }
  const skew = BigInt(config.clockSkewSeconds);
  if (s.signedAtUnix < now - skew || s.signedAtUnix > now + skew) {
    return violation(
      "INVALID_ARGUMENT",
      "signed-at-outside-skew",
      `signed_at_unix ${s.signedAtUnix} is more than ${skew}s from the log's time ${now}`,
    );
  }
  let issuer: IssuerRecord | undefined;
  if (signer.kind === "issuer") {
    issuer = state.issuers.get(signer.issuerId);
    // A key record always has its issuer; the check keeps a corrupt state from passing silently.
    if (!issuer)
      return violation(
        "UNAUTHENTICATED",
        "unknown-key",
        `key ${signer.keyIdHex} names unknown issuer ${signer.issuerId}`,
      );
    if (issuer.status === "WITHDRAWN")
      return violation("PERMISSION_DENIED", "issuer-withdrawn", `issuer ${issuer.issuerId} is withdrawn`);
    if (issuer.status === "SUSPENDED")
      return violation("PERMISSION_DENIED", "issuer-suspended", `issuer ${issuer.issuerId} is suspended`);
    if (issuer.currentKeyIdHex !== signer.keyIdHex) {
      return violation(
        "UNAUTHENTICATED",
        "key-retired",
        `key ${signer.keyIdHex} of issuer ${issuer.issuerId} was rotated out`,
      );
    }
  }
  const kind = s.kind;
  if (!kind) return violation("INVALID_ARGUMENT", "missing-kind", "the statement names no kind");
  const v = issuer
    ? checkIssuerStatement(state, s, kind, issuer, now, config)
    : checkAuthorityStatement(state, s, kind, now, config);
  return v ?? { kind: "accepted", submission: sub, signer };
}

/** parseSignedStatement + authenticate + checkRules: the whole verdict on one signed statement. */
export function check(
  state: RegistryState,
  signed: SignedStatement | Submission,
  now: bigint,
  config: DomainConfig,
): CheckResult {
  const sub = "statementBytes" in signed ? signed : parseSignedStatement(signed);
  if (isViolation(sub)) return sub;
  const signer = authenticate(state, sub, config);
  if (isViolation(signer)) return signer;
  return checkRules(state, sub, signer, now, config);
}

// --- issuers -------------------------------------------------------------------------------

function covers(issuer: IssuerRecord, categoryId: string, tier: number): Check {
  const max = issuer.scope.get(categoryId);
  if (max !== undefined && tier <= max) return undefined;
  return violation(
    "PERMISSION_DENIED",
    "outside-scope",
    `issuer ${issuer.issuerId} is not accredited for tier ${tier} in category ${categoryId}` +
      (max === undefined ? "" : ` (at most tier ${max})`),
  );
}

function checkIssuerStatement(
  state: RegistryState,
  s: Statement,
  kind: Kind,
  issuer: IssuerRecord,
  now: bigint,
  config: DomainConfig,
): Check {
  if (kind.$case === "labelIssued") return checkIssued(state, s, kind.value, issuer, now, config);
  if (!isLabelChange(kind)) {
    return violation("PERMISSION_DENIED", "authority-only", `only the authority may sign ${kind.$case}`);
  }
  const label = state.labels.get(s.labelId);
  if (!label) return violation("NOT_FOUND", "label-not-found", `label ${s.labelId} does not exist`);
  if (label.issuerId !== issuer.issuerId) {
    return violation(
      "PERMISSION_DENIED",
      "not-label-issuer",
      `label ${s.labelId} was issued by ${label.issuerId}, not ${issuer.issuerId}`,
    );
  }
  return checkLabelChange(s, kind, label, now, config) ?? checkIssuerChange(kind, label, issuer);
}

function checkIssued(
  state: RegistryState,
  s: Statement,
  l: Extract<Kind, { $case: "labelIssued" }>["value"],
  issuer: IssuerRecord,
  now: bigint,
  config: DomainConfig,
): Check {
  if (labelIssuerId(s.labelId) !== issuer.issuerId) {
    return violation(
      "PERMISSION_DENIED",
      "label-id-not-issuers",
      `label id ${s.labelId} must begin with the issuer's id ${issuer.issuerId}-`,
    );
  }
  if (state.labels.has(s.labelId))
    return violation("ALREADY_EXISTS", "label-id-taken", `label ${s.labelId} already exists`);
  if (!state.categories.has(l.categoryId)) {
    return violation(
      "INVALID_ARGUMENT",
      "category-not-in-catalogue",
      `category ${l.categoryId} is not in the catalogue`,
    );
  }
  const scope = covers(issuer, l.categoryId, l.tier);
  if (scope) return scope;
  const v = checkValidity(l.validFromUnix, l.validUntilUnix, now, config);
  if (v) return v;
  const product = productKey(l.manufacturer!.registrationCode, l.productModel);
  const live = state.liveByProduct.get(product);
  const other = live === undefined ? undefined : state.labels.get(live);
  if (other && labelStatusAt(other, now) !== "EXPIRED") {
    return violation("ALREADY_EXISTS", "product-has-live-label", `product already has live label ${other.labelId}`);
  }
  return checkMapLists(state, product, l.manufacturer!.registrationCode);
}

/** The lists a map value holds stay within their limits (map-values.ts), so every value encodes. */
function checkMapLists(state: RegistryState, product: string, registrationCode: string): Check {
  const labels = state.productLabels.get(product);
  if (labels !== undefined) {
    if (labels.length >= MAX_PRODUCT_LABELS) {
      return violation(
        "FAILED_PRECONDITION",
        "product-label-limit",
        `the product already has ${labels.length} labels, the most the registry keeps for one product`,
      );
    }
  } else if ((state.manufacturerProducts.get(registrationCode)?.length ?? 0) >= MAX_MANUFACTURER_PRODUCTS) {
    return violation(
      "FAILED_PRECONDITION",
      "manufacturer-product-limit",
      `manufacturer ${registrationCode} already has ${MAX_MANUFACTURER_PRODUCTS} products, the most the registry keeps for one manufacturer`,
    );
  }
  return undefined;
}

/** A Unix time as an ISO 8601 date-time for messages (a bare number outside Date's range). */
function isoTime(unix: bigint): string {
  const ms = Number(unix) * 1000;
  return Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString().replace(".000Z", "Z") : String(unix);
}

function checkValidity(from: bigint, until: bigint, now: bigint, config: DomainConfig): Check {
  if (until <= now)
    return violation(
      "INVALID_ARGUMENT",
      "validity-ended",
      `the end of validity (valid_until_unix ${until}, ${isoTime(until)}) is in the past: the log's time is ${isoTime(now)}`,
    );
  if (from > now + BigInt(config.clockSkewSeconds)) {
    return violation(
      "INVALID_ARGUMENT",
      "validity-starts-in-future",
      `valid_from_unix ${from} is after the log's time ${now}`,
    );
  }
  const start = from > now ? from : now;
  if (until - start > BigInt(config.maxValiditySeconds)) {
    const days = (n: bigint | number) => Math.ceil(Number(n) / 86_400);
    const years = Math.round((config.maxValiditySeconds / (365.25 * 86_400)) * 10) / 10;
    return violation(
      "INVALID_ARGUMENT",
      "validity-too-long",
      `the label would be valid for ${days(until - start)} days, longer than the ${days(config.maxValiditySeconds)} days (about ${years} years) allowed`,
    );
  }
  return undefined;
}

/** Rules only an issuer's change meets: scope for what grants a tier, and authority suspensions. */
function checkIssuerChange(kind: Kind, label: LabelRecord, issuer: IssuerRecord): Check {
  switch (kind.$case) {
    case "labelUpgraded":
    case "labelDowngraded":
      return covers(issuer, label.categoryId, kind.value.tier);
    case "labelRenewed":
      return covers(issuer, label.categoryId, label.tier);
    case "labelReinstated":
      if (label.suspendedByAuthority) {
        return violation(
          "PERMISSION_DENIED",
          "authority-suspension",
          `label ${label.labelId} was suspended by the authority; only the authority reinstates it`,
        );
      }
      return covers(issuer, label.categoryId, label.tier);
    default:
      return undefined;
  }
}

// --- the label state machine ------------------------------------------------------------------

type LabelChange = Exclude<Kind, { $case: "labelIssued" } | { $case: `issuer${string}` | "categoryPublished" }>;

function isLabelChange(kind: Kind): kind is LabelChange {
  return kind.$case.startsWith("label") && kind.$case !== "labelIssued";
}

/**
 * From which statuses each event may fire. NOT_YET_VALID counts as ACTIVE: the label exists and
 * is in force but for its start date. An expired label can still be revoked (for the record),
 * nothing else: renewal must come before the end, or a new label be issued.
 */
export const ALLOWED_FROM: Readonly<Record<Exclude<LabelEventKind, "labelIssued">, readonly LabelStatus[]>> = {
  labelUpgraded: ["ACTIVE", "NOT_YET_VALID"],
  labelDowngraded: ["ACTIVE", "NOT_YET_VALID"],
  labelRenewed: ["ACTIVE", "NOT_YET_VALID"],
  labelSuspended: ["ACTIVE", "NOT_YET_VALID"],
  labelReinstated: ["SUSPENDED"],
  labelRevoked: ["ACTIVE", "NOT_YET_VALID", "SUSPENDED", "EXPIRED"],
};

/** The authority enforces (suspends, reinstates, revokes); assessing a product is an issuer's. */
export const AUTHORITY_LABEL_EVENTS: ReadonlySet<LabelEventKind> = new Set([
  "labelSuspended",
  "labelReinstated",
  "labelRevoked",
]);

function checkLabelChange(
  s: Statement,
  kind: LabelChange,
  label: LabelRecord,
  now: bigint,
  config: DomainConfig,
): Check {
  if (s.expectedLabelVersion !== label.version) {
    return violation(
      "ABORTED",
      "label-version-mismatch",
      `label ${label.labelId} is at version ${label.version}, not ${s.expectedLabelVersion}`,
    );
  }
  const status = labelStatusAt(label, now);
  if (!ALLOWED_FROM[kind.$case].includes(status)) {
    return violation(
      "FAILED_PRECONDITION",
      "transition-not-allowed",
      `${kind.$case} is not allowed from ${status} (label ${label.labelId})`,
    );
  }
  switch (kind.$case) {
    case "labelUpgraded":
      if (kind.value.tier <= label.tier) {
        return violation(
          "FAILED_PRECONDITION",
          "upgrade-must-raise-tier",
          `tier ${kind.value.tier} is not above the label's tier ${label.tier}`,
        );
      }
      return undefined;
    case "labelDowngraded":
      if (kind.value.tier >= label.tier) {
        return violation(
          "FAILED_PRECONDITION",
          "downgrade-must-lower-tier",
          `tier ${kind.value.tier} is not below the label's tier ${label.tier}`,
        );
      }
      return undefined;
    case "labelRenewed":
      if (kind.value.validUntilUnix <= label.validUntilUnix) {
        return violation(
          "FAILED_PRECONDITION",
          "renewal-must-extend",
          `valid_until_unix ${kind.value.validUntilUnix} is not after ${label.validUntilUnix}`,
        );
      }
      return checkValidity(label.validFromUnix, kind.value.validUntilUnix, now, config);
    default:
      return undefined;
  }
}

// --- the authority ----------------------------------------------------------------------------

function checkAuthorityStatement(
  state: RegistryState,
  s: Statement,
  kind: Kind,
  now: bigint,
  config: DomainConfig,
): Check {
  switch (kind.$case) {
    case "labelIssued":
    case "labelUpgraded":
    case "labelDowngraded":
    case "labelRenewed":
      return violation(
        "PERMISSION_DENIED",
        "authority-cannot-assess",
        `${kind.$case} is an issuer's assessment; the authority may suspend, reinstate or revoke`,
      );
    case "labelSuspended":
    case "labelReinstated":
    case "labelRevoked": {
      const label = state.labels.get(s.labelId);
      if (!label) return violation("NOT_FOUND", "label-not-found", `label ${s.labelId} does not exist`);
      return checkLabelChange(s, kind, label, now, config);
    }
    case "issuerAccredited": {
      const a = kind.value;
      for (const e of a.scope) {
        if (!state.categories.has(e.categoryId)) {
          return violation(
            "INVALID_ARGUMENT",
            "category-not-in-catalogue",
            `scope category ${e.categoryId} is not in the catalogue`,
          );
        }
      }
      const keyId = keyIdHex(keyIdOf(a.publicKey));
      const existing = state.issuers.get(a.issuerId);
      if (existing) {
        if (existing.status === "WITHDRAWN")
          return violation("FAILED_PRECONDITION", "issuer-withdrawn", `issuer ${a.issuerId} is withdrawn`);
        if (existing.currentKeyIdHex !== keyId) {
          return violation(
            "FAILED_PRECONDITION",
            "accreditation-key-mismatch",
            `issuer ${a.issuerId} exists with another key; rotate keys with issuer_key_rotated`,
          );
        }
        return undefined;
      }
      return keyInUse(state, keyId);
    }
    case "issuerKeyRotated": {
      const issuer = state.issuers.get(kind.value.issuerId);
      if (!issuer) return violation("NOT_FOUND", "issuer-not-found", `issuer ${kind.value.issuerId} does not exist`);
      if (issuer.status === "WITHDRAWN")
        return violation("FAILED_PRECONDITION", "issuer-withdrawn", `issuer ${issuer.issuerId} is withdrawn`);
      const keys = [...state.keys.values()].filter((k) => k.issuerId === issuer.issuerId).length;
      if (keys >= MAX_ISSUER_KEYS) {
        return violation(
          "FAILED_PRECONDITION",
          "issuer-key-limit",
          `issuer ${issuer.issuerId} already has had ${keys} keys, the most the registry keeps for one issuer`,
        );
      }
      return keyInUse(state, keyIdHex(keyIdOf(kind.value.newPublicKey)));
    }
    case "issuerSuspended": {
      const issuer = state.issuers.get(kind.value.issuerId);
      if (!issuer) return violation("NOT_FOUND", "issuer-not-found", `issuer ${kind.value.issuerId} does not exist`);
      if (issuer.status !== "ACTIVE")
        return violation("FAILED_PRECONDITION", "issuer-not-active", `issuer ${issuer.issuerId} is ${issuer.status}`);
      return undefined;
    }
    case "issuerWithdrawn": {
      const issuer = state.issuers.get(kind.value.issuerId);
      if (!issuer) return violation("NOT_FOUND", "issuer-not-found", `issuer ${kind.value.issuerId} does not exist`);
      if (issuer.status === "WITHDRAWN")
        return violation("FAILED_PRECONDITION", "issuer-withdrawn", `issuer ${issuer.issuerId} is already withdrawn`);
      return undefined;
    }
    case "categoryPublished":
      if (state.categories.has(kind.value.categoryId)) {
        return violation("ALREADY_EXISTS", "category-exists", `category ${kind.value.categoryId} is already published`);
      }
      return undefined;
  }
}

function keyInUse(state: RegistryState, keyId: string): Check {
  if (keyId === state.authorityKeyIdHex || state.keys.has(keyId)) {
    return violation(
      "ALREADY_EXISTS",
      "key-in-use",
      `key ${keyId} is already the authority's or an issuer's (current or retired)`,
    );
  }
  return undefined;
}
