// A one-pass reader of Statement bytes that accepts only their canonical encoding, for the
// hot paths of entry-wire.ts. The generic path (decode.ts decodeCanonical)
// decodes with the generated codec, re-encodes and compares; this reads the bytes once and
// refuses, while reading, anything the re-encoding would not reproduce: a field out of number
// order, repeated (other than a repeated field's run), unknown or of the wrong wire type; a
// default value written (empty string or bytes, zero number); two members of the oneof; a
// non-minimal varint or tag; a length past its message's end; ill-formed UTF-8.
//
// Contract: when it returns a Statement, decodeCanonical(Statement, bytes) accepts the bytes and
// gives an equal Statement (strings equal, bytes fields views of `bytes` as the generated decoder
// gives). When it returns undefined, the caller must ask the generic path, which decides and says
// why; this reader may refuse more than the generic path (then only speed is lost), never less.
// Differential-fuzzed against the generated codec (statement-wire.unit.test.ts).
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";

const STRING = 0;
const BYTES = 1;
const INT64 = 2;
const UINT64 = 3;
const ENUM = 4;
const MESSAGE = 5;
const REPEATED = 6;
/** A proto3 `optional string`: present even when empty, absent = undefined. */
const OPTIONAL_STRING = 7;

interface Field {
  readonly no: number;
  /** The field's place in its message's declaration (and so encoding) order. */
  place: number;
  readonly name: string;
  readonly kind: number;
  readonly of: Schema | undefined;
  /** The oneof's case name (the field is then stored as `kind: { $case, value }`). */
  readonly oneof: string | undefined;
}

interface Schema {
  /** Fields by number; the index into `order` gives the field's place in declaration order. */
  readonly byNo: readonly (Field | undefined)[];
  readonly base: () => Record<string, unknown>;
}

function schema(fields: Field[], base: () => Record<string, unknown>): Schema {
  const byNo: (Field | undefined)[] = [];
  fields.forEach((f, i) => {
    byNo[f.no] = f;
    f.place = i;
  });
  return { byNo, base };
}

const f = (no: number, name: string, kind: number, of?: Schema): Field => ({
  no,
  place: 0,
  name,
  kind,
  of,
  oneof: undefined,
});
const oneof = (no: number, name: string, of: Schema): Field => ({
  no,
  place: 0,
  name: "kind",
  kind: MESSAGE,
  of,
  oneof: name,
});

