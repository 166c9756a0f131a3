// Damaged protobuf encodings for the differential test of the hand-written LogEntry reader
// (services/domain/entry-wire.ts): the edges a parser gets wrong.
import fc from "fast-check";

/**
 * `valid` encodings as they are, and damaged: a byte set, a cut, random bytes inserted, one of
 * `fields` (tag bytes, value bytes) spliced in, a span repeated, or two adjacent spans swapped;
 * and random bytes.
 */
export function damaged(
  valid: fc.Arbitrary<Uint8Array>,
  fields: fc.Arbitrary<readonly [readonly number[], readonly number[]]>,
): fc.Arbitrary<Uint8Array> {
  const at = (b: Uint8Array, i: number) => i % (b.length + 1);
  return fc.oneof(
    valid,
    fc.tuple(valid, fc.nat(), fc.integer({ min: 0, max: 255 })).map(([b, i, v]) => {
      const c = Uint8Array.from(b);
      if (c.length > 0) c[i % c.length] = v;
      return c;
    }),
    fc.tuple(valid, fc.nat()).map(([b, i]) => b.subarray(0, at(b, i))),
    fc.tuple(valid, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 11 })).map(([b, i, ins]) => {
      const p = at(b, i);
      return Uint8Array.from([...b.subarray(0, p), ...ins, ...b.subarray(p)]);
    }),
    fc.tuple(valid, fc.nat(), fc.boolean(), fields).map(([b, i, last, [tag, value]]) => {
      const p = last ? b.length : at(b, i);
      return Uint8Array.from([...b.subarray(0, p), ...tag, ...value, ...b.subarray(p)]);
    }),
    fc.tuple(valid, fc.nat(), fc.nat()).map(([b, i, j]) => {
      const [lo, hi] = [at(b, i), at(b, j)].sort((x, y) => x - y) as [number, number];
      return Uint8Array.from([...b.subarray(0, hi), ...b.subarray(lo, hi), ...b.subarray(hi)]);
    }),
    fc.tuple(valid, fc.nat(), fc.nat(), fc.nat()).map(([b, i, j, k]) => {
      const [p, q, r] = [at(b, i), at(b, j), at(b, k)].sort((x, y) => x - y) as [number, number, number];
      return Uint8Array.from([...b.subarray(0, p), ...b.subarray(q, r), ...b.subarray(p, q), ...b.subarray(r)]);
    }),
    fc.uint8Array({ maxLength: 40 }),
  );
}
