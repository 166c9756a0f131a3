// Comparing the operator's read API with what the log says. Platforms ask the operator's
// VerificationService.GetLabel; an operator could answer them with something other than its
// own log (hide a revocation, say) and hope nobody replays the log. The auditor does, and asks
// GetLabel for a sample of labels: every label event it knows (up to the size it audited) must
// be in the answer's history at the same index with the same kind, no other event below that
// size may be, a revoked label must read revoked (final, whatever the operator's size), and at
// the same tree size tier, version and status must match.
import * as grpc from "@grpc/grpc-js";
import { parseCheckpoint } from "../../log/checkpoint.js";
import { parseSignedNote } from "../../log/note.js";
import {
  LabelEventKind as WireKind,
  LabelStatus as WireStatus,
  type GetLabelRequest,
  type GetLabelResponse,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { VerificationServiceClient } from "../grpc/clients.js";
import { labelStatusAt, type LabelEventKind, type LabelRecord, type LabelStatus } from "../domain/state.js";
import type { Finding } from "./findings.js";

export interface OperatorLabel {
  /** The tree size of the checkpoint the answer says it is as of. */
  readonly checkpointSize: number;
  readonly status: LabelStatus | "UNSPECIFIED";
  readonly statusAtUnix: bigint;
  readonly tier: number;
  readonly version: bigint;
  readonly history: readonly { readonly index: number; readonly kind: LabelEventKind | "unknown" }[];
}

/** The operator's answer for one label id; "not-found" for NOT_FOUND. Rejects on other failures. */
export type LabelReader = (labelId: string) => Promise<OperatorLabel | "not-found">;

const STATUS: Record<number, LabelStatus> = {
  [WireStatus.LABEL_STATUS_ACTIVE]: "ACTIVE",
  [WireStatus.LABEL_STATUS_SUSPENDED]: "SUSPENDED",
  [WireStatus.LABEL_STATUS_REVOKED]: "REVOKED",
  [WireStatus.LABEL_STATUS_EXPIRED]: "EXPIRED",
  [WireStatus.LABEL_STATUS_NOT_YET_VALID]: "NOT_YET_VALID",
};

const KIND: Record<number, LabelEventKind> = {
  [WireKind.LABEL_EVENT_KIND_ISSUED]: "labelIssued",
  [WireKind.LABEL_EVENT_KIND_UPGRADED]: "labelUpgraded",
  [WireKind.LABEL_EVENT_KIND_DOWNGRADED]: "labelDowngraded",
  [WireKind.LABEL_EVENT_KIND_RENEWED]: "labelRenewed",
  [WireKind.LABEL_EVENT_KIND_SUSPENDED]: "labelSuspended",
  [WireKind.LABEL_EVENT_KIND_REINSTATED]: "labelReinstated",
  [WireKind.LABEL_EVENT_KIND_REVOKED]: "labelRevoked",
};

/** Reads a GetLabel answer into the comparable form. */
export function operatorLabelOf(res: GetLabelResponse): OperatorLabel {
  const l = res.label;
  let checkpointSize = 0;
  try {
    checkpointSize = parseCheckpoint(parseSignedNote(res.bundle?.checkpoint ?? "").text).size;
  } catch {
    // No parsable checkpoint: compared as of size 0, so only the size-independent rules apply.
  }
  return {
    checkpointSize,
    status: STATUS[l?.status ?? 0] ?? "UNSPECIFIED",
    statusAtUnix: l?.statusAtUnix ?? 0n,
    tier: l?.tier ?? 0,
    version: l?.version ?? 0n,
    history: (l?.history ?? []).map((h) => ({ index: Number(h.index), kind: KIND[h.kind] ?? "unknown" })),
  };
}

/** The findings for one label: ours as of `auditedSize` against the operator's answer. */
export function compareLabel(ours: LabelRecord, auditedSize: number, theirs: OperatorLabel | "not-found"): Finding[] {
  const out: Finding[] = [];
  const f = (index: number | undefined, message: string) =>
    out.push({
      kind: "operator",
      rule: "operator-answer-differs",
      ...(index === undefined ? {} : { index }),
      message: `GetLabel(${ours.labelId}) ${message}`,
    });
  if (theirs === "not-found") {
    f(ours.history[0]?.index, `answers NOT_FOUND, but the log issued the label at entry ${ours.history[0]?.index}`);
    return out;
  }
  const theirsAt = new Map(theirs.history.map((h) => [h.index, h.kind]));
  for (const e of ours.history) {
    const k = theirsAt.get(e.index);
    if (k === undefined) f(e.index, `leaves out the ${e.kind} at entry ${e.index}`);
    else if (k !== e.kind) f(e.index, `says entry ${e.index} is ${k}, the log says ${e.kind}`);
  }
  const oursAt = new Set(ours.history.map((e) => e.index));
  for (const h of theirs.history) {
    if (h.index < auditedSize && !oursAt.has(h.index))
      f(h.index, `lists a ${h.kind} at entry ${h.index} that the log does not have for this label`);
  }
  if (ours.state === "REVOKED" && theirs.status !== "REVOKED") {
    const revokedAt = ours.history.find((e) => e.kind === "labelRevoked")?.index;
    f(revokedAt, `says ${theirs.status}, but the log revoked the label at entry ${revokedAt} (revocation is final)`);
  }
  if (theirs.checkpointSize === auditedSize) {
    if (theirs.tier !== ours.tier) f(undefined, `says tier ${theirs.tier}, the log says ${ours.tier}`);
    if (theirs.version !== ours.version) f(undefined, `says version ${theirs.version}, the log says ${ours.version}`);
    const status = labelStatusAt(ours, theirs.statusAtUnix);
    if (theirs.status !== status && !(ours.state === "REVOKED"))
      f(undefined, `says ${theirs.status} at ${theirs.statusAtUnix}, the log says ${status}`);
  }
  return out;
}

/** A LabelReader over the operator's gRPC VerificationService at `address` (host:port). */
export function grpcLabelReader(
  address: string,
  credentials = grpc.credentials.createInsecure(),
): { read: LabelReader; close(): void } {
  const client = new VerificationServiceClient(address, credentials);
  const read: LabelReader = (labelId) =>
    new Promise((resolve, reject) => {
      const req: GetLabelRequest = { labelId };
      client.getLabel(
        req,
        new grpc.Metadata(),
        { deadline: Date.now() + 30_000 },
        (err: grpc.ServiceError | null, res: GetLabelResponse) => {
          if (err?.code === grpc.status.NOT_FOUND) resolve("not-found");
          else if (err) reject(err);
          else resolve(operatorLabelOf(res));
        },
      );
    });
  return { read, close: () => client.close() };
}
