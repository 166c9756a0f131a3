import { describe, expect, it } from "vitest";
import { openCheckpoint } from "../../log/checkpoint.js";
import { ed25519NoteSigner, parseVerifierKey } from "../../log/note-keys.js";
import { verifyInclusion } from "../../log/proof.js";
import { type Statement, Tier } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { LogEntry } from "../../proto/gen/messages/labelreg/v1/entry.js";
import {
  CATEGORY,
  T0,
  labelIssued,
  reason,
  signStatement,
  statement,
  testKey,
  type TestKey,
} from "../../test/domain-testkit.js";
import { Registry, type RegistryOptions } from "../registry.js";
import { MemoryLog, openMemoryStore } from "../store/memory.js";
import type { LogStore } from "../store/port.js";
import { RegistryError } from "./errors.js";
import type { SequencedReceipt } from "./sequencer.js";
import { hasher } from "../../log/hasher.js";
import { verifySubmission } from "../client/receipt.js";
import { toReceipt } from "../grpc/issuance.js";

const authority = testKey(1);
const issuerKey = testKey(2);
const logSigner = ed25519NoteSigner("registry.test/log", new Uint8Array(32).fill(9));

async function openRegistry(store: LogStore = openMemoryStore(), more: Partial<RegistryOptions> = {}) {
  return Registry.open({
    store,
    logSigner,
    authorityPublicKey: authority.publicKey,
    now: () => T0,
    batch: { lingerMs: 1 },
    ...more,
  });
}

async function submit(r: Registry, key: TestKey, s: Statement) {
  return r.submit(signStatement(key, s));
}

async function setUp(r: Registry) {
  await submit(
    r,
    authority,
    statement({ $case: "categoryPublished", value: { categoryId: CATEGORY, name: "Cameras", description: "" } }),
  );
  await submit(
    r,
    authority,
    statement({
      $case: "issuerAccredited",
      value: {
        issuerId: "CCRC",
        name: "CCRC",
        publicKey: issuerKey.publicKey,
        scope: [{ categoryId: CATEGORY, maxTier: 3 }],
      },
    }),
  );
}

/** Checks a receipt with the log library alone, as a client would. */
function verifyReceipt(rc: SequencedReceipt) {
  const { checkpoint } = openCheckpoint(rc.checkpoint, parseVerifierKey(logSigner.verifierKey));
  verifyInclusion(rc.index, checkpoint.size, hasher.leafHash(rc.entry), rc.inclusionProof, checkpoint.root);
  return LogEntry.decode(rc.entry);
}

const issue = (labelId: string, model = "EV-C200") =>
  statement({ $case: "labelIssued", value: labelIssued({ productModel: model }) }, { labelId });

