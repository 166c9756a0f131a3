// `/stats`: the registry's figures (services/stats/) as charts and tables in the page's language,
// with the downloads. Every figure comes from the RegistryStats it is given; nothing is counted here.
import { Tier } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { IssuerStatus, type RegistryStats } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { dateFormat } from "../page/dates.js";
import { escapeHtml as e } from "../page/escape.js";
import type { Lang } from "../page/lang.js";
import { nameIn } from "../page/names.js";
import { pageShell } from "../home/shell.js";
import { groupedColumns, horizontalBars } from "./svg-chart.js";

/** Weeks drawn in the chart (the downloads have every week). */
export const CHART_WEEKS = 16;

const COLORS = { tier: "#a15c00", category: "#0b57d0", issued: "#137333", suspended: "#b06000", revoked: "#c5221f" };

interface StatsText {
  readonly title: string;
  readonly asOf: (size: string, time: string) => string;
  readonly why: string;
  readonly summary: string;
  readonly everIssued: string;
  readonly activeNow: string;
  readonly byTier: string;
  readonly tier: (t: number) => string;
  readonly byCategory: string;
  readonly weekly: string;
  readonly weeklyDesc: (n: number) => string;
  readonly issued: string;
  readonly suspended: string;
  readonly revoked: string;
  readonly week: string;
  readonly issuers: string;
  readonly issuer: string;
  readonly active: string;
  readonly status: Record<IssuerStatus, string>;
  readonly log: string;
  readonly treeSize: string;
  readonly statements: string;
  readonly commitments: string;
  readonly witnesses: string;
  readonly noCosignatures: string;
  readonly cosigned: (n: number) => string;
  readonly cosignedAt: (name: string, time: string) => string;
  readonly downloads: string;
  readonly csv: string;
  readonly json: string;
  readonly check: string;
  readonly barsDesc: (what: string, total: number) => string;
}

const TEXT: Record<Lang, StatsText> = {
  "zh-CN": {
    title: "网络安全标识统计",
    asOf: (size, time) => `截至大小为 ${size} 的检查点（日志共 ${size} 条记录），最后一条记录于 ${time}。`,
    why: "所有数字均由公开日志的记录逐条计算得出，任何人都可以用 labelreg audit --stats 从日志瓦片重新计算并核对。",
    summary: "概况",
    everIssued: "累计颁发标识",
    activeNow: "当前有效标识",
    byTier: "按等级统计的有效标识",
    tier: (t) => ["", "一星（基础级）", "二星（增强级）", "三星（领先级）"][t] ?? String(t),
    byCategory: "按产品类别统计的有效标识",
    weekly: "每周颁发、暂停、撤销数量",
    weeklyDesc: (n) => `最近 ${n} 周（ISO 周，协调世界时）的颁发、暂停和撤销事件数。`,
    issued: "颁发",
    suspended: "暂停",
    revoked: "撤销",
    week: "周",
    issuers: "各发证机构",
    issuer: "机构",
    active: "有效",
    status: {
      [IssuerStatus.ISSUER_STATUS_UNSPECIFIED]: "",
      [IssuerStatus.ISSUER_STATUS_ACTIVE]: "正常",
      [IssuerStatus.ISSUER_STATUS_SUSPENDED]: "已暂停",
      [IssuerStatus.ISSUER_STATUS_WITHDRAWN]: "已撤销认可",
      [IssuerStatus.UNRECOGNIZED]: "",
    },
    log: "日志与见证",
    treeSize: "日志记录数",
    statements: "声明",
    commitments: "状态映射承诺",
    witnesses: "见证",
    noCosignatures: "此检查点没有见证方联署。",
    cosigned: (n) => `此检查点有 ${n} 个见证方联署：`,
    cosignedAt: (name, time) => `${name}，联署于 ${time}`,
    downloads: "下载数据",
    csv: "CSV 表格",
    json: "JSON（与 labelreg audit --stats 格式相同）",
    check: "核验方法",
    barsDesc: (what, total) => `${what}，合计 ${total} 个。`,
  },
  en: {
    title: "Cybersecurity label statistics",
    asOf: (size, time) =>
      `As of the checkpoint of size ${size} (the log's first ${size} entries), the last sequenced ${time}.`,
    why: "Every figure is computed from the public log's entries, one by one; anyone can recompute it from the log's tiles with labelreg audit --stats and compare.",
    summary: "Summary",
    everIssued: "Labels ever issued",
    activeNow: "Labels active now",
    byTier: "Active labels by tier",
    tier: (t) => ["", "1 star (Basic)", "2 stars (Enhanced)", "3 stars (Leading)"][t] ?? String(t),
    byCategory: "Active labels by product category",
    weekly: "Issued, suspended and revoked per week",
    weeklyDesc: (n) => `Issuance, suspension and revocation events in the last ${n} weeks (ISO weeks, UTC).`,
    issued: "Issued",
    suspended: "Suspended",
    revoked: "Revoked",
    week: "Week",
    issuers: "By issuer",
    issuer: "Issuer",
    active: "Active",
    status: {
      [IssuerStatus.ISSUER_STATUS_UNSPECIFIED]: "",
      [IssuerStatus.ISSUER_STATUS_ACTIVE]: "active",
      [IssuerStatus.ISSUER_STATUS_SUSPENDED]: "suspended",
      [IssuerStatus.ISSUER_STATUS_WITHDRAWN]: "withdrawn",
      [IssuerStatus.UNRECOGNIZED]: "",
    },
    log: "Log and witnesses",
    treeSize: "Log entries",
    statements: "Statements",
    commitments: "State map commitments",
    witnesses: "Witnesses",
    noCosignatures: "No witness has cosigned this checkpoint.",
    cosigned: (n) => `${n} witness${n === 1 ? " has" : "es have"} cosigned this checkpoint:`,
    cosignedAt: (name, time) => `${name}, cosigned ${time}`,
    downloads: "Download the data",
    csv: "CSV spreadsheet",
    json: "JSON (the format of labelreg audit --stats)",
    check: "How to check",
    barsDesc: (what, total) => `${what}, ${total} in all.`,
  },
};

