// The tender upload page, /tender: a plain form (no script) that takes the list as a file or as
// pasted CSV text with the tender's criteria, and answers with the printable report, the evidence
// file beside it as a download. In Simplified Chinese or English, like the label pages.
import type { IncomingMessage } from "node:http";
import { ApiRequestError, apiErrorReply } from "../api/status.js";
import { readBody } from "../http/body.js";
import { formFields } from "../http/multipart.js";
import type { Reply } from "../http/reply.js";
import { escapeHtml as e } from "../page/escape.js";
import type { Lang } from "../page/lang.js";
import { MESSAGES } from "../page/messages.js";
import { PAGE_CSS } from "../page/page-style.js";
import { evidenceReply } from "./tender-api.js";
import { MAX_GATEWAY_TENDER_ROWS, tenderCriteria, type TenderCheck } from "./tender-check.js";

/** The form posts only here; nothing runs script; nothing may frame it. */
const TENDER_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/**
 * The report carries its evidence as a data: link, so that what is downloaded is exactly what the
 * report shows, with no state kept on the gateway; browsers do not download data: links of tens of
 * megabytes, so a larger file is had from the form's second button (a fresh check) or the API.
 */
const MAX_EMBEDDED_EVIDENCE_BYTES = 2 * 1024 * 1024;

const TEXT = {
  "zh-CN": {
    site: "网络安全标识查询",
    title: "招标核验",
    intro: "上传采购清单，按招标要求逐行核验网络安全标识。每行结论都附有登记簿的证明，证据文件可由任何人离线复核。",
    file: "清单文件（CSV）",
    text: "或粘贴清单内容",
    columns: `CSV 第一行为列名：label_id（标识编号），或 registration_code 与 model（统一社会信用代码与型号）。每份清单最多 ${MAX_GATEWAY_TENDER_ROWS} 行。`,
    minTier: "最低星级",
    validThrough: "有效期至少至",
    category: "产品类别（可留空）",
    submit: "核验",
    download: "核验并下载证据文件",
    error: "无法核验",
  },
  en: {
    site: "Cybersecurity label lookup",
    title: "Tender check",
    intro:
      "Upload a procurement list to check every row's cybersecurity label against a tender's criteria. Every answer comes with the registry's proof; anyone can re-check the evidence file offline.",
    file: "List file (CSV)",
    text: "Or paste the list",
    columns: `The CSV's first line names its columns: label_id, or registration_code and model. At most ${MAX_GATEWAY_TENDER_ROWS} rows per list.`,
    minTier: "Minimum tier",
    validThrough: "Valid at least through",
    category: "Product category (optional)",
    submit: "Check",
    download: "Check and download the evidence",
    error: "Cannot check this list",
  },
} satisfies Record<Lang, Record<string, string>>;

const FORM_CSS = `
form label{display:block;margin:.75rem 0 .25rem;font-weight:600}
input,select,textarea,button{font:inherit;max-width:100%}
input[type=date],select,input[type=text]{min-height:44px;padding:0 .5rem;border:1px solid var(--line);border-radius:8px;width:100%}
textarea{width:100%;min-height:8rem;padding:.5rem;border:1px solid var(--line);border-radius:8px}
button{margin:1rem .5rem 0 0;min-height:44px;padding:0 1.5rem;border:0;border-radius:22px;background:var(--link);color:#fff;font-weight:600}
button.secondary{background:#fff;color:var(--link);border:1px solid var(--link)}
.hint{color:var(--muted);font-size:.9rem}
.error{border-color:#c5221f;background:#fce8e6}`;

/**
 * The refusals a user of the form can meet, in Chinese; the English message (which names the
 * rule and the detail, such as the CSV line) follows it. English pages show the message alone.
 */
const REFUSALS_ZH: Readonly<Record<string, string>> = {
  "no-list": "请选择 CSV 文件或粘贴清单内容。",
  "bad-criteria": "招标要求填写有误。",
  "bad-encoding": "清单须为 UTF-8 编码的文本。",
  "bad-csv": "CSV 格式有误。",
  "bad-header": "CSV 第一行须为列名：label_id，或 registration_code 与 model。",
  "too-many-rows": `每份清单最多 ${MAX_GATEWAY_TENDER_ROWS} 行。`,
  "body-too-large": "上传的内容过大。",
  "tender-busy": "核验请求较多，请稍后几秒再试。",
  "bad-multipart": "表单提交格式有误。",
};
const REFUSAL_ZH_OTHER = "登记簿暂时无法完成核验，请稍后再试。";

/** A refusal as the form shows it: the rule it broke and the message naming it. */
export interface FormRefusal {
  readonly rule: string;
  readonly message: string;
}

function refusalHtml(lang: Lang, refusal: FormRefusal): string {
  if (lang === "en") return `<p>${e(refusal.message)}</p>`;
  return (
    `<p>${e(REFUSALS_ZH[refusal.rule] ?? REFUSAL_ZH_OTHER)}</p>` + `<p class="hint" lang="en">${e(refusal.message)}</p>`
  );
}

