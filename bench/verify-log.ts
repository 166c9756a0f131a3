// Builds a large, valid registry log fast for bench/verify.bench.ts: statements pre-signed in this
// process, integrated into the tree by the log library and appended straight into a SQLite store
// in big batches (no gRPC, no sequencer), with the keys `labelreg serve` expects in the data
// directory. Every entry obeys the rules (the verifier replays them): per label, issued, then
// suspended and reinstated by its issuer, all at one sequencing time. Each batch ends with its
// state map commitment, as the sequencer's do, so reads carry completeness proofs.
import { existsSync, readdirSync, rmSync } from "node:fs";
import { formatCheckpoint } from "../log/checkpoint.js";
import { utf8 } from "../log/bytes.js";
import { integrate } from "../log/integrate.js";
import { signNote } from "../log/note.js";
import { emptyTreeState } from "../log/tree-state.js";
import { LogEntry } from "../proto/gen/messages/labelreg/v1/entry.js";
import type { Statement } from "../proto/gen/messages/labelreg/v1/statement.js";
import { loadOrCreateSignerKey } from "../services/config/key-files.js";
import { devAuthorityKeyPath, logKeyPath } from "../app/server.js";
import { openSqliteStore, SQLITE_FILE } from "../services/store/sqlite.js";
import { apply } from "../services/domain/apply.js";
import { encodeCommitmentEntry, isCommitment } from "../services/domain/decode.js";
import { decodeLogEntryFast } from "../services/domain/entry-wire.js";
import { RegistryState } from "../services/domain/state.js";
import { isViolation } from "../services/domain/violation.js";
import { StateMap } from "../services/readmodel/state-map.js";
import { MapTouched } from "../services/domain/map-values.js";
import { batchRows } from "../services/domain/state-rows.js";
import { mapStateWrite } from "../services/store/map-nodes.js";
import { pathBytes, ROOT_PATH } from "../log/map/index.js";
import {
  categoryPublished,
  issuerAccredited,
  issuerKey,
  labelChange,
  labelIssued,
  sign,
  type RawSigner,
} from "../test/statement-kit.js";
import { join } from "node:path";

export const ENTRIES_PER_LABEL = 3;
export const ISSUERS = 10;
export const ORIGIN = "bench.example/verify";

export const issuerIdOf = (i: number) => `BI${i}`;
/** The id of label number j (0-based). */
export const labelIdOf = (j: number) => `${issuerIdOf(j % ISSUERS)}-${j}`;
/** Labels in a log of about `entries` entries (commitments aside). */
export const labelsIn = (entries: number) => Math.floor((entries - 1 - ISSUERS) / ENTRIES_PER_LABEL);
/** Statement entries per batch (a multiple of ENTRIES_PER_LABEL); each batch adds a commitment. */
const BATCH = 8190;
/** The size of the log buildLog makes for `labels` labels: the set-up batch, the label batches, a commitment each. */
const sizeFor = (labels: number) =>
  1 + ISSUERS + 1 + labels * ENTRIES_PER_LABEL + Math.ceil((labels * ENTRIES_PER_LABEL) / BATCH);

