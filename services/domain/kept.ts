// Compact copies of what the projections keep for the life of the process. At 10^6 entries the
// projected state is over a gigabyte, and V8's young-generation collections slow down with the
// number of old objects and of ArrayBuffers: a 32-byte digest as its own ArrayBuffer, or a
// 32-byte view that pins its whole decoded entry, cost far more than its bytes. Portable (the
// verifier replays through apply() in the browser too).
import type {
  Evidence,
  KeyIndicator,
  Manufacturer,
  TestingLab,
} from "../../proto/gen/messages/labelreg/v1/statement.js";
import type { Signer } from "./state.js";

const SLAB_BYTES = 64 * 1024;
let slab = new Uint8Array(0);
let used = 0;

/**
 * A copy of `bytes` in a shared slab (one ArrayBuffer for thousands of small byte strings). The
 * copy must be treated as immutable, as every byte string in the state is.
 */
export function keptBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.length > 1024) return bytes.slice();
  if (used + bytes.length > slab.length) {
    slab = new Uint8Array(SLAB_BYTES);
    used = 0;
  }
  const out = slab.subarray(used, used + bytes.length);
  out.set(bytes);
  used += bytes.length;
  return out;
}

/** `bytes` as a string of one char per byte (0-255): a compact, comparable copy of a digest. */
export function byteString(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/** Evidence with its digest in a slab (no view into the decoded entry). */
export function keptEvidence(e: Evidence): Evidence {
  return { sha256: keptBytes(e.sha256), uri: e.uri };
}

// Signers repeat for every entry a key signs: one object (and one hex key id) per key.
const SIGNERS_LIMIT = 4096;
const signers = new Map<string, Signer>();

/** The one Signer object equal to `s` (bounded: the table is dropped whole when full). */
export function keptSigner(s: Signer): Signer {
  const key = s.kind === "authority" ? `\n${s.keyIdHex}` : `${s.issuerId}\n${s.keyIdHex}`;
  const known = signers.get(key);
  if (known !== undefined) return known;
  if (signers.size >= SIGNERS_LIMIT) signers.clear();
  signers.set(key, s);
  return s;
}

// Label after label names the same few testing labs, standards, categories and key-indicator
// lists, and a manufacturer's name and code on each of its models: one shared copy of each
// value, instead of one per label for every collection to copy and mark. Bounded like the
// signer table: a log of mostly distinct values costs one lookup per field, and the table is
// dropped whole when full.
const SHARED_LIMIT = 16384;

class SharedTable<T> {
  private readonly table = new Map<string, T>();
  get(key: string, value: T): T {
    const known = this.table.get(key);
    if (known !== undefined) return known;
    if (this.table.size >= SHARED_LIMIT) this.table.clear();
    this.table.set(key, value);
    return value;
  }
}

const strings = new SharedTable<string>();
const manufacturers = new SharedTable<Manufacturer>();
const labs = new SharedTable<TestingLab>();
const indicatorLists = new SharedTable<readonly KeyIndicator[]>();

/** The one kept copy of a string equal to `s` (for fields whose values repeat across labels). */
export function keptString(s: string): string {
  return strings.get(s, s);
}

/** The one kept Manufacturer equal to `m`. */
export function keptManufacturer(m: Manufacturer): Manufacturer {
  // Length-prefixed, so no two different pairs make the same key.
  return manufacturers.get(`${m.registrationCode.length}:${m.registrationCode}${m.name}`, m);
}

/** The one kept TestingLab equal to `t`. */
export function keptTestingLab(t: TestingLab): TestingLab {
  return labs.get(`${t.accreditationCode.length}:${t.accreditationCode}${t.name}`, t);
}

/** The one kept key-indicator list equal to `list` (same names and values, in order). */
export function keptIndicators(list: readonly KeyIndicator[]): readonly KeyIndicator[] {
  let key = "";
  for (const k of list) key += `${k.name.length}:${k.name}${k.value.length}:${k.value}`;
  return indicatorLists.get(key, list);
}

// Entries sequenced in one batch share their sequencing time: one BigInt for a run of them.
let lastTime = 0n;

export function keptTime(t: bigint): bigint {
  if (t !== lastTime) lastTime = t;
  return lastTime;
}
