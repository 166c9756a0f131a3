// The embedded LogStore on SQLite (better-sqlite3 12), the registry's default: one file under the
// data directory, WAL with synchronous=FULL, so a commit is one fsync of the WAL and survives a
// crash of the process or the machine once append() resolves.
//
// Every append is one BEGIN IMMEDIATE transaction: it takes SQLite's write lock first, then reads
// the tree size and compares it with the expected one, so the compare-and-set holds against other
// processes sharing the file as well as against this one. Appends run on a worker thread with
// its own connection (sqlite-writer.ts), so a commit's fsync does not block the event loop;
// reads run on this thread's connection.
import Database from "better-sqlite3";
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { checkBatch, checkBatchState, checkCount, checkEntryRange, checkNote } from "./checks.js";
import { GrowthWaiters } from "./growth.js";
import { guarded } from "./sqlite-errors.js";
import { SqliteStateTables } from "./sqlite-state.js";
import { SqliteWriter } from "./sqlite-writer.js";
import {
  sqliteMigrationFrom1,
  sqliteMigrationFrom3,
  sqliteMigrationTo5,
  sqliteMigrationTo6,
  sqliteSchema,
  SQLITE_SCHEMA_VERSION,
} from "./sqlite-schema.js";
import {
  StoreUnavailableError,
  type AppendBatch,
  type LogStore,
  type StoredCheckpoint,
  type TileWrite,
} from "./port.js";

/** The database file's name inside the data directory. */
export const SQLITE_FILE = "log.sqlite";

export interface SqliteStoreOptions {
  /** The data directory; created with mode 0700 if missing. */
  readonly dir: string;
  /**
   * How often a store with pending waitForGrowth calls checks for commits by other processes
   * (PRAGMA data_version, a few microseconds). Stores in this process are told at once. Default 5 ms.
   */
  readonly pollIntervalMs?: number;
  /**
   * How long a write waits for another process's write transaction before failing with
   * StoreUnavailableError. It blocks this process's event loop meanwhile, as better-sqlite3 is
   * synchronous; with one sequencer per file the wait is rare and short. Default 5000 ms.
   */
  readonly busyTimeoutMs?: number;
}

/** Owner-only, like the keys beside it: the log is public, but nobody else may write it. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** Store instances of this process, by database path, told of each other's appends directly. */
const openStores = new Map<string, Set<SqliteStore>>();

/** A plain Uint8Array over a Buffer's bytes, so every backend returns the same type. */
const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

/** Creates `path` owner-only if missing, and makes it owner-only if it exists. */
function ownerOnly(path: string): void {
  closeSync(openSync(path, "a", FILE_MODE));
  chmodSync(path, FILE_MODE);
}

class SqliteStore implements LogStore {
  private readonly waiters = new GrowthWaiters();
  private pollTimer: ReturnType<typeof setInterval> | undefined;
  private lastDataVersion = 0;
  /** A tree size known to be committed: sizes only grow, so reads within it need no size query. */
  private knownSize = 0;
  private closed = false;

