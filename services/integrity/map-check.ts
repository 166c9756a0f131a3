// The state map recomputed from the entries as they are passed, in log order, and every map
// commitment entry held to it: it must count exactly the entries before it (its own index) and
// carry the root of the map they give. Catch-up (LogView) checks commitments with
// checkCommitment() when its map is in memory, and with checkStoredCommitment() when the store
// keeps the map (the writer computed it; the stored map must give the committed root). A full
// pass over a stored log (check-log.ts: fsck, the scrub) replays a whole log with MapCheck. The
// auditor reports the same two faults as findings instead of stopping (services/audit/replay.ts).
import { bytesEqual } from "../../log/bytes.js";
import { apply } from "../domain/apply.js";
import { isCommitment } from "../domain/decode.js";
import { decodeLogEntryFast } from "../domain/entry-wire.js";
import { RegistryState } from "../domain/state.js";
import { isViolation } from "../domain/violation.js";
import { StateMap } from "../readmodel/state-map.js";
import { MapVersionPrunedError } from "../store/state.js";
import type { StatsFold } from "../stats/fold.js";
import { IntegrityError } from "./integrity-error.js";

/**
 * Brings `map` up to the commitment entry at `index` over `state` (the entries before it
 * applied) and checks that entry; stores the new version. Throws IntegrityError map-commitment.
 */
export function checkCommitment(
  map: StateMap,
  state: RegistryState,
  c: { readonly root: Uint8Array; readonly size: bigint },
  sequencedAtUnix: bigint,
  index: number,
): void {
  checkCommitmentCount(c, index);
  const prepared = map.prepareNow(state, index);
  if (!bytesEqual(prepared.update.root, c.root)) {
    throw new IntegrityError(
      "map-commitment",
      `the map commitment at index ${index} does not match the map the entries before it give`,
      index,
    );
  }
  map.commit(prepared, sequencedAtUnix);
}

/**
 * Holds the commitment entry at `index` to the map the store keeps (map.storage is the store's):
 * the stored map's root at that version must be the committed root. Versions below `floor` (the
 * store's map floor) are no longer stored whole: only the count is checked there. Records the
 * commitment in `map`. Throws IntegrityError map-commitment.
 */
export async function checkStoredCommitment(
  map: StateMap,
  c: { readonly root: Uint8Array; readonly size: bigint },
  sequencedAtUnix: bigint,
  index: number,
  floor: number,
  /** Whether the map's node cache reads the version's nodes back (the newest commitment passed). */
  warm = true,
): Promise<void> {
  checkCommitmentCount(c, index);
  if (index >= floor) {
    let root: Uint8Array | undefined;
    try {
      root = await map.rootAt(index);
    } catch (e) {
      // Pruned since the floor was read: nothing left to compare with. Any other failure is the store's.
      if (!(e instanceof MapVersionPrunedError)) throw e;
    }
    if (root !== undefined && !bytesEqual(root, c.root))
      throw new IntegrityError(
        "map-commitment",
        `the map commitment at index ${index} does not match the map the store keeps at that version`,
        index,
      );
  }
  await map.passed({ size: index, root: c.root, sequencedAtUnix }, warm);
}

/** Throws IntegrityError map-commitment unless the commitment at `index` counts `index` entries. */
export function checkCommitmentCount(c: { readonly size: bigint }, index: number): void {
  if (c.size !== BigInt(index))
    throw new IntegrityError(
      "map-commitment",
      `the map commitment at index ${index} counts ${c.size} entries, not ${index}`,
      index,
    );
}

/**
 * A replay of a whole log from its first entry for the map alone: projections and the newest map
 * version, nothing kept for proofs. Rules are not rechecked (the auditor does that).
 */
export class MapCheck {
  private readonly state: RegistryState;
  private readonly map = new StateMap(1);

  /** With `stats`, the entries are applied through that fold (a rebuild writes its rows too). */
  constructor(
    authorityPublicKey: Uint8Array,
    readonly stats?: StatsFold,
  ) {
    this.state = new RegistryState(authorityPublicKey);
  }

  /** The projections of the entries passed so far (read-only: extend() is their one writer). */
  get projected(): RegistryState {
    return this.state;
  }

  /** Entries passed so far: the index the next one must have. */
  get size(): number {
    return this.state.size;
  }

  /** Applies the next entries (from index `size`); throws IntegrityError bad-entry or map-commitment. */
  extend(entries: readonly Uint8Array[]): void {
    for (const bytes of entries) {
      const index = this.state.size;
      const e = decodeLogEntryFast(bytes);
      if (isViolation(e)) throw new IntegrityError("bad-entry", `entry ${index} does not decode: ${e.message}`, index);
      if (isCommitment(e)) checkCommitment(this.map, this.state, e.commitment, e.sequencedAtUnix, index);
      if (this.stats) this.stats.apply(this.state, e, index);
      else apply(this.state, e, index);
      if (!isCommitment(e)) this.map.note(this.state, e.statement);
    }
  }
}
