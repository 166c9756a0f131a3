// What the in-browser verifier decides on the page of a label number the registry does not hold:
// the registry's NOT_FOUND (HTTP 404 from the JSON API) carries a proof of absence, the label
// key's state map proof against the commitment that ends a signed checkpoint; the page says the
// label does not exist only when that proof verifies under the page's pinned keys. Portable, so
// it is tested in Node and bundled into the page unchanged.
import { LabelBundle } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { verifyLabelAbsence, type AbsenceVerdict } from "../../services/verify/completeness.js";
import type { TrustConfig } from "../../services/verify/trust.js";
import type { AbsentPageConfig } from "../page/absent-page.js";
import type { AbsenceFailureKind } from "../page/messages.js";
import { pageTrust, withTime, type PageResult } from "./page-verify.js";

/** The absent page's words for a failure of `kind`, with the English detail beside them. */
export function absenceFailure(cfg: AbsentPageConfig, kind: AbsenceFailureKind, detail: string): PageResult {
  const m = cfg.messages;
  return { state: "failed", text: m.failed.replace("{reason}", m.reasons[kind]), detail };
}

function failureKind(v: AbsenceVerdict): AbsenceFailureKind {
  const code = v.reasons[0]?.code ?? "";
  if (code.startsWith("checkpoint") || code === "witness-policy") return "checkpoint";
  if (code === "malformed-bundle") return "unreadable";
  return "proof";
}

/**
 * Verifies the registry's answer for the page's label id: `httpStatus` and the JSON body of
 * GET /api/v1/labels/<id>. "ok" only for a 404 whose proof of absence, for exactly this id,
 * verifies. Never throws.
 */
export function verifyAbsenceForPage(cfg: AbsentPageConfig, httpStatus: number, json: unknown): PageResult {
  if (httpStatus === 200) return absenceFailure(cfg, "exists", "the registry answered 200 with a label of this id");
  if (httpStatus !== 404) return absenceFailure(cfg, "fetch", `the registry answered ${httpStatus}`);
  const absence = (json as { absence?: unknown } | null)?.absence;
  if (absence === undefined || absence === null)
    return absenceFailure(cfg, "proof", "the registry's 404 carries no proof of absence");
  let bundle: LabelBundle;
  let trust: TrustConfig;
  try {
    bundle = LabelBundle.fromJSON(absence);
    trust = pageTrust(cfg);
  } catch (e) {
    return absenceFailure(cfg, "unreadable", e instanceof Error ? e.message : "unreadable proof or keys");
  }
  if (!cfg.authorityPublicKey) return absenceFailure(cfg, "unreadable", "the page does not name its trust root");
  if (bundle.labelId !== cfg.labelId)
    return absenceFailure(
      cfg,
      "proof",
      `the proof is about ${JSON.stringify(bundle.labelId.slice(0, 80))}, not ${cfg.labelId}`,
    );
  let v = verifyLabelAbsence(bundle, trust);
  let awaiting: string | undefined;
  if (!v.absent && v.reasons[0]?.code === "witness-policy" && trust.witnessPolicy) {
    // Too few cosignatures: a witness may be catching up. What holds without them is said, no more.
    const without = verifyLabelAbsence(bundle, { logKey: trust.logKey, authorityPublicKey: trust.authorityPublicKey });
    if (without.absent) {
      awaiting = v.reasons[0].message;
      v = without;
    }
  }
  if (!v.absent || !v.asOf || !v.completeAsOf)
    return absenceFailure(cfg, failureKind(v), v.reasons.map((r) => r.message).join("; ") || "not verifiable");
  const m = cfg.messages;
  if (awaiting !== undefined)
    return { state: "awaiting", text: m.awaiting.replace("{size}", String(v.asOf.size)), detail: awaiting };
  return {
    state: "ok",
    text: withTime(
      m.proven.replace("{id}", () => cfg.labelId).replace("{size}", String(v.asOf.size)),
      cfg,
      v.completeAsOf.sequencedAtUnix,
    ),
  };
}
