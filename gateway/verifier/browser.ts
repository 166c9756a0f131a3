// The in-browser verifier (bundled by esbuild into one ES module the gateway serves). It reads
// the page's pinned trust roots from #label-config, fetches the label's bundle from the JSON API,
// verifies it with the same library platforms use (gateway/verifier/page-verify.ts over
// services/verify, applying the pinned witness policy if any), and writes the result into
// #verify-status: green "verified against checkpoint N" with the witnesses, or red with what
// failed. It also checks that the status the server rendered is the status the log proves.
//
// Browser-only code: it touches the DOM; everything it verifies with is portable library code.

import type { PageConfig } from "../page/label-page.js";
import { verifyForPage } from "./page-verify.js";

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
  if (!cfg.dataUrl) return failed("the page does not name its proof bundle");
  let json: unknown;
  try {
    const res = await fetch(cfg.dataUrl, { headers: { accept: "application/json" }, cache: "no-store" });
    if (!res.ok) return failed(`the registry answered ${res.status} for the proof bundle`);
    json = await res.json();
  } catch {
    return failed("the proof bundle could not be fetched");
  }
  const r = verifyForPage(cfg, json);
  show(r.state, r.text);
}

const cfgEl = document.getElementById("label-config");
try {
  const cfg = JSON.parse(cfgEl?.textContent ?? "") as PageConfig;
  run(cfg).catch((e: unknown) => show("failed", cfg.messages.failed.replace("{reason}", e instanceof Error ? e.message : "unexpected error")));
} catch {
  show("failed", "Verification failed: the page configuration is unreadable.");
}
