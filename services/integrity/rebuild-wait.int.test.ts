// Rebuilds of one store's state tables by several processes: a rebuild steps (heartbeats) while
// it replays, so one superseded meanwhile stops at its next beat rather than after its replay; a
// start-up finding a live rebuild (stepping recently) waits for it and serves from its tables,
// one finding a rebuild that stopped stepping takes it over, and one whose own rebuild is
// superseded waits for the newer one instead of failing.
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { T0 } from "../../test/domain-testkit.js";
import { signedMemoryLog } from "../../test/signed-memory-log.js";
import {
  authority,
  categoryStatement as category,
  commitmentIndices,
  expectRowsOf,
  logSigner,
  logVerifier,
  openRegistry,
  replayedState,
  sharedMemoryAndSqlite,
  stateWorkload,
} from "../../test/state-rows-kit.js";
import { overriding, overridingStore, withTables } from "../../test/store/wrap-tables.js";
import { usePostgres } from "../../test/postgres.js";
import { openMemoryStore } from "../store/memory.js";
import { openPostgresStore } from "../store/postgres.js";
import { RebuildSupersededError, type LogStore } from "../store/port.js";
import type { RebuildToken, StateTables } from "../store/state.js";
import { rebuildState, type RebuildReport } from "./rebuild.js";
import { prepareStateTables } from "./state-start-up.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The other process's heartbeat in these tests, and the staleness limit the start-ups apply. */
const BEAT_MS = 10;
const STALE_MS = 400;
const timing = { staleAfterMs: STALE_MS, pollMs: 5 };

/** Store instances on one backing log, as processes sharing a database open them. */
const cluster = usePostgres();
let schemas = 0;
const backends: [string, () => () => Promise<LogStore>][] = [
  ...sharedMemoryAndSqlite("labelreg-wait-"),
  [
    "PostgreSQL",
    () => {
      const schema = `wait_${++schemas}`;
      let database: Promise<string> | undefined;
      return async () =>
        openPostgresStore({ connectionString: await (database ??= cluster().createDatabase("wait")), schema });
    },
  ],
];

let logged: MockInstance<typeof console.error>;
beforeEach(() => {
  logged = vi.spyOn(console, "error").mockImplementation(() => {});
});
afterEach(() => logged.mockRestore());
const logLines = () => logged.mock.calls.map((c) => String(c[0]));

/** A log after the workload, its size and clock, and how to open another instance of its store. */
async function workload(shared: () => () => Promise<LogStore>) {
  const openStore = shared();
  const clock = { now: T0 };
  const registry = await openRegistry(await openStore(), clock);
  await stateWorkload(registry, clock);
  const size = registry.view.size;
  await registry.close();
  return { openStore, clock, size };
}

/**
 * Steps `token`'s rebuild with empty parts every BEAT_MS until `stop` says so, as a replaying
 * rebuild does; resolves with when its last step began.
 */
async function beatUntil(tables: StateTables, token: RebuildToken, size: number, stop: () => boolean) {
  let last = 0;
  while (!stop()) {
    last = Date.now();
    await tables.writeRebuild(token, size, {});
    await sleep(BEAT_MS);
  }
  return last;
}

