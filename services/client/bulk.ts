// Bulk submission over the SubmitBulk stream, with a bounded window of statements in flight.
//
// Each statement gets exactly one result. A refusal is final, except RESOURCE_EXHAUSTED and
// UNAVAILABLE, which are resent (same signed bytes, so idempotent) after a backoff. If the
// stream itself fails (UNAVAILABLE, RESOURCE_EXHAUSTED, or CANCELLED by a server shutting
// down), a new one is opened and every unanswered statement is resent: a
// statement that had been sequenced before the failure gets its original receipt back.
import type { ClientDuplexStream } from "@grpc/grpc-js";
import type { SignedStatement } from "../../proto/gen/messages/labelreg/v1/entry.js";
import type { SubmitBulkRequest, SubmitBulkResponse } from "../../proto/gen/messages/labelreg/v1/issuance_service.js";
import type { RegistryClient } from "./client.js";
import { fromServiceError, RegistryClientError, statusName } from "./errors.js";
import type { VerifiedReceipt } from "./receipt.js";
import { backoffMs } from "./retry.js";

export type BulkResult =
  | {
      readonly position: number;
      readonly signed: SignedStatement;
      readonly ok: true;
      readonly receipt: VerifiedReceipt;
    }
  | {
      readonly position: number;
      readonly signed: SignedStatement;
      readonly ok: false;
      readonly error: RegistryClientError;
    };

export interface BulkOptions {
  /** Statements sent but not yet answered, at most (default 256). */
  readonly window?: number;
  /** Called once per statement, in completion order; `position` is its place in the input (from 0). */
  readonly onResult: (r: BulkResult) => void;
}

export interface BulkSummary {
  readonly submitted: number;
  readonly accepted: number;
  readonly refused: number;
}

export const DEFAULT_BULK_WINDOW = 256;

interface Item {
  readonly position: number;
  readonly signed: SignedStatement;
  attempts: number;
}

type Stream = ClientDuplexStream<SubmitBulkRequest, SubmitBulkResponse>;

/**
 * Submits every statement of `statements` (read lazily: at most `window` are held) and resolves
 * when each has a result. Never rejects for a refused statement: refusals go to onResult.
 */
export async function submitBulk(
  client: RegistryClient,
  statements: Iterable<SignedStatement> | AsyncIterable<SignedStatement>,
  opts: BulkOptions,
): Promise<BulkSummary> {
  return new BulkRun(client, opts).run(statements);
}

class BulkRun {
  private readonly window: number;
  private readonly items = new Map<number, Item>();
  private bySequence = new Map<bigint, Item>();
  private nextSequence = 0n;
  private stream: Stream | undefined;
  /** Stream failures since the last answer: past the retry attempts, everything left fails. */
  private streamFailures = 0;
  private fatal: RegistryClientError | undefined;
  private wake: (() => void) | undefined;
  private dirty = false;
  private accepted = 0;
  private refused = 0;

  constructor(
    private readonly client: RegistryClient,
    private readonly opts: BulkOptions,
  ) {
    this.window = Math.max(1, opts.window ?? DEFAULT_BULK_WINDOW);
  }

  async run(statements: Iterable<SignedStatement> | AsyncIterable<SignedStatement>): Promise<BulkSummary> {
    const it =
      Symbol.asyncIterator in statements ? statements[Symbol.asyncIterator]() : toAsync(statements[Symbol.iterator]());
    let position = 0;
    let exhausted = false;
    this.open();
    try {
      for (;;) {
        while (!exhausted && this.items.size < this.window) {
          const n = await it.next();
          if (n.done) {
            exhausted = true;
            break;
          }
          const item: Item = { position: position++, signed: n.value, attempts: 1 };
          if (this.fatal) {
            this.finish(item, { ok: false, error: this.fatal });
            continue;
          }
          this.items.set(item.position, item);
          if (this.stream) this.send(item);
        }
        if (exhausted && this.items.size === 0) break;
        await this.changed();
      }
    } finally {
      const s = this.stream;
      this.stream = undefined;
      if (this.items.size > 0) s?.cancel();
      else s?.end();
    }
    return { submitted: position, accepted: this.accepted, refused: this.refused };
  }

  private changed(): Promise<void> {
    if (this.dirty) {
      this.dirty = false;
      return Promise.resolve();
    }
    return new Promise((r) => (this.wake = r));
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    if (w) w();
    else this.dirty = true;
  }

  private open(): void {
    const s: Stream = this.client.stub.submitBulk();
    this.stream = s;
    this.bySequence = new Map();
    s.on("data", (res: SubmitBulkResponse) => this.onResponse(s, res));
    s.on("error", (e: unknown) => this.onStreamEnd(s, fromServiceError(e)));
    s.on("end", () =>
      this.onStreamEnd(
        s,
        new RegistryClientError("UNAVAILABLE", "transport", "the bulk stream ended with statements unanswered"),
      ),
    );
    for (const item of this.items.values()) this.send(item);
  }

  private send(item: Item): void {
    const sequence = this.nextSequence++;
    this.bySequence.set(sequence, item);
    this.stream!.write({ sequence, signedStatement: item.signed });
  }

  private onResponse(s: Stream, res: SubmitBulkResponse): void {
    if (s !== this.stream) return;
    const item = this.bySequence.get(res.sequence);
    if (!item) return;
    this.bySequence.delete(res.sequence);
    this.streamFailures = 0;
    const r = res.result;
    if (r?.$case === "receipt") {
      try {
        this.finish(item, { ok: true, receipt: this.client.verify(r.value, item.signed) });
      } catch (e) {
        this.finish(item, { ok: false, error: fromServiceError(e) });
      }
      return;
    }
    const error =
      r?.$case === "status"
        ? new RegistryClientError(statusName(r.value.code), r.value.rule || "transport", r.value.message)
        : new RegistryClientError("DATA_LOSS", "bad-receipt", "a bulk response carries neither a receipt nor a status");
    if (error.retryable && item.attempts < this.client.retry.attempts) {
      setTimeout(
        () => {
          // A reopened stream has already resent everything unanswered.
          if (this.stream === s && this.items.has(item.position)) this.send(item);
        },
        backoffMs(this.client.retry, item.attempts++),
      );
      return;
    }
    this.finish(item, { ok: false, error });
  }

  private onStreamEnd(s: Stream, error: RegistryClientError): void {
    if (s !== this.stream) return;
    this.stream = undefined;
    if (this.items.size === 0) return;
    this.streamFailures++;
    // We cancel a stream only after the run is over, so a CANCELLED here came from the server
    // (a shutdown): like UNAVAILABLE, the statements are resent on a new stream.
    const reopen = error.retryable || error.code === "CANCELLED";
    if (!reopen || this.streamFailures >= this.client.retry.attempts) {
      this.fatal = error;
      for (const item of [...this.items.values()]) this.finish(item, { ok: false, error });
      return;
    }
    setTimeout(() => this.open(), backoffMs(this.client.retry, this.streamFailures));
  }

  private finish(
    item: Item,
    r: { ok: true; receipt: VerifiedReceipt } | { ok: false; error: RegistryClientError },
  ): void {
    this.items.delete(item.position);
    if (r.ok) this.accepted++;
    else this.refused++;
    this.opts.onResult({ position: item.position, signed: item.signed, ...r });
    this.notify();
  }
}

async function* toAsync<T>(it: Iterator<T>): AsyncGenerator<T> {
  for (let n = it.next(); !n.done; n = it.next()) yield n.value;
}
