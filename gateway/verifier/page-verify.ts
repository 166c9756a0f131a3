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
import type { Verdict } from "../../services/verify/verdict.js";
import type { PageConfig } from "../page/label-page.js";
import type { FailureKind } from "../page/messages.js";
import { pageStatusOf } from "./page-status.js";
import { dateFormat } from "../page/dates.js";

export interface PageResult {
  /**
   * ok: green. awaiting: amber; everything verifies under the log's and the authority's keys,
   * but the checkpoint does not (yet) carry the witness cosignatures the page requires, so the
   * page says so and claims no more. incomplete: amber; everything verifies, but the answer
   * carries no proof that it is the label's whole history, so the page does not claim it is
   * current. failed: red, and nothing on the page may be relied on.
   */
  readonly state: "ok" | "awaiting" | "incomplete" | "failed";
  /** In the page's language. */
  readonly text: string;
  /** What exactly failed, in English (verifier messages are not translated): for a tooltip and bug reports. */
  readonly detail?: string;
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
    ...(w
      ? {
          witnessPolicy: witnessPolicy(
            w.required,
            w.verifierKeys.map((k) => parseCosignatureVerifierKey(k)),
          ),
        }
      : {}),
  };
}

/** The page's words for a failure of `kind`, with the English detail beside them. */
export function pageFailure(messages: PageConfig["messages"], kind: FailureKind, detail: string): PageResult {
  return { state: "failed", text: messages.failed.replace("{reason}", messages.reasons[kind]), detail };
}

/** Which of the page's failure phrases a verdict's first reason falls under. */
function failureKind(v: Verdict): FailureKind {
  const code = v.reasons[0]?.code ?? "";
  if (code.startsWith("checkpoint") || code === "witness-policy") return "checkpoint";
  if (code === "inclusion-proof" || code === "index-beyond-checkpoint" || code === "entry-order") return "proof";
  if (code === "malformed-bundle" || code === "wrong-label" || code === "malformed-label-id") return "unreadable";
  return "entries";
}

/**
 * Verifies the label's GetLabel answer (proto3 JSON) under the page's trust, and checks the log
 * proves the status the page shows. Never throws: every failure is a "failed" result saying why.
 */
export function verifyForPage(cfg: PageConfig, json: unknown, nowUnix?: bigint): PageResult {
  const m = cfg.messages;
  if (!cfg.authorityPublicKey) return pageFailure(m, "unreadable", "the page does not name its trust root");
  let trust: TrustConfig;
  let bundle;
  try {
    trust = pageTrust(cfg);
    bundle = GetLabelResponse.fromJSON(json).bundle;
  } catch (e) {
    return pageFailure(
      m,
      "unreadable",
      e instanceof Error ? e.message : "the page's keys or the proof bundle are unreadable",
    );
  }
  if (!bundle) return pageFailure(m, "fetch", "the registry sent no proof bundle");
  // A bundle without a completeness proof still verifies, and the page then says it is not
  // proven complete instead of claiming it is (a log written before map commitments).
  const opts = { expectedLabelId: cfg.labelId, allowIncomplete: true, ...(nowUnix === undefined ? {} : { nowUnix }) };
  let verdict = verifyLabelBundle(bundle, trust, opts);
  let awaiting: string | undefined;
  if (verdict.status === "not-verifiable" && verdict.reasons[0]?.code === "witness-policy" && trust.witnessPolicy) {
    // Too few cosignatures: a witness may be catching up. What holds without them is said, no more.
    const without = verifyLabelBundle(
      bundle,
      { logKey: trust.logKey, authorityPublicKey: trust.authorityPublicKey },
      opts,
    );
    if (without.status !== "not-verifiable" && without.asOf) {
      awaiting = verdict.reasons[0].message;
      verdict = without;
    }
  }
  if (verdict.status === "not-verifiable" || !verdict.asOf)
    return pageFailure(m, failureKind(verdict), verdict.reasons.map((r) => r.message).join("; ") || "not verifiable");
  const proven = pageStatusOf(verdict.status);
  if (proven !== cfg.status) {
    return {
      state: "failed",
      text: m.failed.replace(
        "{reason}",
        m.reasons.status.replace("{proven}", m.statusNames[proven]).replace("{shown}", m.statusNames[cfg.status]),
      ),
      detail: `the log says the label is ${proven}, but the page says ${cfg.status}`,
    };
  }
  if (awaiting !== undefined)
    return { state: "awaiting", text: m.awaiting.replace("{size}", String(verdict.asOf.size)), detail: awaiting };
  let text = m.verified.replace("{size}", String(verdict.asOf.size));
  const complete = verdict.completeAsOf;
  text += ` ${
    complete
      ? withTime(m.complete.replace("{size}", String(verdict.asOf.size)), cfg, complete.sequencedAtUnix)
      : m.incomplete
  }`;
  if (verdict.cosignedBy.length > 0) text += ` ${m.witnessed.replace("{witnesses}", verdict.cosignedBy.join(", "))}`;
  if (!complete)
    return {
      state: "incomplete",
      text,
      detail: "the bundle carries no state map proof: its history is not proven complete",
    };
  return { state: "ok", text };
}

/** Fills `{time}` and `{zone}` in `text` with a commitment's time as the page shows times: its language, its zone. */
export function withTime(text: string, cfg: Pick<PageConfig, "lang" | "timeZone">, unix: number): string {
  let df;
  try {
    df = dateFormat(cfg.lang, cfg.timeZone);
  } catch {
    df = dateFormat(cfg.lang); // an unknown zone in the config: the page's default
  }
  const time = df.dateTime(new Date(unix * 1000));
  return text.replace("{time}", () => time).replace("{zone}", () => df.zoneName);
}
