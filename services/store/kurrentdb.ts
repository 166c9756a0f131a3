// The LogStore on KurrentDB (formerly EventStoreDB), for operators with a replicated cluster:
// quorum writes, leader election. Layout and revision arithmetic: kurrentdb-layout.ts; the design
// and its trade-offs: services/store/README.md.
//
// An append: (1) entries to P-entries in chunks under the maximum append size, each chunk at the
// entries stream's expected revision; (2) the commit marker (size, note, offsets) to
// P-checkpoints at that stream's expected revision: the compare-and-set, and the commit point;
// (3) the tiles, each to its own stream, then the tile watermark. A loser of (2) gets
// SizeConflictError and its entries stay an uncommitted tail that the next batch skips. A crash
// after (2) leaves tiles missing: readers and writers rebuild them from the entries.
import {
  ANY,
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  StreamNotFoundError,
  WrongExpectedVersionError,
  binaryEvent,
  type ResolvedEvent,
  type StreamSubscription,
} from "@kurrent/kurrentdb-client";
import { tileWidthInTree } from "../../log/tile.js";
import { checkBatch, checkCount, checkEntryRange, checkNote } from "./checks.js";
import { GrowthWaiters } from "./growth.js";
import {
  CHECKPOINT_EVENT,
  DEFAULT_MAX_APPEND_BYTES,
  ENTRY_EVENT,
  NO_STREAM,
  TILED_EVENT,
  TILE_EVENT,
  chunkBySize,
  decodeMarker,
  decodeTiled,
  encodeMarker,
  encodeTiled,
  expectedStateBefore,
  logStreams,
  nextRevision,
  nextRevisionAfter,
  offsetsAfterBatch,
  revisionRuns,
  type CheckpointMarker,
  type LogStreams,
  type Offsets,
} from "./kurrentdb-layout.js";
import {
  InvalidWriteError,
  SizeConflictError,
  StoreUnavailableError,
  type AppendBatch,
  type LogStore,
  type StoredCheckpoint,
  type TileWrite,
} from "./port.js";
import { rebuildTiles } from "./tile-rebuild.js";

export interface KurrentDbStoreOptions {
  /** e.g. kurrentdb://host1:2113,host2:2113,host3:2113?nodePreference=leader&tls=true */
  connectionString: string;
  /** Stream name prefix of this log (several logs can share a cluster). Default "labelreg". */
  prefix?: string;
  /** The server's MaxAppendSize; appends are chunked to stay under it. Default 1 MiB. */
  maxAppendBytes?: number;
  /** Deadline of each call. Default 5000 ms. */
  deadlineMillis?: number;
  /** Poll for growth this often while someone waits, in case the subscription dropped. Default 1000 ms. */
  pollIntervalMillis?: number;
  /** How long a reader lets a writer finish writing a batch's tiles before rebuilding them. Default 2000 ms. */
  tileGraceMillis?: number;
}

/** The latest checkpoint event: the log's head. */
interface Head {
  /** Revision of the marker in P-checkpoints; -1 for an empty log. */
  readonly revision: number;
  readonly marker: CheckpointMarker | undefined;
}

const EMPTY: Head = { revision: -1, marker: undefined };
const sizeOf = (h: Head) => h.marker?.size ?? 0;
const offsetsOf = (h: Head): Offsets => h.marker?.offsets ?? [];

/** What a client failure means for the port. */
export type KurrentFailure =
  | { kind: "conflict"; actualNext: number }
  | { kind: "not-found" }
  | { kind: "unavailable"; error: StoreUnavailableError };

/**
 * Classifies a client error: a wrong expected revision (another writer moved the stream; the
 * stream's next revision), a missing stream (an empty log), or anything else, which makes the
 * store unavailable (the outcome of a write is then unknown).
 */
export function classifyKurrentError(operation: string, err: unknown): KurrentFailure {
  if (err instanceof WrongExpectedVersionError) {
    try {
      return { kind: "conflict", actualNext: nextRevisionAfter(err.actualState) };
    } catch (e) {
      return {
        kind: "unavailable",
        error: new StoreUnavailableError(`kurrentdb store: ${operation}: ${(e as Error).message}`, { cause: err }),
      };
    }
  }
  if (err instanceof StreamNotFoundError) return { kind: "not-found" };
  if (err instanceof StoreUnavailableError) return { kind: "unavailable", error: err };
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return {
    kind: "unavailable",
    error: new StoreUnavailableError(`kurrentdb store: ${operation} failed: ${detail}`, { cause: err }),
  };
}

