import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { utf8 } from "../../log/bytes.js";
import {
  AddCheckpointRequestError,
  MAX_PROOF_LINES,
  formatAddCheckpointRequest,
  parseAddCheckpointRequest,
} from "./request.js";

const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });
const note = fc.uint8Array({ minLength: 1, maxLength: 200 });

describe("add-checkpoint request parser", () => {
  it("round-trips every well-formed request", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.array(hash, { maxLength: MAX_PROOF_LINES }),
        note,
        (oldSize, proof, n) => {
          const r = parseAddCheckpointRequest(formatAddCheckpointRequest(oldSize, proof, n));
          expect(r.oldSize).toBe(oldSize);
          expect(r.proof.map((h) => [...h])).toEqual(proof.map((h) => [...h]));
          expect([...r.note]).toEqual([...n]);
        },
      ),
    );
  });

  it("never throws anything but AddCheckpointRequestError, whatever the bytes", () => {
    const arbitrary = fc.oneof(
      fc.uint8Array({ maxLength: 400 }),
      fc.string({ maxLength: 200 }).map(utf8),
      // Mutations of valid requests: the interesting neighbourhood.
      fc
        .tuple(fc.nat({ max: 1e6 }), fc.array(hash, { maxLength: 4 }), note, fc.nat(), fc.integer({ min: 0, max: 255 }))
        .map(([o, p, n, at, b]) => {
          const bytes = formatAddCheckpointRequest(o, p, n);
          if (bytes.length > 0) bytes[at % bytes.length] = b;
          return bytes;
        }),
    );
    fc.assert(
      fc.property(arbitrary, (bytes) => {
        try {
          const r = parseAddCheckpointRequest(bytes);
          expect(Number.isSafeInteger(r.oldSize)).toBe(true);
          expect(r.proof.length).toBeLessThanOrEqual(MAX_PROOF_LINES);
          for (const h of r.proof) expect(h.length).toBe(32);
          expect(r.note.length).toBeGreaterThan(0);
        } catch (e) {
          expect(e).toBeInstanceOf(AddCheckpointRequestError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses the spec's violations", () => {
    const h = "A".repeat(43) + "=";
    for (const bad of [
      "old 1", // no newline
      "old 01\n\nx",
      "old -1\n\nx",
      "old 1 \n\nx",
      "old  1\n\nx",
      "OLD 1\n\nx",
      "old 99999999999999999\n\nx",
      `old 1\n${h}\n`, // no blank line
      "old 1\n\n", // no checkpoint
      `old 1\n${h.slice(1)}\n\nx`,
      `old 1\n${"A".repeat(44)}\n\nx`, // 33 bytes
      `old 1\n${h}\r\n\nx`,
      `old 1\n${`${h}\n`.repeat(MAX_PROOF_LINES + 1)}\nx`,
    ]) {
      expect(() => parseAddCheckpointRequest(utf8(bad)), JSON.stringify(bad)).toThrow(AddCheckpointRequestError);
    }
    expect(parseAddCheckpointRequest(utf8(`old 1\n${`${h}\n`.repeat(MAX_PROOF_LINES)}\nx`)).proof.length).toBe(
      MAX_PROOF_LINES,
    );
  });
});