// Field lists and defaults as in proto/labelreg/v1/statement.proto and the generated createBase*.
const reason = schema([f(1, "code", ENUM), f(2, "text", STRING)], () => ({ code: 0, text: "" }));
const evidence = schema([f(1, "sha256", BYTES), f(2, "uri", STRING)], () => ({ sha256: new Uint8Array(0), uri: "" }));
const manufacturer = schema([f(1, "name", STRING), f(2, "registrationCode", STRING)], () => ({
  name: "",
  registrationCode: "",
}));
const testingLab = schema([f(1, "name", STRING), f(2, "accreditationCode", STRING)], () => ({
  name: "",
  accreditationCode: "",
}));
const keyIndicator = schema([f(1, "name", STRING), f(2, "value", STRING)], () => ({ name: "", value: "" }));
const scopeEntry = schema([f(1, "categoryId", STRING), f(2, "maxTier", ENUM)], () => ({ categoryId: "", maxTier: 0 }));
const labelIssued = schema(
  [
    f(1, "manufacturer", MESSAGE, manufacturer),
    f(2, "productModel", STRING),
    f(3, "categoryId", STRING),
    f(4, "tier", ENUM),
    f(5, "validFromUnix", INT64),
    f(6, "validUntilUnix", INT64),
    f(7, "securitySupportUntilUnix", INT64),
    f(8, "testingLab", MESSAGE, testingLab),
    f(9, "standardReference", STRING),
    f(10, "testReport", MESSAGE, evidence),
    f(11, "declarationOfConformity", MESSAGE, evidence),
    f(12, "keyIndicators", REPEATED, keyIndicator),
  ],
  () => ({
    manufacturer: undefined,
    productModel: "",
    categoryId: "",
    tier: 0,
    validFromUnix: 0n,
    validUntilUnix: 0n,
    securitySupportUntilUnix: 0n,
    testingLab: undefined,
    standardReference: "",
    testReport: undefined,
    declarationOfConformity: undefined,
    keyIndicators: [],
  }),
);
const labelUpgraded = schema([f(1, "tier", ENUM), f(2, "testReport", MESSAGE, evidence)], () => ({
  tier: 0,
  testReport: undefined,
}));
const labelDowngraded = schema([f(1, "tier", ENUM), f(2, "reason", MESSAGE, reason)], () => ({
  tier: 0,
  reason: undefined,
}));
const labelRenewed = schema(
  [f(1, "validUntilUnix", INT64), f(2, "securitySupportUntilUnix", INT64), f(3, "testReport", MESSAGE, evidence)],
  () => ({
    validUntilUnix: 0n,
    securitySupportUntilUnix: 0n,
    testReport: undefined,
  }),
);
const reasonOnly = schema([f(1, "reason", MESSAGE, reason)], () => ({ reason: undefined }));
const issuerAccredited = schema(
  [
    f(1, "issuerId", STRING),
    f(2, "name", STRING),
    f(3, "publicKey", BYTES),
    f(4, "scope", REPEATED, scopeEntry),
    f(5, "nameEn", OPTIONAL_STRING),
    f(6, "nameZh", OPTIONAL_STRING),
  ],
  () => ({
    issuerId: "",
    name: "",
    publicKey: new Uint8Array(0),
    scope: [],
  }),
);
const issuerKeyRotated = schema(
  [f(1, "issuerId", STRING), f(2, "newPublicKey", BYTES), f(3, "reason", MESSAGE, reason)],
  () => ({
    issuerId: "",
    newPublicKey: new Uint8Array(0),
    reason: undefined,
  }),
);
const issuerReason = schema([f(1, "issuerId", STRING), f(2, "reason", MESSAGE, reason)], () => ({
  issuerId: "",
  reason: undefined,
}));
const categoryPublished = schema(
  [
    f(1, "categoryId", STRING),
    f(2, "name", STRING),
    f(3, "description", STRING),
    f(4, "nameEn", OPTIONAL_STRING),
    f(5, "nameZh", OPTIONAL_STRING),
  ],
  () => ({ categoryId: "", name: "", description: "" }),
);
const statement = schema(
  [
    f(1, "requestId", STRING),
    f(2, "signedAtUnix", INT64),
    f(3, "labelId", STRING),
    f(4, "expectedLabelVersion", UINT64),
    f(5, "logOrigin", STRING),
    oneof(10, "labelIssued", labelIssued),
    oneof(11, "labelUpgraded", labelUpgraded),
    oneof(12, "labelDowngraded", labelDowngraded),
    oneof(13, "labelRenewed", labelRenewed),
    oneof(14, "labelSuspended", reasonOnly),
    oneof(15, "labelReinstated", reasonOnly),
    oneof(16, "labelRevoked", reasonOnly),
    oneof(20, "issuerAccredited", issuerAccredited),
    oneof(21, "issuerKeyRotated", issuerKeyRotated),
    oneof(22, "issuerSuspended", issuerReason),
    oneof(23, "issuerWithdrawn", issuerReason),
    oneof(24, "categoryPublished", categoryPublished),
  ],
  () => ({ requestId: "", signedAtUnix: 0n, labelId: "", expectedLabelVersion: 0n, logOrigin: "", kind: undefined }),
);

const WIRE_VARINT = 0;
const WIRE_DELIMITED = 2;
const wireOf = (kind: number) => (kind === STRING || kind === BYTES || kind >= MESSAGE ? WIRE_DELIMITED : WIRE_VARINT);

// Well-formed UTF-8 only: the generated decoder would turn anything else into U+FFFD, which
// re-encodes to other bytes. A leading U+FEFF is text (the generated path keeps it too).
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Thrown inside the reader only; never escapes readStatement. */
const REFUSE = new Error("not canonical");

/** The reader's position, shared by the recursive descent (one per call: re-entrant). */
class Cursor {
  at = 0;
  constructor(readonly buf: Uint8Array) {}

