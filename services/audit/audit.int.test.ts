import type * as grpc from "@grpc/grpc-js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { formatCheckpoint } from "../../log/checkpoint.js";
import { integrate } from "../../log/integrate.js";
import { ed25519NoteSigner, parseVerifierKey } from "../../log/note-keys.js";
import { signNote } from "../../log/note.js";
import { utf8 } from "../../log/bytes.js";
import { loadTreeState, type TreeState } from "../../log/tree-state.js";
import type { GetLabelResponse } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { VerifyPool } from "../crypto/verify-pool.js";
import { nodeEd25519 } from "../crypto/ed25519-node.js";
import { domainConfig } from "../domain/config.js";
import { mapStateWrite } from "../store/map-nodes.js";
import type { StateWrite } from "../store/state.js";
import { decodeLogEntry, encodeCommitmentEntry, encodeLogEntry, parseSignedStatement } from "../domain/decode.js";
import { Replayer } from "./replay.js";
import { LogEntry } from "../../proto/gen/messages/labelreg/v1/entry.js";
import { T0, reason, signStatement, statement, type TestKey } from "../../test/domain-testkit.js";
import { isViolation } from "../domain/violation.js";
import { startGrpcServer } from "../grpc/server.js";
import { verificationService } from "../grpc/verification.js";
import type { Registry } from "../registry.js";
import { MemoryLog, openMemoryStore } from "../store/memory.js";
import type { LogStore } from "../store/port.js";
import { Auditor, type AuditorOptions } from "./auditor.js";
import { CheckPool } from "./check-pool.js";
import {
  fixtureAuthority,
  fixtureIssuer,
  fixtureIssuer2,
  fixtureLogSigner,
  issueStatement,
  openFixtureRegistry,
  populate,
  submitAs,
} from "../../test/audit-fixture.js";
import { grpcLabelReader } from "./operator.js";
import { serveStaticTlog, type StaticTlog } from "./static-tlog.js";
import { httpTlogSource } from "./tlog-client.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const logKey = parseVerifierKey(fixtureLogSigner.verifierKey);
const domain = domainConfig(logKey.name, fixtureAuthority.publicKey, nodeEd25519.verify);

function tempState(): string {
  const d = mkdtempSync(join(tmpdir(), "audit-"));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return join(d, "audit-state.json");
}

async function serve(store: LogStore): Promise<StaticTlog> {
  const s = await serveStaticTlog(store);
  cleanups.push(() => s.close());
  return s;
}

function auditorOf(url: string, extra: Partial<AuditorOptions> = {}): Auditor {
  return new Auditor({ source: httpTlogSource(url), logKey, domain, ...extra });
}

/** A populated registry over a MemoryLog, served over the static read path. */
async function setUp(labels = 300): Promise<{ log: MemoryLog; registry: Registry; site: StaticTlog }> {
  const log = new MemoryLog();
  const registry = await openFixtureRegistry(openMemoryStore(log));
  cleanups.push(() => registry.close());
  await populate(registry, labels);
  return { log, registry, site: await serve(openMemoryStore(log)) };
}

/** Log entries of signed statements, sequenced at T0. */
function entriesOf(signed: { key: TestKey; s: ReturnType<typeof statement> }[]): Uint8Array[] {
  return signed.map(({ key, s }) => {
    const sub = parseSignedStatement(signStatement(key, s));
    if (isViolation(sub)) throw new Error(sub.message);
    return encodeLogEntry(sub, T0);
  });
}

/**
 * Appends signed statements straight into the store, as a sequencer would but without the rules:
 * ended by the commitment to the map an honest replay of the whole log gives (unless
 * `commit` is false), which `tamper` may change first.
 */
