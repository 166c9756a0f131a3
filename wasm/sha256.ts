// SHA-256 and RFC 9162 tree hashing in WebAssembly, compiled by AssemblyScript (`npm run build:wasm`
// writes the module into log/sha256-wasm-module.ts; a unit test fails when that file is stale).
//
// Why: a JavaScript call into Node's crypto costs about 0.7 us for a 65-byte node hash, of which
// SHA-256 itself (SHA-NI) is under 0.1 us; @noble/hashes takes about 1.8 us. Here a node hash is
// about 0.42 us, and a whole proof path is folded in one call, so verifying a proof costs little
// beyond its hashes (issue 2's verification target), in Node and in a browser alike.
//
// Memory: this module owns [0, 256) as scratch; the caller (log/sha256-wasm.ts) lays out its
// arguments from 256 on and passes their addresses. There is no allocator and no static data.
// Every function is total: it reads and writes only the addresses it is given.
//
// The 64 rounds are written out: a loop of eight unrolled rounds measured 25% slower.

/** Two blocks for SHA-256(0x01 || left || right): 65 bytes, padding and length preset by init(). */
const NODE_BLOCKS: usize = 0;
/** The last one or two blocks of a general digest, padded here. */
const TAIL_BLOCKS: usize = 128;

let h0: u32, h1: u32, h2: u32, h3: u32, h4: u32, h5: u32, h6: u32, h7: u32;

/** Sets the node hash's constant padding (FIPS 180-4 §5.1.1); call once after instantiation. */
export function init(): void {
  memory.fill(NODE_BLOCKS, 0, 128);
  store<u8>(NODE_BLOCKS, 1);
  store<u8>(NODE_BLOCKS + 65, 0x80);
  store<u32>(NODE_BLOCKS + 124, bswap<u32>(65 * 8));
}

@inline function reset(): void {
  h0 = 0x6a09e667; h1 = 0xbb67ae85; h2 = 0x3c6ef372; h3 = 0xa54ff53a;
  h4 = 0x510e527f; h5 = 0x9b05688c; h6 = 0x1f83d9ab; h7 = 0x5be0cd19;
}

@inline function output(o: usize): void {
  store<u32>(o, bswap<u32>(h0), 0); store<u32>(o, bswap<u32>(h1), 4);
  store<u32>(o, bswap<u32>(h2), 8); store<u32>(o, bswap<u32>(h3), 12);
  store<u32>(o, bswap<u32>(h4), 16); store<u32>(o, bswap<u32>(h5), 20);
  store<u32>(o, bswap<u32>(h6), 24); store<u32>(o, bswap<u32>(h7), 28);
}

@inline function sigma0(x: u32): u32 { return rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3); }
@inline function sigma1(x: u32): u32 { return rotr<u32>(x, 17) ^ rotr<u32>(x, 19) ^ (x >>> 10); }
@inline function bigSigma0(x: u32): u32 { return rotr<u32>(x, 2) ^ rotr<u32>(x, 13) ^ rotr<u32>(x, 22); }
@inline function bigSigma1(x: u32): u32 { return rotr<u32>(x, 6) ^ rotr<u32>(x, 11) ^ rotr<u32>(x, 25); }
@inline function choose(e: u32, f: u32, g: u32): u32 { return g ^ (e & (f ^ g)); }
@inline function majority(a: u32, b: u32, c: u32): u32 { return (a & b) | (c & (a | b)); }

/** out[0..32) = SHA-256(data[0..len)). `out` may overlap the input. */
export function digest(out: usize, data: usize, len: usize): void {
  reset();
  let p = data;
  let n = len;
  for (; n >= 64; n -= 64, p += 64) compress(p);
  memory.copy(TAIL_BLOCKS, p, n);
  store<u8>(TAIL_BLOCKS + n, 0x80);
  if (n >= 56) {
    memory.fill(TAIL_BLOCKS + n + 1, 0, 63 - n);
    compress(TAIL_BLOCKS);
    memory.fill(TAIL_BLOCKS, 0, 56);
  } else {
    memory.fill(TAIL_BLOCKS + n + 1, 0, 55 - n);
  }
  store<u64>(TAIL_BLOCKS + 56, bswap<u64>(<u64>len << 3));
  compress(TAIL_BLOCKS);
  output(out);
}

