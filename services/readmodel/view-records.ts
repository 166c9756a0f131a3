// Where reads find labels, products and manufacturers: a complete state (a replay's) holds them
// all; a partial one (the registry's, over a store's state tables) holds what its sequencer
// loaded, and the rest are read from the store's rows.
//
// A read takes records as of its snapshot or later: it keeps the history before its snapshot and
// replays the entries when a record has moved on (services/reads/reads.ts). So a row read at the
// store's current size, ahead of the view, serves; and reads never load what they read into the
// state: the sequencer's rules need records exactly at the state's size.
import type { StateFetch } from "../domain/batch-keys.js";
import type { JournaledMap } from "../domain/journal.js";
import type { RegistryState } from "../domain/state.js";
import { StoredStateFetch } from "../store/state-fetch.js";
import type { StateTables } from "../store/state.js";

/** A partial table, as viewRecords loads into it. */
type Loadable = Pick<JournaledMap<string, unknown>, "isLoaded" | "forget">;

/** Records by key, in the order asked (undefined: there is none). */
export type Records = Pick<StateFetch, "labels" | "products" | "manufacturers">;

/** A complete state's records, read from it as they are. */
export function stateRecords(state: RegistryState): Records {
  if (state.partial) throw new Error("records: a partial state's records are read through viewRecords");
  return {
    labels: async (ids) => ids.map((id) => state.labels.get(id)),
    products: async (keys) =>
      keys.map((productKey) => {
        const labelIds = state.productLabels.get(productKey);
        return labelIds && { labelIds, liveLabelId: state.liveByProduct.get(productKey) };
      }),
    manufacturers: async (codes) => codes.map((code) => state.manufacturerProducts.get(code)),
  };
}

/**
 * The records of `state` (at its size when called) or later ones: those a partial state holds,
 * the rest from `tables`, in one read per table. What is read at exactly the state's size is
 * loaded into it while its records take less than `cacheBytes` (RegistryState.cachedBytes; the
 * sequencer and catch-up let records go, reads never do, as they may run between a batch's loads
 * and its checks).
 */
export function viewRecords(
  state: RegistryState,
  tables: Pick<StateTables, "readState"> | undefined,
  cacheBytes: number,
): Records {
  if (!state.partial) return stateRecords(state);
  if (!tables) throw new Error("records: a partial state needs a store with state tables");
  const size = state.size;
  // Loads only what every read of the fetch saw at the state's size, which it still is at, and
  // only within the budget: a record that takes the state past it is let go at once (never one
  // held before: the sequencer may have loaded it for its next batch).
  const keep = (store: StoredStateFetch, key: string, tables: readonly Loadable[], load: () => void) => {
    if (state.size !== size || state.journal.open || store.sizes.size !== 1 || !store.sizes.has(size)) return;
    if (state.cachedBytes >= cacheBytes || tables.some((t) => t.isLoaded(key))) return;
    load();
    if (state.cachedBytes > cacheBytes) for (const t of tables) t.forget(key);
  };
  const fetcher = () => new StoredStateFetch(tables, () => size, true);
  return {
    labels: async (ids) => {
      const store = fetcher();
      return heldOrFetched(
        ids,
        (id) => state.labels.isLoaded(id),
        (id) => state.labels.get(id),
        (missing) => store.labels(missing),
        (id, r) => keep(store, id, [state.labels], () => state.labels.load(id, r)),
      );
    },
    products: async (keys) => {
      const store = fetcher();
      return heldOrFetched(
        keys,
        (key) => state.productLabels.isLoaded(key) && state.liveByProduct.isLoaded(key),
        (key) => {
          const labelIds = state.productLabels.get(key);
          return labelIds && { labelIds, liveLabelId: state.liveByProduct.get(key) };
        },
        (missing) => store.products(missing),
        (key, p) =>
          keep(store, key, [state.productLabels, state.liveByProduct], () => {
            state.productLabels.load(key, p?.labelIds);
            state.liveByProduct.load(key, p?.liveLabelId);
          }),
      );
    },
    manufacturers: async (codes) => {
      const store = fetcher();
      return heldOrFetched(
        codes,
        (code) => state.manufacturerProducts.isLoaded(code),
        // A copy: the held list grows in place as products are added.
        (code) => state.manufacturerProducts.get(code)?.slice(),
        (missing) => store.manufacturers(missing),
        (code, list) =>
          keep(store, code, [state.manufacturerProducts], () =>
            state.manufacturerProducts.load(code, list && [...list]),
          ),
      );
    },
  };
}

/** What the state holds now (read synchronously: the sequencer may evict it after an await), the rest fetched. */
async function heldOrFetched<K, V>(
  keys: readonly K[],
  held: (k: K) => boolean,
  get: (k: K) => V | undefined,
  fetch: (missing: K[]) => Promise<(V | undefined)[]>,
  keep: (k: K, v: V | undefined) => void,
): Promise<(V | undefined)[]> {
  const out: (V | undefined)[] = new Array(keys.length);
  const missing: K[] = [];
  const at: number[] = [];
  keys.forEach((k, i) => {
    if (held(k)) out[i] = get(k);
    else {
      missing.push(k);
      at.push(i);
    }
  });
  if (missing.length > 0)
    (await fetch(missing)).forEach((v, j) => {
      out[at[j]!] = v;
      keep(missing[j]!, v);
    });
  return out;
}
