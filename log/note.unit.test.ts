import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeEd25519 } from "../services/crypto/ed25519-node.js";
import { readTestdataJson } from "../test/testdata.js";
import { fromHex, toBase64, toHex, utf8 } from "./bytes.js";
import { nobleEd25519 } from "./ed25519.js";
import {
  NoteError,
  addSignatures,
  isValidKeyName,
  openNote,
  parseSignedNote,
  signNote,
  type NoteErrorCode,
  type NoteVerifier,
} from "./note.js";
import {
  computeKeyId,
  ed25519NoteSigner,
  formatKeyId,
  formatSignerKey,
  generateSignerKey,
  parseSignerKey,
  parseVerifierKey,
} from "./note-keys.js";

type OracleNote = {
  key_name: string;
  ed25519_seed_hex: string;
  signer_key: string;
  verifier_key: string;
  text: string;
  signed_note: string;
};
const oracle = readTestdataJson<{ notes: OracleNote[] }>("oracle", "notes.json").notes;

function expectNoteError(f: () => unknown, code: NoteErrorCode): void {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NoteError);
    expect((e as NoteError).code).toBe(code);
    return;
  }
  throw new Error(`expected NoteError ${code}, nothing thrown`);
}

const impls = [nobleEd25519, nodeEd25519];

describe("oracle/notes.json (Go's sumdb/note)", () => {
  it("has vectors", () => expect(oracle.length).toBeGreaterThanOrEqual(3));
  for (const ed of impls) {
    for (const v of oracle) {
      it(`${ed.name}: ${v.key_name}: key strings, key id, signed note byte for byte, open`, () => {
        const seed = fromHex(v.ed25519_seed_hex);
        expect(formatSignerKey(v.key_name, seed, ed)).toBe(v.signer_key);
        expect(generateSignerKey(v.key_name, seed, ed)).toEqual({
          signerKey: v.signer_key,
          verifierKey: v.verifier_key,
        });
        const signer = parseSignerKey(v.signer_key, ed);
        expect(signer.verifierKey).toBe(v.verifier_key);
        const verifier = parseVerifierKey(v.verifier_key, ed);
        expect(formatKeyId(verifier.keyId)).toBe(v.verifier_key.split("+")[1]);
        expect(verifier.keyId).toBe(signer.keyId);
        expect(signNote(v.text, [signer])).toBe(v.signed_note);
        const note = openNote(v.signed_note, [verifier]);
        expect(note.text).toBe(v.text);
        expect(note.sigs.map((s) => s.name)).toEqual([v.key_name]);
        expect(openNote(utf8(v.signed_note), [verifier]).text).toBe(v.text);
      });
    }
  }
});

const seedA = new Uint8Array(32).fill(1);
const seedB = new Uint8Array(32).fill(2);
const signerA = ed25519NoteSigner("a.example/log", seedA);
const signerB = ed25519NoteSigner("b.example/w", seedB);
const vA = parseVerifierKey(signerA.verifierKey);
const vB = parseVerifierKey(signerB.verifierKey);
const TEXT = "a.example/log\n5\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

