// The sequencer: the one writer of the log. Statements are authenticated as they arrive (no
// shared state but the key table), then sequenced a batch at a time:
//
//   check each statement against the projected state, which includes the earlier statements of
//   the same batch -> update the state map and append its commitment as the batch's last entry
//   -> integrate the accepted entries into the tree -> sign the checkpoint ->
//   append entries + tiles + checkpoint atomically at the expected tree size (CAS) -> apply the
//   batch to the projections -> answer each caller with its receipt.
//
// The projections only ever hold committed entries: a batch is checked inside a journal
// transaction that is rolled back before the (asynchronous) append, and applied again once the
// append is durable. So a reader never sees a statement that may yet fail to commit.
//
// After any failed append the outcome may be unknown (a timeout can hide a commit), so the next
// batch first catches up from the store. A retry with the same request id then gets the
// original receipt if the commit had landed: nothing acknowledged is lost, and nothing
// unacknowledged is answered twice. A log never signs two roots for one size that it publishes:
// the checkpoint is published only by the append that commits its entries.
import { formatCheckpoint } from "../../log/checkpoint.js";
import type { Hash } from "../../log/hash.js";
import { integrate } from "../../log/integrate.js";
import { signNote, type NoteSigner } from "../../log/note.js";
import { proveInclusion } from "../../log/prove.js";
import type { TreeState } from "../../log/tree-state.js";
import type { SignedStatement } from "../../proto/gen/messages/labelreg/v1/entry.js";
import type { SequencedStatement } from "../domain/apply.js";
import { authenticate, checkRules } from "../domain/check.js";
import type { DomainConfig } from "../domain/config.js";
import { encodeCommitmentEntry, encodeLogEntry, parseSignedStatement, type Submission } from "../domain/decode.js";
import { MapTouched } from "../domain/map-values.js";
import { batchRows } from "../domain/state-rows.js";
import type { StateRowWrite } from "../store/state.js";
import type { PreparedMap } from "../readmodel/state-map.js";
import { receiptMapProofs, statementOf, type ReceiptMapProof } from "./receipt-map.js";
import { signerName, type Signer } from "../domain/state.js";
import { isViolation } from "../domain/violation.js";
import type { VerifyAsyncFn } from "../crypto/verify-pool.js";
import { SizeConflictError, StateRebuildingError } from "../store/port.js";
import { StateSizeError } from "../store/state-fetch.js";
import type { StateWrite } from "../store/state.js";
import type { MapEntry } from "../../log/map/index.js";
import { DEFAULT_RATE_LIMIT, SignerRateLimiter, type RateLimit } from "./rate-limit.js";
import { Batcher, BatcherClosedError, QueueFullError, type BatcherOptions, type ItemResult } from "./batcher.js";
import { BatchHashReader } from "./batch-hashes.js";
import { RegistryError } from "./errors.js";
import { noteBytes, type LogView } from "../readmodel/log-view.js";

/** What a signer gets back: enough to verify offline with the log's verifier key. */
export interface SequencedReceipt {
  readonly index: number;
  /** The log entry bytes (the leaf). */
  readonly entry: Uint8Array;
  /**
   * RFC 9162 inclusion proof of `index` in the tree of the checkpoint's size. Its hashes may be
   * shared with other receipts of the same batch: read-only.
   */
  readonly inclusionProof: Hash[];
  /** The signed checkpoint note the proof is against. */
  readonly checkpoint: string;
  readonly treeSize: number;
  /** The state map at the checkpoint, proving the key the statement changed (absent on a log without commitments). */
  readonly map?: ReceiptMapProof;
}

export interface SequencerOptions {
  readonly view: LogView;
  readonly domain: DomainConfig;
  /** The log's checkpoint key; its name is the origin. */
  readonly logSigner: NoteSigner;
  readonly origin: string;
  /** Unix seconds; the log's clock. */
  readonly now?: () => bigint;
  readonly batch?: Partial<BatcherOptions>;
  /**
   * Verifies signatures off the event loop (services/crypto/verify-pool.ts). Absent: the
   * domain's synchronous `verify` runs on the event loop. Must agree with `domain.verify`.
   */
  readonly verifyAsync?: VerifyAsyncFn;
  /** Per-signer limit on statements per second (default DEFAULT_RATE_LIMIT). */
  readonly rateLimit?: RateLimit;
  /**
   * False only to measure what the state map costs (bench:issue's baseline): batches then end
   * without a commitment, so receipts and reads carry no map proof, and the log fails the
   * completeness checks of start-up, the auditor and every verifier. Default true.
   */
  readonly mapCommitments?: boolean;
  /** Called after each committed batch (metrics). */
  readonly onBatch?: (info: { size: number; entries: number; statements: number; ms: number }) => void;
}

