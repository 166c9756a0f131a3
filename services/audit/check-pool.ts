// Worker threads for the stateless part of an audit (entry-check.ts): leaf hashes, decoding and
// signatures of whole batches of entries, in parallel on every core, so the main thread keeps
// only what must run in log order (the rules and the projections). A batch goes out as one
// transferred buffer and comes back as one buffer of fixed-size records: no per-entry messages,
// promises or structured clones.
//
// Keys: each worker has a table of the public keys it may verify with (the authority's, any key
// a statement it decoded names, any key taught to every worker with teach()). An entry signed
// with a key its worker did not know yet comes back unchecked (SIG_UNCHECKED), and the auditor
// verifies it itself when the rules need the verdict, so the verdicts never depend on which
// worker saw what first. If a worker fails or the pool is closed, batches run on this thread.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { nodeEntryCheckDeps as localDeps } from "./check-deps.js";
import { checkEntries, EntryResults, KeyTable, packEntries, type CheckedBatch } from "./entry-check.js";

interface Pending {
  readonly entries: readonly Uint8Array[];
  readonly resolve: (r: EntryResults) => void;
}

interface Lane {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
  outstanding: number;
  dead: boolean;
}

/**
 * The worker's module, loaded through tsx's loader when this file runs as TypeScript (tsx, the
 * labelreg bin, vitest all do), directly when it was compiled to JavaScript.
 */
function workerSource(): string {
  const self = import.meta.url;
  const ts = self.endsWith(".ts");
  const url = new URL(`./check-worker.${ts ? "ts" : "js"}`, self).href;
  const load = ts ? `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((m) => { m.register(); return import(${JSON.stringify(url)}); })` : `import(${JSON.stringify(url)})`;
  return `${load}.catch((e) => { console.error(e); process.exit(1); });`;
}

export class CheckPool {
  private readonly lanes: Lane[];
  private readonly keys = new KeyTable();
  private readonly taught: Uint8Array[] = [];
  private nextId = 0;
  private closed = false;
  /** Settles when the last batch asked for has resolved (see check()). */
  private previous: Promise<unknown> = Promise.resolve();

  /**
   * `threads` workers (default: one per core; the main thread's share of an audit is small, and
   * the signature checks are most of the work). `keys`: public keys known from the start (the
   * authority's).
   */
  constructor(opts: { threads?: number; keys?: readonly Uint8Array[] } = {}) {
    for (const k of opts.keys ?? []) this.keys.add(k);
    this.taught.push(...(opts.keys ?? []));
    const source = workerSource();
    this.lanes = Array.from({ length: opts.threads ?? availableParallelism() }, () => this.startLane(source));
  }

  /** Tells every worker (and the in-thread fallback) of public keys, for batches sent from now on. */
  teach(keys: readonly Uint8Array[]): void {
    if (keys.length === 0) return;
    for (const k of keys) this.keys.add(k);
    this.taught.push(...keys);
    const copies = keys.map((k) => Uint8Array.from(k)); // a view would clone its whole buffer
    for (const l of this.lanes) if (!l.dead) l.worker.postMessage({ keys: copies });
  }

  /**
   * Checks a batch of entries (entry-check.ts); never rejects. The entries must not be changed
   * meanwhile. Batches resolve in the order they were asked for: an entry left unchecked because
   * its worker did not know its key yet, while a worker has since learned it (from this or an
   * earlier batch), is checked again before its batch resolves.
   */
  check(entries: readonly Uint8Array[]): Promise<EntryResults> {
    const sent = this.send(entries);
    const done = Promise.all([sent, this.previous]).then(async ([r]) => {
      const again = r.unchecked().filter((i) => this.keys.get(r.keyId(i)) !== undefined);
      if (again.length > 0) {
        const r2 = await this.send(again.map((i) => entries[i]!));
        again.forEach((i, k) => r.setVerdict(i, r2.verdict(k)));
      }
      return r;
    });
    this.previous = done.then(() => undefined);
    return done;
  }

  private send(entries: readonly Uint8Array[]): Promise<EntryResults> {
    const lane = this.closed ? undefined : this.leastBusy();
    if (!lane) return Promise.resolve(this.checkHere(entries));
    return new Promise((resolve) => {
      const id = this.nextId++;
      lane.pending.set(id, { entries, resolve });
      lane.outstanding += entries.length;
      const buffer = packEntries(entries);
      lane.worker.postMessage({ id, buffer }, [buffer]);
    });
  }

  /** Stops the workers; unanswered and later batches run on the calling thread. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.lanes.map((l) => l.worker.terminate()));
  }

  private checkHere(entries: readonly Uint8Array[]): EntryResults {
    return new EntryResults(entries, checkEntries(entries, this.keys, localDeps));
  }

  private startLane(source: string): Lane {
    const worker = new Worker(source, { eval: true, workerData: { keys: this.taught } });
    worker.unref(); // an idle pool never keeps the process alive
    const lane: Lane = { worker, pending: new Map(), outstanding: 0, dead: false };
    worker.on("message", (m: { id: number } & CheckedBatch) => {
      const p = lane.pending.get(m.id);
      if (!p) return;
      lane.pending.delete(m.id);
      lane.outstanding -= p.entries.length;
      this.teach(m.learned);
      p.resolve(new EntryResults(p.entries, m));
    });
    const fail = () => {
      lane.dead = true;
      for (const p of lane.pending.values()) p.resolve(this.checkHere(p.entries));
      lane.pending.clear();
      lane.outstanding = 0;
    };
    worker.on("error", fail);
    worker.on("exit", fail);
    return lane;
  }

  private leastBusy(): Lane | undefined {
    let best: Lane | undefined;
    for (const l of this.lanes) if (!l.dead && (!best || l.outstanding < best.outstanding)) best = l;
    return best;
  }
}
