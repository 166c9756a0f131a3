// The PostgreSQL sequencer lease and its fence, on a throwaway cluster: one holder at a time, a
// new epoch per acquisition, takeover after expiry, and appends that commit only while their
// session names the live holder — a paused old leader cannot commit even when nobody wrote since.
import { beforeAll, describe, expect, it } from "vitest";
import { usePostgres } from "../../test/postgres.js";
import type { LeaseGrant, SequencerLease } from "./lease.js";
import { fencedConnectionString, openPostgresLease } from "./postgres-lease.js";
import { openPostgresStore, type PostgresStore } from "./postgres.js";
import { SizeConflictError, StoreUnavailableError } from "./port.js";
import { syntheticBatch } from "../../test/store/synthetic.js";

const cluster = usePostgres();
let database = "";
let schemas = 0;
beforeAll(async () => {
  database = await cluster().createDatabase("lease");
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function withLog<T>(
  fn: (ctx: {
    schema: string;
    lease: (holder: string, ttlMillis?: number) => Promise<SequencerLease>;
    store: (holder?: string) => Promise<PostgresStore>;
  }) => Promise<T>,
): Promise<T> {
  const schema = `lease_${++schemas}`;
  const opened: { close(): Promise<void> }[] = [];
  try {
    return await fn({
      schema,
      lease: async (holder, ttlMillis = 1000) => {
        const l = await openPostgresLease({ connectionString: database, schema, holder, ttlMillis });
        opened.push(l);
        return l;
      },
      store: async (holder) => {
        const s = await openPostgresStore({
          connectionString: holder ? fencedConnectionString(database, holder) : database,
          schema,
        });
        opened.push(s);
        return s;
      },
    });
  } finally {
    for (const o of opened) await o.close();
  }
}

describe("PostgreSQL sequencer lease", () => {
  it("one holder at a time; a new epoch on every acquisition; renew only while held; release frees it", () =>
    withLog(async ({ lease }) => {
      const a = await lease("node-a");
      const b = await lease("node-b");
      const ga = (await a.acquire())!;
      expect(ga).toMatchObject({ holder: "node-a", epoch: 1 });
      expect(ga.validUntil).toBeGreaterThan(performance.now() + 500);
      expect(await b.acquire()).toBeUndefined();
      // Acquiring again while holding extends, same epoch.
      expect((await a.acquire())?.epoch).toBe(1);
      const renewed = (await a.renew(ga))!;
      expect(renewed.epoch).toBe(1);
      expect(await b.renew({ ...ga, holder: "node-b" })).toBeUndefined();
      await a.release(renewed);
      const gb = (await b.acquire())!;
      expect(gb).toMatchObject({ holder: "node-b", epoch: 2 });
      // The old grant is dead: renew refuses it, release leaves b's lease alone.
      expect(await a.renew(renewed)).toBeUndefined();
      await a.release(renewed);
      expect(await a.acquire()).toBeUndefined();
    }));

  it("an expired lease is taken over with a new epoch, and the old holder cannot renew it", () =>
    withLog(async ({ lease }) => {
      const a = await lease("node-a", 600);
      const b = await lease("node-b", 600);
      const ga = (await a.acquire())!;
      expect(await b.acquire()).toBeUndefined();
      await sleep(700);
      const gb = (await b.acquire())!;
      expect(gb.epoch).toBe(ga.epoch + 1);
      expect(await a.renew(ga)).toBeUndefined();
    }));

  it("racing acquisitions: exactly one wins each time", () =>
    withLog(async ({ lease }) => {
      const leases = await Promise.all(["n0", "n1", "n2", "n3", "n4"].map((h) => lease(h, 600)));
      let epoch = 0;
      for (let round = 0; round < 3; round++) {
        const grants = await Promise.all(leases.map((l) => l.acquire()));
        const won = grants.filter((g): g is LeaseGrant => g !== undefined);
        expect(won).toHaveLength(1);
        expect(won[0]!.epoch).toBe(++epoch);
        await leases.find((l) => l.holder === won[0]!.holder)!.release(won[0]!);
      }
    }));
});

describe("the lease fence on appends", () => {
  it("only the live holder's session commits; a paused holder whose lease expired cannot, even if nobody wrote since", () =>
    withLog(async ({ lease, store }) => {
      const la = await lease("node-a", 600);
      const lb = await lease("node-b", 600);
      const sa = await store("node-a");
      const sb = await store("node-b");
      const unfenced = await store();

      const ga = (await la.acquire())!;
      await sa.append(syntheticBatch("a", 0, 3));
      // Not the holder: refused by the database, nothing written.
      const refuse = async (s: PostgresStore, at: number) => {
        const err = await s.append(syntheticBatch("x", at, 1)).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(StoreUnavailableError);
        expect((err as Error).message).toMatch(/does not hold the sequencer lease.*LR001/);
      };
      await refuse(sb, 3);
      await refuse(unfenced, 3);

      // a "pauses" past its lease; nobody else has acquired or written yet.
      await sleep(700);
      await refuse(sa, 3);
      expect((await sa.latestCheckpoint())?.size).toBe(3);

      // b takes over and writes; a, resuming with its old view, is refused by the size CAS too.
      const gb = (await lb.acquire())!;
      expect(gb.epoch).toBe(ga.epoch + 1);
      await sb.append(syntheticBatch("b", 3, 2));
      const late = await sa.append(syntheticBatch("a", 3, 1)).catch((e: unknown) => e);
      expect(late).toBeInstanceOf(SizeConflictError);
      await refuse(sa, 5);
      expect((await unfenced.latestCheckpoint())?.size).toBe(5);
      expect(await unfenced.readEntries(3, 5)).toEqual(syntheticBatch("b", 3, 2).entries);
    }));

  it("a takeover attempt while the live holder appends fails and leaves the append whole", () =>
    withLog(async ({ lease, store }) => {
      const la = await lease("node-a", 800);
      const lb = await lease("node-b", 800);
      const sa = await store("node-a");
      await la.acquire();
      // A big append holds the lease row share-locked for a moment; b's attempt (the lease is
      // live) fails and the append commits whole.
      const appending = sa.append(syntheticBatch("a", 0, 3000));
      const attempt = await lb.acquire();
      await appending;
      expect(attempt).toBeUndefined();
      expect((await sa.latestCheckpoint())?.size).toBe(3000);
    }));
});