describe("signed-note rules, one by one", () => {
  it("a signature from an unknown key is ignored", () => {
    const n = signNote(TEXT, [signerA, signerB]);
    const note = openNote(n, [vA]);
    expect(note.sigs.map((s) => s.name)).toEqual(["a.example/log"]);
    expect(note.unverifiedSigs.map((s) => s.name)).toEqual(["b.example/w"]);
  });

  it("same name but another id, or same id but another name, is an unknown key", () => {
    const other = ed25519NoteSigner("a.example/log", seedB); // same name, other key, other id
    const n = signNote(TEXT, [signerA, other]);
    expect(openNote(n, [vA]).unverifiedSigs).toHaveLength(1);
    // Same id, another name: forge a line reusing A's id under B's name with garbage.
    const forged = `${n}\u2014 b.example/other ${toBase64(Uint8Array.of(...idBytes(vA.keyId), ...new Uint8Array(64)))}\n`;
    expect(openNote(forged, [vA]).sigs).toHaveLength(1);
  });

  it("a known key whose signature fails refuses the whole note", () => {
    const n = signNote(TEXT, [signerA, signerB]);
    const badB = `${TEXT}\n\u2014 a.example/log ${parseSignedNote(n).signatures[0]!.base64}\n\u2014 b.example/w ${toBase64(Uint8Array.of(...idBytes(vB.keyId), ...new Uint8Array(64)))}\n`;
    expectNoteError(() => openNote(badB, [vA, vB]), "invalid-signature");
    expect(openNote(badB, [vA]).sigs).toHaveLength(1); // B unknown here: ignored
  });

  it("needs at least one known signature", () => {
    expectNoteError(() => openNote(signNote(TEXT, [signerB]), [vA]), "unverified");
    expectNoteError(() => openNote(signNote(TEXT, [signerB]), []), "unverified");
  });

  it("accepts 16 and more signatures, up to the limit, and refuses beyond it", () => {
    const signers = Array.from({ length: 100 }, (_, i) =>
      ed25519NoteSigner(`w${i}.example`, new Uint8Array(32).fill(i + 10)),
    );
    const n16 = signNote(TEXT, signers.slice(0, 16));
    const all16 = signers.slice(0, 16).map((s) => parseVerifierKey(s.verifierKey));
    expect(openNote(n16, all16).sigs).toHaveLength(16);
    const n100 = signNote(TEXT, signers);
    expect(openNote(n100, [vA, all16[3]!]).unverifiedSigs).toHaveLength(99);
    const n101 = `${n100}${signNote(TEXT, [signerA]).slice(TEXT.length + 1)}`;
    expectNoteError(() => openNote(n101, [vA]), "too-many-signatures");
    expect(openNote(n101, [vA], { maxSignatures: 200 }).sigs).toHaveLength(1);
    expect(() => openNote(n16, all16, { maxSignatures: 15 })).toThrow(RangeError);
  });

  it("refuses notes larger than the byte limit", () => {
    const n = signNote(TEXT, [signerA]);
    expectNoteError(() => openNote(n, [vA], { maxNoteBytes: 50 }), "too-large");
    expectNoteError(() => openNote(utf8(n), [vA], { maxNoteBytes: 50 }), "too-large");
  });

  it("refuses control characters other than newline, in the text or the signatures", () => {
    const n = signNote(TEXT, [signerA]);
    for (const c of ["\u0000", "\t", "\r", "\u001b", "\u001f"]) {
      expectNoteError(() => openNote(c + n, [vA]), "control-character");
      expectNoteError(() => openNote(n.replace("\n\u2014", `\n${c}\u2014`), [vA]), "control-character");
      expectNoteError(() => signNote(`x${c}\n`, [signerA]), "bad-text");
    }
    // DEL and non-ASCII are fine.
    const ok = "caf\u00e9 \u007f \u4e2d\u6587 \u{1f600}\n";
    expect(openNote(signNote(ok, [signerA]), [vA]).text).toBe(ok);
  });

  it("refuses invalid UTF-8 and lone surrogates", () => {
    const bytes = utf8(signNote(TEXT, [signerA]));
    for (const bad of [[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x80]]) {
      expectNoteError(() => openNote(Uint8Array.of(...bad, ...bytes), [vA]), "not-utf8");
    }
    expectNoteError(() => openNote(`\ud800${signNote(TEXT, [signerA])}`, [vA]), "not-utf8");
    expectNoteError(() => signNote("\udc00\n", [signerA]), "bad-text");
  });

  it("keeps a leading U+FEFF as part of the text", () => {
    const t = `\ufeff${TEXT}`;
    expect(openNote(utf8(signNote(t, [signerA])), [vA]).text).toBe(t);
  });

  it("text must end with a newline; the blank line and final newline are required", () => {
    expectNoteError(() => signNote("no newline", [signerA]), "bad-text");
    const n = signNote(TEXT, [signerA]);
    expectNoteError(() => openNote(n.slice(0, -1), [vA]), "no-signatures");
    expectNoteError(() => openNote(n.replace("\n\n", "\n"), [vA]), "no-signatures");
    expectNoteError(() => openNote(TEXT, [vA]), "no-signatures");
    expectNoteError(() => openNote(`${TEXT}\n`, [vA]), "no-signatures");
    expectNoteError(() => openNote(`${n}\n`, [vA]), "no-signatures");
  });

  it("the text may contain blank lines: the last blank line separates", () => {
    const t = "line\n\n\nafter blanks\n";
    expect(openNote(signNote(t, [signerA]), [vA]).text).toBe(t);
    const ends = "ends in blank\n\n";
    expect(openNote(signNote(ends, [signerA]), [vA]).text).toBe(ends);
    expect(openNote(signNote("\n", [signerA]), [vA]).text).toBe("\n");
  });

  it("refuses malformed signature lines", () => {
    const n = signNote(TEXT, [signerA]);
    const line = n.slice(TEXT.length + 1);
    const b64 = parseSignedNote(n).signatures[0]!.base64;
    for (const bad of [
      line.replace("\u2014 ", "- "),
      line.replace("\u2014 ", "\u2014"),
      line.replace("\u2014 ", "\u2014  "),
      `\u2014 a.example/log\n`,
      `\u2014 a.example/log ${b64} \n`,
      `\u2014 a.example/log ${b64.slice(0, -1)}\n`,
      `\u2014 a.example/log AAAAAA==\n`,
      `\u2014 a+b ${b64}\n`,
      `\u2014 a\u00a0b ${b64}\n`,
      `\u2014 ${b64}\n`,
    ]) {
      expectNoteError(() => openNote(`${TEXT}\n${bad}`, [vA]), "malformed-signature");
    }
    // A blank line between signature lines moves the split: the first line becomes text.
    expectNoteError(() => openNote(`${TEXT}\n${line}\n${line}`, [vA]), "invalid-signature");
  });

  it("drops repeated identical lines; verifies every signature of a known key", () => {
    const n = signNote(TEXT, [signerA]);
    const line = n.slice(TEXT.length + 1);
    const twice = `${n}${line}`;
    expect(parseSignedNote(twice).signatures).toHaveLength(1);
    expect(openNote(twice, [vA]).sigs).toHaveLength(1);
  });

  it("refuses two known verifiers with the same name and id", () => {
    expectNoteError(
      () => openNote(signNote(TEXT, [signerA]), [vA, parseVerifierKey(signerA.verifierKey)]),
      "ambiguous-verifiers",
    );
  });

  it("adds signatures to a signed note, replacing the signer's own old line", () => {
    const n = signNote(TEXT, [signerA]);
    const both = addSignatures(n, [signerB]);
    expect(both).toBe(signNote(TEXT, [signerA, signerB]));
    expect(openNote(both, [vA, vB]).sigs).toHaveLength(2);
    expect(addSignatures(both, [signerA])).toBe(signNote(TEXT, [signerB, signerA]));
    expectNoteError(() => signNote(TEXT, []), "no-signatures");
  });
});

