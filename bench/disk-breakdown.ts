// Where a SQLite data directory's bytes go, split into what grows with the log and what does
// not: the map keeps a window of recent versions (the nodes and values each commitment
// superseded, until a prune passes them, and the write journals that prunes read), whose size
// depends on the batches' sizes and the window's length, not on the log's. Extrapolating the
// whole file per entry to 10^8 entries would count that window a hundred times over.
//
// Read from SQLite's own page accounting (dbstat) on a quiescent file; superseded map rows are
// charged their table's bytes in proportion to their count (rows of one table are alike in size).

import { statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SQLITE_FILE } from "../services/store/sqlite.js";

export interface DiskBreakdown {
  /** Every byte of the database file and its write-ahead log. */
  readonly totalBytes: number;
  /** Superseded map versions, the write journals, free pages and the write-ahead log. */
  readonly windowBytes: number;
  /** The rest: what every entry adds for good. */
  readonly growingBytes: number;
  /** Bytes per b-tree (tables and their indexes), largest first. */
  readonly tables: readonly { readonly name: string; readonly bytes: number }[];
}

export function diskBreakdown(dataDir: string): DiskBreakdown {
  const file = join(dataDir, SQLITE_FILE);
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare<[], { name: string; bytes: number }>(
        "SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY bytes DESC",
      )
      .all();
    const bytesOf = (prefix: string) =>
      tables
        .filter((t) => t.name === prefix || t.name.startsWith(`sqlite_autoindex_${prefix}_`))
        .reduce((s, t) => s + t.bytes, 0);
    const superseded = (table: string, column: string) => {
      const r = db
        .prepare<[], { rows: number; live: number }>(
          `SELECT count(*) AS rows, count(DISTINCT ${column}) AS live FROM ${table}`,
        )
        .get()!;
      return r.rows === 0 ? 0 : (bytesOf(table) * (r.rows - r.live)) / r.rows;
    };
    const pageSize = db.pragma("page_size", { simple: true }) as number;
    const free = (db.pragma("freelist_count", { simple: true }) as number) * pageSize;
    const wal = fileSize(`${file}-wal`);
    const windowBytes =
      superseded("map_nodes", "path") +
      superseded("map_values", "key") +
      bytesOf("map_node_writes") +
      bytesOf("map_value_writes") +
      free +
      wal;
    const totalBytes = fileSize(file) + wal;
    return { totalBytes, windowBytes, growingBytes: totalBytes - windowBytes, tables };
  } finally {
    db.close();
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
