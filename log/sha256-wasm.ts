// The WebAssembly SHA-256 (wasm/sha256.ts) as a TreeHasher, for Node and browsers alike.
//
// A proof path's fold and a batch of leaves are one call each, so the crossing from JavaScript is
// paid once per proof or batch instead of once per hash. log/hasher.ts says why every runtime that
// can compile it uses it.
//
// Not re-entrant, like the noble hasher (log/hash.ts): arguments are copied into the instance's memory and
// results copied out before returning, and JavaScript runs one call at a time per realm (each
// worker thread loads its own instance).
import { fromBase64 } from "./bytes.js";
import { HASH_SIZE, nodeInput, type Hash, type TreeHasher } from "./hash.js";
import { foldPathJs, MAX_FOLD, type Folded } from "./fold.js";
import { SHA256_WASM_BASE64 } from "./sha256-wasm-module.js";

interface Exports {
  memory: WebAssembly.Memory;
  init(): void;
  digest(out: number, data: number, len: number): void;
  digestMany(out: number, data: number, lens: number, count: number): void;
  nodeHash(out: number, left: number, right: number): void;
  fold(r: number, fr: number, path: number, lefts: number, count: number, withOld: number): void;
}

// Argument layout; the module's own scratch is [0, 256).
const R = 256; // a result, and the fold's running hash
const FR = R + HASH_SIZE; // the fold's old root
const LEFT = FR + HASH_SIZE;
const RIGHT = LEFT + HASH_SIZE;
const LEFTS = 512; // MAX_FOLD bytes
const PATH = LEFTS + MAX_FOLD; // MAX_FOLD hashes
const BATCH = 1024; // entries per digestMany call
const LENS = PATH + MAX_FOLD * HASH_SIZE; // BATCH u32s
const OUTS = LENS + 4 * BATCH; // BATCH hashes
const DATA = OUTS + BATCH * HASH_SIZE; // inputs, growing the memory as needed
const BATCH_BYTES = 1 << 20; // a digestMany call's inputs, unless one entry alone is longer

let loaded: TreeHasher | null | undefined;

/**
 * The WebAssembly hasher, or undefined where WebAssembly cannot be compiled synchronously: no
 * WebAssembly, a Content-Security-Policy without 'wasm-unsafe-eval', or a browser's main thread,
 * where Chrome refuses to compile modules over 4 KiB without awaiting (see log/hasher.ts).
 */
export function loadWasmSha256(): TreeHasher | undefined {
  if (loaded === undefined) {
    try {
      loaded = instantiate();
    } catch {
      loaded = null;
    }
  }
  return loaded ?? undefined;
}

function instantiate(): TreeHasher {
  const module = new WebAssembly.Module(fromBase64(SHA256_WASM_BASE64) as Uint8Array<ArrayBuffer>);
  const x = new WebAssembly.Instance(module, {}).exports as unknown as Exports;
  x.init();
  let mem = new Uint8Array(x.memory.buffer);
  let lens = new DataView(x.memory.buffer);

  /** Grows the memory to hold `end` bytes; views made before are stale after this. */
  const reserve = (end: number): void => {
    if (end <= mem.length) return;
    x.memory.grow(Math.ceil((end - mem.length) / 65536));
    mem = new Uint8Array(x.memory.buffer);
    lens = new DataView(x.memory.buffer);
  };
  reserve(DATA + 65536 + 1);

  const digestAt = (len: number): Uint8Array => {
    x.digest(R, DATA, len);
    return mem.slice(R, R + HASH_SIZE);
  };
  const digest = (data: Uint8Array): Uint8Array => {
    reserve(DATA + data.length);
    mem.set(data, DATA);
    return digestAt(data.length);
  };
  const leafHash = (entry: Uint8Array): Hash => {
    reserve(DATA + 1 + entry.length);
    mem[DATA] = 0;
    mem.set(entry, DATA + 1);
    return digestAt(1 + entry.length);
  };
  const nodeHash = (left: Hash, right: Hash): Hash => {
    // Any length hashes as the concatenation, as every TreeHasher does.
    if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) return digest(nodeInput(left, right));
    mem.set(left, LEFT);
    mem.set(right, RIGHT);
    x.nodeHash(R, LEFT, RIGHT);
    return mem.slice(R, R + HASH_SIZE);
  };

  const hasher: TreeHasher = {
    emptyRoot: digest(new Uint8Array(0)),
    digest,
    leafHash,
    nodeHash,
    leafHashes(entries) {
      const out = new Uint8Array(entries.length * HASH_SIZE);
      let i = 0;
      while (i < entries.length) {
        // One call hashes as many entries as fit in BATCH and BATCH_BYTES (at least one).
        const start = i;
        let at = DATA;
        do {
          const e = entries[i]!;
          reserve(at + 1 + e.length);
          mem[at] = 0;
          mem.set(e, at + 1);
          lens.setUint32(LENS + 4 * (i - start), 1 + e.length, true);
          at += 1 + e.length;
          i++;
        } while (i < entries.length && i - start < BATCH && at - DATA + 1 + entries[i]!.length <= BATCH_BYTES);
        x.digestMany(OUTS, DATA, LENS, i - start);
        out.set(mem.subarray(OUTS, OUTS + (i - start) * HASH_SIZE), start * HASH_SIZE);
      }
      return out;
    },
    foldPath(seed, path, from, lefts, withOld): Folded {
      const n = path.length - from;
      // Hashes of other lengths (never in a checked proof) take the general path.
      if (n > MAX_FOLD || seed.length !== HASH_SIZE) return foldPathJs(hasher, seed, path, from, lefts, withOld);
      for (let i = 0; i < n; i++) {
        const p = path[from + i]!;
        if (p.length !== HASH_SIZE) return foldPathJs(hasher, seed, path, from, lefts, withOld);
        mem.set(p, PATH + i * HASH_SIZE);
        mem[LEFTS + i] = lefts[from + i]! === 0 ? 0 : 1;
      }
      mem.set(seed, R);
      x.fold(R, FR, PATH, LEFTS, n, withOld ? 1 : 0);
      const root = mem.slice(R, R + HASH_SIZE);
      return { root, oldRoot: withOld ? mem.slice(FR, FR + HASH_SIZE) : root };
    },
  };
  return hasher;
}
