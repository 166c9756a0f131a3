// The rules beyond the label state machine: who may sign what, keys, time, idempotency,
// one live label per product, and the batch journal.
import { describe, expect, it } from "vitest";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { apply } from "./apply.js";
import { check } from "./check.js";
import { decodeLogEntry, decodeStatementEntry, encodeLogEntry } from "./decode.js";
import { type RegistryState, issuerKeyAt } from "./state.js";
import { keyIdHex } from "./signing.js";
import {
  CATEGORY,
  DAY,
  labelIssued,
  reason,
  signStatement,
  statement,
  T0,
  testKey,
  TestRegistry,
} from "../../test/domain-testkit.js";
import { isViolation } from "./violation.js";
import { MAX_ISSUER_KEYS, MAX_MANUFACTURER_PRODUCTS, MAX_PRODUCT_LABELS } from "./limits.js";
import { bytesEqual } from "../../log/bytes.js";
import { ed25519Vectors } from "../../test/ed25519-vectors.js";

const A = testKey(2);
const B = testKey(3);

function world(): TestRegistry {
  const reg = new TestRegistry();
  reg.publishCategory();
  reg.publishCategory("smart-lock");
  reg.accredit("CCRC", A, [{ categoryId: CATEGORY, maxTier: 2 }]);
  reg.accredit("TUV", B);
  return reg;
}

const issue = (labelId: string, fields: Parameters<typeof labelIssued>[0] = {}, common: Partial<Statement> = {}) =>
  statement({ $case: "labelIssued", value: labelIssued(fields) }, { labelId, ...common });
const revoke = (labelId: string, version: bigint) =>
  statement({ $case: "labelRevoked", value: { reason: reason() } }, { labelId, expectedLabelVersion: version });
const suspendIssuer = (issuerId: string) =>
  statement({ $case: "issuerSuspended", value: { issuerId, reason: reason() } });

describe("scope and catalogue", () => {
  it("refuses a tier above the issuer's maximum, a category outside its scope, and an unknown category", () => {
    const reg = world();
    expect(reg.submit(A, issue("CCRC-1", { tier: 3 }))).toMatchObject({
      code: "PERMISSION_DENIED",
      rule: "outside-scope",
    });
    expect(reg.submit(A, issue("CCRC-1", { categoryId: "smart-lock" }))).toMatchObject({
      code: "PERMISSION_DENIED",
      rule: "outside-scope",
    });
    expect(reg.submit(A, issue("CCRC-1", { categoryId: "router" }))).toMatchObject({
      code: "INVALID_ARGUMENT",
      rule: "category-not-in-catalogue",
    });
    expect(reg.submit(A, issue("CCRC-1", { tier: 2 })).kind).toBe("accepted");
    const up = statement(
      {
        $case: "labelUpgraded",
        value: { tier: 3, testReport: { sha256: new Uint8Array(32), uri: "https://l.example/r" } },
      },
      { labelId: "CCRC-1", expectedLabelVersion: 1n },
    );
    expect(reg.submit(A, up)).toMatchObject({ code: "PERMISSION_DENIED", rule: "outside-scope" });
  });

  it("re-accreditation widens the scope", () => {
    const reg = world();
    reg.accredit("CCRC", A, [{ categoryId: CATEGORY, maxTier: 3 }]);
    expect(reg.submit(A, issue("CCRC-1", { tier: 3 })).kind).toBe("accepted");
    expect(reg.state.issuers.get("CCRC")!.history.map((h) => h.kind)).toEqual(["issuerAccredited", "issuerAccredited"]);
  });

  it("an accreditation naming an unpublished category is refused", () => {
    const reg = world();
    const s = statement({
      $case: "issuerAccredited",
      value: {
        issuerId: "NEW",
        name: "n",
        publicKey: testKey(9).publicKey,
        scope: [{ categoryId: "router", maxTier: 1 }],
      },
    });
    expect(reg.submit(reg.authority, s)).toMatchObject({ code: "INVALID_ARGUMENT", rule: "category-not-in-catalogue" });
  });
});

