// C2SP signed-note v1: a UTF-8 text ending in a newline, a blank line, then signature lines
// "— <key name> <base64(4-byte big-endian key id || signature)>\n".
//
// This module is independent of the signature algorithm: signers and verifiers are objects
// (see note-keys.ts for Ed25519 keys, cosignature.ts for witness cosignatures).
import { concatBytes, fromBase64, toBase64, utf8 } from "./bytes.js";

export type NoteErrorCode =
  | "too-large" // the note exceeds maxNoteBytes
  | "not-utf8" // invalid UTF-8 (or, for a string, a lone surrogate)
  | "control-character" // an ASCII control character other than newline
  | "no-signatures" // no blank line followed by at least one signature line
  | "malformed-signature" // a signature line that is not "— name base64" with >= 5 bytes
  | "too-many-signatures" // more signature lines than maxSignatures
  | "invalid-signature" // a signature from a known key failed to verify: the whole note is refused
  | "unverified" // no signature from a known key
  | "bad-text" // text to sign: not ending in a newline, or not a valid note text
  | "bad-key-name" // empty, or contains a Unicode space, "+" or a control character
  | "ambiguous-verifiers" // two known verifiers share a name and key id
  | "malformed-key" // a key string that does not parse
  | "key-id-mismatch" // a key string whose id is not the hash of its name and key
  | "unsupported-algorithm" // a key string for a signature type this code does not implement
  | "bad-public-key"; // a key refused by the Ed25519 policy (small order, non-canonical, off curve)

/** Every refusal by the note and key-string code (note.ts, note-keys.ts) is one of these. */
export class NoteError extends Error {
  constructor(
    readonly code: NoteErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "NoteError";
  }
}

/** Signs note texts as one key. `sign` returns the signature bytes that follow the key id. */
export interface NoteSigner {
  readonly name: string;
  /** The 32-bit key id, as an unsigned integer. */
  readonly keyId: number;
  sign(text: Uint8Array): Uint8Array;
}

/** Checks signatures made by one key. `verify` gets the bytes after the key id; it never throws. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(text: Uint8Array, signature: Uint8Array): boolean;
}

export interface NoteSignature {
  readonly name: string;
  readonly keyId: number;
  /** The signature bytes after the key id. */
  readonly signature: Uint8Array;
  /** The line's base64 field exactly: base64(key id || signature). */
  readonly base64: string;
}

/** A signed note split into its parts; nothing here is verified yet. */
export interface ParsedNote {
  readonly text: string;
  /** The exact bytes that signatures cover (the text, including its final newline). */
  readonly textBytes: Uint8Array;
  /** Every signature line in order, identical repeated lines dropped. */
  readonly signatures: readonly NoteSignature[];
}

/** A note opened under a set of known keys: the text may be trusted. */
export interface Note {
  readonly text: string;
  readonly textBytes: Uint8Array;
  /** One verified signature per known key that signed, in note order. */
  readonly sigs: readonly NoteSignature[];
  /** Signatures from keys not in the known set, not checked. */
  readonly unverifiedSigs: readonly NoteSignature[];
}

export interface NoteLimits {
  /** Signature lines accepted in one note; the spec requires at least 16. Default 100. */
  readonly maxSignatures?: number;
  /** Bytes accepted in one note. Default 1 MiB (room for 100 post-quantum signatures). */
  readonly maxNoteBytes?: number;
}

export const DEFAULT_MAX_SIGNATURES = 100;
export const DEFAULT_MAX_NOTE_BYTES = 1 << 20;
const MIN_SIGNATURES = 16;

