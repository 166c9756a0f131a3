// Tests of the state tables' rows (services/domain/state-rows.ts): a workload of every statement
// kind through a registry, and the check that a store's rows are exactly the codec of the
// records a replay of its log gives.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect } from "vitest";
import { bytesEqual, toHex, utf8 } from "../log/bytes.js";
import type { Statement } from "../proto/gen/messages/labelreg/v1/statement.js";
import { decodeLogEntry, encodeCommitmentEntry, isCommitment } from "../services/domain/decode.js";
import { allRows } from "../services/domain/state-rows.js";
import { isViolation } from "../services/domain/violation.js";
import type { RegistryState } from "../services/domain/state.js";
import { labelRecordOf, decodeLabelRow } from "../services/domain/rows.js";
import { MapCheck } from "../services/integrity/map-check.js";
import { StatsFold } from "../services/stats/fold.js";
import { ed25519NoteSigner, parseVerifierKey } from "../log/note-keys.js";
import { Registry, type RegistryOptions } from "../services/registry.js";
import { MemoryLog, openMemoryStore } from "../services/store/memory.js";
import { openPostgresStore } from "../services/store/postgres.js";
import type { LogStore } from "../services/store/port.js";
import { openSqliteStore } from "../services/store/sqlite.js";
import { usePostgres } from "./postgres.js";
import { MAX_STATE_READ, type StateTable } from "../services/store/state.js";
import {
  CATEGORY,
  DAY,
  labelIssued,
  reason,
  signStatement,
  statement,
  testKey,
  type TestKey,
} from "./domain-testkit.js";

export const authority = testKey(1);
const ccrc = testKey(2);
const ccrcRotated = testKey(3);
const other = testKey(4);
const third = testKey(5);

export const logSigner = ed25519NoteSigner("registry.test/log", new Uint8Array(32).fill(9));
export const logVerifier = parseVerifierKey(logSigner.verifierKey);

/**
 * Every store with state tables, to open fresh ones of (a test file's PostgreSQL cluster, SQLite
 * under temporary directories removed afterwards). Call at a test file's top level.
 */
export function stateStoreBackends(prefix: string): [string, () => Promise<LogStore>][] {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const cluster = usePostgres();
  let schemas = 0;
  return [
    ["memory", async () => openMemoryStore()],
    [
      "SQLite",
      async () => {
        const dir = mkdtempSync(join(tmpdir(), `labelreg-${prefix}-`));
        dirs.push(dir);
        return openSqliteStore({ dir });
      },
    ],
    [
      "PostgreSQL",
      async () =>
        openPostgresStore({
          connectionString: await cluster().createDatabase(prefix),
          schema: `${prefix}_${++schemas}`,
        }),
    ],
  ];
}

/** A registry on `store` signing with logSigner, on `clock`, batching briefly; `options` add to or override these. */
export function openRegistry(
  store: LogStore,
  clock: { now: bigint },
  options: Partial<RegistryOptions> = {},
): Promise<Registry> {
  return Registry.open({
    store,
    logSigner,
    authorityPublicKey: authority.publicKey,
    now: () => clock.now,
    batch: { lingerMs: 5 },
    verifyAsync: false,
    ...options,
  });
}

/**
 * For describe.each: a memory store and an SQLite one (in a temporary directory named from
 * `prefix`, removed after the calling file's tests). Call at a test file's top level.
 */
export function memoryAndSqlite(prefix: string): [string, () => Promise<LogStore>][] {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return [
    ["memory", async () => openMemoryStore()],
    [
      "SQLite",
      async () => {
        const dir = mkdtempSync(join(tmpdir(), prefix));
        dirs.push(dir);
        return openSqliteStore({ dir });
      },
    ],
  ];
}

/**
 * For describe.each: memory and SQLite, each a function making one backing log (a MemoryLog, an
 * SQLite directory named from `prefix`, removed after the calling file's tests) and returning
 * how to open another store instance on it, as processes sharing a database do. Call at a test
 * file's top level.
 */
export function sharedMemoryAndSqlite(prefix: string): [string, () => () => Promise<LogStore>][] {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return [
    [
      "memory",
      () => {
        const log = new MemoryLog();
        return async () => openMemoryStore(log);
      },
    ],
    [
      "SQLite",
      () => {
        const dir = mkdtempSync(join(tmpdir(), prefix));
        dirs.push(dir);
        return async () => openSqliteStore({ dir });
      },
    ],
  ];
}

