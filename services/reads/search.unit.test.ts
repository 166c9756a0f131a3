// SearchLabels over both sources of its data: the projections with an index fed every entry (a
// replay), and the store's state tables, with the index loaded from them and the records fetched
// as a partial state fetches them. Every search test runs against both.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { LabelStatus, SearchMatch } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { labelIssued, reason, statement, testKey, TestRegistry, T0 } from "../../test/domain-testkit.js";
import { apply, type SequencedStatement } from "../domain/apply.js";
import { check } from "../domain/check.js";
import { MAX_SEARCH_NAMES_PER_CODE } from "../domain/limits.js";
import { allRows } from "../domain/state-rows.js";
import { RegistryError } from "../sequencer/errors.js";
import { openMemoryStore } from "../store/memory.js";
import { StoredStateFetch } from "../store/state-fetch.js";
import type { StateRowWrite } from "../store/state.js";
import { SearchIndex } from "./search-index.js";
import {
  normalizeQuery,
  pageOffset,
  pageSize,
  SEARCH_MAX_HITS,
  SEARCH_MAX_PAGE_SIZE,
  SEARCH_MAX_QUERY_CHARS,
  searchLabels,
} from "./search.js";
import { stateRecords, type Records as SearchRecords } from "../readmodel/view-records.js";

const ACME = { name: "Acme Smart Home Co., Ltd.", registrationCode: "91110000ACME0001" };
const VISION = { name: "杭州示例视觉科技有限公司", registrationCode: "91330100VISN0002" };

/** The testkit's registry, feeding the search index as LogView.applyEntry does. */
class Indexed extends TestRegistry {
  readonly index = new SearchIndex();
  readonly issuer = testKey(2);
  private serial = 0;

  constructor() {
    super();
    this.publishCategory();
    this.accredit("CCRC", this.issuer);
  }

  /**
   * Set while a batch is open: its accepted entries, noted when it ends, as the sequencer notes
   * a batch once it is committed.
   */
  private batch: SequencedStatement[] | undefined;

  override submitSigned(signed: Parameters<TestRegistry["submitSigned"]>[0]) {
    const r = check(this.state, signed, this.now, this.config);
    if (r.kind === "accepted") {
      const e = { ...r.submission, sequencedAtUnix: this.now };
      apply(this.state, e, this.state.size);
      if (this.batch) this.batch.push(e);
      else this.index.note(e);
    }
    return r;
  }

  beginBatch(): void {
    this.batch = [];
  }

  /** Ends the batch: the search rows the sequencer writes with it; then notes its entries. */
  endBatch(): StateRowWrite[] {
    const batch = this.batch!;
    this.batch = undefined;
    const rows = this.index.batchRows(batch);
    for (const e of batch) this.index.note(e);
    return rows;
  }

  issue(manufacturer: typeof ACME, productModel: string): string {
    const labelId = this.tryIssue(manufacturer, productModel);
    if (!labelId) throw new Error(`label for ${productModel} refused`);
    return labelId;
  }

  /** Issues a label; undefined if refused (its product has a live label). */
  tryIssue(manufacturer: typeof ACME, productModel: string): string | undefined {
    const labelId = `CCRC-${++this.serial}`;
    const r = this.submit(
      this.issuer,
      statement({ $case: "labelIssued", value: labelIssued({ manufacturer, productModel }) }, { labelId }),
    );
    return r.kind === "accepted" ? labelId : undefined;
  }
}

type Source = "replayed" | "stored";

/**
 * Search over `reg` as `source` gives it: its state and replayed index, or a store holding the
 * rows of its state (written as a rebuild writes them, at size 0: the store holds no log here, so
 * the records are fetched as of that size while searches pass the state's size).
 */
async function searcher(reg: Indexed, source: Source) {
  let records: SearchRecords = stateRecords(reg.state);
  let index = reg.index;
  if (source === "stored") {
    const tables = openMemoryStore().state!;
    const token = await tables.beginRebuild(0);
    await tables.writeRebuild(token, 0, { rows: [...allRows(reg.state)] });
    await tables.finishRebuild(token, 0);
    index = await SearchIndex.load(tables, 0);
    expect(index.stored).toBe(true);
    records = new StoredStateFetch(tables, () => 0);
  }
  return (q: string, size = reg.state.size) => searchLabels(records, index, normalizeQuery(q), size, T0);
}

