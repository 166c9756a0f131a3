// Timing for the benchmarks: warm up, then several timed repetitions, and report the median rate.
//
// A repetition runs the operation in a loop sized (during warm-up) to last about `repMs`, so
// timer resolution and loop overhead stay negligible; the median of the repetitions resists the
// odd GC pause that a mean would absorb.
//
// Rates are per second of this process's CPU time (user + system, process.cpuUsage), not of wall
// time: the benchmark shares its machine with other work (tests, builds), and time spent
// descheduled is not the code's cost. On an idle machine the two agree within a few percent (GC
// helper threads count against the code); both are kept, wall-clock rates in `wallPerSecond`.

export interface Rate {
  /** Operations (or units, see `unitsPerOp`) per second: the median over repetitions. */
  readonly perSecond: number;
  /** Every repetition's rate, in run order. */
  readonly reps: readonly number[];
  /** The median rate per second of wall-clock time. */
  readonly wallPerSecond: number;
  /** Operations per repetition. */
  readonly opsPerRep: number;
}

export interface MeasureOptions {
  /** Timed repetitions (default 5). */
  readonly reps?: number;
  /** Target duration of one repetition in ms (default 200). */
  readonly repMs?: number;
  /**
   * Extra warm-up before calibration, in ms of CPU time (default 0): for operations whose cost
   * settles only once caches fill, so that the steady state is what gets measured.
   */
  readonly warmupMs?: number;
  /** Units each operation stands for (e.g. entries in a batch); rates are in units per second. */
  readonly unitsPerOp?: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Times of one repetition, in ms. */
interface Timing {
  cpu: number;
  wall: number;
}

/** Runs `body` and returns its CPU and wall-clock time. */
export async function timed(body: () => Promise<void>): Promise<Timing> {
  const c0 = process.cpuUsage();
  const w0 = performance.now();
  await body();
  const wall = performance.now() - w0;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000, wall };
}

/** Loop count that makes one repetition last about `repMs`, found by doubling (this is the warm-up). */
async function calibrate(run: (n: number) => Promise<Timing>, repMs: number): Promise<number> {
  let n = 1;
  for (;;) {
    const ms = (await run(n)).cpu;
    if (ms >= repMs / 4 || n >= 2 ** 30) return Math.max(1, Math.round((n * repMs) / Math.max(ms, 0.001)));
    n *= ms < repMs / 64 ? 8 : 2;
  }
}

async function rateOf(run: (n: number) => Promise<Timing>, options: MeasureOptions): Promise<Rate> {
  const repMs = options.repMs ?? 200;
  const units = options.unitsPerOp ?? 1;
  if (options.warmupMs) {
    let spent = 0;
    for (let n = 64; spent < options.warmupMs; n *= 2) spent += (await run(n)).cpu;
  }
  const n = await calibrate(run, repMs);
  await run(n); // one more full-length warm-up repetition, discarded
  const reps: number[] = [];
  const wall: number[] = [];
  for (let r = 0; r < (options.reps ?? 5); r++) {
    const t = await run(n);
    // getrusage ticks can be coarse; never divide by (almost) zero.
    reps.push((n * units * 1000) / Math.max(t.cpu, 0.001));
    wall.push((n * units * 1000) / t.wall);
  }
  return { perSecond: median(reps), reps, wallPerSecond: median(wall), opsPerRep: n };
}

/** Rate of a synchronous operation; `op(i)` gets a running counter to vary its input. */
export function measureSync(op: (i: number) => unknown, options: MeasureOptions = {}): Promise<Rate> {
  return rateOf(syncRunner(op), options);
}

/** Rate of an asynchronous operation, awaited one at a time. */
export function measureAsync(op: (i: number) => Promise<unknown>, options: MeasureOptions = {}): Promise<Rate> {
  let i = 0;
  const run = (n: number) =>
    timed(async () => {
      for (let k = 0; k < n; k++) await op(i++);
    });
  return rateOf(run, options);
}

/** A small deterministic PRNG (mulberry32) so runs draw the same "random" indices. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function syncRunner(op: (i: number) => unknown): (n: number) => Promise<Timing> {
  let i = 0;
  let sink: unknown;
  return (n) =>
    timed(async () => {
      for (let k = 0; k < n; k++) sink = op(i++);
      if (sink === Symbol.for("never")) console.log(sink); // keep the results observable
    });
}

/**
 * Rates of `op` and of a reference operation, their repetitions interleaved (ref, op, ref, op...),
 * so that a ratio between them holds even while the machine's load drifts during the run.
 * `ratio` is the median of the ratios of each adjacent pair of repetitions: a burst of load from
 * elsewhere spoils one pair, where it could move the median of either rate on its own.
 */
export async function measureSyncPair(
  ref: () => unknown,
  op: (i: number) => unknown,
  options: MeasureOptions = {},
): Promise<{ ref: Rate; op: Rate; ratio: number }> {
  const repMs = options.repMs ?? 200;
  const runs = [syncRunner(ref), syncRunner(op)];
  const units = [1, options.unitsPerOp ?? 1];
  const ns: number[] = [];
  for (const run of runs) {
    ns.push(await calibrate(run, repMs));
    await run(ns[ns.length - 1]!);
  }
  const cpu: number[][] = [[], []];
  const wall: number[][] = [[], []];
  for (let r = 0; r < (options.reps ?? 5); r++) {
    for (let j = 0; j < 2; j++) {
      const t = await runs[j]!(ns[j]!);
      cpu[j]!.push((ns[j]! * units[j]! * 1000) / Math.max(t.cpu, 0.001));
      wall[j]!.push((ns[j]! * units[j]! * 1000) / t.wall);
    }
  }
  const pack = (j: number): Rate => ({
    perSecond: median(cpu[j]!),
    reps: cpu[j]!,
    wallPerSecond: median(wall[j]!),
    opsPerRep: ns[j]!,
  });
  return { ref: pack(0), op: pack(1), ratio: median(cpu[1]!.map((r, i) => r / cpu[0]![i]!)) };
}
