// The state file of `labelreg watch`: where the watch has read the log up to, the newest
// checkpoint it has verified (the next one must extend it), and every label it has been told of
// per product, so that a resumed watch neither repeats nor misses an event, and a log rewritten
// while it was off is caught by the consistency check.
import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../../services/config/atomic-file.js";
import { LABEL_ID, REGISTRATION_CODE } from "../../services/domain/syntax.js";

export interface WatchState {
  readonly version: 1;
  /** The registration codes watched, sorted: a state file belongs to one set of them. */
  readonly manufacturers: readonly string[];
  /** The first log index not yet read. */
  nextIndex: number;
  /** The newest verified checkpoint note ("" before the first). */
  checkpoint: string;
  /** Every label id naming a watched manufacturer that the watch has reported, sorted. */
  labels: string[];
}

/** Largest state file read: room for every label of the largest manufacturers. */
const MAX_STATE_BYTES = 64 << 20;

export class WatchStateError extends Error {
  constructor(path: string, why: string) {
    super(`watch state ${path}: ${why}`);
    this.name = "WatchStateError";
  }
}

export function newWatchState(manufacturers: readonly string[]): WatchState {
  return { version: 1, manufacturers: [...new Set(manufacturers)].sort(), nextIndex: 0, checkpoint: "", labels: [] };
}

/** Parses a state file's text; throws WatchStateError naming what is wrong. */
export function parseWatchState(path: string, text: string): WatchState {
  if (text.length > MAX_STATE_BYTES) throw new WatchStateError(path, `over ${MAX_STATE_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new WatchStateError(path, "not JSON");
  }
  const o = json as Record<string, unknown>;
  if (typeof o !== "object" || o === null || Array.isArray(o)) throw new WatchStateError(path, "not a JSON object");
  if (o.version !== 1) throw new WatchStateError(path, "unknown version (expected 1)");
  const m = o.manufacturers;
  if (!Array.isArray(m) || m.length === 0 || !m.every((c) => typeof c === "string" && REGISTRATION_CODE.test(c)))
    throw new WatchStateError(path, "manufacturers must be a non-empty list of registration codes");
  if (typeof o.nextIndex !== "number" || !Number.isSafeInteger(o.nextIndex) || o.nextIndex < 0)
    throw new WatchStateError(path, "nextIndex must be a non-negative whole number");
  if (typeof o.checkpoint !== "string") throw new WatchStateError(path, "checkpoint must be a string");
  const labels = o.labels;
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === "string" && LABEL_ID.test(l)))
    throw new WatchStateError(path, "labels must be a list of label ids");
  return {
    version: 1,
    manufacturers: [...new Set(m as string[])].sort(),
    nextIndex: o.nextIndex,
    checkpoint: o.checkpoint,
    labels: [...new Set(labels as string[])].sort(),
  };
}

/** The state in `path` for these manufacturers, or a new one if the file does not exist. */
export function loadWatchState(path: string, manufacturers: readonly string[]): WatchState {
  const fresh = newWatchState(manufacturers);
  if (!existsSync(path)) return fresh;
  const s = parseWatchState(path, readFileSync(path, "utf8"));
  if (s.manufacturers.join(",") !== fresh.manufacturers.join(","))
    throw new WatchStateError(
      path,
      `it watches ${s.manufacturers.join(", ")}, not ${fresh.manufacturers.join(", ")}: use another --state file`,
    );
  return s;
}

/** Writes the state atomically and durably (a crash leaves the old state or the new one). */
export function saveWatchState(path: string, s: WatchState): void {
  writeFileAtomic(path, `${JSON.stringify(s, null, 2)}\n`);
}
