// Key files on disk. Private keys are signed-note key strings (PRIVATE+KEY+name+id+key) in files
// readable by their owner only, as ssh insists for its keys: a private key file that group or
// others can read is refused, not silently used. Public keys are verifier key strings.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import {
  SIG_TYPE_ED25519,
  generateSignerKey,
  parseSignerKey,
  parseVerifierKey,
  splitVerifierKey,
  type Ed25519NoteSigner,
} from "../../log/note-keys.js";
import { nodeEd25519 } from "../crypto/ed25519-node.js";
import { writeFileAtomic } from "./atomic-file.js";

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
    throw new KeyFileError(
      path,
      `this is a public (verifier) key; a private key file is needed here (the file keygen wrote without .pub)`,
    );
  }
  if (process.platform !== "win32" && (st.mode & 0o077) !== 0) {
    throw new KeyFileError(
      path,
      `private key file has mode ${(st.mode & 0o777).toString(8)}; it must be readable by its owner only (chmod 600)`,
    );
  }
  const text = readFileSync(path, "utf8").trim();
  if (text === "")
    throw new KeyFileError(path, "the key file is empty (an interrupted write?); restore the key from its backup");
  try {
    return parseSignerKey(text, nodeEd25519);
  } catch (e) {
    throw new KeyFileError(path, `not a signer key string (damaged?): ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Writes a new private key file with mode 0600, atomically; refuses to overwrite an existing file.
 * Missing directories are created 0700; an existing one is left as it is (it may be the working
 * tree or /tmp, whose permissions are not this command's to change).
 */
export function writeSignerKeyFile(path: string, signerKey: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileAtomic(path, signerKey + "\n", { mode: 0o600, exclusive: true });
}

/** Writes a verifier key file (public: mode 0644), atomically. */
export function writeVerifierKeyFile(path: string, verifierKey: string): void {
  writeFileAtomic(path, verifierKey + "\n", { mode: 0o644 });
}

const SIGNER_KEY_PREFIX = "PRIVATE+KEY+";

/**
 * What a key string is, fit for an error message: a private key is never echoed, only its kind
 * and its public name and id (which its verifier key shows anyway).
 */
export function describeKeyText(text: string): string {
  const t = text.trim();
  if (t.toUpperCase().includes("PRIVATE")) {
    const [name, id] = t.startsWith(SIGNER_KEY_PREFIX) ? t.slice(SIGNER_KEY_PREFIX.length).split("+") : [];
    return name && id && /^[0-9a-f]{8}$/.test(id)
      ? `a private signer key (${name}+${id}, not shown)`
      : "a private key (not shown)";
  }
  return JSON.stringify(t.length > 120 ? `${t.slice(0, 120)}…` : t);
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
  const fromFile = existsSync(keyOrPath);
  const text = fromFile ? readFileSync(keyOrPath, "utf8").trim() : keyOrPath.trim();
  // Name a file by its path; a key given inline by what it is, never by its text if private.
  const where = fromFile ? keyOrPath : describeKeyText(keyOrPath);
  if (text.toUpperCase().includes("PRIVATE")) {
    const what = fromFile ? `holds ${describeKeyText(text)}` : "was given";
    throw new KeyFileError(
      where,
      `${what} where a verifier key is expected: pass the log's or authority's verifier key (the .pub file) instead; a private key belongs in a 0600 file`,
    );
  }
  try {
    parseVerifierKey(text);
  } catch (e) {
    throw new KeyFileError(where, `not a verifier key string: ${e instanceof Error ? e.message : String(e)}`);
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
  writeVerifierKeyFile(path.replace(/\.key$/, "") + ".pub", verifierKey);
  return { signer: readSignerKeyFile(path), created: true };
}

/** The raw 32-byte Ed25519 public key inside a verifier key string. */
export function publicKeyOfVerifierKey(vkey: string): Uint8Array {
  const parts = splitVerifierKey(vkey);
  if (parts.type !== SIG_TYPE_ED25519 || parts.key.length !== 32)
    throw new KeyFileError(describeKeyText(vkey), "not an Ed25519 verifier key");
  return parts.key;
}
