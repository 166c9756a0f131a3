// The compact form of VerifyLabels: one Snapshot (the checkpoint) per stream, each context entry
// sent once, bundles referring to them by index. A client reassembles full bundles here, then
// verifies each like any other bundle (the verifier trusts nothing the stream said).
import type {
  LabelBundle,
  ProvenEntry,
  VerifyLabelsResponse,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";

/** Collects a VerifyLabels stream's snapshot and context entries, and expands compact bundles. */
export class CompactBundles {
  checkpoint = "";
  private readonly context = new Map<bigint, ProvenEntry>();

  /** Feeds one stream message; returns the label result it carries, if any. */
  accept(
    msg: VerifyLabelsResponse,
  ): Extract<NonNullable<VerifyLabelsResponse["message"]>, { $case: "result" }>["value"] | undefined {
    const m = msg.message;
    if (!m) return undefined;
    if (m.$case === "snapshot") this.checkpoint = m.value.checkpoint;
    else if (m.$case === "context") for (const e of m.value.entries) this.context.set(e.index, e);
    else return m.value;
    return undefined;
  }

  /**
   * The full bundle: the stream's checkpoint and the context entries it names. A reference to an
   * entry the stream never sent is left out, so the bundle then fails verification (not a throw).
   */
  expand(b: LabelBundle): LabelBundle {
    if (b.checkpoint !== "" && b.contextIndices.length === 0) return b;
    const contextEntries: ProvenEntry[] = [];
    for (const i of b.contextIndices) {
      const e = this.context.get(i);
      if (e) contextEntries.push(e);
    }
    return {
      ...b,
      checkpoint: b.checkpoint || this.checkpoint,
      contextEntries: [...b.contextEntries, ...contextEntries],
      contextIndices: [],
    };
  }
}
