// The in-browser verifier (bundled by esbuild into one ES module the gateway serves). It reads
// the page's pinned trust roots from #label-config, fetches the label's bundle from the JSON API,
// verifies it with the same library platforms use (gateway/verifier/page-verify.ts over
// services/verify, applying the pinned witness policy if any), and writes the result into
// #verify-status: green "verified against checkpoint N" with the witnesses, amber while the
// checkpoint awaits its witnesses, or red with what failed. It also checks that the status the
// server rendered is the status the log proves, and marks the status box when it could not
// confirm it, so the two boxes never say opposite things. On the page of a label number the
// registry does not hold (config kind "absent"), it checks the registry's proof of absence
// instead (absence-verify.ts).
//
// Browser-only code: it touches the DOM; everything it verifies with is portable library code.

import type { AbsentPageConfig } from "../page/absent-page.js";
import type { PageConfig } from "../page/label-page.js";
import { pickLanguage } from "../page/lang.js";
import { MESSAGES } from "../page/messages.js";
import { absenceFailure, verifyAbsenceForPage } from "./absence-verify.js";
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
      r.state === "failed"
        ? messages.statusUnconfirmed
        : r.state === "awaiting"
          ? messages.statusAwaiting
          : r.state === "incomplete"
            ? messages.statusIncomplete
            : "";
}

async function runAbsent(cfg: AbsentPageConfig, m: PageConfig["messages"]): Promise<void> {
  const fail = (detail: string) => absenceFailure(cfg, "fetch", detail);
  if (!cfg.dataUrl) return show(fail("the page does not name the registry's answer"), m);
  let res: Response;
  let json: unknown = null;
  try {
    res = await fetch(cfg.dataUrl, { headers: { accept: "application/json" }, cache: "no-store" });
    json = await res.json().catch(() => null);
  } catch {
    return show(fail("the registry's answer could not be fetched"), m);
  }
  show(verifyAbsenceForPage(cfg, res.status, json), m);
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
let cfg: PageConfig | AbsentPageConfig | undefined;
try {
  cfg = JSON.parse(cfgEl?.textContent ?? "") as PageConfig | AbsentPageConfig;
} catch {
  // The page's own language still says what happened.
  const m = MESSAGES[pickLanguage(undefined, document.documentElement.lang)].verifier;
  show(pageFailure(m, "unreadable", "the page configuration is unreadable"), m);
}
const why = (e: unknown) => (e instanceof Error ? e.message : "unexpected error");
if (cfg && "kind" in cfg && cfg.kind === "absent") {
  const c = cfg;
  // The absent page has no status box; show() takes the label page's texts for it.
  const m = MESSAGES[pickLanguage(undefined, c.lang)].verifier;
  runAbsent(c, m).catch((e: unknown) => show(absenceFailure(c, "unreadable", why(e)), m));
} else if (cfg) {
  const m = (cfg as PageConfig).messages;
  run(cfg as PageConfig).catch((e: unknown) => show(pageFailure(m, "unreadable", why(e)), m));
}
