// The state map of a registry process (DESIGN.md, "The state map"): its nodes by version (a
// version is a commitment's size, so its own log index) and the values of its leaves, kept by a
// MapStorage (map-storage.ts): the store's state tables for a registry whose store keeps them in
// step (stored-map.ts), memory for replays. The newest commitments stay provable, not only the
// newest one: a read may answer from an older, witness-cosigned checkpoint.
//
// Statements applied since the last commitment are noted as touched; the next commitment writes
// their values again (a value is a pure function of the state: writing an unchanged one changes
// nothing).
import { bytesEqual } from "../../log/bytes.js";
import type { Hash } from "../../log/hash.js";
import {
  computeUpdate,
  computeUpdateAsync,
  defaultMapHasher,
  mapKey,
  planRoot,
  proveKeysAsync,
  runAsync,
  type MapEntry,
  type MapHasher,
  type MapKey,
  type MapKeyKind,
  type MapProof,
  type MapUpdate,
} from "../../log/map/index.js";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { decodeLogEntryFast } from "../domain/entry-wire.js";
import { encodeCommitmentEntry, isCommitment } from "../domain/decode.js";
import { mapEntries, MapTouched, touchedKeys } from "../domain/map-values.js";
import type { RegistryState } from "../domain/state.js";
import { isViolation } from "../domain/violation.js";
import { mapStateWrite } from "../store/map-nodes.js";
import type { MapLeaf } from "../store/state.js";
import { MemoryMapStorage, type MapStorage, type PreparedMap } from "./map-storage.js";

export type { PreparedMap } from "./map-storage.js";

/** Commitments whose maps stay provable (the newest ones). */
export const DEFAULT_KEPT_MAP_VERSIONS = 64;

export interface Commitment {
  /** The commitment entry's index, and the number of entries the map covers. */
  readonly size: number;
  readonly root: Hash;
  readonly sequencedAtUnix: bigint;
}

/** Reads a stored log entry (a commitment kept in the store but not in memory: after a restart). */
export type EntryReader = (index: number) => Promise<Uint8Array | undefined>;

export class StateMap {
  readonly hasher: MapHasher = defaultMapHasher;
  /** Kept commitments this process has seen, by size, oldest first (insertion order). */
  private readonly kept = new Map<number, Commitment>();
  private newest: Commitment | undefined;
  /** What entries applied since the newest commitment changed. */
  private pending = new MapTouched();

  constructor(
    private readonly keep = DEFAULT_KEPT_MAP_VERSIONS,
    readonly storage: MapStorage = new MemoryMapStorage(),
    /**
     * With a stored map: reads the commitment entries of kept versions this process has not seen
     * (those older than its start-up), and the oldest version the store keeps.
     */
    private readonly stored?: { readonly readEntry: EntryReader; readonly oldest: () => number },
  ) {}

  /** The newest commitment, if the log has one. */
  get latest(): Commitment | undefined {
    return this.newest;
  }

  /** A kept commitment by its size (its entry's index); undefined if there is none there or it is not kept. */
  async commitment(size: number): Promise<Commitment | undefined> {
    const seen = this.kept.get(size);
    if (seen || !this.stored || !this.newest || size > this.newest.size || size < this.stored.oldest()) return seen;
    return this.storedCommitment(size);
  }

  /**
   * With a stored map: takes the commitment that ends a log of `size` entries (its entry read from
   * the store) as the newest, so that the map answers at once, without any entry being passed.
   * Returns it, or undefined if that entry is not a commitment (a log without commitments).
   */
  async resume(size: number): Promise<Commitment | undefined> {
    const c = size > 0 ? await this.storedCommitment(size - 1) : undefined;
    if (c && (!this.newest || c.size > this.newest.size)) this.newest = c;
    return c;
  }

  private async storedCommitment(size: number): Promise<Commitment | undefined> {
    const bytes = await this.stored?.readEntry(size);
    if (bytes === undefined) return undefined;
    const e = decodeLogEntryFast(bytes);
    if (isViolation(e) || !isCommitment(e) || e.commitment.size !== BigInt(size)) return undefined;
    return { size, root: e.commitment.root, sequencedAtUnix: e.sequencedAtUnix };
  }

  /** Notes a statement applied to `state` (call after apply()). */
  note(state: RegistryState, statement: Statement): void {
    this.pending.add(state, statement);
  }

  /**
   * The map entries that the statements noted so far and `batch` (noted against the same
   * `state`) write: read from `state` now (the sequencer calls it while its batch is applied).
   */
  entries(state: RegistryState, batch?: MapTouched): MapEntry[] {
    return mapEntries(state, batch ? merged(this.pending, batch) : this.pending, this.hasher);
  }