/**
 * out[i*32..) = SHA-256 of each of `count` inputs laid end to end from `data`, input i being
 * lens[i] bytes (a u32 array). The caller writes each leaf's 0x00 prefix: these are leaf hashes.
 */
export function digestMany(out: usize, data: usize, lens: usize, count: i32): void {
  let p = data;
  for (let i = 0; i < count; i++) {
    const n = <usize>load<u32>(lens + (<usize>i << 2));
    digest(out + (<usize>i << 5), p, n);
    p += n;
  }
}

/** out = SHA-256(0x01 || left || right), each 32 bytes (RFC 9162 §2.1.1). `out` may alias either. */
export function nodeHash(out: usize, left: usize, right: usize): void {
  memory.copy(NODE_BLOCKS + 1, left, 32);
  memory.copy(NODE_BLOCKS + 33, right, 32);
  reset();
  compress(NODE_BLOCKS);
  compress(NODE_BLOCKS + 64);
  output(out);
}

/**
 * Folds a verification path (RFC 9162 §2.1.3.2 step 4, §2.1.4.2 step 6) from the hash at `r`:
 * for each of the `count` 32-byte hashes c at `path`, r = H(c || r) if lefts[i] is 1 (c is a
 * left sibling), else r = H(r || c). With `withOld` set (a consistency proof), the old tree's
 * root is folded too, into `fr`: it starts equal to r and takes only the left siblings. Until
 * the first right sibling both are the same hash, which is computed once.
 */
export function fold(r: usize, fr: usize, path: usize, lefts: usize, count: i32, withOld: bool): void {
  let same = withOld;
  for (let i = 0; i < count; i++) {
    const c = path + (<usize>i << 5);
    if (load<u8>(lefts + <usize>i) != 0) {
      nodeHash(r, c, r);
      if (withOld && !same) nodeHash(fr, c, fr);
    } else {
      if (same) {
        memory.copy(fr, r, 32);
        same = false;
      }
      nodeHash(r, r, c);
    }
  }
  if (same) memory.copy(fr, r, 32);
}

