// Field syntax: identifiers, free text, URIs, digests, times. Each check returns undefined or an
// INVALID_ARGUMENT violation naming the field, so decode + validate never throws.
import { publicKeyProblem } from "../../log/ed25519.js";
import { MAX_TIME, MAX_URI_BYTES, MIN_TIME, PUBLIC_KEY_BYTES } from "./limits.js";
import { violation, type RuleViolation } from "./violation.js";

export const ISSUER_ID = /^[A-Z0-9]{2,16}$/;
/** `<issuer id>-<serial>`: the prefix names the issuer, so ids never collide across issuers. */
export const LABEL_ID = /^([A-Z0-9]{2,16})-([A-Z0-9]{1,32})$/;
export const CATEGORY_ID = /^(?=.{1,64}$)[a-z0-9]+(-[a-z0-9]+)*$/;
export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
export const REGISTRATION_CODE = /^[0-9A-Z]([0-9A-Z-]{0,62}[0-9A-Z])?$/;
const URI = /^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[\x21-\x7e]*)?$/;

// C0/C1 controls (newlines included: every text is one line), bidi overrides and isolates (they
// let a name display as something else), and lone surrogates (not encodable as UTF-8).
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\ud800-\udfff]/u;

/** The issuer id inside a label id, or undefined when the label id is malformed. */
export function labelIssuerId(labelId: string): string | undefined {
  return LABEL_ID.exec(labelId)?.[1];
}

export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

function bad(field: string, rule: string, detail: string): RuleViolation {
  return violation("INVALID_ARGUMENT", rule, `${field} ${detail}`);
}

export function checkId(field: string, value: string, syntax: RegExp): RuleViolation | undefined {
  if (syntax.test(value)) return undefined;
  const shown = value.length > 40 ? `${JSON.stringify(value.slice(0, 40))}...` : JSON.stringify(value);
  return bad(field, "malformed-id", `${shown} does not match ${syntax.source}`);
}

/**
 * One line of human text: `min`..`max` bytes of UTF-8 in NFC, no control, bidi-override or
 * lone-surrogate characters, no leading or trailing white space.
 */
export function checkText(field: string, value: string, min: number, max: number): RuleViolation | undefined {
  const n = utf8Length(value);
  if (n < min || n > max) return bad(field, "text-length", `is ${n} bytes of UTF-8, not within ${min}..${max}`);
  if (n === 0) return undefined;
  if (FORBIDDEN_CHARS.test(value))
    return bad(field, "text-characters", "contains a control, bidi or unpaired surrogate character");
  if (/^\s|\s$/u.test(value)) return bad(field, "text-characters", "has leading or trailing white space");
  if (value.normalize("NFC") !== value) return bad(field, "text-not-nfc", "is not in Unicode normalization form C");
  return undefined;
}

/** An https URI of printable ASCII; empty allowed only when `optional`. */
export function checkUri(field: string, value: string, optional: boolean): RuleViolation | undefined {
  if (value === "" && optional) return undefined;
  if (value.length > MAX_URI_BYTES || !URI.test(value)) {
    return bad(field, "malformed-uri", `must be an https URI of printable ASCII, at most ${MAX_URI_BYTES} bytes`);
  }
  return undefined;
}

export function checkBytes(field: string, value: Uint8Array, size: number): RuleViolation | undefined {
  if (value.length === size) return undefined;
  return bad(field, "byte-length", `is ${value.length} bytes, not ${size}`);
}

/**
 * An Ed25519 public key that can verify a signature: 32 bytes, a canonical encoding of a point on
 * the curve, not of small order. The signature policy (log/ed25519.ts) refuses every signature
 * under any other key, so a key of another kind in an accreditation could never sign anything.
 */
export function checkPublicKey(field: string, value: Uint8Array): RuleViolation | undefined {
  const v = checkBytes(field, value, PUBLIC_KEY_BYTES);
  if (v) return v;
  const problem = publicKeyProblem(value);
  return problem === undefined
    ? undefined
    : bad(field, "unusable-public-key", `is not an Ed25519 key any signature can verify under (${problem})`);
}

/** A Unix time in 1..9999-12-31; 0 allowed only when `optional` (meaning "not given"). */
export function checkTime(field: string, value: bigint, optional: boolean): RuleViolation | undefined {
  if (value === 0n && optional) return undefined;
  if (value < MIN_TIME || value > MAX_TIME)
    return bad(field, "time-range", `${value} is not a Unix time in ${MIN_TIME}..${MAX_TIME}`);
  return undefined;
}

/** A tier enum value: 1 (basic) .. 3 (leading). */
export function checkTier(field: string, value: number): RuleViolation | undefined {
  if (value === 1 || value === 2 || value === 3) return undefined;
  return bad(field, "tier-range", `is ${value}, not a tier 1..3`);
}
