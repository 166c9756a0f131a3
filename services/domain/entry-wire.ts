// decodeLogEntry (decode.ts) for the hot paths that decode every entry of a log (the auditor,
// and a registry replaying its log into the projections at start-up): the LogEntry's canonical
// encoding checked in one pass over its four fields (statement-wire.ts does the statement), no
// re-encoding and comparing, no intermediate LogEntry or SignedStatement objects.
//
// Same results as decodeLogEntry on every input, by construction: the one-pass readers accept
// only what the generic path accepts, and give what it gives (statement-wire.ts's contract);
// whatever they refuse, or whatever a later check refuses, goes to decodeLogEntry itself, which
// finds the violation and words it. Differential-fuzzed (entry-wire.unit.test.ts). Commitment
// entries (one per batch, field 5) also go the generic way.
import { decodeLogEntry, type DecodedLogEntry } from "./decode.js";
import { KEY_ID_BYTES, MAX_ENTRY_BYTES, MAX_STATEMENT_BYTES, SIGNATURE_BYTES } from "./limits.js";
import { statementDigest } from "./signing.js";
import { validateStatement } from "./validate.js";
import type { RuleViolation } from "./violation.js";
import { readStatement } from "./statement-wire.js";

/** A LogEntry's fields as views into its bytes, if they are its canonical encoding. */
export interface EntryFields {
  readonly statement: Uint8Array;
  readonly keyId: Uint8Array;
  readonly signature: Uint8Array;
  readonly sequencedAtUnix: bigint;
}

const EMPTY = new Uint8Array(0);

/**
 * The fields of LogEntry bytes if they are the canonical encoding (fields 1..3 bytes, 4 int64,
 * in order, each only when not empty or zero, minimal varints, exact lengths); undefined
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
    const field = tag >> 3;
    if (field <= last) return undefined;
    last = field;
    if (field <= 3 && (tag & 7) === 2) {
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
      bytes[field - 1] = buf.subarray(at, at + len);
      at += len;
    } else if (tag === 0x20) {
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
  if (
    e === undefined ||
    e.keyId.length !== KEY_ID_BYTES ||
    e.signature.length !== SIGNATURE_BYTES ||
    e.statement.length > MAX_STATEMENT_BYTES
  ) {
    return decodeLogEntry(bytes, digest);
  }
  const statement = readStatement(e.statement);
  if (statement === undefined || validateStatement(statement) !== undefined) return decodeLogEntry(bytes, digest);
  return {
    statementBytes: e.statement,
    keyId: e.keyId,
    signature: e.signature,
    statement,
    digest: digest(e.statement),
    sequencedAtUnix: e.sequencedAtUnix,
  };
}
