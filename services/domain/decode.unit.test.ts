// Decoding and structural validation of untrusted bytes: canonical encoding only, every limit,
// and never a crash (fast-check over arbitrary and mutated bytes).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LogEntry, SignedStatement } from "../../proto/gen/messages/labelreg/v1/entry.js";
import { Statement, type Tier } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { concatBytes } from "../../log/bytes.js";
import { check } from "./check.js";
import {
  decodeLogEntry,
  decodeSignedStatement,
  decodeStatement,
  decodeStatementEntry,
  encodeLogEntry,
} from "./decode.js";
import { MAX_STATEMENT_BYTES } from "./limits.js";
import { checkText, utf8Length } from "./syntax.js";
import { labelIssued, reason, signStatement, statement, T0, testKey, TestRegistry } from "../../test/domain-testkit.js";
import { isViolation, type RuleViolation } from "./violation.js";

const encode = (s: Statement) => Statement.encode(s).finish();
const valid = statement({ $case: "labelIssued", value: labelIssued() }, { labelId: "CCRC-1" });

function expectInvalid(r: unknown, rule?: string): void {
  expect(isViolation(r)).toBe(true);
  const v = r as RuleViolation;
  expect(v.code).toBe("INVALID_ARGUMENT");
  expect(v.message.startsWith(`${v.rule}: `)).toBe(true);
  if (rule) expect(v.rule).toBe(rule);
}

