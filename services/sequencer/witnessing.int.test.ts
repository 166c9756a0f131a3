import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fromUtf8 } from "../../log/bytes.js";
import { cosigner, parseCosignatureVerifierKey } from "../../log/cosignature.js";
import { parseVerifierKey } from "../../log/note-keys.js";
import { openWitnessedCheckpoint, witnessPolicy } from "../../log/witness-policy.js";
import { fixtureIssuer, fixtureLogSigner, issueStatement, openFixtureRegistry, populate, submitAs } from "../../test/audit-fixture.js";
import type { Registry } from "../registry.js";
import { MemoryLog, openMemoryStore } from "../store/memory.js";
import { startWitnessServer, type RunningWitnessServer } from "../witness/http.js";
import { WitnessState } from "../witness/state.js";
import { Witness } from "../witness/witness.js";
import { Witnessing } from "./witnessing.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const keys = [1, 2, 3].map((i) => cosigner(`witness.test/w${i}`, new Uint8Array(32).fill(100 + i)));
const logKey = parseVerifierKey(fixtureLogSigner.verifierKey);

async function startWitness(i: number, dir = mkdtempSync(join(tmpdir(), "wit-"))): Promise<{ server: RunningWitnessServer; state: WitnessState; dir: string }> {
  const state = new WitnessState(dir);
  const server = await startWitnessServer(new Witness({ cosigner: keys[i]!, logs: [logKey], state }));
  cleanups.push(() => server.close(), () => state.close(), () => rmSync(dir, { recursive: true, force: true }));
  return { server, state, dir };
}

function withWitnessing(r: Registry, urls: string[], required: number, timeoutMs = 2000): Witnessing {
  const w = new Witnessing(r.view, { witnesses: urls.map((url, i) => ({ url, verifierKey: keys[i]!.verifierKey })), required, timeoutMs, log: () => undefined });
  r.view.cosign = w.cosign;
  return w;
}

const policy = (k: number) => witnessPolicy(k, keys.map((k) => parseCosignatureVerifierKey(k.verifierKey)));

describe("witnessing", () => {
  it("every receipt carries k cosignatures that verify; the store and the view publish the cosigned note", async () => {
    const store = new MemoryLog();
    const r = await openFixtureRegistry(openMemoryStore(store));
    cleanups.push(() => r.close());
    const ws = await Promise.all([0, 1].map((i) => startWitness(i)));
    withWitnessing(r, ws.map((w) => w.server.url), 2);
    await populate(r, 2);
    const rc = await submitAs(r, fixtureIssuer, issueStatement("CCRC-W1", "W-1"));
    const opened = openWitnessedCheckpoint(rc.checkpoint, logKey, policy(2));
    expect(opened.cosignatures.map((c) => c.name).sort()).toEqual(["witness.test/w1", "witness.test/w2"]);
    expect(opened.checkpoint.size).toBe(rc.index + 1);
    expect(fromUtf8(store.checkpoints.at(-1)!.note)).toBe(rc.checkpoint);
    expect(r.view.checkpoint).toBe(rc.checkpoint);
    // Each witness followed every checkpoint, with consistency proofs from its last size.
    for (const w of ws) expect(w.state.get(fixtureLogSigner.name)!.size).toBe(rc.index + 1);
  });

  it("a dead witness does not hold receipts past the timeout; the receipt says which cosignatures it has", async () => {
    const r = await openFixtureRegistry();
    cleanups.push(() => r.close());
    const live = await startWitness(0);
    const dead = await startWitness(1);
    await dead.server.close();
    withWitnessing(r, [live.server.url, dead.server.url], 2, 300);
    const t0 = performance.now();
    await populate(r, 1);
    const rc = await submitAs(r, fixtureIssuer, issueStatement("CCRC-W2", "W-2"));
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(() => openWitnessedCheckpoint(rc.checkpoint, logKey, policy(2))).toThrow(/1 valid cosignatures of the 2 required/);
    expect(openWitnessedCheckpoint(rc.checkpoint, logKey, policy(1)).cosignatures.map((c) => c.name)).toEqual(["witness.test/w1"]);
  });

  it("a slow witness's late cosignature is merged into the published note", async () => {
    const r = await openFixtureRegistry();
    cleanups.push(() => r.close());
    const fast = await startWitness(0);
    const slow = await startWitness(1);
    // The slow witness answers nothing until the receipt is out (its requests wait on a gate).
    let openGate!: () => void;
    const gate = new Promise<void>((res) => (openGate = res));
    const handlers = slow.server.server.listeners("request");
    slow.server.server.removeAllListeners("request");
    slow.server.server.on("request", (req, res) => void gate.then(() => handlers.forEach((h) => (h as (...a: unknown[]) => void)(req, res))));
    // The timeout bounds only the slow witness's request here: the receipt needs one cosignature.
    const w = withWitnessing(r, [fast.server.url, slow.server.url], 1, 30_000);
    const twoCosigned = new Promise<void>((res) =>
      w.onNoteChange(() => {
        if (openWitnessedCheckpoint(r.view.checkpoint, logKey, policy(1)).cosignatures.length === 2) res();
      }),
    );
    await populate(r, 0);
    const rc = await submitAs(r, fixtureIssuer, issueStatement("CCRC-W3", "W-3"));
    // The receipt went out with the fast witness alone; the slow one's line comes later.
    expect(openWitnessedCheckpoint(rc.checkpoint, logKey, policy(1)).cosignatures.map((c) => c.name)).toEqual(["witness.test/w1"]);
    openGate();
    await twoCosigned;
    const opened = openWitnessedCheckpoint(r.view.checkpoint, logKey, policy(2));
    expect(opened.cosignatures).toHaveLength(2);
    expect(opened.checkpoint.size).toBe(rc.index + 1);
  });

  it("learns a witness's size from its 409 (a witness that already cosigned part of the log)", async () => {
    const r = await openFixtureRegistry();
    cleanups.push(() => r.close());
    const w = await startWitness(0);
    const first = withWitnessing(r, [w.server.url], 1);
    await populate(r, 2);
    const size = r.view.size;
    // A new Witnessing (a registry restart) knows nothing of the witness's size.
    const again = withWitnessing(r, [w.server.url], 1);
    expect(again.status()[0]!.knownSize).toBeUndefined();
    const rc = await submitAs(r, fixtureIssuer, issueStatement("CCRC-W4", "W-4"));
    expect(again.status()[0]!.knownSize).toBe(size + 1);
    expect(openWitnessedCheckpoint(rc.checkpoint, logKey, policy(1)).cosignatures).toHaveLength(1);
    void first;
  });
});
