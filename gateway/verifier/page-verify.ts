// What the in-browser verifier decides, without the DOM: the page's pinned trust roots (the log's
// key, the authority's key and, when the registry runs with witnesses, their cosignature keys and
// how many must have cosigned) in, the label's GetLabel JSON in, the text to show out. Portable,
// so it is tested in Node and bundled into the page unchanged.

import { fromBase64 } from "../../log/bytes.js";
import { parseCosignatureVerifierKey } from "../../log/cosignature.js";
import { witnessPolicy } from "../../log/witness-policy.js";
import { GetLabelResponse } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { verifyLabelBundle } from "../../services/verify/bundle.js";
import type { TrustConfig } from "../../services/verify/trust.js";
import type { PageConfig } from "../page/label-page.js";
import { pageStatusOf } from "./page-status.js";

export interface PageResult {
  /** ok: green; failed: red, and nothing on the page may be relied on. */
  readonly state: "ok" | "failed";
  readonly text: string;
}

/**
 * The trust the page pins: with `witnesses`, a checkpoint counts only with `required` valid
 * cosignatures from those keys. Throws (NoteError, WitnessPolicyError) for a malformed key or policy.
 */
export function pageTrust(cfg: Pick<PageConfig, "logVerifierKey" | "authorityPublicKey" | "witnesses">): TrustConfig {
  const w = cfg.witnesses;
  return {
    logKey: cfg.logVerifierKey,
    authorityPublicKey: fromBase64(cfg.authorityPublicKey ?? ""),
    ...(w ? { witnessPolicy: witnessPolicy(w.required, w.verifierKeys.map((k) => parseCosignatureVerifierKey(k))) } : {}),
  };
}

/**
 * Verifies the label's GetLabel answer (proto3 JSON) under the page's trust, and checks the log
 * proves the status the page shows. Never throws: every failure is a "failed" result saying why.
 */
export function verifyForPage(cfg: PageConfig, json: unknown, nowUnix?: bigint): PageResult {
  const failed = (reason: string): PageResult => ({ state: "failed", text: cfg.messages.failed.replace("{reason}", reason) });
  if (!cfg.authorityPublicKey) return failed("the page does not name its trust root");
  let trust: TrustConfig;
  let bundle;
  try {
    trust = pageTrust(cfg);
    bundle = GetLabelResponse.fromJSON(json).bundle;
  } catch (e) {
    return failed(e instanceof Error ? e.message : "the page's keys or the proof bundle are unreadable");
  }
  if (!bundle) return failed("the registry sent no proof bundle");
  const verdict = verifyLabelBundle(bundle, trust, { expectedLabelId: cfg.labelId, ...(nowUnix === undefined ? {} : { nowUnix }) });
  if (verdict.status === "not-verifiable" || !verdict.asOf) return failed(verdict.reasons.map((r) => r.message).join("; ") || "not verifiable");
  const proven = pageStatusOf(verdict.status);
  if (proven !== cfg.status) return failed(`the log says the label is ${proven}, but the page says ${cfg.status}`);
  let text = cfg.messages.verified.replace("{size}", String(verdict.asOf.size));
  if (verdict.cosignedBy.length > 0) text += ` ${cfg.messages.witnessed.replace("{witnesses}", verdict.cosignedBy.join(", "))}`;
  return { state: "ok", text };
}