  private readonly sizeStmt;
  private readonly checkpointStmt;
  private readonly entriesStmt;
  private readonly tileStmt;
  private readonly dataVersionStmt;
  private readonly updateNoteStmt;
  private readonly writer: SqliteWriter;
  readonly state: SqliteStateTables;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly pollIntervalMs: number,
    busyTimeoutMs: number,
  ) {
    this.writer = new SqliteWriter(path, busyTimeoutMs);
    // Its thread loads while the caller does other start-up work, not on the first append.
    this.writer.start();
    this.sizeStmt = db.prepare<[], number>("SELECT coalesce(max(size), 0) FROM checkpoints").pluck();
    this.checkpointStmt = db.prepare<[], { size: number; note: Buffer }>(
      "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1",
    );
    this.entriesStmt = db
      .prepare<[number, number], Buffer>("SELECT data FROM entries WHERE idx >= ? AND idx < ? ORDER BY idx")
      .pluck();
    this.tileStmt = db.prepare<[number, number], { width: number; data: Buffer }>(
      "SELECT width, data FROM tiles WHERE level = ? AND idx = ?",
    );
    this.dataVersionStmt = db.prepare<[], number>("PRAGMA data_version").pluck();
    this.updateNoteStmt = db.prepare<[Uint8Array, number]>(
      "UPDATE checkpoints SET note = ? WHERE size = ? AND size = (SELECT max(size) FROM checkpoints)",
    );
    this.lastDataVersion = this.dataVersionStmt.get()!;
    this.state = new SqliteStateTables(db, this.writer, () => this.checkOpen());
    let peers = openStores.get(path);
    if (!peers) openStores.set(path, (peers = new Set()));
    peers.add(this);
  }

  async append(batch: AppendBatch): Promise<void> {
    this.checkOpen();
    const newSize = checkBatch(batch);
    const state = checkBatchState(batch, newSize);
    // The writer takes the write lock before reading the size (BEGIN IMMEDIATE), so no other
    // process can commit between the compare and the set; the state part is in the same transaction.
    await this.writer.append(batch, newSize, state);
    for (const peer of openStores.get(this.path) ?? []) peer.grew(newSize);
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    this.checkOpen();
    const row = guarded("read", () => this.checkpointStmt.get());
    if (!row) return undefined;
    this.knownSize = Math.max(this.knownSize, row.size);
    return { size: row.size, note: bytes(row.note) };
  }

  async updateCheckpointNote(size: number, note: Uint8Array): Promise<boolean> {
    this.checkOpen();
    checkCount("size", size);
    checkNote(note);
    return guarded("update", () => this.updateNoteStmt.run(note, size).changes === 1);
  }

  async readEntries(start: number, end: number): Promise<Uint8Array[]> {
    this.checkOpen();
    if (!(end <= this.knownSize))
      this.knownSize = Math.max(
        this.knownSize,
        guarded("read", () => this.sizeStmt.get()!),
      );
    checkEntryRange(start, end, this.knownSize);
    if (start === end) return [];
    const rows = guarded("read", () => this.entriesStmt.all(start, end));
    if (rows.length !== end - start) {
      throw new StoreUnavailableError(
        `store: sqlite holds ${rows.length} of entries [${start}, ${end}); the file is damaged`,
      );
    }
    return rows.map(bytes);
  }

  async countEntriesFrom(index: number): Promise<number> {
    this.checkOpen();
    checkCount("index", index);
    return guarded(
      "read",
      () => this.db.prepare<[number], number>("SELECT count(*) FROM entries WHERE idx >= ?").pluck().get(index)!,
    );
  }

  async readTile(level: number, index: number): Promise<TileWrite | undefined> {
    this.checkOpen();
    checkCount("level", level);
    checkCount("index", index);
    const row = guarded("read", () => this.tileStmt.get(level, index));
    return row && { level, index, width: row.width, data: bytes(row.data) };
  }

  async waitForGrowth(size: number, signal?: AbortSignal): Promise<number> {
    this.checkOpen();
    checkCount("size", size);
    const current = guarded("read", () => this.sizeStmt.get()!);
    const waiting = this.waiters.wait(size, current, signal);
    this.startPolling();
    return waiting;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopPolling();
    openStores.get(this.path)?.delete(this);
    if (openStores.get(this.path)?.size === 0) openStores.delete(this.path);
    this.waiters.close(closedError());
    await this.writer.close();
    this.db.close();
  }

  /** Told by a store of this process (or its own poll) that the tree reached `size`. */
  private grew(size: number): void {
    this.knownSize = Math.max(this.knownSize, size);
    this.waiters.notify(size);
    if (this.waiters.pending === 0) this.stopPolling();
  }

  private startPolling(): void {
    if (this.pollTimer || this.waiters.pending === 0) return;
    this.pollTimer = setInterval(() => this.poll(), this.pollIntervalMs);
  }

  private stopPolling(): void {
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  /** data_version changes when another connection (another process) commits; only then read the size. */
  private poll(): void {
    try {
      const version = this.dataVersionStmt.get()!;
      if (version === this.lastDataVersion) return;
      this.lastDataVersion = version;
      this.grew(this.sizeStmt.get()!);
    } catch (err) {
      // A poll has no caller to tell; the waiters learn of the failure instead of hanging.
      this.stopPolling();
      this.waiters.close(new StoreUnavailableError("store: sqlite poll failed", { cause: err }));
    }
  }

  private checkOpen(): void {
    if (this.closed) throw closedError();
  }
}

const closedError = () => new StoreUnavailableError("store: the store is closed");

/**
 * Opens (creating if needed) the log database in `options.dir`. The database and its -wal and
 * -shm files are readable by the owner only. Several stores, in this process or in others, may
 * open the same directory; the compare-and-set fences their appends.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<LogStore> {
  const { dir, pollIntervalMs = 5, busyTimeoutMs = 5_000 } = options;
  return guarded("open", () => {
    if (mkdirSync(dir, { recursive: true, mode: DIR_MODE }) !== undefined) chmodSync(dir, DIR_MODE);
    const file = join(realpathSync(dir), SQLITE_FILE);
    ownerOnly(file);
    const db = new Database(file, { timeout: busyTimeoutMs });
    try {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = FULL");
      // Keep the WAL from staying at the size of the largest batch after a checkpoint.
      db.pragma("journal_size_limit = 67108864");
      db.transaction(() => {
        const version = db.pragma("user_version", { simple: true }) as number;
        if (version > SQLITE_SCHEMA_VERSION) {
          throw new StoreUnavailableError(
            `store: ${file} has schema version ${version}, newer than this program's ${SQLITE_SCHEMA_VERSION}`,
          );
        }
        if (version === 1) db.exec(sqliteMigrationFrom1);
        db.exec(sqliteSchema);
        if (version === 3) db.exec(sqliteMigrationFrom3);
        // Versions 1 and 2 had no state_meta: sqliteSchema just made it whole.
        if (version === 3 || version === 4) db.exec(sqliteMigrationTo5);
        if (version >= 3 && version <= 5) db.exec(sqliteMigrationTo6);
        db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION}`);
      }).immediate();
      // SQLite gives them the database file's mode when it creates them; make sure of it.
      for (const side of [`${file}-wal`, `${file}-shm`]) if (existsSync(side)) chmodSync(side, FILE_MODE);
      return new SqliteStore(db, file, pollIntervalMs, busyTimeoutMs);
    } catch (err) {
      db.close();
      throw err;
    }
  });
}
