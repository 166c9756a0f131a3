// Tampering with a bundle never yields a false verdict: any changed byte of an entry, a proof, the
// checkpoint or a signature, any changed index, any reordering gives "not verifiable". Dropping an
// entry either breaks the chain ("not verifiable") or leaves a bundle that is honest about an
// earlier history: the completeness caveat every verdict states.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import type { LabelBundle, ProvenEntry } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { T0 } from "../../test/domain-testkit.js";
import { buildFixture, LABELS, trust } from "../../test/verification-fixture.js";
import { verifyLabelBundle } from "./bundle.js";
import { resolveTrust } from "./trust.js";
import type { Verdict } from "./verdict.js";

const now = T0 + 10n;
const t = resolveTrust(trust);
const bundles: LabelBundle[] = [];
const honest = new Map<string, Verdict>();

beforeAll(async () => {
  const fx = await buildFixture();
  for (const id of Object.values(LABELS)) {
    const b = (await fx.reads.getLabel(id)).bundle!;
    bundles.push(b);
    honest.set(id, verifyLabelBundle(b, t, { nowUnix: now }));
  }
});

type Field = "entries" | "contextEntries";
const flip = (b: Uint8Array, pos: number, x: number) => {
  const c = Uint8Array.from(b);
  const k = pos % c.length;
  c[k] = c[k]! ^ x;
  return c;
};
const mapEntry = (b: LabelBundle, f: Field, i: number, fn: (p: ProvenEntry) => ProvenEntry): LabelBundle => {
  const list = b[f];
  if (list.length === 0) return b;
  const k = i % list.length;
  return { ...b, [f]: list.map((p, j) => (j === k ? fn(p) : p)) };
};

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant("entry-byte" as const),
    f: fc.constantFrom<Field>("entries", "contextEntries"),
    i: fc.nat(),
    pos: fc.nat(),
    x: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({
    kind: fc.constant("proof-byte" as const),
    f: fc.constantFrom<Field>("entries", "contextEntries"),
    i: fc.nat(),
    j: fc.nat(),
    pos: fc.nat(),
    x: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({
    kind: fc.constant("index" as const),
    f: fc.constantFrom<Field>("entries", "contextEntries"),
    i: fc.nat(),
    d: fc.integer({ min: -5, max: 5 }).filter((d) => d !== 0),
  }),
  fc.record({ kind: fc.constant("checkpoint-char" as const), pos: fc.nat(), d: fc.integer({ min: 1, max: 94 }) }),
  fc.record({
    kind: fc.constant("reorder" as const),
    f: fc.constantFrom<Field>("entries", "contextEntries"),
    i: fc.nat(),
    j: fc.nat(),
  }),
);

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function apply(b: LabelBundle, m: Mutation): LabelBundle | undefined {
  switch (m.kind) {
    case "entry-byte":
      return mapEntry(b, m.f, m.i, (p) => ({ ...p, entry: flip(p.entry, m.pos, m.x) }));
    case "proof-byte":
      return mapEntry(b, m.f, m.i, (p) =>
        p.inclusionProof.length === 0
          ? p
          : {
              ...p,
              inclusionProof: p.inclusionProof.map((h, j) =>
                j === m.j % p.inclusionProof.length ? flip(h, m.pos, m.x) : h,
              ),
            },
      );
    case "index":
      return mapEntry(b, m.f, m.i, (p) => ({
        ...p,
        index: p.index + BigInt(m.d) < 0n ? p.index + 1n : p.index + BigInt(m.d),
      }));
    case "checkpoint-char": {
      const pos = m.pos % b.checkpoint.length;
      // Printable ASCII shifted within printable ASCII (never the same character).
      const c = b.checkpoint.charCodeAt(pos);
      const base = c >= 32 && c < 127 ? c : 65;
      const repl = String.fromCharCode(32 + ((base - 32 + m.d) % 95));
      return { ...b, checkpoint: b.checkpoint.slice(0, pos) + repl + b.checkpoint.slice(pos + 1) };
    }
    case "reorder": {
      const list = [...b[m.f]];
      const i = m.i % Math.max(1, list.length);
      const j = m.j % Math.max(1, list.length);
      if (list.length < 2 || i === j) return undefined;
      [list[i], list[j]] = [list[j]!, list[i]!];
      return { ...b, [m.f]: list };
    }
  }
}

describe("bundle mutations", () => {
  it("changed bytes, indices, checkpoints and orders are never verifiable", () => {
    fc.assert(
      fc.property(fc.nat(), mutation, (which, m) => {
        const b = bundles[which % bundles.length]!;
        const mutated = apply(b, m);
        if (!mutated || mutated === b) return;
        const v = verifyLabelBundle(mutated, t, { nowUnix: now });
        expect(v.status, `${m.kind} on ${b.labelId}`).toBe("not-verifiable");
        expect(v.reasons.length).toBeGreaterThan(0);
      }),
      { numRuns: 1500 },
    );
  });

  it("every single drop: not verifiable, the honest verdict, or the verdict of an earlier history", () => {
    let broken = 0;
    for (const b of bundles) {
      for (const f of ["entries", "contextEntries"] as const) {
        for (let k = 0; k < b[f].length; k++) {
          const dropped = { ...b, [f]: b[f].filter((_, j) => j !== k) };
          const v = verifyLabelBundle(dropped, t, { nowUnix: now });
          if (v.status === "not-verifiable") {
            broken++;
            continue;
          }
          if (f === "entries" && k === b.entries.length - 1) {
            // The last entry gone: an honest bundle of the label before that entry.
            expect(v.label?.version).toBe(b.entries.length - 1);
          } else {
            // A context entry the label's entries do not depend on: the verdict must not change.
            expect(v.status).toBe(honest.get(b.labelId)!.status);
            expect(v.label).toEqual(honest.get(b.labelId)!.label);
          }
        }
      }
    }
    expect(broken).toBeGreaterThan(0);
  });

  it("never throws on structurally hostile bundles", () => {
    fc.assert(
      fc.property(fc.anything(), (x) => {
        const v = verifyLabelBundle(x as LabelBundle, t, { nowUnix: now });
        expect(v.status).toBe("not-verifiable");
      }),
      { numRuns: 500 },
    );
  });
});
