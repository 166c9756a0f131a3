// Statement signing with an Ed25519 key held in a signed-note key string (the format of
// `labelreg keygen` and the registry's own key files).
import { parseSignerKey, type Ed25519NoteSigner } from "../../log/note-keys.js";
import type { SignedStatement } from "../../proto/gen/messages/labelreg/v1/entry.js";
import { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { readSignerKeyFile } from "../config/key-files.js";
import { nodeEd25519 } from "../crypto/ed25519-node.js";
import { keyIdOf, statementSigningInput } from "../domain/signing.js";

/**
 * Signs statements for one author (the authority or an issuer):
 *   signature = Ed25519(key, "labelreg/v1/statement\n" || statement_bytes), key_id = SHA-256(pubkey).
 * Signing is deterministic (RFC 8032): the same statement always gives the same signed bytes,
 * which is what makes a retry idempotent.
 */
export class StatementSigner {
  /** SHA-256 of the public key: SignedStatement.key_id. */
  readonly keyId: Uint8Array;

  constructor(private readonly key: Ed25519NoteSigner) {
    this.keyId = keyIdOf(key.publicKey);
  }

  /** From a private key file (PRIVATE+KEY+...); refuses a file group or others can read. */
  static fromKeyFile(path: string): StatementSigner {
    return new StatementSigner(readSignerKeyFile(path));
  }

  /** From a signer key string (PRIVATE+KEY+name+id+base64). Throws NoteError if malformed. */
  static fromKeyString(signerKey: string): StatementSigner {
    return new StatementSigner(parseSignerKey(signerKey.trim(), nodeEd25519));
  }

  /** The key's name in its key string (by convention the issuer id, or the authority's name). */
  get name(): string {
    return this.key.name;
  }

  /** The 32-byte Ed25519 public key (what an accreditation names). */
  get publicKey(): Uint8Array {
    return this.key.publicKey;
  }

  /** The verifier key string of this key. */
  get verifierKey(): string {
    return this.key.verifierKey;
  }

  /** Encodes the statement canonically and signs the bytes. */
  sign(statement: Statement): SignedStatement {
    return this.signBytes(Statement.encode(statement).finish());
  }

  /** Signs already encoded statement bytes, exactly as given. */
  signBytes(statementBytes: Uint8Array): SignedStatement {
    return {
      statement: statementBytes,
      keyId: this.keyId,
      signature: this.key.sign(statementSigningInput(statementBytes)),
    };
  }
}
