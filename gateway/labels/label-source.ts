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

/** Labels from the registry's committed view, read in one synchronous step with its size. */
export function viewLabelSource(view: LogView): LabelSource {
  const views = new LabelViews((s, e) => view.store.readEntries(s, e));
  return {
    authorityPublicKey: view.state.authorityPublicKey,
    // The sequencer applies a batch and advances the size together, so reading both without an
    // await between them names the checkpoint the state comes from.
    label(labelId) {
      const record = view.state.labels.get(labelId);
      // The size GetLabel's bundle will be as of (the page's verifier checks that bundle).
      const size = witnessedSnapshotFor(view, record?.history)?.size ?? view.size;
      return Promise.resolve(record && { record, state: view.state, size, views });
    },
  };
}
