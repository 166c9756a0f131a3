// The witness's memory: for each log (by origin), the latest checkpoint it cosigned. A small
// SQLite file (WAL, synchronous=FULL), so it survives restarts, and every advance is a
// compare-and-set on the stored size inside one IMMEDIATE transaction, so two submissions
// (from this process or another sharing the file) can never both advance from the same size:
// the race tlog-witness v1 warns about (a rollback of K leaves) cannot happen.
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { bytesEqual } from "../../log/bytes.js";
import type { Hash } from "../../log/hash.js";

export const WITNESS_DB_FILE = "witness.sqlite";

export interface WitnessedCheckpoint {
  readonly size: number;
  readonly root: Hash;
  /** The signed note as the log sent it (kept as evidence). */
  readonly note: Uint8Array;
}

export type AdvanceResult =
  | { readonly ok: true }
  /** The stored size was not `oldSize` (or, for an equal size, the root differs): nothing written. */
  | { readonly ok: false; readonly size: number };

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export class WitnessState {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], { size: number; root: Buffer; note: Buffer }>;
  private readonly advanceTx: (origin: string, oldSize: number, next: WitnessedCheckpoint) => AdvanceResult;

  /** Opens (creating if needed, owner-only) the state file in `dir`. */
  constructor(dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, WITNESS_DB_FILE);
    this.db = new Database(path);
    chmodSync(path, 0o600);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(`CREATE TABLE IF NOT EXISTS checkpoints (
      origin TEXT PRIMARY KEY,
      size   INTEGER NOT NULL CHECK (size >= 0),
      root   BLOB NOT NULL CHECK (length(root) = 32),
      note   BLOB NOT NULL
    )`);
    this.getStmt = this.db.prepare("SELECT size, root, note FROM checkpoints WHERE origin = ?");
    const insert = this.db.prepare("INSERT INTO checkpoints (origin, size, root, note) VALUES (?, ?, ?, ?)");
    const update = this.db.prepare("UPDATE checkpoints SET size = ?, root = ?, note = ? WHERE origin = ? AND size = ?");
    const tx = this.db.transaction((origin: string, oldSize: number, next: WitnessedCheckpoint): AdvanceResult => {
      const cur = this.get(origin);
      const curSize = cur?.size ?? 0;
      if (curSize !== oldSize) return { ok: false, size: curSize };
      if (cur && next.size === cur.size && !bytesEqual(next.root, cur.root)) return { ok: false, size: curSize };
      if (cur) update.run(next.size, next.root, next.note, origin, oldSize);
      else insert.run(origin, next.size, next.root, next.note);
      return { ok: true };
    });
    this.advanceTx = (o, s, n) => tx.immediate(o, s, n);
  }

  /** The latest cosigned checkpoint of `origin`, or undefined if it never cosigned one. */
  get(origin: string): WitnessedCheckpoint | undefined {
    const row = this.getStmt.get(origin);
    return row && { size: row.size, root: bytes(row.root), note: bytes(row.note) };
  }

  /**
   * Records `next` as the latest cosigned checkpoint of `origin` if and only if the stored size is
   * still `oldSize` (0 when none is stored) and, for an equal size, the root is the same. Durable
   * once it returns ok. Sizes never go down: the caller has checked oldSize <= next.size.
   */
  advance(origin: string, oldSize: number, next: WitnessedCheckpoint): AdvanceResult {
    if (next.size < oldSize) throw new RangeError("witness state: a checkpoint size never goes down");
    return this.advanceTx(origin, oldSize, next);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
