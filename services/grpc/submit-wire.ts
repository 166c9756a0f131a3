// Direct decoding of the issuance requests, which accepts exactly what the generic path accepts
// (services/grpc/status.ts withSafeDecoding: decode, re-encode, compare) in one pass over the
// bytes: the canonical encoding only (fields in number order, each written only when not
// default, minimal varints, lengths that end exactly where their message ends, nothing unknown).
// Bytes fields are views into the request buffer, as the generated decoder gives. Differential-
// fuzzed against the generic path (submit-wire.unit.test.ts).
import type { SignedStatement } from "../../proto/gen/grpc/labelreg/v1/entry.js";
import type { SubmitBulkRequest, SubmitRequest } from "../../proto/gen/grpc/labelreg/v1/issuance_service.js";
import { MalformedRequest } from "./status.js";

const NOT_CANONICAL = "the request is not in canonical protobuf encoding (framing, field order, unknown or default-valued fields)";

class Cursor {
  at = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly end: number,
  ) {}

  /** A minimal varint of at most `maxBytes` bytes, as a number (lengths) or undefined if malformed. */
  varint32(): number | undefined {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      if (this.at >= this.end) return undefined;
      const b = this.buf[this.at++]!;
      value += (b & 0x7f) * 2 ** (7 * i);
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) return undefined; // not minimal
        return value <= 0xffffffff ? value : undefined;
      }
    }
    return undefined;
  }

  /** A minimal uint64 varint as a bigint, or undefined if malformed. */
  varint64(): bigint | undefined {
    let value = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.at >= this.end) return undefined;
      const b = this.buf[this.at++]!;
      if (i === 9 && b > 1) return undefined; // past 64 bits
      value |= BigInt(b & 0x7f) << BigInt(7 * i);
      if ((b & 0x80) === 0) return b === 0 && i > 0 ? undefined : value;
    }
    return undefined;
  }

  /** A length-delimited field's bounds after its tag, or undefined if it overruns `end`. */
  delimited(): { start: number; end: number } | undefined {
    const len = this.varint32();
    if (len === undefined || len > this.end - this.at) return undefined;
    const start = this.at;
    this.at += len;
    return { start, end: this.at };
  }
}

const EMPTY = new Uint8Array(0);

/** SignedStatement within [start, end): fields 1, 2, 3 (bytes), each present only if non-empty. */
function signedStatement(buf: Uint8Array, start: number, end: number): SignedStatement | undefined {
  const c = new Cursor(buf, end);
  c.at = start;
  const fields: Uint8Array[] = [EMPTY, EMPTY, EMPTY];
  let last = 0;
  while (c.at < end) {
    const tag = buf[c.at++]!;
    const field = tag >> 3;
    if ((tag & 7) !== 2 || field <= last || field > 3) return undefined;
    const span = c.delimited();
    if (span === undefined || span.end === span.start) return undefined;
    fields[field - 1] = buf.subarray(span.start, span.end);
    last = field;
  }
  return { statement: fields[0]!, keyId: fields[1]!, signature: fields[2]! };
}

/** SubmitRequest, canonical only; MalformedRequest otherwise (never throws). */
export function decodeSubmitRequest(buf: Uint8Array): SubmitRequest | MalformedRequest {
  if (buf.length === 0) return { signedStatement: undefined };
  const c = new Cursor(buf, buf.length);
  if (buf[c.at++] !== 0x0a) return new MalformedRequest(NOT_CANONICAL);
  const span = c.delimited();
  if (span === undefined || span.end !== buf.length) return new MalformedRequest(NOT_CANONICAL);
  const s = signedStatement(buf, span.start, span.end);
  return s ? { signedStatement: s } : new MalformedRequest(NOT_CANONICAL);
}

/** SubmitBulkRequest, canonical only; MalformedRequest otherwise (never throws). */
export function decodeSubmitBulkRequest(buf: Uint8Array): SubmitBulkRequest | MalformedRequest {
  const c = new Cursor(buf, buf.length);
  let sequence = 0n;
  if (c.at < buf.length && buf[c.at] === 0x08) {
    c.at++;
    const v = c.varint64();
    if (v === undefined || v === 0n) return new MalformedRequest(NOT_CANONICAL);
    sequence = v;
  }
  if (c.at === buf.length) return { sequence, signedStatement: undefined };
  if (buf[c.at++] !== 0x12) return new MalformedRequest(NOT_CANONICAL);
  const span = c.delimited();
  if (span === undefined || span.end !== buf.length) return new MalformedRequest(NOT_CANONICAL);
  const s = signedStatement(buf, span.start, span.end);
  return s ? { sequence, signedStatement: s } : new MalformedRequest(NOT_CANONICAL);
}