describe("decodeStatement", () => {
  it("accepts a valid statement and returns it", () => {
    const s = decodeStatement(encode(valid));
    expect(isViolation(s)).toBe(false);
    expect(s).toMatchObject({ labelId: "CCRC-1", requestId: valid.requestId });
  });

  it("refuses non-canonical encodings: unknown fields, repeated fields, default values written, invalid UTF-8", () => {
    const bytes = encode(valid);
    expectInvalid(decodeStatement(concatBytes(bytes, new Uint8Array([0xf8, 0x06, 0x01]))), "non-canonical-encoding"); // field 111 varint
    expectInvalid(decodeStatement(concatBytes(bytes, new Uint8Array([0x0a, 0x01, 0x78]))), "non-canonical-encoding"); // request_id again
    expectInvalid(decodeStatement(concatBytes(new Uint8Array([0x20, 0x00]), bytes)), "non-canonical-encoding"); // version 0 written
    const badUtf8 = encode({ ...valid, requestId: "r" });
    const i = badUtf8.indexOf(0x72); // the "r"
    badUtf8[i] = 0xff;
    expectInvalid(decodeStatement(badUtf8), "non-canonical-encoding");
  });

  it("refuses oversized statements before decoding", () => {
    expectInvalid(decodeStatement(new Uint8Array(MAX_STATEMENT_BYTES + 1)), "statement-too-large");
  });

  const cases: [string, Statement, string][] = [
    ["empty oneof", statement(undefined), "missing-kind"],
    [
      "tier 0",
      statement({ $case: "labelIssued", value: labelIssued({ tier: 0 }) }, { labelId: "CCRC-1" }),
      "tier-range",
    ],
    [
      "tier 4",
      statement({ $case: "labelIssued", value: labelIssued({ tier: 4 as Tier }) }, { labelId: "CCRC-1" }),
      "tier-range",
    ],
    [
      "end before start",
      statement({ $case: "labelIssued", value: labelIssued({ validUntilUnix: T0 - 10n }) }, { labelId: "CCRC-1" }),
      "validity-period",
    ],
    [
      "no manufacturer",
      statement({ $case: "labelIssued", value: labelIssued({ manufacturer: undefined }) }, { labelId: "CCRC-1" }),
      "missing-field",
    ],
    [
      "short digest",
      statement(
        {
          $case: "labelIssued",
          value: labelIssued({ testReport: { sha256: new Uint8Array(31), uri: "https://a.example/r" } }),
        },
        { labelId: "CCRC-1" },
      ),
      "byte-length",
    ],
    [
      "http uri",
      statement(
        {
          $case: "labelIssued",
          value: labelIssued({ testReport: { sha256: new Uint8Array(32), uri: "http://a.example/r" } }),
        },
        { labelId: "CCRC-1" },
      ),
      "malformed-uri",
    ],
    [
      "control char",
      statement({ $case: "labelIssued", value: labelIssued({ productModel: "A\nB" }) }, { labelId: "CCRC-1" }),
      "text-characters",
    ],
    [
      "bidi override",
      statement({ $case: "labelIssued", value: labelIssued({ productModel: "A\u202eB" }) }, { labelId: "CCRC-1" }),
      "text-characters",
    ],
    [
      "trailing space",
      statement({ $case: "labelIssued", value: labelIssued({ productModel: "AB " }) }, { labelId: "CCRC-1" }),
      "text-characters",
    ],
    [
      "not NFC",
      statement({ $case: "labelIssued", value: labelIssued({ productModel: "Cafe\u0301" }) }, { labelId: "CCRC-1" }),
      "text-not-nfc",
    ],
    [
      "model too long",
      statement({ $case: "labelIssued", value: labelIssued({ productModel: "M".repeat(129) }) }, { labelId: "CCRC-1" }),
      "text-length",
    ],
    [
      "lower-case label id",
      statement({ $case: "labelIssued", value: labelIssued() }, { labelId: "ccrc-1" }),
      "malformed-id",
    ],
    [
      "issuance at version 1",
      statement({ $case: "labelIssued", value: labelIssued() }, { labelId: "CCRC-1", expectedLabelVersion: 1n }),
      "expected-version-range",
    ],
    [
      "change at version 0",
      statement({ $case: "labelRevoked", value: { reason: reason() } }, { labelId: "CCRC-1" }),
      "expected-version-range",
    ],
    [
      "no reason",
      statement(
        { $case: "labelRevoked", value: { reason: undefined } },
        { labelId: "CCRC-1", expectedLabelVersion: 1n },
      ),
      "missing-field",
    ],
    [
      "reason code 0",
      statement(
        { $case: "labelRevoked", value: { reason: { code: 0, text: "x" } } },
        { labelId: "CCRC-1", expectedLabelVersion: 1n },
      ),
      "reason-code",
    ],
    [
      "label id on a category",
      statement(
        { $case: "categoryPublished", value: { categoryId: "x", name: "X", description: "" } },
        { labelId: "CCRC-1" },
      ),
      "label-fields-not-allowed",
    ],
    [
      "bad request id",
      statement(
        { $case: "categoryPublished", value: { categoryId: "x", name: "X", description: "" } },
        { requestId: "a b" },
      ),
      "malformed-id",
    ],
    [
      "signed at 0",
      statement(
        { $case: "categoryPublished", value: { categoryId: "x", name: "X", description: "" } },
        { signedAtUnix: 0n },
      ),
      "time-range",
    ],
    [
      "year 10000",
      statement(
        { $case: "categoryPublished", value: { categoryId: "x", name: "X", description: "" } },
        { signedAtUnix: 253402300800n },
      ),
      "time-range",
    ],
    [
      "bad category id",
      statement({ $case: "categoryPublished", value: { categoryId: "Bad_Id", name: "X", description: "" } }),
      "malformed-id",
    ],
    [
      "empty scope",
      statement({
        $case: "issuerAccredited",
        value: { issuerId: "AB", name: "n", publicKey: testKey(5).publicKey, scope: [] },
      }),
      "too-many-entries",
    ],
    [
      "repeated scope",
      statement({
        $case: "issuerAccredited",
        value: {
          issuerId: "AB",
          name: "n",
          publicKey: testKey(5).publicKey,
          scope: [
            { categoryId: "x", maxTier: 1 },
            { categoryId: "x", maxTier: 2 },
          ],
        },
      }),
      "duplicate-entry",
    ],
    [
      "short key",
      statement({
        $case: "issuerKeyRotated",
        value: { issuerId: "AB", newPublicKey: new Uint8Array(31), reason: reason() },
      }),
      "byte-length",
    ],
  ];
  for (const [name, s, rule] of cases) {
    it(`refuses ${name} (${rule})`, () => expectInvalid(decodeStatement(encode(s)), rule));
  }
});

