import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { concatBytes, fromUtf8, utf8 } from "../../log/bytes.js";
import { cosigner, parseCosignatureVerifierKey } from "../../log/cosignature.js";
import { ed25519NoteSigner, parseVerifierKey } from "../../log/note-keys.js";
import { openNote } from "../../log/note.js";
import { addCheckpoint } from "./client.js";
import { startWitnessServer, type RunningWitnessServer } from "./http.js";
import { formatWitnessKey, parseWitnessKey } from "./key.js";
import { formatAddCheckpointRequest } from "./request.js";
import { WitnessState } from "./state.js";
import { TestLog } from "../../test/witness-log.js";
import { TLOG_SIZE_CONTENT_TYPE, Witness } from "./witness.js";

const dirs: string[] = [];
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "witness-"));
  dirs.push(d);
  return d;
}

const witnessKey = cosigner("witness.test/w1", new Uint8Array(32).fill(42));

function openWitness(dir: string, log: TestLog) {
  const state = new WitnessState(dir);
  cleanups.push(() => state.close());
  const witness = new Witness({ cosigner: witnessKey, logs: [parseVerifierKey(log.signer.verifierKey)], state });
  return { state, witness };
}

async function body(log: TestLog, oldSize: number, size = log.size, proof?: Uint8Array[]) {
  return formatAddCheckpointRequest(oldSize, proof ?? (await log.proof(oldSize, size)), await log.checkpoint(size));
}

/** Checks a 200 answer: one cosignature line that verifies over the checkpoint under the witness key. */
async function expectCosigned(log: TestLog, size: number, answer: { status: number; body: string }) {
  expect(answer.status).toBe(200);
  const note = concatBytes(await log.checkpoint(size), utf8(answer.body));
  const opened = openNote(note, [parseCosignatureVerifierKey(witnessKey.verifierKey)]);
  expect(opened.sigs.map((s) => s.name)).toEqual([witnessKey.name]);
}

describe("tlog-witness v1 add-checkpoint", () => {
  it("cosigns a first checkpoint from size 0, then consistent growth, and stores each", async () => {
    const log = new TestLog().grow(5);
    const { witness, state } = openWitness(tempDir(), log);
    await expectCosigned(log, 5, witness.addCheckpoint(await body(log, 0, 5, [])));
    expect(state.get(log.origin)!.size).toBe(5);
    log.grow(300);
    await expectCosigned(log, 305, witness.addCheckpoint(await body(log, 5)));
    // The same checkpoint again (old = size) is cosigned again.
    await expectCosigned(log, 305, witness.addCheckpoint(await body(log, 305, 305, [])));
    expect(state.get(log.origin)!.size).toBe(305);
  });

  it("refuses a stale old size with 409 and the stored size as text/x.tlog.size", async () => {
    const log = new TestLog().grow(10);
    const { witness } = openWitness(tempDir(), log);
    await expectCosigned(log, 10, witness.addCheckpoint(await body(log, 0, 10, [])));
    log.grow(5);
    const a = witness.addCheckpoint(await body(log, 3));
    expect(a).toEqual({ status: 409, contentType: TLOG_SIZE_CONTENT_TYPE, body: "10\n" });
    // A client with no idea starts at 0 and learns the size the same way.
    expect(witness.addCheckpoint(await body(log, 0, 15, [])).body).toBe("10\n");
  });

  it("refuses an inconsistent checkpoint (a fork) with 422, and a second root for the stored size with 409", async () => {
    const honest = new TestLog().grow(10);
    const { witness, state } = openWitness(tempDir(), honest);
    await expectCosigned(honest, 10, witness.addCheckpoint(await body(honest, 0, 10, [])));
    const fork = new TestLog(honest.origin, 7, "fork").grow(20);
    expect(witness.addCheckpoint(await body(fork, 10)).status).toBe(422);
    // A proof that is merely garbage also fails the proof check.
    const garbage = (await honest.grow(10).proof(10)).map((h) => h.map((b) => b ^ 1));
    expect(witness.addCheckpoint(await body(honest, 10, 20, garbage)).status).toBe(422);
    const sameSize = witness.addCheckpoint(await body(new TestLog(honest.origin, 7, "fork").grow(10), 10, 10, []));
    expect(sameSize).toMatchObject({ status: 409, body: "10\n" });
    expect(state.get(honest.origin)!.size).toBe(10);
  });

  it("answers 404 for an unknown origin, 403 without a trusted signature, 400 for malformed bodies and old > size", async () => {
    const log = new TestLog().grow(4);
    const { witness } = openWitness(tempDir(), log);
    const other = new TestLog("log.test/other").grow(4);
    expect(witness.addCheckpoint(await body(other, 0, 4, [])).status).toBe(404);
    const impostor = ed25519NoteSigner(log.origin, new Uint8Array(32).fill(99));
    expect(witness.addCheckpoint(formatAddCheckpointRequest(0, [], await log.checkpoint(4, impostor))).status).toBe(
      403,
    );
    expect(witness.addCheckpoint(formatAddCheckpointRequest(5, [], await log.checkpoint(4))).status).toBe(400);
    for (const bad of ["", "old 01\n\nx", "old 1\n", "new 1\n\n", "old 0\nAAAA\n\n"]) {
      expect(witness.addCheckpoint(utf8(bad)).status, bad).toBe(400);
    }
    expect(witness.addCheckpoint(utf8("old 0\n\nnot a note\n")).status).toBe(400);
  });

  it("keeps its state across a restart", async () => {
    const dir = tempDir();
    const log = new TestLog().grow(50);
    const first = openWitness(dir, log);
    await expectCosigned(log, 50, first.witness.addCheckpoint(await body(log, 0, 50, [])));
    first.state.close();
    const again = openWitness(dir, log);
    expect(again.state.get(log.origin)!.size).toBe(50);
    log.grow(1);
    expect(again.witness.addCheckpoint(await body(log, 0, 51, [])).body).toBe("50\n");
    await expectCosigned(log, 51, again.witness.addCheckpoint(await body(log, 50)));
  });

  it("two submissions racing from the same size (two witness processes on one state file): exactly one advances", async () => {
    const dir = tempDir();
    const log = new TestLog().grow(8);
    const a = openWitness(dir, log);
    const b = openWitness(dir, log);
    await expectCosigned(log, 8, a.witness.addCheckpoint(await body(log, 0, 8, [])));
    log.grow(8);
    // Both read size 8; both compare-and-set from 8: the second loses.
    const root = await log.root(12);
    expect(a.state.advance(log.origin, 8, { size: 12, root, note: utf8("x") })).toEqual({ ok: true });
    expect(b.state.advance(log.origin, 8, { size: 16, root: await log.root(16), note: utf8("y") })).toEqual({
      ok: false,
      size: 12,
    });

    // Over HTTP, concurrently, through two servers sharing the file.
    const sa = await startWitnessServer(a.witness);
    const sb = await startWitnessServer(b.witness);
    cleanups.push(
      () => sa.close(),
      () => sb.close(),
    );
    log.grow(4); // 20
    const [ra, rb] = await Promise.all([
      addCheckpoint(sa.url, 12, await log.proof(12, 14), await log.checkpoint(14)),
      addCheckpoint(sb.url, 12, await log.proof(12, 20), await log.checkpoint(20)),
    ]);
    const kinds = [ra.kind, rb.kind].sort();
    expect(kinds).toEqual(["conflict", "cosigned"]);
    const won = ra.kind === "cosigned" ? 14 : 20;
    expect(a.state.get(log.origin)!.size).toBe(won);
    expect(ra.kind === "conflict" ? ra.size : rb.kind === "conflict" ? rb.size : -1).toBe(won);
  });
});

