// The state cache's estimates against the heap: records as the store's rows decode them (the dear
// case), held in Maps as a partial state holds them, measured by the heap they add after gc().
// An estimate may err high (the budget then holds less), by a bounded factor; never low by much.
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { labelIssued } from "../../test/domain-testkit.js";
import { keyBytes, labelBytes, requestBytes } from "./record-bytes.js";
import {
  decodeLabelRow,
  decodeRequestIdRow,
  encodeLabelEntryRow,
  encodeLabelRow,
  encodeRequestIdRow,
  labelRecordOf,
} from "./rows.js";
import { productKey, type LabelRecord } from "./state.js";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** The heap and array-buffer bytes that what `build` returns holds, measured after gc. */
function heldBytes(build: () => unknown): number {
  gc();
  gc();
  const before = process.memoryUsage();
  const held = build();
  gc();
  gc();
  const after = process.memoryUsage();
  expect(held).toBeDefined();
  return after.heapUsed - before.heapUsed + (after.arrayBuffers - before.arrayBuffers);
}

/** An estimate of 0.9 to 2 times the heap measured. */
function expectWithin(estimate: number, actual: number): void {
  const why = `estimated ${estimate} bytes, measured ${actual}`;
  expect(estimate / actual, why).toBeGreaterThan(0.9);
  expect(estimate / actual, why).toBeLessThan(2);
}

function label(i: number, events: number): LabelRecord {
  const v = labelIssued({
    productModel: `MODEL-${i}`,
    testReport: { sha256: new Uint8Array(32).fill(i & 255), uri: `https://lab.example.cn/reports/${i}.pdf` },
  });
  const issuerId = `ISSUER-${i % 100}`;
  return {
    ...v,
    manufacturer: v.manufacturer!,
    testingLab: v.testingLab!,
    testReport: v.testReport!,
    declarationOfConformity: v.declarationOfConformity!,
    labelId: `${issuerId}-L${i}`,
    issuerId,
    productKey: productKey(v.manufacturer!.registrationCode, v.productModel),
    state: "ACTIVE",
    suspendedByAuthority: false,
    version: BigInt(events),
    history: Array.from({ length: events }, (_, k) => ({
      index: i * 1000 + k,
      kind: k === 0 ? "labelIssued" : "labelRenewed",
      signer: { kind: "issuer", issuerId, keyIdHex: "ab".repeat(32) },
      sequencedAtUnix: 1_800_000_000n + BigInt(k * 1000 + i),
    })),
  };
}

describe("the state cache's record estimates", () => {
  const N = 3000;

  it.each([1, 8, 64])(
    "a label with %i events as decoded from its rows: estimated at 0.9 to 2 times its heap",
    (events) => {
      const rows = Array.from({ length: N }, (_, i) => {
        const l = label(i, events);
        return { id: l.labelId, row: encodeLabelRow(l), entries: l.history.map(encodeLabelEntryRow) };
      });
      let estimate = 0;
      const actual = heldBytes(() => {
        const held = new Map<string, LabelRecord>();
        // Fresh key strings, as ids read from a request would be.
        for (const r of rows) {
          const record = labelRecordOf(decodeLabelRow(r.row), r.entries);
          const id = `${r.id} `.trim();
          held.set(id, record);
          estimate += labelBytes(id, record);
        }
        return held;
      });
      expectWithin(estimate, actual);
    },
  );

  it("a request id and a key known absent: estimated at 0.9 to 2 times their heap", () => {
    // Small records: more of them, for a measure well above the heap's noise.
    const rows = Array.from({ length: 10 * N }, (_, i) => ({
      key: `ISSUER-${i % 100}\nrequest-${i}`,
      row: encodeRequestIdRow({
        index: i,
        digest: String.fromCharCode(...Array.from({ length: 32 }, (_, k) => (i + k) & 255)),
      }),
    }));
    let estimate = 0;
    const actual = heldBytes(() => {
      const held = new Map<string, unknown>();
      const absent = new Set<string>();
      for (const r of rows) {
        const record = decodeRequestIdRow(r.row);
        const key = `${r.key} `.trim();
        held.set(key, record);
        estimate += requestBytes(key, record);
        const other = `${r.key}-absent`;
        absent.add(other);
        estimate += keyBytes(other);
      }
      return [held, absent];
    });
    expectWithin(estimate, actual);
  });
});
