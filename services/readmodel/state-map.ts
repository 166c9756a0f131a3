// The state map of a registry process (DESIGN.md, "The state map"), in memory: its nodes by
// version (log/map/versioned.ts; a version is a commitment's size, so its own log index), the
// recent commitments, and the values written by those commitments' batches, so that a proof can
// be made against the map of any kept commitment, not only the newest (a read may answer from an
// older, witness-cosigned checkpoint).
//
// Statements applied since the last commitment are noted as touched; the next commitment writes
// their values again (a value is a pure function of the state: writing an unchanged one changes
// nothing).
import { toHex } from "../../log/bytes.js";
import type { Hash } from "../../log/hash.js";
import {
  computeUpdate,
  defaultMapHasher,
  mapKey,
  proveKeys,
  VersionedMemoryMapNodeStore,
  type MapHasher,
  type MapKey,
  type MapKeyKind,
  type MapProof,
  type MapUpdate,
} from "../../log/map/index.js";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { encodeCommitmentEntry } from "../domain/decode.js";
import { mapEntries, MapTouched } from "../domain/map-values.js";
import type { RegistryState } from "../domain/state.js";

/** Commitments whose maps stay provable (the newest ones). */
export const DEFAULT_KEPT_MAP_VERSIONS = 64;

export interface Commitment {
  /** The commitment entry's index, and the number of entries the map covers. */
  readonly size: number;
  readonly root: Hash;
  readonly sequencedAtUnix: bigint;
}

/** A batch's map update, computed but not stored. */
export interface PreparedMap {
  readonly update: MapUpdate;
  readonly values: readonly { key: MapKey; value: Uint8Array }[];
}

export class StateMap {
  readonly hasher: MapHasher = defaultMapHasher;
  private readonly nodes = new VersionedMemoryMapNodeStore();
  /** Kept commitments by size, oldest first (insertion order), with the hashes of the values their batch wrote. */
  private readonly kept = new Map<number, { commitment: Commitment; valueHashes: string[] }>();
  /** The values kept commitments' batches wrote, by hex SHA-256, with the newest commitment that wrote each. */
  private readonly values = new Map<string, { value: Uint8Array; writtenAt: number }>();
  private newest: Commitment | undefined;
  /** What entries applied since the newest commitment changed. */
  private pending = new MapTouched();

  constructor(private readonly keep = DEFAULT_KEPT_MAP_VERSIONS) {}

  /** The newest commitment, if the log has one. */
  get latest(): Commitment | undefined {
    return this.newest;
  }

  /** A kept commitment by its size (its entry's index). */
  commitment(size: number): Commitment | undefined {
    return this.kept.get(size)?.commitment;
  }

  /** Notes a statement applied to `state` (call after apply()). */
  note(state: RegistryState, statement: Statement): void {
    this.pending.add(state, statement);
  }

  /**
   * The update that the statements noted so far and `batch` (noted against the same `state`)
   * make to the newest map. Stores nothing: commit() does, once the batch is durable.
   */
  prepare(state: RegistryState, batch?: MapTouched): PreparedMap {
    const touched = batch ? merged(this.pending, batch) : this.pending;
    const values = mapEntries(state, touched, this.hasher);
    return { update: computeUpdate(this.nodes.at(Number.MAX_SAFE_INTEGER), this.hasher, values), values };
  }

  /** Stores a prepared update as the commitment at `size`; clears what was noted. */
  commit(prepared: PreparedMap, size: number, sequencedAtUnix: bigint): Commitment {
    this.nodes.put(prepared.update.writes, size);
    const commitment: Commitment = { size, root: prepared.update.root, sequencedAtUnix };
    const valueHashes = prepared.values.map((v, i) => {
      const hex = toHex(prepared.update.valueHashes[i]!);
      this.values.set(hex, { value: v.value, writtenAt: size });
      return hex;
    });
    this.kept.set(size, { commitment, valueHashes });
    this.newest = commitment;
    this.pending = new MapTouched();
    if (this.kept.size > this.keep) {
      const [oldestSize, oldest] = this.kept.entries().next().value!;
      this.kept.delete(oldestSize);
      for (const hex of oldest.valueHashes) if (this.values.get(hex)?.writtenAt === oldestSize) this.values.delete(hex);
      const [floor] = this.kept.keys();
      this.nodes.setFloor(floor!);
    }
    return commitment;
  }

  /** The key of the thing of `kind` named `id`. */
  key(kind: MapKeyKind, id: string): MapKey {
    return mapKey(this.hasher, kind, id);
  }

  /**
   * Proofs for `keys` against the kept commitment at `size` (throws if it is not kept). A proof
   * that ends at the key's own leaf comes without its value: valueOf() finds it.
   */
  prove(size: number, keys: readonly MapKey[]): MapProof[] {
    if (!this.kept.has(size)) throw new Error(`no kept map commitment at ${size}`);
    return proveKeys(this.nodes.at(size), keys);
  }

  /**
   * The value whose SHA-256 is `valueHash`: `candidate` (the value as the current state gives
   * it) if it is that one, else one written by a kept commitment's batch.
   */
  valueOf(valueHash: Hash, candidate: Uint8Array | undefined): Uint8Array | undefined {
    const hex = toHex(valueHash);
    if (candidate && toHex(this.hasher.digest(candidate)) === hex) return candidate;
    return this.values.get(hex)?.value;
  }
}

/** The commitment entry's bytes (the leaf), as the sequencer wrote it. */
export function commitmentEntryBytes(c: Commitment): Uint8Array {
  return encodeCommitmentEntry({ root: c.root, size: BigInt(c.size) }, c.sequencedAtUnix);
}

function merged(a: MapTouched, b: MapTouched): MapTouched {
  const t = new MapTouched();
  for (const kind of ["label", "product", "manufacturer", "issuer", "category"] as const) {
    for (const id of a[kind]) t[kind].add(id);
    for (const id of b[kind]) t[kind].add(id);
  }
  return t;
}
