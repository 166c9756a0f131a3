// Which state-table rows (services/store/state.ts) a batch writes, and every row of a state (a
// rebuild's): each row is the codec (rows.ts) of one record of the projected state, keyed as the
// table says, so the tables always equal the state the log gives.
//
// A batch writes the rows of everything it changed: each label it touched and the labelEntry rows
// of that label's events in the batch; each touched product, manufacturer, issuer (with all of
// the issuer's keys: few, and rotation changes two of them), category; and one requestId row per
// accepted statement. Writing a row again unchanged changes nothing, so over-approximating is safe.
// The search rows (searchModel, searchName) a batch writes come from the search index, which holds
// the names a batch adds to (services/reads/search-index.ts batchRows); a rebuild's come from here.
import type { StateRowWrite } from "../store/state.js";
import { signerOf, type SequencedStatement } from "./apply.js";
import { MAX_SEARCH_NAMES_PER_CODE } from "./limits.js";
import { splitProductKey, type MapTouched } from "./map-values.js";
import {
  encodeCategoryRow,
  encodeIssuerKeyRow,
  encodeIssuerRow,
  encodeLabelEntryRow,
  encodeLabelRow,
  encodeManufacturerRow,
  encodeProductRow,
  encodeRequestIdRow,
  encodeSearchNameRow,
  labelEntryKey,
  SEARCH_MODEL_VALUE,
  searchModelKey,
} from "./rows.js";
import { requestKey, type RegistryState } from "./state.js";

/**
 * The rows a batch writes. Call with the state after the batch was applied (before a rollback),
 * `touched` noted for every accepted statement, `accepted` in log order from index `firstIndex`.
 */
export function batchRows(
  state: RegistryState,
  touched: MapTouched,
  accepted: readonly SequencedStatement[],
  firstIndex: number,
): StateRowWrite[] {
  const rows: StateRowWrite[] = [];
  for (const id of touched.label) labelRows(state, id, firstIndex, rows);
  for (const key of touched.product) rows.push(productRow(state, key));
  for (const code of touched.manufacturer) rows.push(manufacturerRow(state, code));
  if (touched.issuer.size > 0) {
    for (const id of touched.issuer) rows.push(issuerRow(state, id));
    for (const k of state.keys.values())
      if (touched.issuer.has(k.issuerId))
        rows.push({ table: "issuerKey", key: k.keyIdHex, value: encodeIssuerKeyRow(k) });
  }
  for (const id of touched.category) rows.push(categoryRow(state, id));
  for (const s of accepted) {
    const key = requestKey(signerOf(state, s.keyId), s.statement.requestId);
    rows.push(requestRow(state, key));
  }
  return rows;
}

/** Every row of `state`: what the tables hold once a rebuild to `state.size` finishes. */
export function* allRows(state: RegistryState): Generator<StateRowWrite> {
  for (const id of state.labels.keys()) {
    const rows: StateRowWrite[] = [];
    labelRows(state, id, 0, rows);
    yield* rows;
  }
  for (const key of state.productLabels.keys()) yield productRow(state, key);
  for (const code of state.manufacturerProducts.keys()) yield manufacturerRow(state, code);
  for (const id of state.issuers.keys()) yield issuerRow(state, id);
  for (const k of state.keys.values()) yield { table: "issuerKey", key: k.keyIdHex, value: encodeIssuerKeyRow(k) };
  for (const id of state.categories.keys()) yield categoryRow(state, id);
  for (const key of state.requests.keys()) yield requestRow(state, key);
  yield* searchRows(state);
}

/**
 * The search rows of a complete state: a searchModel row per product, and per manufacturer the
 * searchName row of the distinct names its labels gave, in the order of the first label giving
 * each, the first MAX_SEARCH_NAMES_PER_CODE of them (what noting the log's issuances in order
 * keeps).
 */
function* searchRows(state: RegistryState): Generator<StateRowWrite> {
  for (const key of state.productLabels.keys()) {
    const { registrationCode, model } = splitProductKey(key);
    yield { table: "searchModel", key: searchModelKey(model, registrationCode), value: SEARCH_MODEL_VALUE };
  }
  // Code -> name -> the index of the first label giving it.
  const names = new Map<string, Map<string, number>>();
  for (const l of state.labels.values()) {
    const { name, registrationCode } = l.manufacturer;
    let byName = names.get(registrationCode);
    if (!byName) names.set(registrationCode, (byName = new Map()));
    const issued = l.history[0]!.index;
    const first = byName.get(name);
    if (first === undefined || issued < first) byName.set(name, issued);
  }
  for (const [code, byName] of names) {
    const kept = [...byName]
      .sort((a, b) => a[1] - b[1])
      .slice(0, MAX_SEARCH_NAMES_PER_CODE)
      .map(([name]) => name);
    yield { table: "searchName", key: code, value: encodeSearchNameRow(kept) };
  }
}

/** The label row and the labelEntry rows of its events at `fromIndex` or later. */
function labelRows(state: RegistryState, id: string, fromIndex: number, out: StateRowWrite[]): void {
  const l = state.labels.get(id);
  if (!l) throw new Error(`state rows: no label ${id}`);
  out.push({ table: "label", key: id, value: encodeLabelRow(l) });
  let first = l.history.length;
  while (first > 0 && l.history[first - 1]!.index >= fromIndex) first--;
  for (let v = first; v < l.history.length; v++)
    out.push({ table: "labelEntry", key: labelEntryKey(id, v + 1), value: encodeLabelEntryRow(l.history[v]!) });
}

function productRow(state: RegistryState, key: string): StateRowWrite {
  const labelIds = state.productLabels.get(key);
  if (!labelIds) throw new Error(`state rows: no product ${JSON.stringify(key)}`);
  return {
    table: "product",
    key,
    value: encodeProductRow({ productKey: key, labelIds, liveLabelId: state.liveByProduct.get(key) }),
  };
}

function manufacturerRow(state: RegistryState, code: string): StateRowWrite {
  const productKeys = state.manufacturerProducts.get(code);
  if (!productKeys) throw new Error(`state rows: no manufacturer ${code}`);
  return { table: "manufacturer", key: code, value: encodeManufacturerRow({ registrationCode: code, productKeys }) };
}

function issuerRow(state: RegistryState, id: string): StateRowWrite {
  const i = state.issuers.get(id);
  if (!i) throw new Error(`state rows: no issuer ${id}`);
  return { table: "issuer", key: id, value: encodeIssuerRow(i) };
}

function categoryRow(state: RegistryState, id: string): StateRowWrite {
  const c = state.categories.get(id);
  if (!c) throw new Error(`state rows: no category ${id}`);
  return { table: "category", key: id, value: encodeCategoryRow(c) };
}

function requestRow(state: RegistryState, key: string): StateRowWrite {
  const r = state.requests.get(key);
  if (!r) throw new Error(`state rows: no request ${JSON.stringify(key)}`);
  return { table: "requestId", key, value: encodeRequestIdRow(r) };
}
