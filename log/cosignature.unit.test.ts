import { createPublicKey, verify as opensslVerify } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeEd25519 } from "../services/crypto/ed25519-node.js";
import { fromBase64, toBase64, utf8 } from "./bytes.js";
import { CheckpointError } from "./checkpoint.js";
import {
  CosignatureError,
  COSIGNATURE_SIZE,
  cosignCheckpoint,
  cosignatureMessage,
  cosigner,
  parseCosignatureVerifierKey,
  splitCosignature,
} from "./cosignature.js";
import { nobleEd25519 } from "./ed25519.js";
import { NoteError, openNote, parseSignedNote, signNote } from "./note.js";
import { ed25519NoteSigner, parseVerifierKey } from "./note-keys.js";
import {
  WitnessPolicyError,
  checkWitnessPolicy,
  openWitnessedCheckpoint,
  validCosignatures,
  witnessPolicy,
} from "./witness-policy.js";

const ROOT = toBase64(new Uint8Array(32).fill(7));
const CP = `log.example/1\n42\n${ROOT}\n`;
const log = ed25519NoteSigner("log.example/1", new Uint8Array(32).fill(1));
const logV = parseVerifierKey(log.verifierKey);
const T = 1679315147n;
const witnesses = [0, 1, 2, 3].map((i) =>
  cosigner(`w${i}.example`, new Uint8Array(32).fill(20 + i), { clock: () => T + BigInt(i) }),
);
const wv = witnesses.map((w) => parseCosignatureVerifierKey(w.verifierKey));
const signed = signNote(CP, [log]);

function cosignedBy(...idx: number[]): string {
  return idx.reduce((n, i) => cosignCheckpoint(n, witnesses[i]!), signed);
}

describe("cosignature/v1 (Ed25519)", () => {
  it("the spec example's signature line carries its key id and timestamp", () => {
    const line =
      "\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";
    const [sig] = parseSignedNote(`x\n\n${line}`).signatures;
    expect(sig!.keyId.toString(16)).toBe("8d66cf3f");
    expect(splitCosignature(sig!.signature)?.timestamp).toBe(T);
  });

  it("signs the spec's message: header, time line, checkpoint text; checked with bare OpenSSL", () => {
    const w = witnesses[0]!;
    const sig = w.sign(utf8(CP));
    expect(sig.length).toBe(COSIGNATURE_SIZE);
    expect(splitCosignature(sig)!.timestamp).toBe(T);
    const msg = `cosignature/v1\ntime 1679315147\n${CP}`;
    expect(cosignatureMessage(utf8(CP), T)).toEqual(utf8(msg));
    const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), w.publicKey]);
    expect(
      opensslVerify(null, utf8(msg), createPublicKey({ key: spki, format: "der", type: "spki" }), sig.subarray(8)),
    ).toBe(true);
  });

  it("key id uses type 0x04 and verifier keys round-trip", () => {
    const v = wv[0]!;
    expect(v.keyId).toBe(witnesses[0]!.keyId);
    expect(v.keyId).not.toBe(ed25519NoteSigner("w0.example", new Uint8Array(32).fill(20)).keyId);
    expect(() => parseCosignatureVerifierKey(log.verifierKey)).toThrow(NoteError);
    expect(() => parseVerifierKey(witnesses[0]!.verifierKey)).toThrow(NoteError);
  });

  it("verifies with both implementations, and refuses another text, timestamp or key", () => {
    const sig = witnesses[1]!.sign(utf8(CP));
    for (const ed of [nobleEd25519, nodeEd25519]) {
      const v = parseCosignatureVerifierKey(witnesses[1]!.verifierKey, ed);
      expect(v.timestampOf(utf8(CP), sig)).toBe(T + 1n);
      expect(v.verify(utf8(CP.replace("42", "43")), sig)).toBe(false);
      const other = Uint8Array.from(sig);
      other[7]! ^= 1;
      expect(v.verify(utf8(CP), other)).toBe(false);
      expect(v.verify(utf8(CP), sig.subarray(0, 71))).toBe(false);
      expect(parseCosignatureVerifierKey(witnesses[2]!.verifierKey, ed).verify(utf8(CP), sig)).toBe(false);
    }
  });

  it("Node and noble cosigners produce identical cosignatures", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
        (seed, t) => {
          const a = cosigner("w.example", seed, { ed: nobleEd25519, clock: () => t }).sign(utf8(CP));
          const b = cosigner("w.example", seed, { ed: nodeEd25519, clock: () => t }).sign(utf8(CP));
          expect(a).toEqual(b);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("refuses timestamps beyond 2^63 - 1, and texts that are not checkpoints", () => {
    const big = cosigner("w.example", new Uint8Array(32), { clock: () => 1n << 63n });
    expect(() => big.sign(utf8(CP))).toThrow(CosignatureError);
    expect(() => witnesses[0]!.sign(utf8("not a checkpoint\n"))).toThrow(CosignatureError);
    expect(() => witnesses[0]!.sign(Uint8Array.of(0xff, 0x0a))).toThrow(CosignatureError);
    const sig = witnesses[0]!.sign(utf8(CP));
    sig[0] = 0x80;
    expect(splitCosignature(sig)).toBeUndefined();
  });

  it("a cosigned checkpoint still opens under the log key alone; the cosignature is the last line", () => {
    const n = cosignedBy(0);
    expect(openNote(n, [logV]).unverifiedSigs.map((s) => s.name)).toEqual(["w0.example"]);
    expect(openNote(n, [logV, wv[0]!]).sigs).toHaveLength(2);
    expect(cosignCheckpoint(n, witnesses[0]!)).toBe(n); // re-cosigning at the same time: same bytes, one line
  });
});

