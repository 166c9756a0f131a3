// What every backend's upgrade test checks once a store of an older layout, left mid-rebuild by
// the older program, is opened by this one.
import { expect } from "vitest";
import type { RebuildToken, StateKey, StateTables } from "../../services/store/state.js";

/**
 * `old` (a rebuild the older program began at tree size 2, before stores gave tokens) can no
 * longer finish; a new rebuild (token 1) begins, writes and finishes, and only its row is left
 * (the old rebuild's row `stale` is gone).
 */
export async function expectRebuildAfterUpgrade(st: StateTables, old: RebuildToken, stale: StateKey): Promise<void> {
  expect(await st.status()).toMatchObject({ size: 2, rebuildNeeded: true, mapFloor: 0 });
  // The old rebuild cannot go on: the layout never gave it a token.
  await expect(st.finishRebuild(old, 2)).rejects.toThrow(/no rebuild 1 was begun on this store/);
  const token = await st.beginRebuild(2);
  expect(token).toBe(1);
  await st.writeRebuild(token, 2, { rows: [{ table: "label", key: "L", value: new Uint8Array([2]) }] });
  await st.finishRebuild(token, 2);
  expect(await st.status()).toMatchObject({ size: 2, rebuildNeeded: false, mapFloor: 0 });
  expect((await st.readState("label", ["L", stale])).values).toEqual([new Uint8Array([2]), undefined]);
}
