// The read cache keeps the store contract, and serves committed entries and tiles it has seen
// while the store behind it is unavailable (here: a memory store that was closed, which rejects
// every call with StoreUnavailableError, as a dead database does).
import { describe, expect, it } from "vitest";
import { describeLogStoreContract } from "../../test/store/contract.js";
import { MemoryLog, openMemoryStore } from "./memory.js";
import { StoreUnavailableError } from "./port.js";
import { withReadCache } from "./read-cache.js";
import { syntheticBatch } from "../../test/store/synthetic.js";

describeLogStoreContract("memory behind a read cache", async () => {
  const log = new MemoryLog();
  return { open: async () => withReadCache(openMemoryStore(log)), cleanup: async () => undefined };
});

describe("read cache while the store is down", () => {
  it("serves entries and tiles it saw (appended here or read), and fails the rest with StoreUnavailableError", async () => {
    const log = new MemoryLog();
    const writer = openMemoryStore(log);
    const first = syntheticBatch("w", 0, 300);
    const second = syntheticBatch("w", 300, 20);
    await writer.append(first);
    await writer.append(second);
    const inner = openMemoryStore(log);
    const cached = withReadCache(inner);
    await cached.readEntries(250, 320);
    const partial = await cached.readTile(0, 1);
    const full = await cached.readTile(0, 0);

    await inner.close(); // the store goes away
    expect(await cached.readEntries(250, 320)).toEqual([...first.entries.slice(250), ...second.entries]);
    expect(await cached.readTile(0, 1)).toEqual(partial);
    expect(await cached.readTile(0, 0)).toEqual(full);
    await expect(cached.readEntries(0, 10)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(cached.readTile(1, 0)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(cached.latestCheckpoint()).rejects.toBeInstanceOf(StoreUnavailableError);
    // Never past what was committed: a range beyond it is still the store's to answer.
    await expect(cached.readEntries(300, 321)).rejects.toBeInstanceOf(StoreUnavailableError);
    await cached.close();
    await expect(cached.readEntries(250, 260)).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it("a writer's own appends are cached; eviction keeps it within its budget", async () => {
    const inner = openMemoryStore();
    const cached = withReadCache(inner, { maxBytes: 64 * 1024 });
    let size = 0;
    for (let i = 0; i < 50; i++) {
      const b = syntheticBatch("w", size, 20, { lengthOf: () => 500 });
      await cached.append(b);
      size += 20;
    }
    await inner.close();
    // The newest entries are still there; the oldest were evicted (64 KiB holds about 110).
    expect(await cached.readEntries(size - 50, size)).toHaveLength(50);
    await expect(cached.readEntries(0, 50)).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
