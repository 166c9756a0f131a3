// The KurrentDB store's server-free logic: stream names, index <-> revision arithmetic with
// skipped tails, expected stream states, chunking under the maximum append size, the marker and
// watermark codecs (fuzzed), and how client errors map onto the port's.
import { StreamNotFoundError, WrongExpectedVersionError } from "@kurrent/kurrentdb-client";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8 } from "../../log/bytes.js";
import { MAX_ENTRY_SIZE } from "../../log/bundle.js";
import { classifyKurrentError } from "./kurrentdb.js";
import {
  DEFAULT_MAX_APPEND_BYTES,
  EVENT_OVERHEAD_BYTES,
  InvalidStreamPrefixError,
  MarkerFormatError,
  NO_STREAM,
  chunkBySize,
  currentOffset,
  decodeMarker,
  decodeTiled,
  encodeMarker,
  encodeTiled,
  expectedStateBefore,
  logStreams,
  nextRevision,
  nextRevisionAfter,
  offsetAt,
  offsetsAfterBatch,
  revisionRuns,
  type Offsets,
} from "./kurrentdb-layout.js";
import { StoreUnavailableError } from "./port.js";

describe("stream names", () => {
  it("derives the log's streams from its prefix", () => {
    const s = logStreams("registry-cn.prod");
    expect([s.entries, s.checkpoints, s.tiled, s.tile(2, 17)]).toEqual([
      "registry-cn.prod-entries",
      "registry-cn.prod-checkpoints",
      "registry-cn.prod-tiled",
      "registry-cn.prod-tile-2-17",
    ]);
  });

  it("refuses prefixes that are system streams, empty, too long or odd", () => {
    for (const p of ["", "$all", "$labelreg", "a b", "x/y", "-lead", "a".repeat(101), "é"]) {
      expect(() => logStreams(p), p).toThrow(InvalidStreamPrefixError);
    }
  });
});

/** A model of the entries stream: where each appended batch's entries landed, tails included. */
function simulate(batches: { count: number; tail: number }[]) {
  let offsets: Offsets = [];
  let size = 0;
  let streamEnd = 0;
  const revisionOf: number[] = [];
  for (const b of batches) {
    streamEnd += b.tail; // an uncommitted tail left by a writer that never wrote its marker
    const first = streamEnd;
    expect(first).toBeGreaterThanOrEqual(nextRevision(size, offsets));
    offsets = offsetsAfterBatch(offsets, size, first);
    for (let i = 0; i < b.count; i++) revisionOf.push(first + i);
    size += b.count;
    streamEnd += b.count;
  }
  return { offsets, size, revisionOf, streamEnd };
}

