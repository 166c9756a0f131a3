// Rollback protection: a store restored from an older backup would have the registry sign new
// roots for sizes it already published, a fork. Two witnesses of what was published, besides the
// store itself:
//   - a small file beside the store (published-size.json in the data directory) holding the
//     largest size and root this process saw committed, rewritten (fsynced, atomically) after
//     commits; it may lag the store by the commits in flight at a crash, never run ahead of it;
//   - the configured witnesses, whose latest cosigned size for this log a start-up probe learns
//     (tlog-witness v1 answers 409 with it).
// A store behind either is refused at start-up; behind the file, `--accept-rollback` overrides.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fromHex, toHex, utf8 } from "../../log/bytes.js";
import { verifyConsistency } from "../../log/proof.js";
import { proveConsistency } from "../../log/prove.js";
import { writeFileAtomicAsync } from "../config/atomic-file.js";
import type { LogView } from "../readmodel/log-view.js";
import type { WitnessEndpoint } from "../sequencer/witnessing.js";
import type { LogStore } from "../store/port.js";
import { addCheckpoint } from "../witness/client.js";
import { IntegrityError } from "./integrity-error.js";

export const PUBLISHED_SIZE_FILE = "published-size.json";

export interface PublishedSize {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
}

export function publishedSizePath(dataDir: string): string {
  return join(dataDir, PUBLISHED_SIZE_FILE);
}

/** Reads the record; undefined if there is none. Throws (naming the file) if it is damaged. */
export function readPublishedSize(path: string): PublishedSize | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const j = JSON.parse(readFileSync(path, "utf8")) as { origin?: unknown; size?: unknown; root?: unknown };
    if (
      typeof j.origin !== "string" ||
      !Number.isSafeInteger(j.size) ||
      (j.size as number) < 0 ||
      typeof j.root !== "string" ||
      !/^[0-9a-f]{64}$/.test(j.root)
    )
      throw new Error("unexpected fields");
    return { origin: j.origin, size: j.size as number, root: fromHex(j.root) };
  } catch (e) {
    throw new Error(
      `${path}: the published-size record is damaged (${e instanceof Error ? e.message : String(e)}); restore it, or move it away and start with --accept-rollback if you are sure the store is the newest copy`,
    );
  }
}

/**
 * Throws IntegrityError("rollback") if the verified view is behind the record, or does not
 * extend it (a different root at the recorded size). Call after the view caught up.
 */
export async function checkNotBehindRecord(view: LogView, record: PublishedSize, path: string): Promise<void> {
  const origin = view.checkpoint ? view.checkpoint.slice(0, view.checkpoint.indexOf("\n")) : record.origin;
  if (record.origin !== origin) {
    throw new IntegrityError("rollback", `${path} records log ${record.origin}, but this store holds log ${origin}`);
  }
  if (view.size < record.size) {
    throw new IntegrityError(
      "rollback",
      `the store's log has size ${view.size}, behind size ${record.size} that this registry already published (${path}): ` +
        `the store was restored from an older copy, and sequencing now would sign other roots for published sizes (a fork). ` +
        `Restore the newest copy of the store, or start with --accept-rollback if you accept that fork`,
      view.size,
    );
  }
  if (record.size === 0) return;
  try {
    const proof = await proveConsistency(view.hashReader(), record.size, view.size);
    verifyConsistency(record.size, view.size, proof, record.root, view.tree.root);
  } catch {
    throw new IntegrityError(
      "rollback",
      `the store's log of size ${view.size} does not extend the root ${toHex(record.root)} published at size ${record.size} (${path}): the store holds another history`,
      record.size,
    );
  }
}

/**
 * Keeps the record up to date after commits: one write at a time, the newest size winning.
 * Never ahead of the store: it is only told of sizes already committed.
 */
