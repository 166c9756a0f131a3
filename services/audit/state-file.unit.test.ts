import fc from "fast-check";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { AuditStateError, readAuditState, writeAuditState, type AuditState } from "./state-file.js";

const dir = mkdtempSync(join(tmpdir(), "audit-state-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const path = join(dir, "state.json");

const state: AuditState = {
  origin: "registry.test/log",
  size: 300,
  root: new Uint8Array(32).fill(7),
  checkpoint: "registry.test/log\n300\nBwcH\n\n— x y\n",
  edge: [new Uint8Array(64).fill(1), new Uint8Array(32).fill(2)],
  lastSequencedAt: 1_800_000_000n,
  refused: [3, 17],
  auditedAt: "2030-01-01T00:00:00.000Z",
};

describe("audit state file", () => {
  it("round-trips, and is absent before the first write", () => {
    expect(readAuditState(join(dir, "none.json"))).toBeUndefined();
    writeAuditState(path, state);
    expect(readAuditState(path)).toEqual(state);
  });

  it("refuses any corruption with AuditStateError, never another error", () => {
    writeAuditState(path, state);
    const good = JSON.stringify(JSON.parse(readFileSync(path, "utf8")));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc
            .tuple(fc.nat(), fc.string({ maxLength: 3 }))
            .map(([at, s]) => good.slice(0, at % good.length) + s + good.slice((at % good.length) + 1)),
          fc
            .dictionary(
              fc.constantFrom(
                "version",
                "origin",
                "size",
                "root",
                "edge",
                "refused",
                "lastSequencedAt",
                "checkpoint",
                "auditedAt",
              ),
              fc.jsonValue(),
            )
            .map((o) => JSON.stringify({ ...JSON.parse(good), ...o })),
        ),
        (text) => {
          writeFileSync(path, text);
          try {
            const s = readAuditState(path);
            expect(s === undefined || Number.isSafeInteger(s.size)).toBe(true);
          } catch (e) {
            expect(e).toBeInstanceOf(AuditStateError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