describe("a rebuild superseded during its replay", () => {
  it("stops at its next heartbeat, before its replay ends", async () => {
    const done = await workload(backends[0]![1]);
    const entries = await (await done.openStore()).readEntries(0, done.size);
    // Without the last batch's commitment the replay has two chunks: up to the commitment before,
    // where it pauses to build the map, and the last batch's statements.
    const commitments = commitmentIndices(entries);
    expect(commitments.at(-1)).toBe(entries.length - 1);
    const last = commitments.at(-2)!;
    const size = entries.length - 1;
    expect(last).toBeLessThan(size - 1);
    const log = openMemoryStore(await signedMemoryLog(entries.slice(0, size), logSigner));
    const tables = log.state!;

    // Another process begins its rebuild while this one reads its first chunk.
    const reads: [number, number][] = [];
    let newer: RebuildToken | undefined;
    const watched = overridingStore(log, {
      readEntries: async (start, end) => {
        reads.push([start, end]);
        if (start === 0 && end === last + 1) newer = await tables.beginRebuild(size);
        return log.readEntries(start, end);
      },
    });
    const progress: number[] = [];
    const e = await rebuildState(watched, authority.publicKey, logVerifier, {
      heartbeatMs: 0,
      progress: (p) => progress.push(p.done),
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RebuildSupersededError);
    expect(e).toMatchObject({ newest: newer });
    // It never read the second chunk nor wrote a part.
    expect(reads.some(([start]) => start === last + 1)).toBe(false);
    expect(progress).toEqual([last + 1]);
    expect(await tables.status()).toMatchObject({ rebuildNeeded: true, rebuildToken: newer });
  });
});

describe.each(backends)("start-ups beside another rebuild over %s", (_name, shared) => {
  it("a start-up while another process's rebuild is live (stepping) waits for it, never supersedes it, then serves from its tables", async () => {
    const { openStore, clock, size } = await workload(shared);
    const other = await openStore();
    const tables = other.state!;
    // The other process's rebuild holds its first part back, stepping as a long replay does,
    // until released.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let holding!: (token: RebuildToken) => void;
    const held = new Promise<RebuildToken>((r) => (holding = r));
    let parts = 0;
    const slow = overriding(tables, {
      writeRebuild: async (token, at, part) => {
        if ((part.rows?.length ?? 0) > 0 && parts++ === 0) {
          holding(token);
          let go = false;
          void released.then(() => (go = true));
          await beatUntil(tables, token, at, () => go);
        }
        return tables.writeRebuild(token, at, part);
      },
    });
    const theirs = rebuildState(withTables(other, slow), authority.publicKey, logVerifier);
    const token = await held;

    const store = await openStore();
    const reasons: string[] = [];
    const opening = openRegistry(store, clock, {
      onStateRebuild: (r) => reasons.push(r),
      stateRebuildTiming: timing,
    });
    await sleep(3 * STALE_MS);
    // Well past the staleness limit, the live rebuild is still the newest and nobody began another.
    expect(reasons).toEqual([]);
    expect(await store.state!.status()).toMatchObject({ rebuildNeeded: true, rebuildToken: token });
    expect(logLines().some((l) => l.includes("waiting for another process's rebuild"))).toBe(true);
    release();
    expect(await theirs).toMatchObject({ size, restarts: 0 });
    const registry = await opening;
    try {
      expect(reasons).toEqual([]);
      expect(await store.state!.status()).toMatchObject({ size, rebuildNeeded: false, rebuildToken: token });
      expect(logLines().some((l) => l.includes("the awaited rebuild of the state tables finished"))).toBe(true);
      // It serves, sequencing over the tables the other process rebuilt.
      await registry.submit(category("after-the-wait", clock));
      await expectRowsOf(store, await replayedState(store, authority.publicKey));
    } finally {
      await registry.close();
      await other.close();
    }
  });

  it("a start-up over tables marked by a rebuild that stopped stepping waits out the staleness limit, then rebuilds them itself", async () => {
    const { openStore, clock, size } = await workload(shared);
    // The other process begins, steps for a while, then dies (its steps stop).
    const other = await openStore();
    const token = await other.state!.beginRebuild(size);
    let beating = true;
    const beats = beatUntil(other.state!, token, size, () => !beating);
    const store = await openStore();
    const reasons: string[] = [];
    let rebuiltAt = 0;
    const opening = openRegistry(store, clock, {
      onStateRebuild: (r) => {
        reasons.push(r);
        rebuiltAt = Date.now();
      },
      stateRebuildTiming: timing,
    });
    await sleep(2 * STALE_MS);
    expect(reasons).toEqual([]);
    beating = false;
    const lastBeat = await beats;
    const registry = await opening;
    try {
      expect(reasons).toHaveLength(1);
      expect(reasons[0]).toMatch(/marked as needing a rebuild/);
      // Taken over only once the last step was stale.
      expect(rebuiltAt - lastBeat).toBeGreaterThanOrEqual(STALE_MS - 2);
      expect(logLines().some((l) => l.includes("stopped stepping; taking it over"))).toBe(true);
      expect(await store.state!.status()).toMatchObject({ size, rebuildNeeded: false, rebuildToken: token + 1 });
      await registry.submit(category("after-the-takeover", clock));
      await expectRowsOf(store, await replayedState(store, authority.publicKey));
    } finally {
      await registry.close();
      await other.close();
    }
  });

  it("a start-up whose own rebuild is superseded waits for the newer one instead of failing", async () => {
    const { openStore, size } = await workload(shared);
    const store = await openStore();
    const tables = store.state!;
    const other = await openStore();
    let theirs: Promise<RebuildReport> | undefined;
    // As this start-up writes its first part, another process begins its own rebuild.
    const superseded = overriding(tables, {
      writeRebuild: async (token, at, part) => {
        if (theirs === undefined && (part.rows?.length ?? 0) > 0) {
          let began!: () => void;
          const begun = new Promise<void>((r) => (began = r));
          const watched = overriding(other.state!, {
            beginRebuild: async (s) => {
              const t = await other.state!.beginRebuild(s);
              began();
              return t;
            },
          });
          theirs = rebuildState(withTables(other, watched), authority.publicKey, logVerifier);
          await begun;
        }
        return tables.writeRebuild(token, at, part);
      },
    });
    const reasons: string[] = [];
    try {
      const report = await prepareStateTables(withTables(store, superseded), authority.publicKey, logVerifier, {
        force: true,
        onRebuild: (r) => reasons.push(r),
        ...timing,
      });
      // It ran no rebuild to the end: the newer one did, and it checked the tables after.
      expect(report).toBe(undefined);
      expect(reasons).toEqual(["asked to (--rebuild)"]);
      expect(await theirs).toMatchObject({ size, restarts: 0 });
      expect(logLines().some((l) => l.includes("rebuild of the state tables was superseded by another"))).toBe(true);
      expect(await tables.status()).toMatchObject({ size, rebuildNeeded: false, rebuildToken: 2 });
      await expectRowsOf(store, await replayedState(store, authority.publicKey));
    } finally {
      await store.close();
      await other.close();
    }
  });
});
