// The store checks (tree-check.ts, check-log.ts) against logs tampered with in every way a
// writer of the store without the log key can: an entry changed, a tile hash changed, an entry
// and every tile above it rewritten consistently, the checkpoint re-signed by another key.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8 } from "../../log/bytes.js";
import { formatCheckpoint } from "../../log/checkpoint.js";
import { integrate } from "../../log/integrate.js";
import { ed25519NoteSigner, parseVerifierKey, type Ed25519NoteSigner } from "../../log/note-keys.js";
import { signNote } from "../../log/note.js";
import { TILE_WIDTH } from "../../log/tile.js";
import { emptyTreeState } from "../../log/tree-state.js";
import { nodeEd25519 } from "../crypto/ed25519-node.js";
import { MemoryLog, openMemoryStore } from "../store/memory.js";
import { LogView } from "../readmodel/log-view.js";
import { checkStoredLog } from "./check-log.js";
import { IntegrityError } from "./integrity-error.js";

const ORIGIN = "test.example/integrity";
const logKey = ed25519NoteSigner(ORIGIN, new Uint8Array(32).fill(7), nodeEd25519);
const otherKey = ed25519NoteSigner(ORIGIN, new Uint8Array(32).fill(8), nodeEd25519);
const verifier = parseVerifierKey(logKey.verifierKey, nodeEd25519);

function note(size: number, root: Uint8Array, key: Ed25519NoteSigner = logKey): Uint8Array {
  return utf8(signNote(formatCheckpoint({ origin: ORIGIN, size, root, extensions: [] }), [key]));
}

/** A log of `size` entries appended in batches of `batch`, each with its signed checkpoint. */
async function buildLog(size: number, batch = 300): Promise<{ log: MemoryLog; entries: Uint8Array[] }> {
  const log = new MemoryLog();
  const store = openMemoryStore(log);
  const entries = Array.from({ length: size }, (_, i) => utf8(`entry ${i} ${"x".repeat(i % 17)}`));
  let state = emptyTreeState();
  for (let start = 0; start < size; start += batch) {
    const part = entries.slice(start, start + batch);
    const grown = integrate(state, part);
    await store.append({
      expectedSize: start,
      entries: part,
      tiles: grown.tiles,
      checkpoint: note(grown.state.size, grown.state.root),
    });
    state = grown.state;
  }
  return { log, entries };
}

async function failure(log: MemoryLog): Promise<IntegrityError> {
  const e = await checkStoredLog(openMemoryStore(log), { log: verifier, chunk: 500 }).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(IntegrityError);
  return e as IntegrityError;
}

describe("checkStoredLog", () => {
  it("passes an untouched log, of any size and batching", async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 1100 }), fc.integer({ min: 1, max: 700 }), async (size, batch) => {
        const { log } = await buildLog(size, batch);
        const r = await checkStoredLog(openMemoryStore(log), { log: verifier, chunk: 333 });
        expect(r).toEqual({ size, entriesChecked: size, aborted: false });
      }),
      { numRuns: 15 },
    );
  });

  it("names the exact entry whose bytes changed", async () => {
    const { log } = await buildLog(1000);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 999 }), fc.nat(), async (index, at) => {
        const entry = log.entries[index]!;
        const i = at % entry.length;
        entry[i]! ^= 1;
        try {
          const e = await failure(log);
          expect(e.problem).toBe("tree-mismatch");
          expect(e.index).toBe(index);
          expect(e.message).toContain(`entry ${index} does not hash`);
        } finally {
          entry[i]! ^= 1;
        }
      }),
      { numRuns: 30 },
    );
  });

  it("names the entries under a changed tile hash, at any level", async () => {
    const { log } = await buildLog(256 * 3 + 5);
    for (const [key, hashIndex, first] of [
      ["0/1", 3, 256 + 3],
      ["0/3", 4, 3 * 256 + 4],
      ["1/0", 1, 256],
    ] as const) {
      const tile = log.tiles.get(key)!;
      tile.data[hashIndex * 32]! ^= 0x80;
      try {
        const e = await failure(log);
        expect(e.problem).toBe("tree-mismatch");
        expect(e.index).toBe(first);
      } finally {
        tile.data[hashIndex * 32]! ^= 0x80;
      }
    }
  });

  it("catches an entry rewritten with every tile above it recomputed: the signed root does not match", async () => {
    const { log, entries } = await buildLog(600);
    const forged = entries.map((e, i) => (i === 42 ? utf8("a different accreditation") : e));
    for (const t of integrate(emptyTreeState(), forged).tiles)
      log.tiles.set(`${t.level}/${t.index}`, { ...t, data: t.data.slice() });
    log.entries[42] = forged[42]!;
    const e = await failure(log);
    expect(e.problem).toBe("root-mismatch");
  });

  it("refuses a checkpoint not signed by the log key, even for a tree that matches it", async () => {
    const { log } = await buildLog(300);
    const last = log.checkpoints.at(-1)!;
    const grown = integrate(emptyTreeState(), log.entries);
    log.checkpoints[log.checkpoints.length - 1] = { size: last.size, note: note(300, grown.state.root, otherKey) };
    const e = await failure(log);
    expect(e.problem).toBe("checkpoint-signature");
    expect(e.message).toContain("does not verify under the log key");
  });

  it("a missing tile is a mismatch, not a crash", async () => {
    const { log } = await buildLog(TILE_WIDTH + 10);
    log.tiles.delete("0/0");
    const e = await failure(log);
    expect(e.problem).toBe("tree-mismatch");
    expect(e.index).toBe(0);
  });
});

describe("LogView.catchUp on a tampered store", () => {
  it("refuses before applying anything it cannot vouch for, naming the entry", async () => {
    const { log } = await buildLog(700);
    log.entries[513]![0]! ^= 1;
    // Tables to rebuild: the view replays the log (a view opened from in-step tables reads only
    // the newest entry; the scrub and fsck check the others).
    log.state.rebuild = "needed";
    const view = new LogView(openMemoryStore(log), new Uint8Array(32), undefined, verifier);
    const e = await view.catchUp().then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(IntegrityError);
    expect((e as IntegrityError).index).toBe(513);
    expect(view.size).toBe(0);
  });

  it("refuses a checkpoint signed by another key", async () => {
    const { log } = await buildLog(10);
    log.checkpoints[0] = { size: 10, note: note(10, integrate(emptyTreeState(), log.entries).state.root, otherKey) };
    const view = new LogView(openMemoryStore(log), new Uint8Array(32), undefined, verifier);
    await expect(view.catchUp()).rejects.toMatchObject({ problem: "checkpoint-signature" });
  });
});
