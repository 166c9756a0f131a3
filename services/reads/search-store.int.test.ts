// Search over a registry's store: after a workload of every statement kind through the sequencer,
// an index loaded from the store's search rows, with the records fetched from the store's rows,
// answers every query as an index replayed from the log does; and once loaded and put in the
// view, it keeps up with the batches that follow (its names noted, its models read from the rows
// they write), still answering as the replay.
import { describe, expect, it } from "vitest";
import { labelIssued, signStatement, statement, T0, testKey } from "../../test/domain-testkit.js";
import { authority, memoryAndSqlite, openRegistry, replayedState, stateWorkload } from "../../test/state-rows-kit.js";
import { decodeLogEntryFast } from "../domain/entry-wire.js";
import { isViolation } from "../domain/violation.js";
import type { LogStore } from "../store/port.js";
import { StateSizeError, StoredStateFetch } from "../store/state-fetch.js";
import { SearchIndex } from "./search-index.js";
import { normalizeQuery, searchLabels } from "./search.js";
import { stateRecords } from "../readmodel/view-records.js";

const backends = memoryAndSqlite("labelreg-search-");

/** An index fed every entry of `store`'s log, as a replay at start-up feeds it. */
async function replayedIndex(store: LogStore): Promise<SearchIndex> {
  const index = new SearchIndex();
  const size = (await store.latestCheckpoint())?.size ?? 0;
  for (const bytes of await store.readEntries(0, size)) {
    const e = decodeLogEntryFast(bytes);
    if (isViolation(e)) throw new Error(e.message);
    index.note(e);
  }
  return index;
}

const CODES = ["91310000MA1FL8TQ3X", "91110000600037341L"];
const QUERIES = [
  ...CODES,
  "ccrc-1",
  "OTHER-1",
  "ev-c300",
  "EV-C200",
  "r1",
  "X9",
  "t1",
  "maker",
  "Maker 9131",
  "second name",
  "NEW-1",
  "nothing at all",
];

describe.each(backends)("search over the store's rows on %s", (_name, openStore) => {
  it("answers as the replayed index after a workload, and keeps answering so once in the view", async () => {
    const store = await openStore();
    const clock = { now: T0 };
    const registry = await openRegistry(store, clock);
    try {
      await stateWorkload(registry, clock);
      const view = registry.view;
      const tables = store.state!;
      const expectSameAnswers = async (stored: SearchIndex) => {
        const size = view.size;
        const replayed = await replayedIndex(store);
        const fetch = new StoredStateFetch(tables, () => size);
        const complete = stateRecords(await replayedState(store, authority.publicKey));
        let hits = 0;
        for (const q of QUERIES) {
          const query = normalizeQuery(q);
          const want = await searchLabels(complete, replayed, query, size, clock.now);
          expect(await searchLabels(complete, stored, query, size, clock.now), q).toEqual(want);
          expect(await searchLabels(fetch, stored, query, size, clock.now), q).toEqual(want);
          // The view's own records: those its partial state holds, the rest from the rows.
          expect(await searchLabels(view.records(), stored, query, size, clock.now), q).toEqual(want);
          hits += want.hits.length;
        }
        return hits;
      };

      const loaded = await SearchIndex.load(tables, view.size);
      expect(await expectSameAnswers(loaded)).toBeGreaterThan(10);
      await expect(SearchIndex.load(tables, view.size - 1)).rejects.toThrow(StateSizeError);

      // From here the view's index is the loaded one: the sequencer writes the search rows of
      // the batches below from it, and notes them in it.
      view.search = loaded;
      const ccrc = testKey(3); // CCRC's key since the workload rotated it
      const issue = (id: string, model: string, name: string, code: string) =>
        registry.submit(
          signStatement(ccrc, {
            ...statement(
              {
                $case: "labelIssued",
                value: labelIssued({ productModel: model, manufacturer: { name, registrationCode: code } }),
              },
              { labelId: id },
            ),
            signedAtUnix: clock.now,
          }),
        );
      await Promise.all([
        issue("CCRC-10", "new-1", "A second name", CODES[0]!),
        issue("CCRC-11", "NEW-1", "Another maker", CODES[1]!),
        issue("CCRC-12", "r2", "Maker 91110000600037341L", CODES[1]!),
      ]);
      expect(loaded.namesOf(CODES[0]!)).toEqual([`Maker ${CODES[0]}`, "A second name"]);
      expect(await expectSameAnswers(loaded)).toBeGreaterThan(12);
      expect(await expectSameAnswers(await SearchIndex.load(tables, view.size))).toBeGreaterThan(12);
    } finally {
      await registry.close();
    }
  }, 60_000);
});
