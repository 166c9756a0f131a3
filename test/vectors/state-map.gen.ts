// Generates test/vectors/state-map.json, the state map's golden vectors (log/map/README.md):
//
//   npx tsx test/vectors/state-map.gen.ts
//
// Maps of 0 keys, 1 key, 2 keys sharing a 250-bit prefix, 3 keys, and 1,000 keys holding the
// real MapValue encodings of a small registry replayed with the testkit; each with proofs of
// present keys (with their values) and of absent keys (ending at an empty subtree and at another
// key's leaf). Deterministic: rerunning gives the same file.
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { toHex } from "../../log/bytes.js";
import { compareKeys, defaultMapHasher as hasher, type MapKey } from "../../log/map/hash.js";
import { mapKey } from "../../log/map/key.js";
import { proveKeys } from "../../log/map/prove.js";
import { MemoryMapNodeStore } from "../../log/map/store.js";
import { updateMap, type MapEntry } from "../../log/map/update.js";
import { Tier } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { mapEntries, MapTouched } from "../../services/domain/map-values.js";
import { CATEGORY, labelIssued, reason, statement, testKey, TestRegistry } from "../domain-testkit.js";

export interface VectorProof {
  key: string;
  present: boolean;
  siblings: string[];
  empty?: true;
  leaf_key?: string;
  leaf_value_hash?: string;
  value?: string;
}
export interface VectorMap {
  entries: { key: string; value: string }[];
  root: string;
  proofs: VectorProof[];
}

/** The map of `entries`, with proofs of every `proveEvery`-th entry (in key order) and of `absent`. */
function vectorMap(entries: MapEntry[], absent: MapKey[], proveEvery = 1): VectorMap {
  const store = new MemoryMapNodeStore();
  const root = updateMap(store, hasher, entries);
  const sorted = [...entries].sort((a, b) => compareKeys(a.key, b.key));
  const proved = sorted.filter((_, i) => i % proveEvery === 0);
  const keys = [...proved.map((e) => e.key), ...absent];
  const proofs = proveKeys(store, keys).map((p, i): VectorProof => {
    const out: VectorProof = { key: toHex(keys[i]!), present: i < proved.length, siblings: p.siblings.map(toHex) };
    if (p.terminal.kind === "empty") out.empty = true;
    else if (p.terminal.kind === "leaf") {
      out.leaf_key = toHex(p.terminal.key);
      out.leaf_value_hash = toHex(p.terminal.valueHash);
    }
    if (i < proved.length) out.value = toHex(proved[i]!.value);
    return out;
  });
  return { entries: sorted.map((e) => ({ key: toHex(e.key), value: toHex(e.value) })), root: toHex(root), proofs };
}

const utf = (s: string) => new TextEncoder().encode(s);
const key = (id: string) => mapKey(hasher, "label", id);

/** A key equal to `base` but for bit `i` (and the bits after it cleared or set by `tail`). */
function branch(base: Uint8Array, i: number, tail = 0): Uint8Array {
  const k = Uint8Array.from(base);
  k[i >> 3]! ^= 0x80 >> (i & 7);
  for (let j = i + 1; j < 256; j++) k[j >> 3] = (k[j >> 3]! & ~(0x80 >> (j & 7))) | (tail ? 0x80 >> (j & 7) : 0);
  return k;
}

/** The 1,000 keys of a registry: 2 categories, 3 issuers, 25 manufacturers, 485 products and labels. */
function registryEntries(): MapEntry[] {
  const reg = new TestRegistry();
  reg.publishCategory();
  reg.publishCategory("smart-lock");
  const issuers = ["CCRC", "TUV", "BSI"].map((id, i) => ({ id, key: testKey(10 + i) }));
  for (const { id, key } of issuers) reg.accredit(id, key, [{ categoryId: CATEGORY, maxTier: 3 }]);
  for (let n = 0; n < 485; n++) {
    const { id, key } = issuers[n % 3]!;
    const m = n % 25;
    const value = labelIssued({
      manufacturer: {
        name: `Manufacturer ${m} Co., Ltd.`,
        registrationCode: `9133010${String(m).padStart(2, "0")}MA2AXXXX${m % 10}`,
      },
      productModel: `Cam-${n}`,
      tier: [Tier.TIER_BASIC, Tier.TIER_ENHANCED, Tier.TIER_LEADING][n % 3]!,
    });
    reg.must(key, statement({ $case: "labelIssued", value }, { labelId: `${id}-${2026000000 + n}` }));
    if (n % 12 === 5)
      reg.must(
        key,
        statement(
          { $case: "labelSuspended", value: { reason: reason() } },
          { labelId: `${id}-${2026000000 + n}`, expectedLabelVersion: 1n },
        ),
      );
    if (n % 12 === 7)
      reg.must(
        key,
        statement(
          { $case: "labelRevoked", value: { reason: reason() } },
          { labelId: `${id}-${2026000000 + n}`, expectedLabelVersion: 1n },
        ),
      );
  }
  const entries = mapEntries(reg.state, MapTouched.everything(reg.state), hasher);
  if (entries.length !== 1000) throw new Error(`expected 1000 map entries, got ${entries.length}`);
  return entries;
}

export function stateMapVectors(): { maps: VectorMap[] } {
  const a = key("CCRC-1");
  const b = key("CCRC-2");
  const c = key("CCRC-3");
  // Two keys sharing their first 250 bits.
  const near0 = new Uint8Array(32).fill(0x5a);
  const near1 = branch(near0, 250);
  const big = registryEntries();
  const bigAbsent = [
    mapKey(hasher, "product", "91330100MA2AXXXX1X\nNO-SUCH-MODEL"),
    mapKey(hasher, "issuer", "NOPE"),
    mapKey(hasher, "manufacturer", "000000000000000000"),
  ];
  for (let i = 0; bigAbsent.length < 10; i++) bigAbsent.push(key(`ABSENT-${i}`));
  return {
    maps: [
      vectorMap([], [a, new Uint8Array(32)]),
      vectorMap([{ key: a, value: utf("one") }], [b, branch(a, 0), branch(a, 255)]),
      vectorMap(
        [
          { key: near0, value: utf("near 0") },
          { key: near1, value: utf("near 1") },
        ],
        [branch(near0, 0), branch(near0, 100), branch(near0, 251), branch(near0, 252, 1), branch(near1, 255)],
      ),
      vectorMap(
        [
          { key: a, value: utf("a") },
          { key: b, value: utf("b") },
          { key: c, value: utf("c") },
        ],
        [key("CCRC-4"), branch(a, 200), branch(b, 1), branch(c, 255), new Uint8Array(32).fill(255)],
      ),
      vectorMap(big, bigAbsent, 50),
    ],
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = fileURLToPath(new URL("./state-map.json", import.meta.url));
  writeFileSync(out, JSON.stringify(stateMapVectors(), null, 1) + "\n");
  console.log(`wrote ${out}`);
}