export interface FormValues {
  readonly minTier?: string;
  readonly validThrough?: string;
  readonly category?: string;
  readonly text?: string;
}

/** The upload form, with the values and the refusal of a failed attempt when there was one. */
export function tenderFormPage(lang: Lang, values: FormValues = {}, error?: FormRefusal): string {
  const t = TEXT[lang];
  const other: Lang = lang === "en" ? "zh-CN" : "en";
  const tier = values.minTier ?? "2";
  const tiers = ["1", "2", "3"]
    .map((n) => `<option value="${n}"${n === tier ? " selected" : ""}>${"★".repeat(Number(n))} ${n}</option>`)
    .join("");
  return (
    `<!doctype html><html lang="${lang}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${e(t.title)} · ${e(t.site)}</title><style>${PAGE_CSS}${FORM_CSS}</style></head><body>` +
    `<header><span class="site">${e(t.site)}</span>` +
    `<a class="lang" href="?lang=${other}" hreflang="${other}" lang="${other}">${e(MESSAGES[lang].switchLanguage)}</a></header>` +
    `<main id="main"><section><h1>${e(t.title)}</h1><p>${e(t.intro)}</p></section>` +
    (error ? `<section class="error" role="alert"><h2>${e(t.error)}</h2>${refusalHtml(lang, error)}</section>` : "") +
    `<section><form method="post" action="/tender?lang=${lang}" enctype="multipart/form-data">` +
    `<label for="csv">${e(t.file)}</label><input id="csv" name="csv" type="file" accept=".csv,text/csv">` +
    `<label for="text">${e(t.text)}</label><textarea id="text" name="text" spellcheck="false">${e(values.text ?? "")}</textarea>` +
    `<p class="hint">${e(t.columns)}</p>` +
    `<label for="minTier">${e(t.minTier)}</label><select id="minTier" name="minTier">${tiers}</select>` +
    `<label for="validThrough">${e(t.validThrough)}</label>` +
    `<input id="validThrough" name="validThrough" type="date" required value="${e(values.validThrough ?? "")}">` +
    `<label for="category">${e(t.category)}</label>` +
    `<input id="category" name="category" type="text" maxlength="128" value="${e(values.category ?? "")}">` +
    `<button type="submit" name="as" value="report">${e(t.submit)}</button>` +
    `<button type="submit" name="as" value="evidence" class="secondary">${e(t.download)}</button></form></section></main></body></html>`
  );
}

function html(status: number, lang: Lang, body: string): Reply {
  return {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-language": lang,
      vary: "Accept-Language",
      "cache-control": "no-store",
      "content-security-policy": TENDER_CSP,
    },
    body,
  };
}

/** GET shows the form; POST checks the list and shows the report, or the form again naming what is wrong. */
export async function tenderPageReply(
  check: TenderCheck,
  req: IncomingMessage,
  lang: Lang,
  maxBodyBytes: number,
): Promise<Reply> {
  if (req.method !== "POST") return html(200, lang, tenderFormPage(lang));
  let values: FormValues = {};
  try {
    const fields = formFields(req.headers["content-type"] ?? "", await readBody(req, maxBodyBytes));
    const str = (name: string) => fields.get(name)?.toString("utf8");
    values = {
      ...(str("minTier") !== undefined ? { minTier: str("minTier")! } : {}),
      ...(str("validThrough") !== undefined ? { validThrough: str("validThrough")! } : {}),
      ...(str("category") !== undefined ? { category: str("category")! } : {}),
      ...(str("text") !== undefined && str("text")!.length <= 64 * 1024 ? { text: str("text")! } : {}),
    };
    const criteria = tenderCriteria(str);
    // A chosen file wins over the text box; the browser sends an empty part when none was chosen.
    const file = fields.get("csv");
    const list = file && file.length > 0 ? file : fields.get("text");
    if (!list || list.toString("utf8").trim() === "")
      throw new ApiRequestError("no-list", "choose a CSV file or paste the list");
    const result = await check.run(list, criteria);
    if (str("as") === "evidence") return evidenceReply(result.evidence);
    const evidenceHref =
      result.evidence.length <= MAX_EMBEDDED_EVIDENCE_BYTES
        ? `data:application/json;base64,${Buffer.from(result.evidence, "utf8").toString("base64")}`
        : undefined;
    return html(200, lang, check.report(result, { evidenceHref, againHref: `/tender?lang=${lang}` }));
  } catch (err) {
    if (!(err instanceof ApiRequestError)) {
      // The registry's refusals and outages keep their status; the page says what happened.
      const r = apiErrorReply(err);
      if (!r) throw err;
      const { rule, message } = err as { rule: string; message: string };
      return html(r.status, lang, tenderFormPage(lang, values, { rule, message }));
    }
    return html(err.code === "RESOURCE_EXHAUSTED" ? 413 : 400, lang, tenderFormPage(lang, values, err));
  }
}
