// Sequencer failover (issue 7): two `labelreg serve --store postgres` processes share one log in
// a throwaway PostgreSQL cluster; one holds the sequencer lease, the other is a standby. Clients
// under load send each statement until some process answers it, retrying with the same bytes
// (same request id) and moving to the other process on UNAVAILABLE or a timeout.
//   - SIGKILL the active sequencer: the standby takes over within a few seconds; every receipt any
//     client got is in the log at its index with its bytes; the log holds each statement exactly
//     once; no two checkpoints of one size differ (every root a client saw is the root of that
//     prefix of the stored entries).
//   - SIGSTOP the active sequencer past its lease, then SIGCONT: the standby takes over, and the
//     resumed process (fenced in the database) answers nothing it did not commit, and steps down.
import { decodeLogEntry, isCommitment, type DecodedLogEntry } from "../services/domain/decode.js";
import * as grpc from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { bytesEqual, toHex } from "../log/bytes.js";
import { integrate } from "../log/integrate.js";
import { emptyTreeState } from "../log/tree-state.js";
import type { SignedStatement } from "../proto/gen/messages/labelreg/v1/entry.js";
import { IssuanceServiceClient } from "../services/grpc/clients.js";
import { openPostgresStore } from "../services/store/postgres.js";
import { ReceiptBook, submitOnce } from "./issuance-load.js";
import { usePostgres } from "./postgres.js";
import { startRegistryChild, type RegistryChild } from "./registry-child.js";
import { shareKeys } from "./shared-store.js";
import { categoryPublished, issuerAccredited, issuerKey, labelIssued, sign, type RawSigner } from "./statement-kit.js";

const cluster = usePostgres();
const dir = mkdtempSync(join(tmpdir(), "labelreg-failover-"));
const children: RegistryChild[] = [];
afterAll(async () => {
  for (const c of children) await c.kill();
  rmSync(dir, { recursive: true, force: true });
});

const RETRY = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.CANCELLED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.INTERNAL,
  grpc.status.UNKNOWN,
]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Two registry processes on one log; the first takes the lease. */
async function startPair(name: string, extra: string[] = []) {
  const url = await cluster().createDatabase(name);
  const args = ["--store", "postgres", "--postgres-url", url, "--batch-linger-ms", "2", ...extra];
  const a = await startRegistryChild({ dataDir: join(dir, name, "a"), args });
  children.push(a);
  shareKeys(join(dir, name, "a"), join(dir, name, "b"));
  const b = await startRegistryChild({ dataDir: join(dir, name, "b"), args });
  children.push(b);
  return { url, a, b };
}

/** Clients that send each statement until answered, moving between the processes on failure. */
class Clients {
  readonly book: ReceiptBook;
  readonly clients: IssuanceServiceClient[];
  /** Which process answered, and when (performance.now()). */
  readonly answers: { server: number; at: number }[] = [];
  retried = 0;
  private preferred = 0;
  private stopped = false;
  private readonly lanes: Promise<void>[] = [];

  constructor(
    addresses: string[],
    logVerifierKey: string,
    private readonly deadlineMs = 1500,
  ) {
    this.book = new ReceiptBook(logVerifierKey);
    this.clients = addresses.map((a) => new IssuanceServiceClient(a, grpc.credentials.createInsecure()));
  }

  /** Sends until some process answers with a receipt; a refusal fails the test. */
  async submit(signed: SignedStatement): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      if (attempt === 1) this.retried++;
      const server = this.preferred;
      try {
        const index = this.book.record(signed, await submitOnce(this.clients[server]!, signed, this.deadlineMs));
        this.answers.push({ server, at: performance.now() });
        return index;
      } catch (e) {
        const code = (e as grpc.ServiceError).code;
        if (code === undefined || !RETRY.has(code)) throw e;
        if (this.preferred === server) this.preferred = (server + 1) % this.clients.length;
        await sleep(10 + Math.random() * 20);
      }
    }
  }

  /** `lanes` concurrent clients issuing new labels until stopped; each finishes what it sent. */
  load(issuers: { id: string; key: RawSigner }[], lanes: number): void {
    for (let l = 0; l < lanes; l++) {
      const is = issuers[l % issuers.length]!;
      this.lanes.push(
        (async () => {
          for (let n = 0; !this.stopped; n++)
            await this.submit(sign(is.key, labelIssued(`${is.id}-L${l}N${n}`, is.id, `L${l}N${n}`), this.book.origin));
        })(),
      );
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.lanes);
    for (const c of this.clients) c.close();
  }

  answeredBy(server: number, after = 0): number {
    return this.answers.filter((a) => a.server === server && a.at > after).length;
  }
}

async function setUp(c: Clients, authority: RawSigner, issuerCount: number) {
  await c.submit(sign(authority, categoryPublished("cat"), c.book.origin));
  const issuers = Array.from({ length: issuerCount }, (_, i) => ({ id: `FO${i}`, key: issuerKey(300 + i) }));
  for (const is of issuers)
    await c.submit(sign(authority, issuerAccredited(`acc-${is.id}`, is.id, is.key), c.book.origin));
  return issuers;
}