describe("key strings", () => {
  it("key id is SHA-256(name || LF || type || key)[:4]", () => {
    // Recomputed independently of note-keys: with WebCrypto.
    return globalThis.crypto.subtle
      .digest("SHA-256", Uint8Array.of(...utf8("a.example/log"), 0x0a, 0x01, ...signerA.publicKey))
      .then((d) => {
        const h = new Uint8Array(d);
        expect(formatKeyId(signerA.keyId)).toBe(toHex(h.subarray(0, 4)));
        expect(computeKeyId("a.example/log", 1, signerA.publicKey)).toBe(signerA.keyId);
      });
  });

  it("refuses malformed and mismatched key strings with typed errors", () => {
    const v = oracle[0]!.verifier_key;
    const s = oracle[0]!.signer_key;
    const [name, id, key] = [
      v.slice(0, v.indexOf("+")),
      v.split("+")[1]!,
      v.slice(v.indexOf("+", v.indexOf("+") + 1) + 1),
    ];
    expectNoteError(() => parseVerifierKey(`${name}+${id}`), "malformed-key");
    expectNoteError(() => parseVerifierKey(`${name}+${id.toUpperCase()}+${key}`), "malformed-key");
    expectNoteError(() => parseVerifierKey(`${name}+${id.slice(1)}+${key}`), "malformed-key");
    expectNoteError(() => parseVerifierKey(`${name}+${id}+${key}x`), "malformed-key");
    expectNoteError(() => parseVerifierKey(`${name}x+${id}+${key}`), "key-id-mismatch");
    expectNoteError(() => parseVerifierKey(`+${id}+${key}`), "bad-key-name");
    expectNoteError(() => parseVerifierKey(`a b+${id}+${key}`), "bad-key-name");
    expectNoteError(() => parseSignerKey(s.replace("PRIVATE+KEY+", "PRIVATE+KEY+x")), "key-id-mismatch");
    expectNoteError(() => parseSignerKey(s.replace("PRIVATE", "PUBLIC")), "malformed-key");
    expectNoteError(() => parseSignerKey(v), "malformed-key");
    // Another algorithm, with a consistent id: unsupported, not malformed.
    const lowOrder = fromHex("0100000000000000000000000000000000000000000000000000000000000000");
    const id4 = formatKeyId(computeKeyId("w", 4, new Uint8Array(32).fill(9)));
    expectNoteError(
      () => parseVerifierKey(`w+${id4}+${toBase64(Uint8Array.of(4, ...new Uint8Array(32).fill(9)))}`),
      "unsupported-algorithm",
    );
    const idLow = formatKeyId(computeKeyId("w", 1, lowOrder));
    expectNoteError(() => parseVerifierKey(`w+${idLow}+${toBase64(Uint8Array.of(1, ...lowOrder))}`), "bad-public-key");
  });

  it("key names: no spaces of any kind, no plus, not empty", () => {
    expect(isValidKeyName("example.com/log42")).toBe(true);
    expect(isValidKeyName("\u4f8b\u5b50.cn/log")).toBe(true);
    for (const bad of ["", "a b", "a+b", "a\u3000b", "a\u2028b", "a\u0085b", "a\tb", "a\u0001b"]) {
      expect(isValidKeyName(bad)).toBe(false);
    }
  });

  it("generates fresh keys that sign and open", () => {
    const k = generateSignerKey("fresh.example/log");
    const n = signNote(TEXT, [parseSignerKey(k.signerKey)]);
    expect(openNote(n, [parseVerifierKey(k.verifierKey)]).text).toBe(TEXT);
    expect(generateSignerKey("fresh.example/log").signerKey).not.toBe(k.signerKey);
  });
});

