// LabelState's protobuf encoding, written into one reused scratch buffer: the generated encoder
// forks a writer for each nested message and grows its buffer by doubling, which made encoding
// the label state about a tenth of VerifyLabels' server time. The bytes are exactly the generated
// encoder's (label-wire.unit.test.ts compares them on arbitrary messages); values the generated
// encoder would write as 10-byte negatives, or refuse, go to it instead.
import { putVarint } from "../grpc/varint.js";
import type {
  Evidence,
  KeyIndicator,
  Manufacturer,
  TestingLab,
} from "../../proto/gen/messages/labelreg/v1/statement.js";
import { LabelState, type LabelHistoryEvent } from "../../proto/gen/messages/labelreg/v1/verification_service.js";

const utf8 = new TextEncoder();
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A number the fast path writes as a plain varint: a non-negative safe integer. */
const plain = (n: number) => Number.isSafeInteger(n) && n >= 0;
const plainBig = (n: bigint) => n >= 0n && n <= MAX_SAFE;

function fastPath(s: LabelState): boolean {
  if (
    !plain(s.tier) ||
    !plain(s.status) ||
    !plainBig(s.statusAtUnix) ||
    !plainBig(s.validFromUnix) ||
    !plainBig(s.validUntilUnix)
  )
    return false;
  if (!plainBig(s.securitySupportUntilUnix) || !plainBig(s.version)) return false;
  for (const h of s.history) if (!plainBig(h.index) || !plain(h.kind) || !plainBig(h.sequencedAtUnix)) return false;
  return true;
}

/** Writes into a scratch buffer that grows as needed; `bytes()` copies out what was written. */
class Scratch {
  buf = new Uint8Array(4096);
  pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(2 * this.buf.length, this.pos + n));
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
  }

  tag(t: number): void {
    this.room(2);
    this.pos = putVarint(this.buf, this.pos, t);
  }

  varint(n: number): void {
    this.room(8);
    this.pos = putVarint(this.buf, this.pos, n);
  }

  string(tag: number, s: string): void {
    if (s === "") return;
    this.tag(tag);
    // Reserve the length's bytes for the longest UTF-8 encoding, then move the payload back if
    // the real length needed fewer.
    const most = 3 * s.length;
    const lenBytes = most < 128 ? 1 : most < 16384 ? 2 : 5;
    this.room(lenBytes + most);
    const { written } = utf8.encodeInto(s, this.buf.subarray(this.pos + lenBytes, this.pos + lenBytes + most));
    this.finishNested(this.pos, lenBytes, written);
  }

  bytesField(tag: number, b: Uint8Array): void {
    if (b.length === 0) return;
    this.tag(tag);
    this.varint(b.length);
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** A nested message: tag, then `write` fills in its payload, and its length goes in front. */
  nested(tag: number, write: () => void): void {
    this.tag(tag);
    this.room(1);
    const start = this.pos;
    this.pos += 1;
    write();
    this.finishNested(start, 1, this.pos - start - 1);
  }

  /** The payload of `len` bytes sits at start + reserved: put its length at start, close the gap. */
  private finishNested(start: number, reserved: number, len: number): void {
    const at = start + reserved;
    const need = len < 128 ? 1 : len < 16384 ? 2 : len < 2097152 ? 3 : len < 268435456 ? 4 : 5;
    if (need > reserved) {
      this.pos = at + len;
      this.room(need - reserved);
      this.buf.copyWithin(start + need, at, at + len);
    } else if (need < reserved) {
      this.buf.copyWithin(start + need, at, at + len);
    }
    putVarint(this.buf, start, len);
    this.pos = start + need + len;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.pos);
  }
}

const scratch = new Scratch();

function twoStrings(w: Scratch, a: string, b: string): void {
  w.string(10, a);
  w.string(18, b);
}

function numberField(w: Scratch, tag: number, n: number | bigint): void {
  if (n === 0 || n === 0n) return;
  w.tag(tag);
  w.varint(Number(n));
}

function evidence(w: Scratch, tag: number, e: Evidence | undefined): void {
  if (e === undefined) return;
  w.nested(tag, () => {
    w.bytesField(10, e.sha256);
    w.string(18, e.uri);
  });
}

function event(w: Scratch, h: LabelHistoryEvent): void {
  numberField(w, 8, h.index);
  numberField(w, 16, h.kind);
  numberField(w, 24, h.sequencedAtUnix);
  if (h.byAuthority) {
    w.tag(32);
    w.varint(1);
  }
}

/** LabelState.encode(s).finish(), byte for byte. */
export function encodeLabelState(s: LabelState): Uint8Array {
  if (!fastPath(s)) return LabelState.encode(s).finish();
  const w = scratch;
  w.pos = 0;
  w.string(10, s.labelId);
  w.string(18, s.issuerId);
  const m: Manufacturer | undefined = s.manufacturer;
  if (m !== undefined) w.nested(26, () => twoStrings(w, m.name, m.registrationCode));
  w.string(34, s.productModel);
  w.string(42, s.categoryId);
  numberField(w, 48, s.tier);
  numberField(w, 56, s.status);
  numberField(w, 64, s.statusAtUnix);
  numberField(w, 72, s.validFromUnix);
  numberField(w, 80, s.validUntilUnix);
  numberField(w, 88, s.securitySupportUntilUnix);
  const lab: TestingLab | undefined = s.testingLab;
  if (lab !== undefined) w.nested(98, () => twoStrings(w, lab.name, lab.accreditationCode));
  w.string(106, s.standardReference);
  evidence(w, 114, s.testReport);
  evidence(w, 122, s.declarationOfConformity);
  for (const k of s.keyIndicators as KeyIndicator[]) w.nested(130, () => twoStrings(w, k.name, k.value));
  numberField(w, 136, s.version);
  if (s.suspendedByAuthority) {
    w.tag(144);
    w.varint(1);
  }
  for (const h of s.history) w.nested(154, () => event(w, h));
  return w.bytes();
}
