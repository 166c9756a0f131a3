// The in-browser verifier (bundled by esbuild into one ES module the gateway serves). It reads
// the page's pinned trust roots from #label-config, fetches the label's bundle from the JSON API,
// verifies it with the same library platforms use (gateway/verifier/page-verify.ts over
// services/verify, applying the pinned witness policy if any), and writes the result into
// #verify-status: green "verified against checkpoint N" with the witnesses, amber while the
// checkpoint awaits its witnesses, or red with what failed. It also checks that the status the
// server rendered is the status the log proves, and marks the status box when it could not
// confirm it, so the two boxes never say opposite things.
//
// Browser-only code: it touches the DOM; everything it verifies with is portable library code.

import type { PageConfig } from "../page/label-page.js";
import { pickLanguage } from "../page/lang.js";
import { MESSAGES } from "../page/messages.js";
import { pageFailure, verifyForPage, type PageResult } from "./page-verify.js";

function slot(): HTMLElement {
  const el = document.getElementById("verify-status");
  if (!el) throw new Error("no #verify-status");
  return el;
}

function show(r: PageResult, messages: PageConfig["messages"]): void {
  const el = slot();
  el.dataset.state = r.state;
  el.textContent = r.text;
  if (r.detail) el.title = r.detail;
  document.body.dataset.verified = r.state;
  const check = document.getElementById("status-check");
  if (check)
    check.textContent =
      r.state === "failed" ? messages.statusUnconfirmed : r.state === "awaiting" ? messages.statusAwaiting : "";
}

async function run(cfg: PageConfig): Promise<void> {
  const m = cfg.messages;
  if (!cfg.dataUrl) return show(pageFailure(m, "unreadable", "the page does not name its proof bundle"), m);
  let json: unknown;
  try {
    const res = await fetch(cfg.dataUrl, { headers: { accept: "application/json" }, cache: "no-store" });
    if (!res.ok) return show(pageFailure(m, "fetch", `the registry answered ${res.status} for the proof bundle`), m);
    json = await res.json();
  } catch {
    return show(pageFailure(m, "fetch", "the proof bundle could not be fetched"), m);
  }
  show(verifyForPage(cfg, json), m);
}

const cfgEl = document.getElementById("label-config");
let cfg: PageConfig | undefined;
try {
  cfg = JSON.parse(cfgEl?.textContent ?? "") as PageConfig;
} catch {
  // The page's own language still says what happened.
  const m = MESSAGES[pickLanguage(undefined, document.documentElement.lang)].verifier;
  show(pageFailure(m, "unreadable", "the page configuration is unreadable"), m);
}
if (cfg) {
  const m = cfg.messages;
  run(cfg).catch((e: unknown) =>
    show(pageFailure(m, "unreadable", e instanceof Error ? e.message : "unexpected error"), m),
  );
}
