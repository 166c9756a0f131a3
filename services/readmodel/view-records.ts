// Where reads find labels, products and manufacturers: a complete state (a replay's) holds them
// all; a partial one (the registry's, over a store's state tables) holds what its sequencer
// loaded, and the rest are read from the store's rows.
//
// A read takes records as of its snapshot or later: it keeps the history before its snapshot and
// replays the entries when a record has moved on (services/reads/reads.ts). So a row read at the
// store's current size, ahead of the view, serves; and reads never load what they read into the
// state: the sequencer's rules need records exactly at the state's size.
import type { StateFetch } from "../domain/batch-keys.js";
import type { RegistryState } from "../domain/state.js";
import { StoredStateFetch } from "../store/state-fetch.js";
import type { StateTables } from "../store/state.js";

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
 * the rest from `tables`, in one read per table.
 */
export function viewRecords(state: RegistryState, tables: Pick<StateTables, "readState"> | undefined): Records {
  if (!state.partial) return stateRecords(state);
  if (!tables) throw new Error("records: a partial state needs a store with state tables");
  const size = state.size;
  const store = new StoredStateFetch(tables, () => size, true);
  return {
    labels: (ids) =>
      heldOrFetched(
        ids,
        (id) => state.labels.isLoaded(id),
        (id) => state.labels.get(id),
        (missing) => store.labels(missing),
      ),
    products: (keys) =>
      heldOrFetched(
        keys,
        (key) => state.productLabels.isLoaded(key) && state.liveByProduct.isLoaded(key),
        (key) => {
          const labelIds = state.productLabels.get(key);
          return labelIds && { labelIds, liveLabelId: state.liveByProduct.get(key) };
        },
        (missing) => store.products(missing),
      ),
    manufacturers: (codes) =>
      heldOrFetched(
        codes,
        (code) => state.manufacturerProducts.isLoaded(code),
        (code) => state.manufacturerProducts.get(code),
        (missing) => store.manufacturers(missing),
      ),
  };
}

/** What the state holds now (read synchronously: the sequencer may evict it after an await), the rest fetched. */
async function heldOrFetched<K, V>(
  keys: readonly K[],
  held: (k: K) => boolean,
  get: (k: K) => V | undefined,
  fetch: (missing: K[]) => Promise<(V | undefined)[]>,
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
  if (missing.length > 0) (await fetch(missing)).forEach((v, j) => (out[at[j]!] = v));
  return out;
}
