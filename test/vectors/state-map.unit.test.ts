// The state map's golden vectors (state-map.json) against the code: roots by the map and by the
// naive reference, every proof verifies to what it claims and is exactly the proof the map
// gives, every value of the 1,000-key map is a canonical MapValue under its own key, and the
// committed script regenerates the committed file.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bytesEqual, fromHex, toHex } from "../../log/bytes.js";
import { defaultMapHasher as hasher } from "../../log/map/hash.js";
import { mapKey } from "../../log/map/key.js";
import type { MapProof } from "../../log/map/proof.js";
import { proveKeys } from "../../log/map/prove.js";
import { MemoryMapNodeStore } from "../../log/map/store.js";
import { updateMap } from "../../log/map/update.js";
import { verifyMapProof } from "../../log/map/verify.js";
import { decodeMapValue } from "../../services/domain/map-wire.js";
import { isViolation } from "../../services/domain/violation.js";
import { naiveMapRoot } from "../naive-map.js";
import { stateMapVectors, type VectorMap, type VectorProof } from "./state-map.gen.js";

const text = readFileSync(new URL("./state-map.json", import.meta.url), "utf8");
const vectors = JSON.parse(text) as { maps: VectorMap[] };

function proofOf(p: VectorProof): MapProof {
  const siblings = p.siblings.map(fromHex);
  if (p.present) return { siblings, terminal: { kind: "value", value: fromHex(p.value!) } };
  if (p.empty) return { siblings, terminal: { kind: "empty" } };
  return { siblings, terminal: { kind: "leaf", key: fromHex(p.leaf_key!), valueHash: fromHex(p.leaf_value_hash!) } };
}

describe("state map vectors", () => {
  it("has the maps the format promises", () => {
    expect(vectors.maps.map((m) => m.entries.length)).toEqual([0, 1, 2, 3, 1000]);
    for (const m of vectors.maps) {
      expect(m.proofs.some((p) => !p.present)).toBe(true);
      if (m.entries.length > 0) expect(m.proofs.some((p) => p.present)).toBe(true);
    }
    expect(vectors.maps[0]!.root).toBe("00".repeat(32));
  });

  vectors.maps.forEach((m, n) => {
    it(`map ${n} (${m.entries.length} keys): roots, proofs`, () => {
      const entries = m.entries.map((e) => ({ key: fromHex(e.key), value: fromHex(e.value) }));
      const store = new MemoryMapNodeStore();
      expect(toHex(updateMap(store, hasher, entries))).toBe(m.root);
      expect(toHex(naiveMapRoot(entries))).toBe(m.root);
      const root = fromHex(m.root);
      const ours = proveKeys(
        store,
        m.proofs.map((p) => fromHex(p.key)),
      );
      m.proofs.forEach((p, i) => {
        const key = fromHex(p.key);
        const held = entries.find((e) => bytesEqual(e.key, key));
        expect(p.present).toBe(held !== undefined);
        const r = verifyMapProof(hasher, root, key, proofOf(p));
        expect(r.present).toBe(p.present);
        if (r.present) {
          expect(toHex(r.value)).toBe(toHex(held!.value));
          expect(p.leaf_key).toBe(p.key);
          expect(p.leaf_value_hash).toBe(toHex(hasher.digest(held!.value)));
        }
        // Exactly the proof the map gives.
        expect(ours[i]!.siblings.map(toHex)).toEqual(p.siblings);
        const t = ours[i]!.terminal;
        if (p.empty) expect(t.kind).toBe("empty");
        else
          expect(t.kind === "leaf" && toHex(t.key) === p.leaf_key && toHex(t.valueHash) === p.leaf_value_hash).toBe(
            true,
          );
      });
    });
  });

  it("the 1,000-key map holds canonical MapValues, each under its own key", () => {
    const kinds = new Set<string>();
    for (const e of vectors.maps[4]!.entries) {
      const v = decodeMapValue(fromHex(e.value));
      if (isViolation(v)) throw new Error(v.message);
      const k = v.kind!;
      kinds.add(k.$case);
      const id =
        k.$case === "label"
          ? k.value.labelId
          : k.$case === "product"
            ? `${k.value.registrationCode}\n${k.value.model}`
            : k.$case === "manufacturer"
              ? k.value.registrationCode
              : k.$case === "issuer"
                ? k.value.issuerId
                : k.value.categoryId;
      expect(toHex(mapKey(hasher, k.$case, id))).toBe(e.key);
    }
    expect([...kinds].sort()).toEqual(["category", "issuer", "label", "manufacturer", "product"]);
  });

  it("the committed script writes the committed file", () => {
    expect(JSON.stringify(stateMapVectors(), null, 1) + "\n").toBe(text);
  }, 60_000);
});
