// The request framing check: ordinary protobuf acceptance (unknown fields of every wire type
// skipped), and refusal of the length prefixes the generated decoder would read past.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SubmitRequest } from "../../proto/gen/messages/labelreg/v1/issuance_service.js";
import { GetLabelRequest, WatchLabelsRequest } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { framingError, MAX_DEPTH, requestFraming } from "./framing.js";
import { protoPackage } from "./proto-package.js";

const pkg = protoPackage();
const framing = (path: string) => requestFraming(pkg, path);
const submit = framing("/labelreg.v1.IssuanceService/Submit");
const getLabel = framing("/labelreg.v1.VerificationService/GetLabel");
const watchLabels = framing("/labelreg.v1.VerificationService/WatchLabels");

// One unknown field of each wire type (field 15; a group with a field inside).
const UNKNOWN = [
  [0x78, 0x96, 0x01],
  [0x79, 1, 2, 3, 4, 5, 6, 7, 8],
  [0x7a, 0x03, 0x61, 0x62, 0x63],
  [0x7b, 0x08, 0x01, 0x7c],
  [0x7d, 1, 2, 3, 4],
];

describe("request framing", () => {
  it("knows the request type of every RPC of every service", () => {
    const services = Object.entries(pkg).filter(([, d]) => !("format" in d));
    expect(services.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        "labelreg.v1.IssuanceService",
        "labelreg.v1.VerificationService",
        "labelreg.v1.LogService",
      ]),
    );
    for (const [name, methods] of services) {
      for (const method of Object.values(methods as Record<string, { path: string }>))
        expect(() => requestFraming(pkg, method.path), `${name} ${method.path}`).not.toThrow();
    }
    expect(submit.nested.get(1)?.nested.size).toBe(0); // SignedStatement: bytes only
    expect(watchLabels.packed.get(5)).toBe(0); // event_kinds: a packed run of varints
  });

  it("accepts unknown fields of every wire type, before, between and after the known ones", () => {
    const s = SubmitRequest.encode({
      signedStatement: { statement: Uint8Array.of(1), keyId: Uint8Array.of(2), signature: Uint8Array.of(3) },
    }).finish();
    for (const u of UNKNOWN) {
      expect(framingError(Uint8Array.from([...u, ...s, ...u]), submit)).toBeUndefined();
      // inside the nested SignedStatement too
      const inner = [...s.subarray(2), ...u];
      expect(framingError(Uint8Array.from([0x0a, inner.length, ...inner]), submit)).toBeUndefined();
    }
    const g = GetLabelRequest.encode({ labelId: "CCRC-1" }).finish();
    expect(framingError(Uint8Array.from([...g, 0x78, 0x01]), getLabel)).toBeUndefined();
  });

  it("refuses what the generated decoder would read past its length, and broken wire format", () => {
    const cases: [string, number[]][] = [
      ["a nested message's last field runs past its length", [0x0a, 0x02, 0x12, 0x02, 0xaa, 0xbb]],
      ["a nested length beyond the message", [0x0a, 0x05, 0x12]],
      ["a packed run ends inside a varint", [0x2a, 0x01, 0x81, 0x01]],
      ["a tag with field number 0", [0x00]],
      ["wire type 6", [0x7e]],
      ["a group not closed", [0x7b, 0x08, 0x01]],
      ["an end-group tag with no group", [0x7c]],
      ["a group closed under another field number", [0x7b, 0x84, 0x01]],
      ["a varint of 11 bytes", [0x78, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
      ["a varint beyond 64 bits", [0x78, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]],
      ["a string that is not UTF-8", [0x12, 0x02, 0xc3, 0x28]],
      ["a fixed64 cut short", [0x79, 1, 2, 3]],
    ];
    for (const [what, bytes] of cases) {
      const f = what.includes("nested") ? submit : watchLabels;
      expect(framingError(Uint8Array.from(bytes), f), what).toEqual(expect.any(String));
    }
    const deep = [...Array<number>(MAX_DEPTH + 1).fill(0x7b), ...Array<number>(MAX_DEPTH + 1).fill(0x7c)];
    expect(framingError(Uint8Array.from(deep), getLabel)).toMatch(/deeper/);
  });

  it("never throws, and what it accepts the generated decoder reads without error", () => {
    const valid = fc
      .record({
        labelIds: fc.array(fc.string(), { maxLength: 3 }),
        eventKinds: fc.array(fc.integer({ min: 0, max: 7 }), { maxLength: 4 }),
      })
      .map((w) =>
        WatchLabelsRequest.encode({
          fromIndex: 3n,
          labelIds: w.labelIds,
          issuerIds: [],
          categoryIds: [],
          manufacturerCodes: [],
          eventKinds: w.eventKinds,
        }).finish(),
      );
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 64 }),
      fc
        .tuple(valid, fc.uint8Array({ maxLength: 8 }), fc.nat())
        .map(([v, ins, at]) =>
          Uint8Array.from([...v.subarray(0, at % (v.length + 1)), ...ins, ...v.subarray(at % (v.length + 1))]),
        ),
    );
    fc.assert(
      fc.property(bytes, (b) => {
        if (framingError(b, watchLabels) === undefined) expect(() => WatchLabelsRequest.decode(b)).not.toThrow();
      }),
      { numRuns: 5000 },
    );
  });
});
