// The records a batch reads, so that a partial state (state.ts) can fetch them before the batch is
// checked and applied in memory: check(), apply(), the map's values of what the batch touched
// (map-values.ts) and the statistics read no other label, product, manufacturer or request id.
// Issuers, keys and categories are not here: a partial state holds them whole.
//
// The keys come in rounds: the statements name some (round one), and the records loaded for those
// name the rest (a label's product, a product's live, first and latest labels, a manufacturer's
// newest product). prefetch() loads round after round until a round names nothing new.
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import {
  productKey,
  requestKey,
  type LabelRecord,
  type RegistryState,
  type RequestRecord,
  type Signer,
} from "./state.js";

/** Keys of the partial tables. */
export interface StateKeys {
  readonly labels: Set<string>;
  /** productKeys: each stands for the product's live label and its label list. */
  readonly products: Set<string>;
  /** Registration codes. */
  readonly manufacturers: Set<string>;
  /** requestKey(signer, request id). */
  readonly requests: Set<string>;
}

export function emptyKeys(): StateKeys {
  return { labels: new Set(), products: new Set(), manufacturers: new Set(), requests: new Set() };
}

/** A product's records as a store row gives them: the live label (if any) and every label id. */
export interface ProductRecord {
  readonly liveLabelId: string | undefined;
  readonly labelIds: readonly string[];
}

/** Reads records from the store, in the order asked (undefined: no such record). */
export interface StateFetch {
  labels(ids: readonly string[]): Promise<(LabelRecord | undefined)[]>;
  products(keys: readonly string[]): Promise<(ProductRecord | undefined)[]>;
  /** A manufacturer's productKeys, in the order of their first label. */
  manufacturers(codes: readonly string[]): Promise<(readonly string[] | undefined)[]>;
  requests(keys: readonly string[]): Promise<(RequestRecord | undefined)[]>;
}

/** Round one: the keys the statements name themselves. */
export function statementKeys(items: Iterable<{ readonly signer: Signer; readonly statement: Statement }>): StateKeys {
  const keys = emptyKeys();
  for (const { signer, statement } of items) {
    keys.requests.add(requestKey(signer, statement.requestId));
    const kind = statement.kind;
    if (kind === undefined || !kind.$case.startsWith("label")) continue;
    keys.labels.add(statement.labelId);
    if (kind.$case === "labelIssued") {
      const code = kind.value.manufacturer?.registrationCode ?? "";
      keys.products.add(productKey(code, kind.value.productModel));
      keys.manufacturers.add(code);
    }
  }
  return keys;
}

/**
 * The next round: keys that the records of `keys`, as loaded in `state`, name and `state` has not
 * loaded, followed through the records `state` holds already (a product held with its first label
 * let go still needs that label: each table lets records go on its own).
 */
export function followKeys(state: RegistryState, keys: StateKeys): StateKeys {
  const next = emptyKeys();
  const label = (id: string | undefined) => {
    if (id !== undefined && !state.labels.isLoaded(id)) next.labels.add(id);
  };
  const followed = new Set<string>();
  const product = (key: string | undefined) => {
    if (key === undefined || followed.has(key)) return;
    followed.add(key);
    if (!state.productLabels.isLoaded(key) || !state.liveByProduct.isLoaded(key)) {
      next.products.add(key);
      return;
    }
    label(state.liveByProduct.get(key));
    const ids = state.productLabels.get(key);
    if (ids !== undefined && ids.length > 0) {
      label(ids[0]);
      label(ids[ids.length - 1]);
    }
  };
  for (const id of keys.labels) if (state.labels.isLoaded(id)) product(state.labels.get(id)?.productKey);
  for (const key of keys.products) if (state.productLabels.isLoaded(key)) product(key);
  for (const code of keys.manufacturers) {
    if (!state.manufacturerProducts.isLoaded(code)) continue;
    const products = state.manufacturerProducts.get(code);
    if (products !== undefined && products.length > 0) product(products[products.length - 1]);
  }
  return next;
}

function isEmpty(k: StateKeys): boolean {
  return k.labels.size + k.products.size + k.manufacturers.size + k.requests.size === 0;
}

/**
 * Loads into the partial `state` every record of `keys` and every record those name, round after
 * round, one fetch per table per round. Between transactions only (loads are not journaled).
 * Records `state` already holds are not fetched again and never overwritten.
 */
export async function prefetch(state: RegistryState, keys: StateKeys, fetch: StateFetch): Promise<void> {
  let round = unloaded(state, keys);
  while (!isEmpty(round)) {
    const labels = [...round.labels];
    const products = [...round.products];
    const manufacturers = [...round.manufacturers];
    const requests = [...round.requests];
    const [l, p, m, r] = await Promise.all([
      labels.length > 0 ? fetch.labels(labels) : [],
      products.length > 0 ? fetch.products(products) : [],
      manufacturers.length > 0 ? fetch.manufacturers(manufacturers) : [],
      requests.length > 0 ? fetch.requests(requests) : [],
    ]);
    labels.forEach((id, i) => state.labels.load(id, l[i]));
    products.forEach((key, i) => {
      state.productLabels.load(key, p[i]?.labelIds);
      state.liveByProduct.load(key, p[i]?.liveLabelId);
    });
    manufacturers.forEach((code, i) => state.manufacturerProducts.load(code, m[i] && [...m[i]]));
    requests.forEach((key, i) => state.requests.load(key, r[i]));
    round = followKeys(state, round);
  }
}

function unloaded(state: RegistryState, keys: StateKeys): StateKeys {
  const out = emptyKeys();
  for (const id of keys.labels) if (!state.labels.isLoaded(id)) out.labels.add(id);
  for (const key of keys.products)
    if (!state.productLabels.isLoaded(key) || !state.liveByProduct.isLoaded(key)) out.products.add(key);
  for (const code of keys.manufacturers) if (!state.manufacturerProducts.isLoaded(code)) out.manufacturers.add(code);
  for (const key of keys.requests) if (!state.requests.isLoaded(key)) out.requests.add(key);
  // A label already held still names records that may not be.
  const follow = followKeys(state, keys);
  for (const id of follow.labels) out.labels.add(id);
  for (const key of follow.products) out.products.add(key);
  return out;
}
