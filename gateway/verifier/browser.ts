// The in-browser verifier (bundled by esbuild into one ES module the gateway serves). It reads
// the page's pinned trust roots from #label-config, fetches the label's bundle from the JSON API,
// verifies it with the same library platforms use (services/verify), and writes the result into
// #verify-status: green "verified against checkpoint N", or red with what failed. It also checks
// that the status the server rendered is the status the log proves.
//
// Browser-only code: it touches the DOM; everything it verifies with is portable library code.

import { fromBase64 } from "../../log/bytes.js";
import { GetLabelResponse } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { verifyLabelBundle } from "../../services/verify/bundle.js";
import type { PageConfig } from "../page/label-page.js";
import { pageStatusOf } from "./page-status.js";

function slot(): HTMLElement {
  const el = document.getElementById("verify-status");
  if (!el) throw new Error("no #verify-status");
  return el;
}

function show(state: "ok" | "failed", text: string): void {
  const el = slot();
  el.dataset.state = state;
  el.textContent = text;
}

async function run(cfg: PageConfig): Promise<void> {
  const failed = (reason: string) => show("failed", cfg.messages.failed.replace("{reason}", reason));
  if (!cfg.dataUrl || !cfg.authorityPublicKey) return failed("the page does not name its proof bundle or trust root");
  let json: unknown;
  try {
    const res = await fetch(cfg.dataUrl, { headers: { accept: "application/json" }, cache: "no-store" });
    if (!res.ok) return failed(`the registry answered ${res.status} for the proof bundle`);
    json = await res.json();
  } catch {
    return failed("the proof bundle could not be fetched");
  }
  const bundle = GetLabelResponse.fromJSON(json).bundle;
  if (!bundle) return failed("the registry sent no proof bundle");
  const verdict = verifyLabelBundle(bundle, { logKey: cfg.logVerifierKey, authorityPublicKey: fromBase64(cfg.authorityPublicKey) }, { expectedLabelId: cfg.labelId });
  if (verdict.status === "not-verifiable" || !verdict.asOf) return failed(verdict.reasons.map((r) => r.message).join("; ") || "not verifiable");
  const proven = pageStatusOf(verdict.status);
  if (proven !== cfg.status) return failed(`the log says the label is ${proven}, but the page says ${cfg.status}`);
  let text = cfg.messages.verified.replace("{size}", String(verdict.asOf.size));
  if (verdict.cosignedBy.length > 0) text += ` ${cfg.messages.witnessed.replace("{witnesses}", verdict.cosignedBy.join(", "))}`;
  show("ok", text);
}

const cfgEl = document.getElementById("label-config");
try {
  const cfg = JSON.parse(cfgEl?.textContent ?? "") as PageConfig;
  run(cfg).catch((e: unknown) => show("failed", cfg.messages.failed.replace("{reason}", e instanceof Error ? e.message : "unexpected error")));
} catch {
  show("failed", "Verification failed: the page configuration is unreadable.");
}