/** Builds (or reuses) a data directory holding a log of at least `entries` entries. Returns its label count. */
export async function buildLog(dataDir: string, entries: number, log: (msg: string) => void): Promise<number> {
  const labels = labelsIn(entries);
  const { signer: logSigner } = loadOrCreateSignerKey(logKeyPath(dataDir), ORIGIN);
  const { signer: authority } = loadOrCreateSignerKey(devAuthorityKeyPath(dataDir), "labelreg-dev-authority");
  let store = await openSqliteStore({ dir: dataDir });
  try {
    const have = (await store.latestCheckpoint())?.size ?? 0;
    if (have > 0 && existsSync(join(dataDir, SQLITE_FILE))) {
      // A cache built before the map was stored beside the log has no root node.
      const stored = (await store.state!.readMapNodes([pathBytes(ROOT_PATH)], have - 1))[0] !== undefined;
      if (have === sizeFor(labels) && stored) return labels;
      // An earlier build of this bench's own cache (another size, or a layout since changed).
      log(
        `  ${dataDir} holds a log of ${have} entries${stored ? "" : " without its stored map"}, not the ${sizeFor(labels)} this run builds: rebuilding`,
      );
      await store.close();
      for (const f of readdirSync(dataDir)) if (f.startsWith(SQLITE_FILE)) rmSync(join(dataDir, f));
      store = await openSqliteStore({ dir: dataDir });
    }
    const T = BigInt(Math.floor(Date.now() / 1000));
    const at = (s: Statement): Statement => ({ ...s, signedAtUnix: T });
    const keys: RawSigner[] = Array.from({ length: ISSUERS }, (_, i) => issuerKey(1000 + i));
    const entryOf = (key: RawSigner, s: Statement) => {
      const signed = sign(key, at(s), ORIGIN);
      return LogEntry.encode({
        statement: signed.statement,
        keyId: signed.keyId,
        signature: signed.signature,
        sequencedAtUnix: T,
        mapCommitment: undefined,
      }).finish();
    };
    let tree = emptyTreeState();
    const state = new RegistryState(authority.publicKey);
    const map = new StateMap(1);
    const flush = async (statements: Uint8Array[]) => {
      // The state tables' rows of the batch, as the sequencer writes them: the registry then
      // starts on tables in step, with no rebuild.
      const touched = new MapTouched();
      const accepted = statements.map((bytes, i) => {
        const e = decodeLogEntryFast(bytes);
        if (isViolation(e) || isCommitment(e)) throw new Error(`built entry ${tree.size + i} is not a statement`);
        apply(state, e, tree.size + i);
        map.note(state, e.statement);
        touched.add(state, e.statement);
        return e;
      });
      const rows = batchRows(state, touched, accepted, tree.size);
      const index = tree.size + statements.length;
      const prepared = map.prepareNow(state, index);
      const commitment = encodeCommitmentEntry({ root: prepared.update.root, size: BigInt(index) }, T);
      const batch = [...statements, commitment];
      const integration = integrate(tree, batch);
      const note = signNote(
        formatCheckpoint({
          origin: ORIGIN,
          size: integration.state.size,
          root: integration.state.root,
          extensions: [],
        }),
        [logSigner],
      );
      await store.append({
        expectedSize: tree.size,
        entries: batch,
        tiles: integration.tiles,
        checkpoint: utf8(note),
        // The rows and the map's nodes and values, as the sequencer stores them: a registry
        // started on this log serves from them.
        state: { rows, ...mapStateWrite(index, prepared.update, prepared.values) },
      });
      tree = integration.state;
      map.commit(prepared, T);
      const c = decodeLogEntryFast(commitment);
      if (isViolation(c)) throw new Error(c.message);
      apply(state, c, index);
    };
    const head = [entryOf(authority, categoryPublished("bench-cat"))];
    keys.forEach((k, i) => head.push(entryOf(authority, issuerAccredited(`bench-acc-${i}`, issuerIdOf(i), k))));
    await flush(head);
    const t0 = performance.now();
    let batch: Uint8Array[] = [];
    for (let j = 0; j < labels; j++) {
      const issuer = keys[j % ISSUERS]!;
      const id = labelIdOf(j);
      const issued = labelIssued(`i${j}`, issuerIdOf(j % ISSUERS), String(j));
      const v = issued.kind!.value as { validFromUnix: bigint; validUntilUnix: bigint };
      v.validFromUnix = T - 60n;
      v.validUntilUnix = T + 365n * 86_400n;
      batch.push(
        entryOf(issuer, issued),
        entryOf(issuer, labelChange(`s${j}`, id, 1n, "suspend")),
        entryOf(issuer, labelChange(`r${j}`, id, 2n, "reinstate")),
      );
      if (batch.length >= BATCH) {
        await flush(batch);
        batch = [];
        if ((j + 1) % 30_000 < 2730)
          log(`  built ${tree.size} entries (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      }
    }
    if (batch.length > 0) await flush(batch);
    log(`  built ${tree.size} entries over ${labels} labels in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return labels;
  } finally {
    await store.close();
  }
}
