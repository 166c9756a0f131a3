// VerifyLabels: many label ids over one call, all answered as of the snapshot pinned when the
// call starts. In the compact form the checkpoint and each context entry go out once per call.
import type { ProvenEntry, VerifyLabelsResponse } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { GRPC_CODE, type ViolationCode } from "../domain/violation.js";
import { RegistryError } from "../sequencer/errors.js";
import { BULK_CONCURRENCY, MAX_VERIFY_LABEL_IDS } from "./limits.js";
import type { Reads } from "./reads.js";
import type { Snapshot } from "./snapshot.js";

export class BulkVerification {
  readonly snapshot: Snapshot;
  private count = 0;
  private started = false;
  private readonly sent = new Set<bigint>();

  constructor(
    private readonly reads: Reads,
    /** Compact form: bundles without checkpoint and context entries (sent once per call instead). */
    readonly compact: boolean,
  ) {
    this.snapshot = reads.snapshot();
  }

  /**
   * The messages answering `labelIds`, in order: the Snapshot first (once per call), then per id
   * its context entries not sent yet (compact form) and its LabelResult. Throws INVALID_ARGUMENT
   * (rule too-many-label-ids) once the call's ids would exceed MAX_VERIFY_LABEL_IDS.
   */
  async *answer(labelIds: readonly string[]): AsyncGenerator<VerifyLabelsResponse> {
    if (this.count + labelIds.length > MAX_VERIFY_LABEL_IDS) {
      throw new RegistryError(
        "INVALID_ARGUMENT",
        "too-many-label-ids",
        `at most ${MAX_VERIFY_LABEL_IDS} label ids per VerifyLabels call (this call would have ${this.count + labelIds.length})`,
      );
    }
    this.count += labelIds.length;
    if (!this.started) {
      this.started = true;
      yield { message: { $case: "snapshot", value: { checkpoint: this.snapshot.checkpoint } } };
    }
    for (let from = 0; from < labelIds.length; from += BULK_CONCURRENCY) {
      const chunk = labelIds.slice(from, from + BULK_CONCURRENCY);
      const results = await this.reads.getLabels(chunk, this.snapshot);
      for (let i = 0; i < chunk.length; i++) {
        const labelId = chunk[i]!;
        const r = results[i]!;
        if ("error" in r) {
          const e = r.error;
          if (!(e instanceof RegistryError) || (e.code !== "NOT_FOUND" && e.code !== "INVALID_ARGUMENT")) throw e;
          // An unknown id's proof of absence; in the compact form the Snapshot names its checkpoint.
          const absence =
            "absence" in r && r.absence
              ? { ...r.absence, checkpoint: this.compact ? "" : r.absence.checkpoint }
              : undefined;
          yield {
            message: {
              $case: "result",
              value: {
                labelId,
                result: {
                  $case: "error",
                  value: { code: GRPC_CODE[e.code as ViolationCode], rule: e.rule, message: e.message, absence },
                },
              },
            },
          };
          continue;
        }
        const res = r.ok;
        if (this.compact && res.bundle) {
          const fresh: ProvenEntry[] = res.bundle.contextEntries.filter((p) => !this.sent.has(p.index));
          if (fresh.length > 0) {
            for (const p of fresh) this.sent.add(p.index);
            yield { message: { $case: "context", value: { entries: fresh } } };
          }
          res.bundle = {
            ...res.bundle,
            checkpoint: "",
            contextEntries: [],
            contextIndices: res.bundle.contextEntries.map((p) => p.index),
          };
        }
        yield { message: { $case: "result", value: { labelId, result: { $case: "label", value: res } } } };
      }
    }
  }
}
