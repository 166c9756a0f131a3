// Protobuf base-128 varints over JavaScript numbers, for the hand-written encoders of the hottest
// responses (services/grpc/receipt-wire.ts, services/reads/wire.ts). Numbers up to 2^53 - 1: the
// arithmetic avoids the 32-bit bit operators.

/** Bytes the varint encoding of `n` takes (0 <= n <= 2^53 - 1). */
export function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Writes the varint of `n` (0 <= n <= 2^53 - 1) at `pos`; returns the position after it. */
export function putVarint(buf: Uint8Array, pos: number, n: number): number {
  while (n >= 128) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}
