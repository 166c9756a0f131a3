// The stateless part of an audit (entry-check.ts) on the worker pool (services/workers/pool.ts):
// leaf hashes, decoding and signatures of whole batches of entries, in parallel on every core, so
// the main thread keeps only what must run in log order (the rules and the projections). A batch
// goes out as one transferred buffer and comes back as one buffer of fixed-size records.
//
// Keys: each worker has a table of the public keys it may verify with (the authority's, any key
// a statement it decoded names, any key taught to every worker with teach()). An entry signed
// with a key its worker did not know yet comes back unchecked (SIG_UNCHECKED), and the auditor
// verifies it itself when the rules need the verdict, so the verdicts never depend on which
// worker saw what first. If a worker fails or the pool is closed, batches run on this thread.
import { availableParallelism } from "node:os";
import { WorkerPool } from "../workers/pool.js";
import { nodeEntryCheckDeps as localDeps } from "./check-deps.js";
import { checkEntries, EntryResults, KeyTable, packEntries } from "./entry-check.js";

export class CheckPool {
  private readonly pool: WorkerPool;
  private readonly keys = new KeyTable();
  /** Settles when the last batch asked for has resolved (see check()). */
  private previous: Promise<unknown> = Promise.resolve();

  /**
   * `threads` workers (default: one per core; the main thread's share of an audit is small, and
   * the signature checks are most of the work). `keys`: public keys known from the start (the
   * authority's).
   */
  constructor(opts: { threads?: number; keys?: readonly Uint8Array[] } = {}) {
    for (const k of opts.keys ?? []) this.keys.add(k);
    this.pool = new WorkerPool(opts.threads ?? availableParallelism(), opts.keys);
  }

  /** Tells every worker (and the in-thread fallback) of public keys, for batches sent from now on. */
  teach(keys: readonly Uint8Array[]): void {
    if (keys.length === 0) return;
    for (const k of keys) this.keys.add(k);
    this.pool.teach(keys);
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

  /** Stops the workers; unanswered and later batches run on the calling thread. */
  close(): Promise<void> {
    return this.pool.close();
  }

  private async send(entries: readonly Uint8Array[]): Promise<EntryResults> {
    const reply = await this.pool.send("check", packEntries(entries), entries.length);
    if (!reply) return this.checkHere(entries);
    this.teach(reply.learned);
    return new EntryResults(entries, reply);
  }

  private checkHere(entries: readonly Uint8Array[]): EntryResults {
    return new EntryResults(entries, checkEntries(entries, this.keys, localDeps));
  }
}