describe("witness policy", () => {
  it("k of n: counts each valid witness once", () => {
    const policy = witnessPolicy(2, wv.slice(0, 3));
    expect(() => checkWitnessPolicy(policy, parseSignedNote(cosignedBy(0)))).toThrow(WitnessPolicyError);
    expect(validCosignatures(policy, parseSignedNote(cosignedBy(0, 1))).map((c) => c.name)).toEqual([
      "w0.example",
      "w1.example",
    ]);
    const r = openWitnessedCheckpoint(cosignedBy(2, 0, 1), logV, policy);
    expect(r.checkpoint.size).toBe(42);
    expect(r.cosignatures.map((c) => [c.name, c.timestamp])).toEqual([
      ["w0.example", T],
      ["w1.example", T + 1n],
      ["w2.example", T + 2n],
    ]);
  });

  it("a witness outside the policy, or repeated lines from one witness, do not count", () => {
    const policy = witnessPolicy(2, wv.slice(0, 2));
    expect(() => openWitnessedCheckpoint(cosignedBy(0, 3), logV, policy)).toThrow(WitnessPolicyError);
    // Two different valid cosignatures by w0 (different times) are still one witness.
    const again = cosigner("w0.example", new Uint8Array(32).fill(20), { clock: () => T + 100n });
    const line = (n: string) => n.slice(n.lastIndexOf("\u2014"));
    const twice = `${cosignedBy(0)}${line(cosignCheckpoint(signed, again))}`;
    expect(parseSignedNote(twice).signatures).toHaveLength(3);
    let err: unknown;
    try {
      openWitnessedCheckpoint(twice, logV, policy);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WitnessPolicyError);
    expect((err as WitnessPolicyError).code).toBe("too-few-cosignatures");
    expect((err as WitnessPolicyError).cosigned).toHaveLength(1);
  });

  it("an invalid cosignature does not count (and does not refuse the checkpoint)", () => {
    const policy = witnessPolicy(2, wv.slice(0, 3));
    const n = cosignedBy(0, 1, 2);
    const parsed = parseSignedNote(n);
    const w1 = parsed.signatures.find((s) => s.name === "w1.example")!;
    const raw = fromBase64(w1.base64);
    raw[raw.length - 1]! ^= 1;
    const broken = n.replace(w1.base64, toBase64(raw));
    expect(openWitnessedCheckpoint(broken, logV, policy).cosignatures.map((c) => c.name)).toEqual([
      "w0.example",
      "w2.example",
    ]);
    expect(() => openWitnessedCheckpoint(broken, logV, witnessPolicy(3, wv.slice(0, 3)))).toThrow(WitnessPolicyError);
  });

  it("a cosignature over another checkpoint does not count", () => {
    const other = signNote(`log.example/1\n43\n${ROOT}\n`, [log]);
    const stolen = cosignCheckpoint(other, witnesses[0]!);
    const line = stolen.slice(stolen.lastIndexOf("\u2014"));
    expect(() => openWitnessedCheckpoint(`${signed}${line}`, logV, witnessPolicy(1, wv))).toThrow(WitnessPolicyError);
  });

  it("the log's signature is still required", () => {
    const unsignedByLog = cosignCheckpoint(
      signNote(CP, [ed25519NoteSigner("log.example/1", new Uint8Array(32).fill(9))]),
      witnesses[0]!,
    );
    expect(() => openWitnessedCheckpoint(unsignedByLog, logV, witnessPolicy(1, wv))).toThrow(NoteError);
  });

  it("refuses bad policies: threshold out of range, a witness twice, one key under two names", () => {
    expect(() => witnessPolicy(5, wv)).toThrow(WitnessPolicyError);
    expect(() => witnessPolicy(-1, wv)).toThrow(WitnessPolicyError);
    expect(() => witnessPolicy(1, [wv[0]!, wv[0]!])).toThrow(WitnessPolicyError);
    const alias = cosigner("alias.example", new Uint8Array(32).fill(20));
    expect(() => witnessPolicy(2, [wv[0]!, parseCosignatureVerifierKey(alias.verifierKey)])).toThrow(
      WitnessPolicyError,
    );
    expect(witnessPolicy(0, []).threshold).toBe(0);
    expect(openWitnessedCheckpoint(signed, logV, witnessPolicy(0, [])).cosignatures).toEqual([]);
  });

  it("cosigning keeps the checkpoint parseable; fuzzed cosignature verifier keys fail with NoteError", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (s) => {
        try {
          parseCosignatureVerifierKey(s);
        } catch (e) {
          expect(e instanceof NoteError || e instanceof CheckpointError).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });
});
