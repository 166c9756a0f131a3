import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeEd25519 } from "../crypto/ed25519-node.js";
import { nodeEntryCheckDeps } from "./check-deps.js";
import {
  decodeLogEntry,
  encodeCommitmentEntry,
  encodeLogEntry,
  isCommitment,
  parseSignedStatement,
} from "../domain/decode.js";
import { keyIdOf } from "../domain/signing.js";
import { CATEGORY, T0, signStatement, statement } from "../../test/domain-testkit.js";
import { isViolation } from "../domain/violation.js";
import {
  checkEntries,
  EntryResults,
  KeyTable,
  packEntries,
  SIG_INVALID,
  SIG_UNCHECKED,
  SIG_VALID,
  unpackEntries,
  type EntryCheckDeps,
} from "./entry-check.js";
import { fixtureAuthority, fixtureIssuer, fixtureIssuer2, issueStatement } from "../../test/audit-fixture.js";
import type { TestKey } from "../../test/domain-testkit.js";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { hasher } from "../../log/hasher.js";

// The workers' own primitives (WebAssembly and Node SHA-256 by size), held to decodeLogEntry's
// portable digest and leafHash below.
const deps: EntryCheckDeps = nodeEntryCheckDeps;

function entry(key: TestKey, s: Statement, at = T0): Uint8Array {
  const sub = parseSignedStatement(signStatement(key, s));
  if (isViolation(sub)) throw new Error(sub.message);
  return encodeLogEntry(sub, at);
}

const accredit = (issuerId: string, key: TestKey) =>
  entry(
    fixtureAuthority,
    statement({
      $case: "issuerAccredited",
      value: { issuerId, name: issuerId, publicKey: key.publicKey, scope: [{ categoryId: CATEGORY, maxTier: 3 }] },
    }),
  );

function authorityTable(): KeyTable {
  const t = new KeyTable();
  t.add(fixtureAuthority.publicKey);
  return t;
}

/** What the main thread would have computed for each entry without the checker. */
function expectSameAsInline(entries: Uint8Array[], r: EntryResults, keys: KeyTable): void {
  entries.forEach((e, i) => {
    expect(r.leafHash(i)).toEqual(new Uint8Array(hasher.leafHash(e)));
    const d = decodeLogEntry(e);
    const got = r.decoded(i);
    if (!isViolation(d) && isCommitment(d)) {
      expect(got).toEqual(d);
      return;
    }
    if (isViolation(d)) {
      expect(got).toEqual(d);
      return;
    }
    expect(isViolation(got)).toBe(false);
    if (isViolation(got) || isCommitment(got)) return;
    expect({ ...got, digest: new Uint8Array(got.digest) }).toEqual({ ...d, digest: new Uint8Array(d.digest) });
    const pk = keys.get(d.keyId);
    const want =
      pk === undefined
        ? SIG_UNCHECKED
        : nodeEd25519.verify(
              pk,
              new Uint8Array([...new TextEncoder().encode("labelreg/v1/statement\n"), ...d.statementBytes]),
              d.signature,
            )
          ? SIG_VALID
          : SIG_INVALID;
    expect(r.verdict(i)).toBe(want);
  });
}

describe("entry-check", () => {
  it("packs and unpacks any list of entries; refuses a malformed buffer with RangeError only", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (entries) => {
        expect(unpackEntries(packEntries(entries))).toEqual(entries);
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          unpackEntries(bytes.slice().buffer);
        } catch (e) {
          expect(e).toBeInstanceOf(RangeError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it("gives decodeLogEntry's results and the signature verdicts, learning keys named in the batch first", () => {
    const entries = [
      entry(fixtureIssuer, issueStatement("CCRC-1", "M-1")), // signed by a key named later in the batch
      accredit("CCRC", fixtureIssuer),
      entry(fixtureIssuer, issueStatement("CCRC-2", "M-2")),
      entry(fixtureIssuer2, issueStatement("ABC-1", "M-3")), // a key never named: unchecked
      new Uint8Array([0x0a, 0x05, 1, 2]), // does not decode
    ];
    const bad = entry(fixtureIssuer, issueStatement("CCRC-3", "M-4"));
    bad[bad.length - 20]! ^= 1; // inside the signature (the sequenced-at field follows it)
    entries.push(bad);
    entries.push(encodeCommitmentEntry({ root: new Uint8Array(32).fill(9), size: 6n }, 5n)); // a map commitment
    const keys = authorityTable();
    const r = new EntryResults(entries, checkEntries(entries, keys, deps));
    expect([0, 1, 2, 3, 5].map((i) => r.verdict(i))).toEqual([
      SIG_VALID,
      SIG_VALID,
      SIG_VALID,
      SIG_UNCHECKED,
      SIG_INVALID,
    ]);
    expect(isViolation(r.decoded(4))).toBe(true);
    const c = r.decoded(6);
    expect(!isViolation(c) && isCommitment(c) && c.commitment.size).toBe(6n);
    expect(r.unchecked()).toEqual([3]);
    expectSameAsInline(entries, r, keys);
  });

  it("agrees with decodeLogEntry on mutated entries (fuzz)", () => {
    const valid = [
      accredit("CCRC", fixtureIssuer),
      entry(fixtureIssuer, issueStatement("CCRC-1", "M-1")),
      entry(fixtureAuthority, issueStatement("AUTH-1", "M-2")),
    ];
    const mutated = fc
      .tuple(
        fc.constantFrom(...valid),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
        fc.nat(),
        fc.nat(),
      )
      .map(([e, flips, cutAt, cutLen]) => {
        const out = e.slice();
        for (const [at, x] of flips) out[at % out.length]! ^= x;
        return cutLen % 4 === 0
          ? new Uint8Array([
              ...out.subarray(0, cutAt % out.length),
              ...out.subarray((cutAt % out.length) + (cutLen % 7)),
            ])
          : out;
      });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(mutated, fc.constantFrom(...valid), fc.uint8Array({ maxLength: 64 })), {
          minLength: 1,
          maxLength: 8,
        }),
        (entries) => {
          const keys = authorityTable();
          const r = new EntryResults(entries, checkEntries(entries, keys, deps));
          expectSameAsInline(entries, r, keys);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("refuses records that do not match the entries", () => {
    const entries = [accredit("CCRC", fixtureIssuer)];
    const batch = checkEntries(entries, authorityTable(), deps);
    expect(() => new EntryResults([...entries, entries[0]!], batch)).toThrow(RangeError);
  });

  it("KeyTable finds a key by its whole id only, whatever was looked up before", () => {
    const t = authorityTable();
    t.add(fixtureIssuer.publicKey);
    const ids = [fixtureAuthority, fixtureIssuer].map((k) => keyIdOf(k.publicKey));
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.nat(31), fc.boolean()), { maxLength: 20 }),
        (lookups) => {
          for (const [which, at, alter] of lookups) {
            const id = Uint8Array.from(ids[which]!);
            if (alter) id[at] = id[at]! ^ 1;
            const want = alter ? undefined : [fixtureAuthority, fixtureIssuer][which]!.publicKey;
            expect(t.get(id)).toEqual(want);
            expect(t.verifierOf(id, deps) !== undefined).toBe(!alter);
          }
        },
      ),
    );
    expect(t.get(ids[0]!.subarray(0, 31))).toBeUndefined();
    expect(t.get(new Uint8Array(0))).toBeUndefined();
  });
});
