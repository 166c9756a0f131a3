// The derivation a rebuild (rebuild.ts) runs over the log, batch by batch, onto the tables it is
// rebuilding: the sequencer's own (services/sequencer/sequencer.ts sequence()), without its rules
// and signatures, over a partial state that holds only what a batch touches, so that memory does
// not grow with the log. For each batch (the entries after one commitment up to and including
// the next): the records its statements touch are fetched from the rows the earlier batches wrote
// (batch-keys.ts, as the sequencer's loadFor), the batch is applied on a fork of the statistics
// for the rows it changes (batchRows, the search index's, the fork's: exactly the sequencer's
// calls), its map entries update the map stored at version `last` (the newest commitment's index:
// every batch writes its nodes and values at that version, over the previous batch's, and a
// position is never deleted, so the tables end holding exactly the newest map), and the
// commitment's root must be the one that update gives.
//
// Every state reader checks that the rows it reads reflect the size its state is at; mid-rebuild
// the store reports its tree size, not what the rows reflect. The rebuild knows: it is the only
// writer of the tables while they are marked (appends with state are refused, another rebuild's
// beginRebuild makes every step of this one refuse), so it reads them through rebuildReads, which
// reports as their size the size its last written batch reached. Nothing of this is stored: a
// rebuild that stops is begun again from the start, never resumed.
import { bytesEqual } from "../../log/bytes.js";
import { computeUpdateAsync, defaultMapHasher, type MapEntry } from "../../log/map/index.js";
import { signerOf } from "../domain/apply.js";
import { prefetch, statementKeys } from "../domain/batch-keys.js";
import { type CommitmentEntry, isCommitment } from "../domain/decode.js";
import type { SequencedStatement } from "../domain/apply.js";
import { keyIdHex } from "../domain/signing.js";
import { mapEntries, MapTouched } from "../domain/map-values.js";
import { batchRows } from "../domain/state-rows.js";
import { RegistryState } from "../domain/state.js";
import { SearchIndex } from "../reads/search-index.js";
import { StatsFold } from "../stats/fold.js";
import { mapStateWrite, storedMapAt } from "../store/map-nodes.js";
import { SizeConflictError } from "../store/port.js";
import { StoredStateFetch } from "../store/state-fetch.js";
import type { StateRowWrite, StateTables, StateWrite } from "../store/state.js";
import { IntegrityError } from "./integrity-error.js";
import { checkCommitmentCount } from "./map-check.js";

export type RebuildEntry = SequencedStatement | CommitmentEntry;

/** Entries one batch takes at most: a longer run between commitments is taken in batches this long. */
export const MAX_REBUILD_BATCH = 1024;

/** What a rebuild reads of the tables it is rebuilding. */
export type RebuildReads = Pick<StateTables, "readState" | "scanState" | "readMapNodes">;

/**
 * `tables` as the rebuild reads them: rows as of `reflects()` (the size the batches written so
 * far reach), whatever tree size the store reports, which must stay `size` (the log the rebuild
 * rebuilds; another, and an append moved the tree: SizeConflictError, the rebuild starts over).
 */
export function rebuildReads(tables: StateTables, size: number, reflects: () => number): RebuildReads {
  const at = <T extends { readonly size: number }>(read: T): T => {
    if (read.size !== size) throw new SizeConflictError(size, read.size);
    return { ...read, size: reflects() };
  };
  return {
    readState: async (table, keys) => at(await tables.readState(table, keys)),
    scanState: async (table, after, limit) => at(await tables.scanState(table, after, limit)),
    readMapNodes: (paths, atVersion) => tables.readMapNodes(paths, atVersion),
  };
}

/**
 * The state a rebuild carries from batch to batch: a partial state (issuers, keys and the
 * catalogue whole), the statistics' counters and the boundaries due, the search index's names.
 */
export class RebuildBatches {
  private readonly state: RegistryState;
  private readonly reads: RebuildReads;
  /** The size the rows written so far reflect: the entries derived, and written. */
  private reflects = 0;

  private constructor(
    authorityPublicKey: Uint8Array,
    tables: StateTables,
    size: number,
    /** The newest commitment's index: the map version every batch writes (undefined: no map). */
    private readonly last: number | undefined,
    private readonly cacheBytes: number,
    private fold: StatsFold,
    private search: SearchIndex,
  ) {
    this.state = new RegistryState(authorityPublicKey, { partial: true, size: 0 });
    this.reads = rebuildReads(tables, size, () => this.reflects);
  }

