// The records of a partial state (services/domain/batch-keys.ts) read from a store's state tables:
// each table's rows decoded by the row codecs (services/domain/rows.ts). A label takes two reads:
// its row, then its history's rows (the row says how many).
//
// A partial state's records must reflect the size it is at: a record of another size would mix
// two states (a rule would see a later revocation). So each read names the size it expects and a
// store at another size rejects the fetch with StateSizeError; the caller catches up (or waits
// for the writer) and asks again. Reads (services/readmodel/view-records.ts) take records at that
// size or later (`atLeast`): they keep what is before their snapshot and replay the rest.
import type { ProductRecord, StateFetch } from "../domain/batch-keys.js";
import {
  decodeLabelRow,
  decodeManufacturerRow,
  decodeProductRow,
  decodeRequestIdRow,
  labelEntryKeys,
  labelRecordOf,
} from "../domain/rows.js";
import type { LabelRecord, RequestRecord } from "../domain/state.js";
import { MAX_STATE_READ, type StateKey, type StateRead, type StateTable, type StateTables } from "./state.js";

/** The store's tables reflect another size than the reader's state: catch up and read again. */
export class StateSizeError extends Error {
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`state: the store's tables are at size ${actual}, the reader's state at ${expected}`);
    this.name = "StateSizeError";
  }
}

export class StoredStateFetch implements StateFetch {
  constructor(
    private readonly tables: Pick<StateTables, "readState">,
    /** The size the reader's state is at: every read must reflect it (or a later one, `atLeast`). */
    private readonly expectedSize: () => number,
    private readonly atLeast = false,
  ) {}

  /** The sizes the reads so far reflected (one, unless the store moved between them). */
  readonly sizes = new Set<number>();

  async labels(ids: readonly string[]): Promise<(LabelRecord | undefined)[]> {
    const rows = (await this.read("label", ids)).map((b) => b && decodeLabelRow(b));
    const entryKeys: string[] = [];
    const spans = rows.map((r) => {
      if (!r) return undefined;
      const keys = labelEntryKeys(r.labelId, r.version);
      const span = { from: entryKeys.length, to: entryKeys.length + keys.length };
      entryKeys.push(...keys);
      return span;
    });
    const entries = await this.read("labelEntry", entryKeys);
    return rows.map((r, i) => r && labelRecordOf(r, entries.slice(spans[i]!.from, spans[i]!.to)));
  }

  /**
   * The product of each label of `ids`, from its row alone (not its history): a label's product
   * never changes, so a row of any size that holds the label names it.
   */
  async labelProducts(ids: readonly string[]): Promise<(string | undefined)[]> {
    return (await this.read("label", ids)).map((b) => b && decodeLabelRow(b).productKey);
  }

  async products(keys: readonly string[]): Promise<(ProductRecord | undefined)[]> {
    return (await this.read("product", keys)).map((b) => b && decodeProductRow(b));
  }

  async manufacturers(codes: readonly string[]): Promise<(readonly string[] | undefined)[]> {
    return (await this.read("manufacturer", codes)).map((b) => b && decodeManufacturerRow(b).productKeys);
  }

  async requests(keys: readonly string[]): Promise<(RequestRecord | undefined)[]> {
    return (await this.read("requestId", keys)).map((b) => b && decodeRequestIdRow(b));
  }

  /** The rows of `keys`, in as many reads as the store's limit asks, each at the expected size. */
  private async read(table: StateTable, keys: readonly StateKey[]): Promise<(Uint8Array | undefined)[]> {
    const out: (Uint8Array | undefined)[] = [];
    for (let at = 0; at < keys.length; at += MAX_STATE_READ) {
      const read: StateRead = await this.tables.readState(table, keys.slice(at, at + MAX_STATE_READ));
      const expected = this.expectedSize();
      this.sizes.add(read.size);
      if (read.size !== expected && !(this.atLeast && read.size > expected))
        throw new StateSizeError(expected, read.size);
      out.push(...read.values);
    }
    return out;
  }
}