/** The authority's publication of category `id`, signed at `clock`'s time. */
export const categoryStatement = (id: string, clock: { now: bigint }) =>
  signStatement(
    authority,
    statement(
      { $case: "categoryPublished", value: { categoryId: id, name: id, description: "" } },
      { signedAtUnix: clock.now },
    ),
  );

/** The indices of the commitment entries among `entries`. */
export function commitmentIndices(entries: readonly Uint8Array[]): number[] {
  return entries.flatMap((b, i) => {
    const d = decodeLogEntry(b);
    return !isViolation(d) && isCommitment(d) ? [i] : [];
  });
}

/**
 * `entries` with the middle commitment's root changed (one bit), and that commitment's index: a
 * log whose replay must stop there.
 */
export function forgedMiddleCommitment(entries: readonly Uint8Array[]): { forged: Uint8Array[]; index: number } {
  const commitments = commitmentIndices(entries);
  const index = commitments[Math.floor(commitments.length / 2)]!;
  const d = decodeLogEntry(entries[index]!);
  if (isViolation(d) || !isCommitment(d)) throw new Error("not a commitment");
  const root = d.commitment.root.slice();
  root[0]! ^= 1;
  const forged = entries.slice();
  forged[index] = encodeCommitmentEntry({ root, size: d.commitment.size }, d.sequencedAtUnix);
  return { forged, index };
}

/**
 * Sends every kind of statement through `registry`, several at once where they may share a
 * batch, and one that is refused. `now` is the registry's clock (advanced here).
 */
export async function stateWorkload(registry: Registry, clock: { now: bigint }): Promise<void> {
  const submit = (key: TestKey, s: Statement) => registry.submit(signStatement(key, { ...s, signedAtUnix: clock.now }));
  const version = async (id: string) => (await registry.view.records().labels([id]))[0]!.version;
  const change = async (key: TestKey, id: string, kind: Statement["kind"]) =>
    submit(key, statement(kind, { labelId: id, expectedLabelVersion: await version(id) }));
  const issue = (key: TestKey, id: string, model: string, code = "91310000MA1FL8TQ3X") =>
    submit(
      key,
      statement(
        {
          $case: "labelIssued",
          value: labelIssued({ productModel: model, manufacturer: { name: `Maker ${code}`, registrationCode: code } }),
        },
        { labelId: id },
      ),
    );
  const accredit = (issuerId: string, key: TestKey) =>
    submit(
      authority,
      statement({
        $case: "issuerAccredited",
        value: {
          issuerId,
          name: `${issuerId} certification`,
          nameEn: `${issuerId} in English`,
          publicKey: key.publicKey,
          scope: [
            { categoryId: CATEGORY, maxTier: 3 },
            { categoryId: "home-router", maxTier: 2 },
          ],
        },
      }),
    );
  await Promise.all([
    submit(
      authority,
      statement({ $case: "categoryPublished", value: { categoryId: CATEGORY, name: "Cameras", description: "" } }),
    ),
    submit(
      authority,
      statement({
        $case: "categoryPublished",
        value: { categoryId: "home-router", name: "Routers", nameZh: "路由器", description: "Home routers" },
      }),
    ),
  ]);
  await Promise.all([accredit("CCRC", ccrc), accredit("OTHER", other), accredit("THIRD", third)]);
  await Promise.all([
    issue(ccrc, "CCRC-1", "EV-C200"),
    issue(ccrc, "CCRC-2", "ev-c300"),
    issue(ccrc, "CCRC-3", "R1", "91110000600037341L"),
    issue(other, "OTHER-1", "X9", "91110000600037341L"),
    issue(third, "THIRD-1", "T1"),
  ]);
  clock.now += 1n;
  await Promise.all([
    change(ccrc, "CCRC-1", {
      $case: "labelUpgraded",
      value: { tier: 3, testReport: { sha256: new Uint8Array(32).fill(7), uri: "https://lab.example/r2.pdf" } },
    }),
    change(ccrc, "CCRC-2", { $case: "labelRevoked", value: { reason: reason() } }),
    change(authority, "OTHER-1", { $case: "labelSuspended", value: { reason: reason() } }),
  ]);
  // A second label on the product whose label was revoked ("EV-C300" folds to it).
  await issue(ccrc, "CCRC-4", "EV-C300");
  await submit(
    authority,
    statement({
      $case: "issuerKeyRotated",
      value: { issuerId: "CCRC", newPublicKey: ccrcRotated.publicKey, reason: reason() },
    }),
  );
  clock.now += 1n;
  await change(ccrcRotated, "CCRC-1", {
    $case: "labelRenewed",
    value: { validUntilUnix: clock.now + 400n * DAY, securitySupportUntilUnix: 0n, testReport: undefined },
  });
  await change(ccrcRotated, "CCRC-3", { $case: "labelSuspended", value: { reason: reason() } });
  await Promise.all([
    change(ccrcRotated, "CCRC-3", { $case: "labelReinstated", value: { reason: reason() } }),
    change(ccrcRotated, "CCRC-1", { $case: "labelDowngraded", value: { tier: 2, reason: reason() } }),
    change(authority, "OTHER-1", { $case: "labelReinstated", value: { reason: reason() } }),
  ]);
  await Promise.all([
    submit(authority, statement({ $case: "issuerSuspended", value: { issuerId: "OTHER", reason: reason() } })),
    submit(authority, statement({ $case: "issuerWithdrawn", value: { issuerId: "THIRD", reason: reason() } })),
  ]);
  // Refused (the issuer is suspended): writes nothing.
  await expect(issue(other, "OTHER-2", "X10")).rejects.toThrow();
  clock.now += 1n;
}

