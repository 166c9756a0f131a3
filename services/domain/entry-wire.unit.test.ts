import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LogEntry } from "../../proto/gen/messages/labelreg/v1/entry.js";
import { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { decodeCanonical, decodeLogEntry, encodeCommitmentEntry, isCommitment } from "./decode.js";
import { CATEGORY, T0, labelIssued, reason, signStatement, statement, testKey } from "../../test/domain-testkit.js";
import { isViolation } from "./violation.js";
import { decodeLogEntryFast, readLogEntry } from "./entry-wire.js";
import { damaged } from "../../test/wire-damage.js";

// The audit fixture's keys (test/audit-fixture.ts), made here: the domain does not import the audit.
const fixtureAuthority = testKey(1);
const fixtureIssuer = testKey(2);

// Statements that pass validateStatement (the fast path's whole way), of several kinds.
const valid: Uint8Array[] = [
  statement({ $case: "labelIssued", value: labelIssued() }, { labelId: "CCRC-1" }),
  statement(
    { $case: "labelIssued", value: labelIssued({ productModel: "相机 EV-1", keyIndicators: [] }) },
    { labelId: "CCRC-2" },
  ),
  statement(
    { $case: "labelRevoked", value: { reason: reason("端口 open") } },
    { labelId: "CCRC-1", expectedLabelVersion: 3n },
  ),
  statement({
    $case: "issuerAccredited",
    value: {
      issuerId: "CCRC",
      name: "CCRC",
      publicKey: fixtureIssuer.publicKey,
      scope: [{ categoryId: CATEGORY, maxTier: 3 }],
    },
  }),
  statement({ $case: "categoryPublished", value: { categoryId: CATEGORY, name: "Cameras", description: "" } }),
].map((s) => Statement.encode(s).finish());

const entryOf = (statementBytes: Uint8Array, at: bigint) => {
  const signed = signStatement(fixtureAuthority, statementBytes);
  return LogEntry.encode({
    statement: signed.statement,
    keyId: signed.keyId,
    signature: signed.signature,
    sequencedAtUnix: at,
    mapCommitment: undefined,
  }).finish();
};

const bytesField = fc.oneof(
  fc.constant(new Uint8Array(0)),
  fc.uint8Array({ minLength: 1, maxLength: 70 }),
  fc.constantFrom(...valid),
);
const time = fc.oneof(
  fc.constant(0n),
  fc.constant(T0),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.bigInt({ min: 1n, max: 2n ** 49n }),
);
const commitment = fc.option(
  fc.record({
    root: fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 40 })),
    size: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
  }),
  { nil: undefined },
);
const anyEntry = fc
  .record({
    statement: bytesField,
    keyId: bytesField,
    signature: bytesField,
    sequencedAtUnix: time,
    mapCommitment: commitment,
  })
  .map((e) => LogEntry.encode(e).finish());
const commitmentEntry = fc
  .tuple(
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.bigInt({ min: 0n, max: 2n ** 40n }),
    fc.oneof(fc.constant(0n), fc.constant(T0)),
  )
  .map(([root, size, at]) => encodeCommitmentEntry({ root, size }, at));
const goodEntry = fc
  .tuple(fc.constantFrom(...valid), fc.oneof(fc.constant(T0), fc.bigInt({ min: 1n, max: 2n ** 49n })))
  .map(([s, at]) => entryOf(s, at));

// Small fields to splice in: the entry's tags, with values at the edges (zero, empty, not minimal).
const field = fc.tuple(
  fc.constantFrom([0x08], [0x0a], [0x12], [0x1a], [0x20], [0x22], [0x28], [0x2a]),
  fc.constantFrom([], [0x00], [0x01], [0x80, 0x00], [0x81, 0x01], [0x01, 0x41]),
);

describe("entry-wire", () => {
  it("readLogEntry takes only canonical LogEntry bytes, with the generated decoder's fields", () => {
    fc.assert(
      fc.property(damaged(anyEntry, field), (b) => {
        const generic = decodeCanonical(LogEntry, b, "log entry");
        const got = readLogEntry(b);
        if (got === undefined) {
          // Refused: not canonical, or a time the one-pass reader leaves to the generic path.
          // (Commitment entries, one per batch, always go the generic way.)
          if (!isViolation(generic))
            expect(
              generic.mapCommitment !== undefined ||
                generic.sequencedAtUnix < 1n ||
                generic.sequencedAtUnix >= 2n ** 49n,
            ).toBe(true);
          return;
        }
        expect(isViolation(generic)).toBe(false);
        expect(got).toEqual(generic);
      }),
      { numRuns: 10000 },
    );
  });

  it("decodeLogEntryFast gives what decodeLogEntry gives, valid entries and damaged ones alike", () => {
    fc.assert(
      fc.property(damaged(fc.oneof(goodEntry, anyEntry, commitmentEntry), field), (b) => {
        expect(decodeLogEntryFast(b)).toEqual(decodeLogEntry(b));
      }),
      { numRuns: 3000 },
    );
  });

  it("reads valid entries in one pass: the statement is the generated decoder's", () => {
    for (const s of valid) {
      const b = entryOf(s, T0);
      const e = readLogEntry(b);
      expect(e?.sequencedAtUnix).toBe(T0);
      const d = decodeLogEntryFast(b);
      expect(isViolation(d)).toBe(false);
      if (!isViolation(d) && !isCommitment(d)) expect(d.statement).toEqual(Statement.decode(s));
      else expect.unreachable("a statement entry");
    }
  });
});
