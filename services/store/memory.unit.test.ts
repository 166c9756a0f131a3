import { describe, expect, it } from "vitest";
import { utf8 } from "../../log/bytes.js";
import { describeLogStoreContract } from "../../test/store/contract.js";
import { syntheticBatch } from "../../test/store/synthetic.js";
import { MEMORY_APPEND_STEPS, MemoryLog, openMemoryStore } from "./memory.js";
import { StoreUnavailableError } from "./port.js";

describeLogStoreContract("memory", async () => {
  const log = new MemoryLog();
  return { open: async () => openMemoryStore(log), cleanup: async () => {} };
});

describe("memory store: a fault between any two steps of an append", () => {
  it("leaves the log and its state in step: nothing of the failed batch, then the next append lands whole", async () => {
    const log = new MemoryLog();
    const s = openMemoryStore(log);
    let size = 0;
    const batch = (n: number) => ({
      ...syntheticBatch("f", size, 2),
      state: {
        rows: [
          { table: "label" as const, key: "size", value: utf8(String(size + 2)) },
          { table: "labelEntry" as const, key: `batch ${n}`, value: utf8("x") },
        ],
        nodes: [{ path: new Uint8Array([0]), version: size + 1, node: utf8(`node ${n}`) }],
        values: [
          { key: new Uint8Array(32), version: size + 1, hash: new Uint8Array(32).fill(n), value: utf8(`v${n}`) },
        ],
      },
    });
    for (const [n, step] of MEMORY_APPEND_STEPS.entries()) {
      log.faults = (at) => {
        if (at === step) throw new Error(`fault at ${at}`);
      };
      await expect(s.append(batch(n)), step).rejects.toBeInstanceOf(StoreUnavailableError);
      expect((await s.latestCheckpoint())?.size ?? 0, step).toBe(size);
      expect(log.entries.length, step).toBe(size);
      const read = await s.state!.readState("label", ["size"]);
      expect(read.size).toBe(size);
      expect(read.values[0] && new TextDecoder().decode(read.values[0])).toBe(size === 0 ? undefined : String(size));
      expect((await s.state!.readState("labelEntry", [`batch ${n}`])).values[0], step).toBeUndefined();
      expect(await s.state!.readMapNodes([new Uint8Array([0])], size + 1)).toEqual(
        size === 0 ? [undefined] : [utf8(`node ${n - 1}`)],
      );
      expect(
        (await s.state!.readMapValues([{ key: new Uint8Array(32), hash: new Uint8Array(32).fill(n) }]))[0],
        step,
      ).toBeUndefined();
      // The same batch without the fault commits whole.
      log.faults = undefined;
      await s.append(batch(n));
      size += 2;
      expect((await s.state!.readState("label", ["size"])).values[0]).toEqual(utf8(String(size)));
      expect((await s.state!.readState("labelEntry", [`batch ${n}`])).values[0]).toEqual(utf8("x"));
    }
  });
});
