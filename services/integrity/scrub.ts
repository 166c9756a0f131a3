// The background scrub: while the registry serves, re-reads the whole stored log at a low pace,
// pass after pass, checking it as fsck does (check-log.ts): every entry re-hashed, and the state
// map recomputed with every map commitment entry checked against it. A store changed behind the
// running registry's back (a disk, a database operator, an attacker with the database password
// but not the log key) is found within one pass, and so is a commitment the log's key signed but
// the entries do not give; the registry then stops sequencing, naming the entry.
import type { NoteVerifier } from "../../log/note.js";
import { sleep } from "../sequencer/follow.js";
import type { LogStore } from "../store/port.js";
import { checkStoredLog } from "./check-log.js";
import { IntegrityError } from "./integrity-error.js";

/**
 * Entries per second by default: a pass over a million entries every few minutes. Replaying the
 * entries for the state map costs about what a start-up's catch-up costs per entry, far more than
 * re-hashing them: lower the rate (--scrub-rate) if the scrub's share of a core matters.
 */
export const DEFAULT_SCRUB_RATE = 5000;

/** Entries per step: small, so a step never holds the event loop for long. */
const STEP = 256;

export interface ScrubOptions {
  readonly store: LogStore;
  readonly log: NoteVerifier;
  /** The authority's public key: with it each pass recomputes the state map and checks every commitment. */
  readonly authorityPublicKey?: Uint8Array;
  /** Entries checked per second (> 0). */
  readonly entriesPerSecond: number;
  /** Told once, of the first mismatch; the scrub then stops. */
  readonly onMismatch: (e: IntegrityError) => void;
  /** Told of other failures (an unavailable store); the pass is retried later. */
  readonly onError?: (e: unknown) => void;
  /** Called after each completed pass (tests, metrics). */
  readonly onPass?: (size: number) => void;
  /** Pause between passes, ms. Default 10 s. */
  readonly restMs?: number;
}

export class Scrub {
  private readonly abort = new AbortController();
  readonly done: Promise<void>;

  constructor(private readonly opts: ScrubOptions) {
    if (!(opts.entriesPerSecond > 0)) throw new RangeError("scrub: entriesPerSecond must be > 0");
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    const stepMs = (STEP * 1000) / this.opts.entriesPerSecond;
    while (!signal.aborted) {
      try {
        const r = await checkStoredLog(this.opts.store, {
          log: this.opts.log,
          ...(this.opts.authorityPublicKey ? { authorityPublicKey: this.opts.authorityPublicKey } : {}),
          chunk: STEP,
          signal,
          between: () => sleep(stepMs, signal, true),
        });
        if (!r.aborted) this.opts.onPass?.(r.size);
      } catch (e) {
        if (signal.aborted) return;
        if (e instanceof IntegrityError) {
          this.opts.onMismatch(e);
          return;
        }
        this.opts.onError?.(e);
      }
      await sleep(this.opts.restMs ?? 10_000, signal, true);
    }
  }
}