const SIG_PREFIX = "\u2014 "; // em dash, space
const CONTROL = /[\u0000-\u0009\u000b-\u001f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const WHITE_SPACE = /\p{White_Space}/u;
// ignoreBOM: a leading U+FEFF is part of the text, not a byte-order mark to strip silently.
const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A key name per the spec: non-empty, no Unicode space, no "+", and (so it fits in a note) no control character. */
export function isValidKeyName(name: string): boolean {
  return (
    name.length > 0 &&
    !name.includes("+") &&
    !WHITE_SPACE.test(name) &&
    !CONTROL.test(name) &&
    !LONE_SURROGATE.test(name)
  );
}

function limits(opts: NoteLimits | undefined): { maxSignatures: number; maxNoteBytes: number } {
  const maxSignatures = opts?.maxSignatures ?? DEFAULT_MAX_SIGNATURES;
  const maxNoteBytes = opts?.maxNoteBytes ?? DEFAULT_MAX_NOTE_BYTES;
  if (!Number.isSafeInteger(maxSignatures) || maxSignatures < MIN_SIGNATURES) {
    throw new RangeError(`maxSignatures must be an integer >= ${MIN_SIGNATURES} (signed-note requires it)`);
  }
  if (!Number.isSafeInteger(maxNoteBytes) || maxNoteBytes < 1) throw new RangeError("maxNoteBytes must be positive");
  return { maxSignatures, maxNoteBytes };
}

/** The note as bytes and as a string, after the spec's character rules (UTF-8, no control but newline). */
function decodeNote(msg: Uint8Array | string, maxNoteBytes: number): { bytes: Uint8Array; str: string } {
  let bytes: Uint8Array;
  let str: string;
  if (typeof msg === "string") {
    // Checked before encoding, since that would silently turn a lone surrogate into U+FFFD.
    if (msg.length > maxNoteBytes) throw new NoteError("too-large", `note longer than ${maxNoteBytes} bytes`);
    if (LONE_SURROGATE.test(msg)) throw new NoteError("not-utf8", "note is not valid Unicode");
    str = msg;
    bytes = utf8(msg);
  } else {
    bytes = msg;
    if (bytes.length > maxNoteBytes) throw new NoteError("too-large", `note longer than ${maxNoteBytes} bytes`);
    try {
      str = decoder.decode(bytes);
    } catch {
      throw new NoteError("not-utf8", "note is not valid UTF-8");
    }
  }
  if (bytes.length > maxNoteBytes) throw new NoteError("too-large", `note longer than ${maxNoteBytes} bytes`);
  if (CONTROL.test(str))
    throw new NoteError("control-character", "note contains a control character other than newline");
  return { bytes, str };
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIG_PREFIX))
    throw new NoteError("malformed-signature", "signature line does not start with an em dash and a space");
  const rest = line.slice(SIG_PREFIX.length);
  const space = rest.indexOf(" ");
  if (space < 0) throw new NoteError("malformed-signature", "signature line has no space after the key name");
  const name = rest.slice(0, space);
  const b64 = rest.slice(space + 1);
  if (!isValidKeyName(name)) throw new NoteError("malformed-signature", "signature line has an invalid key name");
  let raw: Uint8Array;
  try {
    raw = fromBase64(b64);
  } catch {
    throw new NoteError("malformed-signature", "signature is not strict standard base64");
  }
  if (raw.length < 5) throw new NoteError("malformed-signature", "signature shorter than a key id and one byte");
  const keyId = ((raw[0]! << 24) | (raw[1]! << 16) | (raw[2]! << 8) | raw[3]!) >>> 0;
  return { name, keyId, signature: raw.subarray(4), base64: b64 };
}

/**
 * Splits a signed note into text and signature lines, applying every syntactic rule of the spec
 * and the limits; verifies nothing. Throws NoteError.
 */
export function parseSignedNote(msg: Uint8Array | string, opts?: NoteLimits): ParsedNote {
  const { maxSignatures, maxNoteBytes } = limits(opts);
  const { bytes, str } = decodeNote(msg, maxNoteBytes);
  // The text is separated from the signatures by the last blank line.
  const split = str.lastIndexOf("\n\n");
  if (split < 0) throw new NoteError("no-signatures", "note has no blank line before a signature block");
  const text = str.slice(0, split + 1);
  const block = str.slice(split + 2);
  if (block.length === 0 || !block.endsWith("\n"))
    throw new NoteError("no-signatures", "signature block is empty or lacks its final newline");
  const lines = block.slice(0, -1).split("\n");
  if (lines.length > maxSignatures) throw new NoteError("too-many-signatures", `more than ${maxSignatures} signatures`);
  const seen = new Set<string>();
  const signatures: NoteSignature[] = [];
  for (const line of lines) {
    const sig = parseSignatureLine(line);
    if (seen.has(line)) continue;
    seen.add(line);
    signatures.push(sig);
  }
  // The text is ASCII-delimited, so its UTF-8 length is that of its string prefix.
  const textBytes = bytes.subarray(0, utf8(text).length);
  return { text, textBytes, signatures };
}

function verifierKey(name: string, keyId: number): string {
  return `${keyId}\n${name}`;
}

