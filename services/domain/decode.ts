// Decoding of signed statements and log entries from untrusted bytes. Never throws: malformed
// input gets an INVALID_ARGUMENT violation.
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import { bytesEqual } from "../../log/bytes.js";
import { LogEntry, SignedStatement } from "../../proto/gen/messages/labelreg/v1/entry.js";
import type { MapCommitment } from "../../proto/gen/messages/labelreg/v1/map.js";
import { HASH_SIZE } from "../../log/hash.js";
import { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { KEY_ID_BYTES, MAX_ENTRY_BYTES, MAX_STATEMENT_BYTES, SIGNATURE_BYTES } from "./limits.js";
import { statementDigest } from "./signing.js";
import { checkBytes } from "./syntax.js";
import { validateStatement } from "./validate.js";
import { isViolation, violation, type RuleViolation } from "./violation.js";

/** A signed statement that passed every stateless check: sizes, canonical decoding, structure. */
export interface Submission {
  readonly statementBytes: Uint8Array;
  readonly keyId: Uint8Array;
  readonly signature: Uint8Array;
  readonly statement: Statement;
  /** SHA-256 of statementBytes: the idempotency digest. */
  readonly digest: Uint8Array;
}

interface Codec<T> {
  decode(input: Uint8Array): T;
  encode(message: T, writer?: BinaryWriter): { finish(): Uint8Array };
}

// One writer reused by every canonical check: a fresh writer per message grows its buffer from
// 128 bytes each time, which cost more than the encoding itself (about 2x on log entries).
// finish() returns a copy and resets it; encode() is synchronous, so calls never interleave.
let writer = new BinaryWriter();

/**
 * Decodes `bytes` as `codec`, accepting only the canonical encoding (re-encoding gives the same
 * bytes): no unknown or repeated fields, fields in number order, no default values written, valid
 * UTF-8. One message then has exactly one byte string, so nothing the registry does not
 * understand rides along in a signed statement, and equal meaning means equal digest.
 */
export function decodeCanonical<T>(codec: Codec<T>, bytes: Uint8Array, what: string): T | RuleViolation {
  let message: T;
  try {
    message = codec.decode(bytes);
  } catch (e) {
    return violation(
      "INVALID_ARGUMENT",
      "malformed-protobuf",
      `${what} does not decode: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  let again: Uint8Array;
  try {
    again = codec.encode(message, writer).finish();
  } catch {
    writer = new BinaryWriter(); // left mid-message
    return violation("INVALID_ARGUMENT", "non-canonical-encoding", `${what} does not re-encode`);
  }
  if (!bytesEqual(again, bytes)) {
    return violation(
      "INVALID_ARGUMENT",
      "non-canonical-encoding",
      `${what} is not in canonical protobuf encoding (unknown, repeated, default-valued or out-of-order fields, or invalid UTF-8)`,
    );
  }
  return message;
}

/** Decodes and structurally validates statement bytes (at most MAX_STATEMENT_BYTES). */
export function decodeStatement(bytes: Uint8Array): Statement | RuleViolation {
  if (bytes.length > MAX_STATEMENT_BYTES) {
    return violation(
      "INVALID_ARGUMENT",
      "statement-too-large",
      `statement is ${bytes.length} bytes, at most ${MAX_STATEMENT_BYTES}`,
    );
  }
  const s = decodeCanonical(Statement, bytes, "statement");
  if (isViolation(s)) return s;
  return validateStatement(s) ?? s;
}

/**
 * Every stateless check of a signed statement as received (sizes, decoding, structure).
 * `digest` computes Submission.digest (SHA-256; default the portable statementDigest, a server
 * may pass Node's).
 */
export function parseSignedStatement(
  signed: SignedStatement,
  digest: (statementBytes: Uint8Array) => Uint8Array = statementDigest,
): Submission | RuleViolation {
  const v =
    checkBytes("key_id", signed.keyId, KEY_ID_BYTES) ?? checkBytes("signature", signed.signature, SIGNATURE_BYTES);
  if (v) return v;
  const statement = decodeStatement(signed.statement);
  if (isViolation(statement)) return statement;
  return {
    statementBytes: signed.statement,
    keyId: signed.keyId,
    signature: signed.signature,
    statement,
    digest: digest(signed.statement),
  };
}

/** Decodes encoded SignedStatement bytes, then parseSignedStatement. */
export function decodeSignedStatement(bytes: Uint8Array): Submission | RuleViolation {
  if (bytes.length > MAX_ENTRY_BYTES) {
    return violation(
      "INVALID_ARGUMENT",
      "statement-too-large",
      `signed statement is ${bytes.length} bytes, at most ${MAX_ENTRY_BYTES}`,
    );
  }
  const s = decodeCanonical(SignedStatement, bytes, "signed statement");
  return isViolation(s) ? s : parseSignedStatement(s);
}

/** A statement entry decoded and its statement parsed: what the auditor and apply() consume. */
export interface DecodedEntry extends Submission {
  readonly sequencedAtUnix: bigint;
}

/** A commitment entry: the state map's root over the entries before it (DESIGN.md, "The state map"). */
export interface CommitmentEntry {
  readonly commitment: MapCommitment;
  /** The sequencing time of the batch it ends (0 if not written). */
  readonly sequencedAtUnix: bigint;
}

/** Any log entry, decoded. */
export type DecodedLogEntry = DecodedEntry | CommitmentEntry;

export function isCommitment(e: DecodedLogEntry): e is CommitmentEntry {
  return "commitment" in e;
}

/**
 * Decodes a log entry (the leaf bytes): a statement entry with its statement parsed (`digest` as
 * for parseSignedStatement), or a commitment entry. A commitment entry holds nothing but the
 * commitment and its time; its size is not checked here (that it equals the entry's index is the
 * auditor's check, which knows the index).
 */
export function decodeLogEntry(
  bytes: Uint8Array,
  digest: (statementBytes: Uint8Array) => Uint8Array = statementDigest,
): DecodedLogEntry | RuleViolation {
  if (bytes.length > MAX_ENTRY_BYTES) {
    return violation(
      "INVALID_ARGUMENT",
      "entry-too-large",
      `log entry is ${bytes.length} bytes, at most ${MAX_ENTRY_BYTES}`,
    );
  }
  const e = decodeCanonical(LogEntry, bytes, "log entry");
  if (isViolation(e)) return e;
  if (e.mapCommitment !== undefined) {
    if (e.statement.length !== 0 || e.keyId.length !== 0 || e.signature.length !== 0) {
      return violation(
        "INVALID_ARGUMENT",
        "bad-commitment-entry",
        "a commitment entry carries no statement, key id nor signature",
      );
    }
    if (e.mapCommitment.root.length !== HASH_SIZE)
      return violation("INVALID_ARGUMENT", "bad-commitment-entry", "a map commitment's root is 32 bytes");
    return { commitment: e.mapCommitment, sequencedAtUnix: e.sequencedAtUnix };
  }
  const sub = parseSignedStatement(e, digest);
  if (isViolation(sub)) return sub;
  return { ...sub, sequencedAtUnix: e.sequencedAtUnix };
}

/** A decoded entry where only a statement entry will do (a label's history, a receipt's entry): a commitment is refused. */
export function onlyStatement(e: DecodedLogEntry | RuleViolation): DecodedEntry | RuleViolation {
  if (!isViolation(e) && isCommitment(e))
    return violation("INVALID_ARGUMENT", "not-a-statement-entry", "the entry is a map commitment, not a statement");
  return e;
}

/** decodeLogEntry, statement entries only (onlyStatement). */
export function decodeStatementEntry(
  bytes: Uint8Array,
  digest?: (statementBytes: Uint8Array) => Uint8Array,
): DecodedEntry | RuleViolation {
  return onlyStatement(decodeLogEntry(bytes, digest));
}

/** Encodes a log entry for a submission sequenced at `sequencedAtUnix` (what the sequencer appends). */
export function encodeLogEntry(sub: Submission, sequencedAtUnix: bigint): Uint8Array {
  return LogEntry.encode({
    statement: sub.statementBytes,
    keyId: sub.keyId,
    signature: sub.signature,
    sequencedAtUnix,
    mapCommitment: undefined,
  }).finish();
}

/** Encodes the commitment entry that ends a batch: the map's root over the first `size` entries. */
export function encodeCommitmentEntry(commitment: MapCommitment, sequencedAtUnix: bigint): Uint8Array {
  return LogEntry.encode({
    statement: new Uint8Array(0),
    keyId: new Uint8Array(0),
    signature: new Uint8Array(0),
    sequencedAtUnix,
    mapCommitment: { root: commitment.root, size: commitment.size },
  }).finish();
}