async function appendBehindSequencer(
  store: LogStore,
  tree: TreeState,
  signed: { key: TestKey; s: ReturnType<typeof statement> }[] | Uint8Array[],
  opts: { commit?: boolean; tamper?: (c: { root: Uint8Array; size: bigint }) => void } = {},
): Promise<number> {
  const entries =
    signed.length > 0 && signed[0] instanceof Uint8Array
      ? (signed as Uint8Array[])
      : entriesOf(signed as { key: TestKey; s: ReturnType<typeof statement> }[]);
  let stored: StateWrite | undefined;
  if (opts.commit !== false) {
    const replay = new Replayer(domain);
    for (const [i, e] of [...(await store.readEntries(0, tree.size)), ...entries].entries())
      replay.check(i, decodeLogEntry(e), undefined);
    const prepared = replay.map.prepareNow(replay.state, tree.size + entries.length);
    const c = { root: Uint8Array.from(prepared.update.root), size: BigInt(prepared.version) };
    opts.tamper?.(c);
    entries.push(encodeCommitmentEntry(c, T0));
    // The honest map's nodes and values, stored as the sequencer stores them.
    stored = mapStateWrite(prepared.version, prepared.update, prepared.values);
  }
  const integration = integrate(tree, entries);
  const note = signNote(
    formatCheckpoint({
      origin: fixtureLogSigner.name,
      size: integration.state.size,
      root: integration.state.root,
      extensions: [],
    }),
    [fixtureLogSigner],
  );
  await store.append({
    expectedSize: tree.size,
    entries,
    tiles: integration.tiles,
    checkpoint: utf8(note),
    ...(stored ? { state: stored } : {}),
  });
  return tree.size;
}

// Every scenario runs twice: with signatures checked inline on this thread, and with the
// stateless checks on a CheckPool's workers; the findings must be the same.
let pool: CheckPool | undefined;
afterAll(() => pool?.close());
const modes: { name: string; extra: () => Partial<AuditorOptions> }[] = [
  { name: "inline", extra: () => ({}) },
  {
    name: "check pool",
    extra: () => ({ checkPool: (pool ??= new CheckPool({ threads: 2, keys: [fixtureAuthority.publicKey] })) }),
  },
];

