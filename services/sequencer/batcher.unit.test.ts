import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { Batcher, BatcherClosedError, QueueFullError, type ItemResult } from "./batcher.js";

const ok = <R>(value: R): ItemResult<R> => ({ ok: true, value });

// The batcher reads performance.now() and sets timers: both are faked, so lingering is exact and
// no test sleeps. A batch starts synchronously when nothing lingers; tests wait on that event.
describe("Batcher", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("processes one batch at a time and groups items that arrive during a batch", async () => {
    const batches: number[][] = [];
    let running = 0;
    let release: (() => void) | undefined;
    const b = new Batcher<number, number>({ maxPending: 100, maxBatch: 10, lingerMs: 0 }, async (items) => {
      running++;
      expect(running).toBe(1);
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      running--;
      return items.map((i) => ok(i * 2));
    });
    const first = b.enqueue(1);
    expect(batches).toEqual([[1]]); // started at once: nothing lingers
    const rest = [2, 3, 4].map((i) => b.enqueue(i));
    release!();
    expect(await first).toBe(2);
    expect(await Promise.all(rest)).toEqual([4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it("after a batch, lets a few waiting items wait until the oldest is lingerMs old, so later ones join them", async () => {
    const batches: number[][] = [];
    let release: (() => void) | undefined;
    const b = new Batcher<number, number>({ maxPending: 100, maxBatch: 10, lingerMs: 60 }, async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      return items.map(ok);
    });
    const first = b.enqueue(1);
    await vi.advanceTimersByTimeAsync(59);
    expect(batches).toEqual([]); // an idle batcher lingers too
    await vi.advanceTimersByTimeAsync(1);
    expect(batches).toEqual([[1]]); // batch [1] is running
    const second = b.enqueue(2);
    release!();
    await first;
    await vi.advanceTimersByTimeAsync(10); // batch [1] is done; 2 has waited 10 ms of its 60
    expect(batches).toEqual([[1]]);
    const third = b.enqueue(3);
    await vi.advanceTimersByTimeAsync(49);
    expect(batches).toEqual([[1]]);
    await vi.advanceTimersByTimeAsync(1); // 2 is 60 ms old: it goes, with 3
    expect(batches).toEqual([[1], [2, 3]]);
    expect(await Promise.all([second, third])).toEqual([2, 3]);
  });

  it("caps batch size", async () => {
    const sizes: number[] = [];
    const b = new Batcher<number, number>({ maxPending: 100, maxBatch: 3, lingerMs: 1 }, async (items) => {
      sizes.push(items.length);
      return items.map(ok);
    });
    const all = Promise.all(Array.from({ length: 10 }, (_, i) => b.enqueue(i)));
    await vi.runAllTimersAsync();
    await all;
    expect(sizes.reduce((a, c) => a + c, 0)).toBe(10);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(3);
  });

  it("refuses with QueueFullError when the pending queue is full, and keeps serving others", async () => {
    const releases: (() => void)[] = [];
    const b = new Batcher<number, number>({ maxPending: 2, maxBatch: 1, lingerMs: 0 }, async (items) => {
      await new Promise<void>((r) => releases.push(r));
      return items.map(ok);
    });
    const a = b.enqueue(1);
    expect(releases).toHaveLength(1); // 1 is in flight
    const p2 = b.enqueue(2);
    const p3 = b.enqueue(3);
    await expect(b.enqueue(4)).rejects.toBeInstanceOf(QueueFullError);
    releases[0]!();
    await a;
    await vi.waitFor(() => expect(releases).toHaveLength(2));
    releases[1]!();
    await p2;
    await vi.waitFor(() => expect(releases).toHaveLength(3));
    releases[2]!();
    expect(await p3).toBe(3);
  });

  it("delivers per-item errors and whole-batch failures to the right callers", async () => {
    const b = new Batcher<number, number>({ maxPending: 10, maxBatch: 10, lingerMs: 2 }, async (items) => {
      if (items.includes(99)) throw new Error("store down");
      return items.map((i) => (i % 2 ? ok(i) : { ok: false, error: new Error(`even ${i}`) }));
    });
    const settled = Promise.allSettled([b.enqueue(1), b.enqueue(2)]);
    await vi.advanceTimersByTimeAsync(2);
    const [r1, r2] = await settled;
    expect(r1).toEqual({ status: "fulfilled", value: 1 });
    expect(r2.status).toBe("rejected");
    const failed = expect(b.enqueue(99)).rejects.toThrow("store down");
    await vi.advanceTimersByTimeAsync(2);
    await failed;
  });

  it("close() drains what was enqueued and then refuses new items", async () => {
    const b = new Batcher<number, number>({ maxPending: 10, maxBatch: 2, lingerMs: 5 }, async (items) => items.map(ok));
    const ps = [1, 2, 3].map((i) => b.enqueue(i));
    await b.close();
    expect(await Promise.all(ps)).toEqual([1, 2, 3]);
    await expect(b.enqueue(4)).rejects.toBeInstanceOf(BatcherClosedError);
  });
});