/** One SHA-256 compression of the 64-byte block at `p` into the state (FIPS 180-4 §6.2.2). */
function compress(p: usize): void {
  let w0 = bswap<u32>(load<u32>(p, 0));
  let w1 = bswap<u32>(load<u32>(p, 4));
  let w2 = bswap<u32>(load<u32>(p, 8));
  let w3 = bswap<u32>(load<u32>(p, 12));
  let w4 = bswap<u32>(load<u32>(p, 16));
  let w5 = bswap<u32>(load<u32>(p, 20));
  let w6 = bswap<u32>(load<u32>(p, 24));
  let w7 = bswap<u32>(load<u32>(p, 28));
  let w8 = bswap<u32>(load<u32>(p, 32));
  let w9 = bswap<u32>(load<u32>(p, 36));
  let w10 = bswap<u32>(load<u32>(p, 40));
  let w11 = bswap<u32>(load<u32>(p, 44));
  let w12 = bswap<u32>(load<u32>(p, 48));
  let w13 = bswap<u32>(load<u32>(p, 52));
  let w14 = bswap<u32>(load<u32>(p, 56));
  let w15 = bswap<u32>(load<u32>(p, 60));
  let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
  let t: u32;
  // round 0
  t = h + bigSigma1(e) + choose(e, f, g) + 0x428a2f98 + w0;
  d += t;
  h = t + bigSigma0(a) + majority(a, b, c);
  // round 1
  t = g + bigSigma1(d) + choose(d, e, f) + 0x71374491 + w1;
  c += t;
  g = t + bigSigma0(h) + majority(h, a, b);
  // round 2
  t = f + bigSigma1(c) + choose(c, d, e) + 0xb5c0fbcf + w2;
  b += t;
  f = t + bigSigma0(g) + majority(g, h, a);
  // round 3
  t = e + bigSigma1(b) + choose(b, c, d) + 0xe9b5dba5 + w3;
  a += t;
  e = t + bigSigma0(f) + majority(f, g, h);
  // round 4
  t = d + bigSigma1(a) + choose(a, b, c) + 0x3956c25b + w4;
  h += t;
  d = t + bigSigma0(e) + majority(e, f, g);
  // round 5
  t = c + bigSigma1(h) + choose(h, a, b) + 0x59f111f1 + w5;
  g += t;
  c = t + bigSigma0(d) + majority(d, e, f);
  // round 6
  t = b + bigSigma1(g) + choose(g, h, a) + 0x923f82a4 + w6;
  f += t;
  b = t + bigSigma0(c) + majority(c, d, e);
  // round 7
  t = a + bigSigma1(f) + choose(f, g, h) + 0xab1c5ed5 + w7;
  e += t;
  a = t + bigSigma0(b) + majority(b, c, d);
  // round 8
  t = h + bigSigma1(e) + choose(e, f, g) + 0xd807aa98 + w8;
  d += t;
  h = t + bigSigma0(a) + majority(a, b, c);
  // round 9
  t = g + bigSigma1(d) + choose(d, e, f) + 0x12835b01 + w9;
  c += t;
  g = t + bigSigma0(h) + majority(h, a, b);
  // round 10
  t = f + bigSigma1(c) + choose(c, d, e) + 0x243185be + w10;
  b += t;
  f = t + bigSigma0(g) + majority(g, h, a);
  // round 11
  t = e + bigSigma1(b) + choose(b, c, d) + 0x550c7dc3 + w11;
  a += t;
  e = t + bigSigma0(f) + majority(f, g, h);
  // round 12
  t = d + bigSigma1(a) + choose(a, b, c) + 0x72be5d74 + w12;
  h += t;
  d = t + bigSigma0(e) + majority(e, f, g);
  // round 13
  t = c + bigSigma1(h) + choose(h, a, b) + 0x80deb1fe + w13;
  g += t;
  c = t + bigSigma0(d) + majority(d, e, f);
  // round 14
  t = b + bigSigma1(g) + choose(g, h, a) + 0x9bdc06a7 + w14;
  f += t;
  b = t + bigSigma0(c) + majority(c, d, e);
  // round 15
  t = a + bigSigma1(f) + choose(f, g, h) + 0xc19bf174 + w15;
  e += t;
  a = t + bigSigma0(b) + majority(b, c, d);
  // round 16
  w0 += sigma0(w1) + w9 + sigma1(w14);
  t = h + bigSigma1(e) + choose(e, f, g) + 0xe49b69c1 + w0;
  d += t;
  h = t + bigSigma0(a) + majority(a, b, c);
  // round 17
  w1 += sigma0(w2) + w10 + sigma1(w15);
  t = g + bigSigma1(d) + choose(d, e, f) + 0xefbe4786 + w1;
  c += t;
  g = t + bigSigma0(h) + majority(h, a, b);
  // round 18
  w2 += sigma0(w3) + w11 + sigma1(w0);
  t = f + bigSigma1(c) + choose(c, d, e) + 0x0fc19dc6 + w2;
  b += t;
  f = t + bigSigma0(g) + majority(g, h, a);
  // round 19
  w3 += sigma0(w4) + w12 + sigma1(w1);
  t = e + bigSigma1(b) + choose(b, c, d) + 0x240ca1cc + w3;
  a += t;
  e = t + bigSigma0(f) + majority(f, g, h);
  // round 20
  w4 += sigma0(w5) + w13 + sigma1(w2);
  t = d + bigSigma1(a) + choose(a, b, c) + 0x2de92c6f + w4;
  h += t;
  d = t + bigSigma0(e) + majority(e, f, g);
  // round 21
  w5 += sigma0(w6) + w14 + sigma1(w3);
  t = c + bigSigma1(h) + choose(h, a, b) + 0x4a7484aa + w5;
  g += t;
  c = t + bigSigma0(d) + majority(d, e, f);
  // round 22
  w6 += sigma0(w7) + w15 + sigma1(w4);
  t = b + bigSigma1(g) + choose(g, h, a) + 0x5cb0a9dc + w6;
  f += t;
  b = t + bigSigma0(c) + majority(c, d, e);
  // round 23
  w7 += sigma0(w8) + w0 + sigma1(w5);
  t = a + bigSigma1(f) + choose(f, g, h) + 0x76f988da + w7;
  e += t;
  a = t + bigSigma0(b) + majority(b, c, d);
  // round 24
  w8 += sigma0(w9) + w1 + sigma1(w6);
  t = h + bigSigma1(e) + choose(e, f, g) + 0x983e5152 + w8;
  d += t;
  h = t + bigSigma0(a) + majority(a, b, c);
  // round 25
  w9 += sigma0(w10) + w2 + sigma1(w7);
  t = g + bigSigma1(d) + choose(d, e, f) + 0xa831c66d + w9;
  c += t;
  g = t + bigSigma0(h) + majority(h, a, b);
  // round 26
  w10 += sigma0(w11) + w3 + sigma1(w8);
  t = f + bigSigma1(c) + choose(c, d, e) + 0xb00327c8 + w10;
  b += t;
  f = t + bigSigma0(g) + majority(g, h, a);
  // round 27
  w11 += sigma0(w12) + w4 + sigma1(w9);
  t = e + bigSigma1(b) + choose(b, c, d) + 0xbf597fc7 + w11;
  a += t;
  e = t + bigSigma0(f) + majority(f, g, h);
  // round 28
  w12 += sigma0(w13) + w5 + sigma1(w10);
  t = d + bigSigma1(a) + choose(a, b, c) + 0xc6e00bf3 + w12;
  h += t;
  d = t + bigSigma0(e) + majority(e, f, g);
  // round 29
  w13 += sigma0(w14) + w6 + sigma1(w11);
  t = c + bigSigma1(h) + choose(h, a, b) + 0xd5a79147 + w13;
  g += t;
  c = t + bigSigma0(d) + majority(d, e, f);
  // round 30
  w14 += sigma0(w15) + w7 + sigma1(w12);
  t = b + bigSigma1(g) + choose(g, h, a) + 0x06ca6351 + w14;
  f += t;
  b = t + bigSigma0(c) + majority(c, d, e);
  // round 31
  w15 += sigma0(w0) + w8 + sigma1(w13);
  t = a + bigSigma1(f) + choose(f, g, h) + 0x14292967 + w15;
  e += t;
  a = t + bigSigma0(b) + majority(b, c, d);
  // round 32
  w0 += sigma0(w1) + w9 + sigma1(w14);
  t = h + bigSigma1(e) + choose(e, f, g) + 0x27b70a85 + w0;
  d += t;
  h = t + bigSigma0(a) + majority(a, b, c);
  // round 33
  w1 += sigma0(w2) + w10 + sigma1(w15);
  t = g + bigSigma1(d) + choose(d, e, f) + 0x2e1b2138 + w1;
  c += t;
  g = t + bigSigma0(h) + majority(h, a, b);
  // round 34
  w2 += sigma0(w3) + w11 + sigma1(w0);
  t = f + bigSigma1(c) + choose(c, d, e) + 0x4d2c6dfc + w2;
  b += t;
  f = t + bigSigma0(g) + majority(g, h, a);
  // round 35
  w3 += sigma0(w4) + w12 + sigma1(w1);
  t = e + bigSigma1(b) + choose(b, c, d) + 0x53380d13 + w3;
  a += t;
  e = t + bigSigma0(f) + majority(f, g, h);
  // round 36
  w4 += sigma0(w5) + w13 + sigma1(w2);
  t = d + bigSigma1(a) + choose(a, b, c) + 0x650a7354 + w4;
  h += t;
  d = t + bigSigma0(e) + majority(e, f, g);
  // round 37
  w5 += sigma0(w6) + w14 + sigma1(w3);
  t = c + bigSigma1(h) + choose(h, a, b) + 0x766a0abb + w5;
  g += t;
  c = t + bigSigma0(d) + majority(d, e, f);
  // round 38
  w6 += sigma0(w7) + w15 + sigma1(w4);
  t = b + bigSigma1(g) + choose(g, h, a) + 0x81c2c92e + w6;
  f += t;
  b = t + bigSigma0(c) + majority(c, d, e);
  // round 39
  w7 += sigma0(w8) + w0 + sigma1(w5);
  t = a + bigSigma1(f) + choose(f, g, h) + 0x92722c85 + w7;
  e += t;
  a = t + bigSigma0(b) + majority(b, c, d);
  // round 40
  w8 += sigma0(w9) + w1 + sigma1(w6);
  t = h + bigSigma1(e) + choose(e, f, g) + 0xa2bfe8a1 + w8;
  d += t;
  h = t + bigSigma0(a) + majority(a, b, c);
  // round 41
  w9 += sigma0(w10) + w2 + sigma1(w7);
  t = g + bigSigma1(d) + choose(d, e, f) + 0xa81a664b + w9;
  c += t;
  g = t + bigSigma0(h) + majority(h, a, b);
  // round 42
  w10 += sigma0(w11) + w3 + sigma1(w8);
  t = f + bigSigma1(c) + choose(c, d, e) + 0xc24b8b70 + w10;
  b += t;
  f = t + bigSigma0(g) + majority(g, h, a);
  // round 43
  w11 += sigma0(w12) + w4 + sigma1(w9);
  t = e + bigSigma1(b) + choose(b, c, d) + 0xc76c51a3 + w11;
  a += t;
  e = t + bigSigma0(f) + majority(f, g, h);
  // round 44
  w12 += sigma0(w13) + w5 + sigma1(w10);
  t = d + bigSigma1(a) + choose(a, b, c) + 0xd192e819 + w12;
  h += t;
  d = t + bigSigma0(e) + majority(e, f, g);
  // round 45
  w13 += sigma0(w14) + w6 + sigma1(w11);
  t = c + bigSigma1(h) + choose(h, a, b) + 0xd6990624 + w13;
  g += t;
  c = t + bigSigma0(d) + majority(d, e, f);
  // round 46
  w14 += sigma0(w15) + w7 + sigma1(w12);
  t = b + bigSigma1(g) + choose(g, h, a) + 0xf40e3585 + w14;
  f += t;
  b = t + bigSigma0(c) + majority(c, d, e);
  // round 47
  w15 += sigma0(w0) + w8 + sigma1(w13);
  t = a + bigSigma1(f) + choose(f, g, h) + 0x106aa070 + w15;
  e += t;
  a = t + bigSigma0(b) + majority(b, c, d);
  // round 48
  w0 += sigma0(w1) + w9 + sigma1(w14);
  t = h + bigSigma1(e) + choose(e, f, g) + 0x19a4c116 + w0;
  d += t;
  h = t + bigSigma0(a) + majority(a, b, c);
  // round 49
  w1 += sigma0(w2) + w10 + sigma1(w15);
  t = g + bigSigma1(d) + choose(d, e, f) + 0x1e376c08 + w1;
  c += t;
  g = t + bigSigma0(h) + majority(h, a, b);
  // round 50
  w2 += sigma0(w3) + w11 + sigma1(w0);
  t = f + bigSigma1(c) + choose(c, d, e) + 0x2748774c + w2;
  b += t;
  f = t + bigSigma0(g) + majority(g, h, a);
  // round 51
  w3 += sigma0(w4) + w12 + sigma1(w1);
  t = e + bigSigma1(b) + choose(b, c, d) + 0x34b0bcb5 + w3;
  a += t;
  e = t + bigSigma0(f) + majority(f, g, h);
  // round 52
  w4 += sigma0(w5) + w13 + sigma1(w2);
  t = d + bigSigma1(a) + choose(a, b, c) + 0x391c0cb3 + w4;
  h += t;
  d = t + bigSigma0(e) + majority(e, f, g);
  // round 53
  w5 += sigma0(w6) + w14 + sigma1(w3);
  t = c + bigSigma1(h) + choose(h, a, b) + 0x4ed8aa4a + w5;
  g += t;
  c = t + bigSigma0(d) + majority(d, e, f);
  // round 54
  w6 += sigma0(w7) + w15 + sigma1(w4);
  t = b + bigSigma1(g) + choose(g, h, a) + 0x5b9cca4f + w6;
  f += t;
  b = t + bigSigma0(c) + majority(c, d, e);
  // round 55
  w7 += sigma0(w8) + w0 + sigma1(w5);
  t = a + bigSigma1(f) + choose(f, g, h) + 0x682e6ff3 + w7;
  e += t;
  a = t + bigSigma0(b) + majority(b, c, d);
  // round 56
  w8 += sigma0(w9) + w1 + sigma1(w6);
  t = h + bigSigma1(e) + choose(e, f, g) + 0x748f82ee + w8;
  d += t;
  h = t + bigSigma0(a) + majority(a, b, c);
  // round 57
  w9 += sigma0(w10) + w2 + sigma1(w7);
  t = g + bigSigma1(d) + choose(d, e, f) + 0x78a5636f + w9;
  c += t;
  g = t + bigSigma0(h) + majority(h, a, b);
  // round 58
  w10 += sigma0(w11) + w3 + sigma1(w8);
  t = f + bigSigma1(c) + choose(c, d, e) + 0x84c87814 + w10;
  b += t;
  f = t + bigSigma0(g) + majority(g, h, a);
  // round 59
  w11 += sigma0(w12) + w4 + sigma1(w9);
  t = e + bigSigma1(b) + choose(b, c, d) + 0x8cc70208 + w11;
  a += t;
  e = t + bigSigma0(f) + majority(f, g, h);
  // round 60
  w12 += sigma0(w13) + w5 + sigma1(w10);
  t = d + bigSigma1(a) + choose(a, b, c) + 0x90befffa + w12;
  h += t;
  d = t + bigSigma0(e) + majority(e, f, g);
  // round 61
  w13 += sigma0(w14) + w6 + sigma1(w11);
  t = c + bigSigma1(h) + choose(h, a, b) + 0xa4506ceb + w13;
  g += t;
  c = t + bigSigma0(d) + majority(d, e, f);
  // round 62
  w14 += sigma0(w15) + w7 + sigma1(w12);
  t = b + bigSigma1(g) + choose(g, h, a) + 0xbef9a3f7 + w14;
  f += t;
  b = t + bigSigma0(c) + majority(c, d, e);
  // round 63
  w15 += sigma0(w0) + w8 + sigma1(w13);
  t = a + bigSigma1(f) + choose(f, g, h) + 0xc67178f2 + w15;
  e += t;
  a = t + bigSigma0(b) + majority(b, c, d);
  h0 += a; h1 += b; h2 += c; h3 += d; h4 += e; h5 += f; h6 += g; h7 += h;
}
