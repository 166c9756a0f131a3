// Crash safety of the write path (issue 3): a registry in a child process under load from several
// concurrent gRPC clients is killed with SIGKILL at random moments, many rounds, and restarted on
// the same data each time. After every restart:
//   - every receipt any client received is in the log at its index with the same entry bytes;
//   - the tree recomputed from all entries has the root of the store's signed checkpoint;
//   - every checkpoint a client saw is a prefix of it (its root recomputed from the entries, and a
//     consistency proof generated from the store's tiles verifies);
//   - no two distinct roots were ever seen for one size;
//   - a retry of acknowledged statements (same bytes, same request id) gets the same index and bytes;
//   - the state tables reflect the log's size and every row is the one a rebuild writes.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bytesEqual } from "../log/bytes.js";
import { openSqliteStore } from "../services/store/sqlite.js";
import { auditState, auditStore } from "./crash-audit.js";
import { Connection, Load, ReceiptBook, submitOnce } from "./issuance-load.js";
import { startRegistryChild, type RegistryChild } from "./registry-child.js";
import { categoryPublished, issuerAccredited, issuerKey, sign } from "./statement-kit.js";

const ROUNDS = 12;
const ISSUERS = 3;
const LANES_PER_ISSUER = 6;

const dir = mkdtempSync(join(tmpdir(), "labelreg-crash-"));
const dataDir = join(dir, "data");
let server: RegistryChild | undefined;
afterAll(async () => {
  await server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** Checks the store against everything clients were told. Returns the store's tree size. */
async function audit(book: ReceiptBook, logVerifierKey: string): Promise<number> {
  const store = await openSqliteStore({ dir: dataDir });
  try {
    const size = await auditStore(store, book, logVerifierKey);
    // The state tables were written in the same transactions as the log: in step after any kill,
    // with no rebuild at start-up to hide it.
    expect(server!.stdout(), "a rebuild at start-up").not.toContain("rebuilding the state tables");
    await auditState(store, server!.authority.publicKey);
    return size;
  } finally {
    await store.close();
  }
}

/** Resubmits some acknowledged statements: each must come back with its index and entry bytes. */
async function replay(conn: Connection, book: ReceiptBook, count: number): Promise<void> {
  const client = await conn.get();
  for (let i = 0; i < count && book.acked.length > 0; i++) {
    const a = book.acked[Math.floor(Math.random() * book.acked.length)]!;
    const r = await submitOnce(client, a.signed, 10_000);
    expect(Number(r.index)).toBe(a.index);
    expect(bytesEqual(r.entry, a.entry)).toBe(true);
  }
}

describe("crash safety: SIGKILL under load, restart on the same data", () => {
  it(`keeps every acknowledged entry and never forks, over ${ROUNDS} kills`, async () => {
    server = await startRegistryChild({ dataDir });
    const authority = server.authority;
    const book = new ReceiptBook(server.logVerifierKey);
    const conn = new Connection();
    conn.set(server.address);

    // Set-up under no load: the catalogue category and the issuers the lanes sign as.
    const issuers = Array.from({ length: ISSUERS }, (_, i) => ({ id: `CRASH${i}`, key: issuerKey(7000 + i) }));
    const client = await conn.get();
    for (const s of [
      categoryPublished("crash-cat"),
      ...issuers.map((is) => issuerAccredited(`crash-${is.id}`, is.id, is.key)),
    ]) {
      const signed = sign(authority, s, server.origin);
      book.record(signed, await submitOnce(client, signed));
    }

    const load = new Load(conn, book);
    load.authorityLane(authority, "AUX");
    issuers.forEach((is) => {
      for (let lane = 0; lane < LANES_PER_ISSUER; lane++) load.labelLane(is.id, is.key, lane);
    });

    let lastSize = 0;
    for (let round = 1; round <= ROUNDS; round++) {
      // Let the load run, then crash at a random moment.
      await new Promise((r) => setTimeout(r, 150 + Math.random() * 900));
      await server.kill();
      conn.clear();

      server = await startRegistryChild({ dataDir });
      const size = await audit(book, server.logVerifierKey);
      expect(server.treeSize).toBe(size);
      expect(size).toBeGreaterThanOrEqual(lastSize);
      lastSize = size;
      conn.set(server.address);
      await replay(conn, book, 5);
    }

    await load.stop();
    await server.stop();
    server = await startRegistryChild({ dataDir });
    const finalSize = await audit(book, server.logVerifierKey);
    conn.set(server.address);
    await replay(conn, book, 20);
    conn.clear();

    expect(book.problems).toEqual([]);
    expect(book.refusals).toEqual([]);
    // The load was real: many receipts, and kills landed while statements were in flight.
    expect(book.acked.length).toBeGreaterThan(ROUNDS * 50);
    expect(load.retried).toBeGreaterThan(0);
    console.log(
      `crash test: ${ROUNDS} kills, log size ${finalSize}, ${book.acked.length} receipts, ${book.roots.size} checkpoints seen, ${load.retried} statements retried after an unknown outcome`,
    );
  }, 180_000);
});