describe("index and revision arithmetic", () => {
  it("is the identity while no tail was skipped", () => {
    let offsets: Offsets = [];
    for (const size of [0, 3, 4]) offsets = offsetsAfterBatch(offsets, size, size);
    expect(offsets).toEqual([]);
    expect(offsetAt(offsets, 250)).toBe(0);
    expect(revisionRuns(offsets, 2, 304)).toEqual([{ start: 2, fromRevision: 2, count: 302 }]);
    expect(nextRevision(304, offsets)).toBe(304);
  });

  it("maps every index to where it landed, across skipped tails", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            count: fc.integer({ min: 1, max: 20 }),
            tail: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 9 })),
          }),
          { minLength: 1, maxLength: 25 },
        ),
        fc.nat(),
        fc.nat(),
        (batches, a, b) => {
          const { offsets, size, revisionOf, streamEnd } = simulate(batches);
          for (let i = 0; i < size; i++) expect(i + offsetAt(offsets, i)).toBe(revisionOf[i]);
          expect(nextRevision(size, offsets)).toBe(streamEnd);
          // Runs cover [start, end) exactly, in order, each contiguous in revisions.
          const [start, end] = [a % (size + 1), b % (size + 1)].sort((x, y) => x - y) as [number, number];
          const runs = revisionRuns(offsets, start, end);
          const covered: number[] = [];
          for (const r of runs) {
            expect(r.count).toBeGreaterThan(0);
            for (let k = 0; k < r.count; k++) {
              expect(r.fromRevision + k).toBe(revisionOf[r.start + k]);
              covered.push(r.start + k);
            }
          }
          expect(covered).toEqual(Array.from({ length: end - start }, (_, k) => start + k));
          // The table only grows when a tail is skipped.
          expect(offsets.length).toBeLessThanOrEqual(batches.filter((x) => x.tail > 0).length);
          // It survives the marker codec.
          if (size > 0)
            expect(decodeMarker(encodeMarker({ size, note: utf8("n\n"), offsets })).offsets).toEqual(offsets);
        },
      ),
    );
  });

  it("refuses a first revision that would overlap committed entries", () => {
    const offsets = offsetsAfterBatch([], 10, 14);
    expect(offsets).toEqual([[10, 4]]);
    expect(currentOffset(offsets)).toBe(4);
    expect(() => offsetsAfterBatch(offsets, 20, 23)).toThrow(RangeError);
    expect(offsetsAfterBatch(offsets, 20, 24)).toBe(offsets);
    // A second skip before the same start replaces the pair instead of adding one.
    expect(offsetsAfterBatch([[10, 4]], 10, 16)).toEqual([[10, 6]]);
  });

  it("converts between revisions and the client's expected stream states", () => {
    expect(expectedStateBefore(0)).toBe(NO_STREAM);
    expect(expectedStateBefore(1)).toBe(0n);
    expect(expectedStateBefore(300)).toBe(299n);
    expect(nextRevisionAfter(NO_STREAM)).toBe(0);
    expect(nextRevisionAfter(0n)).toBe(1);
    expect(nextRevisionAfter(299n)).toBe(300);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 52 }), (n) => nextRevisionAfter(expectedStateBefore(n)) === n),
    );
    for (const bad of [-5n, -6n, -1n, 2n ** 60n, "any", 3, undefined])
      expect(() => nextRevisionAfter(bad)).toThrow(RangeError);
  });
});

describe("batching under the maximum append size", () => {
  it("packs greedily, never over the limit, never empty, in order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: MAX_ENTRY_SIZE }), { maxLength: 400 }),
        fc.integer({ min: 128 * 1024, max: 4 * 1024 * 1024 }),
        (sizes, max) => {
          const chunks = chunkBySize(sizes, max);
          let expectStart = 0;
          for (const [a, b] of chunks) {
            expect(a).toBe(expectStart);
            expect(b).toBeGreaterThan(a);
            const cost = sizes.slice(a, b).reduce((t, s) => t + s + EVENT_OVERHEAD_BYTES, 0);
            expect(cost).toBeLessThanOrEqual(max);
            // Greedy: the next event would not have fitted.
            if (b < sizes.length) expect(cost + sizes[b]! + EVENT_OVERHEAD_BYTES).toBeGreaterThan(max);
            expectStart = b;
          }
          expect(expectStart).toBe(sizes.length);
        },
      ),
    );
  });

  it("splits the contract's 4,096-entry batch of up to 64 KiB entries into appends under 1 MiB", () => {
    const sizes = Array.from({ length: 4096 }, (_, i) => (i % 16 === 0 ? MAX_ENTRY_SIZE : 16 + ((i * 131) % 2048)));
    const chunks = chunkBySize(sizes, DEFAULT_MAX_APPEND_BYTES);
    expect(chunks.length).toBeGreaterThan(15);
    expect(chunks.at(-1)![1]).toBe(4096);
    expect(chunkBySize([], DEFAULT_MAX_APPEND_BYTES)).toEqual([]);
    expect(chunkBySize([100, 200], DEFAULT_MAX_APPEND_BYTES)).toEqual([[0, 2]]);
  });

  it("refuses an event that could never fit", () => {
    expect(() => chunkBySize([10, 1000], 1000)).toThrow(RangeError);
  });
});