describe("who may sign what", () => {
  it("only the label's issuer changes it; label ids carry the issuer's prefix", () => {
    const reg = world();
    expect(reg.submit(B, issue("CCRC-1"))).toMatchObject({ code: "PERMISSION_DENIED", rule: "label-id-not-issuers" });
    reg.must(A, issue("CCRC-1"));
    expect(reg.submit(B, revoke("CCRC-1", 1n))).toMatchObject({ code: "PERMISSION_DENIED", rule: "not-label-issuer" });
    expect(reg.submit(reg.authority, revoke("CCRC-1", 1n)).kind).toBe("accepted");
  });

  it("issuers cannot sign the authority's statements", () => {
    const reg = world();
    expect(reg.submit(A, suspendIssuer("TUV"))).toMatchObject({ code: "PERMISSION_DENIED", rule: "authority-only" });
    const cat = statement({
      $case: "categoryPublished",
      value: { categoryId: "router", name: "Routers", description: "" },
    });
    expect(reg.submit(A, cat)).toMatchObject({ code: "PERMISSION_DENIED", rule: "authority-only" });
  });

  it("a suspended issuer signs nothing until accredited again", () => {
    const reg = world();
    reg.must(A, issue("CCRC-1"));
    reg.must(reg.authority, suspendIssuer("CCRC"));
    expect(reg.submit(A, revoke("CCRC-1", 1n))).toMatchObject({ code: "PERMISSION_DENIED", rule: "issuer-suspended" });
    expect(reg.submit(A, issue("CCRC-2", { productModel: "X" }))).toMatchObject({
      code: "PERMISSION_DENIED",
      rule: "issuer-suspended",
    });
    expect(reg.submit(reg.authority, suspendIssuer("CCRC"))).toMatchObject({
      code: "FAILED_PRECONDITION",
      rule: "issuer-not-active",
    });
    reg.accredit("CCRC", A, [{ categoryId: CATEGORY, maxTier: 2 }]);
    expect(reg.submit(A, revoke("CCRC-1", 1n)).kind).toBe("accepted");
  });

  it("a withdrawn issuer is final: no statements, no re-accreditation, no rotation; its labels stay", () => {
    const reg = world();
    reg.must(A, issue("CCRC-1"));
    reg.must(reg.authority, statement({ $case: "issuerWithdrawn", value: { issuerId: "CCRC", reason: reason() } }));
    expect(reg.submit(A, revoke("CCRC-1", 1n))).toMatchObject({ code: "PERMISSION_DENIED", rule: "issuer-withdrawn" });
    const re = statement({
      $case: "issuerAccredited",
      value: { issuerId: "CCRC", name: "again", publicKey: A.publicKey, scope: [{ categoryId: CATEGORY, maxTier: 1 }] },
    });
    expect(reg.submit(reg.authority, re)).toMatchObject({ code: "FAILED_PRECONDITION", rule: "issuer-withdrawn" });
    const rot = statement({
      $case: "issuerKeyRotated",
      value: { issuerId: "CCRC", newPublicKey: testKey(7).publicKey, reason: reason() },
    });
    expect(reg.submit(reg.authority, rot)).toMatchObject({ code: "FAILED_PRECONDITION", rule: "issuer-withdrawn" });
    expect(
      reg.submit(reg.authority, statement({ $case: "issuerWithdrawn", value: { issuerId: "CCRC", reason: reason() } })),
    ).toMatchObject({ rule: "issuer-withdrawn" });
    expect(reg.state.labels.get("CCRC-1")!.state).toBe("ACTIVE");
    expect(reg.submit(reg.authority, revoke("CCRC-1", 1n)).kind).toBe("accepted");
  });

  it("unknown issuers, keys in use and republished categories are refused", () => {
    const reg = world();
    expect(reg.submit(reg.authority, suspendIssuer("NOPE"))).toMatchObject({
      code: "NOT_FOUND",
      rule: "issuer-not-found",
    });
    const dupKey = statement({
      $case: "issuerAccredited",
      value: { issuerId: "NEW", name: "n", publicKey: A.publicKey, scope: [{ categoryId: CATEGORY, maxTier: 1 }] },
    });
    expect(reg.submit(reg.authority, dupKey)).toMatchObject({ code: "ALREADY_EXISTS", rule: "key-in-use" });
    const authKey = statement({
      $case: "issuerKeyRotated",
      value: { issuerId: "TUV", newPublicKey: reg.authority.publicKey, reason: reason() },
    });
    expect(reg.submit(reg.authority, authKey)).toMatchObject({ code: "ALREADY_EXISTS", rule: "key-in-use" });
    const otherKey = statement({
      $case: "issuerAccredited",
      value: {
        issuerId: "TUV",
        name: "n",
        publicKey: testKey(8).publicKey,
        scope: [{ categoryId: CATEGORY, maxTier: 1 }],
      },
    });
    expect(reg.submit(reg.authority, otherKey)).toMatchObject({
      code: "FAILED_PRECONDITION",
      rule: "accreditation-key-mismatch",
    });
    const cat = statement({
      $case: "categoryPublished",
      value: { categoryId: CATEGORY, name: "again", description: "" },
    });
    expect(reg.submit(reg.authority, cat)).toMatchObject({ code: "ALREADY_EXISTS", rule: "category-exists" });
  });
});