describe("syntax helpers", () => {
  it("counts UTF-8 bytes like TextEncoder", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (s) => utf8Length(s) === new TextEncoder().encode(s).length),
    );
  });
  it("checkText refuses lone surrogates", () => {
    expect(checkText("f", "a\ud800b", 1, 10)?.rule).toBe("text-characters");
  });
});

describe("fuzz: untrusted bytes never crash a decoder or check()", () => {
  const reg = new TestRegistry();
  reg.publishCategory();
  const validSigned = SignedStatement.encode(signStatement(reg.authority, valid)).finish();
  const validEntry = LogEntry.encode({
    ...signStatement(reg.authority, valid),
    sequencedAtUnix: T0,
    mapCommitment: undefined,
  }).finish();

  function decodesOrRefuses(f: (b: Uint8Array) => unknown) {
    return (b: Uint8Array) => {
      const r = f(b);
      if (isViolation(r)) expectInvalid(r);
    };
  }

  /** Bytes near a valid encoding: flips, truncations, insertions. */
  const mutated = (base: Uint8Array) =>
    fc
      .tuple(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), fc.nat())
      .map(([edits, cut]) => {
        const b = base.slice(0, base.length - (cut % 4));
        for (const [at, v] of edits) if (b.length) b[at % b.length] = v;
        return b;
      });

  it("decodeStatement over arbitrary bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), decodesOrRefuses(decodeStatement)), { numRuns: 3000 });
  });
  it("decodeStatement over mutations of a valid statement", () => {
    fc.assert(fc.property(mutated(encode(valid)), decodesOrRefuses(decodeStatement)), { numRuns: 3000 });
  });
  it("decodeSignedStatement and decodeLogEntry over arbitrary and mutated bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), decodesOrRefuses(decodeSignedStatement)), {
      numRuns: 2000,
    });
    fc.assert(fc.property(mutated(validSigned), decodesOrRefuses(decodeSignedStatement)), { numRuns: 2000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), decodesOrRefuses(decodeLogEntry)), { numRuns: 2000 });
    fc.assert(fc.property(mutated(validEntry), decodesOrRefuses(decodeLogEntry)), { numRuns: 2000 });
  });
  it("deeply nested groups are refused, not a stack overflow", () => {
    const depth = 8000;
    const b = new Uint8Array(depth * 2);
    b.fill(0xfb, 0, depth); // field 31, start group
    b.fill(0xfc, depth); // field 31, end group
    expectInvalid(decodeStatement(b));
  });
  it("check() over arbitrary signed statements returns a verdict", () => {
    const key = testKey(2);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.boolean(), (bytes, goodKey) => {
        const r = check(
          reg.state,
          { statement: bytes, keyId: goodKey ? reg.authority.keyId : key.keyId, signature: new Uint8Array(64) },
          T0,
          reg.config,
        );
        expect(isViolation(r)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
  it("whatever decodes re-encodes to the same bytes, and a decoded entry re-encodes to itself", () => {
    fc.assert(
      fc.property(mutated(encode(valid)), (b) => {
        const s = decodeStatement(b);
        if (!isViolation(s)) expect(encode(s)).toEqual(b);
      }),
      { numRuns: 2000 },
    );
    const e = decodeStatementEntry(validEntry);
    if (isViolation(e)) throw new Error(e.message);
    expect(encodeLogEntry(e, e.sequencedAtUnix)).toEqual(validEntry);
  });
});
