// What a sequencing registry checks of its store's state tables before it serves from them, and
// the rebuild it runs when they fail (rebuild.ts). The tables are written in the same atomic
// append as the log, so in a healthy store they are in step by construction; these checks catch
// what construction cannot: tables created empty beside an existing log (an upgrade), a rebuild
// that did not finish, and rows that do not decode.
//
// Tables marked while another process rebuilds them (its rebuild steps recently: rebuild.ts beats
// while it replays) are waited for, not rebuilt beside it: a second rebuild would supersede the
// live one, and two processes restarted by a supervisor could supersede each other forever. A
// rebuild whose last step is older than the staleness limit died with its process, and is taken
// over. Ages are the store's (StateStatus.rebuildStepAgeMs): two machines' clocks never meet.
//
// What start-up cannot see without a full replay: a row that decodes but holds the wrong record
// (only `--rebuild`, or the auditor, compares every row with the log), and damage to rows the
// newest batch did not write.
import type { NoteVerifier } from "../../log/note.js";
import { bytesEqual } from "../../log/bytes.js";
import { isCommitment } from "../domain/decode.js";
import { decodeLogEntryFast } from "../domain/entry-wire.js";
import { statementMapKey } from "../domain/map-values.js";
import {
  decodeCategoryRow,
  decodeIssuerKeyRow,
  decodeIssuerRow,
  decodeLabelEntryRow,
  decodeLabelRow,
  checkSearchModelValue,
  decodeRequestIdRow,
  decodeSearchNameRow,
  labelEntryKey,
  searchModelKey,
} from "../domain/rows.js";
import { keyIdHex, keyIdOf } from "../domain/signing.js";
import { AUTHORITY_SIGNER, foldModel } from "../domain/state.js";
import { decodeStatsRow, STATS_TOTAL_KEY } from "../stats/rows.js";
import { isViolation } from "../domain/violation.js";
import type { SequencedStatement } from "../domain/apply.js";
import { RebuildSupersededError, type LogStore } from "../store/port.js";
import type { StateTable, StateTables } from "../store/state.js";
import { REBUILD_HEARTBEAT_MS, rebuildState, type RebuildProgress, type RebuildReport } from "./rebuild.js";

/** Entries of the newest batch the spot check reads at most. */
const SPOT_CHECK_ENTRIES = 4096;

/**
 * How long ago a rebuild's last step may have run for it to count as alive, by default: many
 * heartbeats, because a beat can be late by a rebuild's longest stretch without a step (a chunk's
 * read and tree check, a batch's prefetch and map update) on a loaded machine.
 * Taking over a live rebuild costs its work, not the tables (it stops and waits in turn).
 */
export const REBUILD_STALE_MS = 15 * REBUILD_HEARTBEAT_MS;

export interface StateStartUpOptions {
  /** Rebuild even if the tables look in step (`serve --rebuild`). */
  readonly force?: boolean;
  /** Told why a rebuild runs, before it starts. */
  readonly onRebuild?: (reason: string) => void;
  readonly onProgress?: (p: RebuildProgress) => void;
  /** Passed to rebuildState: the longest its replay goes without a step. */
  readonly heartbeatMs?: number;
  /** Passed to rebuildState: the heap its partial state's records may take between batches. */
  readonly stateCacheBytes?: number;
  /** A rebuild whose last step is at least this old is taken over, not waited for; REBUILD_STALE_MS. */
  readonly staleAfterMs?: number;
  /** How often the tables' status is read while waiting for another rebuild; half a heartbeat by default. */
  readonly pollMs?: number;
}

/**
 * Makes `store`'s state tables fit to serve from: checks them, and rebuilds them from the log if
 * they are out of step (or `force`). Resolves with this call's rebuild's report, or undefined if
 * it ran none: none was needed, or another rebuild did it. A store without state tables needs
 * nothing.
 *
 * While the tables are marked and the newest rebuild stepped within `staleAfterMs` (another
 * process, or caller, is rebuilding them), it waits for that rebuild, reading the status every
 * `pollMs`, then checks the tables again: a rebuild the other finished satisfies `force` too, as
 * it replayed the whole log. A marked rebuild that stopped stepping is taken over. When its own
 * rebuild is superseded, it waits for the newer one the same way instead of failing. A wait has
 * no bound of its own: it ends when the awaited rebuild finishes or stops stepping. Each wait is
 * logged (console.error, a JSON line).
 */
