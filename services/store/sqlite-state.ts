// The SQLite store's state tables (state.ts; schema in sqlite-schema.ts). Reads run on the store's
// own connection, each in one read transaction (one snapshot: the rows and the size they reflect
// agree); writes (pruning, rebuild steps) go to the writer thread like appends, one transaction each.
import type Database from "better-sqlite3";
import { checkCount } from "./checks.js";
import { REBUILD_IN_STEP, REBUILDING } from "./sqlite-schema.js";
import { guarded } from "./sqlite-errors.js";
import type { SqliteWriter } from "./sqlite-writer.js";
import { packState } from "./sqlite-writer.js";
import {
  checkLeaves,
  checkPaths,
  checkReadCount,
  checkRebuildToken,
  checkScanLimit,
  checkStateWrite,
  keyBytes,
  tableId,
} from "./state-checks.js";
import {
  MapVersionPrunedError,
  type MapLeaf,
  type RebuildToken,
  type StateKey,
  type StateRead,
  type StateScan,
  type StateStatus,
  type StateTable,
  type StateTables,
  type StateWrite,
} from "./state.js";

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export class SqliteStateTables implements StateTables {
  private readonly sizeStmt;
  private readonly metaStmt;
  private readonly rowStmt;
  private readonly nodeStmt;
  private readonly valueStmt;
  private readonly readRows;
  private readonly scanRows;
  private readonly readNodes;
  private readonly readStatus;

  constructor(
    db: Database.Database,
    private readonly writer: SqliteWriter,
    private readonly checkOpen: () => void,
  ) {
    this.sizeStmt = db.prepare<[], number>("SELECT coalesce(max(size), 0) FROM checkpoints").pluck();
    this.metaStmt = db.prepare<
      [],
      { rebuild: number; map_floor: number; rebuild_token: number; rebuild_stepped_at: number | null }
    >("SELECT rebuild, map_floor, rebuild_token, rebuild_stepped_at FROM state_meta");
    this.rowStmt = db
      .prepare<[number, Uint8Array], Buffer>("SELECT value FROM state_rows WHERE tbl = ? AND key = ?")
      .pluck();
    this.nodeStmt = db
      .prepare<[Uint8Array, number], Buffer>(
        "SELECT node FROM map_nodes WHERE path = ? AND version <= ? ORDER BY version DESC LIMIT 1",
      )
      .pluck();
    this.valueStmt = db
      .prepare<[Uint8Array, Uint8Array], Buffer>("SELECT value FROM map_values WHERE key = ? AND hash = ? LIMIT 1")
      .pluck();
    this.readRows = db.transaction((table: number, keys: Uint8Array[]): StateRead => {
      const size = this.sizeStmt.get()!;
      return { size, values: keys.map((k) => opt(this.rowStmt.get(table, k))) };
    });
    const scanAll = db.prepare<[number, number], { key: Buffer; value: Buffer }>(
      "SELECT key, value FROM state_rows WHERE tbl = ? ORDER BY key LIMIT ?",
    );
    // BLOBs compare with memcmp, shorter first on a tie: bytewise order, as the port asks.
    const scanAfter = db.prepare<[number, Uint8Array, number], { key: Buffer; value: Buffer }>(
      "SELECT key, value FROM state_rows WHERE tbl = ? AND key > ? ORDER BY key LIMIT ?",
    );
    this.scanRows = db.transaction((table: number, after: Uint8Array | undefined, limit: number): StateScan => {
      const size = this.sizeStmt.get()!;
      const rows = after === undefined ? scanAll.all(table, limit) : scanAfter.all(table, after, limit);
      return { size, rows: rows.map((r) => ({ key: bytes(r.key), value: bytes(r.value) })) };
    });
    this.readStatus = db.transaction((): StateStatus => {
      const meta = this.metaStmt.get()!;
      return {
        size: this.sizeStmt.get()!,
        rebuildNeeded: meta.rebuild !== REBUILD_IN_STEP,
        mapFloor: meta.map_floor,
        rebuildToken: meta.rebuild_token,
        rebuildUnderWay: meta.rebuild === REBUILDING,
        // The writer thread's clock is this one: WAL mode needs every process on a file to share
        // memory, so they all run on one machine.
        rebuildStepAgeMs: meta.rebuild_stepped_at === null ? undefined : Date.now() - meta.rebuild_stepped_at,
      };
    });
    this.readNodes = db.transaction((paths: readonly Uint8Array[], at: number) => {
      const floor = this.metaStmt.get()!.map_floor;
      if (at < floor) throw new MapVersionPrunedError(at, floor);
      return paths.map((p) => opt(this.nodeStmt.get(p, at)));
    });
  }

  async readState(table: StateTable, keys: readonly StateKey[]): Promise<StateRead> {
    this.checkOpen();
    const id = tableId(table);
    checkReadCount("keys", keys);
    const keyed = keys.map(keyBytes);
    return guarded("read", () => this.readRows(id, keyed));
  }

  async scanState(table: StateTable, after: StateKey | undefined, limit: number): Promise<StateScan> {
    this.checkOpen();
    const id = tableId(table);
    checkScanLimit(limit);
    const from = after === undefined ? undefined : keyBytes(after);
    return guarded("read", () => this.scanRows(id, from, limit));
  }

  async readMapNodes(paths: readonly Uint8Array[], atVersion: number): Promise<(Uint8Array | undefined)[]> {
    this.checkOpen();
    checkPaths(paths);
    checkCount("atVersion", atVersion);
    return guarded("read", () => this.readNodes(paths, atVersion));
  }

  async readMapValues(leaves: readonly MapLeaf[]): Promise<(Uint8Array | undefined)[]> {
    this.checkOpen();
    checkLeaves(leaves);
    return guarded("read", () => leaves.map((l) => opt(this.valueStmt.get(l.key, l.hash))));
  }

  async pruneMap(floor: number): Promise<void> {
    this.checkOpen();
    checkCount("floor", floor);
    await this.writer.run({ op: "prune", floor });
  }

  async status(): Promise<StateStatus> {
    this.checkOpen();
    return guarded("read", () => this.readStatus());
  }

  async beginRebuild(expectedSize: number): Promise<RebuildToken> {
    this.checkOpen();
    checkCount("expectedSize", expectedSize);
    const token = await this.writer.run({ op: "begin-rebuild", expectedSize }, expectedSize);
    return token as RebuildToken;
  }

  async writeRebuild(token: RebuildToken, expectedSize: number, part: StateWrite): Promise<void> {
    this.checkOpen();
    checkRebuildToken(token);
    checkCount("expectedSize", expectedSize);
    const buffer = packState(checkStateWrite(part, 0, expectedSize));
    await this.writer.run({ op: "write-rebuild", token, expectedSize, buffer }, expectedSize);
  }

  async finishRebuild(token: RebuildToken, expectedSize: number): Promise<void> {
    this.checkOpen();
    checkRebuildToken(token);
    checkCount("expectedSize", expectedSize);
    await this.writer.run({ op: "finish-rebuild", token, expectedSize }, expectedSize);
  }
}

const opt = (b: Buffer | undefined) => (b === undefined ? undefined : bytes(b));
