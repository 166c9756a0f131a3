import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readTestdataJson } from "../test/testdata.js";
import { fromBase64, toBase64, toHex } from "./bytes.js";
import {
  CheckpointError,
  formatCheckpoint,
  openCheckpoint,
  parseCheckpoint,
  type CheckpointErrorCode,
} from "./checkpoint.js";
import { NoteError, signNote } from "./note.js";
import { ed25519NoteSigner, parseVerifierKey } from "./note-keys.js";

type OracleNote = { key_name: string; verifier_key: string; text: string; signed_note: string };
const oracle = readTestdataJson<{ notes: OracleNote[] }>("oracle", "notes.json").notes;

function expectCode(f: () => unknown, code: CheckpointErrorCode): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CheckpointError);
  expect((err as CheckpointError).code).toBe(code);
}

const ROOT = toBase64(new Uint8Array(32).fill(0xab));

describe("checkpoint body", () => {
  it("parses and re-formats every oracle checkpoint, extension lines included", () => {
    for (const v of oracle) {
      const c = parseCheckpoint(v.text);
      expect(c.origin).toBe(v.key_name);
      expect(formatCheckpoint(c)).toBe(v.text);
    }
    expect(parseCheckpoint(oracle[1]!.text).extensions).toEqual(["map-root 2b3c"]);
    expect(parseCheckpoint(oracle[2]!.text).size).toBe(70081);
  });

  it("the oracle checkpoints carry merkle.json's roots", () => {
    const roots = readTestdataJson<{ roots: Record<string, string> }>("oracle", "merkle.json").roots;
    let checked = 0;
    for (const v of oracle) {
      const c = parseCheckpoint(v.text);
      const want = roots[String(c.size)];
      if (want === undefined) continue;
      expect(toHex(c.root)).toBe(want);
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it("the spec's rules, one by one", () => {
    expect(parseCheckpoint(`o\n0\n${ROOT}\n`).size).toBe(0);
    expect(parseCheckpoint(`o\n9007199254740991\n${ROOT}\n`).size).toBe(Number.MAX_SAFE_INTEGER);
    expectCode(() => parseCheckpoint(`o\n1\n${ROOT}`), "malformed-checkpoint");
    expectCode(() => parseCheckpoint(`o\n1\n`), "malformed-checkpoint");
    expectCode(() => parseCheckpoint(`o\n1\n${ROOT}\r\n`), "malformed-checkpoint");
    expectCode(() => parseCheckpoint(`\n1\n${ROOT}\n`), "bad-origin");
    for (const size of ["01", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "", "\u0661", "9007199254740992"]) {
      expectCode(() => parseCheckpoint(`o\n${size}\n${ROOT}\n`), "bad-size");
    }
    for (const root of [
      "",
      ROOT.slice(0, -1),
      toBase64(new Uint8Array(31)),
      toBase64(new Uint8Array(33)),
      ROOT.replace("=", ""),
      `${ROOT} `,
    ]) {
      expectCode(() => parseCheckpoint(`o\n1\n${root}\n`), "bad-root");
    }
    expectCode(() => parseCheckpoint(`o\n1\n${ROOT}\n\n`), "bad-extension");
    expectCode(() => parseCheckpoint(`o\n1\n${ROOT}\next\n\nmore\n`), "bad-extension");
    expect(parseCheckpoint(`o\n1\n${ROOT}\na\nb c\n`).extensions).toEqual(["a", "b c"]);
  });

  it("format refuses what parse refuses", () => {
    const root = fromBase64(ROOT);
    expectCode(() => formatCheckpoint({ origin: "", size: 1, root, extensions: [] }), "bad-origin");
    expectCode(() => formatCheckpoint({ origin: "a\nb", size: 1, root, extensions: [] }), "bad-origin");
    expectCode(() => formatCheckpoint({ origin: "o", size: -1, root, extensions: [] }), "bad-size");
    expectCode(() => formatCheckpoint({ origin: "o", size: 1.5, root, extensions: [] }), "bad-size");
    expectCode(() => formatCheckpoint({ origin: "o", size: 1, root: root.subarray(1), extensions: [] }), "bad-root");
    expectCode(() => formatCheckpoint({ origin: "o", size: 1, root, extensions: [""] }), "bad-extension");
    expectCode(() => formatCheckpoint({ origin: "o\u0000", size: 1, root, extensions: [] }), "malformed-checkpoint");
  });

  it("format and parse round-trip", () => {
    const line = fc.string({ minLength: 1, maxLength: 20 }).filter((s) => !/[\u0000-\u001f]/.test(s));
    fc.assert(
      fc.property(
        line,
        fc.nat({ max: Number.MAX_SAFE_INTEGER }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.array(line, { maxLength: 3 }),
        (origin, size, root, extensions) => {
          const c = { origin, size, root, extensions };
          expect(parseCheckpoint(formatCheckpoint(c))).toEqual(c);
        },
      ),
    );
  });

  it("fails only with CheckpointError on arbitrary strings", () => {
    const near = fc.oneof(
      fc.string({ unit: "binary", maxLength: 120 }),
      fc.tuple(fc.nat(200), fc.string({ unit: "binary", maxLength: 4 })).map(([i, s]) => {
        const t = oracle[1]!.text;
        return t.slice(0, i % t.length) + s + t.slice(i % t.length);
      }),
    );
    fc.assert(
      fc.property(near, (s) => {
        try {
          parseCheckpoint(s);
        } catch (e) {
          expect(e).toBeInstanceOf(CheckpointError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("openCheckpoint", () => {
  it("opens every oracle signed checkpoint with its log key", () => {
    for (const v of oracle) {
      const { checkpoint } = openCheckpoint(v.signed_note, parseVerifierKey(v.verifier_key));
      expect(formatCheckpoint(checkpoint)).toBe(v.text);
    }
  });

  it("refuses a checkpoint whose origin is not the log's, and a note that is not a checkpoint", () => {
    const s = ed25519NoteSigner("log.example", new Uint8Array(32).fill(4));
    const v = parseVerifierKey(s.verifierKey);
    expectCode(() => openCheckpoint(signNote(`other.example\n1\n${ROOT}\n`, [s]), v), "wrong-origin");
    expect(
      openCheckpoint(signNote(`other.example\n1\n${ROOT}\n`, [s]), v, { origin: "other.example" }).checkpoint.size,
    ).toBe(1);
    expectCode(() => openCheckpoint(signNote("just text\n", [s]), v), "malformed-checkpoint");
    expect(() =>
      openCheckpoint(signNote(`log.example\n1\n${ROOT}\n`, [s]), parseVerifierKey(oracle[0]!.verifier_key)),
    ).toThrow(NoteError);
  });
});