const n = (v: bigint): number => Number(v);

function table(head: readonly string[], rows: readonly (readonly (string | number)[])[], caption: string): string {
  const cell = (c: string | number, tag: "td" | "th") =>
    typeof c === "number" ? `<${tag} class="n">${c}</${tag}>` : `<${tag}>${e(c)}</${tag}>`;
  return (
    `<div class="tw"><table><caption class="vh">${e(caption)}</caption><thead><tr>${head.map((h, i) => (i === 0 ? `<th>${e(h)}</th>` : `<th class="n">${e(h)}</th>`)).join("")}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => cell(c, i === 0 ? "th" : "td")).join("")}</tr>`).join("")}</tbody></table></div>`
  );
}

export interface StatsPageOptions {
  readonly lang: Lang;
  readonly query: URLSearchParams;
  readonly stats: RegistryStats;
}

export function renderStatsPage(o: StatsPageOptions): string {
  const t = TEXT[o.lang];
  const s = o.stats;
  const df = dateFormat(o.lang);
  const time = (unix: bigint) => df.dateTime(new Date(Number(unix) * 1000));
  const active = s.activeByTier.reduce((a, c) => a + n(c.labels), 0);

  const summary =
    `<section aria-labelledby="sum-h"><h1 id="sum-h">${e(t.title)}</h1>` +
    `<p>${e(t.asOf(String(s.treeSize), s.asOfUnix === 0n ? "—" : `${time(s.asOfUnix)} (${df.zoneName})`))}</p>` +
    `<dl><div><dt>${e(t.activeNow)}</dt><dd>${active}</dd></div><div><dt>${e(t.everIssued)}</dt><dd>${n(s.labels)}</dd></div></dl>` +
    `<p class="note">${e(t.why)}</p></section>`;

  const tierBars = s.activeByTier.map((c) => ({ label: t.tier(c.tier as Tier), value: n(c.labels) }));
  const byTier =
    `<section aria-labelledby="tier-h"><h2 id="tier-h">${e(t.byTier)}</h2>` +
    horizontalBars({
      id: "chart-tier",
      title: t.byTier,
      desc: t.barsDesc(t.byTier, active),
      bars: tierBars,
      color: COLORS.tier,
    }) +
    `</section>`;

  const catBars = s.activeByCategory.map((c) => ({ label: nameIn(o.lang, c), value: n(c.labels) }));
  const byCategory =
    `<section aria-labelledby="cat-h"><h2 id="cat-h">${e(t.byCategory)}</h2>` +
    horizontalBars({
      id: "chart-category",
      title: t.byCategory,
      desc: t.barsDesc(t.byCategory, active),
      bars: catBars,
      color: COLORS.category,
    }) +
    `</section>`;

  const weeks = s.weeks.slice(-CHART_WEEKS);
  const weekly =
    `<section aria-labelledby="week-h"><h2 id="week-h">${e(t.weekly)}</h2>` +
    groupedColumns({
      id: "chart-weeks",
      title: t.weekly,
      desc: t.weeklyDesc(weeks.length),
      groups: weeks.map((w) => w.week.slice(5)),
      groupNames: weeks.map((w) => w.week),
      series: [
        { name: t.issued, color: COLORS.issued, values: weeks.map((w) => n(w.issued)) },
        { name: t.suspended, color: COLORS.suspended, values: weeks.map((w) => n(w.suspended)) },
        { name: t.revoked, color: COLORS.revoked, values: weeks.map((w) => n(w.revoked)) },
      ],
    }) +
    `<details><summary>${e(t.week)}</summary>` +
    table(
      [t.week, t.issued, t.suspended, t.revoked],
      weeks.map((w) => [w.week, n(w.issued), n(w.suspended), n(w.revoked)]),
      t.weekly,
    ) +
    `</details></section>`;

  const issuers =
    `<section aria-labelledby="iss-h"><h2 id="iss-h">${e(t.issuers)}</h2>` +
    horizontalBars({
      id: "chart-issuers",
      title: `${t.issuers} · ${t.active}`,
      desc: t.barsDesc(`${t.issuers} · ${t.active}`, active),
      bars: s.issuers.map((i) => ({ label: nameIn(o.lang, i), value: n(i.active) })),
      color: COLORS.issued,
    }) +
    table(
      [t.issuer, t.issued, t.suspended, t.revoked, t.active],
      s.issuers.map((i) => [
        `${nameIn(o.lang, i)} (${i.issuerId}${t.status[i.status] ? `, ${t.status[i.status]}` : ""})`,
        n(i.issued),
        n(i.suspended),
        n(i.revoked),
        n(i.active),
      ]),
      t.issuers,
    ) +
    `</section>`;

  const cosigs =
    s.cosignatures.length === 0
      ? `<p>${e(t.noCosignatures)}</p>`
      : `<p>${e(t.cosigned(s.cosignatures.length))}</p><ul>${s.cosignatures
          .map((c) => `<li>${e(t.cosignedAt(c.name, c.timestampUnix === 0n ? "—" : time(c.timestampUnix)))}</li>`)
          .join("")}</ul>`;
  const log =
    `<section aria-labelledby="log-h"><h2 id="log-h">${e(t.log)}</h2><dl>` +
    `<div><dt>${e(t.treeSize)}</dt><dd>${n(s.treeSize)}</dd></div>` +
    `<div><dt>${e(t.statements)}</dt><dd>${n(s.statements)}</dd></div>` +
    `<div><dt>${e(t.commitments)}</dt><dd>${n(s.commitments)}</dd></div>` +
    `<div><dt>${e(t.witnesses)}</dt><dd>${cosigs}</dd></div></dl></section>`;

  const downloads =
    `<section aria-labelledby="dl-h"><h2 id="dl-h">${e(t.downloads)}</h2><ul>` +
    `<li><a href="/stats.csv" download>${e(t.csv)}</a></li><li><a href="/api/v1/stats">${e(t.json)}</a></li></ul>` +
    `<p class="note">${e(t.check)}: <code>labelreg audit --url … --log-key … --authority-key … --stats stats.json</code></p></section>`;

  return pageShell({
    lang: o.lang,
    title: t.title,
    path: "/stats",
    query: o.query,
    body: summary + byTier + byCategory + weekly + issuers + log + downloads,
  });
}
