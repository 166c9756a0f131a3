// The protobuf encoding of label bundles, written straight into one buffer of the right size, with
// each proven entry's encoding kept for as long as the entry object lives. The generated encoder
// grows its buffer by doubling and shifts every nested message whose length needs more than one
// byte (all of a bundle's), which made encoding a fifth of a GetLabel's server time; and context
// entries and the checkpoint, shared by every bundle of a snapshot, were encoded again for each.
// (A label's own entries are encoded each time: remembering them cost more than it saved.)
// The bytes are exactly the generated encoder's (tests compare them on generated messages).
import { putVarint, varintSize } from "../grpc/varint.js";
import { encodeLabelState } from "./label-wire.js";
import {
  type GetLabelResponse,
  LabelBundle,
  ProvenEntry,
  VerifyLabelsResponse,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";

const utf8 = new TextEncoder();
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** A length-delimited field's bytes: tag, length, payload. */
function fieldSize(payload: number): number {
  return 1 + varintSize(payload) + payload;
}

function putField(buf: Uint8Array, pos: number, tag: number, payload: Uint8Array): number {
  buf[pos++] = tag;
  pos = putVarint(buf, pos, payload.length);
  buf.set(payload, pos);
  return pos + payload.length;
}

/** Encodes bundles and the messages that carry them. Entry objects must not change once encoded. */
export class BundleEncoder {
  private readonly entries = new WeakMap<ProvenEntry, Uint8Array>();
  private lastText = "";
  private lastBytes = new Uint8Array(0);

  /** A ProvenEntry's encoding; with `keep`, computed once per entry object (for shared ones). */
  provenEntry(p: ProvenEntry, keep = false): Uint8Array {
    let out = keep ? this.entries.get(p) : undefined;
    if (out !== undefined) return out;
    if (p.index < 0n || p.index > MAX_SAFE) return ProvenEntry.encode(p).finish(); // never a log index: the generated encoder decides
    const index = Number(p.index);
    let size = index !== 0 ? 1 + varintSize(index) : 0;
    if (p.entry.length !== 0) size += fieldSize(p.entry.length);
    for (const h of p.inclusionProof) size += fieldSize(h.length);
    out = new Uint8Array(size);
    let pos = 0;
    if (index !== 0) {
      out[pos++] = 0x08;
      pos = putVarint(out, pos, index);
    }
    if (p.entry.length !== 0) pos = putField(out, pos, 0x12, p.entry);
    for (const h of p.inclusionProof) pos = putField(out, pos, 0x1a, h);
    if (keep) this.entries.set(p, out);
    return out;
  }

  /** A string's UTF-8 bytes; the latest one (the checkpoint every bundle repeats) is kept. */
  private text(s: string): Uint8Array {
    if (s.length > 256) {
      if (s !== this.lastText) {
        this.lastText = s;
        this.lastBytes = utf8.encode(s);
      }
      return this.lastBytes;
    }
    return utf8.encode(s);
  }

  /** LabelBundle.encode(b).finish(), byte for byte. */
  bundle(b: LabelBundle): Uint8Array {
    for (const i of b.contextIndices) if (i < 0n || i > MAX_SAFE) return LabelBundle.encode(b).finish();
    const id = b.labelId !== "" ? utf8.encode(b.labelId) : undefined;
    const cp = b.checkpoint !== "" ? this.text(b.checkpoint) : undefined;
    const own = b.entries.map((p) => this.provenEntry(p));
    // Context entries are shared by every bundle of their issuer at a snapshot (ProvenEntries).
    const context = b.contextEntries.map((p) => this.provenEntry(p, true));
    let packed = 0;
    for (const i of b.contextIndices) packed += varintSize(Number(i));
    // The commitment entry is shared by every bundle of a snapshot (ProvenEntries caches it).
    const commitment = b.commitment !== undefined ? this.provenEntry(b.commitment, true) : undefined;
    let size = (id ? fieldSize(id.length) : 0) + (cp ? fieldSize(cp.length) : 0) + (packed > 0 ? fieldSize(packed) : 0);
    if (commitment) size += fieldSize(commitment.length);
    if (b.mapProof.length !== 0) size += fieldSize(b.mapProof.length);
    for (const e of own) size += fieldSize(e.length);
    for (const e of context) size += fieldSize(e.length);
    const out = new Uint8Array(size);
    let pos = 0;
    if (id) pos = putField(out, pos, 0x0a, id);
    if (cp) pos = putField(out, pos, 0x12, cp);
    for (const e of own) pos = putField(out, pos, 0x1a, e);
    for (const e of context) pos = putField(out, pos, 0x22, e);
    if (packed > 0) {
      out[pos++] = 0x2a;
      pos = putVarint(out, pos, packed);
      for (const i of b.contextIndices) pos = putVarint(out, pos, Number(i));
    }
    if (commitment) pos = putField(out, pos, 0x32, commitment);
    if (b.mapProof.length !== 0) pos = putField(out, pos, 0x3a, b.mapProof);
    return out;
  }

  /** GetLabelResponse.encode(r).finish(), byte for byte. */
  getLabelResponse(r: GetLabelResponse): Uint8Array {
    const label = r.label !== undefined ? encodeLabelState(r.label) : undefined;
    const bundle = r.bundle !== undefined ? this.bundle(r.bundle) : undefined;
    const out = new Uint8Array((label ? fieldSize(label.length) : 0) + (bundle ? fieldSize(bundle.length) : 0));
    let pos = 0;
    if (label) pos = putField(out, pos, 0x0a, label);
    if (bundle) putField(out, pos, 0x12, bundle);
    return out;
  }

  /** VerifyLabelsResponse.encode(m).finish(), byte for byte; label results through getLabelResponse. */
  verifyLabelsResponse(m: VerifyLabelsResponse): Uint8Array {
    const msg = m.message;
    if (msg?.$case !== "result" || msg.value.result?.$case !== "label") return VerifyLabelsResponse.encode(m).finish();
    const id = msg.value.labelId !== "" ? utf8.encode(msg.value.labelId) : undefined;
    const res = this.getLabelResponse(msg.value.result.value);
    const resultSize = (id ? fieldSize(id.length) : 0) + fieldSize(res.length);
    const out = new Uint8Array(fieldSize(resultSize));
    let pos = 0;
    out[pos++] = 0x1a;
    pos = putVarint(out, pos, resultSize);
    if (id) pos = putField(out, pos, 0x0a, id);
    putField(out, pos, 0x12, res);
    return out;
  }
}