describe.each(modes)("labelreg audit ($name)", (mode) => {
  const auditor = (url: string, extra: Partial<AuditorOptions> = {}) => auditorOf(url, { ...mode.extra(), ...extra });
  it("an honest log passes; a second run audits only what is new, after a consistency check", async () => {
    const { registry, site } = await setUp(300);
    const statePath = tempState();
    const pool = new VerifyPool(2);
    cleanups.push(() => pool.close());
    const progress: number[] = [];
    const r1 = await auditor(site.url, {
      statePath,
      verifyAsync: pool.verify,
      onProgress: (p) => progress.push(p.done),
    }).run();
    expect(r1.findings).toEqual([]);
    expect(r1.ok).toBe(true);
    expect(r1.entriesChecked).toBe(registry.view.size);
    expect(progress.at(-1)).toBe(registry.view.size);

    const again = await auditor(site.url, { statePath }).run();
    expect(again).toMatchObject({ ok: true, entriesChecked: 0, fromSize: r1.size });

    for (let i = 0; i < 5; i++) await submitAs(registry, fixtureIssuer, issueStatement(`CCRC-N${i}`, `NEW-${i}`));
    const r2 = await auditor(site.url, { statePath }).run();
    // Each write is a batch of its own: its statement and its map commitment.
    expect(r2).toMatchObject({ ok: true, fromSize: r1.size, size: r1.size + 10, entriesChecked: 10 });
    // The projections were rebuilt from the earlier entries too.
    const a = auditor(site.url, { statePath });
    await a.run();
    expect(a.state.labels.get("CCRC-0")!.state).toBe("REVOKED");
  });

  it("follows a growing log with one auditor (--follow): each run checks only the new entries", async () => {
    const { registry, site } = await setUp(3);
    const a = auditor(site.url);
    const first = await a.run();
    expect(first).toMatchObject({ ok: true, fromSize: 0, entriesChecked: registry.view.size });
    for (let round = 0; round < 3; round++) {
      await submitAs(registry, fixtureIssuer, issueStatement(`CCRC-F${round}`, `F-${round}`));
      const r = await a.run();
      expect(r).toMatchObject({ ok: true, size: registry.view.size, entriesChecked: 2, entriesVerified: 2 });
    }
    expect(a.state.labels.has("CCRC-F2")).toBe(true);
  });

  it("catches an entry's bytes changed in storage, naming the entry", async () => {
    const { log, site } = await setUp(300);
    log.entries[277]![40]! ^= 1;
    const r = await auditor(site.url).run();
    expect(r.ok).toBe(false);
    expect(r.findings).toEqual([expect.objectContaining({ kind: "log", rule: "entry-mismatch", index: 277 })]);
  });

  it("catches a changed hash tile, full or partial, naming the entry whose hash it misstates", async () => {
    const { log, site, registry } = await setUp(300);
    log.tiles.get("0/0")!.data[5 * 32 + 3]! ^= 1;
    const r = await auditor(site.url).run();
    expect(r.findings).toEqual([expect.objectContaining({ kind: "log", rule: "tile-mismatch", index: 5 })]);
    log.tiles.get("0/0")!.data[5 * 32 + 3]! ^= 1;
    expect((await auditor(site.url).run()).ok).toBe(true);
    const last = registry.view.size - 1;
    const tile = Math.floor(last / 256);
    log.tiles.get(`0/${tile}`)!.data[(last - 256 * tile) * 32]! ^= 1;
    const r2 = await auditor(site.url).run();
    expect(r2.findings).toEqual([expect.objectContaining({ kind: "log", rule: "tile-mismatch", index: last })]);
  });

  it("catches a fork: two signed checkpoints for one size with different roots, located at the entry", async () => {
    const { log, registry, site } = await setUp(20);
    const statePath = tempState();
    // A second history sharing every entry but the last one: copy the log before its last entry.
    const forked = new MemoryLog();
    const n = log.size;
    forked.entries.push(...log.entries.map((e) => e.slice()));
    for (const [k, t] of log.tiles) forked.tiles.set(k, { ...t, data: t.data.slice() });
    forked.checkpoints.push(...log.checkpoints);
    // and its state tables (the stored map), as a copy of the database would hold them.
    for (const [k, v] of log.state.rows) forked.state.rows.set(k, v);
    for (const [k, l] of log.state.nodes) forked.state.nodes.set(k, [...l]);
    for (const [k, l] of log.state.values) forked.state.values.set(k, [...l]);
    forked.state.floor = log.state.floor;
    await submitAs(registry, fixtureIssuer, issueStatement("CCRC-A", "A-1"));
    const other = await openFixtureRegistry(openMemoryStore(forked));
    cleanups.push(() => other.close());
    await submitAs(other, fixtureIssuer, issueStatement("CCRC-B", "B-1"));
    expect(forked.size).toBe(log.size);

    expect((await auditor(site.url, { statePath }).run()).ok).toBe(true);
    const forkSite = await serve(openMemoryStore(forked));
    const r = await auditor(forkSite.url, { statePath }).run();
    expect(r.findings).toEqual([expect.objectContaining({ kind: "log", rule: "fork", index: n })]);
    // And grown past the fork, it is still caught (no consistency proof exists).
    await submitAs(other, fixtureIssuer, issueStatement("CCRC-C", "C-1"));
    expect((await auditor(forkSite.url, { statePath }).run()).findings).toEqual([
      expect.objectContaining({ rule: "fork", index: n }),
    ]);
    // A log that shrank is caught too.
    forkSite.checkpointOverride = log.checkpoints[3]!.note;
    expect((await auditor(forkSite.url, { statePath }).run()).findings).toEqual([
      expect.objectContaining({ rule: "log-shrank", index: log.checkpoints[3]!.size }),
    ]);
  });

  it("refuses a checkpoint not signed by the log's key", async () => {
    const { log, site } = await setUp(2);
    const impostor = ed25519NoteSigner(fixtureLogSigner.name, new Uint8Array(32).fill(77));
    const text = new TextDecoder().decode(log.checkpoints.at(-1)!.note).split("\n\n")[0] + "\n";
    site.checkpointOverride = utf8(signNote(text, [impostor]));
    const r = await auditor(site.url).run();
    expect(r.findings).toEqual([expect.objectContaining({ kind: "log", rule: "checkpoint-not-signed" })]);
  });

  it("catches a rule-breaking statement written into the store behind the sequencer's back", async () => {
    const { log, registry, site } = await setUp(3);
    await registry.close();
    // ABC is accredited up to tier 1 only; this label is tier 3. Then a duplicate request id.
    const dup = issueStatement("ABC-2", "X-2", 1);
    const at = await appendBehindSequencer(openMemoryStore(log), registry.view.tree, [
      { key: fixtureIssuer2, s: issueStatement("ABC-1", "X-1", 3) },
      { key: fixtureIssuer2, s: dup },
      { key: fixtureIssuer2, s: dup },
    ]);
    const r = await auditor(site.url).run();
    expect(r.findings).toEqual([
      expect.objectContaining({ kind: "rule", rule: "outside-scope", index: at }),
      expect.objectContaining({ kind: "rule", rule: "duplicate-request-id", index: at + 2 }),
    ]);
  });

  it("catches a statement for another log written into the store (log_origin is not the checkpoints' origin)", async () => {
    const { log, registry, site } = await setUp(1);
    await registry.close();
    const at = await appendBehindSequencer(openMemoryStore(log), registry.view.tree, [
      { key: fixtureIssuer, s: { ...issueStatement("CCRC-W", "W-1"), logOrigin: "other.example/log" } },
    ]);
    const r = await auditor(site.url).run();
    expect(r.findings).toEqual([expect.objectContaining({ kind: "rule", rule: "wrong-log", index: at })]);
  });

  it("catches a statement signed by a withdrawn issuer's key", async () => {
    const { log, registry, site } = await setUp(3);
    await submitAs(
      registry,
      fixtureAuthority,
      statement({ $case: "issuerWithdrawn", value: { issuerId: "ABC", reason: reason() } }),
    );
    await registry.close();
    const at = await appendBehindSequencer(openMemoryStore(log), registry.view.tree, [
      { key: fixtureIssuer2, s: issueStatement("ABC-9", "Y-9", 1) },
    ]);
    const r = await auditor(site.url).run();
    expect(r.findings).toEqual([expect.objectContaining({ kind: "rule", rule: "issuer-withdrawn", index: at })]);
  });

  it("catches a bad signature", async () => {
    const { log, registry, site } = await setUp(1);
    await registry.close();
    const s = issueStatement("CCRC-Z", "Z-1");
    const signed = signStatement(fixtureIssuer, s);
    signed.signature[0]! ^= 1;
    const sub = parseSignedStatement(signed);
    if (isViolation(sub)) throw new Error(sub.message);
    await appendBehindSequencer(openMemoryStore(log), registry.view.tree, [encodeLogEntry(sub, T0)]);
    const r = await auditor(site.url).run();
    expect(r.findings).toEqual([
      expect.objectContaining({ kind: "rule", rule: "bad-signature", index: registry.view.size }),
    ]);
  });

  it("catches a map commitment with a wrong root, naming its index; the next honest one passes", async () => {
    const { log, registry, site } = await setUp(3);
    await registry.close();
    const store = openMemoryStore(log);
    const at = await appendBehindSequencer(
      store,
      registry.view.tree,
      [{ key: fixtureIssuer, s: issueStatement("CCRC-T", "T-1") }],
      { tamper: (c) => void (c.root[7]! ^= 1) },
    );
    const r = await auditor(site.url).run();
    expect(r.findings).toEqual([expect.objectContaining({ kind: "rule", rule: "map-commitment-root", index: at + 1 })]);
    // The auditor goes on from the map the entries give, not the one committed: an honest next batch is no finding.
    const tree = await loadTreeState(log.size, async (l, i, w) =>
      (await store.readTile(l, i))!.data.subarray(0, w * 32),
    );
    await appendBehindSequencer(store, tree, [{ key: fixtureIssuer, s: issueStatement("CCRC-U", "U-1") }]);
    expect((await auditor(site.url).run()).findings).toEqual([
      expect.objectContaining({ rule: "map-commitment-root", index: at + 1 }),
    ]);
  });

  it("catches a commitment that does not count its own index, and a checkpoint that does not end with a commitment", async () => {
    const { log, registry, site } = await setUp(3);
    await registry.close();
    const store = openMemoryStore(log);
    const at = await appendBehindSequencer(
      store,
      registry.view.tree,
      [{ key: fixtureIssuer, s: issueStatement("CCRC-S", "S-1") }],
      { tamper: (c) => void (c.size -= 1n) },
    );
    expect((await auditor(site.url).run()).findings).toEqual([
      expect.objectContaining({ kind: "rule", rule: "map-commitment-size", index: at + 1 }),
    ]);

    const { log: log2, registry: reg2, site: site2 } = await setUp(3);
    await reg2.close();
    const at2 = await appendBehindSequencer(
      openMemoryStore(log2),
      reg2.view.tree,
      [{ key: fixtureIssuer, s: issueStatement("CCRC-S", "S-1") }],
      { commit: false },
    );
    expect((await auditor(site2.url).run()).findings).toEqual([
      expect.objectContaining({ kind: "rule", rule: "checkpoint-without-commitment", index: at2 }),
    ]);
  });

  it("catches a statement entry that also carries a commitment", async () => {
    const { log, registry, site } = await setUp(3);
    await registry.close();
    const [e] = entriesOf([{ key: fixtureIssuer, s: issueStatement("CCRC-H", "H-1") }]);
    const both = LogEntry.encode({
      ...LogEntry.decode(e!),
      mapCommitment: { root: new Uint8Array(32), size: 1n },
    }).finish();
    const at = await appendBehindSequencer(openMemoryStore(log), registry.view.tree, [both]);
    expect((await auditor(site.url).run()).findings).toEqual([
      expect.objectContaining({ kind: "rule", rule: "bad-commitment-entry", index: at }),
    ]);
  });

  it("catches an operator read API that hides a revocation (the real VerificationService, with a lie spliced in)", async () => {
    const { registry, site } = await setUp(6);
    const honest = verificationService(registry);
    const lying = {
      ...honest,
      implementation: {
        ...honest.implementation,
        getLabel: (call: grpc.ServerUnaryCall<unknown, GetLabelResponse>, cb: grpc.sendUnaryData<GetLabelResponse>) =>
          (honest.implementation.getLabel as grpc.handleUnaryCall<unknown, GetLabelResponse>)(call, (err, res) => {
            if (res?.label?.labelId === "CCRC-3") {
              res.label.status = 1; // ACTIVE
              res.label.history = res.label.history.filter((h) => h.kind !== 7); // no REVOKED event
            }
            cb(err, res);
          }),
      },
    };
    const servers = await Promise.all(
      [honest, lying].map((b) => startGrpcServer({ address: "127.0.0.1:0", maxMessageBytes: 16 << 20, services: [b] })),
    );
    cleanups.push(...servers.map((s) => () => s.close()));
    const readers = servers.map((s) => grpcLabelReader(s.address));
    cleanups.push(...readers.map((r) => () => r.close()));

    const good = await auditor(site.url, { operator: readers[0]!.read, sample: 1000 }).run();
    expect(good).toMatchObject({ ok: true, labelsCompared: 6 });
    const bad = await auditor(site.url, { operator: readers[1]!.read, sample: 1000 }).run();
    const revokedAt = registry.view.state.labels.get("CCRC-3")!.history.find((h) => h.kind === "labelRevoked")!.index;
    expect(bad.ok).toBe(false);
    expect(bad.findings).toContainEqual(
      expect.objectContaining({ kind: "operator", rule: "operator-answer-differs", index: revokedAt }),
    );
    expect(bad.findings.every((f) => f.message.includes("CCRC-3"))).toBe(true);
  });
});