function refusal(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof RegistryError && e.code === "INVALID_ARGUMENT") return e.rule;
    throw e;
  }
  return undefined;
}

describe.each(["replayed", "stored"] as const)("searchLabels over the %s index and records", (source) => {
  const reg = new Indexed();
  const a1 = reg.issue(ACME, "AC-200");
  const a2 = reg.issue(ACME, "ac-100");
  const v1 = reg.issue(VISION, "AC-200");
  // A second label for Acme's AC-100 once the first is revoked: newest first within the product.
  reg.must(
    reg.issuer,
    statement({ $case: "labelRevoked", value: { reason: reason() } }, { labelId: a2, expectedLabelVersion: 1n }),
  );
  const a3 = reg.issue(ACME, "AC-100");
  let find: Awaited<ReturnType<typeof searcher>>;
  beforeAll(async () => {
    find = await searcher(reg, source);
  });

  it("finds a label by its id, in any letter case", async () => {
    const r = await find(` ${v1.toLowerCase()} `);
    expect(r.hits.map((h) => [h.labelId, h.match])).toEqual([[v1, SearchMatch.SEARCH_MATCH_LABEL_ID]]);
    expect(r.hits[0]!.manufacturer).toEqual(VISION);
  });

  it("finds a manufacturer's labels by registration code: by model, newest label first", async () => {
    const r = await find(ACME.registrationCode);
    expect(r.hits.map((h) => h.labelId)).toEqual([a3, a2, a1]);
    expect(r.hits.every((h) => h.match === SearchMatch.SEARCH_MATCH_REGISTRATION_CODE)).toBe(true);
    expect(r.hits[1]!.status).toBe(LabelStatus.LABEL_STATUS_REVOKED);
    expect(r.truncated).toBe(false);
  });

  it("finds a model across manufacturers, with ASCII letters folded as products compare", async () => {
    expect((await find("ac-200")).hits.map((h) => h.labelId)).toEqual([a1, v1]);
    expect((await find("Ac-100")).hits.map((h) => h.labelId)).toEqual([a3, a2]);
  });

  it("finds manufacturers by every word of their name, in any case, Chinese too", async () => {
    expect((await find("smart  ACME")).hits.map((h) => h.labelId)).toEqual([a3, a2, a1]);
    expect((await find("示例视觉")).hits.map((h) => [h.labelId, h.match])).toEqual([
      [v1, SearchMatch.SEARCH_MATCH_MANUFACTURER_NAME],
    ]);
    expect((await find("acme nowhere")).hits).toEqual([]);
  });

  it("lists each label once, under the first way it matched", async () => {
    // "CCRC-1" is a label id and also text in no name; "AC" matches names and no model.
    const r = await find(a1);
    expect(r.hits.map((h) => h.labelId)).toEqual([a1]);
  });

  it("leaves out labels beyond the snapshot's size", async () => {
    const first = reg.state.labels.get(a3)!.history[0]!.index;
    const r = await find(ACME.registrationCode, first);
    expect(r.hits.map((h) => h.labelId)).toEqual([a2, a1]);
  });

  it(`stops at ${SEARCH_MAX_HITS} hits and says so`, async () => {
    const big = new Indexed();
    for (let i = 0; i <= SEARCH_MAX_HITS; i++) big.issue(ACME, `M-${i}`);
    const r = await (await searcher(big, source))(ACME.registrationCode);
    expect(r.hits.length).toBe(SEARCH_MAX_HITS);
    expect(r.truncated).toBe(true);
  }, 60_000);
});

