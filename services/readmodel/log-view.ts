// The committed log as one process sees it: the projected state, the tree's right edge and the
// latest checkpoint, kept equal to a prefix of the store. `catchUp` extends it from the store;
// the sequencer extends it after each commit; read replicas only ever catch up. The state map
// (state-map.ts) sits beside the projections: catching up checks every commitment entry it passes,
// against the root the stored map gives at its version, or (a map kept in memory) against the root
// it reaches rebuilding the map.
//
// Over a store that keeps state tables in step with the log, the view opens without replaying
// the log: its state is partial (services/domain/state.ts), holding the issuers, keys and
// catalogue whole and the labels, products, manufacturers and request ids that the sequencer
// loads for its batches (loadFor), between batches as many as fit its budget in bytes (serve
// --state-cache-mb); reads take the rest from the store (view-records.ts); the statistics and the
// search index are loaded from their rows.
// Start-up checks what it trusts: the checkpoint's signature, the stored right edge against the
// signed root, the newest commitment entry against the stored map's root, and (the sequencing
// process, before: services/integrity/state-start-up.ts) the newest batch's rows. Checking every
// entry is the auditor's and fsck's work, which replay the log.
import { fromUtf8, utf8 } from "../../log/bytes.js";
import { parseCheckpoint } from "../../log/checkpoint.js";
import { parseSignedNote, type NoteVerifier } from "../../log/note.js";
import { TileCache, TileHashReader } from "../../log/tile-reader.js";
import { TILE_WIDTH, type TileFetcher } from "../../log/tile.js";
import { emptyTreeState, loadTreeState, type TreeState } from "../../log/tree-state.js";
import type { SequencedStatement } from "../domain/apply.js";
import type { CommitmentEntry } from "../domain/decode.js";
import { isCommitment } from "../domain/decode.js";
import { decodeLogEntryFast } from "../domain/entry-wire.js";
import { defaultMapHasher } from "../../log/map/index.js";
import { DEFAULT_KEPT_MAP_VERSIONS, StateMap } from "./state-map.js";
import { DEFAULT_MAP_CACHE_BYTES, StoredMapStorage } from "./stored-map.js";
import { SearchIndex } from "../reads/search-index.js";
import { StatsFold } from "../stats/fold.js";
import { apply, signerOf } from "../domain/apply.js";
import { NotLoadedError } from "../domain/journal.js";
import { prefetch, statementKeys } from "../domain/batch-keys.js";
import { decodeCategoryRow, decodeIssuerKeyRow, decodeIssuerRow, decodeRow } from "../domain/rows.js";
import { productKey, RegistryState, requestKey, type Signer } from "../domain/state.js";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { StateSizeError, StoredStateFetch } from "../store/state-fetch.js";
import { MAX_STATE_READ, type StateTable, type StateTables } from "../store/state.js";
import { viewRecords, type Records } from "./view-records.js";
import { isViolation } from "../domain/violation.js";
import { verifyStoredCheckpoint } from "../integrity/checkpoint-check.js";
import { IntegrityError } from "../integrity/integrity-error.js";
import { checkCommitment, checkStoredCommitment } from "../integrity/map-check.js";
import { TreeCheck } from "../integrity/tree-check.js";
import type { LogStore, StoredCheckpoint } from "../store/port.js";

/** Tile cache of a registry: enough for the whole tree of ~8 million entries. */
export const DEFAULT_TILE_CACHE_BYTES = 512 * 1024 * 1024;

/** Entries read per store call while catching up. */
const CATCH_UP_CHUNK = 4096;

/**
 * The heap a partial state's labels, products, manufacturers and request ids may take between
 * batches, by RegistryState.cachedBytes (serve --state-cache-mb): the batches' working set, so
 * that a label changed again soon is not read again. Tens of thousands of labels with their
 * products and request ids as the store's rows decode them, more as the sequencer builds them.
 * Reads share it (they load what fits and never evict), so it is sized for their hot labels too:
 * at half this, bench:scale's hot set of labels no longer fit and GetLabel fell by a third.
 */
export const DEFAULT_STATE_CACHE_BYTES = 256 * 1024 * 1024;

