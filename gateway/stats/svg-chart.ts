// Charts drawn on the server as inline SVG: readable without script, scaled to the screen, each
// with a title and description for screen readers and a <title> per bar (its exact figure).
import { escapeHtml as e } from "../page/escape.js";

const WIDTH = 340;

export interface Bar {
  readonly label: string;
  readonly value: number;
}

export interface Series {
  readonly name: string;
  readonly color: string;
  readonly values: readonly number[];
}

function open(id: string, title: string, desc: string, height: number): string {
  return (
    `<svg class="chart" id="${e(id)}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="${e(id)}-t ${e(id)}-d" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="${e(id)}-t">${e(title)}</title><desc id="${e(id)}-d">${e(desc)}</desc>`
  );
}

/**
 * One bar per item, label above it and the figure at its end. A screen reader hears the title,
 * then `desc` followed by every bar's label and figure (the drawing itself is one image to it).
 */
export function horizontalBars(o: {
  readonly id: string;
  readonly title: string;
  readonly desc: string;
  readonly bars: readonly Bar[];
  readonly color: string;
}): string {
  const row = 40;
  const height = Math.max(1, o.bars.length) * row + 4;
  const max = Math.max(1, ...o.bars.map((b) => b.value));
  const span = WIDTH - 60;
  const spoken = [o.desc, ...o.bars.map((b) => `${b.label}: ${b.value}.`)].join(" ");
  let out = open(o.id, o.title, spoken, height);
  o.bars.forEach((b, i) => {
    const y = i * row;
    const w = b.value === 0 ? 0 : Math.max(2, Math.round((b.value / max) * span));
    out +=
      `<g><title>${e(`${b.label}: ${b.value}`)}</title>` +
      `<text x="0" y="${y + 14}" font-size="13" fill="#1f1f1f">${e(b.label)}</text>` +
      `<rect x="0" y="${y + 20}" width="${w}" height="14" rx="3" fill="${o.color}"/>` +
      `<text x="${w + 6}" y="${y + 32}" font-size="13" fill="#1f1f1f">${b.value}</text></g>`;
  });
  return `${out}</svg>`;
}

/** A round figure at or above `n`, for the top of an axis: 1, 2, 5, 10, 20, 50... */
export function niceCeiling(n: number): number {
  if (n <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

/** Grouped columns, one group per category along the x axis (e.g. weeks), one column per series. */
export function groupedColumns(o: {
  readonly id: string;
  readonly title: string;
  readonly desc: string;
  /** Short axis labels, one per group; `groupNames` the full names for each column's title. */
  readonly groups: readonly string[];
  readonly groupNames: readonly string[];
  readonly series: readonly Series[];
}): string {
  const height = 230;
  const left = 32;
  const top = 34;
  const bottom = 196;
  const plot = WIDTH - left - 4;
  const top_ = niceCeiling(Math.max(0, ...o.series.flatMap((s) => s.values)));
  const n = Math.max(1, o.groups.length);
  const group = plot / n;
  const col = Math.max(1, (group * 0.8) / o.series.length);
  const y = (v: number) => bottom - (v / top_) * (bottom - top);
  let out = open(o.id, o.title, o.desc, height);
  // Legend.
  let lx = 0;
  for (const s of o.series) {
    out += `<rect x="${lx}" y="4" width="12" height="12" fill="${s.color}"/><text x="${lx + 16}" y="14" font-size="12" fill="#1f1f1f">${e(s.name)}</text>`;
    lx += 24 + [...s.name].reduce((w, c) => w + (c.charCodeAt(0) >= 0x2e80 ? 12 : 7), 0);
  }
  // Axis: zero, half and top.
  for (const v of [0, top_ / 2, top_]) {
    const yy = y(v).toFixed(1);
    out +=
      `<line x1="${left}" x2="${WIDTH}" y1="${yy}" y2="${yy}" stroke="#dadce0"/>` +
      `<text x="${left - 4}" y="${(y(v) + 4).toFixed(1)}" font-size="11" text-anchor="end" fill="#4d5156">${Number.isInteger(v) ? v : v.toFixed(1)}</text>`;
  }
  const every = Math.ceil(n / 6);
  o.groups.forEach((g, i) => {
    const gx = left + i * group + group * 0.1;
    o.series.forEach((s, k) => {
      const v = s.values[i] ?? 0;
      const h = bottom - y(v);
      out +=
        `<rect x="${(gx + k * col).toFixed(1)}" y="${y(v).toFixed(1)}" width="${col.toFixed(1)}" height="${h.toFixed(1)}" fill="${s.color}">` +
        `<title>${e(`${o.groupNames[i] ?? g} · ${s.name}: ${v}`)}</title></rect>`;
    });
    if (i % every === 0)
      out += `<text x="${(gx + (col * o.series.length) / 2).toFixed(1)}" y="${bottom + 16}" font-size="11" text-anchor="middle" fill="#4d5156">${e(g)}</text>`;
  });
  return `${out}</svg>`;
}
