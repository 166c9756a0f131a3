// LeaderElection over a real PostgreSQL lease: the holder renews often enough for the lease's
// TTL (a third of it when that is under 500 ms), keeps it without a gap, and a second process
// takes over only once the first stops. The lease expires on the database's clock, so time runs
// for real; the test waits on the lease calls and election events, never on a fixed sleep.
import { afterEach, describe, expect, it } from "vitest";
import { ed25519NoteSigner } from "../../log/note-keys.js";
import { usePostgres } from "../../test/postgres.js";
import { T0, testKey } from "../../test/domain-testkit.js";
import { Registry } from "../registry.js";
import type { SequencerLease } from "../store/lease.js";
import { openMemoryStore } from "../store/memory.js";
import { openPostgresLease } from "../store/postgres-lease.js";
import { LeaderElection, type LeadershipEvent } from "./leadership.js";

const cluster = usePostgres();
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

// Every lease answer and election event wakes the waiters, which recheck their condition.
const waiters = new Set<() => void>();
function changed(): void {
  for (const w of waiters) w();
  waiters.clear();
}
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise<void>((r) => waiters.add(r));
}

/** The real lease, counting its answers. */
function counted(lease: SequencerLease) {
  const counts = { acquired: 0, renewed: 0, refused: 0 };
  const wrapped: SequencerLease = {
    holder: lease.holder,
    ttlMillis: lease.ttlMillis,
    acquire: async () => {
      const g = await lease.acquire();
      if (g) counts.acquired++;
      else counts.refused++;
      changed();
      return g;
    },
    renew: async (grant) => {
      const g = await lease.renew(grant);
      if (g) counts.renewed++;
      changed();
      return g;
    },
    release: (grant) => lease.release(grant),
    close: () => lease.close(),
  };
  return { wrapped, counts };
}

/** A registry process taking part in the election; its promotions wait for `promotion` first, if given. */
async function candidate(url: string, holder: string, ttlMillis: number, promotion?: Promise<void>) {
  const registry = await Registry.open({
    store: openMemoryStore(),
    logSigner: ed25519NoteSigner("registry.test/log", new Uint8Array(32).fill(9)),
    authorityPublicKey: testKey(1).publicKey,
    now: () => T0,
    standby: true,
  });
  const { wrapped, counts } = counted(await openPostgresLease({ connectionString: url, holder, ttlMillis }));
  const events: LeadershipEvent[] = [];
  // A promotion that takes long, as one that rebuilds the state tables does.
  const slow = new Proxy(registry, {
    get(t, p) {
      if (p === "promote" && promotion !== undefined)
        return async () => {
          await promotion;
          return t.promote();
        };
      const v = Reflect.get(t, p) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
  const election = new LeaderElection(slow, wrapped, {
    onEvent: (e) => {
      events.push(e);
      changed();
    },
  });
  const stop = async () => {
    await election.stop();
    await registry.close();
  };
  stops.push(stop);
  return { election, events, counts, stop };
}

describe("LeaderElection on a PostgreSQL lease", () => {
  it("holds a 500 ms lease through many renewals without losing it, then hands it over on stop", async () => {
    const url = await cluster().createDatabase("leader");
    const a = await candidate(url, "a", 500);
    await until(() => a.election.leading);
    const b = await candidate(url, "b", 500);
    // Twelve renewals span several TTLs; meanwhile b tries (and fails) to take the lease. Renewing
    // every 500 ms, as before the TTL was a flag, would let a 500 ms grant lapse: b would take it,
    // or a would step down, and the wait ends early on that.
    const lost = () => a.events.some((e) => e.kind !== "promoted") || b.election.leading;
    await until(() => lost() || (a.counts.renewed >= 12 && b.counts.refused >= 3));
    expect(a.events.filter((e) => e.kind !== "promoted")).toEqual([]);
    expect(a.election.leading).toBe(true);
    expect(b.election.leading).toBe(false);
    await a.stop();
    await until(() => b.election.leading);
    expect(b.events.map((e) => e.kind)).toEqual(["promoted"]);
  });

  it("keeps the lease through a promotion that outlasts it, so no other standby takes it meanwhile", async () => {
    const url = await cluster().createDatabase("leader");
    let finish!: () => void;
    const a = await candidate(url, "a", 500, new Promise<void>((r) => (finish = r)));
    await until(() => a.counts.acquired === 1);
    const b = await candidate(url, "b", 500);
    try {
      // Several TTLs while a is being promoted: b tries and fails to take the lease.
      await until(() => b.election.leading || (b.counts.refused >= 4 && a.counts.renewed >= 4));
      expect(b.election.leading).toBe(false);
      expect(a.election.leading).toBe(false);
    } finally {
      finish(); // else stopping a waits for its promotion
    }
    await until(() => a.election.leading || a.events.length > 0);
    expect(a.events.map((e) => e.kind)).toEqual(["promoted"]);
    expect(a.election.leading).toBe(true);
    expect(b.election.leading).toBe(false);
  });
});
