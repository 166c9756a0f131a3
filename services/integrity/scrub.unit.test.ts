// The scrub recomputes the state map as it passes the log: a commitment entry the log's key
// signed into the tree (so every hash and tile checks out) but whose root is not the map the
// entries before it give, or whose count is not its own index, stops it with map-commitment
// naming that entry. The log of the verification fixture is copied with one commitment forged,
// its tree recomputed and its checkpoint signed by the same key: what a faulty or dishonest
// sequencer would publish.
import { beforeAll, describe, expect, it } from "vitest";
import { parseVerifierKey } from "../../log/note-keys.js";
import { authority, buildFixture, logSigner } from "../../test/verification-fixture.js";
import { decodeLogEntry, encodeCommitmentEntry, isCommitment } from "../domain/decode.js";
import { isViolation } from "../domain/violation.js";
import { type MemoryLog, openMemoryStore } from "../store/memory.js";
import { signedMemoryLog } from "../../test/signed-memory-log.js";
import { checkStoredLog } from "./check-log.js";
import { IntegrityError } from "./integrity-error.js";
import { Scrub } from "./scrub.js";

const verifier = parseVerifierKey(logSigner.verifierKey);
let entries: Uint8Array[];
/** Indices of the commitment entries, in log order. */
let commitments: number[];

beforeAll(async () => {
  const fx = await buildFixture();
  entries = await fx.registry.view.store.readEntries(0, fx.registry.view.size);
  commitments = entries.flatMap((b, i) => {
    const d = decodeLogEntry(b);
    return !isViolation(d) && isCommitment(d) ? [i] : [];
  });
  await fx.registry.close();
});

const storeOf = (list: readonly Uint8Array[]) => signedMemoryLog(list, logSigner);

/** The log with the commitment entry at `index` rewritten by `change`. */
function forged(index: number, change: (c: { root: Uint8Array; size: bigint }) => { root: Uint8Array; size: bigint }) {
  const d = decodeLogEntry(entries[index]!);
  if (isViolation(d) || !isCommitment(d)) throw new Error(`entry ${index} is not a commitment`);
  const next = entries.slice();
  next[index] = encodeCommitmentEntry(
    change({ root: d.commitment.root.slice(), size: d.commitment.size }),
    d.sequencedAtUnix,
  );
  return next;
}

/** Runs a scrub over `log` until its first pass ends or it reports a mismatch. */
function scrubOnce(log: MemoryLog): Promise<{ passed?: number; mismatch?: IntegrityError }> {
  return new Promise((resolve, reject) => {
    const scrub: Scrub = new Scrub({
      store: openMemoryStore(log),
      log: verifier,
      authorityPublicKey: authority.publicKey,
      entriesPerSecond: 1e6,
      restMs: 0,
      onPass: (size) => void scrub.stop().then(() => resolve({ passed: size })),
      onMismatch: (e) => resolve({ mismatch: e }),
      onError: reject,
    });
  });
}

describe("the scrub recomputes the state map", () => {
  it("passes the honest log, whose last entry is a commitment", async () => {
    expect(commitments.length).toBeGreaterThan(3);
    expect(commitments.at(-1)).toBe(entries.length - 1);
    expect(await scrubOnce(await storeOf(entries))).toEqual({ passed: entries.length });
  });

  it("stops at a commitment with a wrong root, naming its index, though every hash checks out", async () => {
    const index = commitments[Math.floor(commitments.length / 2)]!;
    const log = await storeOf(
      forged(index, (c) => {
        c.root[31]! ^= 1;
        return c;
      }),
    );
    const { mismatch } = await scrubOnce(log);
    expect(mismatch).toBeInstanceOf(IntegrityError);
    expect(mismatch).toMatchObject({ problem: "map-commitment", index });
    expect(mismatch!.message).toContain(`the map commitment at index ${index} does not match`);
    // The tree alone vouches for the forged log: only the map replay finds it.
    await expect(checkStoredLog(openMemoryStore(log), { log: verifier })).resolves.toMatchObject({
      size: entries.length,
    });
  });

  it("stops at a commitment that does not count its own index", async () => {
    const index = commitments[1]!;
    const { mismatch } = await scrubOnce(await storeOf(forged(index, (c) => ({ ...c, size: c.size - 1n }))));
    expect(mismatch).toMatchObject({ problem: "map-commitment", index });
    expect(mismatch!.message).toContain(`counts ${index - 1} entries, not ${index}`);
  });
});
