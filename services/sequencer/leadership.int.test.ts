// LeaderElection over a real PostgreSQL lease: the holder renews often enough for the lease's
// TTL (a third of it when that is under 500 ms), keeps it without a gap, and a second process
// takes over only once the first stops.
import { afterEach, describe, expect, it } from "vitest";
import { ed25519NoteSigner } from "../../log/note-keys.js";
import { usePostgres } from "../../test/postgres.js";
import { T0, testKey } from "../../test/domain-testkit.js";
import { Registry } from "../registry.js";
import { openMemoryStore } from "../store/memory.js";
import { openPostgresLease } from "../store/postgres-lease.js";
import { LeaderElection, type LeadershipEvent } from "./leadership.js";

const cluster = usePostgres();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
});

async function candidate(url: string, holder: string, ttlMillis: number) {
  const registry = await Registry.open({
    store: openMemoryStore(),
    logSigner: ed25519NoteSigner("registry.test/log", new Uint8Array(32).fill(9)),
    authorityPublicKey: testKey(1).publicKey,
    now: () => T0,
    standby: true,
  });
  const lease = await openPostgresLease({ connectionString: url, holder, ttlMillis });
  const events: LeadershipEvent[] = [];
  const election = new LeaderElection(registry, lease, { onEvent: (e) => events.push(e) });
  const stop = async () => {
    await election.stop();
    await registry.close();
  };
  stops.push(stop);
  return { election, events, stop };
}

describe("LeaderElection on a PostgreSQL lease", () => {
  it("holds a 500 ms lease for seconds without losing it, then hands it over on stop", async () => {
    const url = await cluster().createDatabase("leader");
    const a = await candidate(url, "a", 500);
    for (let t = 0; !a.election.leading && t < 100; t++) await sleep(20);
    expect(a.election.leading).toBe(true);
    const b = await candidate(url, "b", 500);
    await sleep(3000);
    // Renewing every 500 ms, as before the TTL was a flag, would let a 500 ms grant lapse.
    expect(a.events.filter((e) => e.kind !== "promoted")).toEqual([]);
    expect(a.election.leading).toBe(true);
    expect(b.election.leading).toBe(false);
    await a.stop();
    for (let t = 0; !b.election.leading && t < 100; t++) await sleep(20);
    expect(b.election.leading).toBe(true);
  });
});
