// The shared store goes down under a sequencing registry and a read replica (PostgreSQL, a
// throwaway cluster of this file's own, killed with an immediate stop): writes fail fast with
// UNAVAILABLE, both keep serving reads from their last state, and once the database is back the
// sequencer takes its lease again and the replica catches up — no restart, no operator.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { elapsed } from "../test/elapsed.js";
import { usePostgres } from "../test/postgres.js";
import { startPrimaryAndReplica, waitUntil, type RegistryPair } from "../test/shared-store.js";
import { categoryPublished, issuerAccredited, issuerKey, labelIssued, sign } from "../test/statement-kit.js";
import { readSignerKeyFile } from "./config/key-files.js";
import { RegistryError } from "./sequencer/errors.js";
import { devAuthorityKeyPath, type RunningRegistry } from "../app/server.js";

const cluster = usePostgres();
let pair: RegistryPair;
let primary: RunningRegistry;
let replica: RunningRegistry;

beforeAll(async () => {
  pair = await startPrimaryAndReplica(await cluster().createDatabase("outage"));
  ({ primary, replica } = pair);
});

afterAll(async () => {
  await pair?.close();
});

const issuer = issuerKey(11);
const issue = (n: number) => sign(issuer, labelIssued(`out-${n}`, "OUT", `N${n}`), primary.registry.origin);
const status = async (r: RunningRegistry, labelId: string) => {
  const res = await fetch(`${r.http!.url}/api/v1/labels/${labelId}`);
  await res.arrayBuffer();
  return res.status;
};

describe("the shared store goes down and comes back", () => {
  it("writes fail fast with UNAVAILABLE, reads keep serving, and both registries recover by themselves", async () => {
    const authority = readSignerKeyFile(devAuthorityKeyPath(pair.primaryDir));
    await primary.registry.submit(sign(authority, categoryPublished("cat"), primary.registry.origin));
    await primary.registry.submit(sign(authority, issuerAccredited("acc", "OUT", issuer), primary.registry.origin));
    for (let n = 0; n < 20; n++) await primary.registry.submit(issue(n));
    await waitUntil("replica caught up", () => replica.registry.view.size === primary.registry.view.size, 5000);
    const sizeBefore = primary.registry.view.size;
    const checkpointBefore = primary.registry.view.checkpoint;
    // Read once while the store is up: the state is in the store, and a registry serves through
    // an outage what it holds in memory (a replica holds only what it has read since it caught up).
    for (const r of [primary, replica]) expect(await status(r, "OUT-N19")).toBe(200);

    await cluster().kill();

    // Writes: UNAVAILABLE, fast — while the lease still runs (the append fails) and after the
    // sequencer stepped down (refused at once).
    for (const [n, pause] of [
      [100, 0],
      [101, 3500],
    ] as const) {
      await new Promise((r) => setTimeout(r, pause));
      const { ms, result } = await elapsed(primary.registry.submit(issue(n)));
      expect(result.status).toBe("rejected");
      const err = (result as PromiseRejectedResult).reason as RegistryError;
      expect(err).toBeInstanceOf(RegistryError);
      expect(err.code).toBe("UNAVAILABLE");
      expect(ms).toBeLessThan(3000);
      console.log(`store down: submit ${n - 99} refused in ${ms.toFixed(0)} ms (${err.rule})`);
    }
    expect(primary.registry.readOnly).toBe(true); // stepped down when the lease could not be renewed

    // Reads: the last state, on both.
    for (const r of [primary, replica]) {
      expect(await status(r, "OUT-N19")).toBe(200);
      expect(await (await fetch(`${r.http!.url}/checkpoint`)).text()).toBe(checkpointBefore);
      expect(r.registry.view.size).toBe(sizeBefore);
    }

    await cluster().start();
    // Recovery by itself: the lease is taken again, statements commit, the replica follows.
    const recoveredMs = await waitUntil(
      "primary sequences again",
      async () =>
        primary.registry.submit(issue(200)).then(
          () => true,
          () => false,
        ),
      30_000,
      200,
    );
    console.log(`store back: the primary sequenced again after ${recoveredMs.toFixed(0)} ms`);
    await waitUntil(
      "replica serves the new label",
      async () => (await status(replica, "OUT-N200")) === 200,
      10_000,
      20,
    );
    expect(replica.registry.view.checkpoint).toBe(primary.registry.view.checkpoint);
    // The statements refused during the outage were never written.
    expect(await status(replica, "OUT-N100")).toBe(404);
    expect(await status(replica, "OUT-N101")).toBe(404);
  });

  it("a database that stops answering (frozen): writes fail with UNAVAILABLE within seconds, reads serve, recovery on thaw", async () => {
    await waitUntil("primary leads", () => !primary.registry.readOnly, 10_000, 50);
    const sizeBefore = primary.registry.view.size;
    cluster().freeze();
    try {
      const { ms, result } = await elapsed(primary.registry.submit(issue(300)));
      expect(result.status).toBe("rejected");
      expect((result as PromiseRejectedResult).reason).toMatchObject({ code: "UNAVAILABLE" });
      console.log(
        `store frozen: submit refused in ${ms.toFixed(0)} ms (${((result as PromiseRejectedResult).reason as RegistryError).rule})`,
      );
      expect(ms).toBeLessThan(4000);
      expect(await status(replica, "OUT-N19")).toBe(200);
      expect(await status(primary, "OUT-N200")).toBe(200);
    } finally {
      cluster().thaw();
    }
    await waitUntil(
      "primary sequences again",
      async () =>
        primary.registry.submit(issue(301)).then(
          () => true,
          () => false,
        ),
      30_000,
      200,
    );
    await waitUntil("replica follows", () => replica.registry.view.size > sizeBefore, 10_000, 20);
  });
});
