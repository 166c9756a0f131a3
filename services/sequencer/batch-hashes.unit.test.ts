import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toHex } from "../../log/bytes.js";
import type { Hash } from "../../log/hash.js";
import type { HashReader, SubtreeId } from "../../log/subtree.js";
import { BatchHashReader } from "./batch-hashes.js";

/** A reader whose hash for (level, index) spells both out, counting each subtree it is asked for. */
function countingReader(): { reader: HashReader; asked: Map<string, number> } {
  const asked = new Map<string, number>();
  const reader: HashReader = {
    readHashes: async (ids) =>
      ids.map((id) => {
        const k = `${id.level}/${id.index}`;
        asked.set(k, (asked.get(k) ?? 0) + 1);
        const h = new Uint8Array(32) as Hash;
        new DataView(h.buffer).setUint32(0, id.level);
        new DataView(h.buffer).setFloat64(8, id.index);
        return h;
      }),
  };
  return { reader, asked };
}

const id = fc.record({ level: fc.integer({ min: 0, max: 63 }), index: fc.integer({ min: 0, max: 2 ** 40 }) });

describe("BatchHashReader", () => {
  it("answers every read as the inner reader does, and asks it for each subtree once", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(id, { maxLength: 20 }), { maxLength: 20 }), async (reads) => {
        const { reader, asked } = countingReader();
        const direct = countingReader().reader;
        const batch = new BatchHashReader(reader);
        for (const ids of reads) {
          const got = await batch.readHashes(ids);
          const want = await direct.readHashes(ids);
          expect(got.map(toHex)).toEqual(want.map(toHex));
        }
        for (const [k, n] of asked) expect(n, k).toBe(1);
      }),
    );
  });

  it("asks once for a subtree named twice in one read", async () => {
    const { reader, asked } = countingReader();
    const batch = new BatchHashReader(reader);
    const a = { level: 2, index: 7 } as SubtreeId;
    const [x, y] = await batch.readHashes([a, a]);
    expect(toHex(x!)).toBe(toHex(y!));
    expect(asked.get("2/7")).toBe(1);
  });

  it("passes on the inner reader's failure, and a reader that answers the wrong number of hashes", async () => {
    const failing = new BatchHashReader({ readHashes: () => Promise.reject(new Error("tile missing")) });
    await expect(failing.readHashes([{ level: 0, index: 1 }])).rejects.toThrow("tile missing");
    const short = new BatchHashReader({ readHashes: async () => [] });
    await expect(short.readHashes([{ level: 0, index: 1 }] as SubtreeId[])).rejects.toThrow(/0 hashes for 1/);
  });
});
