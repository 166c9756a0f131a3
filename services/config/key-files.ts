// Key files on disk. Private keys are signed-note key strings (PRIVATE+KEY+name+id+key) in files
// readable by their owner only, as ssh insists for its keys: a private key file that group or
// others can read is refused, not silently used. Public keys are verifier key strings.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { SIG_TYPE_ED25519, generateSignerKey, parseSignerKey, parseVerifierKey, splitVerifierKey, type Ed25519NoteSigner } from "../../log/note-keys.js";
import { nodeEd25519 } from "../crypto/ed25519-node.js";

export class KeyFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = "KeyFileError";
  }
}

/** Creates `dir` (and parents) readable by the owner only, or tightens an existing one. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/** Reads a private key file, refusing one that group or others may read. */
export function readSignerKeyFile(path: string): Ed25519NoteSigner {
  const st = statSync(path);
  // A public key passed by mistake is named as such, before its (rightly) open mode is blamed.
  if (st.isFile() && st.size < 4096 && isVerifierKeyText(readFileSync(path, "utf8").trim())) {
    throw new KeyFileError(path, `this is a public (verifier) key; a private key file is needed here (the file keygen wrote without .pub)`);
  }
  if (process.platform !== "win32" && (st.mode & 0o077) !== 0) {
    throw new KeyFileError(path, `private key file has mode ${(st.mode & 0o777).toString(8)}; it must be readable by its owner only (chmod 600)`);
  }
  try {
    return parseSignerKey(readFileSync(path, "utf8").trim(), nodeEd25519);
  } catch (e) {
    throw new KeyFileError(path, `not a signer key string: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Writes a new private key file with mode 0600; refuses to overwrite an existing file. Missing
 * directories are created 0700; an existing one is left as it is (it may be the working tree or
 * /tmp, whose permissions are not this command's to change).
 */
export function writeSignerKeyFile(path: string, signerKey: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, signerKey + "\n", { mode: 0o600, flag: "wx" });
}

function isVerifierKeyText(text: string): boolean {
  try {
    parseVerifierKey(text);
    return true;
  } catch {
    return false;
  }
}

/** A verifier key: either the key string itself or the path of a file holding it. */
export function readVerifierKey(keyOrPath: string): string {
  const text = existsSync(keyOrPath) ? readFileSync(keyOrPath, "utf8").trim() : keyOrPath.trim();
  try {
    parseVerifierKey(text);
  } catch (e) {
    throw new KeyFileError(keyOrPath, `not a verifier key string: ${e instanceof Error ? e.message : String(e)}`);
  }
  return text;
}

/**
 * Loads the signer key at `path`, creating it (named `name`) if absent, with its verifier key
 * beside it at `<path minus .key>.pub`. Returns the signer and whether it was created.
 */
export function loadOrCreateSignerKey(path: string, name: string): { signer: Ed25519NoteSigner; created: boolean } {
  if (existsSync(path)) return { signer: readSignerKeyFile(path), created: false };
  const { signerKey, verifierKey } = generateSignerKey(name, undefined, nodeEd25519);
  writeSignerKeyFile(path, signerKey);
  writeFileSync(path.replace(/\.key$/, "") + ".pub", verifierKey + "\n", { mode: 0o644 });
  return { signer: readSignerKeyFile(path), created: true };
}

/** The raw 32-byte Ed25519 public key inside a verifier key string. */
export function publicKeyOfVerifierKey(vkey: string): Uint8Array {
  const parts = splitVerifierKey(vkey);
  if (parts.type !== SIG_TYPE_ED25519 || parts.key.length !== 32) throw new KeyFileError(vkey, "not an Ed25519 verifier key");
  return parts.key;
}
