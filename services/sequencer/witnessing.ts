// Gathering witness cosignatures for the log's checkpoints (C2SP tlog-witness v1, as the log).
//
// After each commit the sequencer calls cosign(): every configured witness gets the new
// checkpoint with a consistency proof from the size it last cosigned (learnt from a 409 when
// unknown), all in parallel. cosign() resolves as soon as `required` witnesses have cosigned, or
// when the timeout passes, whichever is first, with the checkpoint note carrying every valid
// cosignature it has by then; so receipts wait at most the timeout, and say (in their note)
// which witnesses vouch for them. Cosignatures that arrive later are still added to the
// published note while it is the latest. Each note is stored (store.updateCheckpointNote) before
// it is published (LogView.setCheckpointNote).
//
// A checkpoint left with fewer than `required` cosignatures (a witness down or slow) is not left
// so: the latest checkpoint is offered again, in the background, to the witnesses that have not
// cosigned it, after 1 s and then at doubling intervals up to 30 s, until it has enough or a newer
// one replaces it. Meanwhile LogView.witnessed holds the newest checkpoint that did meet the
// policy, so public reads can answer from it rather than from one no browser would accept.
//
// Only cosignatures that verify under the configured witness key are kept. Submissions to one
// witness are serialised, and a submission overtaken by a newer checkpoint is dropped, so a
// witness sees the log's sizes in order.
import { utf8 } from "../../log/bytes.js";
import { parseCosignatureVerifierKey, type CosignatureVerifier } from "../../log/cosignature.js";
import { parseSignedNote } from "../../log/note.js";
import { proveConsistency } from "../../log/prove.js";
import type { TreeState } from "../../log/tree-state.js";
import { addCheckpoint } from "../witness/client.js";
import type { LogView } from "../readmodel/log-view.js";

export interface WitnessEndpoint {
  /** The witness's submission prefix: requests go to `<url>/add-checkpoint`. */
  readonly url: string;
  /** The witness's cosignature/v1 verifier key (type 0x04); its name must match the lines it returns. */
  readonly verifierKey: string;
}

export interface WitnessingOptions {
  readonly witnesses: readonly WitnessEndpoint[];
  /** How many cosignatures a checkpoint should have before receipts go out (k of n). */
  readonly required: number;
  /** The longest a commit's receipts wait for `required` cosignatures. */
  readonly timeoutMs: number;
  /** Per HTTP request to a witness; default max(10 s, timeoutMs). */
  readonly requestTimeoutMs?: number;
  /** First wait before asking again for missing cosignatures (default 1 s); it doubles up to retryMaxMs (default 30 s). */
  readonly retryFirstMs?: number;
  readonly retryMaxMs?: number;
  readonly log?: (msg: string, fields: Record<string, unknown>) => void;
}

const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 30_000;

export interface CommitToCosign {
  readonly tree: TreeState;
  /** The signed checkpoint note the commit published. */
  readonly checkpoint: string;
}

interface Job {
  readonly size: number;
  readonly note: string;
  readonly tree: TreeState;
  readonly done: (line: string | undefined) => void;
}

class WitnessLink {
  /** The size this witness last cosigned, if known. */
  knownSize: number | undefined;
  lastError: string | undefined;
  private pending: Job | undefined;
  private running = false;

  constructor(
    readonly endpoint: WitnessEndpoint,
    readonly verifier: CosignatureVerifier,
    private readonly view: LogView,
    private readonly requestTimeoutMs: number,
  ) {}

