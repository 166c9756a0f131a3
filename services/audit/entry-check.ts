// The per-entry work of an audit that needs no state: the leaf hash, decoding with every
// stateless check (canonical encoding, sizes, structure), the idempotency digest, and the
// signature, verified with the key the entry's key id names if the checker knows it. It runs on
// worker threads (services/workers/pool-worker.ts) in batches, so it is written over plain buffers: a batch of
// entries goes in as one buffer, and one fixed-size record per entry comes back, from which the
// main thread rebuilds the decoded entry as views into the entry's own bytes (EntryResults).
//
// Same verdicts as decodeLogEntry + authenticate's signature check: the decoding is
// decodeLogEntry itself; the signature is checked over statementSigningInput with the key whose
// SHA-256 is the key id. Whether that key may sign at that point of the log stays the rules' call
// (replay.ts); a key the checker has not been told of yet is reported as unchecked, and the main
// thread verifies that entry itself if the rules get that far.
import { HASH_SIZE } from "../../log/hash.js";
import { hasher } from "../../log/hasher.js";
import { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { decodeLogEntry, isCommitment, type DecodedEntry, type DecodedLogEntry } from "../domain/decode.js";
import { STATEMENT_SIGNING_PREFIX, keyIdOf } from "../domain/signing.js";
import { isViolation, type RuleViolation } from "../domain/violation.js";

/** A signature verdict: invalid, valid, or not checked (the key id names a key not known yet). */
export const SIG_INVALID = 0;
export const SIG_VALID = 1;
export const SIG_UNCHECKED = 2;
export type SignatureVerdict = typeof SIG_INVALID | typeof SIG_VALID | typeof SIG_UNCHECKED;

// One record per entry: leafHash(32) digest(32) status(1: 0 statement, 1 violation, 2 map
// commitment) verdict(1) pad(2)
// statementOffset(4) statementLength(4) keyIdOffset(4) keyIdLength(4) signatureOffset(4)
// signatureLength(4) sequencedAtUnix(8, signed).
const LEAF = 0;
const DIGEST = 32;
const STATUS = 64;
const VERDICT = 65;
const FIELDS = 68;
const SEQUENCED_AT = 92;
export const RECORD_SIZE = 100;

/** The stateless part of checking, injected so a worker and the main thread share this code. */
export interface EntryCheckDeps {
  /** A signature check bound to one key, prepared once (Ed25519.verifier: same verdicts as verify). */
  readonly verifier: (publicKey: Uint8Array) => (message: Uint8Array, signature: Uint8Array) => boolean;
}

type Verify = (message: Uint8Array, signature: Uint8Array) => boolean;

interface Key {
  readonly id: Uint8Array;
  readonly publicKey: Uint8Array;
  verify?: Verify;
}

/** Public keys by key id (SHA-256 of the key), for the signature checks done ahead of the rules. */
export class KeyTable {
  // Keys filed by their id's first four bytes, then matched on the whole id (an entry's key id
  // is the log's to choose, so no prefix alone will do): no string built per lookup.
  private readonly keys = new Map<number, Key[]>();
  /** The key the last lookup found: entries often come in runs signed by one key. */
  private last: Key | undefined;

  /** Adds a key; the id is computed, so a key can never be filed under another key's id. */
  add(publicKey: Uint8Array): void {
    const id = keyIdOf(publicKey);
    if (this.find(id)) return;
    const bucket = this.keys.get(prefix(id));
    const key = { id, publicKey: Uint8Array.from(publicKey) };
    if (bucket) bucket.push(key);
    else this.keys.set(prefix(id), [key]);
  }

  get(keyId: Uint8Array): Uint8Array | undefined {
    return this.find(keyId)?.publicKey;
  }

  /** The key id's key prepared for verification by `deps` (once per key), if the table has it. */
  verifierOf(keyId: Uint8Array, deps: EntryCheckDeps): Verify | undefined {
    const k = this.find(keyId);
    if (!k) return undefined;
    return (k.verify ??= deps.verifier(k.publicKey));
  }

  /** Every key an entry's statement names (valid or not: the key id decides, not the rules). */
  learn(e: DecodedEntry): Uint8Array[] {
    const k = e.statement.kind;
    const named =
      k?.$case === "issuerAccredited"
        ? k.value.publicKey
        : k?.$case === "issuerKeyRotated"
          ? k.value.newPublicKey
          : undefined;
    if (!named || this.get(keyIdOf(named)) !== undefined) return [];
    this.add(named);
    return [named];
  }

  private find(keyId: Uint8Array): Key | undefined {
    const last = this.last;
    if (last && sameId(last.id, keyId)) return last;
    if (keyId.length < 4) return undefined;
    const bucket = this.keys.get(prefix(keyId));
    if (!bucket) return undefined;
    for (const k of bucket) {
      if (sameId(k.id, keyId)) {
        this.last = k;
        return k;
      }
    }
    return undefined;
  }
}

function prefix(id: Uint8Array): number {
  return ((id[0]! << 24) | (id[1]! << 16) | (id[2]! << 8) | id[3]!) >>> 0;
}

function sameId(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Entries packed for a worker: [count u32][length u32 x count] then the entries back to back. */
export function packEntries(entries: readonly Uint8Array[]): ArrayBuffer {
  let size = 4 + 4 * entries.length;
  for (const e of entries) size += e.length;
  const buffer = new ArrayBuffer(size);
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  view.setUint32(0, entries.length);
  let at = 4 + 4 * entries.length;
  entries.forEach((e, i) => {
    view.setUint32(4 + 4 * i, e.length);
    bytes.set(e, at);
    at += e.length;
  });
  return buffer;
}

/** The inverse of packEntries (views into `buffer`). Throws RangeError on a malformed buffer. */
export function unpackEntries(buffer: ArrayBuffer): Uint8Array[] {
  const view = new DataView(buffer);
  const count = view.getUint32(0);
  if (4 + 4 * count > buffer.byteLength) throw new RangeError("packed entries: count exceeds the buffer");
  const out: Uint8Array[] = [];
  let at = 4 + 4 * count;
  for (let i = 0; i < count; i++) {
    const len = view.getUint32(4 + 4 * i);
    if (at + len > buffer.byteLength) throw new RangeError("packed entries: entry exceeds the buffer");
    out.push(new Uint8Array(buffer, at, len));
    at += len;
  }
  if (at !== buffer.byteLength) throw new RangeError("packed entries: trailing bytes");
  return out;
}

/**
 * A batch's outcome: one record per entry, the decoding violations by entry position, and the
 * keys the batch's statements named that the table did not know (copies).
 */
export interface CheckedBatch {
  readonly records: ArrayBuffer;
  readonly violations: readonly (readonly [number, RuleViolation])[];
  readonly learned: readonly Uint8Array[];
}

/**
 * Checks a batch of entries (see the header). Keys named by the batch's own statements are
 * learned before any signature is checked, as a replay of the batch would know them.
 */
export function checkEntries(entries: readonly Uint8Array[], keys: KeyTable, deps: EntryCheckDeps): CheckedBatch {
  const records = new ArrayBuffer(entries.length * RECORD_SIZE);
  const bytes = new Uint8Array(records);
  const view = new DataView(records);
  const violations: [number, RuleViolation][] = [];
  const decoded = entries.map((e) => decodeLogEntry(e));
  const learned: Uint8Array[] = [];
  for (const d of decoded)
    if (!isViolation(d) && !isCommitment(d)) for (const k of keys.learn(d)) learned.push(Uint8Array.from(k));
  // The batch's leaf hashes in one call (one crossing into WebAssembly).
  const leaves = hasher.leafHashes(entries);
  let input = new Uint8Array(STATEMENT_SIGNING_PREFIX.length + 1024);
  input.set(STATEMENT_SIGNING_PREFIX);
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const at = i * RECORD_SIZE;
    bytes.set(leaves.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE), at + LEAF);
    const d = decoded[i]!;
    if (isViolation(d)) {
      bytes[at + STATUS] = 1;
      violations.push([i, d]);
      continue;
    }
    if (isCommitment(d)) {
      // One per batch: the main thread decodes it again (EntryResults.decoded).
      bytes[at + STATUS] = 2;
      continue;
    }
    bytes.set(d.digest, at + DIGEST);
    view.setUint32(at + FIELDS, d.statementBytes.byteOffset - entry.byteOffset);
    view.setUint32(at + FIELDS + 4, d.statementBytes.length);
    view.setUint32(at + FIELDS + 8, d.keyId.byteOffset - entry.byteOffset);
    view.setUint32(at + FIELDS + 12, d.keyId.length);
    view.setUint32(at + FIELDS + 16, d.signature.byteOffset - entry.byteOffset);
    view.setUint32(at + FIELDS + 20, d.signature.length);
    view.setBigInt64(at + SEQUENCED_AT, d.sequencedAtUnix);
    const verify = keys.verifierOf(d.keyId, deps);
    let verdict: SignatureVerdict = SIG_UNCHECKED;
    if (verify) {
      const n = STATEMENT_SIGNING_PREFIX.length + d.statementBytes.length;
      if (input.length < n) {
        input = new Uint8Array(2 * n);
        input.set(STATEMENT_SIGNING_PREFIX);
      }
      input.set(d.statementBytes, STATEMENT_SIGNING_PREFIX.length);
      verdict = verify(input.subarray(0, n), d.signature) ? SIG_VALID : SIG_INVALID;
    }
    bytes[at + VERDICT] = verdict;
  }
  return { records, violations, learned };
}

