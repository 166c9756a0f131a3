// A min-heap of (time, label id): the validity starts and ends the statistics have still to pass.

export class TimeQueue {
  private readonly times: number[] = [];
  private readonly ids: string[] = [];

  get length(): number {
    return this.times.length;
  }

  /** Queues `id` at `time`, unless `time` is not after `now` (nothing left to pass). */
  push(time: number, id: string, now: number): void {
    if (time <= now) return;
    const { times, ids } = this;
    let i = times.length;
    times.push(time);
    ids.push(id);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent]! <= time) break;
      times[i] = times[parent]!;
      ids[i] = ids[parent]!;
      i = parent;
    }
    times[i] = time;
    ids[i] = id;
  }

  /** The items whose time is at most `until`, in no particular order; the queue is unchanged. */
  until(until: number): { time: number; id: string }[] {
    const out: { time: number; id: string }[] = [];
    // A heap's item is never earlier than its parent: only subtrees of due items can hold due items.
    const stack = [0];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (i >= this.times.length || this.times[i]! > until) continue;
      out.push({ time: this.times[i]!, id: this.ids[i]! });
      stack.push(2 * i + 1, 2 * i + 2);
    }
    return out;
  }

  /** Removes and returns the earliest item if its time is at most `until`. */
  popUntil(until: number): { time: number; id: string } | undefined {
    const { times, ids } = this;
    if (times.length === 0 || times[0]! > until) return undefined;
    const top = { time: times[0]!, id: ids[0]! };
    const lastTime = times.pop()!;
    const lastId = ids.pop()!;
    const n = times.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const c = r < n && times[r]! < times[l]! ? r : l;
        if (times[c]! >= lastTime) break;
        times[i] = times[c]!;
        ids[i] = ids[c]!;
        i = c;
      }
      times[i] = lastTime;
      ids[i] = lastId;
    }
    return top;
  }
}
