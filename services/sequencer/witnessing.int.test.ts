import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fromUtf8 } from "../../log/bytes.js";
import { cosigner, parseCosignatureVerifierKey } from "../../log/cosignature.js";
import { parseVerifierKey } from "../../log/note-keys.js";
import { openWitnessedCheckpoint, witnessPolicy } from "../../log/witness-policy.js";
import {
  fixtureIssuer,
  fixtureLogSigner,
  issueStatement,
  openFixtureRegistry,
  populate,
  submitAs,
} from "../../test/audit-fixture.js";
import type { Registry } from "../registry.js";
import { MemoryLog, openMemoryStore } from "../store/memory.js";
import { startWitnessServer, type RunningWitnessServer } from "../witness/http.js";
import { WitnessState } from "../witness/state.js";
import { Witness } from "../witness/witness.js";
import { Witnessing } from "./witnessing.js";
import { Reads } from "../reads/reads.js";
import { viewLogSource } from "../../gateway/tiles/log-source.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const keys = [1, 2, 3].map((i) => cosigner(`witness.test/w${i}`, new Uint8Array(32).fill(100 + i)));
const logKey = parseVerifierKey(fixtureLogSigner.verifierKey);

async function startWitness(
  i: number,
  dir = mkdtempSync(join(tmpdir(), "wit-")),
): Promise<{ server: RunningWitnessServer; state: WitnessState; dir: string }> {
  const state = new WitnessState(dir);
  const server = await startWitnessServer(new Witness({ cosigner: keys[i]!, logs: [logKey], state }));
  cleanups.push(
    () => server.close(),
    () => state.close(),
    () => rmSync(dir, { recursive: true, force: true }),
  );
  return { server, state, dir };
}

function withWitnessing(
  r: Registry,
  urls: string[],
  required: number,
  timeoutMs = 2000,
  retry: { retryFirstMs?: number; retryMaxMs?: number } = {},
): Witnessing {
  const w = new Witnessing(r.view, {
    witnesses: urls.map((url, i) => ({ url, verifierKey: keys[i]!.verifierKey })),
    required,
    timeoutMs,
    log: () => undefined,
    ...retry,
  });
  r.view.cosign = w.cosign;
  cleanups.push(() => w.close());
  return w;
}

/** Makes a witness answer 503 while `down.value` is true, as a witness in an outage does. */
function outage(w: RunningWitnessServer): { value: boolean } {
  const down = { value: false };
  const handlers = w.server.listeners("request");
  w.server.removeAllListeners("request");
  w.server.on("request", (req, res) => {
    if (!down.value) return handlers.forEach((h) => (h as (...a: unknown[]) => void)(req, res));
    req.resume();
    res.writeHead(503).end("down for maintenance\n");
  });
  return down;
}

const policy = (k: number) =>
  witnessPolicy(
    k,
    keys.map((k) => parseCosignatureVerifierKey(k.verifierKey)),
  );