describe("which log", () => {
  it("refuses a statement for another log, or naming none, and changes nothing", () => {
    const reg = world();
    const size = reg.state.size;
    for (const logOrigin of ["other.example/labels", ""]) {
      expect(reg.submit(A, issue("CCRC-1", {}, { logOrigin }))).toMatchObject({
        code: "INVALID_ARGUMENT",
        rule: "wrong-log",
      });
      expect(reg.submit(reg.authority, { ...suspendIssuer("CCRC"), logOrigin })).toMatchObject({
        code: "INVALID_ARGUMENT",
        rule: "wrong-log",
      });
    }
    expect(reg.state.size).toBe(size);
    expect(reg.state.labels.size).toBe(0);
    expect(reg.state.issuers.get("CCRC")?.status).toBe("ACTIVE");
    expect(reg.submit(A, issue("CCRC-1")).kind).toBe("accepted");
  });
});

describe("keys", () => {
  // Small-order and non-canonical encodings (C2SP/CCTV): the signature policy refuses every
  // signature under them, so an accreditation or rotation naming one would be a dead key.
  const deadKeys = ed25519Vectors()
    .filter((v) => v.flags.includes("low_order_A") || v.flags.includes("non_canonical_A"))
    .map((v) => v.key)
    .filter((k, i, all) => all.findIndex((o) => bytesEqual(o, k)) === i);

  it("refuses keys that can never verify in accreditations and rotations, writing nothing", () => {
    expect(deadKeys.length).toBeGreaterThanOrEqual(4);
    const identity = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 1 : 0));
    expect(deadKeys.some((k) => bytesEqual(k, identity))).toBe(true);
    const reg = world();
    const size = reg.state.size;
    for (const [i, key] of deadKeys.entries()) {
      const accredit = statement({
        $case: "issuerAccredited",
        value: { issuerId: `DEAD${i}`, name: "n", publicKey: key, scope: [{ categoryId: CATEGORY, maxTier: 1 }] },
      });
      expect(reg.submit(reg.authority, accredit), `key ${i}`).toMatchObject({
        code: "INVALID_ARGUMENT",
        rule: "unusable-public-key",
      });
      const rotate = statement({
        $case: "issuerKeyRotated",
        value: { issuerId: "TUV", newPublicKey: key, reason: reason() },
      });
      expect(reg.submit(reg.authority, rotate), `key ${i}`).toMatchObject({
        code: "INVALID_ARGUMENT",
        rule: "unusable-public-key",
      });
    }
    // Not a point at all.
    const offCurve = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 2 : 0));
    const rotate = statement({
      $case: "issuerKeyRotated",
      value: { issuerId: "TUV", newPublicKey: offCurve, reason: reason() },
    });
    expect(reg.submit(reg.authority, rotate)).toMatchObject({ code: "INVALID_ARGUMENT", rule: "unusable-public-key" });
    expect(reg.state.size).toBe(size);
    expect(reg.state.issuers.get("TUV")?.currentKeyIdHex).toBe(keyIdHex(B.keyId));
  });

  it("unknown keys and bad signatures are UNAUTHENTICATED", () => {
    const reg = world();
    expect(reg.submit(testKey(42), issue("CCRC-1"))).toMatchObject({ code: "UNAUTHENTICATED", rule: "unknown-key" });
    const signed = signStatement(A, issue("CCRC-1"));
    const sig = signed.signature.slice();
    sig[0]! ^= 1;
    expect(reg.submitSigned({ ...signed, signature: sig })).toMatchObject({
      code: "UNAUTHENTICATED",
      rule: "bad-signature",
    });
    // A's signature presented under B's key id.
    expect(reg.submitSigned({ ...signed, keyId: B.keyId })).toMatchObject({
      code: "UNAUTHENTICATED",
      rule: "bad-signature",
    });
  });

  it("rotation retires the old key from the rotation on, and keeps it valid for earlier positions", () => {
    const reg = world();
    const first = signStatement(A, issue("CCRC-1"));
    expect(reg.submitSigned(first).kind).toBe("accepted");
    const firstIndex = reg.state.size - 1;
    const A2 = testKey(4);
    reg.must(
      reg.authority,
      statement({
        $case: "issuerKeyRotated",
        value: { issuerId: "CCRC", newPublicKey: A2.publicKey, reason: reason() },
      }),
    );
    const rotationIndex = reg.state.size - 1;
    expect(reg.submit(A, revoke("CCRC-1", 1n))).toMatchObject({ code: "UNAUTHENTICATED", rule: "key-retired" });
    // A retry of a statement the old key signed before the rotation still gets its receipt.
    expect(reg.submitSigned(first)).toEqual({ kind: "replay", index: firstIndex });
    expect(reg.submit(A2, revoke("CCRC-1", 1n)).kind).toBe("accepted");
    const old = keyIdHex(A.keyId);
    expect(issuerKeyAt(reg.state, old, firstIndex)?.issuerId).toBe("CCRC");
    expect(issuerKeyAt(reg.state, old, rotationIndex)).toBeUndefined();
    expect(issuerKeyAt(reg.state, keyIdHex(A2.keyId), rotationIndex + 1)?.issuerId).toBe("CCRC");
    expect(issuerKeyAt(reg.state, keyIdHex(A2.keyId), rotationIndex)).toBeUndefined();
    // The rotated-out key cannot come back to any issuer.
    const back = statement({
      $case: "issuerKeyRotated",
      value: { issuerId: "TUV", newPublicKey: A.publicKey, reason: reason() },
    });
    expect(reg.submit(reg.authority, back)).toMatchObject({ code: "ALREADY_EXISTS", rule: "key-in-use" });
  });
});

