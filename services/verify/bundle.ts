// The label verifier: a label bundle and a trust configuration in, a verdict out. It checks the
// checkpoint (log signature, witness policy), every inclusion proof, every entry's decoding and
// signature (issuer keys traced to the authority through the bundle's context entries), replays
// the entries through the domain rules, and evaluates the label's status at a time.
//
// Portable: log/ and services/domain/ only, so the gateway bundles it for the browser unchanged.
import { toHex } from "../../log/bytes.js";
import { hasher } from "../../log/hasher.js";
import type { Checkpoint } from "../../log/checkpoint.js";
import { reasonCodeToJSON } from "../../proto/gen/messages/labelreg/v1/statement.js";
import type { LabelBundle, ProvenEntry } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { decodeLogEntry, onlyStatement } from "../domain/decode.js";
import { labelStatusAt, type LabelRecord, type LabelStatus } from "../domain/state.js";
import { LABEL_ID } from "../domain/syntax.js";
import { isViolation } from "../domain/violation.js";
import { InclusionVerifier } from "./inclusion.js";
import { errorText, openTrustedCheckpoint, type OpenedCheckpoint } from "./checkpoint.js";
import { checkFreshness, type Fresher } from "./freshness.js";
import { replayEntries, type IndexedEntry, type Replayed } from "./replay.js";
import { resolveTrust, type ResolvedTrust, type TrustConfig } from "./trust.js";
import { checkCompleteness } from "./completeness.js";
import {
  BUNDLE_DOES_NOT_PROVE,
  COMPLETE_BUNDLE_DOES_NOT_PROVE,
  type StatedReason,
  type Verdict,
  type VerdictReason,
  type VerdictStatus,
  type VerifiedLabel,
} from "./verdict.js";

export interface VerifyOptions {
  /** When to evaluate expiry (Unix seconds); default the current time. */
  readonly nowUnix?: bigint;
  /** A newer checkpoint and the consistency proof from the bundle's checkpoint to it. */
  readonly fresher?: Fresher;
  /** The label id the caller asked about; a bundle for another label is refused. */
  readonly expectedLabelId?: string;
  /**
   * Accept a bundle without a state map proof (from a log written before map commitments): its
   * verdict then states that it cannot prove the history complete. Off by default: a server
   * could otherwise drop the proof together with the entries it hides.
   */
  readonly allowIncomplete?: boolean;
}

/** A label's status at a time as a verdict names it. */
export const VERDICT_STATUS: Readonly<Record<LabelStatus, Exclude<VerdictStatus, "not-verifiable">>> = {
  ACTIVE: "valid",
  SUSPENDED: "suspended",
  REVOKED: "revoked",
  EXPIRED: "expired",
  NOT_YET_VALID: "not-yet-valid",
};

const LABEL_KINDS = new Set([
  "labelIssued",
  "labelUpgraded",
  "labelDowngraded",
  "labelRenewed",
  "labelSuspended",
  "labelReinstated",
  "labelRevoked",
]);

/** A verdict, and when the bundle verified, the entries it verified (the label's and its context, in log order). */
export interface VerifiedHistory {
  readonly verdict: Verdict;
  readonly entries: readonly IndexedEntry[];
}

/** Verifies a label bundle. Never throws for any bundle; a malformed trust config throws NoteError. */
export function verifyLabelBundle(
  bundle: LabelBundle,
  trust: TrustConfig | ResolvedTrust,
  opts: VerifyOptions = {},
): Verdict {
  return verifyLabelHistory(bundle, trust, opts).verdict;
}

/**
 * verifyLabelBundle, also handing back the verified entries, so that a caller can replay them to
 * another time (point-in-time.ts) without decoding or proving them again.
 */
export function verifyLabelHistory(
  bundle: LabelBundle,
  trust: TrustConfig | ResolvedTrust,
  opts: VerifyOptions = {},
): VerifiedHistory {
  const t = "domain" in trust ? trust : resolveTrust(trust);
  const now = opts.nowUnix ?? BigInt(Math.floor(Date.now() / 1000));
  const fail = (reason: VerdictReason, cp?: OpenedCheckpoint): VerifiedHistory => ({
    verdict: {
      labelId: typeof bundle?.labelId === "string" ? bundle.labelId : "",
      status: "not-verifiable",
      valid: false,
      reasons: [reason],
      asOf: cp?.ref,
      cosignedBy: cp?.cosignedBy ?? [],
      evaluatedAtUnix: Number(now),
      label: undefined,
      consistentWith: undefined,
      completeAsOf: undefined,
      doesNotProve: BUNDLE_DOES_NOT_PROVE,
    },
    entries: [],
  });
  try {
    return verify(bundle, t, now, opts, fail);
  } catch (e) {
    // The checks below return reasons; this catches what a hostile object shape could still throw.
    return fail({ code: "malformed-bundle", message: errorText(e) });
  }
}