  /** Queues a checkpoint; a queued older one resolves undefined (overtaken). */
  submit(size: number, note: string, tree: TreeState): Promise<string | undefined> {
    return new Promise((done) => {
      this.pending?.done(undefined);
      this.pending = { size, note, tree, done };
      if (!this.running) void this.run();
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (this.pending) {
        const job = this.pending;
        this.pending = undefined;
        let line: string | undefined;
        try {
          line = await this.attempt(job);
        } catch (e) {
          this.lastError = e instanceof Error ? e.message : String(e);
        }
        job.done(line);
      }
    } finally {
      this.running = false;
    }
  }

  /** Submits, following at most two 409s to the witness's size; the verified signature line or undefined. */
  private async attempt(job: Job): Promise<string | undefined> {
    for (let tries = 0; tries < 3; tries++) {
      const old = this.knownSize ?? 0;
      if (old > job.size) {
        this.lastError = `witness holds size ${old}, beyond this checkpoint's ${job.size}`;
        return undefined;
      }
      const proof = await proveConsistency(this.view.hashReader(job.tree), old, job.size);
      const out = await addCheckpoint(
        this.endpoint.url,
        old,
        proof,
        utf8(job.note),
        AbortSignal.timeout(this.requestTimeoutMs),
      );
      if (out.kind === "conflict") {
        if (out.size === old) {
          this.lastError = `409 at size ${old}: the witness holds another root for it`;
          return undefined;
        }
        this.knownSize = out.size;
        continue;
      }
      if (out.kind === "refused") {
        this.lastError = `HTTP ${out.status}: ${out.message}`;
        return undefined;
      }
      this.knownSize = job.size;
      const line = this.verifiedLine(job.note, out.lines);
      if (!line) this.lastError = "the answer held no cosignature that verifies under the configured key";
      else this.lastError = undefined;
      return line;
    }
    return undefined;
  }

  private verifiedLine(note: string, lines: string): string | undefined {
    const text = parseSignedNote(note).textBytes;
    for (const l of lines.split("\n")) {
      if (l === "") continue;
      try {
        const sig = parseSignedNote(`${note}${l}\n`).signatures.at(-1);
        if (
          sig &&
          sig.name === this.verifier.name &&
          sig.keyId === this.verifier.keyId &&
          this.verifier.timestampOf(text, sig.signature) !== undefined
        ) {
          return `${l}\n`;
        }
      } catch {
        // A malformed line is ignored like an unknown key's.
      }
    }
    return undefined;
  }
}

export class Witnessing {
  private readonly links: WitnessLink[];
  private readonly listeners = new Set<(size: number) => void>();
  private readonly requestTimeoutMs: number;
  /** Serialises note updates so that late cosignatures are merged, never lost. */
  private updating: Promise<void> = Promise.resolve();
  /** The newest checkpoint seen with `required` cosignatures. */
  private met: { readonly tree: TreeState; readonly checkpoint: string } | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryDelayMs: number;
  private short = false;
  private closed = false;

  constructor(
    private readonly view: LogView,
    private readonly opts: WitnessingOptions,
  ) {
    if (!Number.isSafeInteger(opts.required) || opts.required < 0 || opts.required > opts.witnesses.length) {
      throw new RangeError(`witnessing: required ${opts.required} is not within 0..${opts.witnesses.length}`);
    }
    if (!(opts.timeoutMs >= 0)) throw new RangeError("witnessing: timeoutMs must be >= 0");
    this.requestTimeoutMs = opts.requestTimeoutMs ?? Math.max(10_000, opts.timeoutMs);
    this.links = opts.witnesses.map(
      (w) => new WitnessLink(w, parseCosignatureVerifierKey(w.verifierKey), view, this.requestTimeoutMs),
    );
    this.retryDelayMs = opts.retryFirstMs ?? RETRY_FIRST_MS;
  }

  /** Stops asking witnesses again (the registry is closing). */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Each witness: the size it last cosigned (if known) and its last error (if any). */
  status(): { url: string; name: string; knownSize: number | undefined; lastError: string | undefined }[] {
    return this.links.map((l) => ({
      url: l.endpoint.url,
      name: l.verifier.name,
      knownSize: l.knownSize,
      lastError: l.lastError,
    }));
  }