describe("time", () => {
  it("refuses signed-at times outside the skew window, either way, and accepts its edges", () => {
    const reg = world();
    const skew = BigInt(reg.config.clockSkewSeconds);
    expect(reg.submit(A, issue("CCRC-1", {}, { signedAtUnix: T0 - skew - 1n }))).toMatchObject({
      code: "INVALID_ARGUMENT",
      rule: "signed-at-outside-skew",
    });
    expect(reg.submit(A, issue("CCRC-1", {}, { signedAtUnix: T0 + skew + 1n }))).toMatchObject({
      code: "INVALID_ARGUMENT",
      rule: "signed-at-outside-skew",
    });
    expect(reg.submit(A, issue("CCRC-1", {}, { signedAtUnix: T0 - skew })).kind).toBe("accepted");
    expect(reg.submit(A, issue("CCRC-2", { productModel: "M2" }, { signedAtUnix: T0 + skew })).kind).toBe("accepted");
  });

  it("refuses validity that has ended, starts in the future, or is too long", () => {
    const reg = world();
    expect(reg.submit(A, issue("CCRC-1", { validFromUnix: T0 - 10n * DAY, validUntilUnix: T0 }))).toMatchObject({
      rule: "validity-ended",
    });
    expect(reg.submit(A, issue("CCRC-1", { validFromUnix: T0 + DAY, validUntilUnix: T0 + 9n * DAY }))).toMatchObject({
      rule: "validity-starts-in-future",
    });
    expect(reg.submit(A, issue("CCRC-1", { validUntilUnix: T0 + 4n * 366n * DAY }))).toMatchObject({
      rule: "validity-too-long",
    });
  });
});

describe("idempotency", () => {
  it("the same bytes replay the earlier index; other bytes under the request id are ALREADY_EXISTS", () => {
    const reg = world();
    const s = issue("CCRC-1", {}, { requestId: "r-1" });
    const signed = signStatement(A, s);
    expect(reg.submitSigned(signed).kind).toBe("accepted");
    const index = reg.state.size - 1;
    const size = reg.state.size;
    // Even after the label moved on, the retry replays.
    reg.must(A, revoke("CCRC-1", 1n));
    expect(reg.submitSigned(signed)).toEqual({ kind: "replay", index });
    expect(reg.submit(A, issue("CCRC-2", { productModel: "M2" }, { requestId: "r-1" }))).toMatchObject({
      code: "ALREADY_EXISTS",
      rule: "request-id-reused",
    });
    // Request ids are per signer: another issuer may use r-1.
    expect(reg.submit(B, issue("TUV-1", { productModel: "M3" }, { requestId: "r-1" })).kind).toBe("accepted");
    expect(reg.state.size).toBe(size + 2);
  });

  it("request ids are per issuer across its keys", () => {
    const reg = world();
    reg.must(A, issue("CCRC-1", {}, { requestId: "r-9" }));
    const A2 = testKey(4);
    reg.must(
      reg.authority,
      statement({
        $case: "issuerKeyRotated",
        value: { issuerId: "CCRC", newPublicKey: A2.publicKey, reason: reason() },
      }),
    );
    expect(reg.submit(A2, issue("CCRC-2", { productModel: "M2" }, { requestId: "r-9" }))).toMatchObject({
      rule: "request-id-reused",
    });
  });
});

