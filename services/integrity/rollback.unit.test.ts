// The published-size record: rewritten after commits without ever going backwards, readable
// after any number of racing updates, and a damaged record is named, not ignored.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PublishedSizeRecorder, publishedSizePath, readPublishedSize } from "./rollback.js";

const dir = mkdtempSync(join(tmpdir(), "labelreg-record-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const root = (n: number) => new Uint8Array(32).fill(n);

describe("PublishedSizeRecorder", () => {
  it("coalesces a burst of commits into few writes, ending at the largest size; never goes back", async () => {
    const path = publishedSizePath(dir);
    const rec = new PublishedSizeRecorder(path, "test.example/log", undefined);
    const writes = Array.from({ length: 200 }, (_, i) => rec.record(i + 1, root((i + 1) % 256)));
    await Promise.all(writes);
    expect(readPublishedSize(path)).toEqual({ origin: "test.example/log", size: 200, root: root(200) });
    await rec.record(150, root(1));
    expect(readPublishedSize(path)?.size).toBe(200);
    await rec.record(120, root(2), true); // --accept-rollback: the operator moved it back
    expect(readPublishedSize(path)).toEqual({ origin: "test.example/log", size: 120, root: root(2) });
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("a damaged record is an error naming the file and the way out", () => {
    const path = join(dir, "damaged.json");
    for (const text of [
      "",
      "{",
      JSON.stringify({ origin: "o", size: -1, root: "00".repeat(32) }),
      JSON.stringify({ origin: "o", size: 1, root: "xyz" }),
    ]) {
      writeFileSync(path, text);
      expect(() => readPublishedSize(path)).toThrow(`${path}: the published-size record is damaged`);
    }
    expect(readPublishedSize(join(dir, "absent.json"))).toBeUndefined();
  });
});
