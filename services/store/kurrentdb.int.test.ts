// The KurrentDB store against a real cluster: the shared contract, unchanged, plus a writer that
// dies between its commit and its tiles. No KurrentDB server can be installed on the machines
// this project is tested on (not on npm, not in Debian, no container engine), so this file runs
// only when KURRENTDB_CONNECTION_STRING names one (see services/store/README.md); otherwise it
// says, loudly, that it was skipped. The server-free logic is in kurrentdb-layout.unit.test.ts.
import { randomUUID } from "node:crypto";
import { KurrentDBClient, binaryEvent } from "@kurrent/kurrentdb-client";
import { describe, expect, it } from "vitest";
import { formatCheckpoint } from "../../log/checkpoint.js";
import { utf8 } from "../../log/bytes.js";
import { integrate } from "../../log/integrate.js";
import { signNote } from "../../log/note.js";
import { ed25519NoteSigner } from "../../log/note-keys.js";
import { tilesOfTree } from "../../log/tile.js";
import { emptyTreeState } from "../../log/tree-state.js";
import { describeLogStoreContract } from "../../test/store/contract.js";
import { openKurrentDbStore } from "./kurrentdb.js";
import { TILED_EVENT, encodeTiled, logStreams } from "./kurrentdb-layout.js";

const url = process.env.KURRENTDB_CONNECTION_STRING;
if (!url) {
  console.warn(
    "SKIPPED: services/store/kurrentdb.int.test.ts — KURRENTDB_CONNECTION_STRING is not set, so the KurrentDB " +
      "store contract did NOT run (see services/store/README.md to run it against a cluster).",
  );
}

/** Deletes what a test log left behind (its tile streams are named by its final size). */
async function removeLog(prefix: string): Promise<void> {
  const client = KurrentDBClient.connectionString(url!);
  const streams = logStreams(prefix);
  try {
    const store = await openKurrentDbStore({ connectionString: url!, prefix });
    const size = (await store.latestCheckpoint())?.size ?? 0;
    await store.close();
    const names = [
      streams.entries,
      streams.checkpoints,
      streams.tiled,
      ...tilesOfTree(size).map((t) => streams.tile(t.level, t.index)),
    ];
    await Promise.all(names.map((n) => client.deleteStream(n).catch(() => undefined)));
  } finally {
    await client.dispose();
  }
}

describe.skipIf(!url)("KurrentDB store on a real cluster", () => {
  describeLogStoreContract("kurrentdb", async () => {
    const prefix = `labelreg-test-${randomUUID()}`;
    return { open: () => openKurrentDbStore({ connectionString: url!, prefix }), cleanup: () => removeLog(prefix) };
  });

  it("rebuilds the tiles of a writer that died after its commit, from the entries", async () => {
    const prefix = `labelreg-test-${randomUUID()}`;
    const signer = ed25519NoteSigner("kurrentdb.test/log", new Uint8Array(32).fill(5));
    const entries = Array.from({ length: 600 }, (_, i) => utf8(`entry ${i}`));
    const first = integrate(emptyTreeState(), entries.slice(0, 300));
    const second = integrate(first.state, entries.slice(300));
    const note = (s: typeof first.state) =>
      utf8(signNote(formatCheckpoint({ origin: signer.name, size: s.size, root: s.root, extensions: [] }), [signer]));
    const writer = await openKurrentDbStore({ connectionString: url!, prefix });
    try {
      await writer.append({
        expectedSize: 0,
        entries: entries.slice(0, 300),
        tiles: first.tiles,
        checkpoint: note(first.state),
      });
      // The second batch commits without its tiles, and the watermark is put back: what a crash
      // right after the marker leaves.
      await writer.append({
        expectedSize: 300,
        entries: entries.slice(300),
        tiles: [],
        checkpoint: note(second.state),
      });
      const raw = KurrentDBClient.connectionString(url!);
      await raw.appendToStream(logStreams(prefix).tiled, [binaryEvent({ type: TILED_EVENT, data: encodeTiled(300) })]);
      await raw.dispose();
      const reader = await openKurrentDbStore({ connectionString: url!, prefix, tileGraceMillis: 100 });
      try {
        for (const t of second.tiles) {
          expect(await reader.readTile(t.level, t.index)).toEqual({
            level: t.level,
            index: t.index,
            width: t.width,
            data: t.data,
          });
        }
      } finally {
        await reader.close();
      }
    } finally {
      await writer.close();
      await removeLog(prefix);
    }
  });
});
