// A partial state loaded from the store's rows (StoredStateFetch) holds exactly the records of
// the registry's complete state, for every label, product, manufacturer and request id of a
// workload of every statement kind; a store at another size than the reader's is refused.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { T0 } from "../../test/domain-testkit.js";
import { authority, openRegistry, stateWorkload } from "../../test/state-rows-kit.js";
import { emptyKeys, prefetch } from "../domain/batch-keys.js";
import { RegistryState } from "../domain/state.js";
import { openMemoryStore } from "./memory.js";
import type { LogStore } from "./port.js";
import { openSqliteStore } from "./sqlite.js";
import { StateSizeError, StoredStateFetch } from "./state-fetch.js";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const backends: [string, () => Promise<LogStore>][] = [
  ["memory", async () => openMemoryStore()],
  [
    "SQLite",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "labelreg-fetch-"));
      dirs.push(dir);
      return openSqliteStore({ dir });
    },
  ],
];

describe.each(backends)("StoredStateFetch over %s", (_name, openStore) => {
  it("loads every record of the complete state, and nothing but absences for unknown keys", async () => {
    const store = await openStore();
    const clock = { now: T0 };
    const registry = await openRegistry(store, clock);
    try {
      await stateWorkload(registry, clock);
      const full = registry.view.state;
      const size = registry.view.size;
      const part = new RegistryState(authority.publicKey, { partial: true, size });
      const keys = emptyKeys();
      for (const id of [...full.labels.keys(), "NOPE-1"]) keys.labels.add(id);
      for (const k of [...full.productLabels.keys(), "91310000MA1FL8TQ3X\nNOPE"]) keys.products.add(k);
      for (const c of [...full.manufacturerProducts.keys(), "91000000000000000X"]) keys.manufacturers.add(c);
      for (const r of [...full.requests.keys(), "@authority\nnope"]) keys.requests.add(r);
      expect(keys.labels.size).toBeGreaterThan(5);
      await prefetch(part, keys, new StoredStateFetch(store.state!, () => size));
      for (const [id, label] of full.labels) expect(part.labels.get(id), id).toEqual(label);
      for (const [k, ids] of full.productLabels) {
        expect(part.productLabels.get(k)).toEqual(ids);
        expect(part.liveByProduct.get(k)).toEqual(full.liveByProduct.get(k));
      }
      for (const [c, products] of full.manufacturerProducts) expect(part.manufacturerProducts.get(c)).toEqual(products);
      for (const [r, record] of full.requests) expect(part.requests.get(r)).toEqual(record);
      expect([part.labels.get("NOPE-1"), part.productLabels.get("91310000MA1FL8TQ3X\nNOPE")]).toEqual([
        undefined,
        undefined,
      ]);
      expect(part.manufacturerProducts.has("91000000000000000X")).toBe(false);
      expect(part.requests.has("@authority\nnope")).toBe(false);

      // A reader whose state is at another size than the store's gets no rows.
      const stale = new StoredStateFetch(store.state!, () => size - 1);
      await expect(stale.labels(["NOPE-1"])).rejects.toBeInstanceOf(StateSizeError);
      await expect(stale.requests(["@authority\nnope"])).rejects.toThrow(/at size \d+, the reader's state at \d+/);
    } finally {
      await registry.close();
    }
  });
});