export async function prepareStateTables(
  store: LogStore,
  authorityPublicKey: Uint8Array,
  logVerifier: NoteVerifier,
  opts: StateStartUpOptions = {},
): Promise<RebuildReport | undefined> {
  const tables = store.state;
  if (!tables) {
    if (opts.force) throw new Error("rebuild: this store keeps no state tables (nothing to rebuild)");
    return undefined;
  }
  const heartbeatMs = opts.heartbeatMs ?? REBUILD_HEARTBEAT_MS;
  const staleAfterMs = opts.staleAfterMs ?? REBUILD_STALE_MS;
  const pollMs = opts.pollMs ?? heartbeatMs / 2;
  let force = opts.force === true;
  for (;;) {
    if (await waitForLiveRebuild(tables, staleAfterMs, pollMs)) force = false;
    const reason = force ? "asked to (--rebuild)" : await outOfStep(store, tables, authorityPublicKey);
    if (reason === undefined) return undefined;
    opts.onRebuild?.(reason);
    try {
      return await rebuildState(store, authorityPublicKey, logVerifier, {
        heartbeatMs,
        ...(opts.stateCacheBytes !== undefined ? { stateCacheBytes: opts.stateCacheBytes } : {}),
        ...(opts.onProgress ? { progress: opts.onProgress } : {}),
      });
    } catch (e) {
      if (!(e instanceof RebuildSupersededError)) throw e;
      // The newer rebuild began after this one: it satisfies `force` as this one would have.
      force = false;
      log("this process's rebuild of the state tables was superseded by another; waiting for that one", {
        token: e.token,
        newest: e.newest,
      });
    }
  }
}

/**
 * Waits while the tables are marked and the newest rebuild stepped within `staleAfterMs`, reading
 * the status every `pollMs`; resolves with whether it waited. A newer rebuild superseding the
 * awaited one is waited for in turn.
 */