describe("witness fuzz", () => {
  it("answers every mutated request with a status the spec lists, never an exception", async () => {
    const log = new TestLog().grow(40);
    const { witness } = openWitness(tempDir(), log);
    await expectCosigned(log, 20, witness.addCheckpoint(await body(log, 0, 20, [])));
    const valid = await body(log, 20, 40);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (edits) => {
          const b = valid.slice();
          for (const [at, v] of edits) b[at % b.length] = v;
          expect([200, 400, 403, 404, 409, 422]).toContain(witness.addCheckpoint(b).status);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("witness HTTP server", () => {
  let s: RunningWitnessServer;
  afterEach(() => s?.close());

  it("serves POST <prefix>/add-checkpoint only, refuses oversized bodies", async () => {
    const log = new TestLog().grow(3);
    const { witness } = openWitness(tempDir(), log);
    s = await startWitnessServer(witness, { prefix: "/w" });
    const r = await addCheckpoint(s.url, 0, [], await log.checkpoint());
    expect(r.kind).toBe("cosigned");
    expect((await fetch(`${s.url}/add-checkpoint`)).status).toBe(405);
    expect((await fetch(`${s.url}/other`, { method: "POST", body: "x" })).status).toBe(404);
    expect((await fetch(`${s.url}/add-checkpoint`, { method: "POST", body: new Uint8Array(70_000) })).status).toBe(413);
    const conflict = await fetch(`${s.url}/add-checkpoint`, {
      method: "POST",
      body: Uint8Array.from(formatAddCheckpointRequest(1, [], await log.checkpoint())),
    });
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get("content-type")).toBe(TLOG_SIZE_CONTENT_TYPE);
    expect(await conflict.text()).toBe("3\n");
  });
});

describe("witness key file", () => {
  it("round-trips and refuses a wrong key id", () => {
    const s = formatWitnessKey("witness.test/w9", new Uint8Array(32).fill(5));
    const c = parseWitnessKey(s);
    expect(c.verifierKey).toBe(cosigner("witness.test/w9", new Uint8Array(32).fill(5)).verifierKey);
    expect(() => parseWitnessKey(s.replace(/\+[0-9a-f]{8}\+/, "+00000000+"))).toThrow(/key id/);
    expect(fromUtf8(utf8(s))).toBe(s);
  });
});