describe("event codecs", () => {
  const note = utf8("example.com/log\n5\nAAAA\n\n— example.com/log sig\n");

  it("round-trips markers and watermarks", () => {
    const m = { size: 5, note, offsets: [[2, 3]] as const };
    expect(decodeMarker(encodeMarker(m))).toEqual({ size: 5, note, offsets: [[2, 3]] });
    // the empty log's checkpoint
    expect(decodeMarker(encodeMarker({ size: 0, note, offsets: [] }))).toEqual({ size: 0, note, offsets: [] });
    expect(decodeTiled(encodeTiled(0))).toBe(0);
    expect(decodeTiled(encodeTiled(2 ** 53 - 1))).toBe(2 ** 53 - 1);
  });

  it("refuses malformed markers with MarkerFormatError", () => {
    const bad = [
      "",
      "null",
      "[]",
      '{"v":1,"size":5,"offsets":[],"note":""}',
      '{"v":2,"size":5,"offsets":[],"note":"AA=="}',
      '{"v":1,"size":0,"offsets":[[0,1]],"note":"AA=="}',
      '{"v":1,"size":-1,"offsets":[],"note":"AA=="}',
      '{"v":1,"size":1.5,"offsets":[],"note":"AA=="}',
      '{"v":1,"size":5,"offsets":[],"note":"AA="}',
      '{"v":1,"size":5,"offsets":{},"note":"AA=="}',
      '{"v":1,"size":5,"offsets":[[1]],"note":"AA=="}',
      '{"v":1,"size":5,"offsets":[[1,0]],"note":"AA=="}',
      '{"v":1,"size":5,"offsets":[[5,1]],"note":"AA=="}',
      '{"v":1,"size":5,"offsets":[[1,2],[1,3]],"note":"AA=="}',
      '{"v":1,"size":5,"offsets":[[1,2],[2,2]],"note":"AA=="}',
      '{"v":1,"size":5,"offsets":[],"note":"AA==","extra":1}',
      '{"v":1,"size":5,"offsets":[]}',
    ];
    for (const text of bad) expect(() => decodeMarker(utf8(text)), text).toThrow(MarkerFormatError);
    expect(() => decodeMarker(new Uint8Array([0xff, 0xfe]))).toThrow(MarkerFormatError);
    for (const text of ["", "01", "-1", "1.0", " 1", "99999999999999999", "x"])
      expect(() => decodeTiled(utf8(text)), text).toThrow(MarkerFormatError);
  });

  it("never crashes on arbitrary bytes: a marker or a MarkerFormatError", () => {
    const jsonish = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.json().map((j) => utf8(j)),
      fc
        .record({
          v: fc.constantFrom(1, 2),
          size: fc.integer({ min: -2, max: 100 }),
          offsets: fc.array(fc.array(fc.integer({ min: -1, max: 120 }), { maxLength: 3 }), { maxLength: 4 }),
          note: fc.base64String(),
        })
        .map((o) => utf8(JSON.stringify(o))),
    );
    fc.assert(
      fc.property(jsonish, (bytes) => {
        try {
          const m = decodeMarker(bytes);
          // Whatever parses re-encodes to something that parses to the same marker.
          expect(decodeMarker(encodeMarker(m))).toEqual(m);
        } catch (e) {
          expect(e).toBeInstanceOf(MarkerFormatError);
        }
        try {
          const n = decodeTiled(bytes);
          expect(encodeTiled(n)).toEqual(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(MarkerFormatError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("client errors as the port's", () => {
  it("a wrong expected revision is a conflict carrying the stream's next revision", () => {
    const wrong = (current: bigint | "no_stream") =>
      new WrongExpectedVersionError(undefined, { streamName: "p-entries", expected: 4n, current });
    expect(classifyKurrentError("append", wrong(9n))).toEqual({ kind: "conflict", actualNext: 10 });
    expect(classifyKurrentError("append", wrong("no_stream"))).toEqual({ kind: "conflict", actualNext: 0 });
    // A deleted stream is never written over: unavailable, not a conflict.
    expect(classifyKurrentError("append", wrong(-5n)).kind).toBe("unavailable");
  });

  it("a missing stream is an empty log; anything else makes the store unavailable", () => {
    expect(classifyKurrentError("read", new StreamNotFoundError(undefined, "p-checkpoints"))).toEqual({
      kind: "not-found",
    });
    const f = classifyKurrentError("append", new Error("14 UNAVAILABLE: no connection"));
    expect(f.kind).toBe("unavailable");
    if (f.kind === "unavailable") {
      expect(f.error).toBeInstanceOf(StoreUnavailableError);
      expect(f.error.message).toContain("append failed");
    }
    const own = new StoreUnavailableError("closed");
    expect(classifyKurrentError("x", own)).toEqual({ kind: "unavailable", error: own });
  });
});
