// Parsing of the values people type into CLI options and CSV cells: times, tiers, digests,
// reasons, key indicators. Each parser throws FieldError naming the field, never anything else.
import { fromHex } from "../../log/bytes.js";
import { ReasonCode, Tier, type KeyIndicator, type Reason } from "../../proto/gen/messages/labelreg/v1/statement.js";

/** A value that does not parse; `field` names the column/option, or the registry rule it breaks. */
export class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
    /** When false, `message` already names the field (a registry rule's message does). */
    prefixed = true,
  ) {
    super(prefixed ? `${field}: ${message}` : message);
    this.name = "FieldError";
  }
}

const UNIX = /^[0-9]{1,12}$/;
const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const DATE_TIME = /^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?(Z|[+-][0-9]{2}:[0-9]{2})$/;

/**
 * A time as Unix seconds: an integer of seconds, a date (YYYY-MM-DD, midnight UTC) or an
 * RFC 3339 date-time with a zone (2026-07-01T08:00:00+08:00). Anything else is refused rather
 * than guessed (no local-time interpretation).
 */
export function parseTime(field: string, text: string): bigint {
  const t = text.trim();
  if (UNIX.test(t)) return BigInt(t);
  if (DATE.test(t) || DATE_TIME.test(t)) {
    const ms = Date.parse(DATE.test(t) ? `${t}T00:00:00Z` : t);
    // Date.parse rolls 2026-02-30 over to March: refuse dates that do not round-trip.
    if (Number.isFinite(ms) && (!DATE.test(t) || new Date(ms).toISOString().slice(0, 10) === t))
      return BigInt(Math.floor(ms / 1000));
  }
  throw new FieldError(
    field,
    `${JSON.stringify(t.slice(0, 40))} is not a time: use Unix seconds, YYYY-MM-DD or an RFC 3339 date-time with a zone`,
  );
}

const TIERS: Record<string, Tier> = {
  "1": Tier.TIER_BASIC,
  "2": Tier.TIER_ENHANCED,
  "3": Tier.TIER_LEADING,
  basic: Tier.TIER_BASIC,
  enhanced: Tier.TIER_ENHANCED,
  leading: Tier.TIER_LEADING,
};

/** A tier: 1, 2, 3 (stars) or basic, enhanced, leading. */
export function parseTier(field: string, text: string): Tier {
  const t = TIERS[text.trim().toLowerCase()];
  if (t === undefined)
    throw new FieldError(
      field,
      `${JSON.stringify(text.slice(0, 40))} is not a tier: 1, 2, 3, basic, enhanced or leading`,
    );
  return t;
}

/** A SHA-256 digest as 64 hex digits. */
export function parseDigest(field: string, text: string): Uint8Array {
  const t = text.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(t)) throw new FieldError(field, "is not a SHA-256 digest (64 hex digits)");
  return fromHex(t.toLowerCase());
}

/** Reason codes by their names in kebab case (as in the proto, without the prefix). */
export const REASON_CODES: Readonly<Record<string, ReasonCode>> = {
  nonconformity: ReasonCode.REASON_CODE_NONCONFORMITY,
  "unfixed-vulnerability": ReasonCode.REASON_CODE_UNFIXED_VULNERABILITY,
  "support-ended": ReasonCode.REASON_CODE_SUPPORT_ENDED,
  "manufacturer-request": ReasonCode.REASON_CODE_MANUFACTURER_REQUEST,
  misuse: ReasonCode.REASON_CODE_MISUSE,
  fraud: ReasonCode.REASON_CODE_FRAUD,
  "key-compromise": ReasonCode.REASON_CODE_KEY_COMPROMISE,
  administrative: ReasonCode.REASON_CODE_ADMINISTRATIVE,
  other: ReasonCode.REASON_CODE_OTHER,
};

export function parseReason(codeName: string, text: string): Reason {
  const code = REASON_CODES[codeName.trim().toLowerCase()];
  if (code === undefined)
    throw new FieldError(
      "reason-code",
      `${JSON.stringify(codeName.slice(0, 40))} is not one of ${Object.keys(REASON_CODES).join(", ")}`,
    );
  return { code, text };
}

/** Key indicators as "name=value" items (the CSV cell separates them with ";"). */
export function parseIndicators(field: string, items: readonly string[]): KeyIndicator[] {
  return items
    .map((s) => s.trim())
    .filter((s) => s !== "")
    .map((s) => {
      const eq = s.indexOf("=");
      if (eq <= 0) throw new FieldError(field, `${JSON.stringify(s.slice(0, 40))} is not name=value`);
      return { name: s.slice(0, eq).trim(), value: s.slice(eq + 1).trim() };
    });
}

/** A non-negative integer (a label version), as a bigint. */
export function parseVersion(field: string, text: string): bigint {
  if (!/^[0-9]{1,19}$/.test(text.trim())) throw new FieldError(field, "is not a non-negative integer");
  return BigInt(text.trim());
}
