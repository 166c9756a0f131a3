// Where the label pages read a label from: the registry's committed view in the same process
// (viewLabelSource), or a registry's GetLabel over gRPC (gateway/labels/bundle-label-source.ts).

import type { LabelRecord, RegistryState } from "../../services/domain/state.js";
import { witnessedSnapshotFor } from "../../services/reads/snapshot.js";
import type { LogView } from "../../services/readmodel/log-view.js";
import { LabelViews } from "./label-view-map.js";

/** A label as of one checkpoint, with what the page needs around it. */
export interface LabelSnapshot {
  /** Immutable: pages rendered from it are cached by it. */
  readonly record: LabelRecord;
  /** Holds at least the label's category and issuer (for their names). */
  readonly state: RegistryState;
  /** The size of the checkpoint the record is as of. */
  readonly size: number;
  /** Maps the record to the page's view, reading the entries its history names. */
  readonly views: LabelViews;
}

export interface LabelSource {
  /** The authority's Ed25519 public key, pinned in the page for the in-browser verifier. */
  readonly authorityPublicKey: Uint8Array;
  /** The label, or undefined when the registry has no such label. */
  label(labelId: string): Promise<LabelSnapshot | undefined>;
}

/** Tries at reading a label whose record is ahead of the view (a commit the view is applying). */
const LABEL_READ_ATTEMPTS = 5;

/**
 * Labels from the registry's committed view. The page shows the record as of the checkpoint it
 * names: a record read from the store ahead of the view (a batch committed, not yet applied)
 * is read again once the view has advanced.
 */
export function viewLabelSource(view: LogView): LabelSource {
  const views = new LabelViews((s, e) => view.store.readEntries(s, e));
  return {
    authorityPublicKey: view.state.authorityPublicKey,
    async label(labelId) {
      for (let attempt = 1; ; attempt++) {
        const latest = view.size;
        const [record] = await view.records().labels([labelId]);
        if (record?.history.some((h) => h.index >= latest)) {
          if (attempt < LABEL_READ_ATTEMPTS) {
            await view.advancedPast(latest, 200);
            continue;
          }
          throw new Error(`label ${labelId} is ahead of the view (size ${latest}): the view is not following`);
        }
        // The size GetLabel's bundle will be as of (the page's verifier checks that bundle).
        const w = witnessedSnapshotFor(view, record?.history);
        const size = w && w.size <= latest ? w.size : latest;
        return record && { record, state: view.state, size, views };
      }
    },
  };
}
