// Crash safety when the database itself dies: a registry in a child process sequences onto
// PostgreSQL under load from concurrent gRPC clients, and the database server is killed with an
// immediate stop (no shutdown checkpoint: crash recovery from the WAL) at random moments, round
// after round, and started again. The registry is never restarted. After the rounds:
//   - every receipt any client received is in the log at its index with the same bytes;
//   - no two roots were ever seen for one size, and every checkpoint seen is a prefix of the log;
//   - the registry sequenced again after each return of the database, by itself.
// The registry SIGKILL rounds are in crash.e2e.test.ts (SQLite) and failover.e2e.test.ts.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openPostgresStore } from "../services/store/postgres.js";
import { auditState, auditStore } from "./crash-audit.js";
import { Connection, Load, ReceiptBook, submitOnce } from "./issuance-load.js";
import { usePostgres } from "./postgres.js";
import { startRegistryChild, type RegistryChild } from "./registry-child.js";
import { categoryPublished, issuerAccredited, issuerKey, sign } from "./statement-kit.js";

const ROUNDS = 4;
const ISSUERS = 2;
const LANES_PER_ISSUER = 4;

const cluster = usePostgres();
const dir = mkdtempSync(join(tmpdir(), "labelreg-pgcrash-"));
let server: RegistryChild | undefined;
afterAll(async () => {
  await server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (!check()) {
    if (performance.now() - start > timeoutMs)
      throw new Error(`${what}: not within ${timeoutMs} ms\n${server?.stderr() ?? ""}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - start;
}

describe("crash safety: the PostgreSQL server killed under load", () => {
  it(`keeps every acknowledged entry, never forks, and the registry recovers by itself, over ${ROUNDS} kills`, async () => {
    const url = await cluster().createDatabase("dbcrash");
    server = await startRegistryChild({
      dataDir: join(dir, "data"),
      args: ["--store", "postgres", "--postgres-url", url, "--lease-ttl-ms", "1000", "--batch-linger-ms", "2"],
    });
    const book = new ReceiptBook(server.logVerifierKey);
    const conn = new Connection();
    conn.set(server.address);

    // Set-up under no load (the standby takes the lease within moments: retry until it sequences).
    const issuers = Array.from({ length: ISSUERS }, (_, i) => ({ id: `PGK${i}`, key: issuerKey(8000 + i) }));
    const client = await conn.get();
    for (const s of [
      categoryPublished("pgcrash-cat"),
      ...issuers.map((is) => issuerAccredited(`pgcrash-${is.id}`, is.id, is.key)),
    ]) {
      const signed = sign(server.authority, s, server.origin);
      for (let attempt = 0; ; attempt++) {
        try {
          book.record(signed, await submitOnce(client, signed));
          break;
        } catch (e) {
          if (attempt > 100) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    const load = new Load(conn, book);
    load.authorityLane(server.authority, "PGAUX");
    issuers.forEach((is) => {
      for (let lane = 0; lane < LANES_PER_ISSUER; lane++) load.labelLane(is.id, is.key, lane);
    });

    const recoveries: number[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const before = book.acked.length;
      await until("load runs", () => book.acked.length >= before + 30, 30_000);
      await new Promise((r) => setTimeout(r, Math.random() * 500));
      await cluster().kill();
      const ackedAtKill = book.acked.length;
      await new Promise((r) => setTimeout(r, 300 + Math.random() * 1200));
      await cluster().start();
      // Recovery: the same registry process sequences again (new receipts), with no restart.
      recoveries.push(
        await until(
          `round ${round}: sequencing resumes after the database returns`,
          () => book.acked.length >= ackedAtKill + 20,
          60_000,
        ),
      );
      expect(server.child.exitCode).toBeNull();
    }
    await load.stop();

    const store = await openPostgresStore({ connectionString: url });
    try {
      const size = await auditStore(store, book, server.logVerifierKey);
      // Every kill cut appends short; the state tables went with them, all or nothing.
      expect(await auditState(store, server.authority.publicKey)).toBeGreaterThan(0);
      expect(book.problems).toEqual([]);
      expect(book.refusals).toEqual([]);
      expect(load.retried).toBeGreaterThan(0);
      console.log(
        `postgres crash test: ${ROUNDS} database kills, log size ${size}, ${book.acked.length} receipts, ${book.roots.size} checkpoints seen, ` +
          `${load.retried} statements retried; sequencing resumed ${recoveries.map((ms) => `${(ms / 1000).toFixed(1)} s`).join(", ")} after each restart`,
      );
    } finally {
      await store.close();
    }
  }, 300_000);
});