describe("witnessing", () => {
  it("every receipt carries k cosignatures that verify; the store and the view publish the cosigned note", async () => {
    const store = new MemoryLog();
    const r = await openFixtureRegistry(openMemoryStore(store));
    cleanups.push(() => r.close());
    const ws = await Promise.all([0, 1].map((i) => startWitness(i)));
    withWitnessing(
      r,
      ws.map((w) => w.server.url),
      2,
    );
    await populate(r, 2);
    const rc = await submitAs(r, fixtureIssuer, issueStatement("CCRC-W1", "W-1"));
    const opened = openWitnessedCheckpoint(rc.checkpoint, logKey, policy(2));
    expect(opened.cosignatures.map((c) => c.name).sort()).toEqual(["witness.test/w1", "witness.test/w2"]);
    expect(opened.checkpoint.size).toBe(rc.index + 2); // the statement and its batch's map commitment
    expect(fromUtf8(store.checkpoints.at(-1)!.note)).toBe(rc.checkpoint);
    expect(r.view.checkpoint).toBe(rc.checkpoint);
    // Each witness followed every checkpoint, with consistency proofs from its last size.
    for (const w of ws) expect(w.state.get(fixtureLogSigner.name)!.size).toBe(rc.index + 2);
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
    expect(() => openWitnessedCheckpoint(rc.checkpoint, logKey, policy(2))).toThrow(
      /1 valid cosignatures of the 2 required/,
    );
    expect(openWitnessedCheckpoint(rc.checkpoint, logKey, policy(1)).cosignatures.map((c) => c.name)).toEqual([
      "witness.test/w1",
    ]);
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
    slow.server.server.on(
      "request",
      (req, res) => void gate.then(() => handlers.forEach((h) => (h as (...a: unknown[]) => void)(req, res))),
    );
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
    expect(openWitnessedCheckpoint(rc.checkpoint, logKey, policy(1)).cosignatures.map((c) => c.name)).toEqual([
      "witness.test/w1",
    ]);
    openGate();
    await twoCosigned;
    const opened = openWitnessedCheckpoint(r.view.checkpoint, logKey, policy(2));
    expect(opened.cosignatures).toHaveLength(2);
    expect(opened.checkpoint.size).toBe(rc.treeSize); // the statement, then its batch's map commitment
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
    expect(again.status()[0]!.knownSize).toBe(size + 2); // the statement and its map commitment
    expect(openWitnessedCheckpoint(rc.checkpoint, logKey, policy(1)).cosignatures).toHaveLength(1);
    void first;
  });

  it("after an outage, asks the witnesses again until the latest checkpoint has its cosignatures, with no further write; meanwhile reads answer from the last cosigned one", async () => {
    const r = await openFixtureRegistry();
    cleanups.push(() => r.close());
    const wit = await startWitness(0);
    const down = outage(wit.server);
    withWitnessing(r, [wit.server.url], 1, 200, { retryFirstMs: 50, retryMaxMs: 200 });
    await populate(r, 2);
    const cosigned = r.view.checkpoint;
    const cosignedSize = r.view.size;
    expect(openWitnessedCheckpoint(cosigned, logKey, policy(1)).checkpoint.size).toBe(cosignedSize);

    down.value = true;
    const rc = await submitAs(r, fixtureIssuer, issueStatement("CCRC-W5", "W-5"));
    expect(() => openWitnessedCheckpoint(rc.checkpoint, logKey, policy(1))).toThrow(/cosignatures/);
    // Public reads: the last checkpoint that met the policy, the newer one named as pending.
    expect(r.view.witnessed?.checkpoint).toBe(cosigned);
    const published = await viewLogSource(r.view).checkpoint();
    expect(published).toMatchObject({ size: cosignedSize, pendingSize: rc.treeSize });
    const reads = new Reads(r.view, r.domain);
    expect((await reads.getLabel("CCRC-1")).bundle!.checkpoint).toBe(cosigned);
    // A label with entries past it can only be proven at the latest.
    expect((await reads.getLabel("CCRC-W5")).bundle!.checkpoint).toBe(r.view.checkpoint);

    // The witness comes back; nobody writes. The latest checkpoint gets its cosignature anyway.
    await new Promise((res) => setTimeout(res, 300));
    down.value = false;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && r.view.witnessed !== undefined) await new Promise((res) => setTimeout(res, 50));
    expect(r.view.size).toBe(rc.treeSize);
    expect(openWitnessedCheckpoint(r.view.checkpoint, logKey, policy(1)).checkpoint.size).toBe(rc.treeSize);
    expect(fromUtf8((await viewLogSource(r.view).checkpoint())!.note)).toBe(r.view.checkpoint);
    expect((await viewLogSource(r.view).checkpoint())!.pendingSize).toBeUndefined();
    expect((await reads.getLabel("CCRC-1")).bundle!.checkpoint).toBe(r.view.checkpoint);
  });
});