/** Tries at opening from the state tables while another process appends. */
const IN_STEP_ATTEMPTS = 20;

/** Tries at loading the statistics while the store is ahead of the view, and the wait for the view between. */
const STATS_LOAD_ATTEMPTS = 5;
const STATS_WAIT_MS = 200;

export class LogView {
  /**
   * The projections: labels, products, issuers, catalogue, request ids. Committed state only.
   * Partial over a store with state tables (see the top of this file): read what it does not
   * hold through records(), never by loading it.
   */
  get state(): RegistryState {
    return this.current;
  }
  private current: RegistryState;
  /** The state map, as of the newest commitment entry applied (chosen by the first catch-up: chooseMap()). */
  get map(): StateMap {
    return this.stateMap;
  }
  private stateMap = new StateMap();
  private mapChosen = false;
  /** The map's storage when the store keeps it. */
  private storedMap: StoredMapStorage | undefined;
  /**
   * The statistics (services/stats/), folded from the same entries as the projections. A
   * partial state's are loaded from the store: after a catch-up passed entries, until
   * currentStats() loads them again, reading them throws.
   */
  get stats(): StatsFold {
    if (this.statsStale)
      throw new Error("log view: the statistics are not loaded since the last catch-up (currentStats)");
    return this.fold;
  }
  private fold = new StatsFold();
  private statsStale = false;
  /** Set while a catch-up passes a batch that touched map keys a partial state could not name. */
  private touchedUnknown = false;
  /** Whether the first catch-up has opened the view (from the state tables, or by replaying the log). */
  private opened = false;
  /**
   * What SearchLabels needs beyond the projections: manufacturers by name, products by model.
   * Fed by every entry applied from the first, or replaced by one loaded from the store's state
   * tables at the state's size (SearchIndex.load), which the entries applied after then keep up.
   */
  search = new SearchIndex();
  /** Right edge of the tree of size `tree.size` (== state.size). */
  tree: TreeState;
  /** The latest signed checkpoint note (text), "" for an empty log. */
  checkpoint = "";
  /** Sequencing time of the newest entry: the next must not be earlier. */
  lastSequencedAt = 0n;
  readonly tileCache: TileCache;
  /** Set when a catch-up failed after applying part of its entries; every later one rethrows it. */
  private failure: IntegrityError | undefined;
  /**
   * Set when a read failed during a catch-up that had applied entries past the tree: its tree
   * check, and the entries it had checked but not applied. The next catch-up goes on from them.
   */
  private unfinished:
    | { readonly check: TreeCheck; readonly rest: readonly (SequencedStatement | CommitmentEntry)[] }
    | undefined;
  private readonly listeners = new Set<(size: number) => void>();

  constructor(
    readonly store: LogStore,
    authorityPublicKey: Uint8Array,
    // Proofs for random old entries touch a cold tile each (255 hashes to warm it), so the cache
    // must hold the tree's tiles: about 64 bytes per entry once hashed up (bench:log, bench:verify).
    tileCacheBytes = DEFAULT_TILE_CACHE_BYTES,
    /**
     * The log's key: every checkpoint read from the store must carry its signature. Without it
     * (tests of the view alone) the note is only parsed.
     */
    private readonly logVerifier?: NoteVerifier,
    /** The stored map's node cache (serve --map-cache-mb). */
    private readonly mapCacheBytes = DEFAULT_MAP_CACHE_BYTES,
    /** The heap a partial state's records may take between batches (serve --state-cache-mb). */
    private readonly stateCacheBytes = DEFAULT_STATE_CACHE_BYTES,
  ) {
    this.current = new RegistryState(authorityPublicKey);
    this.tree = emptyTreeState();
    this.tileCache = new TileCache(tileCacheBytes);
  }

  get size(): number {
    return this.tree.size;
  }