  /** A minimal varint below 2^32 (a tag or a length; also an enum, checked by the caller). */
  varint32(end: number): number {
    const buf = this.buf;
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 5; i++, scale *= 128) {
      if (this.at >= end) throw REFUSE;
      const b = buf[this.at++]!;
      if (b < 0x80) {
        if (b === 0 && i > 0) throw REFUSE;
        value += b * scale;
        if (value > 0xffffffff) throw REFUSE;
        return value;
      }
      value += (b - 0x80) * scale;
    }
    throw REFUSE;
  }

  /** A minimal, non-zero varint of at most 64 bits, as int64 (`signed`) or uint64. */
  varint64(end: number, signed: boolean): bigint {
    const buf = this.buf;
    let value = 0; // exact while below 2^53 (up to 7 bytes)
    let scale = 1;
    const start = this.at;
    for (let i = 0; i < 10; i++, scale *= 128) {
      if (this.at >= end) throw REFUSE;
      const b = buf[this.at++]!;
      if (b < 0x80) {
        if (b === 0) throw REFUSE; // zero (a default) or not minimal
        if (i < 7) return BigInt(value + b * scale);
        if (i === 9 && b > 1) throw REFUSE; // past 64 bits
        return this.wide(start, signed);
      }
      value += (b - 0x80) * scale;
    }
    throw REFUSE;
  }

  /** The 8- to 10-byte varint at `start` (already checked) as a 64-bit bigint. */
  private wide(start: number, signed: boolean): bigint {
    let v = 0n;
    for (let at = this.at - 1; at >= start; at--) v = (v << 7n) | BigInt(this.buf[at]! & 0x7f);
    return signed ? BigInt.asIntN(64, v) : v;
  }

  /**
   * A non-zero int32 as the generated encoder writes it: a minimal varint of at most five bytes
   * when positive; when negative, the ten bytes of its 64-bit sign extension.
   */
  int32(end: number): number {
    const start = this.at;
    const v = this.varint32OrLonger(end);
    if (v !== undefined) {
      if (v === 0 || v > 0x7fffffff) throw REFUSE;
      return v;
    }
    // Ten bytes: 7-bit groups 0..3; then bits 28..31 (bit 31 set) under the sign extension's
    // bits 32..34; then 0xff x 4 and 0x01.
    if (end - start < 10) throw REFUSE;
    const buf = this.buf;
    for (let i = 0; i < 4; i++) if (buf[start + i]! < 0x80) throw REFUSE;
    if ((buf[start + 4]! & 0xf8) !== 0xf8) throw REFUSE;
    for (let i = 5; i < 9; i++) if (buf[start + i] !== 0xff) throw REFUSE;
    if (buf[start + 9] !== 0x01) throw REFUSE;
    this.at = start + 10;
    let low = 0;
    for (let i = 3; i >= 0; i--) low = low * 128 + (buf[start + i]! & 0x7f);
    return (low + (buf[start + 4]! & 0x0f) * 2 ** 28) | 0;
  }

  /** varint32, or undefined (position unchanged) for a varint longer than five bytes. */
  private varint32OrLonger(end: number): number | undefined {
    const start = this.at;
    for (let i = 0; i < 5; i++) {
      if (start + i >= end) throw REFUSE;
      if (this.buf[start + i]! < 0x80) return this.varint32(end);
    }
    return undefined;
  }

  /** A length after its tag; returns the end of the field's bytes, within `end`. */
  delimited(end: number): number {
    const len = this.varint32(end);
    if (len > end - this.at) throw REFUSE;
    return this.at + len;
  }

  string(end: number, optional = false): string {
    const stop = this.delimited(end);
    const start = this.at;
    const len = stop - start;
    if (len === 0) {
      if (!optional) throw REFUSE;
      return "";
    }
    const buf = this.buf;
    this.at = stop;
    // ASCII as the generated decoder reads it (an array of codes, one fromCharCode call).
    const codes = new Array<number>(len);
    for (let i = 0; i < len; i++) {
      const b = buf[start + i]!;
      if (b > 0x7f) {
        try {
          return utf8.decode(buf.subarray(start, stop));
        } catch {
          throw REFUSE;
        }
      }
      codes[i] = b;
    }
    return String.fromCharCode.apply(String, codes);
  }

  message(s: Schema, end: number): Record<string, unknown> {
    const m = s.base();
    const buf = this.buf;
    let last = -1;
    let oneofSeen = false;
    while (this.at < end) {
      const tag = buf[this.at]! < 0x80 ? buf[this.at++]! : this.varint32(end);
      const field = s.byNo[tag >>> 3];
      if (field === undefined || (tag & 7) !== wireOf(field.kind)) throw REFUSE;
      const place = field.place;
      if (place < last || (place === last && field.kind !== REPEATED)) throw REFUSE;
      last = place;
      switch (field.kind) {
        case STRING:
        case OPTIONAL_STRING:
          m[field.name] = this.string(end, field.kind === OPTIONAL_STRING);
          break;
        case BYTES: {
          const stop = this.delimited(end);
          if (stop === this.at) throw REFUSE;
          m[field.name] = buf.subarray(this.at, stop);
          this.at = stop;
          break;
        }
        case INT64:
        case UINT64:
          m[field.name] = this.varint64(end, field.kind === INT64);
          break;
        case ENUM:
          m[field.name] = this.int32(end);
          break;
        default: {
          const stop = this.delimited(end);
          const value = this.message(field.of!, stop);
          if (field.kind === REPEATED) (m[field.name] as unknown[]).push(value);
          else if (field.oneof === undefined) m[field.name] = value;
          else {
            if (oneofSeen) throw REFUSE;
            oneofSeen = true;
            m.kind = { $case: field.oneof, value };
          }
        }
      }
    }
    if (this.at !== end) throw REFUSE;
    return m;
  }
}

/** The Statement in `bytes` if they are its canonical encoding; undefined: ask the generic path. */
export function readStatement(bytes: Uint8Array): Statement | undefined {
  try {
    return new Cursor(bytes).message(statement, bytes.length) as unknown as Statement;
  } catch (e) {
    if (e === REFUSE) return undefined;
    throw e;
  }
}