  /**
   * The update that `values` make to the newest map, as the map version `version` (the index of
   * the commitment entry that will commit it). Stores nothing: the batch's append writes
   * PreparedMap.write when the map lives in the store, and commit() records it once durable.
   */
  async prepare(values: readonly MapEntry[], version: number): Promise<PreparedMap> {
    const update = await computeUpdateAsync(this.storage.nodesAt(this.newestVersion), this.hasher, values);
    return this.prepared(update, values, version);
  }

  /**
   * prepare() of everything noted so far, at once: for replays, whose map is in memory (throws
   * otherwise).
   */
  prepareNow(state: RegistryState, version: number): PreparedMap {
    const nodes = this.storage.syncNodesAt(this.newestVersion);
    if (!nodes) throw new Error("state map: prepareNow() needs a map in memory");
    const values = this.entries(state);
    return this.prepared(computeUpdate(nodes, this.hasher, values), values, version);
  }

  private get newestVersion(): number {
    return this.newest?.size ?? 0;
  }

  private prepared(update: MapUpdate, values: readonly MapEntry[], version: number): PreparedMap {
    const write = this.storage.writesWithBatch ? mapStateWrite(version, update, values) : undefined;
    return { version, update, values, write };
  }

  /** Records a prepared update, its batch durable, as the commitment at its version; clears what was noted. */
  commit(prepared: PreparedMap, sequencedAtUnix: bigint): Commitment {
    this.storage.committed(prepared);
    return this.record({ size: prepared.version, root: prepared.update.root, sequencedAtUnix });
  }

  /**
   * Records a commitment another process wrote to the stored map (a catch-up passing it), after
   * checkStoredCommitment (services/integrity/map-check.ts) held it to the stored map. `warm`
   * false: a commitment a catch-up passes on its way to a newer one, whose nodes are not read
   * back (a follower that walked every batch's paths fell behind a busy writer, and a standby
   * promoted then had that lag to catch up before it could sequence: test/failover.e2e).
   */
  async passed(c: Commitment, warm = true): Promise<void> {
    const touched = this.pending;
    this.record(c);
    await this.storage.passed(c.size, warm ? () => touchedKeys(touched, this.hasher) : undefined);
  }

  private record(c: Commitment): Commitment {
    this.kept.set(c.size, c);
    // A catch-up after resume() passes older commitments first.
    if (!this.newest || c.size >= this.newest.size) this.newest = c;
    this.pending = new MapTouched();
    if (this.kept.size > this.keep) {
      const [oldest] = this.kept.keys();
      this.kept.delete(oldest!);
      const [floor] = this.kept.keys();
      this.storage.letGo(floor!);
    }
    return c;
  }

  /** The root of the map as stored at `version` (one node read). */
  rootAt(version: number): Promise<Hash> {
    return runAsync(planRoot(this.hasher), this.storage.nodesAt(version));
  }

  /** The key of the thing of `kind` named `id`. */
  key(kind: MapKeyKind, id: string): MapKey {
    return mapKey(this.hasher, kind, id);
  }

  /**
   * Proofs for `keys` against the kept commitment at `size` (rejects if it is not kept). A proof
   * that ends at the key's own leaf comes without its value: valuesOf() finds it.
   */
  async prove(size: number, keys: readonly MapKey[]): Promise<MapProof[]> {
    if (!(await this.commitment(size))) throw new Error(`no kept map commitment at ${size}`);
    return proveKeysAsync(this.storage.nodesAt(size), keys);
  }

  /**
   * The values of `leaves` (a map key, and the SHA-256 of its value there): one this process
   * holds (written by a recent batch), else `candidate(i)` (the value as the current state gives
   * it) if it is that one, else one the storage keeps (one read for all of them). Undefined
   * where none is found.
   */
  async valuesOf(
    leaves: readonly MapLeaf[],
    candidate: (i: number) => Uint8Array | undefined = () => undefined,
  ): Promise<(Uint8Array | undefined)[]> {
    const out = leaves.map(({ hash }, i) => {
      const held = this.storage.heldValue(hash);
      if (held) return held;
      const c = candidate(i);
      return c && bytesEqual(this.hasher.digest(c), hash) ? c : undefined;
    });
    const missing = out.flatMap((v, i) => (v === undefined ? [i] : []));
    if (missing.length > 0) {
      const read = await this.storage.readValues(missing.map((i) => leaves[i]!));
      missing.forEach((i, k) => (out[i] = read[k]));
    }
    return out;
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