/** Indexes verifiers by (name, key id); throws NoteError("ambiguous-verifiers") on a clash. */
export function verifierMap(verifiers: readonly NoteVerifier[]): Map<string, NoteVerifier> {
  const map = new Map<string, NoteVerifier>();
  for (const v of verifiers) {
    const k = verifierKey(v.name, v.keyId);
    if (map.has(k))
      throw new NoteError("ambiguous-verifiers", `two known keys named ${v.name} with id ${v.keyId.toString(16)}`);
    map.set(k, v);
  }
  return map;
}

/**
 * Opens a signed note under known keys, as signed-note v1 requires: signatures from unknown
 * keys (no match on both name and key id) are ignored; every signature from a known key is
 * checked and any failure refuses the whole note ("invalid-signature"); at least one must
 * verify ("unverified"). Returns the note only if its text can be trusted; throws NoteError.
 */
export function openNote(msg: Uint8Array | string, known: readonly NoteVerifier[], opts?: NoteLimits): Note {
  const parsed = parseSignedNote(msg, opts);
  const map = verifierMap(known);
  const sigs: NoteSignature[] = [];
  const unverifiedSigs: NoteSignature[] = [];
  const verified = new Set<string>();
  for (const sig of parsed.signatures) {
    const k = verifierKey(sig.name, sig.keyId);
    const v = map.get(k);
    if (!v) {
      unverifiedSigs.push(sig);
      continue;
    }
    if (!v.verify(parsed.textBytes, sig.signature)) {
      throw new NoteError("invalid-signature", `signature by known key ${sig.name} does not verify`);
    }
    if (verified.has(k)) continue;
    verified.add(k);
    sigs.push(sig);
  }
  if (sigs.length === 0) throw new NoteError("unverified", "no signature from a known key");
  return { text: parsed.text, textBytes: parsed.textBytes, sigs, unverifiedSigs };
}

/** Checks that a text can be signed: ends in a newline, valid Unicode, no control character but newline. */
export function checkNoteText(text: string): void {
  if (!text.endsWith("\n")) throw new NoteError("bad-text", "note text must end with a newline");
  if (LONE_SURROGATE.test(text)) throw new NoteError("bad-text", "note text is not valid Unicode");
  if (CONTROL.test(text)) throw new NoteError("bad-text", "note text contains a control character other than newline");
}

function signatureLine(name: string, base64: string): string {
  return `${SIG_PREFIX}${name} ${base64}\n`;
}

function signWith(signer: NoteSigner, textBytes: Uint8Array): string {
  if (!isValidKeyName(signer.name)) throw new NoteError("bad-key-name", "signer has an invalid key name");
  const id = signer.keyId;
  const head = Uint8Array.of(id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255);
  return signatureLine(signer.name, toBase64(concatBytes(head, signer.sign(textBytes))));
}

/** Signs a text with one or more signers; returns the signed note. Throws NoteError("bad-text"). */
export function signNote(text: string, signers: readonly NoteSigner[]): string {
  checkNoteText(text);
  if (signers.length === 0) throw new NoteError("no-signatures", "a signed note needs at least one signer");
  const textBytes = utf8(text);
  return `${text}\n${signers.map((s) => signWith(s, textBytes)).join("")}`;
}

/**
 * Adds signatures to a signed note (a witness adding its cosignature, a log rotating keys).
 * Existing lines are kept in order, except those from the same (name, key id) as a new signer,
 * which the new signature replaces. It does not verify the existing signatures: open the note
 * first if that matters. Throws NoteError.
 */
export function addSignatures(
  signedNote: Uint8Array | string,
  signers: readonly NoteSigner[],
  opts?: NoteLimits,
): string {
  const parsed = parseSignedNote(signedNote, opts);
  const replaced = new Set(signers.map((s) => verifierKey(s.name, s.keyId)));
  const kept = parsed.signatures.filter((s) => !replaced.has(verifierKey(s.name, s.keyId)));
  const max = opts?.maxSignatures ?? DEFAULT_MAX_SIGNATURES;
  if (kept.length + signers.length > max) throw new NoteError("too-many-signatures", `more than ${max} signatures`);
  const lines = kept.map((s) => signatureLine(s.name, s.base64)).join("");
  const added = signers.map((s) => signWith(s, parsed.textBytes)).join("");
  return `${parsed.text}\n${lines}${added}`;
}
