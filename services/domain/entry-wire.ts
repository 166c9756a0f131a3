// decodeLogEntry (decode.ts) for the registry's start-up replay, which decodes every entry of its
// log: the LogEntry's canonical encoding checked in one pass over its four fields instead of
// decoding, re-encoding and comparing it. It wins more than 10% on registry start-up (replay
// CPU and wall time, measured against decodeLogEntry); the statement inside is decoded the
// generic way (a one-pass statement reader did not win). The field tags come from the generated
// encoder, not from a copy of entry.proto.
//
// Same results as decodeLogEntry on every input: the reader accepts only what the generic path
// accepts and gives what it gives; whatever it refuses, or whatever a later check refuses, goes to
// decodeLogEntry itself, which finds the violation and words it. Differential-fuzzed
// (entry-wire.unit.test.ts). Commitment entries (one per batch) also go the generic way.
import { LogEntry } from "../../proto/gen/messages/labelreg/v1/entry.js";
import { decodeLogEntry, parseSignedStatement, type DecodedLogEntry } from "./decode.js";
import { MAX_ENTRY_BYTES } from "./limits.js";
import { statementDigest } from "./signing.js";
import { isViolation, type RuleViolation } from "./violation.js";

/** A LogEntry's fields as views into its bytes, if they are its canonical encoding. */
export interface EntryFields {
  readonly statement: Uint8Array;
  readonly keyId: Uint8Array;
  readonly signature: Uint8Array;
  readonly sequencedAtUnix: bigint;
}

const EMPTY = new Uint8Array(0);

// The one-byte tags the generated encoder writes for statement, key_id, signature (bytes) and
// sequenced_at_unix (a varint), in its order: each field set to a one-byte value, so the probe
// is tag, 1, value for the bytes fields and tag, value for the number.
const PROBE = LogEntry.encode({
  statement: Uint8Array.of(1),
  keyId: Uint8Array.of(1),
  signature: Uint8Array.of(1),
  sequencedAtUnix: 1n,
  mapCommitment: undefined,
}).finish();
const BYTES_TAGS = [PROBE[0]!, PROBE[3]!, PROBE[6]!];
const TIME_TAG = PROBE[9]!;
if (PROBE.length !== 11 || BYTES_TAGS.some((t) => (t & 7) !== 2) || (TIME_TAG & 7) !== 0 || TIME_TAG <= PROBE[6]!)
  throw new Error("entry-wire: LogEntry's generated encoding is not the four fields this reader expects");

/**
 * The fields of LogEntry bytes if they are the canonical encoding (the three bytes fields, then
 * the time, in order, each only when not empty or zero, minimal varints, exact lengths); undefined
 * otherwise, where the generated codec may still accept them (it never does: then it is asked).
 */
export function readLogEntry(buf: Uint8Array): EntryFields | undefined {
  const end = buf.length;
  const bytes: Uint8Array[] = [EMPTY, EMPTY, EMPTY];
  let sequencedAtUnix = 0n;
  let at = 0;
  let last = 0;
  while (at < end) {
    const tag = buf[at++]!;
    if (tag <= last) return undefined; // out of order or repeated (tags grow with field numbers)
    last = tag;
    const field = BYTES_TAGS.indexOf(tag);
    if (field >= 0) {
      let len = 0;
      for (let i = 0, scale = 1; ; i++, scale *= 128) {
        if (i === 3 || at >= end) return undefined; // lengths here stay below 2^21
        const b = buf[at++]!;
        len += (b & 0x7f) * scale;
        if (b < 0x80) {
          if (b === 0 && i > 0) return undefined;
          break;
        }
      }
      if (len === 0 || len > end - at) return undefined;
      bytes[field] = buf.subarray(at, at + len);
      at += len;
    } else if (tag === TIME_TAG) {
      let lo = 0;
      for (let i = 0, scale = 1; ; i++, scale *= 128) {
        // Up to 7 bytes (49 bits): a time in seconds; more (or negative) goes the generic way.
        if (i === 7 || at >= end) return undefined;
        const b = buf[at++]!;
        lo += (b & 0x7f) * scale;
        if (b < 0x80) {
          if (b === 0) return undefined; // zero (a default) or not minimal
          break;
        }
      }
      sequencedAtUnix = BigInt(lo);
    } else return undefined;
  }
  return { statement: bytes[0]!, keyId: bytes[1]!, signature: bytes[2]!, sequencedAtUnix };
}

/** decodeLogEntry(bytes, digest), faster on well-formed entries (see the header). */
export function decodeLogEntryFast(
  bytes: Uint8Array,
  digest: (statementBytes: Uint8Array) => Uint8Array = statementDigest,
): DecodedLogEntry | RuleViolation {
  const e = bytes.length <= MAX_ENTRY_BYTES ? readLogEntry(bytes) : undefined;
  const sub = e && parseSignedStatement(e, digest);
  if (sub === undefined || isViolation(sub)) return decodeLogEntry(bytes, digest);
  return { ...sub, sequencedAtUnix: e!.sequencedAtUnix };
}
