// `labelreg serve`'s numeric flags: whole numbers checked here, so a bad value stops the start
// with a message naming the flag and its rule; and the memory and rebuild-timing flags, which
// hold rules between flags too.
import { REBUILD_HEARTBEAT_MS } from "../../services/integrity/rebuild.js";
import { REBUILD_STALE_MS } from "../../services/integrity/state-start-up.js";

const MB = 1024 * 1024;
/** A mebibyte count whose bytes stay a safe integer, far above any machine's memory. */
const MAX_CACHE_MB = 1024 * 1024;
/** The longest a rebuild's heartbeat or staleness limit may be: past that a dead rebuild blocks start-up too long. */
const MAX_REBUILD_HEARTBEAT_MS = 10 * 60_000;
const MAX_REBUILD_STALE_MS = 60 * 60_000;
/**
 * A beat is late by a rebuild's longest synchronous stretch: a staleness limit of less than two
 * heartbeats would take over live rebuilds.
 */
const MIN_STALE_HEARTBEATS = 2;

export function parsePositive(flag: string, v: string): number {
  const n = /^\d{1,12}$/.test(v) ? Number(v) : NaN;
  if (!(n > 0)) throw new Error(`${flag} must be a positive whole number, not ${JSON.stringify(v)}`);
  return n;
}

export function parseNonNegative(flag: string, v: string): number {
  return v === "0" ? 0 : parsePositive(flag, v);
}

function parseAtMost(flag: string, v: string, max: number, unit: string): number {
  const n = parsePositive(flag, v);
  if (n > max) throw new Error(`${flag} must be at most ${max} ${unit}, not ${v}`);
  return n;
}

/** The serve flags that size memory and time the state rebuild, as given (strings) by commander. */
export interface MemoryFlags {
  /** The record count that bounded the state cache before it was a byte budget: refused. */
  readonly stateCacheRecords?: string;
  readonly mapCacheMb?: string;
  readonly stateCacheMb?: string;
  readonly tileCacheMb?: string;
  readonly readCacheMb?: string;
  readonly rebuildHeartbeatMs?: string;
  readonly rebuildStaleMs?: string;
}

/** What those flags ask for, as startRegistry's options; only the flags given. */
export interface MemoryOptions {
  readonly mapCacheBytes?: number;
  readonly stateCacheBytes?: number;
  readonly tileCacheBytes?: number;
  readonly readCacheBytes?: number;
  readonly stateRebuildTiming?: { readonly heartbeatMs?: number; readonly staleAfterMs?: number };
}

export function memoryOptions(f: MemoryFlags): MemoryOptions {
  if (f.stateCacheRecords !== undefined)
    throw new Error(
      "--state-cache-records is no longer a flag: the state cache is a budget in bytes, set with --state-cache-mb <MB>",
    );
  const bytes = (flag: string, v: string | undefined) =>
    v === undefined ? undefined : parseAtMost(flag, v, MAX_CACHE_MB, "MiB") * MB;
  const heartbeatMs =
    f.rebuildHeartbeatMs === undefined
      ? undefined
      : parseAtMost("--rebuild-heartbeat-ms", f.rebuildHeartbeatMs, MAX_REBUILD_HEARTBEAT_MS, "ms");
  const staleAfterMs =
    f.rebuildStaleMs === undefined
      ? undefined
      : parseAtMost("--rebuild-stale-ms", f.rebuildStaleMs, MAX_REBUILD_STALE_MS, "ms");
  if (heartbeatMs !== undefined || staleAfterMs !== undefined) {
    const beat = heartbeatMs ?? REBUILD_HEARTBEAT_MS;
    const stale = staleAfterMs ?? REBUILD_STALE_MS;
    if (stale < MIN_STALE_HEARTBEATS * beat)
      throw new Error(
        `--rebuild-stale-ms (${stale}${staleAfterMs === undefined ? ", the default" : ""}) must be at least ` +
          `${MIN_STALE_HEARTBEATS} times --rebuild-heartbeat-ms (${beat}${heartbeatMs === undefined ? ", the default" : ""}): ` +
          "a live rebuild's beat can be that late",
      );
  }
  const out: Record<string, unknown> = {
    mapCacheBytes: bytes("--map-cache-mb", f.mapCacheMb),
    stateCacheBytes: bytes("--state-cache-mb", f.stateCacheMb),
    tileCacheBytes: bytes("--tile-cache-mb", f.tileCacheMb),
    readCacheBytes: bytes("--read-cache-mb", f.readCacheMb),
    stateRebuildTiming:
      heartbeatMs === undefined && staleAfterMs === undefined
        ? undefined
        : {
            ...(heartbeatMs !== undefined ? { heartbeatMs } : {}),
            ...(staleAfterMs !== undefined ? { staleAfterMs } : {}),
          },
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as MemoryOptions;
}