  /** Over tables just cleared by beginRebuild, for the log of `size` whose newest commitment is `last`. */
  static async begin(
    authorityPublicKey: Uint8Array,
    tables: StateTables,
    size: number,
    last: number | undefined,
    cacheBytes: number,
  ): Promise<RebuildBatches> {
    const reads = rebuildReads(tables, size, () => 0);
    const [fold, search] = await Promise.all([StatsFold.load(reads, 0), SearchIndex.load(reads, 0)]);
    return new RebuildBatches(authorityPublicKey, tables, size, last, cacheBytes, fold, search);
  }

  /** Entries derived so far: the index the next batch must start at. */
  get size(): number {
    return this.state.size;
  }

  /**
   * What the partial state's records take in the heap, by estimate (RegistryState.cachedBytes):
   * a batch's working set, plus at most the cache between batches.
   */
  get heldBytes(): number {
    return this.state.cachedBytes;
  }

  /**
   * How many of `entries` (decoded, from index `size`) the next batch takes: up to and including
   * the first commitment, at most MAX_REBUILD_BATCH, and not past a statement signed by a key the
   * state does not know yet (the batch's keys are named before it is applied, so a key
   * accredited earlier in the same run must be applied first: the sequencer's batches never hold
   * both, as statements are authenticated before they queue).
   */
  batchLength(entries: readonly RebuildEntry[]): number {
    let n = 0;
    for (const e of entries) {
      if (n >= MAX_REBUILD_BATCH) break;
      if (!isCommitment(e) && n > 0 && !this.knowsKey(e.keyId)) break;
      n++;
      if (isCommitment(e)) break;
    }
    return n;
  }

  private knowsKey(keyId: Uint8Array): boolean {
    const hex = keyIdHex(keyId);
    return hex === this.state.authorityKeyIdHex || this.state.keys.has(hex);
  }

  /**
   * Derives the part the batch `entries` (from index `size`; batchLength of them) writes: its rows
   * and, up to the newest commitment, its map nodes and values. Applies the batch to the state; a
   * commitment that ends it must count the entries before it and carry the map's root, else
   * IntegrityError map-commitment naming it. Call written() once the part is written.
   */
  async derive(entries: readonly RebuildEntry[]): Promise<StateWrite> {
    const state = this.state;
    const first = state.size;
    const statements = entries.filter((e): e is SequencedStatement => !isCommitment(e));
    // The batch's time: the sequencer sequences a batch at one time, a run without commitments
    // taken as one batch spans several, and the fork folds up to the latest.
    let now = 0n;
    for (const e of entries) if (e.sequencedAtUnix > now) now = e.sequencedAtUnix;
    const keys = statementKeys(statements.map((s) => ({ signer: signerOf(state, s.keyId), statement: s.statement })));
    for (const id of await this.fold.prepare(now, this.reads)) keys.labels.add(id);
    await prefetch(state, keys, new StoredStateFetch(this.reads, () => this.reflects));

    const stats = this.fold.fork(now);
    const touched = new MapTouched();
    const withMap = this.last !== undefined && first + entries.length <= this.last + 1;
    let values: MapEntry[] | undefined;
    let rows: StateRowWrite[];
    state.begin();
    try {
      entries.forEach((e, i) => {
        stats.apply(state, e, first + i);
        if (!isCommitment(e)) touched.add(state, e.statement);
      });
      if (withMap) values = mapEntries(state, touched, defaultMapHasher);
      rows = [...batchRows(state, touched, statements, first), ...this.search.batchRows(statements), ...stats.rows()];
    } finally {
      // Applied again below through the fold itself, as the sequencer applies a committed batch.
      state.rollback();
    }
    entries.forEach((e, i) => {
      this.fold.apply(state, e, first + i);
      this.search.note(e);
    });
    if (!values) return { rows };

    const version = this.last!;
    const update = await computeUpdateAsync(
      storedMapAt(this.reads, defaultMapHasher, version),
      defaultMapHasher,
      values,
    );
    const end = entries[entries.length - 1]!;
    if (isCommitment(end)) {
      const index = state.size - 1;
      checkCommitmentCount(end.commitment, index);
      if (!bytesEqual(update.root, end.commitment.root))
        throw new IntegrityError(
          "map-commitment",
          `the map commitment at index ${index} does not match the map the entries before it give`,
          index,
        );
    }
    return { rows, ...mapStateWrite(version, update, values) };
  }

  /** The part derive() gave is written: its rows are what the next batch reads; the state lets records go. */
  written(): void {
    this.reflects = this.state.size;
    this.state.evict(this.cacheBytes);
  }
}