describe("Sequencer", () => {
  it("sequences statements and answers with receipts that verify offline", async () => {
    const r = await openRegistry();
    await setUp(r);
    const signed = signStatement(issuerKey, issue("CCRC-1"));
    const rc = await r.submit(signed);
    // Each batch ends with its map commitment: setUp's two batches took indices 0..3.
    expect(rc.index).toBe(4);
    expect(rc.treeSize).toBe(6);
    const entry = verifyReceipt(rc);
    expect(entry.sequencedAtUnix).toBe(T0);
    // The receipt proves the label's new state against the batch's commitment (the SDK's check).
    const checked = verifySubmission(toReceipt(rc), parseVerifierKey(logSigner.verifierKey), signed);
    expect(checked.state.commitment.size).toBe(5);
    expect(checked.state.value.lastIndex).toBe(4n);
    expect(checked.state.value.kind?.$case === "label" && checked.state.value.kind.value.version).toBe(1n);
    const last = LogEntry.decode((await r.view.store.readEntries(5, 6))[0]!);
    expect(last.mapCommitment?.size).toBe(5n);
    expect(last.mapCommitment?.root).toEqual(r.view.map.latest?.root);
    expect(last.statement).toHaveLength(0);
    const up = await submit(
      r,
      issuerKey,
      statement(
        {
          $case: "labelUpgraded",
          value: {
            tier: Tier.TIER_LEADING,
            testReport: { sha256: new Uint8Array(32).fill(3), uri: "https://lab.example/r2.pdf" },
          },
        },
        { labelId: "CCRC-1", expectedLabelVersion: 1n },
      ),
    );
    verifyReceipt(up);
    expect(r.view.state.labels.get("CCRC-1")!.tier).toBe(3);
    expect(r.view.size).toBe(8);
    // A receipt whose map proof is tampered with is refused.
    const tampered = toReceipt(up);
    tampered.mapProof = Uint8Array.from(tampered.mapProof);
    tampered.mapProof[tampered.mapProof.length - 1]! ^= 1;
    expect(() => verifySubmission(tampered, parseVerifierKey(logSigner.verifierKey))).toThrow(/map/);
    const stripped = { ...toReceipt(up), commitmentEntry: new Uint8Array(0) };
    expect(() => verifySubmission(stripped, parseVerifierKey(logSigner.verifierKey))).toThrow(/no map commitment/);
  });

  it("without map commitments (the benchmark's baseline) batches end with their last statement", async () => {
    const r = await openRegistry(openMemoryStore(), { mapCommitments: false });
    await setUp(r);
    const rc = await r.submit(signStatement(issuerKey, issue("CCRC-1")));
    expect(rc.index).toBe(2);
    expect(rc.treeSize).toBe(3);
    expect(rc.map).toBeUndefined();
    verifyReceipt(rc);
    expect(r.view.map.latest).toBeUndefined();
  });

  it("a retry with the same bytes returns the original receipt; other bytes under the id are refused", async () => {
    const r = await openRegistry();
    await setUp(r);
    const s = issue("CCRC-7");
    const signed = signStatement(issuerKey, s);
    const first = await r.submit(signed);
    const again = await r.submit(signed);
    expect(again.index).toBe(first.index);
    expect(again.entry).toEqual(first.entry);
    verifyReceipt(again);
    const other = { ...s, labelId: "CCRC-8" };
    await expect(submit(r, issuerKey, other)).rejects.toMatchObject({
      code: "ALREADY_EXISTS",
      rule: "request-id-reused",
    });
    expect(r.view.size).toBe(6);
    // The retry's receipt proves the state against the commitment that ends its checkpoint.
    expect(verifySubmission(toReceipt(again), parseVerifierKey(logSigner.verifierKey)).state.commitment.size).toBe(5);
  });

  it("racing issuances of one product in one batch: exactly one wins", async () => {
    const r = await openRegistry(openMemoryStore(), { batch: { lingerMs: 20 } });
    await setUp(r);
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => submit(r, issuerKey, issue(`CCRC-R${i}`, "SAME-MODEL"))),
    );
    const won = results.filter((x) => x.status === "fulfilled");
    expect(won).toHaveLength(1);
    for (const x of results) if (x.status === "rejected") expect(x.reason).toMatchObject({ code: "ALREADY_EXISTS" });
    expect(r.view.size).toBe(6);
  });

  it("racing changes at one expected version: one wins, the rest get ABORTED", async () => {
    const r = await openRegistry(openMemoryStore(), { batch: { lingerMs: 20 } });
    await setUp(r);
    await submit(r, issuerKey, issue("CCRC-V"));
    const suspend = () =>
      statement(
        { $case: "labelSuspended", value: { reason: reason() } },
        { labelId: "CCRC-V", expectedLabelVersion: 1n },
      );
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => submit(r, issuerKey, suspend())));
    expect(results.filter((x) => x.status === "fulfilled")).toHaveLength(1);
    for (const x of results) if (x.status === "rejected") expect(x.reason).toMatchObject({ code: "ABORTED" });
  });

  it("refusals name the rule and write nothing", async () => {
    const r = await openRegistry();
    await setUp(r);
    const before = r.view.size;
    await expect(submit(r, testKey(77), issue("CCRC-X"))).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
      rule: "unknown-key",
    });
    await expect(
      r.submit({ statement: new Uint8Array([0xff, 0xff]), keyId: issuerKey.keyId, signature: new Uint8Array(64) }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    const bad = signStatement(issuerKey, issue("CCRC-Y"));
    bad.signature[0]! ^= 1;
    await expect(r.submit(bad)).rejects.toMatchObject({ code: "UNAUTHENTICATED", rule: "bad-signature" });
    expect(r.view.size).toBe(before);
  });

  it("a failed append answers UNAVAILABLE, leaves the projections as committed, and a retry succeeds", async () => {
    const log = new MemoryLog();
    const inner = openMemoryStore(log);
    let failNext = false;
    const flaky: LogStore = Object.assign(Object.create(inner) as LogStore, {
      append: (b: Parameters<LogStore["append"]>[0]) => {
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error("disk on fire"));
        }
        return inner.append(b);
      },
    });
    const r = await openRegistry(flaky);
    await setUp(r);
    failNext = true;
    const signed = signStatement(issuerKey, issue("CCRC-F"));
    await expect(r.submit(signed)).rejects.toMatchObject({ code: "UNAVAILABLE", rule: "store-unavailable" });
    expect(r.view.state.labels.has("CCRC-F")).toBe(false);
    expect(r.view.size).toBe(4);
    const rc = await r.submit(signed);
    expect(rc.index).toBe(4);
    verifyReceipt(rc);
  });

  it("catches up after a commit whose acknowledgement was lost: the retry gets the committed receipt", async () => {
    const inner = openMemoryStore();
    let loseAck = false;
    const lossy: LogStore = Object.assign(Object.create(inner) as LogStore, {
      append: async (b: Parameters<LogStore["append"]>[0]) => {
        await inner.append(b);
        if (loseAck) {
          loseAck = false;
          throw new Error("connection reset after commit");
        }
      },
    });
    const r = await openRegistry(lossy);
    await setUp(r);
    loseAck = true;
    const signed = signStatement(issuerKey, issue("CCRC-L"));
    await expect(r.submit(signed)).rejects.toBeInstanceOf(RegistryError);
    const rc = await r.submit(signed);
    expect(rc.index).toBe(4);
    verifyReceipt(rc);
    expect(r.view.size).toBe(6); // not appended twice
    expect(r.view.map.latest?.size).toBe(5);
  });

  it("reopening opens the same projections and checkpoint from the store", async () => {
    const log = new MemoryLog();
    const r = await openRegistry(openMemoryStore(log));
    await setUp(r);
    const rc = await submit(r, issuerKey, issue("CCRC-P"));
    const r2 = await openRegistry(openMemoryStore(log));
    expect(r2.view.size).toBe(6);
    expect(r2.view.map.latest).toEqual(r.view.map.latest); // the replay reached every committed root
    expect(r2.view.checkpoint).toBe(rc.checkpoint);
    // Opened from the store's state tables: the label is read from its rows.
    expect(r2.view.state.partial).toBe(true);
    const [label] = await r2.view.records().labels(["CCRC-P"]);
    expect(label!.version).toBe(1n);
    const next = await submit(
      r2,
      issuerKey,
      statement(
        { $case: "labelRevoked", value: { reason: reason() } },
        { labelId: "CCRC-P", expectedLabelVersion: 1n },
      ),
    );
    verifyReceipt(next);
    expect(next.checkpoint).toContain("\n8\n");
  });

  it("limits each signer's rate: over the limit is RESOURCE_EXHAUSTED, other signers carry on", async () => {
    const r = await openRegistry(openMemoryStore(), { rateLimit: { perSecond: 0.001, burst: 3 } });
    await setUp(r); // the authority's burst: 2 of 3
    await submit(r, issuerKey, issue("CCRC-A1", "M1"));
    await submit(r, issuerKey, issue("CCRC-A2", "M2"));
    await submit(r, issuerKey, issue("CCRC-A3", "M3"));
    const before = r.view.size;
    await expect(submit(r, issuerKey, issue("CCRC-A4", "M4"))).rejects.toMatchObject({
      code: "RESOURCE_EXHAUSTED",
      rule: "signer-rate-limit",
    });
    expect(r.view.size).toBe(before);
    // The authority still has budget of its own.
    await submit(
      r,
      authority,
      statement({ $case: "categoryPublished", value: { categoryId: "home-router", name: "Routers", description: "" } }),
    );
    expect(r.view.size).toBe(before + 2);
    await r.close();
  });
});
