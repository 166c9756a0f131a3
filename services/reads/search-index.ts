// What SearchLabels needs beyond the projections: manufacturers by name and products by model.
// Label ids and registration codes are looked up in the projections themselves.
//
// One index, two sources. A replay (the auditor-free paths, tests) feeds it every entry and it
// holds both halves in memory. A registry serving from its store's state tables loads it with
// SearchIndex.load: the names (bounded by the number of manufacturers, not by the log) are held
// in memory and kept up by the entries applied after; the models (as many as products) stay in
// the store's searchModel table and each query scans the rows of its model. Either way the
// store's rows are written by batchRows with each batch (services/domain/state-rows.ts writes
// a rebuild's).
import { fromUtf8 } from "../../log/bytes.js";
import type { SequencedStatement } from "../domain/apply.js";
import { isCommitment, type CommitmentEntry } from "../domain/decode.js";
import { MAX_SEARCH_NAMES_PER_CODE } from "../domain/limits.js";
import {
  checkSearchModelValue,
  decodeSearchNameRow,
  encodeSearchNameRow,
  SEARCH_MODEL_VALUE,
  searchModelKey,
  searchModelPrefix,
} from "../domain/rows.js";
import { foldModel } from "../domain/state.js";
import { StateSizeError } from "../store/state-fetch.js";
import type { StateRowWrite, StateTables } from "../store/state.js";

/** Rows per scanState call: a model's codes while searching, the names while loading. */
const MODEL_PAGE = 256;
const NAME_PAGE = 4096;

interface Named {
  readonly name: string;
  readonly lower: string;
}

export class SearchIndex {
  /** Registration code -> the manufacturer names its labels give. */
  private readonly names = new Map<string, Named[]>();
  /**
   * Folded model -> the registration code of the product with that model, or the codes when
   * several manufacturers use it (rare: kept as one string otherwise, as there are as many
   * models as products). Undefined when the models are read from `tables`.
   */
  private readonly models: Map<string, string | string[]> | undefined;

  /**
   * Without `tables`: an empty index to be fed every entry from the first (note). With them:
   * one whose models are read from the store (SearchIndex.load gives it its names).
   */
  constructor(private readonly tables?: Pick<StateTables, "scanState">) {
    this.models = tables ? undefined : new Map();
  }

  /**
   * The index of a store's state tables as they are at `expectedSize` (the size of the state
   * the caller serves, which then notes every entry from there on). Throws StateSizeError if
   * the tables are at another size (read again once in step).
   */
  static async load(tables: Pick<StateTables, "scanState">, expectedSize: number): Promise<SearchIndex> {
    const index = new SearchIndex(tables);
    let after: Uint8Array | undefined;
    for (;;) {
      const page = await tables.scanState("searchName", after, NAME_PAGE);
      if (page.size !== expectedSize) throw new StateSizeError(expectedSize, page.size);
      for (const { key, value } of page.rows)
        index.names.set(
          fromUtf8(key),
          decodeSearchNameRow(value).map((name) => ({ name, lower: name.toLowerCase() })),
        );
      if (page.rows.length < NAME_PAGE) return index;
      after = page.rows[page.rows.length - 1]!.key;
    }
  }

  /** Whether the models are read from the store (load) rather than held (a replay). */
  get stored(): boolean {
    return this.models === undefined;
  }

  /** Notes an entry as it is applied. */
  note(entry: SequencedStatement | CommitmentEntry): void {
    if (isCommitment(entry) || entry.statement.kind?.$case !== "labelIssued") return;
    const v = entry.statement.kind.value;
    const code = v.manufacturer?.registrationCode ?? "";
    const name = v.manufacturer?.name ?? "";
    const named = this.names.get(code);
    if (!named) this.names.set(code, [{ name, lower: name.toLowerCase() }]);
    else if (named.length < MAX_SEARCH_NAMES_PER_CODE && !named.some((n) => n.name === name))
      named.push({ name, lower: name.toLowerCase() });
    if (!this.models) return;
    const model = foldModel(v.productModel);
    const codes = this.models.get(model);
    if (codes === undefined) this.models.set(model, code);
    else if (typeof codes === "string") {
      if (codes !== code) this.models.set(model, [codes, code]);
    } else if (!codes.includes(code)) codes.push(code);
  }

  /**
   * The searchModel and searchName rows that noting `accepted` (in log order, none of them noted
   * yet) changes: a searchModel row for each issuance (rewriting an existing one changes
   * nothing), and the searchName row of each code that gains a name. Leaves the index as it is.
   */
  batchRows(accepted: readonly SequencedStatement[]): StateRowWrite[] {
    const models = new Set<string>();
    const names = new Map<string, readonly string[]>();
    for (const { statement } of accepted) {
      if (statement.kind?.$case !== "labelIssued") continue;
      const v = statement.kind.value;
      const code = v.manufacturer?.registrationCode ?? "";
      const name = v.manufacturer?.name ?? "";
      models.add(searchModelKey(foldModel(v.productModel), code));
      const had = names.get(code) ?? this.namesOf(code);
      if (had.length < MAX_SEARCH_NAMES_PER_CODE && !had.includes(name)) names.set(code, [...had, name]);
    }
    const rows: StateRowWrite[] = [];
    for (const key of models) rows.push({ table: "searchModel", key, value: SEARCH_MODEL_VALUE });
    for (const [code, list] of names) rows.push({ table: "searchName", key: code, value: encodeSearchNameRow(list) });
    return rows;
  }

  /** The names a registration code's labels give, oldest first. */
  namesOf(code: string): readonly string[] {
    return (this.names.get(code) ?? []).map((n) => n.name);
  }

  /**
   * Registration codes with a product of this (folded) model, in ascending order (codes are
   * ASCII, so bytewise and string order agree). From the store, they are read a page at a time as
   * the caller iterates, as of whatever size the store is at: never fewer codes than the
   * caller's state knows of (rows are only ever added), perhaps some it does not yet.
   */
  async *codesWithModel(folded: string): AsyncGenerator<string> {
    if (this.models) {
      const codes = this.models.get(folded);
      yield* codes === undefined ? [] : typeof codes === "string" ? [codes] : [...codes].sort(compare);
      return;
    }
    const prefix = searchModelPrefix(folded);
    let after: string | Uint8Array = prefix;
    for (;;) {
      const page = await this.tables!.scanState("searchModel", after, MODEL_PAGE);
      for (const { key, value } of page.rows) {
        const k = fromUtf8(key);
        if (!k.startsWith(prefix)) return;
        checkSearchModelValue(value);
        // Models are one line (validate.ts), so a "\n" after the prefix would be another model's.
        const code = k.slice(prefix.length);
        if (!code.includes("\n")) yield code;
      }
      if (page.rows.length < MODEL_PAGE) return;
      after = page.rows[page.rows.length - 1]!.key;
    }
  }

  /**
   * Registration codes one of whose names holds every word (lower-cased), with the name that
   * matched, by name then code. Scans the manufacturers: there are far fewer than labels.
   */
  codesNamed(words: readonly string[]): { code: string; name: string }[] {
    const out: { code: string; name: string }[] = [];
    for (const [code, named] of this.names) {
      const hit = named.find((n) => words.every((w) => n.lower.includes(w)));
      if (hit) out.push({ code, name: hit.name });
    }
    return out.sort((a, b) => compare(a.name, b.name) || compare(a.code, b.code));
  }
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