export class PublishedSizeRecorder {
  private written: number;
  private next: { size: number; root: Uint8Array } | undefined;
  private writing: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    private readonly origin: string,
    start: PublishedSize | undefined,
    private readonly onError: (e: unknown) => void = (e) =>
      console.error(JSON.stringify({ level: "error", msg: "cannot record the published size", error: String(e) })),
  ) {
    this.written = start?.size ?? -1;
  }

  /** Records (size, root) unless a size at least as large is recorded (or `force`); resolves when written. */
  record(size: number, root: Uint8Array, force = false): Promise<void> {
    if (!force && size <= Math.max(this.written, this.next?.size ?? -1)) return this.flush();
    this.next = { size, root };
    this.writing ??= this.drain();
    return this.writing;
  }

  /** Resolves once every recorded size is on disk. */
  flush(): Promise<void> {
    return this.writing ?? Promise.resolve();
  }

  private async drain(): Promise<void> {
    try {
      while (this.next) {
        const { size, root } = this.next;
        this.next = undefined;
        try {
          await writeFileAtomicAsync(
            this.path,
            `${JSON.stringify({ origin: this.origin, size, root: toHex(root) })}\n`,
            0o644,
          );
          this.written = size;
        } catch (e) {
          this.onError(e);
        }
      }
    } finally {
      this.writing = undefined;
    }
  }
}

export interface WitnessProbe {
  readonly url: string;
  /** The witness's latest cosigned size for this log, when it told us. */
  readonly size?: number;
  readonly error?: string;
}

/**
 * Asks each witness for its latest cosigned size of this log, by submitting the current
 * checkpoint as an extension of itself: a witness at that size (and root) cosigns it again, any
 * other answers 409 with its size. Throws IntegrityError("rollback") if a witness holds a larger
 * size, or another root for this size; an unreachable witness is only reported.
 */
export async function probeWitnesses(
  view: LogView,
  witnesses: readonly WitnessEndpoint[],
  timeoutMs: number,
): Promise<WitnessProbe[]> {
  const note = view.checkpoint;
  if (note === "" || witnesses.length === 0) return [];
  const size = view.size;
  const probes = await Promise.all(
    witnesses.map(async (w): Promise<WitnessProbe> => {
      try {
        const out = await addCheckpoint(w.url, size, [], utf8(note), AbortSignal.timeout(timeoutMs));
        if (out.kind === "cosigned") return { url: w.url, size };
        if (out.kind === "conflict") return { url: w.url, size: out.size };
        return { url: w.url, error: `HTTP ${out.status}: ${out.message.slice(0, 200)}` };
      } catch (e) {
        return { url: w.url, error: e instanceof Error ? e.message : String(e) };
      }
    }),
  );
  let ahead = probes.filter((p) => p.size !== undefined && p.size > size);
  if (ahead.length > 0) {
    // Another sequencer (this one being its standby) may have committed since the view caught up.
    const stored = (await view.store.latestCheckpoint())?.size ?? 0;
    ahead = ahead.filter((p) => p.size! > stored);
  }
  if (ahead.length > 0) {
    throw new IntegrityError(
      "rollback",
      `witness ${ahead.map((p) => `${p.url} cosigned size ${p.size}`).join(", ")} of this log, but the store holds only size ${size}: ` +
        `the store was restored from an older copy; sequencing below a witnessed size would fork the log. Restore the newest copy of the store`,
      size,
    );
  }
  return probes;
}

/**
 * A store holding entries past its latest checkpoint was restored torn (entries and checkpoints
 * from different moments): every append would collide with them. Stores that cannot tell skip it.
 */
export async function checkNoEntriesBeyondCheckpoint(store: LogStore): Promise<void> {
  if (!store.countEntriesFrom) return;
  const size = (await store.latestCheckpoint())?.size ?? 0;
  const beyond = await store.countEntriesFrom(size);
  if (beyond > 0) {
    throw new IntegrityError(
      "entries-beyond-checkpoint",
      `the store holds ${beyond} entries at indexes ${size} and above, past its latest checkpoint (size ${size}): ` +
        `it was restored inconsistently (entries newer than its checkpoints). Restore a consistent copy (one database dump or file copy taken at one moment)`,
      size,
    );
  }
}
