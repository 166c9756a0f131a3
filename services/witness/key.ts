// The witness's key file. Same shape as a signed-note signer key, with the cosignature/v1
// signature type: "PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x04 || 32-byte seed)>", where the
// key id is that of the public verifier key (computeKeyId over type 0x04 and the public key).
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { concatBytes, fromBase64, toBase64 } from "../../log/bytes.js";
import { SIG_TYPE_COSIGNATURE_V1, cosigner, type Cosigner } from "../../log/cosignature.js";
import { formatKeyId } from "../../log/note-keys.js";
import { NoteError } from "../../log/note.js";
import { ensurePrivateDir } from "../config/key-files.js";
import { nodeEd25519 } from "../crypto/ed25519-node.js";

const PREFIX = "PRIVATE+KEY+";

export function formatWitnessKey(name: string, seed: Uint8Array): string {
  const c = cosigner(name, seed, { ed: nodeEd25519 });
  return `${PREFIX}${name}+${formatKeyId(c.keyId)}+${toBase64(concatBytes(Uint8Array.of(SIG_TYPE_COSIGNATURE_V1), seed))}`;
}

/** Parses a witness key string; the key id must match. Throws NoteError. */
export function parseWitnessKey(s: string): Cosigner {
  if (!s.startsWith(PREFIX)) throw new NoteError("malformed-key", "witness key does not start with PRIVATE+KEY+");
  const rest = s.slice(PREFIX.length);
  const p1 = rest.indexOf("+");
  const p2 = p1 < 0 ? -1 : rest.indexOf("+", p1 + 1);
  if (p2 < 0) throw new NoteError("malformed-key", "witness key is not name+id+key");
  let body: Uint8Array;
  try {
    body = fromBase64(rest.slice(p2 + 1));
  } catch {
    throw new NoteError("malformed-key", "witness key is not strict base64");
  }
  if (body.length !== 33 || body[0] !== SIG_TYPE_COSIGNATURE_V1)
    throw new NoteError("unsupported-algorithm", "not an Ed25519 cosignature/v1 witness key");
  const c = cosigner(rest.slice(0, p1), body.subarray(1), { ed: nodeEd25519 });
  if (formatKeyId(c.keyId) !== rest.slice(p1 + 1, p2))
    throw new NoteError("key-id-mismatch", "witness key id does not match its name and key");
  return c;
}

/** Loads the witness key at `path`, creating one named `name` (mode 0600, .pub beside it) if absent. */
export function loadOrCreateWitnessKey(path: string, name: string): Cosigner {
  if (!existsSync(path)) {
    ensurePrivateDir(dirname(path));
    const seed = globalThis.crypto.getRandomValues(new Uint8Array(32));
    writeFileSync(path, formatWitnessKey(name, seed) + "\n", { mode: 0o600, flag: "wx" });
    writeFileSync(path.replace(/\.key$/, "") + ".pub", cosigner(name, seed, { ed: nodeEd25519 }).verifierKey + "\n", {
      mode: 0o644,
    });
  }
  if (process.platform !== "win32" && (statSync(path).mode & 0o077) !== 0)
    throw new Error(`${path}: witness key file must be readable by its owner only (chmod 600)`);
  return parseWitnessKey(readFileSync(path, "utf8").trim());
}
