// Direct decoding of the issuance requests: what the generic path (status.ts withSafeDecoding:
// the framing check, then the generated decoder) accepts and gives, without building a reader
// and the generated objects for each request. Ordinary protobuf rules: fields in any order,
// unknown fields skipped, a field given twice is the last one (as the generated decoder keeps it).
// Bytes fields are views into the request buffer, as the generated decoder gives.
// Differential-fuzzed against the generic path (submit-wire.unit.test.ts).
import type { SignedStatement } from "../../proto/gen/messages/labelreg/v1/entry.js";
import type { SubmitBulkRequest, SubmitRequest } from "../../proto/gen/messages/labelreg/v1/issuance_service.js";
import { framingError, requestFraming } from "./framing.js";
import { protoPackage } from "./proto-package.js";
import { MalformedRequest } from "./status.js";

const SUBMIT = requestFraming(protoPackage(), "/labelreg.v1.IssuanceService/Submit");
const SUBMIT_BULK = requestFraming(protoPackage(), "/labelreg.v1.IssuanceService/SubmitBulk");

/**
 * Reads the fields of bytes that passed the framing check (so every length, varint and group in
 * them is whole): calls `field` for each, which consumes the value or returns false to skip it.
 */
class Fields {
  at = 0;
  constructor(readonly buf: Uint8Array) {}

  varint(): bigint {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      const b = this.buf[this.at++]!;
      v |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, v);
    }
  }

  length(): number {
    let v = 0;
    for (let scale = 1; ; scale *= 128) {
      const b = this.buf[this.at++]!;
      v += (b & 0x7f) * scale;
      if (b < 0x80) return v;
    }
  }

  delimited(): Uint8Array {
    const len = this.length();
    const start = this.at;
    this.at += len;
    return this.buf.subarray(start, this.at);
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) this.at += 8;
    else if (wire === 5) this.at += 4;
    else if (wire === 2) {
      const len = this.length(); // read before `this.at` is: `this.at += this.length()` would drop the prefix
      this.at += len;
    } else if (wire === 3) {
      for (;;) {
        const tag = this.length();
        if ((tag & 7) === 4) return;
        this.skip(tag & 7);
      }
    }
  }

  each(end: number, field: (no: number, wire: number) => boolean): void {
    while (this.at < end) {
      const tag = this.length();
      if (!field(tag >>> 3, tag & 7)) this.skip(tag & 7);
    }
  }
}

const EMPTY = new Uint8Array(0);

function signedStatement(r: Fields): SignedStatement {
  const bytes = r.delimited();
  const inner = new Fields(bytes);
  const s: SignedStatement = { statement: EMPTY, keyId: EMPTY, signature: EMPTY };
  inner.each(bytes.length, (no, wire) => {
    if (wire !== 2) return false;
    if (no === 1) s.statement = inner.delimited();
    else if (no === 2) s.keyId = inner.delimited();
    else if (no === 3) s.signature = inner.delimited();
    else return false;
    return true;
  });
  return s;
}

/** SubmitRequest; MalformedRequest for bytes the framing check refuses (never throws). */
export function decodeSubmitRequest(buf: Uint8Array): SubmitRequest | MalformedRequest {
  const broken = framingError(buf, SUBMIT);
  if (broken !== undefined) return new MalformedRequest(broken);
  const r = new Fields(buf);
  let signed: SignedStatement | undefined;
  r.each(buf.length, (no, wire) => {
    if (no !== 1 || wire !== 2) return false;
    signed = signedStatement(r);
    return true;
  });
  return { signedStatement: signed };
}

/** SubmitBulkRequest; MalformedRequest for bytes the framing check refuses (never throws). */
export function decodeSubmitBulkRequest(buf: Uint8Array): SubmitBulkRequest | MalformedRequest {
  const broken = framingError(buf, SUBMIT_BULK);
  if (broken !== undefined) return new MalformedRequest(broken);
  const r = new Fields(buf);
  let sequence = 0n;
  let signed: SignedStatement | undefined;
  r.each(buf.length, (no, wire) => {
    if (no === 1 && wire === 0) sequence = r.varint();
    else if (no === 2 && wire === 2) signed = signedStatement(r);
    else return false;
    return true;
  });
  return { sequence, signedStatement: signed };
}