  /**
   * Brings the view up to the store's latest checkpoint: checks its signature, checks every new
   * entry against the stored tiles and the signed root by recomputing the tree from the entries
   * (services/integrity/tree-check.ts), and only then applies them to the projections. A store
   * that disagrees throws IntegrityError, naming the entry where it can. Rules are not rechecked
   * (this process or its peers sequenced the entries after check()); the auditor does that.
   */
  async catchUp(): Promise<number> {
    if (this.failure) throw this.failure;
    if (!this.mapChosen) await this.chooseMap();
    if (!this.opened) {
      // A failed open leaves the view unopened: the next catch-up tries again.
      const open = this.storedMap !== undefined && (await this.openFromTables());
      this.opened = true;
      if (open) return this.size;
    }
    const latest = await this.store.latestCheckpoint();
    if (!latest || latest.size <= this.size) {
      if (latest && latest.size === this.size) {
        const note = fromUtf8(latest.note);
        if (note !== this.checkpoint) this.checkpoint = this.checkedNote(latest, note);
      }
      return this.size;
    }
    const initial = this.size === 0;
    const note = this.checkedNote(latest, fromUtf8(latest.note));
    const cp = parseCheckpoint(parseSignedNote(note).text);
    // The stored right edge must give the signed root before anything is applied; the check
    // below then holds every tile (the edge too) to the entries, so the entries give that root.
    await this.storedTree(latest.size, cp.root);
    // A catch-up that a failed read stopped after it had applied entries goes on where it stopped:
    // the entries it applied are past the tree, and applying them again would count them twice.
    const resumed = this.unfinished;
    this.unfinished = undefined;
    const check = resumed?.check ?? new TreeCheck(this.tree, this.store);
    /** Entries the tree check vouched for and not yet applied; `next` is the first's index. */
    let rest = resumed?.rest ?? [];
    let next = check.state.size - rest.length;
    const partial = this.state.partial;
    try {
      while (next < latest.size) {
        if (rest.length === 0) {
          const start = check.state.size;
          const entries = await this.store.readEntries(start, Math.min(latest.size, start + CATCH_UP_CHUNK));
          // Checked before applied: an entry the tree does not vouch for never reaches the state.
          await check.extend(entries);
          rest = entries.map((bytes, i) => {
            const e = decodeLogEntryFast(bytes);
            if (isViolation(e))
              throw new IntegrityError("bad-entry", `entry ${start + i} does not decode: ${e.message}`, start + i);
            return e;
          });
        }
        // Read before the chunk is applied: no read of the store between its entries but the
        // commitments' checks, each made before its entry is applied (a failed one applies nothing).
        const revoked = partial
          ? await revokedProducts(this.state, rest, this.store.state!, check.state.size)
          : undefined;
        let applied = 0;
        try {
          for (const e of rest) {
            const index = next;
            // A mismatch stops everything (start-up, a replica following): the log and the
            // state it claims disagree. A map in the store is not recomputed: its root is checked.
            if (isCommitment(e) && this.storedMap)
              await checkStoredCommitment(
                this.map,
                e.commitment,
                e.sequencedAtUnix,
                index,
                this.storedMap.oldest,
                // Only the newest commitment of a catch-up warms the node cache: one that walked
                // every passed batch's paths fell behind a busy writer. Nor one whose batch
                // touched keys a partial state cannot name: the cache is cleared instead.
                index + 1 >= latest.size && !this.touchedUnknown,
              );
            if (revoked) this.passEntry(e, index, revoked);
            else this.applyEntry(e, index);
            if (!isCommitment(e)) {
              if (!partial) this.map.note(this.state, e.statement);
            } else if (!this.storedMap) checkCommitment(this.map, this.state, e.commitment, e.sequencedAtUnix, index);
            if (isCommitment(e)) this.touchedUnknown = false;
            if (e.sequencedAtUnix > this.lastSequencedAt) this.lastSequencedAt = e.sequencedAtUnix;
            next++;
            applied++;
          }
        } finally {
          rest = rest.slice(applied);
          if (partial) this.state.evict(this.stateCacheBytes);
        }
      }
    } catch (e) {
      if (next > this.size) {
        // Entries past the tree are applied. After a failed read the next catch-up goes on from
        // the first entry not applied; after a mismatch this view can never catch up again.
        if (e instanceof IntegrityError) this.failure = e;
        else this.unfinished = { check, rest };
      }
      throw e;
    }
    check.expectRoot(latest.size, cp.root, `the checkpoint of size ${latest.size}`);
    this.tree = check.state;
    this.checkpoint = note;
    // The first catch-up (a process starting on an existing log) warms the tiles before anyone
    // reads: warmed in the background under load, every request for an old entry paid for a
    // cold tile until the warming reached it, for tens of seconds at 10^6 entries (bench:verify).
    // About 1.4 µs per entry, a few per cent of the replay above.
    if (initial) await this.warmTiles(undefined, false);
    // From here on, each version another process writes is read into the map's node cache.
    if (this.storedMap) this.storedMap.warmOnPass = true;
    this.notify();
    return this.size;
  }