async function waitForLiveRebuild(tables: StateTables, staleAfterMs: number, pollMs: number): Promise<boolean> {
  let awaited: number | undefined;
  for (;;) {
    const status = await tables.status();
    const age = status.rebuildStepAgeMs;
    // Only a rebuild under way is waited for: the last step of a finished one may be recent
    // when the tables are marked again (an upgrade), and no one is rebuilding them then.
    if (!status.rebuildUnderWay || age === undefined || age >= staleAfterMs) {
      if (awaited !== undefined)
        log(
          status.rebuildNeeded
            ? "the awaited rebuild of the state tables stopped stepping; taking it over"
            : "the awaited rebuild of the state tables finished",
          { token: status.rebuildToken, lastStepMsAgo: age, staleAfterMs },
        );
      return awaited !== undefined;
    }
    if (status.rebuildToken !== awaited) {
      awaited = status.rebuildToken;
      log("waiting for another process's rebuild of the state tables, under way", {
        token: awaited,
        lastStepMsAgo: Math.round(age),
        staleAfterMs,
      });
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

function log(msg: string, fields: Record<string, unknown>): void {
  console.error(JSON.stringify({ level: "info", msg: `labelreg: ${msg}`, ...fields }));
}

/** Why the tables may not be served from, or undefined if they pass every start-up check. */
export async function outOfStep(
  store: LogStore,
  tables: StateTables,
  authorityPublicKey: Uint8Array,
): Promise<string | undefined> {
  const status = await tables.status();
  if (status.rebuildNeeded)
    return "the state tables are marked as needing a rebuild (created beside an existing log by an upgrade, or a rebuild did not finish)";
  const size = (await store.latestCheckpoint())?.size ?? 0;
  if (status.size !== size) return `the state tables reflect ${status.size} entries, the log has ${size}`;
  try {
    await spotCheck(store, tables, size, keyIdHex(keyIdOf(authorityPublicKey)));
  } catch (e) {
    return `the newest batch's rows fail the start-up check: ${e instanceof Error ? e.message : String(e)}`;
  }
  return undefined;
}

/**
 * The rows the newest batch (the entries after the commitment before the last) wrote: each
 * statement's request id row holds its index and digest, and the row of the thing it changed
 * first (its label with the label's newest event, its issuer, its category) decodes, as do an
 * issuance's search rows; the statistics' total row counts every entry. A few round trips
 * whatever the batch's size: one read per table.
 */
async function spotCheck(store: LogStore, tables: StateTables, size: number, authorityKeyId: string): Promise<void> {
  if (size === 0) return;
  const start = Math.max(0, size - SPOT_CHECK_ENTRIES);
  const entries = await store.readEntries(start, size);
  let first = entries.length - 1;
  // The batch: back from the end, past its own commitment, to the one before it.
  while (first > 0) {
    const e = decodeLogEntryFast(entries[first - 1]!);
    if (!isViolation(e) && isCommitment(e)) break;
    first--;
  }
  const batch: { index: number; e: SequencedStatement }[] = [];
  // Tables written before the statistics had rows (an upgrade) have none: a rebuild writes them.
  const total = (await tables.readState("stats", [STATS_TOTAL_KEY])).values[0];
  if (total === undefined) throw new Error(`no stats row for ${JSON.stringify(STATS_TOTAL_KEY)}`);
  const stats = decodeStatsRow(STATS_TOTAL_KEY, total);
  if (stats.kind === "total" && stats.total.statements + stats.total.commitments !== size)
    throw new Error(`the statistics count ${stats.total.statements + stats.total.commitments} entries`);
  for (let i = first; i < entries.length; i++) {
    const e = decodeLogEntryFast(entries[i]!);
    if (isViolation(e)) throw new Error(`entry ${start + i} does not decode: ${e.message}`);
    if (!isCommitment(e)) batch.push({ index: start + i, e });
  }
  const read = async (table: StateTable, keys: readonly string[]): Promise<Map<string, Uint8Array>> => {
    const unique = [...new Set(keys)];
    const values = (await tables.readState(table, unique)).values;
    return new Map(
      unique.map((k, i) => {
        const v = values[i];
        if (v === undefined) throw new Error(`no ${table} row for ${JSON.stringify(k)}`);
        return [k, v];
      }),
    );
  };

  const keyIds = batch.map(({ e }) => keyIdHex(e.keyId));
  const issuerKeys = await read(
    "issuerKey",
    keyIds.filter((k) => k !== authorityKeyId),
  );
  const requestKeys = batch.map(({ e }, i) => {
    const signer =
      keyIds[i] === authorityKeyId ? AUTHORITY_SIGNER : decodeIssuerKeyRow(issuerKeys.get(keyIds[i]!)!).issuerId;
    return `${signer}\n${e.statement.requestId}`;
  });
  const requests = await read("requestId", requestKeys);
  batch.forEach(({ index, e }, i) => {
    const request = decodeRequestIdRow(requests.get(requestKeys[i]!)!);
    if (request.index !== index) throw new Error(`the request id row of entry ${index} names entry ${request.index}`);
    if (
      !bytesEqual(
        Uint8Array.from(request.digest, (c) => c.charCodeAt(0)),
        e.digest,
      )
    )
      throw new Error(`the request id row of entry ${index} holds another digest`);
  });

  const things = batch.map(({ e }) => statementMapKey(e.statement));
  const ids = (kind: string) => things.flatMap((t) => (t?.kind === kind ? [t.id] : []));
  const labels = [...(await read("label", ids("label")))].map(([id, v]) => ({ id, row: decodeLabelRow(v) }));
  for (const v of (
    await read(
      "labelEntry",
      labels.map((l) => labelEntryKey(l.id, l.row.version)),
    )
  ).values())
    decodeLabelEntryRow(v);
  for (const v of (await read("issuer", ids("issuer"))).values()) decodeIssuerRow(v);
  for (const v of (await read("category", ids("category"))).values()) decodeCategoryRow(v);
  // An issuance writes its search rows too (tables from before them lack these).
  const issued = batch.flatMap(({ e }) => (e.statement.kind?.$case === "labelIssued" ? [e.statement.kind.value] : []));
  const codes = issued.map((l) => l.manufacturer?.registrationCode ?? "");
  for (const v of (
    await read(
      "searchModel",
      issued.map((l, i) => searchModelKey(foldModel(l.productModel), codes[i]!)),
    )
  ).values())
    checkSearchModelValue(v);
  for (const v of (await read("searchName", codes)).values()) decodeSearchNameRow(v);
}
