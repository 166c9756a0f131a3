// Byte helpers that run unchanged in Node and in a browser: no Buffer, no node: imports.

// Char codes of each byte's two hex digits. toHex builds the string with one fromCharCode call
// per 4 KiB: appending digits one by one made a chain of partial strings (about 2 KB of garbage
// for a 32-byte key id) and cost ~3x more; key ids are hexed several times per log entry.
const HEX_CODES = new Uint16Array(512);
for (let i = 0; i < 256; i++) {
  HEX_CODES[2 * i] = "0123456789abcdef".charCodeAt(i >> 4);
  HEX_CODES[2 * i + 1] = "0123456789abcdef".charCodeAt(i & 15);
}
const HEX_CHUNK = 4096;
// Reused across calls (nothing runs between filling it and reading it): most calls hex the same
// length, so this is allocated once.
const codes: number[] = [];

/** Lower-case hex of `b`. */
export function toHex(b: Uint8Array): string {
  let s = "";
  for (let start = 0; start < b.length; start += HEX_CHUNK) {
    const n = Math.min(HEX_CHUNK, b.length - start);
    if (codes.length !== 2 * n) codes.length = 2 * n;
    for (let i = 0; i < n; i++) {
      const x = b[start + i]!;
      codes[2 * i] = HEX_CODES[2 * x]!;
      codes[2 * i + 1] = HEX_CODES[2 * x + 1]!;
    }
    s += String.fromCharCode.apply(null, codes);
  }
  return s;
}

export function fromHex(s: string): Uint8Array {
  if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new TypeError("invalid hex string");
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Standard base64 with padding (RFC 4648 §4), as signed notes and checkpoints use. */
export function toBase64(b: Uint8Array): string {
  let s = "";
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  if (i < b.length) {
    const n = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8);
    s += B64[n >> 18]! + B64[(n >> 12) & 63]!;
    s += i + 1 < b.length ? B64[(n >> 6) & 63]! + "=" : "==";
  }
  return s;
}

/**
 * Strict standard base64: padding required, no whitespace, and non-zero trailing bits rejected,
 * so that every byte string has exactly one accepted encoding (a signed note must not be malleable).
 */
export function fromBase64(s: string): Uint8Array {
  if (s.length % 4 !== 0) throw new TypeError("invalid base64: length is not a multiple of 4");
  let pad = 0;
  if (s.endsWith("==")) pad = 2;
  else if (s.endsWith("=")) pad = 1;
  const out = new Uint8Array((s.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < s.length; i += 4) {
    const last = i + 4 === s.length;
    const v = [0, 0, 0, 0];
    for (let j = 0; j < 4; j++) {
      const c = s.charCodeAt(i + j);
      if (last && j >= 4 - pad) {
        if (c !== 61) throw new TypeError("invalid base64: bad padding");
        continue;
      }
      const d = c < 128 ? B64_INDEX[c]! : -1;
      if (d < 0) throw new TypeError("invalid base64 character");
      v[j] = d;
    }
    const n = (v[0]! << 18) | (v[1]! << 12) | (v[2]! << 6) | v[3]!;
    if (last && pad === 2 && (n & 0xffff) !== 0) throw new TypeError("invalid base64: non-zero trailing bits");
    if (last && pad === 1 && (n & 0xff) !== 0) throw new TypeError("invalid base64: non-zero trailing bits");
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true });

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Decodes UTF-8, throwing on any invalid sequence (signed notes must be valid UTF-8). */
export function fromUtf8(b: Uint8Array): string {
  return strictDecoder.decode(b);
}
