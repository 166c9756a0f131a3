// The map values against a replay of a small log: whatever the batching, the map written batch by
// batch from the touched things equals the map of everything rebuilt from the state; every
// value's last_index is the index after which its bytes last changed; the touched set covers
// every change; and the values say what the state says.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bytesEqual, toHex } from "../../log/bytes.js";
import { defaultMapHasher as hasher } from "../../log/map/hash.js";
import { mapKey } from "../../log/map/key.js";
import { withValue } from "../../log/map/proof.js";
import { proveKeys } from "../../log/map/prove.js";
import { MemoryMapNodeStore } from "../../log/map/store.js";
import { updateMap } from "../../log/map/update.js";
import { verifyMapProof } from "../../log/map/verify.js";
import type { SignedStatement } from "../../proto/gen/messages/labelreg/v1/entry.js";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { IssuerStatus, LabelStatus } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { decodeMapProof, decodeMapValue, encodeMapProof } from "./map-wire.js";
import { mapEntries, MapTouched } from "./map-values.js";
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
  type TestKey,
} from "../../test/domain-testkit.js";
import { isViolation } from "./violation.js";

const A = testKey(2);
const B = testKey(3);
const C = testKey(4);
const AUTHORITY = new TestRegistry().authority;
const M1 = { name: "Example Vision", registrationCode: "91330100MA2AXXXX1X" };
const M2 = { name: "Example Locks", registrationCode: "91110000MA00LOCK2Y" };
const report = { sha256: new Uint8Array(32).fill(7), uri: "https://lab.example/r/2.pdf" };

const issue = (labelId: string, manufacturer: typeof M1, productModel: string) =>
  statement({ $case: "labelIssued", value: labelIssued({ manufacturer, productModel }) }, { labelId });
const change = (labelId: string, version: bigint, kind: Statement["kind"]) =>
  statement(kind, { labelId, expectedLabelVersion: version });

// The log: signed once, replayed by every run.
const SCRIPT: [TestKey, Statement][] = [
  [
    AUTHORITY,
    statement({
      $case: "categoryPublished",
      value: { categoryId: CATEGORY, name: "Consumer network cameras", description: "" },
    }),
  ],
  [
    AUTHORITY,
    statement({
      $case: "categoryPublished",
      value: { categoryId: "smart-lock", name: "Smart locks", description: "Door locks" },
    }),
  ],
  [
    AUTHORITY,
    statement({
      $case: "issuerAccredited",
      value: {
        issuerId: "CCRC",
        name: "CCRC certification",
        publicKey: A.publicKey,
        scope: [{ categoryId: CATEGORY, maxTier: 3 }],
      },
    }),
  ],
  [
    AUTHORITY,
    statement({
      $case: "issuerAccredited",
      value: { issuerId: "TUV", name: "TUV", publicKey: B.publicKey, scope: [{ categoryId: CATEGORY, maxTier: 3 }] },
    }),
  ],
  [A, issue("CCRC-1", M1, "EV-C200")],
  [A, issue("CCRC-2", M1, "ev-c300")],
  [B, issue("TUV-1", M2, "Lock-1")],
  [A, change("CCRC-1", 1n, { $case: "labelUpgraded", value: { tier: 3, testReport: report } })],
  [A, change("CCRC-2", 1n, { $case: "labelSuspended", value: { reason: reason() } })],
  [A, change("CCRC-2", 2n, { $case: "labelReinstated", value: { reason: reason() } })],
  [A, change("CCRC-1", 2n, { $case: "labelRevoked", value: { reason: reason() } })],
  [A, issue("CCRC-3", M1, "Ev-C200")],
  [
    AUTHORITY,
    statement({ $case: "issuerKeyRotated", value: { issuerId: "TUV", newPublicKey: C.publicKey, reason: reason() } }),
  ],
  [
    C,
    change("TUV-1", 1n, {
      $case: "labelRenewed",
      value: { validUntilUnix: T0 + 400n * DAY, securitySupportUntilUnix: 0n, testReport: undefined },
    }),
  ],
  [AUTHORITY, statement({ $case: "issuerSuspended", value: { issuerId: "CCRC", reason: reason() } })],
  [
    AUTHORITY,
    statement({
      $case: "issuerAccredited",
      value: {
        issuerId: "CCRC",
        name: "CCRC",
        publicKey: A.publicKey,
        scope: [
          { categoryId: CATEGORY, maxTier: 2 },
          { categoryId: "smart-lock", maxTier: 1 },
        ],
      },
    }),
  ],
  [C, change("TUV-1", 2n, { $case: "labelRevoked", value: { reason: reason() } })],
  [A, change("CCRC-3", 1n, { $case: "labelDowngraded", value: { tier: 1, reason: reason() } })],
  [AUTHORITY, change("CCRC-2", 3n, { $case: "labelRevoked", value: { reason: reason() } })],
  [C, issue("TUV-2", M2, "Lock-2")],
];
const SIGNED: { signed: SignedStatement; statement: Statement }[] = SCRIPT.map(([key, s]) => ({
  signed: signStatement(key, s),
  statement: s,
}));

function replay(cuts: ReadonlySet<number>, each?: (reg: TestRegistry, touched: MapTouched, index: number) => void) {
  const reg = new TestRegistry();
  const store = new MemoryMapNodeStore();
  let touched = new MapTouched();
  let root: Uint8Array = new Uint8Array(32);
  SIGNED.forEach(({ signed, statement: s }, i) => {
    const r = reg.submitSigned(signed);
    if (r.kind !== "accepted") throw new Error(`script statement ${i} refused: ${isViolation(r) ? r.message : ""}`);
    touched.add(reg.state, s);
    each?.(reg, touched, i);
    if (cuts.has(i) || i === SIGNED.length - 1) {
      root = updateMap(store, hasher, mapEntries(reg.state, touched, hasher));
      touched = new MapTouched();
    }
  });
  return { reg, store, root };
}