function verify(
  bundle: LabelBundle,
  t: ResolvedTrust,
  now: bigint,
  opts: VerifyOptions,
  fail: (r: VerdictReason, cp?: OpenedCheckpoint) => VerifiedHistory,
): VerifiedHistory {
  const labelId = bundle.labelId;
  if (opts.expectedLabelId !== undefined && labelId !== opts.expectedLabelId) {
    return fail({
      code: "wrong-label",
      message: `the bundle is about ${JSON.stringify(labelId)}, not ${opts.expectedLabelId}`,
    });
  }
  if (!LABEL_ID.test(labelId))
    return fail({ code: "malformed-label-id", message: `label id ${JSON.stringify(labelId)} is malformed` });
  const cp = openTrustedCheckpoint(bundle.checkpoint, t);
  if ("code" in cp) return fail(cp);
  if (bundle.entries.length === 0)
    return fail({ code: "no-entries", message: "the bundle holds no entry about the label" }, cp);

  // One verifier for both lists: their proofs share the path to the root.
  const proofs = new InclusionVerifier(cp.checkpoint.size, cp.checkpoint.root);
  const own = provenEntries(bundle.entries, cp.checkpoint, proofs, "entry");
  if (!Array.isArray(own)) return fail(own, cp);
  const context = provenEntries(bundle.contextEntries, cp.checkpoint, proofs, "context entry");
  if (!Array.isArray(context)) return fail(context, cp);
  for (const e of own) {
    const s = e.decoded.statement;
    if (!LABEL_KINDS.has(s.kind?.$case ?? "") || s.labelId !== labelId) {
      return fail(
        { code: "entry-not-about-label", message: `entry ${e.index} is not a statement about label ${labelId}` },
        cp,
      );
    }
  }
  for (const e of context) {
    if (LABEL_KINDS.has(e.decoded.statement.kind?.$case ?? "")) {
      return fail(
        {
          code: "context-entry-kind",
          message: `context entry ${e.index} is a label statement; context holds issuer and catalogue entries only`,
        },
        cp,
      );
    }
  }
  const merged = [...own, ...context].sort((a, b) => a.index - b.index);
  const replayed = replayEntries(merged, t.domain);
  if ("code" in replayed) return fail(replayed, cp);
  const record = replayed.state.labels.get(labelId);
  if (!record) return fail({ code: "label-missing", message: `the entries never issue label ${labelId}` }, cp);
  if (record.version !== BigInt(own.length)) {
    return fail(
      {
        code: "entry-not-about-label",
        message: `the label's replayed version ${record.version} differs from its ${own.length} entries`,
      },
      cp,
    );
  }

  const complete = checkCompleteness(
    bundle,
    cp.checkpoint,
    own.map((e) => e.index),
    replayed.state,
  );
  if (complete && "code" in complete) return fail(complete, cp);
  if (!complete && !opts.allowIncomplete) {
    return fail(
      {
        code: "no-map-commitment",
        message: "the bundle carries no state map proof, so it cannot show that it lists every entry about the label",
      },
      cp,
    );
  }

  let consistentWith;
  if (opts.fresher) {
    const f = checkFreshness(cp.checkpoint, opts.fresher, t);
    if ("code" in f) return fail(f, cp);
    consistentWith = f;
  }
  const labelStatus = labelStatusAt(record, now);
  const status = VERDICT_STATUS[labelStatus];
  const verdict: Verdict = {
    labelId,
    status,
    valid: status === "valid",
    reasons: status === "valid" ? [] : [statusReason(record, labelStatus, replayed, statedReason(own.at(-1)))],
    asOf: cp.ref,
    cosignedBy: cp.cosignedBy,
    evaluatedAtUnix: Number(now),
    label: summary(record, replayed),
    consistentWith,
    completeAsOf: complete ? { index: complete.size, sequencedAtUnix: complete.sequencedAtUnix } : undefined,
    doesNotProve: complete ? COMPLETE_BUNDLE_DOES_NOT_PROVE : BUNDLE_DOES_NOT_PROVE,
  };
  return { verdict, entries: merged };
}

