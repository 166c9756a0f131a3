// What a statement's author signs, and how keys are named.
import { concatBytes, toHex, utf8 } from "../../log/bytes.js";
import { sha256 } from "../../log/hasher.js";

/** The signing context: keeps a statement signature from being valid for any other message kind. */
export const STATEMENT_SIGNING_PREFIX = utf8("labelreg/v1/statement\n");

/** The bytes an author signs: "labelreg/v1/statement\n" || statement_bytes. */
export function statementSigningInput(statementBytes: Uint8Array): Uint8Array {
  return concatBytes(STATEMENT_SIGNING_PREFIX, statementBytes);
}

/** A key id: SHA-256 of the 32-byte Ed25519 public key (SignedStatement.key_id). */
export function keyIdOf(publicKey: Uint8Array): Uint8Array {
  return sha256(publicKey);
}

/** The key id as lower-case hex, the form state maps are keyed by. */
export function keyIdHex(keyId: Uint8Array): string {
  return toHex(keyId);
}

/** SHA-256 of the statement bytes: what request-id idempotency compares. */
export function statementDigest(statementBytes: Uint8Array): Uint8Array {
  return sha256(statementBytes);
}