/**
 * After stateWorkload: labels that start, expire and are renewed across batches, the clock moving
 * days between them, so that the statistics pass validity boundaries (and the old end a renewal
 * moved). `beforeBatch` runs before each batch with the time it will be sequenced at, `point`
 * after each step, naming it.
 */
export async function expiryWorkload(
  registry: Registry,
  clock: { now: bigint },
  hooks: { beforeBatch?: (now: bigint) => Promise<void>; point?: (step: string) => Promise<void> } = {},
): Promise<void> {
  const submit = async (key: TestKey, list: Statement[]) => {
    await hooks.beforeBatch?.(clock.now);
    await Promise.all(list.map((s) => registry.submit(signStatement(key, { ...s, signedAtUnix: clock.now }))));
  };
  const change = async (id: string, kind: Statement["kind"]) =>
    statement(kind, {
      labelId: id,
      expectedLabelVersion: (await registry.view.records().labels([id]))[0]!.version,
    });
  const issue = (id: string, from: bigint, days: bigint) =>
    statement(
      {
        $case: "labelIssued",
        value: labelIssued({ productModel: id, validFromUnix: from, validUntilUnix: clock.now + days * DAY }),
      },
      { labelId: id },
    );
  await submit(ccrcRotated, [
    issue("CCRC-E1", clock.now - 10n, 2n),
    issue("CCRC-E2", clock.now + 120n, 10n),
    issue("CCRC-E3", clock.now - 10n, 3n),
  ]);
  await hooks.point?.("three labels issued, one not yet valid");
  clock.now += 200n;
  await submit(ccrcRotated, [
    await change("CCRC-E1", {
      $case: "labelRenewed",
      value: { validUntilUnix: clock.now + 20n * DAY, securitySupportUntilUnix: 0n, testReport: undefined },
    }),
  ]);
  await hooks.point?.("CCRC-E2 started, CCRC-E1 renewed");
  clock.now += 4n * DAY;
  await submit(ccrcRotated, [issue("CCRC-E4", clock.now - 10n, 5n)]);
  await hooks.point?.("CCRC-E1's old end passed, CCRC-E3 expired");
  clock.now += 6n * DAY;
  await submit(ccrcRotated, [await change("CCRC-E1", { $case: "labelSuspended", value: { reason: reason() } })]);
  await hooks.point?.("CCRC-E2 and CCRC-E4 expired");
  clock.now += 30n * DAY;
  await submit(authority, [
    statement({ $case: "categoryPublished", value: { categoryId: "smart-lock", name: "Locks", description: "" } }),
  ]);
  await hooks.point?.("every E label expired");
}

/** The projections a replay of `store`'s whole log gives. */
export async function replayedState(store: LogStore, authorityPublicKey: Uint8Array): Promise<RegistryState> {
  return (await replayed(store, authorityPublicKey)).projected;
}