/** Checks indices, inclusion proofs and decoding of proven entries; never throws. */
export function provenEntries(
  list: readonly ProvenEntry[],
  cp: Checkpoint,
  proofs: InclusionVerifier,
  what: string,
): IndexedEntry[] | VerdictReason {
  const out: IndexedEntry[] = [];
  let last = -1n;
  for (const p of list) {
    if (typeof p.index !== "bigint" || p.index <= last) {
      return {
        code: "entry-order",
        message: `${what} ${String(p.index)} is out of order or repeated: entries must be in log order, each once`,
      };
    }
    last = p.index;
    if (p.index >= BigInt(cp.size)) {
      return {
        code: "index-beyond-checkpoint",
        message: `${what} ${p.index} is not in the checkpoint's tree of size ${cp.size}`,
      };
    }
    const index = Number(p.index);
    try {
      proofs.verify(index, hasher.leafHash(p.entry), p.inclusionProof);
    } catch (e) {
      return { code: "inclusion-proof", message: `${what} ${index}: ${errorText(e)}` };
    }
    const decoded = onlyStatement(decodeLogEntry(p.entry));
    if (isViolation(decoded)) return { code: "entry-malformed", message: `${what} ${index}: ${decoded.message}` };
    out.push({ index, decoded });
  }
  return out;
}

/** The reason a suspension or revocation (the label's last entry, when it is one) gives. */
function statedReason(last: IndexedEntry | undefined): StatedReason | undefined {
  const k = last?.decoded.statement.kind;
  if ((k?.$case !== "labelSuspended" && k?.$case !== "labelRevoked") || !k.value.reason) return undefined;
  const code = reasonCodeToJSON(k.value.reason.code)
    .replace(/^REASON_CODE_/, "")
    .toLowerCase()
    .replaceAll("_", "-");
  return { code, text: k.value.reason.text };
}

function statusReason(
  r: LabelRecord,
  s: LabelStatus,
  replayed: Replayed,
  stated: StatedReason | undefined,
): VerdictReason {
  const last = r.history[r.history.length - 1]!;
  const at = replayed.logIndex[last.index];
  const why = stated ? `: ${stated.text} (${stated.code})` : "";
  switch (s) {
    case "REVOKED":
      return {
        code: "revoked",
        message: `label ${r.labelId} was revoked (entry ${at}, by ${last.signer.kind})${why}`,
        ...(stated ? { stated } : {}),
      };
    case "SUSPENDED":
      return {
        code: "suspended",
        message: `label ${r.labelId} is suspended (by ${r.suspendedByAuthority ? "the authority" : "its issuer"})${why}`,
        ...(stated ? { stated } : {}),
      };
    case "EXPIRED":
      return {
        code: "expired",
        message: `label ${r.labelId} expired at ${new Date(Number(r.validUntilUnix) * 1000).toISOString()}`,
      };
    default:
      return {
        code: "not-yet-valid",
        message: `label ${r.labelId} is valid from ${new Date(Number(r.validFromUnix) * 1000).toISOString()}`,
      };
  }
}

function summary(r: LabelRecord, replayed: Replayed): VerifiedLabel {
  return {
    labelId: r.labelId,
    issuerId: r.issuerId,
    manufacturerName: r.manufacturer.name,
    registrationCode: r.manufacturer.registrationCode,
    productModel: r.productModel,
    categoryId: r.categoryId,
    tier: r.tier,
    state: r.state,
    validFromUnix: Number(r.validFromUnix),
    validUntilUnix: Number(r.validUntilUnix),
    securitySupportUntilUnix: Number(r.securitySupportUntilUnix),
    testingLab: r.testingLab.name,
    standardReference: r.standardReference,
    testReportSha256Hex: toHex(r.testReport.sha256),
    testReportUri: r.testReport.uri,
    version: Number(r.version),
    history: r.history.map((h) => ({
      index: replayed.logIndex[h.index]!,
      kind: h.kind,
      sequencedAtUnix: Number(h.sequencedAtUnix),
      byAuthority: h.signer.kind === "authority",
    })),
  };
}
