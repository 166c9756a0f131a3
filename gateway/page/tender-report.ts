// The human report of a tender check: one printable, self-contained HTML page in Chinese and
// English side by side (a procurement file is read by both), with the checkpoint it is as of,
// the criteria, a count per outcome and every row. The evidence file beside it is what proves it.
import { openCheckpoint } from "../../log/checkpoint.js";
import type { NoteVerifier } from "../../log/note.js";
import type { TenderCriteria, TenderOutcome } from "../../services/verify/tender.js";
import type { EvidenceRow } from "../../services/verify/tender-evidence.js";
import { escapeHtml as h } from "./escape.js";

const OUTCOME_NAMES: Record<TenderOutcome, readonly [zh: string, en: string]> = {
  meets: ["符合", "Meets"],
  "below-tier": ["星级不足", "Below tier"],
  "expires-before": ["有效期不足", "Expires before"],
  "not-yet-valid": ["尚未生效", "Not yet valid"],
  "wrong-category": ["类别不符", "Wrong category"],
  suspended: ["已暂停", "Suspended"],
  revoked: ["已撤销", "Revoked"],
  "no-label": ["无标签", "No label"],
  "not-verifiable": ["无法验证", "Not verifiable"],
};

/** On the gateway: the evidence file to download (undefined: too large to embed), and the form. */
export interface ReportLinks {
  readonly evidenceHref: string | undefined;
  readonly againHref: string;
}

export interface TenderReportInput {
  readonly criteria: TenderCriteria;
  readonly evaluatedAtUnix: number;
  readonly checkpoint: string;
  readonly log: NoteVerifier;
  readonly rows: readonly EvidenceRow[];
  /** On the gateway: the evidence file to download, and the form to check another list (not printed). */
  readonly links?: ReportLinks;
}

export function tenderReportHtml(r: TenderReportInput): string {
  const { checkpoint } = openCheckpoint(r.checkpoint, r.log);
  const rootHex = [...checkpoint.root].map((b) => b.toString(16).padStart(2, "0")).join("");
  const at = new Date(r.evaluatedAtUnix * 1000).toISOString().replace("T", " ").slice(0, 19);
  const counts = new Map<TenderOutcome, number>();
  for (const row of r.rows) counts.set(row.outcome, (counts.get(row.outcome) ?? 0) + 1);
  const both = (o: TenderOutcome) => `${OUTCOME_NAMES[o][0]} · ${OUTCOME_NAMES[o][1]}`;
  const category = r.criteria.categoryId ? h(r.criteria.categoryId) : "— 不限 · any";
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>网络安全标识招标核验 · Tender check of cybersecurity labels</title>
<style>
body{font:14px/1.5 system-ui,"PingFang SC","Noto Sans CJK SC",sans-serif;margin:24px;color:#111}
h1{font-size:20px;margin:0 0 8px}
table{border-collapse:collapse;width:100%;margin:12px 0}
th,td{border:1px solid #bbb;padding:4px 6px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
th{background:#f2f2f2}
.meets{color:#0a6b2d;font-weight:600}.fail{color:#a40000;font-weight:600}
code{font-size:12px;word-break:break-all}
.links a{display:inline-block;min-height:44px;line-height:44px;margin-right:1em}
@media print{body{margin:0}tr{break-inside:avoid}.links{display:none}}
</style>
</head>
<body>
<h1>网络安全标识招标核验 · Tender check of cybersecurity labels</h1>
${
  r.links
    ? `<p class="links">${
        r.links.evidenceHref !== undefined
          ? `<a href="${h(r.links.evidenceHref)}" download="evidence.json">下载证据文件 · Download the evidence file</a>`
          : "证据文件太大，无法附在本页：请在表单上用“核验并下载证据文件” · The evidence file is too large to attach to this page: use “Check and download the evidence” on the form. "
      }<a href="${h(r.links.againHref)}">核验另一份清单 · Check another list</a></p>`
    : ""
}
<p>截至日志检查点 · As of log checkpoint <b>${h(checkpoint.origin)}</b> #${checkpoint.size},
根哈希 · root <code>${rootHex}</code>; 核验时间 · evaluated ${h(at)} UTC.</p>
<p>每行结论均由证据文件中的证明得出，可离线复核 · Every answer follows from the proofs in the
evidence file, which anyone can re-check offline: <code>labelreg verify --evidence evidence.json</code>.</p>
<table>
<tr><th>最低星级 · Minimum tier</th><td>${"★".repeat(r.criteria.minTier)} ${r.criteria.minTier}</td></tr>
<tr><th>有效期至少至 · Valid through</th><td>${h(r.criteria.validThrough)}</td></tr>
<tr><th>产品类别 · Category</th><td>${category}</td></tr>
</table>
<table>
<tr><th>结论 · Outcome</th><th>行数 · Rows</th></tr>
${[...counts]
  .map(([o, n]) => `<tr><td class="${o === "meets" ? "meets" : "fail"}">${both(o)}</td><td>${n}</td></tr>`)
  .join("\n")}
</table>
<table>
<tr><th>#</th><th>标签或产品 · Label or product</th><th>结论 · Outcome</th><th>说明 · Reason</th></tr>
${r.rows
  .map((row) => {
    const what =
      row.labelId !== undefined
        ? h(row.labelId)
        : `${h(row.registrationCode ?? "")} / ${h(row.model ?? "")}${row.checkedLabelId ? `<br>→ ${h(row.checkedLabelId)}` : ""}`;
    return `<tr><td>${row.row}</td><td>${what}</td><td class="${row.outcome === "meets" ? "meets" : "fail"}">${both(row.outcome)}</td><td>${h(row.reason)}</td></tr>`;
  })
  .join("\n")}
</table>
</body>
</html>
`;
}