export const DEFAULT_BATCH: BatcherOptions = { maxBatch: 1024, lingerMs: 2, maxPending: 20_000 };

interface Item {
  readonly sub: Submission;
  readonly signer: Signer;
}

type Outcome =
  | { kind: "new"; index: number }
  | { kind: "replay"; index: number }
  | { kind: "refused"; error: RegistryError };

export class Sequencer {
  private readonly batcher: Batcher<Item, SequencedReceipt>;
  private readonly now: () => bigint;
  private stale = false;
  private readonly rateLimiter: SignerRateLimiter;

  constructor(private readonly opts: SequencerOptions) {
    this.now = opts.now ?? (() => BigInt(Math.floor(Date.now() / 1000)));
    this.rateLimiter = new SignerRateLimiter(opts.rateLimit ?? DEFAULT_RATE_LIMIT);
    this.batcher = new Batcher({ ...DEFAULT_BATCH, ...opts.batch }, (items) => this.sequence(items));
  }

  get view(): LogView {
    return this.opts.view;
  }

  /** Statements waiting for a batch. */
  get pending(): number {
    return this.batcher.pending;
  }

  /**
   * Submits one signed statement; resolves with its receipt once it is durable, or rejects with
   * a RegistryError naming the rule it broke (nothing written).
   */
  async submit(signed: SignedStatement): Promise<SequencedReceipt> {
    const sub = parseSignedStatement(signed);
    if (isViolation(sub)) throw RegistryError.fromViolation(sub);
    // Authentication needs only the key table, so it runs here, before the statement queues.
    // The sequencer rechecks the signer's standing (rotation, suspension) at its turn.
    const signer = await this.authenticate(sub);
    const who = signer.kind === "authority" ? "the authority" : `issuer ${signer.issuerId}`;
    if (!this.rateLimiter.take(signerName(signer))) {
      const { perSecond, burst } = this.rateLimiter.limit;
      throw new RegistryError(
        "RESOURCE_EXHAUSTED",
        "signer-rate-limit",
        `signer-rate-limit: ${who} sent more than ${perSecond} statements/s (burst ${burst}); retry later`,
      );
    }
    try {
      return await this.batcher.enqueue({ sub, signer });
    } catch (e) {
      if (e instanceof QueueFullError) throw new RegistryError("RESOURCE_EXHAUSTED", "queue-full", e.message);
      if (e instanceof BatcherClosedError) throw new RegistryError("UNAVAILABLE", "shutting-down", e.message);
      throw e;
    }
  }

  /**
   * The domain's authenticate(), with the signature check on the thread pool when verifyAsync is
   * set: the key lookup runs with a verify that only captures its arguments, the captured check
   * runs asynchronously, and a failure re-runs the domain's own authenticate() so the refusal is
   * exactly the domain's.
   */
  private async authenticate(sub: Submission): Promise<Signer> {
    const verifyAsync = this.opts.verifyAsync;
    const domain = this.opts.domain;
    if (verifyAsync) {
      let pending: Promise<boolean> | undefined;
      const signer = authenticate(this.view.state, sub, {
        ...domain,
        verify: (publicKey, message, signature) => {
          pending = verifyAsync(publicKey, message, signature);
          return true;
        },
      });
      if (isViolation(signer)) throw RegistryError.fromViolation(signer);
      if (pending && (await pending)) return signer;
    }
    const signer = authenticate(this.view.state, sub, domain);
    if (isViolation(signer)) throw RegistryError.fromViolation(signer);
    return signer;
  }

  /** Stops taking statements and finishes those already queued. */
  close(): Promise<void> {
    return this.batcher.close();
  }

