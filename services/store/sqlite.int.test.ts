import Database from "better-sqlite3";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { bytesEqual } from "../../log/bytes.js";
import { describeLogStoreContract } from "../../test/store/contract.js";
import { StoreUnavailableError, type LogStore } from "./port.js";
import { SQLITE_FILE, openSqliteStore } from "./sqlite.js";
import { SQLITE_SCHEMA_VERSION } from "./sqlite-schema.js";
import { expectStateInStep } from "../../test/store/state-in-step.js";
import { expectRebuildAfterUpgrade } from "../../test/store/upgrade.js";
import {
  parseSyntheticEntry,
  syntheticBatch,
  syntheticEntry,
  syntheticNote,
  syntheticTile,
  tilesTouched,
} from "../../test/store/synthetic.js";

const tempDirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "labelreg-sqlite-"));
  tempDirs.push(dir);
  return dir;
}

describeLogStoreContract("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "labelreg-sqlite-"));
  return {
    open: () => openSqliteStore({ dir: join(dir, "data") }),
    cleanup: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

const APPENDER = fileURLToPath(new URL("../../test/store/sqlite-appender.ts", import.meta.url));

interface Ack {
  writer: string;
  start: number;
  end: number;
}

/** A sqlite-appender.ts child process and what it has printed so far. */
function appender(
  dir: string,
  writer: string,
  args: { batches: number; maxBatch: number; jitterMs: number; at?: number },
) {
  const argv = [APPENDER, dir, writer, String(args.batches), String(args.maxBatch), String(args.jitterMs)];
  if (args.at !== undefined) argv.push(String(args.at));
  // From source through tsx, like this test: the child drives the store module, not the built registry.
  const child = spawn(process.execPath, ["--import", "tsx", ...argv], { stdio: ["ignore", "pipe", "pipe"] });
  const lines: string[] = [];
  let partial = "";
  let stderr = "";
  let onReady: () => void = () => {};
  const ready = new Promise<void>((r) => (onReady = r));
  let onAck: () => void = () => {};
  const firstAck = new Promise<void>((r) => (onAck = r));
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    const parts = (partial + chunk).split("\n");
    partial = parts.pop()!; // only whole lines count: a torn last line was never acknowledged
    for (const line of parts) {
      lines.push(line);
      if (line === "ready") onReady();
      if (line.startsWith("ack ")) onAck();
    }
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  const acks = (): Ack[] =>
    lines
      .filter((l) => l.startsWith("ack "))
      .map((l) => {
        const [, w, s, e] = l.split(" ");
        return { writer: w!, start: Number(s), end: Number(e) };
      });
  return { child, ready, firstAck, exited, acks, lines, stderr: () => stderr };
}

/**
 * Checks a log written only with syntheticBatch (default tile salt): every entry is the synthetic
 * entry its header names at its own index, the note is the last writer's for the size, every tile
 * of the size is there at its width. Returns the size.
 */
async function expectConsistentSyntheticLog(store: LogStore): Promise<number> {
  const size = (await store.latestCheckpoint())?.size ?? 0;
  const entries = await store.readEntries(0, size);
  let lastWriter = "";
  entries.forEach((e, i) => {
    const id = parseSyntheticEntry(e);
    expect(id?.index, `entry ${i} names its index`).toBe(i);
    if (!bytesEqual(e, syntheticEntry(id!.writer, i))) expect.fail(`entry ${i} by ${id!.writer} is damaged`);
    lastWriter = id!.writer;
  });
  if (size > 0) expect((await store.latestCheckpoint())?.note).toEqual(syntheticNote(lastWriter, size));
  for (const shape of tilesTouched(0, size)) {
    const tile = await store.readTile(shape.level, shape.index);
    expect(tile?.width, `tile ${shape.level}/${shape.index}`).toBe(shape.width);
    if (!bytesEqual(tile!.data, syntheticTile(shape).data))
      expect.fail(`tile ${shape.level}/${shape.index} is damaged`);
  }
  return size;
}

/** Checks every acknowledged range holds its writer's entries. */
async function expectAcked(store: LogStore, acks: readonly Ack[]): Promise<void> {
  for (const a of acks) {
    const got = await store.readEntries(a.start, a.end);
    got.forEach((e, k) => {
      if (!bytesEqual(e, syntheticEntry(a.writer, a.start + k)))
        expect.fail(`acknowledged entry ${a.start + k} of ${a.writer} is not there`);
    });
  }
}

/** Checks the file itself: no corruption, entries exactly [0, checkpoint size). */
function expectFileConsistent(dir: string, size: number): void {
  const db = new Database(join(dir, SQLITE_FILE), { readonly: true });
  try {
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    const row = db.prepare("SELECT count(*) AS n, coalesce(max(idx), -1) AS last FROM entries").get() as {
      n: number;
      last: number;
    };
    expect(row).toEqual({ n: size, last: size - 1 });
  } finally {
    db.close();
  }
}

describe("sqlite store, on files and across processes", () => {
  afterEach(() => {
    for (const d of tempDirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("keeps the directory and the database files owner-only", async () => {
    const dir = join(tempDir(), "data");
    const store = await openSqliteStore({ dir });
    await store.append(syntheticBatch("a", 0, 3));
    const mode = (p: string) => statSync(p).mode & 0o777;
    expect(mode(dir)).toBe(0o700);
    for (const f of [SQLITE_FILE, `${SQLITE_FILE}-wal`, `${SQLITE_FILE}-shm`])
      expect(mode(join(dir, f)), f).toBe(0o600);
    await store.close();
  });

  it("refuses a database of a newer schema version", async () => {
    const dir = tempDir();
    await (await openSqliteStore({ dir })).close();
    const db = new Database(join(dir, SQLITE_FILE));
    db.pragma("user_version = 99");
    db.close();
    await expect(openSqliteStore({ dir })).rejects.toThrow(/schema version 99/);
  });

  it("migrates a version-1 database, whose checkpoints refused size 0, keeping what it holds", async () => {
    const dir = tempDir();
    const db = new Database(join(dir, SQLITE_FILE));
    db.exec(`CREATE TABLE entries (idx INTEGER PRIMARY KEY CHECK (idx >= 0), data BLOB NOT NULL);
      CREATE TABLE tiles (level INTEGER NOT NULL, idx INTEGER NOT NULL, width INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (level, idx));
      CREATE TABLE checkpoints (size INTEGER PRIMARY KEY CHECK (size > 0), note BLOB NOT NULL CHECK (length(note) > 0));`);
    db.pragma("user_version = 1");
    db.close();
    const empty = { expectedSize: 0, entries: [], tiles: [], checkpoint: syntheticNote("empty", 0) };
    const store = await openSqliteStore({ dir });
    await store.append(empty);
    expect(await store.latestCheckpoint()).toEqual({ size: 0, note: empty.checkpoint });
    await store.append(syntheticBatch("a", 0, 2));
    await store.close();
    const again = new Database(join(dir, SQLITE_FILE));
    expect(again.pragma("user_version", { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    expect(again.prepare("SELECT size FROM checkpoints ORDER BY size").pluck().all()).toEqual([0, 2]);
    again.close();
  });

  it("migrates a version-2 database: empty state tables, marked as needing a rebuild when the log has entries", async () => {
    const dir = tempDir();
    const empty = tempDir();
    for (const d of [dir, empty]) {
      const db = new Database(join(d, SQLITE_FILE));
      db.exec(`CREATE TABLE entries (idx INTEGER PRIMARY KEY CHECK (idx >= 0), data BLOB NOT NULL);
        CREATE TABLE tiles (level INTEGER NOT NULL, idx INTEGER NOT NULL, width INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (level, idx));
        CREATE TABLE checkpoints (size INTEGER PRIMARY KEY CHECK (size >= 0), note BLOB NOT NULL CHECK (length(note) > 0));`);
      if (d === dir) {
        db.prepare("INSERT INTO entries VALUES (0, x'00'), (1, x'01')").run();
        db.prepare("INSERT INTO checkpoints VALUES (0, x'30'), (2, x'32')").run();
      }
      db.pragma("user_version = 2");
      db.close();
    }
    const store = await openSqliteStore({ dir });
    expect(await store.state!.status()).toMatchObject({ size: 2, rebuildNeeded: true, mapFloor: 0 });
    expect(await store.readEntries(0, 2)).toEqual([new Uint8Array([0]), new Uint8Array([1])]);
    // The upgrade's path: a rebuild at the size, then the tables are in step.
    const token = await store.state!.beginRebuild(2);
    await store.state!.writeRebuild(token, 2, { rows: [{ table: "label", key: "L", value: new Uint8Array([1]) }] });
    await store.state!.finishRebuild(token, 2);
    await store.close();
    const again = await openSqliteStore({ dir });
    expect(await again.state!.status()).toMatchObject({ size: 2, rebuildNeeded: false, mapFloor: 0 });
    await again.close();
    // An empty log needs no rebuild.
    const fresh = await openSqliteStore({ dir: empty });
    expect(await fresh.state!.status()).toMatchObject({ size: 0, rebuildNeeded: false, mapFloor: 0 });
    await fresh.close();
    const db = new Database(join(dir, SQLITE_FILE));
    expect(db.pragma("user_version", { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    db.close();
  });

  it("migrates a version-3 database (map tables indexed by hash and version): values, nodes and pending prunes carry over", async () => {
    const dir = tempDir();
    const key = (n: number) => new Uint8Array(32).fill(n);
    const value = (tag: string) => ({
      bytes: new TextEncoder().encode(tag),
      hash: new Uint8Array(32).fill(tag.length),
    });
    const [v1, v2] = [value("one"), value("two two")];
    const store = await openSqliteStore({ dir });
    // Position [0] and key 1 at versions 1 (superseded) and 3; the floor stays 0 until after the upgrade.
    await store.append({
      ...syntheticBatch("a", 0, 2),
      state: {
        nodes: [{ path: new Uint8Array([0]), version: 1, node: new Uint8Array([1, 1]) }],
        values: [{ key: key(1), version: 1, hash: v1.hash, value: v1.bytes }],
      },
    });
    await store.append({
      ...syntheticBatch("a", 2, 2),
      state: {
        nodes: [{ path: new Uint8Array([0]), version: 3, node: new Uint8Array([3, 3]) }],
        values: [{ key: key(1), version: 3, hash: v2.hash, value: v2.bytes }],
      },
    });
    await store.close();
    // Version 3's layout of the map tables, with the same rows, and no journals.
    const db = new Database(join(dir, SQLITE_FILE));
    db.exec(`DROP TABLE map_node_writes; DROP TABLE map_value_writes;
      ALTER TABLE state_meta DROP COLUMN rebuild_token;
      ALTER TABLE state_meta DROP COLUMN rebuild_stepped_at;
      CREATE INDEX map_values_by_hash ON map_values (hash);
      CREATE INDEX map_values_by_version ON map_values (version);
      CREATE INDEX map_nodes_by_version ON map_nodes (version);`);
    db.pragma("user_version = 3");
    db.close();

    const again = await openSqliteStore({ dir });
    const st = again.state!;
    expect(await st.status()).toMatchObject({ size: 4, rebuildNeeded: false, mapFloor: 0 });
    const leaves = [
      { key: key(1), hash: v1.hash },
      { key: key(1), hash: v2.hash },
    ];
    expect(await st.readMapValues(leaves)).toEqual([v1.bytes, v2.bytes]);
    expect(await st.readMapNodes([new Uint8Array([0])], 2)).toEqual([new Uint8Array([1, 1])]);
    // The versions written before the upgrade are pruned like any others.
    await st.pruneMap(3);
    expect(await st.readMapValues(leaves)).toEqual([undefined, v2.bytes]);
    await again.close();
    const after = new Database(join(dir, SQLITE_FILE), { readonly: true });
    expect(after.pragma("user_version", { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    expect(after.prepare("SELECT version FROM map_nodes").pluck().all()).toEqual([3]);
    const indexes = after.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name LIKE 'map_%'");
    expect(indexes.pluck().all()).toEqual(["sqlite_autoindex_map_values_1"]);
    after.close();
  });

  it("migrates a version-4 database (no rebuild token) with a rebuild an older program left unfinished: it opens and rebuilds", async () => {
    const dir = tempDir();
    const store = await openSqliteStore({ dir });
    await store.append({
      ...syntheticBatch("a", 0, 2),
      state: { rows: [{ table: "label", key: "L", value: new Uint8Array([1]) }] },
    });
    const old = await store.state!.beginRebuild(2);
    await store.close();
    // Version 4's state_meta, marked as being rebuilt, holding what the old rebuild wrote.
    const db = new Database(join(dir, SQLITE_FILE));
    db.exec("ALTER TABLE state_meta DROP COLUMN rebuild_token; ALTER TABLE state_meta DROP COLUMN rebuild_stepped_at");
    db.prepare("INSERT INTO state_rows VALUES (1, 'stale', x'00')").run();
    db.pragma("user_version = 4");
    db.close();

    const again = await openSqliteStore({ dir });
    await expectRebuildAfterUpgrade(again.state!, old, "stale");
    await again.close();
    const after = new Database(join(dir, SQLITE_FILE), { readonly: true });
    expect(after.pragma("user_version", { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    expect(after.prepare("SELECT rebuild_token FROM state_meta").pluck().get()).toBe(1);
    after.close();
  });

  it("migrates a version-5 database (no step times) with a rebuild under way: its token stands, its step age is unknown until it steps", async () => {
    const dir = tempDir();
    const store = await openSqliteStore({ dir });
    await store.append(syntheticBatch("a", 0, 2));
    const old = await store.state!.beginRebuild(2);
    await store.close();
    const db = new Database(join(dir, SQLITE_FILE));
    db.exec("ALTER TABLE state_meta DROP COLUMN rebuild_stepped_at");
    db.pragma("user_version = 5");
    db.close();

    const again = await openSqliteStore({ dir });
    const st = again.state!;
    // Read as a rebuild that stopped stepping: start-up takes it over rather than wait.
    expect(await st.status()).toMatchObject({ rebuildNeeded: true, rebuildToken: old, rebuildStepAgeMs: undefined });
    const before = Date.now();
    await st.writeRebuild(old, 2, {});
    expect((await st.status()).rebuildStepAgeMs).toBeLessThanOrEqual(Date.now() - before);
    const token = await st.beginRebuild(2);
    expect(token).toBe(old + 1);
    await st.finishRebuild(token, 2);
    expect(await st.status()).toMatchObject({ size: 2, rebuildNeeded: false, rebuildToken: token });
    await again.close();
    const after = new Database(join(dir, SQLITE_FILE), { readonly: true });
    expect(after.pragma("user_version", { simple: true })).toBe(SQLITE_SCHEMA_VERSION);
    expect(after.prepare("SELECT rebuild_stepped_at FROM state_meta").pluck().get()).toBeGreaterThanOrEqual(before);
    after.close();
  });

  it("prunes by its write journals: superseded rows go, across a reopen, and so do the journal's rows", async () => {
    const dir = tempDir();
    const store = await openSqliteStore({ dir });
    const write = (at: number, version: number, paths: number[]) =>
      store.append({
        ...syntheticBatch("a", at, 2),
        state: {
          nodes: paths.map((p) => ({
            path: new Uint8Array([8, p]),
            version,
            node: new Uint8Array([version, version]),
          })),
        },
      });
    await write(0, 1, [1, 2]);
    await write(2, 3, [1]);
    await store.close();
    const again = await openSqliteStore({ dir });
    await again.state!.pruneMap(3);
    await again.close();
    const reopened = await openSqliteStore({ dir });
    const st = reopened.state!;
    await st.pruneMap(3); // at the floor: nothing
    const db = new Database(join(dir, SQLITE_FILE), { readonly: true });
    const rows = () =>
      db.prepare("SELECT hex(path) || '@' || version FROM map_nodes ORDER BY path, version").pluck().all();
    const journal = () => db.prepare("SELECT version FROM map_node_writes").pluck().all();
    expect(rows()).toEqual(["0801@3", "0802@1"]);
    expect(journal()).toEqual([]);
    // Written after the prune: journalled until the next prune reaches it.
    await reopened.append({
      ...syntheticBatch("a", 4, 2),
      state: { nodes: [{ path: new Uint8Array([8, 2]), version: 5, node: new Uint8Array([5, 5]) }] },
    });
    expect(journal()).toEqual([5]);
    await st.pruneMap(5);
    expect(rows()).toEqual(["0801@3", "0802@5"]);
    expect(journal()).toEqual([]);
    db.close();
    await reopened.close();
  });

  it("copies each commit's log frames into the database after answering it: the write-ahead log stays one batch long", async () => {
    const dir = tempDir();
    const store = await openSqliteStore({ dir });
    const nodes = (version: number) =>
      Array.from({ length: 2000 }, (_, i) => ({
        path: new Uint8Array([24, version, i >> 8, i & 0xff]),
        version,
        node: new Uint8Array(66).fill(version),
      }));
    const wal = () => statSync(join(dir, `${SQLITE_FILE}-wal`)).size;
    await store.append({ ...syntheticBatch("a", 0, 2), state: { nodes: nodes(1) } });
    const oneBatch = wal();
    for (let at = 2; at < 80; at += 2)
      await store.append({ ...syntheticBatch("a", at, 2), state: { nodes: nodes(at + 1) } });
    // Without a checkpoint after each commit the log would hold all forty batches.
    expect(wal()).toBeLessThan(4 * oneBatch);
    expect(statSync(join(dir, SQLITE_FILE)).size).toBeGreaterThan(20 * oneBatch);
    expect(await expectConsistentSyntheticLog(store)).toBe(80);
    await store.close();
  });

  it("fails an append fast with StoreUnavailableError while another connection holds the write lock", async () => {
    const dir = tempDir();
    const store = await openSqliteStore({ dir, busyTimeoutMs: 100 });
    const other = new Database(join(dir, SQLITE_FILE));
    other.exec("BEGIN IMMEDIATE");
    const t0 = Date.now();
    await expect(store.append(syntheticBatch("a", 0, 2))).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(Date.now() - t0).toBeLessThan(2_000);
    other.exec("ROLLBACK");
    other.close();
    expect(await store.latestCheckpoint()).toBeUndefined();
    await store.append(syntheticBatch("a", 0, 2));
    expect(await expectConsistentSyntheticLog(store)).toBe(2);
    await store.close();
  });

  it("waits for the write lock off the event loop: timers keep firing while an append waits", async () => {
    const dir = tempDir();
    const store = await openSqliteStore({ dir, busyTimeoutMs: 2_000 });
    await store.append(syntheticBatch("a", 0, 1)); // the writer is running
    const other = new Database(join(dir, SQLITE_FILE));
    other.exec("BEGIN IMMEDIATE");
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const appended = store.append(syntheticBatch("a", 1, 2));
    await new Promise((r) => setTimeout(r, 200));
    other.exec("ROLLBACK"); // the waiting append now takes the lock and commits
    other.close();
    await appended;
    clearInterval(timer);
    expect(ticks, "the event loop ran while the append waited for the lock").toBeGreaterThan(10);
    expect(await expectConsistentSyntheticLog(store)).toBe(3);
    await store.close();
  });

  it("fences a writer in another process that appends at a stale size", async () => {
    const dir = tempDir();
    const store = await openSqliteStore({ dir });
    await store.append(syntheticBatch("parent", 0, 5));
    const p = appender(dir, "child", { batches: 1, maxBatch: 3, jitterMs: 0, at: 0 });
    expect(await p.exited).toEqual({ code: 0, signal: null });
    expect(p.lines).toContain("conflict 0 5");
    expect(p.acks()).toEqual([]);
    expect(await expectConsistentSyntheticLog(store)).toBe(5);
    await store.close();
  });

  it("wakes waitForGrowth when another process appends", async () => {
    const dir = tempDir();
    const store = await openSqliteStore({ dir });
    const grown = store.waitForGrowth(0);
    const p = appender(dir, "child", { batches: 1, maxBatch: 1, jitterMs: 0 });
    expect(await grown).toBe(1);
    expect(await p.exited).toEqual({ code: 0, signal: null });
    await store.close();
  });

  it("lets two processes race to append: every acknowledged batch lands once, in order, without overlap", async () => {
    const dir = tempDir();
    await (await openSqliteStore({ dir })).close();
    const writers = ["A", "B"].map((w) => appender(dir, w, { batches: 40, maxBatch: 20, jitterMs: 3 }));
    for (const w of writers) expect(await w.exited, w.stderr()).toEqual({ code: 0, signal: null });
    const acks = writers.flatMap((w) => w.acks()).sort((a, b) => a.start - b.start);
    const conflicts = writers.flatMap((w) => w.lines.filter((l) => l.startsWith("conflict"))).length;
    expect(acks.length + conflicts, "every attempt either acknowledged or lost the compare-and-set").toBe(80);
    acks.forEach((a, i) => expect(a.start, "acks tile the log").toBe(i === 0 ? 0 : acks[i - 1]!.end));
    console.log(`two-process race: ${acks.length} appends acknowledged, ${conflicts} lost the compare-and-set`);
    const store = await openSqliteStore({ dir });
    expect(await expectConsistentSyntheticLog(store)).toBe(acks.at(-1)!.end);
    await expectAcked(store, acks);
    await expectStateInStep(store, acks.at(-1)!.end);
    await store.close();
    expectFileConsistent(dir, acks.at(-1)!.end);
  });

  it("keeps every acknowledged batch, and its state in step with the log, when the writer is killed with SIGKILL at random moments", async () => {
    const dir = tempDir();
    const acked: Ack[] = [];
    const rounds = 8;
    for (let round = 0; round < rounds; round++) {
      const p = appender(dir, `r${round}`, { batches: 0, maxBatch: 256, jitterMs: 0 });
      // Killed at a random moment while it appends: the window opens at its first acknowledged
      // append, as the writer's thread takes a while to start when it runs as TypeScript.
      await Promise.race([p.firstAck, p.exited]);
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 250));
      p.child.kill("SIGKILL");
      expect((await p.exited).signal).toBe("SIGKILL");
      acked.push(...p.acks());
      const store = await openSqliteStore({ dir });
      const size = await expectConsistentSyntheticLog(store);
      expect(size).toBeGreaterThanOrEqual(acked.at(-1)?.end ?? 0);
      await expectAcked(store, acked);
      await expectStateInStep(store, size);
      await store.close();
      expectFileConsistent(dir, size);
    }
    console.log(
      `crash test: ${rounds} SIGKILLs, ${acked.length} acknowledged batches, ${acked.at(-1)?.end ?? 0} entries`,
    );
    expect(acked.length).toBeGreaterThan(rounds);
  });
});