function rebuiltRoot(reg: TestRegistry): Uint8Array {
  return updateMap(new MemoryMapNodeStore(), hasher, mapEntries(reg.state, MapTouched.everything(reg.state), hasher));
}

describe("map values", () => {
  it("batch by batch from what each batch touched = rebuilt from the whole state, whatever the batching", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.nat(SIGNED.length - 1)), (cuts) => {
        const { reg, root } = replay(new Set(cuts));
        expect(toHex(root)).toBe(toHex(rebuiltRoot(reg)));
      }),
      { numRuns: 25 },
    );
  });

  it("last_index is where the value last changed, and every change was touched", () => {
    const lastChange = new Map<string, { bytes: Uint8Array; index: number }>();
    replay(new Set(), (reg, touched, index) => {
      const touchedKeys = new Set(mapEntries(reg.state, touched, hasher).map((e) => toHex(e.key)));
      for (const e of mapEntries(reg.state, MapTouched.everything(reg.state), hasher)) {
        const k = toHex(e.key);
        const before = lastChange.get(k);
        if (before === undefined || !bytesEqual(before.bytes, e.value)) {
          expect(touchedKeys.has(k)).toBe(true);
          lastChange.set(k, { bytes: e.value, index });
        }
      }
    });
    for (const { bytes, index } of lastChange.values()) {
      const v = decodeMapValue(bytes);
      if (isViolation(v)) throw new Error(v.message);
      expect(v.lastIndex).toBe(BigInt(index));
    }
    // Every kind is there: 3 labels of M1 products, 2 of M2, 4 products, 2 manufacturers, 2 issuers, 2 categories.
    expect(lastChange.size).toBe(5 + 4 + 2 + 2 + 2);
  });

  it("the values say what the state says, and prove so", () => {
    const { reg, store, root } = replay(new Set([3, 9, 14]));
    const value = (kind: Parameters<typeof mapKey>[1], id: string) => {
      const key = mapKey(hasher, kind, id);
      const entry = mapEntries(reg.state, MapTouched.everything(reg.state), hasher).find((e) =>
        bytesEqual(e.key, key),
      )!;
      // Through the wire and back, as a reader gets it.
      const proof = decodeMapProof(encodeMapProof(withValue(hasher, key, proveKeys(store, [key])[0]!, entry.value)));
      if (isViolation(proof)) throw new Error(proof.message);
      const r = verifyMapProof(hasher, root, key, proof);
      if (!r.present) throw new Error("not present");
      const v = decodeMapValue(r.value);
      if (isViolation(v)) throw new Error(v.message);
      return v;
    };
    const l1 = value("label", "CCRC-1");
    expect(l1.kind).toMatchObject({
      $case: "label",
      value: { labelId: "CCRC-1", tier: 3, state: LabelStatus.LABEL_STATUS_REVOKED, version: 3n },
    });
    expect(l1.lastIndex).toBe(10n);
    expect(value("label", "CCRC-2").kind).toMatchObject({
      value: { state: LabelStatus.LABEL_STATUS_REVOKED, version: 4n },
    });
    expect(value("product", `${M1.registrationCode}\nEV-C200`)).toEqual({
      lastIndex: 11n,
      kind: {
        $case: "product",
        value: {
          registrationCode: M1.registrationCode,
          model: "EV-C200",
          labelIds: ["CCRC-1", "CCRC-3"],
          liveLabelId: "CCRC-3",
        },
      },
    });
    expect(value("product", `${M1.registrationCode}\nEV-C300`)).toMatchObject({
      lastIndex: 18n,
      kind: { value: { labelIds: ["CCRC-2"], liveLabelId: "" } },
    });
    expect(value("manufacturer", M1.registrationCode)).toEqual({
      lastIndex: 5n,
      kind: {
        $case: "manufacturer",
        value: { registrationCode: M1.registrationCode, productModels: ["EV-C200", "EV-C300"] },
      },
    });
    expect(value("manufacturer", M2.registrationCode)).toMatchObject({
      lastIndex: 19n,
      kind: { value: { productModels: ["LOCK-1", "LOCK-2"] } },
    });
    const tuv = value("issuer", "TUV");
    expect(tuv.lastIndex).toBe(12n);
    expect(tuv.kind).toMatchObject({
      value: {
        status: IssuerStatus.ISSUER_STATUS_ACTIVE,
        keys: [
          { fromIndex: 3n, untilIndex: 12n },
          { fromIndex: 12n, untilIndex: 0n },
        ],
      },
    });
    expect(value("issuer", "CCRC")).toMatchObject({
      lastIndex: 15n,
      kind: {
        value: {
          scope: [
            { categoryId: CATEGORY, maxTier: 2 },
            { categoryId: "smart-lock", maxTier: 1 },
          ],
        },
      },
    });
    expect(value("category", "smart-lock")).toEqual({
      lastIndex: 1n,
      kind: { $case: "category", value: { categoryId: "smart-lock", name: "Smart locks", description: "Door locks" } },
    });
    // Absent things prove absent.
    for (const [kind, id] of [
      ["label", "CCRC-999"],
      ["product", `${M2.registrationCode}\nEV-C200`],
      ["issuer", "NOPE"],
    ] as const) {
      const key = mapKey(hasher, kind, id);
      expect(verifyMapProof(hasher, root, key, proveKeys(store, [key])[0]!)).toEqual({ present: false });
    }
  });
});