describe("one live label per product", () => {
  it("refuses a second live label (models compared case-insensitively in ASCII), allows one after revocation or expiry", () => {
    const reg = world();
    reg.must(A, issue("CCRC-1", { productModel: "EV-C200" }));
    expect(reg.submit(B, issue("TUV-1", { productModel: "ev-c200" }))).toMatchObject({
      code: "ALREADY_EXISTS",
      rule: "product-has-live-label",
    });
    // A different manufacturer's product of the same model name is another product.
    const other = { name: "Other Co.", registrationCode: "91110000XXXXXXXX2Y" };
    expect(reg.submit(B, issue("TUV-1", { productModel: "EV-C200", manufacturer: other })).kind).toBe("accepted");
    reg.must(A, revoke("CCRC-1", 1n));
    expect(reg.submit(B, issue("TUV-2", { productModel: "EV-C200" })).kind).toBe("accepted");
    // After TUV-2 expires the product is free again.
    reg.now = T0 + 366n * DAY;
    expect(
      reg.submit(
        A,
        issue(
          "CCRC-3",
          { productModel: "EV-C200", validFromUnix: reg.now, validUntilUnix: reg.now + DAY },
          { signedAtUnix: reg.now },
        ),
      ).kind,
    ).toBe("accepted");
    const product = reg.state.labels.get("CCRC-3")!.productKey;
    expect(reg.state.productLabels.get(product)).toEqual(["CCRC-1", "TUV-2", "CCRC-3"]);
    expect(reg.state.liveByProduct.get(product)).toBe("CCRC-3");
  });

  it("a suspended label still holds its product", () => {
    const reg = world();
    reg.must(A, issue("CCRC-1"));
    reg.must(
      A,
      statement(
        { $case: "labelSuspended", value: { reason: reason() } },
        { labelId: "CCRC-1", expectedLabelVersion: 1n },
      ),
    );
    expect(reg.submit(B, issue("TUV-1"))).toMatchObject({ rule: "product-has-live-label" });
  });
});

/** Everything the state holds, as plain data, to compare states. */
function snapshot(s: RegistryState): unknown {
  return {
    size: s.size,
    maps: [s.labels, s.liveByProduct, s.productLabels, s.issuers, s.keys, s.categories, s.requests].map((m) => [
      ...m.entries(),
    ]),
  };
}