/** A checked batch read back on the main thread, next to the entries it was computed from. */
export class EntryResults {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly violations: Map<number, RuleViolation>;

  constructor(
    readonly entries: readonly Uint8Array[],
    batch: CheckedBatch,
  ) {
    if (batch.records.byteLength !== entries.length * RECORD_SIZE)
      throw new RangeError("checked batch: record count does not match the entries");
    this.bytes = new Uint8Array(batch.records);
    this.view = new DataView(batch.records);
    this.violations = new Map(batch.violations);
  }

  /** The leaf hash of entry `i` (a view). */
  leafHash(i: number): Uint8Array {
    return this.bytes.subarray(i * RECORD_SIZE + LEAF, i * RECORD_SIZE + LEAF + HASH_SIZE);
  }

  /** Replaces the verdict of entry `i` with one computed later (a recheck with more keys known). */
  setVerdict(i: number, v: SignatureVerdict): void {
    this.bytes[i * RECORD_SIZE + VERDICT] = v;
  }

  /** The signature verdict for entry `i` (meaningless if it did not decode). */
  verdict(i: number): SignatureVerdict {
    return this.bytes[i * RECORD_SIZE + VERDICT] as SignatureVerdict;
  }

  /** Entries that decoded but whose signature was not checked (their key was not known then). */
  unchecked(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.entries.length; i++) {
      if (this.bytes[i * RECORD_SIZE + STATUS] === 0 && this.verdict(i) === SIG_UNCHECKED) out.push(i);
    }
    return out;
  }

  /** The key id of entry `i`, which must have decoded (a view). */
  keyId(i: number): Uint8Array {
    return this.field(i, 1);
  }

  private field(i: number, j: number): Uint8Array {
    const at = i * RECORD_SIZE + FIELDS + 8 * j;
    const off = this.view.getUint32(at);
    return this.entries[i]!.subarray(off, off + this.view.getUint32(at + 4));
  }

  /**
   * Entry `i` decoded, as decodeLogEntry gives it: the byte fields are views into the entry, the
   * statement decoded again from its (already checked canonical and valid) bytes.
   */
  decoded(i: number): DecodedLogEntry | RuleViolation {
    const at = i * RECORD_SIZE;
    if (this.bytes[at + STATUS] === 2) return decodeLogEntry(this.entries[i]!);
    if (this.bytes[at + STATUS] !== 0) {
      const v = this.violations.get(i);
      if (!v) throw new RangeError(`checked batch: entry ${i} failed without a violation`);
      return v;
    }
    const statementBytes = this.field(i, 0);
    return {
      statementBytes,
      keyId: this.field(i, 1),
      signature: this.field(i, 2),
      statement: Statement.decode(statementBytes),
      digest: this.bytes.subarray(at + DIGEST, at + DIGEST + HASH_SIZE),
      sequencedAtUnix: this.view.getBigInt64(at + SEQUENCED_AT),
    };
  }
}
