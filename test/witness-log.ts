// Test support: a log held in memory that signs checkpoints and proves consistency, so witness and
// witnessing tests can play a log (honest or forked) without a registry.
import { formatCheckpoint } from "../log/checkpoint.js";
import type { Hash } from "../log/hash.js";
import { MemoryHashes } from "../log/memory-hashes.js";
import { ed25519NoteSigner, type Ed25519NoteSigner } from "../log/note-keys.js";
import { signNote } from "../log/note.js";
import { proveConsistency } from "../log/prove.js";
import { treeRoot } from "../log/tree.js";
import { utf8 } from "../log/bytes.js";
import { hasher } from "../log/hasher.js";

export class TestLog {
  readonly hashes = new MemoryHashes();
  readonly signer: Ed25519NoteSigner;

  /** `salt` makes a fork: the same origin and key, different leaves. */
  constructor(
    readonly origin = "log.test/witnessed",
    seed = 7,
    private readonly salt = "",
  ) {
    this.signer = ed25519NoteSigner(origin, new Uint8Array(32).fill(seed));
  }

  get size(): number {
    return this.hashes.size;
  }

  grow(n: number): this {
    for (let i = 0; i < n; i++) this.hashes.append(hasher.leafHash(utf8(`${this.salt}entry ${this.hashes.size}`)));
    return this;
  }

  root(size = this.size): Promise<Hash> {
    return treeRoot(this.hashes, size);
  }

  /** The signed checkpoint note of `size` (default: the current size). */
  async checkpoint(size = this.size, signer: Ed25519NoteSigner = this.signer): Promise<Uint8Array> {
    return utf8(
      signNote(formatCheckpoint({ origin: this.origin, size, root: await this.root(size), extensions: [] }), [signer]),
    );
  }

  proof(oldSize: number, newSize = this.size): Promise<Hash[]> {
    return proveConsistency(this.hashes, oldSize, newSize);
  }
}