  /**
   * Where the state map lives: in the store when it keeps state tables in step with the log (then
   * start-up and catch-up check each kept commitment's root against the stored map instead of
   * recomputing the map), else in memory, rebuilt by replaying the log (a store without state
   * tables, or whose tables need a rebuild).
   */
  private async chooseMap(): Promise<void> {
    const tables = this.store.state;
    this.mapChosen = true;
    if (!tables) return;
    const status = await tables.status();
    if (status.rebuildNeeded) {
      console.error(
        JSON.stringify({
          level: "warn",
          msg: "labelreg: the store's state tables need a rebuild; the state map is rebuilt in memory from the log",
        }),
      );
      return;
    }
    const storage = new StoredMapStorage(tables, defaultMapHasher, this.mapCacheBytes, status.mapFloor);
    this.storedMap = storage;
    this.stateMap = new StateMap(DEFAULT_KEPT_MAP_VERSIONS, storage, {
      readEntry: async (i) => (await this.store.readEntries(i, i + 1))[0],
      oldest: () => storage.oldest,
    });
    // The newest commitment is known from its entry, whatever the catch-up then replays.
    await this.stateMap.resume((await this.store.latestCheckpoint())?.size ?? 0);
  }

  /**
   * Opens the view at the store's latest checkpoint from its state tables, without reading the
   * log (see the top of this file). False, with nothing changed, when the log's newest entry is
   * not a map commitment (a log sequenced without commitments): the caller replays it. Another
   * process appending meanwhile makes the tables' size move: the open starts again.
   */
  private async openFromTables(): Promise<boolean> {
    const tables = this.store.state!;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.openAt(tables);
      } catch (e) {
        if (!(e instanceof StateSizeError) || attempt >= IN_STEP_ATTEMPTS) throw e;
      }
    }
  }

  private async openAt(tables: StateTables): Promise<boolean> {
    const latest = await this.store.latestCheckpoint();
    const size = latest?.size ?? 0;
    let tree = emptyTreeState();
    let note = "";
    let lastSequencedAt = 0n;
    if (latest) note = this.checkedNote(latest, fromUtf8(latest.note));
    if (size > 0) {
      tree = await this.storedTree(size, parseCheckpoint(parseSignedNote(note).text).root);
      const last = (await this.store.readEntries(size - 1, size))[0]!;
      const e = decodeLogEntryFast(last);
      if (isViolation(e))
        throw new IntegrityError("bad-entry", `entry ${size - 1} does not decode: ${e.message}`, size - 1);
      if (!isCommitment(e)) return false;
      await this.stateMap.resume(size);
      await checkStoredCommitment(this.map, e.commitment, e.sequencedAtUnix, size - 1, this.storedMap!.oldest, true);
      lastSequencedAt = e.sequencedAtUnix;
    }
    const state = new RegistryState(this.current.authorityPublicKey, { partial: true, size });
    await scanWhole(tables, "issuer", size, (v) => {
      const r = decodeRow("issuer", () => decodeIssuerRow(v));
      state.issuers.set(r.issuerId, r);
    });
    await scanWhole(tables, "issuerKey", size, (v) => {
      const r = decodeRow("issuerKey", () => decodeIssuerKeyRow(v));
      state.keys.set(r.keyIdHex, r);
    });
    await scanWhole(tables, "category", size, (v) => {
      const r = decodeRow("category", () => decodeCategoryRow(v));
      state.categories.set(r.categoryId, r);
    });
    const [fold, search] = await Promise.all([StatsFold.load(tables, size), SearchIndex.load(tables, size)]);
    this.current = state;
    this.fold = fold;
    this.statsStale = false;
    this.search = search;
    this.tree = tree;
    this.checkpoint = note;
    this.lastSequencedAt = lastSequencedAt;
    // Served at once: the server warms the tiles in the background (a log of 10^7 entries has
    // seconds of them to hash up), and proofs load what they need meanwhile.
    if (this.storedMap) this.storedMap.warmOnPass = true;
    this.notify();
    return true;
  }

  /**
   * A catch-up's entry, past a partial state: it cannot apply a label statement (it may not hold
   * the label, its product, its request id), so it forgets the records the statement changes,
   * and applies the others (they change only the tables it holds whole, and a request id). The
   * statistics are loaded again when next read.
   */
  private passEntry(
    e: SequencedStatement | CommitmentEntry,
    index: number,
    revoked: ReadonlyMap<string, string>,
  ): void {
    if (isCommitment(e)) this.state.advance();
    else if (e.statement.kind?.$case.startsWith("label")) {
      // The map keys it touched, for the node cache, while the state still holds the label.
      try {
        this.map.note(this.state, e.statement);
      } catch (err) {
        if (!(err instanceof NotLoadedError)) throw err;
        this.touchedUnknown = true;
      }
      forgetChanged(this.state, e, revoked);
      this.state.advance();
    } else {
      apply(this.state, e, index);
      this.map.note(this.state, e.statement);
    }
    this.search.note(e);
    this.statsStale = true;
  }

  /**
   * The statistics as of the view's size: a partial state's are loaded again after a catch-up
   * passed entries. A store that has moved on meanwhile is waited for: the view's one writer
   * (its follower, or its sequencer) brings the view to it, never a reader.
   */
  async currentStats(): Promise<StatsFold> {
    for (let attempt = 1; this.statsStale; attempt++) {
      const size = this.size;
      try {
        const fold = await StatsFold.load(this.store.state!, size);
        if (this.size === size) {
          this.fold = fold;
          this.statsStale = false;
        }
      } catch (e) {
        if (!(e instanceof StateSizeError) || e.actual < size || attempt >= STATS_LOAD_ATTEMPTS) throw e;
        await this.advancedPast(size, STATS_WAIT_MS);
      }
    }
    return this.fold;
  }

  /**
   * Loads into a partial state what sequencing `items` at `now` reads: their records and those
   * they name (batch-keys.ts), and the labels whose validity starts or ends by `now` (the
   * statistics count them). Between batches only. A complete state needs nothing.
   */
  async loadFor(
    items: Iterable<{ readonly signer: Signer; readonly statement: Statement }>,
    now: bigint,
  ): Promise<void> {
    if (!this.state.partial) return;
    const tables = this.store.state!;
    const stats = await this.currentStats();
    const keys = statementKeys(items);
    for (const id of await stats.prepare(now, tables)) keys.labels.add(id);
    const state = this.state;
    await prefetch(state, keys, new StoredStateFetch(tables, () => state.size));
  }

  /**
   * Labels, products and manufacturers for reads: as the state holds them, or read from the
   * store, as of the view's size when called or later (view-records.ts).
   */
  records(): Records {
    return viewRecords(this.state, this.store.state, this.stateCacheBytes);
  }

  /** The latest checkpoint's note, verified under the log key when the view has it. */
  private checkedNote(latest: StoredCheckpoint, note: string): string {
    if (this.logVerifier) verifyStoredCheckpoint(latest, this.logVerifier);
    else if (parseCheckpoint(parseSignedNote(note).text).size !== latest.size)
      throw new IntegrityError("checkpoint-signature", `the checkpoint note's size is not the store's ${latest.size}`);
    return note;
  }

  /** The tree's right edge from the stored tiles, which must give the signed `root`. */
  private async storedTree(size: number, root: Uint8Array): Promise<TreeState> {
    try {
      return await loadTreeState(size, this.storeFetcher(), { expectedRoot: root });
    } catch (e) {
      throw new IntegrityError(
        "root-mismatch",
        `the stored tiles of size ${size} do not give the signed checkpoint's root: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  /**
   * Loads and hashes up the full level-0 tiles, newest first, while the cache has room for them
   * (at most three quarters of it), so that proofs for old entries do not each pay for a cold tile
   * (255 hashes) after a restart. In the background (the default) it yields one tile per
   * event-loop turn; either way it stops at the first error: it is an optimisation, never a
   * source of truth. Tiles already warm cost a map lookup each.
   */
  async warmTiles(signal?: AbortSignal, background = true): Promise<number> {
    const fullTiles = Math.floor(this.size / TILE_WIDTH);
    const budget = this.tileCache.maxBytes * 0.75;
    let warmed = 0;
    try {
      for (let t = fullTiles - 1; t >= 0 && !signal?.aborted && this.tileCache.bytes < budget; t--) {
        // A level-7 hash inside tile t makes the reader hash up all of its levels once.
        await this.hashReader().readHashes([{ level: 7, index: 2 * t }]);
        warmed++;
        if (background) await new Promise<void>((r) => setImmediate(r));
      }
    } catch {
      // Proofs will load what they need on demand.
    }
    return warmed;
  }

  /**
   * Applies a committed entry to the projections, the statistics and the search index: the one
   * way entries reach them, after catching up and after this process's own commits.
   */
  applyEntry(entry: SequencedStatement | CommitmentEntry, index: number): void {
    this.stats.apply(this.state, entry, index);
    this.search.note(entry);
  }

  /**
   * Records a commit made by this process: the state was already applied by the caller. A
   * partial state then lets its oldest records go, down to the cache's budget.
   */
  advance(tree: TreeState, checkpoint: string, lastSequencedAt: bigint): void {
    this.tree = tree;
    this.checkpoint = checkpoint;
    if (lastSequencedAt > this.lastSequencedAt) this.lastSequencedAt = lastSequencedAt;
    if (this.state.partial) this.state.evict(this.stateCacheBytes);
    this.notify();
  }

  /**
   * Set when witnesses are configured (services/sequencer/witnessing.ts): after each commit the
   * sequencer awaits it before answering, and hands out the note it resolves to. Never rejects.
   */
  cosign: ((c: { tree: TreeState; checkpoint: string }) => Promise<string>) | undefined;

  /**
   * Set by witnessing while the latest checkpoint lacks the cosignatures its policy requires: the
   * newest earlier checkpoint that has them, with its tree, so public reads can answer from it
   * (services/reads/snapshot.ts). Undefined when the latest meets the policy, or none ever did.
   */
  witnessed: { readonly tree: TreeState; readonly checkpoint: string } | undefined;

  /** Replaces the latest checkpoint note by a cosigned one of the same size. */
  setCheckpointNote(note: string): void {
    this.checkpoint = note;
  }

  /** Calls `fn` with the new size after every advance; returns the unsubscribe function. */
  onAdvance(fn: (size: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Resolves once the view is larger than `size`, or after `ms`. */
  advancedPast(size: number, ms: number): Promise<void> {
    if (this.size > size) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        off();
        clearTimeout(timer);
        resolve();
      };
      const off = this.onAdvance((n) => {
        if (n > size) done();
      });
      const timer = setTimeout(done, ms);
      timer.unref();
    });
  }

  private notify(): void {
    for (const l of this.listeners) l(this.size);
  }

  /** Tile bytes from the store, cut to the width asked for (stores keep the widest version). */
  storeFetcher(): TileFetcher {
    return async (level, index, width) => {
      const t = await this.store.readTile(level, index);
      if (!t || t.width < width) throw new Error(`store: tile ${level}/${index} of width ${width} is missing`);
      return t.width === width ? t.data : t.data.subarray(0, width * 32);
    };
  }

  /**
   * A hash reader for the tree of `tree.size`: partial tiles of the right edge from memory, full
   * tiles from the shared cache or the store.
   */
  hashReader(tree: TreeState = this.tree): TileHashReader {
    // One reader per tree state, shared by every read at that size: proofs from one reader reuse
    // the right-edge hashes they have combined (log/prove.ts), and its edge tiles stay loaded.
    if (this.lastReader?.tree === tree) return this.lastReader.reader;
    const reader = this.newHashReader(tree);
    this.lastReader = { tree, reader };
    return reader;
  }

  private lastReader: { tree: TreeState; reader: TileHashReader } | undefined;

  private newHashReader(tree: TreeState): TileHashReader {
    const store = this.storeFetcher();
    const fetch: TileFetcher = (level, index, width) => {
      const edge = tree.edge[level];
      if (
        edge &&
        width < TILE_WIDTH &&
        index === Math.floor(tree.size / TILE_WIDTH ** (level + 1)) &&
        edge.length >= width * 32
      ) {
        return Promise.resolve(edge.subarray(0, width * 32));
      }
      return store(level, index, width);
    };
    return new TileHashReader(tree.size, fetch, { cache: this.tileCache });
  }
}

/** The checkpoint note as stored bytes. */
export function noteBytes(note: string): Uint8Array {
  return utf8(note);
}

/** Reads every row of `table` (a small one: issuers, keys, catalogue) as of `size`. */
async function scanWhole(
  tables: StateTables,
  table: StateTable,
  size: number,
  each: (value: Uint8Array) => void,
): Promise<void> {
  for (let after: Uint8Array | undefined; ; ) {
    const page = await tables.scanState(table, after, MAX_STATE_READ);
    if (page.size !== size) throw new StateSizeError(size, page.size);
    for (const row of page.rows) each(row.value);
    if (page.rows.length < MAX_STATE_READ) return;
    after = page.rows[page.rows.length - 1]!.key;
  }
}

/**
 * The product of each label that `entries` revoke, for forgetChanged: taken before the chunk is
 * applied (an earlier entry of the chunk may forget the label), from the label when the state
 * holds it, else from its row, all in one read of the tables at `size` (the chunk's end) or later.
 */
async function revokedProducts(
  state: RegistryState,
  entries: readonly (SequencedStatement | CommitmentEntry)[],
  tables: StateTables,
  size: number,
): Promise<Map<string, string>> {
  const products = new Map<string, string>();
  const unheld = new Set<string>();
  for (const e of entries) {
    if (isCommitment(e) || e.statement.kind?.$case !== "labelRevoked") continue;
    const id = e.statement.labelId;
    const held = state.labels.isLoaded(id) ? state.labels.get(id) : undefined;
    if (held) products.set(id, held.productKey);
    else unheld.add(id);
  }
  if (unheld.size === 0) return products;
  const ids = [...unheld];
  const keys = await new StoredStateFetch(tables, () => size, true).labelProducts(ids);
  keys.forEach((key, i) => {
    if (key !== undefined) products.set(ids[i]!, key);
  });
  return products;
}

/**
 * Forgets what a label statement changes in a partial state: the label, its request id, and its
 * product's records (an issuance names its product and manufacturer; a revocation's product is
 * the label's, held by the state or found in `revoked`: revokedProducts).
 */
function forgetChanged(state: RegistryState, e: SequencedStatement, revoked: ReadonlyMap<string, string>): void {
  const s = e.statement;
  state.requests.forget(requestKey(signerOf(state, e.keyId), s.requestId));
  const forgetProduct = (key: string) => {
    state.productLabels.forget(key);
    state.liveByProduct.forget(key);
  };
  if (s.kind?.$case === "labelIssued") {
    const code = s.kind.value.manufacturer?.registrationCode ?? "";
    forgetProduct(productKey(code, s.kind.value.productModel));
    state.manufacturerProducts.forget(code);
  } else if (s.kind?.$case === "labelRevoked") {
    const held = state.labels.isLoaded(s.labelId) ? state.labels.get(s.labelId) : undefined;
    const product = held?.productKey ?? revoked.get(s.labelId);
    if (product !== undefined) forgetProduct(product);
    else {
      // The tables are in step with the log, so a revoked label's row is there; a store that lost
      // it must not leave a product held as if its label were live: forget them all.
      state.productLabels.evictTo(0);
      state.liveByProduct.evictTo(0);
    }
  }
  state.labels.forget(s.labelId);
}