describe("batches and replay", () => {
  it("checks each statement against the earlier ones of its batch, and rollback restores the state exactly", () => {
    const reg = world();
    reg.must(A, issue("CCRC-0", { productModel: "M0" }));
    const before = structuredClone(snapshot(reg.state));
    reg.state.begin();
    reg.must(A, issue("CCRC-1"));
    // Sees CCRC-1 from the same batch.
    expect(reg.submit(B, issue("TUV-1"))).toMatchObject({ rule: "product-has-live-label" });
    reg.must(A, revoke("CCRC-1", 1n));
    reg.must(A, revoke("CCRC-0", 1n));
    reg.must(reg.authority, suspendIssuer("TUV"));
    reg.must(
      reg.authority,
      statement({
        $case: "issuerKeyRotated",
        value: { issuerId: "CCRC", newPublicKey: testKey(5).publicKey, reason: reason() },
      }),
    );
    reg.state.rollback();
    expect(snapshot(reg.state)).toEqual(before);
    // The same batch commits when the store accepts it.
    reg.state.begin();
    reg.must(A, issue("CCRC-1"));
    reg.state.commit();
    expect(reg.state.labels.has("CCRC-1")).toBe(true);
    expect(() => reg.state.commit()).toThrow();
  });

  it("replaying the encoded log entries rebuilds the same state", () => {
    const reg = new TestRegistry();
    const entries: Uint8Array[] = [];
    const record = (key: ReturnType<typeof testKey>, s: Statement) => {
      const r = check(reg.state, signStatement(key, s), reg.now, reg.config);
      if (isViolation(r) || r.kind !== "accepted") throw new Error("refused");
      entries.push(encodeLogEntry(r.submission, reg.now));
      apply(reg.state, { ...r.submission, sequencedAtUnix: reg.now }, reg.state.size);
    };
    record(
      reg.authority,
      statement({ $case: "categoryPublished", value: { categoryId: CATEGORY, name: "Cameras", description: "" } }),
    );
    record(
      reg.authority,
      statement({
        $case: "issuerAccredited",
        value: { issuerId: "CCRC", name: "C", publicKey: A.publicKey, scope: [{ categoryId: CATEGORY, maxTier: 3 }] },
      }),
    );
    record(
      reg.authority,
      statement({
        $case: "issuerAccredited",
        value: { issuerId: "TUV", name: "T", publicKey: B.publicKey, scope: [{ categoryId: CATEGORY, maxTier: 3 }] },
      }),
    );
    record(A, issue("CCRC-1"));
    record(
      A,
      statement(
        { $case: "labelSuspended", value: { reason: reason() } },
        { labelId: "CCRC-1", expectedLabelVersion: 1n },
      ),
    );
    record(
      reg.authority,
      statement(
        { $case: "labelRevoked", value: { reason: reason() } },
        { labelId: "CCRC-1", expectedLabelVersion: 2n },
      ),
    );
    record(
      reg.authority,
      statement({
        $case: "issuerKeyRotated",
        value: { issuerId: "TUV", newPublicKey: testKey(6).publicKey, reason: reason() },
      }),
    );
    record(testKey(6), issue("TUV-1"));
    const fresh = new TestRegistry();
    for (const bytes of entries) {
      const e = decodeStatementEntry(bytes);
      if (isViolation(e)) throw new Error(e.message);
      expect(check(fresh.state, e, e.sequencedAtUnix, fresh.config).kind).toBe("accepted");
      apply(fresh.state, e, fresh.state.size);
    }
    expect(snapshot(fresh.state)).toEqual(snapshot(reg.state));
    expect(() => apply(fresh.state, decodeLogEntry(entries[0]!) as never, 0)).toThrow(/next index/);
  });
});

describe("the state map's list limits", () => {
  // The lists are filled in the projected state directly: reaching the limits by statements
  // would take thousands of signatures.
  it("refuses a label past a product's label limit, a product past a manufacturer's, a key past an issuer's", () => {
    const reg = world();
    const m = labelIssued().manufacturer!;
    const product = `${m.registrationCode}\nEV-C200`;
    reg.state.productLabels.set(
      product,
      Array.from({ length: MAX_PRODUCT_LABELS }, (_, i) => `OLD-${i}`),
    );
    expect(reg.submit(A, issue("CCRC-1"))).toMatchObject({ code: "FAILED_PRECONDITION", rule: "product-label-limit" });
    reg.state.productLabels.set(
      product,
      Array.from({ length: MAX_PRODUCT_LABELS - 1 }, (_, i) => `OLD-${i}`),
    );
    expect(reg.submit(A, issue("CCRC-1")).kind).toBe("accepted");

    reg.state.manufacturerProducts.set(
      m.registrationCode,
      Array.from({ length: MAX_MANUFACTURER_PRODUCTS }, (_, i) => `${m.registrationCode}\nM-${i}`),
    );
    expect(reg.submit(A, issue("CCRC-2", { productModel: "new-model" }))).toMatchObject({
      code: "FAILED_PRECONDITION",
      rule: "manufacturer-product-limit",
    });

    for (let i = reg.state.keys.size; i < MAX_ISSUER_KEYS + 1; i++) {
      reg.state.keys.set(`fake-${i}`, {
        keyIdHex: `fake-${i}`,
        publicKey: new Uint8Array(32),
        issuerId: "TUV",
        fromIndex: 0,
        untilIndex: 0,
      });
    }
    const rotate = statement({
      $case: "issuerKeyRotated",
      value: { issuerId: "TUV", newPublicKey: testKey(30).publicKey, reason: reason() },
    });
    expect(reg.submit(reg.authority, rotate)).toMatchObject({ code: "FAILED_PRECONDITION", rule: "issuer-key-limit" });
  });
});