/** Port errors pass through; everything else becomes StoreUnavailableError. */
function portError(operation: string, err: unknown): Error {
  if (
    err instanceof SizeConflictError ||
    err instanceof InvalidWriteError ||
    err instanceof RangeError ||
    err instanceof StoreUnavailableError
  )
    return err;
  const f = classifyKurrentError(operation, err);
  return f.kind === "unavailable"
    ? f.error
    : new StoreUnavailableError(`kurrentdb store: ${operation}: unexpected ${f.kind}`, { cause: err });
}

/** Opens the log under `prefix`; rejects with StoreUnavailableError if the cluster cannot be reached. */
export async function openKurrentDbStore(options: KurrentDbStoreOptions): Promise<KurrentDbStore> {
  const streams = logStreams(options.prefix ?? "labelreg");
  const maxAppendBytes = options.maxAppendBytes ?? DEFAULT_MAX_APPEND_BYTES;
  if (!Number.isSafeInteger(maxAppendBytes) || maxAppendBytes < 128 * 1024) {
    throw new RangeError("kurrentdb store: maxAppendBytes must be at least 128 KiB (an entry is up to 64 KiB)");
  }
  let client: KurrentDBClient;
  try {
    client = KurrentDBClient.connectionString(options.connectionString);
  } catch (e) {
    throw new StoreUnavailableError(
      `kurrentdb store: bad connection string: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
  const store = new KurrentDbStore(client, streams, {
    maxAppendBytes,
    deadline: options.deadlineMillis ?? 5000,
    poll: options.pollIntervalMillis ?? 1000,
    grace: options.tileGraceMillis ?? 2000,
  });
  try {
    await store.latestCheckpoint();
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

interface Settings {
  readonly maxAppendBytes: number;
  readonly deadline: number;
  readonly poll: number;
  readonly grace: number;
}

export class KurrentDbStore implements LogStore {
  private readonly waiters = new GrowthWaiters();
  private known = -1;
  private subscription: StreamSubscription | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private lastPolledHead = -1;
  /** This instance's last view of the head; the compare-and-sets catch it being stale. */
  private cachedHead: Head | undefined;
  /** Size up to which this instance knows every tile is written. */
  private tiledKnown = 0;
  private repairing: Promise<void> | undefined;
  private closed = false;

  /** Use openKurrentDbStore. */
  constructor(
    private readonly client: KurrentDBClient,
    readonly streams: LogStreams,
    private readonly settings: Settings,
  ) {}

  async append(batch: AppendBatch): Promise<void> {
    this.checkOpen();
    const newSize = checkBatch(batch);
    // The state tables' layout is documented (kurrentdb-layout.ts) but not implemented here yet.
    if (batch.state !== undefined) throw new InvalidWriteError("the KurrentDB store keeps no state tables yet");
    try {
      let head = this.cachedHead ?? (await this.readHead());
      if (sizeOf(head) !== batch.expectedSize) {
        head = await this.readHead();
        if (sizeOf(head) !== batch.expectedSize) throw new SizeConflictError(batch.expectedSize, sizeOf(head));
      }
      const emptyLog = batch.entries.length === 0;
      // The empty log's checkpoint goes only into a log without any marker.
      if (emptyLog && head.marker) throw new SizeConflictError(batch.expectedSize, sizeOf(head));
      await this.ensureTiles(head);
      const firstRevision = await this.appendEntries(batch, head);
      const marker: CheckpointMarker = {
        size: newSize,
        note: batch.checkpoint.slice(),
        offsets: offsetsAfterBatch(offsetsOf(head), batch.expectedSize, firstRevision),
      };
      head = await this.appendMarker(head, marker, batch.expectedSize, !emptyLog);
      this.cachedHead = head;
    } catch (e) {
      this.cachedHead = undefined;
      throw portError("append", e);
    }
    // Committed. Tiles are derived data: if writing them fails, readers rebuild them.
    try {
      await this.writeTiles(batch.tiles, newSize);
    } catch {
      this.tiledKnown = Math.min(this.tiledKnown, batch.expectedSize);
    }
    this.observe(newSize);
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    this.checkOpen();
    const head = await this.guard("latestCheckpoint", () => this.readHead());
    return head.marker && { size: head.marker.size, note: head.marker.note.slice() };
  }

  async updateCheckpointNote(size: number, note: Uint8Array): Promise<boolean> {
    this.checkOpen();
    checkCount("size", size);
    checkNote(note);
    return this.guard("updateCheckpointNote", async () => {
      for (let attempt = 0; attempt < 3; attempt++) {
        const head = await this.readHead();
        if (!head.marker || head.marker.size !== size) return false;
        const marker = { ...head.marker, note: note.slice() };
        try {
          await this.client.appendToStream(this.streams.checkpoints, [this.markerEvent(marker)], {
            streamState: expectedStateBefore(head.revision + 1),
            deadline: this.settings.deadline,
          });
          this.cachedHead = { revision: head.revision + 1, marker };
          return true;
        } catch (e) {
          // Another update or an append moved the checkpoints stream: look again.
          if (classifyKurrentError("updateCheckpointNote", e).kind !== "conflict") throw e;
        }
      }
      return false;
    });
  }

  async readEntries(start: number, end: number): Promise<Uint8Array[]> {
    this.checkOpen();
    checkCount("start", start);
    checkCount("end", end);
    const head = await this.guard("readEntries", () => this.readHead());
    checkEntryRange(start, end, sizeOf(head));
    return this.guard("readEntries", () => this.readCommittedEntries(offsetsOf(head), start, end));
  }

  async readTile(level: number, index: number): Promise<TileWrite | undefined> {
    this.checkOpen();
    checkCount("level", level);
    checkCount("index", index);
    return this.guard("readTile", async () => {
      const stored = await this.readStoredTile(level, index);
      const head = this.cachedHead ?? (await this.readHead());
      // Only a tile the committed tree should hold wider, while the watermark is behind, is missing.
      if ((stored?.width ?? 0) >= tileWidthInTree(level, index, sizeOf(head))) return stored;
      if ((await this.readTiled()) >= sizeOf(head)) return stored;
      await this.waitForTiles(sizeOf(head));
      return this.readStoredTile(level, index);
    });
  }

  async waitForGrowth(size: number, signal?: AbortSignal): Promise<number> {
    this.checkOpen();
    checkCount("size", size);
    const waiting = this.waiters.wait(size, this.known, signal);
    if (this.waiters.pending > 0) {
      this.follow();
      void this.poll();
    }
    return waiting;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    const sub = this.subscription;
    this.subscription = undefined;
    await sub?.unsubscribe().catch(() => undefined);
    await this.client.dispose().catch(() => undefined);
    this.waiters.close(new StoreUnavailableError("kurrentdb store: closed"));
  }

  // ---- writing --------------------------------------------------------------------------------

  /**
   * Appends the batch's entries after the log's end, skipping an uncommitted tail if there is
   * one. Returns the revision of the first entry. SizeConflictError if the log moved meanwhile.
   */
  private async appendEntries(batch: AppendBatch, head: Head): Promise<number> {
    const chunks = chunkBySize(
      batch.entries.map((e) => e.length),
      this.settings.maxAppendBytes,
    );
    let first = nextRevision(batch.expectedSize, offsetsOf(head));
    for (let attempt = 0; ; attempt++) {
      let rev = first;
      try {
        for (const [a, b] of chunks) {
          const events = batch.entries.slice(a, b).map((e) => binaryEvent({ type: ENTRY_EVENT, data: e.slice() }));
          await this.client.appendToStream(this.streams.entries, events, {
            streamState: expectedStateBefore(rev),
            deadline: this.settings.deadline,
          });
          rev += b - a;
        }
        return first;
      } catch (e) {
        const f = classifyKurrentError("append entries", e);
        if (f.kind !== "conflict") throw f.kind === "unavailable" ? f.error : e;
        // Someone wrote entries after ours or before them. Only the marker decides who commits:
        // if the log has not moved, what we found is an uncommitted tail, and we go after it.
        const now = await this.readHead();
        if (sizeOf(now) !== batch.expectedSize) throw new SizeConflictError(batch.expectedSize, sizeOf(now));
        if (rev !== first || attempt >= 3 || f.actualNext < first) {
          // A writer interleaved with our chunks, or the stream is shorter than the log: give up.
          throw new SizeConflictError(batch.expectedSize, sizeOf(now));
        }
        first = f.actualNext;
      }
    }
  }

  /**
   * Appends the commit marker after `head`; retries over cosignature updates of the same size
   * when `retry` (never for the empty log's marker: one that appeared meanwhile is a lost race).
   */
  private async appendMarker(
    head: Head,
    marker: CheckpointMarker,
    expectedSize: number,
    retry: boolean,
  ): Promise<Head> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.appendToStream(this.streams.checkpoints, [this.markerEvent(marker)], {
          streamState: expectedStateBefore(head.revision + 1),
          deadline: this.settings.deadline,
        });
        return { revision: head.revision + 1, marker };
      } catch (e) {
        const f = classifyKurrentError("append checkpoint", e);
        if (f.kind !== "conflict") throw f.kind === "unavailable" ? f.error : e;
        head = await this.readHead();
        // A cosignature update at our size leaves our entries valid; anything else is a lost race.
        if (!retry || sizeOf(head) !== expectedSize || attempt >= 3)
          throw new SizeConflictError(expectedSize, sizeOf(head));
      }
    }
  }

  private markerEvent(marker: CheckpointMarker) {
    return binaryEvent({ type: CHECKPOINT_EVENT, data: encodeMarker(marker) });
  }

  /** Writes tiles (each to its own stream, concurrently), then the watermark `size`. */
  private async writeTiles(tiles: readonly TileWrite[], size: number): Promise<void> {
    await Promise.all(tiles.map((t) => this.widenTile(t)));
    await this.client.appendToStream(
      this.streams.tiled,
      [binaryEvent({ type: TILED_EVENT, data: encodeTiled(size) })],
      {
        streamState: ANY,
        deadline: this.settings.deadline,
      },
    );
    this.tiledKnown = Math.max(this.tiledKnown, size);
  }

  /**
   * Appends `t` to its tile stream if it is wider than the stream's last event, at that event's
   * revision (compare-and-set), so a tile stream only ever widens and its last event is the tile.
   */
  private async widenTile(t: TileWrite): Promise<void> {
    const stream = this.streams.tile(t.level, t.index);
    for (let attempt = 0; attempt < 5; attempt++) {
      const last = await this.lastEvent(stream);
      if (last && last.data.length >= t.data.length) return;
      try {
        await this.client.appendToStream(stream, [binaryEvent({ type: TILE_EVENT, data: t.data.slice() })], {
          streamState: last ? last.revision : NO_STREAM,
          deadline: this.settings.deadline,
        });
        return;
      } catch (e) {
        if (classifyKurrentError("write tile", e).kind !== "conflict") throw e;
      }
    }
    throw new StoreUnavailableError(`kurrentdb store: tile ${t.level}/${t.index} kept changing while being written`);
  }

  /** Before extending the log, its tiles must be complete (a writer may have died after its commit). */
  private async ensureTiles(head: Head): Promise<void> {
    if (this.tiledKnown >= sizeOf(head)) return;
    if ((await this.readTiled()) >= sizeOf(head)) return;
    await this.repair();
  }

  /** Waits up to the grace period for a writer to finish a batch's tiles, then rebuilds them. */
  private async waitForTiles(size: number): Promise<void> {
    const deadline = Date.now() + this.settings.grace;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      if ((await this.readTiled()) >= size) return;
    }
    await this.repair();
  }

  /** Rebuilds the tiles between the watermark and the head from the entries (one repair at a time). */
  private repair(): Promise<void> {
    this.repairing ??= (async () => {
      const head = await this.readHead();
      const from = await this.readTiled();
      if (!head.marker || from >= head.marker.size) return;
      const offsets = head.marker.offsets;
      const tiles = await rebuildTiles({
        fromSize: from,
        toSize: head.marker.size,
        note: head.marker.note,
        fetchTile: async (level, index, width) => {
          const t = await this.readStoredTile(level, index);
          if (!t || t.width < width)
            throw new StoreUnavailableError(`kurrentdb store: tile ${level}/${index} below the watermark is missing`);
          return t.data.subarray(0, width * 32);
        },
        readEntries: (start, end) => this.readCommittedEntries(offsets, start, end),
      });
      await this.writeTiles(tiles, head.marker.size);
    })().finally(() => {
      this.repairing = undefined;
    });
    return this.repairing;
  }

  // ---- reading --------------------------------------------------------------------------------

  private async readHead(): Promise<Head> {
    const last = await this.lastEvent(this.streams.checkpoints);
    if (!last) return EMPTY;
    return { revision: Number(last.revision), marker: decodeMarker(last.data) };
  }

  private async readTiled(): Promise<number> {
    const last = await this.lastEvent(this.streams.tiled);
    const size = last ? decodeTiled(last.data) : 0;
    this.tiledKnown = Math.max(this.tiledKnown, size);
    return size;
  }

  /** The tile stream's last event: the widest version (see widenTile). */
  private async readStoredTile(level: number, index: number): Promise<TileWrite | undefined> {
    const last = await this.lastEvent(this.streams.tile(level, index));
    if (!last) return undefined;
    const width = last.data.length / 32;
    if (!Number.isInteger(width) || width < 1 || width > 256)
      throw new StoreUnavailableError(`kurrentdb store: tile ${level}/${index} has ${last.data.length} bytes`);
    return { level, index, width, data: last.data.slice() };
  }

  private async readCommittedEntries(offsets: Offsets, start: number, end: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    for (const run of revisionRuns(offsets, start, end)) {
      const events = await this.readEvents(this.streams.entries, {
        direction: FORWARDS,
        fromRevision: BigInt(run.fromRevision),
        maxCount: run.count,
      });
      events.forEach((e, i) => {
        if (Number(e.revision) !== run.fromRevision + i)
          throw new StoreUnavailableError(`kurrentdb store: entry ${run.start + i} is not at its revision`);
      });
      if (events.length !== run.count)
        throw new StoreUnavailableError(`kurrentdb store: entries ${run.start}.. are missing from the stream`);
      for (const e of events) out.push(e.data.slice());
    }
    return out;
  }

  private async lastEvent(stream: string): Promise<{ revision: bigint; data: Uint8Array } | undefined> {
    return (await this.readEvents(stream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }))[0];
  }

  /** Events of a stream (none if it does not exist), as (revision, data). */
  private async readEvents(
    stream: string,
    options: { direction: typeof FORWARDS | typeof BACKWARDS; fromRevision: bigint | typeof END; maxCount: number },
  ): Promise<{ revision: bigint; data: Uint8Array }[]> {
    const out: { revision: bigint; data: Uint8Array }[] = [];
    try {
      for await (const resolved of this.client.readStream(stream, { ...options, deadline: this.settings.deadline })) {
        const e = (resolved as ResolvedEvent).event;
        if (e && e.data instanceof Uint8Array) out.push({ revision: e.revision, data: e.data });
      }
    } catch (err) {
      if (classifyKurrentError("read", err).kind === "not-found") return [];
      throw err;
    }
    return out;
  }

  // ---- following ------------------------------------------------------------------------------

  private observe(size: number): void {
    if (size <= this.known) return;
    this.known = size;
    this.waiters.notify(size);
  }

  /** A catch-up subscription to the watermark stream (new sizes with their tiles), plus a poll. */
  private follow(): void {
    if (this.closed) return;
    if (this.subscription === undefined) this.subscribe();
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      if (this.waiters.pending === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
        return;
      }
      if (this.subscription === undefined) this.subscribe();
      void this.poll();
    }, this.settings.poll);
  }

  private subscribe(): void {
    const sub = this.client.subscribeToStream(this.streams.tiled, { fromRevision: END });
    this.subscription = sub;
    const drop = () => {
      if (this.subscription === sub) this.subscription = undefined;
    };
    sub.on("data", (resolved: ResolvedEvent) => {
      const data = resolved.event?.data;
      if (!(data instanceof Uint8Array)) return;
      try {
        this.observe(decodeTiled(data));
      } catch {
        // Not ours; the poll still sees the head.
      }
    });
    sub.on("error", drop);
    sub.on("end", drop);
  }

  /**
   * The watermark, or the head once it has stayed ahead of the watermark for a whole poll interval
   * (its writer died before writing tiles; a reader will rebuild them).
   */
  private async poll(): Promise<void> {
    try {
      const [head, tiled] = await Promise.all([this.readHead(), this.readTiled()]);
      const size = sizeOf(head);
      if (tiled >= size || size === this.lastPolledHead) this.observe(size);
      else this.observe(tiled);
      this.lastPolledHead = size;
    } catch {
      // Unreachable for now; the next poll tries again.
    }
  }

  private checkOpen(): void {
    if (this.closed) throw new StoreUnavailableError("kurrentdb store: closed");
  }

  private async guard<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    this.checkOpen();
    try {
      return await fn();
    } catch (e) {
      throw portError(operation, e);
    }
  }
}