/** A replay of `store`'s whole log: the projections, and the statistics folded on the way. */
export async function replayed(
  store: LogStore,
  authorityPublicKey: Uint8Array,
): Promise<MapCheck & { readonly stats: StatsFold }> {
  const size = (await store.latestCheckpoint())?.size ?? 0;
  const replay = new MapCheck(authorityPublicKey, new StatsFold());
  for (let start = 0; start < size; start += 4096)
    replay.extend(await store.readEntries(start, Math.min(size, start + 4096)));
  return replay as MapCheck & { readonly stats: StatsFold };
}

/** Every row of a statistics table, by the key's hex, with the value's hex. */
export async function scannedRows(store: LogStore, table: StateTable): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (let after: Uint8Array | undefined; ; ) {
    const page = await store.state!.scanState(table, after, 1000);
    for (const r of page.rows) out.set(toHex(r.key), toHex(r.value));
    if (page.rows.length < 1000) return out;
    after = page.rows[page.rows.length - 1]!.key;
  }
}

/**
 * Checks that `store`'s statistics tables hold exactly the rows of the statistics a replay of
 * its log gives (no more, no fewer, the same bytes). Returns the replay and how many rows it compared.
 */
export async function expectStatsRowsOf(
  store: LogStore,
  authorityPublicKey: Uint8Array,
): Promise<{ replay: MapCheck & { readonly stats: StatsFold }; compared: number }> {
  const replay = await replayed(store, authorityPublicKey);
  const want = new Map<StateTable, Map<string, string>>([
    ["stats", new Map()],
    ["statsBoundary", new Map()],
  ]);
  for (const r of replay.stats.allRows(replay.projected))
    want.get(r.table)!.set(toHex(typeof r.key === "string" ? utf8(r.key) : r.key), toHex(r.value!));
  let compared = 0;
  for (const [table, rows] of want) {
    expect(await scannedRows(store, table), `the ${table} rows`).toEqual(rows);
    compared += rows.size;
  }
  return { replay, compared };
}

/** Every key of every table `state` has a row for, with the row's bytes. */
export function rowsOf(state: RegistryState): Map<StateTable, Map<string, Uint8Array>> {
  const out = new Map<StateTable, Map<string, Uint8Array>>();
  for (const r of allRows(state)) {
    let t = out.get(r.table);
    if (!t) out.set(r.table, (t = new Map()));
    t.set(r.key as string, r.value!);
  }
  return out;
}

/** What `store` holds for each of `keys`' tables and keys (undefined where it has no row). */
export async function storedRows(
  store: LogStore,
  keys: Map<StateTable, Iterable<string>>,
): Promise<Map<StateTable, Map<string, Uint8Array | undefined>>> {
  const out = new Map<StateTable, Map<string, Uint8Array | undefined>>();
  for (const [table, ks] of keys) {
    const list = [...ks];
    const got = new Map<string, Uint8Array | undefined>();
    for (let i = 0; i < list.length; i += MAX_STATE_READ) {
      const part = list.slice(i, i + MAX_STATE_READ);
      const read = await store.state!.readState(table, part);
      part.forEach((k, j) => got.set(k, read.values[j]));
    }
    out.set(table, got);
  }
  return out;
}

/**
 * Checks that `store`'s rows are exactly those of `state` (normally a replay of its log): every
 * row `state` gives is stored with the same bytes, and each label's stored rows decode to its
 * record. Returns how many rows it compared.
 */
export async function expectRowsOf(store: LogStore, state: RegistryState): Promise<number> {
  const want = rowsOf(state);
  const got = await storedRows(store, new Map([...want].map(([t, rows]) => [t, rows.keys()])));
  let compared = 0;
  for (const [table, rows] of want) {
    for (const [key, value] of rows) {
      const stored = got.get(table)!.get(key);
      if (stored === undefined || !bytesEqual(stored, value))
        expect.fail(`the ${table} row ${JSON.stringify(key)} is ${stored ? "not the replay's" : "missing"}`);
      compared++;
    }
  }
  for (const [id, l] of state.labels) {
    const entries = [...got.get("labelEntry")!].filter(([k]) => k.startsWith(`${id}\n`)).map(([, v]) => v);
    expect(labelRecordOf(decodeLabelRow(got.get("label")!.get(id)!), entries)).toEqual(l);
  }
  return compared;
}