  private async sequence(items: Item[]): Promise<ItemResult<SequencedReceipt>[]> {
    const view = this.view;
    if (this.stale) {
      try {
        await view.catchUp();
        this.stale = false;
      } catch (e) {
        const err = new RegistryError(
          "UNAVAILABLE",
          "store-unavailable",
          `the log store cannot be read: ${errorText(e)}; retry with the same request id`,
          { cause: e },
        );
        return items.map(() => ({ ok: false, error: err }));
      }
    }
    let now = this.now();
    if (now < view.lastSequencedAt) now = view.lastSequencedAt; // sequencing times never go back
    try {
      // A partial state (log-view.ts) first loads what the batch reads, in a few round trips.
      await view.loadFor(
        items.map(({ sub, signer }) => ({ signer, statement: sub.statement })),
        now,
      );
    } catch (e) {
      this.stale = true;
      // The store's tables ahead of the view: another sequencer appended (as a lost
      // compare-and-set says it below).
      const err =
        e instanceof StateSizeError && e.actual > e.expected
          ? new RegistryError(
              "UNAVAILABLE",
              "sequencer-conflict",
              `another sequencer moved the log (size ${e.actual}); retry with the same request id`,
              { cause: e },
            )
          : new RegistryError(
              "UNAVAILABLE",
              "store-unavailable",
              `the registry's state cannot be read from the store: ${errorText(e)}; retry with the same request id`,
              { cause: e },
            );
      return items.map(() => ({ ok: false, error: err }));
    }
    const state = view.state;
    const oldTree = view.tree;
    const oldSize = oldTree.size;

    // Check every statement against the state as the earlier ones of this batch leave it.
    const outcomes: Outcome[] = [];
    const accepted: SequencedStatement[] = [];
    const entries: Uint8Array[] = [];
    const touched = new MapTouched();
    let mapValues: MapEntry[] | undefined;
    let map: PreparedMap | undefined;
    // The state tables' rows of what the batch changed, from the state as the batch leaves it
    // (so before the rollback below), and the search rows the batch adds to the search index
    // (which notes the batch only once it is committed); a store without state tables gets none.
    let rows: StateRowWrite[] | undefined;
    // The statistics folded through the batch on a copy, for their rows: the view's own fold
    // changes only when the batch is committed (applyEntry below folds it again). A copy rather
    // than an undo log: it costs only the counters the batch changes.
    const stats = view.stats.fork(now);
    state.begin();
    try {
      for (const { sub, signer } of items) {
        const r = checkRules(state, sub, signer, now, this.opts.domain);
        if (r.kind === "violation") outcomes.push({ kind: "refused", error: RegistryError.fromViolation(r) });
        else if (r.kind === "replay") outcomes.push({ kind: "replay", index: r.index });
        else {
          const seq: SequencedStatement = { ...sub, sequencedAtUnix: now };
          const index = oldSize + accepted.length;
          stats.apply(state, seq, index);
          touched.add(state, sub.statement);
          accepted.push(seq);
          entries.push(encodeLogEntry(sub, now));
          outcomes.push({ kind: "new", index });
        }
      }
      // What the batch writes to the map, read from the state while the batch is applied to it.
      if (accepted.length > 0 && this.opts.mapCommitments !== false) mapValues = view.map.entries(state, touched);
      if (view.store.state && accepted.length > 0) {
        rows = [...batchRows(state, touched, accepted, oldSize), ...view.search.batchRows(accepted)];
        // The statistics count the commitment that will end the batch (its root is computed
        // after the rollback: the map reads the store).
        if (mapValues) stats.countCommitment();
        rows.push(...stats.rows());
      }
    } finally {
      // Projections hold committed entries only; the batch is applied again after the append.
      // (So nothing awaits above: reads must never see the batch before it is durable.)
      state.rollback();
    }
    // The batch ends with the map's commitment: its root over every entry before it.
    if (mapValues) {
      try {
        map = await view.map.prepare(mapValues, oldSize + accepted.length);
      } catch (e) {
        const err = new RegistryError(
          "UNAVAILABLE",
          "store-unavailable",
          `the state map cannot be read from the store: ${errorText(e)}; retry with the same request id`,
          { cause: e },
        );
        return items.map(() => ({ ok: false, error: err }));
      }
      entries.push(encodeCommitmentEntry({ root: map.update.root, size: BigInt(map.version) }, now));
    }

    let tree = oldTree;
    let checkpoint = view.checkpoint;
    if (entries.length > 0) {
      const started = performance.now();
      const integration = integrate(oldTree, entries);
      tree = integration.state;
      checkpoint = signNote(
        formatCheckpoint({ origin: this.opts.origin, size: tree.size, root: tree.root, extensions: [] }),
        [this.opts.logSigner],
      );
      try {
        // The derived state the batch changes, in the same atomic append: the rows of what it
        // changed, and the map's nodes and values when the store keeps the map.
        const derived: StateWrite | undefined =
          rows || map?.write
            ? { ...(rows ? { rows } : {}), ...(map?.write ? { nodes: map.write.nodes, values: map.write.values } : {}) }
            : undefined;
        await view.store.append({
          expectedSize: oldSize,
          entries,
          tiles: integration.tiles,
          checkpoint: noteBytes(checkpoint),
          ...(derived ? { state: derived } : {}),
        });
      } catch (e) {
        if (e instanceof StateRebuildingError) {
          // Refused, nothing written: the view is still the store's (no catch-up needed), and a
          // retry may commit once the rebuild finishes.
          const err = new RegistryError(
            "UNAVAILABLE",
            "state-rebuilding",
            "the store's state tables are being rebuilt and nothing was written; retry with the same request id once the rebuild finishes",
            { cause: e },
          );
          return items.map(() => ({ ok: false, error: err }));
        }
        // Unknown outcome (or another writer won): learn the truth from the store before the next batch.
        this.stale = true;
        const err =
          e instanceof SizeConflictError
            ? new RegistryError(
                "UNAVAILABLE",
                "sequencer-conflict",
                `another sequencer moved the log (size ${e.actualSize}); retry with the same request id`,
                { cause: e },
              )
            : new RegistryError(
                "UNAVAILABLE",
                "store-unavailable",
                `the log store did not commit the batch: ${errorText(e)}; retry with the same request id`,
                { cause: e },
              );
        return items.map(() => ({ ok: false, error: err }));
      }
      accepted.forEach((seq, i) => view.applyEntry(seq, oldSize + i));
      if (map) {
        const commitment = view.map.commit(map, now);
        view.applyEntry(
          { commitment: { root: commitment.root, size: BigInt(commitment.size) }, sequencedAtUnix: now },
          commitment.size,
        );
      }
      view.advance(tree, checkpoint, now);
      this.opts.onBatch?.({
        size: tree.size,
        entries: entries.length,
        statements: items.length,
        ms: performance.now() - started,
      });
      if (view.cosign) checkpoint = await view.cosign({ tree, checkpoint });
    }

    return this.receipts(outcomes, entries, accepted, oldSize, tree, checkpoint);
  }