/** The log against what clients were told. */
async function audit(url: string, c: Clients): Promise<number> {
  const store = await openPostgresStore({ connectionString: url });
  try {
    const size = (await store.latestCheckpoint())?.size ?? 0;
    const entries = await store.readEntries(0, size);
    expect(c.book.problems, "receipts that do not verify, or two roots for one size").toEqual([]);
    expect(c.book.refusals).toEqual([]);
    const wrong = c.book.acked.filter((a) => !(a.index < size && bytesEqual(entries[a.index]!, a.entry)));
    expect(
      wrong.map((a) => a.index),
      "acknowledged entries missing or changed",
    ).toEqual([]);
    // Each statement once: distinct acknowledged statements are exactly the log's statement
    // entries; the others are the map commitments that end each batch.
    const statements = new Set(c.book.acked.map((a) => toHex(a.signed.signature)));
    const statementEntries = entries.filter((e) => !isCommitment(decodeLogEntry(e) as DecodedLogEntry)).length;
    expect(statementEntries).toBe(statements.size);
    expect(new Set(c.book.acked.map((a) => a.index)).size).toBe(statementEntries);
    // Every root a client saw is the root of that prefix of the stored entries.
    const sizes = [...c.book.roots.keys()].sort((x, y) => x - y);
    let state = emptyTreeState();
    for (const s of sizes) {
      state = integrate(state, entries.slice(state.size, s)).state;
      expect(toHex(state.root), `root at size ${s}`).toBe(c.book.roots.get(s));
    }
    return size;
  } finally {
    await store.close();
  }
}

describe("sequencer failover on a shared PostgreSQL store", () => {
  it("SIGKILL of the active sequencer under load: the standby takes over, nothing acknowledged is lost, retries get their receipts", async () => {
    const { url, a, b } = await startPair("kill");
    const c = new Clients([a.address, b.address], a.logVerifierKey);
    const issuers = await setUp(c, a.authority, 4);
    expect(c.answeredBy(0)).toBe(5); // a took the lease, b is a standby
    c.load(issuers, 24);
    await sleep(1500);
    const beforeKill = c.book.acked.length;
    const killedAt = performance.now();
    await a.kill();
    // Wait for the standby's first answer, then some more load on it.
    while (c.answeredBy(1, killedAt) === 0 && performance.now() - killedAt < 20_000) await sleep(20);
    const takeoverMs = (c.answers.find((x) => x.server === 1 && x.at > killedAt)?.at ?? Infinity) - killedAt;
    await sleep(1000);
    await c.stop();
    const size = await audit(url, c);
    console.log(
      `failover (SIGKILL): ${beforeKill} acknowledged before the kill, takeover in ${takeoverMs.toFixed(0)} ms, ` +
        `${c.answeredBy(1, killedAt)} answered by the standby, ${c.retried} statements retried, log size ${size}`,
    );
    expect(beforeKill).toBeGreaterThan(100);
    expect(takeoverMs).toBeLessThan(6000);
    expect(c.answeredBy(1, killedAt)).toBeGreaterThan(100);
    expect(c.retried).toBeGreaterThan(0);
  });

  it("SIGSTOP of the active sequencer past its lease: the standby takes over; the resumed one answers nothing uncommitted and steps down", async () => {
    // A shorter lease than the default 3 s, through the CLI flag: the row shows it is in force.
    const { url, a, b } = await startPair("pause", ["--lease-ttl-ms", "2000"]);
    const db = new pg.Client({ connectionString: url });
    await db.connect();
    const lease = await db.query<{ ms: string }>(
      "SELECT EXTRACT(EPOCH FROM expires_at - clock_timestamp()) * 1000 AS ms FROM labelreg.sequencer_lease",
    );
    await db.end();
    expect(Number(lease.rows[0]!.ms)).toBeGreaterThan(0);
    expect(Number(lease.rows[0]!.ms)).toBeLessThanOrEqual(2000);
    const c = new Clients([a.address, b.address], a.logVerifierKey);
    const issuers = await setUp(c, a.authority, 4);
    c.load(issuers, 16);
    await sleep(1000);
    const pausedAt = performance.now();
    a.child.kill("SIGSTOP");
    try {
      while (c.answeredBy(1, pausedAt) < 200 && performance.now() - pausedAt < 20_000) await sleep(20);
    } finally {
      a.child.kill("SIGCONT");
    }
    const resumedAt = performance.now();
    // The resumed process may still answer statements it committed before the pause; whatever
    // it answers must be in the log (the audit checks every receipt). Then it is a standby.
    await sleep(1500);
    const late = await submitOnce(
      c.clients[0]!,
      sign(issuers[0]!.key, labelIssued("after-resume", issuers[0]!.id, "AFTERRESUME"), c.book.origin),
      2000,
    ).catch((e: grpc.ServiceError) => e);
    expect(late).toMatchObject({ code: grpc.status.UNAVAILABLE });
    await c.stop();
    await audit(url, c);
    console.log(
      `failover (SIGSTOP): standby answered ${c.answeredBy(1, pausedAt)} during the pause; ` +
        `the resumed process answered ${c.answeredBy(0, resumedAt)} afterwards (all in the log)`,
    );
    expect(c.answeredBy(1, pausedAt)).toBeGreaterThanOrEqual(200);
  });
});
