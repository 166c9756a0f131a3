// The printable label (/l/<id>/label.svg) a manufacturer puts on a box: the stars, the tier in
// Chinese and English, the QR code to the label page, and the label id. Black on white, stars
// drawn as shapes rather than font glyphs, so it prints the same anywhere; 60 × 90 mm. A label
// that is not active is still printable (a shop may need to mark stock) but never as a valid
// one: a band across the stars names its status in both languages.

import { escapeHtml as e } from "./escape.js";
import type { LabelStatus, Tier } from "./label-view.js";
import { MESSAGES } from "./messages.js";
import { QR_QUIET_ZONE, qrPath, qrSymbol } from "./qr.js";

const W = 240;
const H = 360;
const INK = "#111";
const CJK_FONT = `'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif`;
const MONO_FONT = `'DejaVu Sans Mono',Menlo,Consolas,monospace`;
/** About how many monospace characters of the id fit at 12 units; longer ids are squeezed to fit. */
const ID_FIT_CHARS = 26;

const r2 = (n: number): string => String(Math.round(n * 100) / 100);

/** Points of a regular five-pointed star centred on (cx, cy), first point up. */
function starPoints(cx: number, cy: number, outer: number): string {
  const inner = outer * 0.381966; // the ratio of a regular pentagram
  const pts: string[] = [];
  for (let i = 0; i < 10; i++) {
    const radius = i % 2 === 0 ? outer : inner;
    const angle = -Math.PI / 2 + (i * Math.PI) / 5;
    pts.push(`${r2(cx + radius * Math.cos(angle))},${r2(cy + radius * Math.sin(angle))}`);
  }
  return pts.join(" ");
}

export interface LabelSvgOptions {
  /** The label's status; anything but active is printed across the stars. Default active. */
  readonly status?: LabelStatus;
  /** A line printed under the QR code, for a label whose QR code leads nowhere useful. */
  readonly qrWarning?: string;
}

/** The band across the stars of a label that is not active: its status in both languages. */
function statusBand(status: Exclude<LabelStatus, "active">): string {
  const text = `${MESSAGES["zh-CN"].status[status].name} · ${MESSAGES.en.status[status].name.toUpperCase()}`;
  return (
    `<g class="status-band" transform="rotate(-6 ${W / 2} 98)">` +
    `<rect x="14" y="84" width="${W - 28}" height="28" fill="#fff" stroke="${INK}" stroke-width="3"/>` +
    `<text x="${W / 2}" y="104" font-size="15" font-weight="700" text-anchor="middle" font-family="${CJK_FONT}" fill="${INK}">${e(text)}</text></g>`
  );
}

/**
 * The label image for `labelId` at `tier`, its QR code holding `pageUrl` (from labelPageUrl).
 * A complete SVG document; every text is escaped. Throws QrEncodeError if the URL cannot be a
 * QR symbol.
 */
export function labelSvg(labelId: string, tier: Tier, pageUrl: string, opts: LabelSvgOptions = {}): string {
  const status = opts.status ?? "active";
  const zh = MESSAGES["zh-CN"];
  const en = MESSAGES.en;
  const symbol = qrSymbol(pageUrl);
  const qrBox = 140;
  const qrX = (W - qrBox) / 2;
  const qrY = 164;
  const scale = qrBox / (symbol.modules.size + 2 * QR_QUIET_ZONE);
  const stars = [0, 1, 2]
    .map((i) => {
      const paint = i < tier ? `fill="${INK}"` : `fill="none" stroke="${INK}" stroke-width="2" stroke-linejoin="round"`;
      return `<polygon class="${i < tier ? "star-on" : "star-off"}" points="${starPoints(80 + i * 40, 98, 17)}" ${paint}/>`;
    })
    .join("");
  const fit = labelId.length > ID_FIT_CHARS ? ` textLength="200" lengthAdjust="spacingAndGlyphs"` : "";
  const marked = status === "active" ? "" : ` · ${zh.status[status].name} ${en.status[status].name.toUpperCase()}`;
  const title = `${zh.labelName} ${zh.tierLabel(tier)} · ${en.labelName} ${en.tierLabel(tier)} · ${labelId}${marked}`;
  const warning = opts.qrWarning
    ? `<text x="${W / 2}" y="352" font-size="7" fill="${INK}">${e(opts.qrWarning)}</text>`
    : "";
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="60mm" height="90mm" role="img" aria-labelledby="label-title">` +
    `<title id="label-title">${e(title)}</title>` +
    `<rect x="4" y="4" width="${W - 8}" height="${H - 8}" rx="14" fill="#fff" stroke="${INK}" stroke-width="3"/>` +
    `<rect x="4" y="4" width="${W - 8}" height="64" rx="14" fill="${INK}"/><rect x="4" y="40" width="${W - 8}" height="28" fill="${INK}"/>` +
    `<g font-family="${CJK_FONT}" text-anchor="middle">` +
    `<text x="${W / 2}" y="38" font-size="24" font-weight="700" fill="#fff">${e(zh.labelName)}</text>` +
    `<text x="${W / 2}" y="58" font-size="10.5" letter-spacing="2" fill="#fff">${e(en.labelName.toUpperCase())}</text>` +
    stars +
    `<text x="${W / 2}" y="140" font-size="18" font-weight="700" fill="${INK}">${e(`${zh.stars(tier)} · ${zh.tierName[tier]}`)}</text>` +
    `<text x="${W / 2}" y="157" font-size="11" fill="${INK}">${e(`${en.stars(tier)} · ${en.tierName[tier]}`)}</text>` +
    `<text x="${W / 2}" y="318" font-size="10" fill="${INK}">${e(`${zh.scanToVerify} · ${en.scanToVerify}`)}</text>` +
    `<text x="${W / 2}" y="338" font-size="12" font-weight="700" font-family="${MONO_FONT}" fill="${INK}"${fit}>${e(labelId)}</text>` +
    warning +
    `</g>` +
    (status === "active" ? "" : statusBand(status)) +
    `<g transform="translate(${r2(qrX)} ${qrY}) scale(${scale})" shape-rendering="crispEdges">` +
    `<rect width="${symbol.modules.size + 2 * QR_QUIET_ZONE}" height="${symbol.modules.size + 2 * QR_QUIET_ZONE}" fill="#fff"/>` +
    `<path transform="translate(${QR_QUIET_ZONE} ${QR_QUIET_ZONE})" fill="${INK}" d="${qrPath(symbol)}"/></g>` +
    `</svg>\n`
  );
}