  private async receipts(
    outcomes: Outcome[],
    entries: Uint8Array[],
    accepted: readonly SequencedStatement[],
    oldSize: number,
    tree: TreeState,
    checkpoint: string,
  ): Promise<ItemResult<SequencedReceipt>[]> {
    const view = this.view;
    const reader = new BatchHashReader(view.hashReader(tree));
    const replayed: number[] = [];
    for (const o of outcomes) if (o.kind === "replay" && o.index < oldSize) replayed.push(o.index);
    const older = new Map<number, Uint8Array>();
    if (replayed.length > 0) {
      try {
        await Promise.all(replayed.map(async (i) => older.set(i, (await view.store.readEntries(i, i + 1))[0]!)));
      } catch (e) {
        const err = new RegistryError(
          "UNAVAILABLE",
          "store-unavailable",
          `cannot read the earlier receipt: ${errorText(e)}`,
          { cause: e },
        );
        return outcomes.map((o) => (o.kind === "refused" ? { ok: false, error: o.error } : { ok: false, error: err }));
      }
    }
    let maps: (ReceiptMapProof | undefined)[];
    try {
      const statements = outcomes.map((o) =>
        o.kind === "refused"
          ? undefined
          : o.index >= oldSize
            ? accepted[o.index - oldSize]!.statement
            : statementOf(older.get(o.index)!),
      );
      maps = await receiptMapProofs(view, reader, tree.size, statements);
    } catch (e) {
      const err = new RegistryError(
        "INTERNAL",
        "proof-failed",
        `committed, but the map proof failed: ${errorText(e)}; retry with the same request id`,
        { cause: e },
      );
      return outcomes.map((o) => (o.kind === "refused" ? { ok: false, error: o.error } : { ok: false, error: err }));
    }
    return Promise.all(
      outcomes.map(async (o, i): Promise<ItemResult<SequencedReceipt>> => {
        if (o.kind === "refused") return { ok: false, error: o.error };
        const entry = o.index >= oldSize ? entries[o.index - oldSize]! : older.get(o.index)!;
        try {
          const inclusionProof = await proveInclusion(reader, o.index, tree.size);
          return {
            ok: true,
            value: { index: o.index, entry, inclusionProof, checkpoint, treeSize: tree.size, map: maps[i] },
          };
        } catch (e) {
          return {
            ok: false,
            error: new RegistryError(
              "INTERNAL",
              "proof-failed",
              `committed at index ${o.index}, but the proof failed: ${errorText(e)}; retry with the same request id`,
              { cause: e },
            ),
          };
        }
      }),
    );
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
