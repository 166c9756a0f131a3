// The state map kept in the store (SQLite): a registry restarted on its data directory proves old
// and new keys against the commitments without recomputing the map (a store whose nodes were
// changed stops the start at the commitment they break, which a replay would not notice), and
// pruning old map versions keeps every kept commitment provable, before and after a restart.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { defaultMapHasher, pathBytes, ROOT_PATH, verifyMapProof, withValue } from "../../log/map/index.js";
import { categoryPublished, issuerAccredited, issuerKey, labelIssued, sign } from "../../test/statement-kit.js";
import { devAuthorityKeyPath, startRegistry, type RunningRegistry } from "../../app/server.js";
import { readSignerKeyFile } from "../config/key-files.js";
import { decodeLogEntry, isCommitment } from "../domain/decode.js";
import { isViolation } from "../domain/violation.js";
import { IntegrityError } from "../integrity/integrity-error.js";
import { SQLITE_FILE } from "../store/sqlite.js";
import { DEFAULT_KEPT_MAP_VERSIONS } from "./state-map.js";
import { PRUNE_EVERY_COMMITMENTS } from "./stored-map.js";

const root = mkdtempSync(join(tmpdir(), "labelreg-stored-map-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const ORIGIN = "test.example/stored-map";
const issuer = issuerKey(41);

const start = (dataDir: string): Promise<RunningRegistry> =>
  startRegistry({
    dataDir,
    grpcAddress: "127.0.0.1:0",
    origin: ORIGIN,
    batch: { lingerMs: 1 },
    scrubEntriesPerSecond: 0,
    // Small enough that proofs also read nodes from the store, not only from the cache.
    mapCacheBytes: 4096,
  });

/**
 * A new data directory whose log holds a category, an accreditation and `labels` labels, each in a
 * batch of its own; returns the index of the commitment that ends each label's batch.
 */
async function populate(labels: number): Promise<{ dir: string; commitments: number[] }> {
  const dir = join(root, `d${++dirs}`);
  const r = await start(dir);
  const commitments: number[] = [];
  try {
    const authority = readSignerKeyFile(devAuthorityKeyPath(dir));
    await r.registry.submit(sign(authority, categoryPublished("cat"), ORIGIN));
    await r.registry.submit(sign(authority, issuerAccredited("acc", "STM", issuer), ORIGIN));
    for (let n = 0; n < labels; n++) {
      const receipt = await r.registry.submit(sign(issuer, labelIssued(`l${n}`, "STM", `${n}`), ORIGIN));
      commitments.push(receipt.treeSize - 1);
    }
  } finally {
    await r.close();
  }
  return { dir, commitments };
}

/** What the map at commitment `at` proves about label `labelId`, checked against the commitment entry's root. */
async function proveLabel(r: RunningRegistry, at: number, labelId: string): Promise<boolean> {
  const view = r.registry.view;
  const [bytes] = await view.store.readEntries(at, at + 1);
  const entry = decodeLogEntry(bytes!);
  if (isViolation(entry) || !isCommitment(entry)) throw new Error(`entry ${at} is not a commitment`);
  const map = view.map;
  const c = await map.commitment(at);
  expect(c?.root).toEqual(entry.commitment.root);
  const key = map.key("label", labelId);
  const [proof] = await map.prove(at, [key]);
  const t = proof!.terminal;
  if (t.kind === "leaf" && t.key.every((b, i) => b === key[i])) {
    const [value] = await map.valuesOf([{ key, hash: t.valueHash }]);
    const result = verifyMapProof(
      defaultMapHasher,
      entry.commitment.root,
      key,
      withValue(map.hasher, key, proof!, value!),
    );
    return result.present;
  }
  return verifyMapProof(defaultMapHasher, entry.commitment.root, key, proof!).present;
}

function withDb(dir: string, fn: (db: Database.Database) => void): void {
  const db = new Database(join(dir, SQLITE_FILE));
  try {
    fn(db);
  } finally {
    db.close();
  }
}

async function startFailure(dir: string): Promise<unknown> {
  return start(dir).then(
    async (r) => {
      await r.close();
      return undefined;
    },
    (e: unknown) => e,
  );
}

describe("the state map kept in the store", () => {
  it("serves proofs of old and new keys after a restart, from the stored map", async () => {
    const { dir, commitments } = await populate(6);
    const r = await start(dir);
    try {
      const newest = commitments.at(-1)!;
      expect(r.registry.view.map.latest?.size).toBe(newest);
      expect(await proveLabel(r, newest, "STM-0")).toBe(true);
      expect(await proveLabel(r, newest, "STM-5")).toBe(true);
      expect(await proveLabel(r, newest, "STM-99")).toBe(false);
      // An older kept commitment proves the map as it was then.
      expect(await proveLabel(r, commitments[1]!, "STM-1")).toBe(true);
      expect(await proveLabel(r, commitments[1]!, "STM-2")).toBe(false);
      // And the registry writes on from there, the map still in the store.
      const receipt = await r.registry.submit(sign(issuer, labelIssued("l6", "STM", "6"), ORIGIN));
      expect(receipt.map).toBeDefined();
      expect(await proveLabel(r, receipt.treeSize - 1, "STM-6")).toBe(true);
      expect(await proveLabel(r, receipt.treeSize - 1, "STM-0")).toBe(true);
    } finally {
      await r.close();
    }
  });

  it("does not recompute the map at start-up: a changed stored root node stops it, naming the commitment", async () => {
    const { dir, commitments } = await populate(3);
    const newest = commitments.at(-1)!;
    // The newest root node replaced by the one before it: a replay from the entries would not
    // read it, and would start; the check of the stored map against the commitment does not.
    withDb(dir, (db) => {
      const rows = db
        .prepare<[Uint8Array], { version: number; node: Buffer }>(
          "SELECT version, node FROM map_nodes WHERE path = ? ORDER BY version DESC LIMIT 2",
        )
        .all(pathBytes(ROOT_PATH));
      expect(rows[0]!.version).toBe(newest);
      db.prepare("UPDATE map_nodes SET node = ? WHERE path = ? AND version = ?").run(
        rows[1]!.node,
        pathBytes(ROOT_PATH),
        newest,
      );
    });
    const e = await startFailure(dir);
    expect(e).toBeInstanceOf(IntegrityError);
    expect(e).toMatchObject({ problem: "map-commitment", index: newest });
  });

  it("a store that lost its map nodes stops the start at its newest commitment", async () => {
    const { dir, commitments } = await populate(2);
    withDb(dir, (db) => db.prepare("DELETE FROM map_nodes").run());
    const e = await startFailure(dir);
    expect(e).toMatchObject({ problem: "map-commitment", index: commitments.at(-1) });
  });

  it("prunes old map versions in the background and keeps every kept commitment provable", async () => {
    const labels = DEFAULT_KEPT_MAP_VERSIONS + 2 * PRUNE_EVERY_COMMITMENTS;
    const { dir, commitments } = await populate(labels);
    let floor = 0;
    withDb(dir, (db) => {
      floor = db.prepare<[], number>("SELECT map_floor FROM state_meta").pluck().get()!;
    });
    expect(floor).toBeGreaterThan(0);
    const kept = commitments.slice(-DEFAULT_KEPT_MAP_VERSIONS);
    expect(floor).toBeLessThanOrEqual(kept[0]!);
    const r = await start(dir);
    try {
      for (const [k, at] of kept.entries()) {
        const n = labels - DEFAULT_KEPT_MAP_VERSIONS + k;
        expect(await proveLabel(r, at, `STM-${n}`)).toBe(true);
        expect(await proveLabel(r, at, `STM-${n + 1}`)).toBe(false);
      }
      // A commitment below the floor is no longer provable, and says so.
      const gone = commitments.find((c) => c < floor)!;
      expect(await r.registry.view.map.commitment(gone)).toBeUndefined();
    } finally {
      await r.close();
    }
  });
});