  /** Calls `fn` with the size whenever the published note of that size gains cosignatures. */
  onNoteChange(fn: (size: number) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Gathers cosignatures for a just-committed checkpoint; see the header. Never rejects: a
   * witness that fails or is slow just does not count. Resolves with the note to hand out.
   */
  cosign = async (c: CommitToCosign): Promise<string> => {
    const size = c.tree.size;
    if (this.links.length === 0) return c.checkpoint;
    // Until this checkpoint has its cosignatures, public reads answer from the last one that had.
    if (this.opts.required > 0 && this.met && this.met.tree.size < size) this.view.witnessed = this.met;
    let note = c.checkpoint;
    let count = 0;
    let release!: () => void;
    const enough = new Promise<void>((r) => (release = r));
    let settled = 0;
    for (const link of this.links) {
      // submit() never rejects: a failed attempt resolves undefined and is kept as lastError.
      void link.submit(size, c.checkpoint, c.tree).then((line) => {
        settled++;
        if (line) {
          count++;
          this.updating = this.updating
            .then(() => this.addLine(size, line))
            .catch((e) => this.log("witnessing: cannot store a cosigned note", { size, error: String(e) }));
          note = `${note}${line}`;
        }
        if (count >= this.opts.required || settled === this.links.length) release();
      });
    }
    const timer = setTimeout(release, this.opts.timeoutMs);
    if (this.opts.required === 0) release();
    await enough;
    clearTimeout(timer);
    await this.updating;
    if (count < this.opts.required) {
      this.log(
        "witnessing: publishing a checkpoint with fewer cosignatures than required; asking again in the background",
        { size, cosignatures: count, required: this.opts.required, witnesses: this.status() },
      );
    }
    this.review();
    // The published note may hold more than `note` if other cosignatures were merged meanwhile.
    return this.view.size === size ? this.view.checkpoint : note;
  };

  /** Asks the witnesses to cosign the current checkpoint (at start-up, or for an idle log; the empty log's too). */
  cosignLatest(): Promise<string> {
    if (this.view.checkpoint === "") return Promise.resolve("");
    return this.cosign({ tree: this.view.tree, checkpoint: this.view.checkpoint });
  }

  /** The configured witnesses with a cosignature line on `note` (lines are verified before they are added). */
  private cosignedBy(note: string): Set<WitnessLink> {
    const have = new Set<WitnessLink>();
    for (const sig of parseSignedNote(note).signatures) {
      const link = this.links.find((l) => l.verifier.name === sig.name && l.verifier.keyId === sig.keyId);
      if (link) have.add(link);
    }
    return have;
  }

  /**
   * After the latest note changed: records it as the newest that meets the policy, or keeps
   * public reads on the last one that did and asks the missing witnesses again later.
   */
  private review(): void {
    if (this.closed || this.view.size === 0 || this.opts.required === 0) return;
    if (this.cosignedBy(this.view.checkpoint).size >= this.opts.required) {
      this.met = { tree: this.view.tree, checkpoint: this.view.checkpoint };
      this.view.witnessed = undefined;
      clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
      this.retryDelayMs = this.opts.retryFirstMs ?? RETRY_FIRST_MS;
      if (this.short)
        this.log("witnessing: the latest checkpoint has the cosignatures it requires again", {
          size: this.view.size,
          required: this.opts.required,
        });
      this.short = false;
      return;
    }
    this.short = true;
    this.view.witnessed = this.met && this.met.tree.size < this.view.size ? this.met : undefined;
    if (this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.askAgain();
    }, this.retryDelayMs);
    this.retryTimer.unref?.();
    this.retryDelayMs = Math.min(this.retryDelayMs * 2, this.opts.retryMaxMs ?? RETRY_MAX_MS);
  }

  /** Offers the latest checkpoint to the witnesses that have not cosigned it; never rejects. */
  private async askAgain(): Promise<void> {
    if (this.closed) return;
    const size = this.view.size;
    const tree = this.view.tree;
    const have = this.cosignedBy(this.view.checkpoint);
    // The witnesses get the log's note alone, as after a commit.
    const logOnly = withoutLines(this.view.checkpoint, (name, keyId) =>
      this.links.some((l) => l.verifier.name === name && l.verifier.keyId === keyId),
    );
    await Promise.all(
      this.links
        .filter((l) => !have.has(l))
        .map((l) =>
          l.submit(size, logOnly, tree).then((line) => {
            if (line)
              this.updating = this.updating
                .then(() => this.addLine(size, line))
                .catch((e) => this.log("witnessing: cannot store a cosigned note", { size, error: String(e) }));
          }),
        ),
    );
    await this.updating;
    this.review();
  }

  /** Adds one verified signature line to the latest note, if `size` is still the latest. */
  private async addLine(size: number, line: string): Promise<void> {
    if (this.view.size !== size) return;
    // One line per witness: a newer cosignature replaces an older one by the same key.
    const added = parseSignedNote(`${this.view.checkpoint}${line}`);
    const mine = added.signatures.at(-1)!;
    const keep = added.signatures.filter((s) => s === mine || s.name !== mine.name || s.keyId !== mine.keyId);
    const merged = noteWith(added.text, keep);
    if (!(await this.view.store.updateCheckpointNote(size, utf8(merged)))) return;
    if (this.view.size !== size) return;
    this.view.setCheckpointNote(merged);
    for (const l of this.listeners) l(size);
    this.review();
  }

  private log(msg: string, fields: Record<string, unknown>): void {
    (this.opts.log ?? ((m, f) => console.error(JSON.stringify({ level: "warn", msg: m, ...f }))))(msg, fields);
  }
}

/** A signed note of `text` with these signature lines. */
function noteWith(text: string, sigs: readonly { name: string; base64: string }[]): string {
  return `${text}\n${sigs.map((s) => `\u2014 ${s.name} ${s.base64}\n`).join("")}`;
}

/** The note without the signature lines `drop` picks. */
function withoutLines(note: string, drop: (name: string, keyId: number) => boolean): string {
  const parsed = parseSignedNote(note);
  return noteWith(
    parsed.text,
    parsed.signatures.filter((s) => !drop(s.name, s.keyId)),
  );
}
