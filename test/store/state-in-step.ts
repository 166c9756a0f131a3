// The check crash tests make after every crash: the state tables reflect exactly the committed
// tree size, for a log written with syntheticBatch and syntheticState (test/store/synthetic.ts).
import { expect } from "vitest";
import { bytesEqual, utf8 } from "../../log/bytes.js";
import type { LogStore } from "../../services/store/port.js";
import { parseSyntheticEntry, SYNTHETIC_NODE_PATH, syntheticMapNode, syntheticState } from "./synthetic.js";

const CHUNK = 10_000;

/** Checks that `store`'s state is that of its log of `size` entries: no more, no less. */
export async function expectStateInStep(store: LogStore, size: number): Promise<void> {
  const st = store.state!;
  expect(await st.status()).toMatchObject({ size, rebuildNeeded: false });
  const sizeRow = await st.readState("label", ["size"]);
  expect(sizeRow.size).toBe(size);
  expect(sizeRow.values[0] && new TextDecoder().decode(sizeRow.values[0]), "the state's size row").toBe(
    size === 0 ? undefined : String(size),
  );
  const entries = await store.readEntries(0, size);
  // Past the end too: a row of an entry the log does not hold would be state out of step.
  for (let start = 0; start < size + 300; start += CHUNK) {
    const indices = Array.from({ length: Math.min(CHUNK, size + 300 - start) }, (_, k) => start + k);
    const read = await st.readState(
      "labelEntry",
      indices.map((i) => `e${i}`),
    );
    read.values.forEach((v, k) => {
      const i = indices[k]!;
      if (i >= size) {
        if (v !== undefined) expect.fail(`a state row for entry ${i}, past the tree size ${size}`);
      } else if (v === undefined || !bytesEqual(v, utf8(parseSyntheticEntry(entries[i]!)!.writer))) {
        expect.fail(`the state row of entry ${i} is missing or not its writer's`);
      }
    });
  }
  if (size === 0) return;
  const [root] = await st.readMapNodes([SYNTHETIC_NODE_PATH], Number.MAX_SAFE_INTEGER);
  expect(root, "the newest map node is the last batch's").toEqual(syntheticMapNode(size));
  const lastWriter = parseSyntheticEntry(entries[size - 1]!)!.writer;
  const value = syntheticState(lastWriter, size - 1, 1).values![0]!;
  expect((await st.readMapValues([value]))[0], "the last batch's map value").toEqual(value.value);
}
