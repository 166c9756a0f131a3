// What a sequencing registry checks of its store's state tables before it serves from them, and
// the rebuild it runs when they fail (rebuild.ts). The tables are written in the same atomic
// append as the log, so in a healthy store they are in step by construction; these checks catch
// what construction cannot: tables created empty beside an existing log (an upgrade), a rebuild
// that did not finish, and rows that do not decode.
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
  decodeRequestIdRow,
  labelEntryKey,
} from "../domain/rows.js";
import { keyIdHex, keyIdOf } from "../domain/signing.js";
import { AUTHORITY_SIGNER } from "../domain/state.js";
import { decodeStatsRow, STATS_TOTAL_KEY } from "../stats/rows.js";
import { isViolation } from "../domain/violation.js";
import type { LogStore } from "../store/port.js";
import type { StateTable, StateTables } from "../store/state.js";
import { rebuildState, type RebuildProgress, type RebuildReport } from "./rebuild.js";

/** Entries of the newest batch the spot check reads at most. */
const SPOT_CHECK_ENTRIES = 4096;

export interface StateStartUpOptions {
  /** Rebuild even if the tables look in step (`serve --rebuild`). */
  readonly force?: boolean;
  /** Told why a rebuild runs, before it starts. */
  readonly onRebuild?: (reason: string) => void;
  readonly onProgress?: (p: RebuildProgress) => void;
}

/**
 * Makes `store`'s state tables fit to serve from: checks them, and rebuilds them from the log if
 * they are out of step (or `force`). Resolves with the rebuild's report, or undefined if none
 * was needed. A store without state tables needs nothing.
 */
export async function prepareStateTables(
  store: LogStore,
  authorityPublicKey: Uint8Array,
  logVerifier: NoteVerifier,
  opts: StateStartUpOptions = {},
): Promise<RebuildReport | undefined> {
  if (!store.state) return undefined;
  const reason = opts.force ? "asked to (--rebuild)" : await outOfStep(store, store.state, authorityPublicKey);
  if (reason === undefined) return undefined;
  opts.onRebuild?.(reason);
  return rebuildState(store, authorityPublicKey, logVerifier, opts.onProgress);
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
 * first (its label with the label's newest event, its issuer, its category) decodes; the
 * statistics' total row counts every entry.
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
  const one = async (table: StateTable, key: string): Promise<Uint8Array> => {
    const v = (await tables.readState(table, [key])).values[0];
    if (v === undefined) throw new Error(`no ${table} row for ${JSON.stringify(key)}`);
    return v;
  };
  // Tables written before the statistics had rows (an upgrade) have none: a rebuild writes them.
  const stats = decodeStatsRow(STATS_TOTAL_KEY, await one("stats", STATS_TOTAL_KEY));
  if (stats.kind === "total" && stats.total.statements + stats.total.commitments !== size)
    throw new Error(`the statistics count ${stats.total.statements + stats.total.commitments} entries`);
  for (let i = first; i < entries.length; i++) {
    const index = start + i;
    const e = decodeLogEntryFast(entries[i]!);
    if (isViolation(e)) throw new Error(`entry ${index} does not decode: ${e.message}`);
    if (isCommitment(e)) continue;
    const keyId = keyIdHex(e.keyId);
    const signer =
      keyId === authorityKeyId ? AUTHORITY_SIGNER : decodeIssuerKeyRow(await one("issuerKey", keyId)).issuerId;
    const request = decodeRequestIdRow(await one("requestId", `${signer}\n${e.statement.requestId}`));
    if (request.index !== index) throw new Error(`the request id row of entry ${index} names entry ${request.index}`);
    if (
      !bytesEqual(
        Uint8Array.from(request.digest, (c) => c.charCodeAt(0)),
        e.digest,
      )
    )
      throw new Error(`the request id row of entry ${index} holds another digest`);
    const thing = statementMapKey(e.statement);
    if (thing?.kind === "label") {
      const label = decodeLabelRow(await one("label", thing.id));
      decodeLabelEntryRow(await one("labelEntry", labelEntryKey(thing.id, label.version)));
    } else if (thing?.kind === "issuer") decodeIssuerRow(await one("issuer", thing.id));
    else if (thing?.kind === "category") decodeCategoryRow(await one("category", thing.id));
  }
}