function idBytes(id: number): number[] {
  return [id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255];
}

// Property and fuzz tests.
const noteText = fc
  .array(
    fc.string({ unit: "grapheme", maxLength: 30 }).map((s) => s.replace(/[\u0000-\u001f]/g, "")),
    { minLength: 1, maxLength: 6 },
  )
  .map((lines) => `${lines.join("\n")}\n`);

describe("properties", () => {
  it("sign then open round-trips, with either implementation verifying", () => {
    const vNode = parseVerifierKey(signerA.verifierKey, nodeEd25519);
    fc.assert(
      fc.property(noteText, (t) => {
        const n = signNote(t, [signerA, signerB]);
        expect(openNote(n, [vA]).text).toBe(t);
        expect(openNote(n, [vNode, vB]).sigs).toHaveLength(2);
      }),
      { numRuns: 60 },
    );
  });

  it("any single-byte change is refused, or leaves the text unchanged and verified by the same key", () => {
    const n = utf8(signNote(TEXT, [signerA, signerB]));
    const known: NoteVerifier[] = [vA];
    fc.assert(
      fc.property(fc.nat(n.length - 1), fc.integer({ min: 1, max: 255 }), (i, x) => {
        const m = Uint8Array.from(n);
        m[i]! ^= x;
        let opened;
        try {
          opened = openNote(m, known);
        } catch (e) {
          expect(e).toBeInstanceOf(NoteError);
          return;
        }
        // Only changes in B's (unknown) signature line can keep the note open.
        expect(opened.text).toBe(TEXT);
        expect(opened.sigs.map((s) => s.name)).toEqual(["a.example/log"]);
        expect(i).toBeGreaterThan(utf8(signNote(TEXT, [signerA])).length - 1);
      }),
      { numRuns: 2000 },
    );
  });

  it("every byte of A's line matters: flipping any bit in it refuses the note", () => {
    const n = utf8(signNote(TEXT, [signerA]));
    for (let i = 0; i < n.length; i++) {
      for (const bit of [1, 0x80]) {
        const m = Uint8Array.from(n);
        m[i]! ^= bit;
        expect(() => openNote(m, [vA])).toThrow(NoteError);
      }
    }
  });

  it("parsers fail only with typed errors on arbitrary input", () => {
    const parsers = [
      (s: string) => openNote(s, [vA]),
      (s: string) => parseSignedNote(s),
      (s: string) => parseVerifierKey(s),
      (s: string) => parseSignerKey(s),
      (s: string) => addSignatures(s, [signerA]),
    ];
    const near = fc.oneof(
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.string({ unit: fc.constantFrom("\n", "\u2014", " ", "+", "a", "=", "A", "/"), maxLength: 100 }),
      fc.tuple(fc.nat(300), fc.string({ unit: "binary", maxLength: 5 })).map(([i, s]) => {
        const base = signNote(TEXT, [signerA]) + oracle[0]!.verifier_key;
        return base.slice(0, i % base.length) + s + base.slice(i % base.length);
      }),
    );
    fc.assert(
      fc.property(near, (s) => {
        for (const p of parsers) {
          try {
            p(s);
          } catch (e) {
            expect(e).toBeInstanceOf(NoteError);
          }
        }
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
        try {
          openNote(b, [vA]);
        } catch (e) {
          expect(e).toBeInstanceOf(NoteError);
        }
      }),
    );
  });
});
