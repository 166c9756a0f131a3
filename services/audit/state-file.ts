// The auditor's memory between runs: the last checkpoint it verified completely, and the right
// edge of that tree (its partial tiles, a few KiB) so that a later fork can be located. Written
// atomically (temporary file, fsync, rename), so a crash leaves the old state or the new one.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { fromBase64, toBase64 } from "../../log/bytes.js";
import { HASH_SIZE } from "../../log/hash.js";

export interface AuditState {
  readonly origin: string;
  readonly size: number;
  readonly root: Uint8Array;
  /** The signed checkpoint note verified last. */
  readonly checkpoint: string;
  /** Partial tiles of the tree of `size`, by level (TreeState.edge). */
  readonly edge: readonly Uint8Array[];
  /** Sequencing time of the last entry (the next may not be earlier). */
  readonly lastSequencedAt: bigint;
  /** Indices of the entries found invalid (skipped when the projections are rebuilt). */
  readonly refused: readonly number[];
  readonly auditedAt: string;
}

export class AuditStateError extends Error {
  constructor(path: string, reason: string) {
    super(`audit state ${path}: ${reason}`);
    this.name = "AuditStateError";
  }
}

interface Json {
  version: 1;
  origin: string;
  size: number;
  root: string;
  checkpoint: string;
  edge: string[];
  lastSequencedAt: string;
  refused: number[];
  auditedAt: string;
}

/** The stored state, or undefined if the file does not exist. Throws AuditStateError if it is corrupt. */
export function readAuditState(path: string): AuditState | undefined {
  if (!existsSync(path)) return undefined;
  let j: Json;
  try {
    j = JSON.parse(readFileSync(path, "utf8")) as Json;
  } catch (e) {
    throw new AuditStateError(path, `not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  try {
    if (j.version !== 1) throw new Error(`unknown version ${String(j.version)}`);
    if (typeof j.origin !== "string" || typeof j.checkpoint !== "string" || typeof j.auditedAt !== "string")
      throw new Error("missing fields");
    if (!Number.isSafeInteger(j.size) || j.size < 0) throw new Error("bad size");
    const root = fromBase64(j.root);
    if (root.length !== HASH_SIZE) throw new Error("bad root");
    if (!Array.isArray(j.edge)) throw new Error("bad edge");
    const edge = j.edge.map((e) => fromBase64(e));
    if (!/^(0|[1-9][0-9]*)$/.test(j.lastSequencedAt)) throw new Error("bad lastSequencedAt");
    if (!Array.isArray(j.refused) || !j.refused.every((i) => Number.isSafeInteger(i) && i >= 0 && i < j.size))
      throw new Error("bad refused list");
    return {
      origin: j.origin,
      size: j.size,
      root,
      checkpoint: j.checkpoint,
      edge,
      lastSequencedAt: BigInt(j.lastSequencedAt),
      refused: j.refused,
      auditedAt: j.auditedAt,
    };
  } catch (e) {
    throw new AuditStateError(path, e instanceof Error ? e.message : String(e));
  }
}

/** Replaces the state file atomically; durable once it returns. */
export function writeAuditState(path: string, s: AuditState): void {
  const j: Json = {
    version: 1,
    origin: s.origin,
    size: s.size,
    root: toBase64(s.root),
    checkpoint: s.checkpoint,
    edge: s.edge.map((e) => toBase64(e)),
    lastSequencedAt: String(s.lastSequencedAt),
    refused: [...s.refused],
    auditedAt: s.auditedAt,
  };
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, "w", 0o644);
  try {
    writeSync(fd, JSON.stringify(j, null, 2) + "\n");
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