describe("search rows", () => {
  const CODES = ["91110000ACME0001", "91330100VISN0002"];
  const issuance = fc.record({
    code: fc.nat(CODES.length - 1),
    // More distinct names per code than an index keeps.
    name: fc.nat(MAX_SEARCH_NAMES_PER_CODE + 3),
    model: fc.string({ unit: fc.constantFrom(..."aAbc-1"), minLength: 1, maxLength: 4 }),
    endsBatch: fc.boolean(),
  });

  it("batches write the rows a rebuild writes, and an index loaded from them answers as the replayed one (fuzz)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(issuance, { minLength: 1, maxLength: 40, size: "max" }), async (list) => {
        const reg = new Indexed();
        const written = new Map<string, Uint8Array>();
        reg.beginBatch();
        for (const i of list) {
          const code = CODES[i.code]!;
          reg.tryIssue({ name: `Maker ${code.slice(-4)} no. ${i.name}`, registrationCode: code }, i.model);
          if (i.endsBatch) {
            for (const r of reg.endBatch()) written.set(`${r.table}/${r.key as string}`, r.value!);
            reg.beginBatch();
          }
        }
        for (const r of reg.endBatch()) written.set(`${r.table}/${r.key as string}`, r.value!);

        const rebuilt = new Map<string, Uint8Array>();
        for (const r of allRows(reg.state))
          if (r.table === "searchModel" || r.table === "searchName")
            rebuilt.set(`${r.table}/${r.key as string}`, r.value!);
        expect(written).toEqual(rebuilt);

        const replayed = await searcher(reg, "replayed");
        const stored = await searcher(reg, "stored");
        const queries = new Set(["Maker", "no. 1", "no. 9", ...CODES]);
        for (const i of list) queries.add(i.model);
        for (const q of queries) expect(await stored(q), q).toEqual(await replayed(q));
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

describe("search input rules", () => {
  it("refuses an empty query, one too long, and one that is not one line, naming the rule", () => {
    expect(refusal(() => normalizeQuery("   "))).toBe("search-query");
    expect(refusal(() => normalizeQuery("x".repeat(SEARCH_MAX_QUERY_CHARS + 1)))).toBe("search-query");
    expect(refusal(() => normalizeQuery("a\nb"))).toBe("search-query");
    expect(refusal(() => normalizeQuery("a\u202eb"))).toBe("search-query");
    expect(normalizeQuery("  EV   C200\u00a0 ")).toBe("EV C200");
    expect(normalizeQuery("海".repeat(SEARCH_MAX_QUERY_CHARS))).toHaveLength(SEARCH_MAX_QUERY_CHARS);
  });

  it("normalizeQuery: any string gives a trimmed, bounded, stable query or the search-query refusal (fuzz)", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 200 }), fc.string({ unit: "grapheme" })), (s) => {
        let q: string;
        try {
          q = normalizeQuery(s);
        } catch (e) {
          expect(e).toBeInstanceOf(RegistryError);
          expect((e as RegistryError).rule).toBe("search-query");
          return;
        }
        expect(q).toBe(q.trim());
        expect(q.length).toBeGreaterThan(0);
        expect([...q].length).toBeLessThanOrEqual(SEARCH_MAX_QUERY_CHARS);
        expect(normalizeQuery(q)).toBe(q);
      }),
    );
  });

  it("page tokens: only those a page gives are taken back (fuzz)", () => {
    expect(pageOffset("")).toBe(0);
    expect(pageOffset("p20")).toBe(20);
    for (const bad of ["p0", "p01", `p${SEARCH_MAX_HITS}`, "20", "p-1", "p1e3", "P20"])
      expect(refusal(() => pageOffset(bad))).toBe("page-token");
    fc.assert(
      fc.property(fc.string({ maxLength: 12 }), (t) => {
        const rule = refusal(() => pageOffset(t));
        if (rule === undefined) expect(t === "" || /^p[1-9][0-9]*$/.test(t)).toBe(true);
        else expect(rule).toBe("page-token");
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: SEARCH_MAX_HITS - 1 }), (n) => {
        expect(pageOffset(`p${n}`)).toBe(n);
      }),
    );
  });

  it("page sizes: 0 means the default, above the maximum is refused", () => {
    expect(pageSize(0)).toBe(20);
    expect(pageSize(SEARCH_MAX_PAGE_SIZE)).toBe(SEARCH_MAX_PAGE_SIZE);
    expect(refusal(() => pageSize(SEARCH_MAX_PAGE_SIZE + 1))).toBe("page-size");
  });
});
