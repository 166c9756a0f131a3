// The label's QR code (/l/<id>/qr.svg and .png): it encodes the label page's public URL.
// Symbols come from the `qrcode` package; the SVG is drawn here from its module matrix, so the
// printable label (label-svg.ts) can embed exactly the same symbol.

import { escapeHtml } from "./escape.js";
import { create, toBuffer, type QRCode, type QRCodeErrorCorrectionLevel } from "qrcode";

/**
 * Level Q restores up to 25% of damaged modules: a label printed on a box gets scuffed. A label
 * URL (about 50 characters) still fits a small symbol (version 4 or 5).
 */
export const QR_ERROR_CORRECTION: QRCodeErrorCorrectionLevel = "Q";
/** The quiet zone the QR specification requires around a symbol, in modules. */
export const QR_QUIET_ZONE = 4;

/** The text cannot be a QR symbol: empty, or more than the largest symbol holds. */
export class QrEncodeError extends Error {
  constructor(
    readonly textLength: number,
    cause: unknown,
  ) {
    super(`qr: cannot encode ${textLength} characters: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "QrEncodeError";
  }
}

/** The symbol for `text` at our error-correction level. Throws QrEncodeError. */
export function qrSymbol(text: string): QRCode {
  try {
    return create(text, { errorCorrectionLevel: QR_ERROR_CORRECTION });
  } catch (err) {
    throw new QrEncodeError(text.length, err);
  }
}

/**
 * An SVG path (`d`) drawing the symbol's dark modules, one unit per module, with the origin at
 * the symbol's top-left corner (no quiet zone). Runs of dark modules in a row are one rectangle.
 */
export function qrPath(symbol: QRCode): string {
  const { size } = symbol.modules;
  const parts: string[] = [];
  for (let y = 0; y < size; y++) {
    let x = 0;
    while (x < size) {
      if (!symbol.modules.get(y, x)) {
        x++;
        continue;
      }
      const start = x;
      while (x < size && symbol.modules.get(y, x)) x++;
      parts.push(`M${start} ${y}h${x - start}v1h${start - x}z`);
    }
  }
  return parts.join("");
}

/**
 * A standalone SVG of the QR code for `text`, black on white with the quiet zone, `pixelsPerModule`
 * wide per module at 100% zoom (it scales freely). Throws QrEncodeError.
 */
export function qrSvg(text: string, pixelsPerModule = 8): string {
  const symbol = qrSymbol(text);
  const side = symbol.modules.size + 2 * QR_QUIET_ZONE;
  const px = side * pixelsPerModule;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${side} ${side}" width="${px}" height="${px}" shape-rendering="crispEdges">` +
    `<title>${escapeHtml(text)}</title><rect width="${side}" height="${side}" fill="#fff"/>` +
    `<path transform="translate(${QR_QUIET_ZONE} ${QR_QUIET_ZONE})" fill="#000" d="${qrPath(symbol)}"/></svg>`
  );
}

/** A PNG of the QR code for `text`, with the quiet zone, `pixelsPerModule` pixels per module. Throws QrEncodeError. */
export async function qrPng(text: string, pixelsPerModule = 8): Promise<Uint8Array> {
  qrSymbol(text); // the typed error for text that cannot be encoded
  const png = await toBuffer(text, {
    errorCorrectionLevel: QR_ERROR_CORRECTION,
    margin: QR_QUIET_ZONE,
    scale: pixelsPerModule,
    type: "png",
  });
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
