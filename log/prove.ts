// Generation of RFC 9162 inclusion (§2.1.3.1) and consistency (§2.1.4.1) proofs from stored hashes.
//
// A proof is a list of MTH(D[lo:hi]) for O(log n) ranges. Each range is either one complete
// subtree or, on the tree's right edge, a few complete subtrees folded together. A proof is
// planned first (the ranges, as subtree ids), then all its hashes are read with ONE readHashes
// call, so a tile-backed reader can batch its tile fetches, and then folded.
import type { Hash } from "./hash.js";
import { ProofError } from "./proof-error.js";
import type { HashReader, SubtreeId } from "./subtree.js";
import { checkTreeNumber, foldSubtrees, largestPowerOfTwoBelow, pushRangeSubtrees, readChecked } from "./tree.js";

/**
 * The subtree ids a proof needs, and where each proof element's ids end in `ids`: element j
 * is the fold of ids[ends[j-1] .. ends[j]), unless known[j] already holds its hash. Elements
 * are in proof order (bottom of the tree first); los/his are their leaf ranges.
 */
interface ProofPlan {
  readonly ids: SubtreeId[];
  readonly ends: number[];
  readonly known: (Hash | undefined)[];
  readonly los: number[];
  readonly his: number[];
}

/**
 * Hashes of ranges that take several subtrees (the folds on a tree's right edge), per reader.
 * MTH(D[lo:hi]) never changes in an append-only log, and all the proofs for one tree size share
 * the few (at most ~2·log2 n) right-edge ranges ending at that size, so a reader serving many
 * proofs skips both reading their subtrees and folding them: up to one hash per 1 bit of the
 * size, a third or more of a proof's cost. Bounded: cleared when it would pass FOLD_CACHE_LIMIT.
 */
const foldCaches = new WeakMap<HashReader, Map<string, Hash>>();
const FOLD_CACHE_LIMIT = 256;

function foldCacheOf(reader: HashReader): Map<string, Hash> {
  let m = foldCaches.get(reader);
  if (m === undefined) foldCaches.set(reader, (m = new Map()));
  return m;
}

// The RFC's recursions visit ranges top-down and emit hashes on the way back up, so ranges are
// collected top-down in `los`/`his` and the plan is laid out from the end of those lists.
function planFromRanges(los: number[], his: number[], folds: Map<string, Hash>): ProofPlan {
  const plan: ProofPlan = { ids: [], ends: [], known: [], los: [], his: [] };
  for (let j = los.length - 1; j >= 0; j--) {
    const lo = los[j]!;
    const hi = his[j]!;
    plan.los.push(lo);
    plan.his.push(hi);
    // Only a range of several subtrees (on the right edge) can be in the fold cache: most
    // ranges are one complete subtree, and skip building the key.
    const width = hi - lo;
    const single = (width & (width - 1)) === 0 && lo % width === 0;
    const h = single ? undefined : folds.get(`${lo}:${hi}`);
    if (h === undefined) pushRangeSubtrees(lo, hi, plan.ids);
    plan.known.push(h);
    plan.ends.push(plan.ids.length);
  }
  return plan;
}

/**
 * The descent shared by RFC 9162's PATH and SUBPROOF: from [0, size) towards leaf `leaf`, splitting
 * each range at its largest power of two and recording the sibling range not taken, until the
 * range is one leaf or ends at `stop`. Returns the range it stopped at.
 */
function descend(leaf: number, size: number, stop: number, los: number[], his: number[]): { lo: number; hi: number } {
  let lo = 0;
  let hi = size;
  while (hi !== stop && hi - lo > 1) {
    const k = largestPowerOfTwoBelow(hi - lo);
    if (leaf < lo + k) {
      los.push(lo + k);
      his.push(hi);
      hi = lo + k;
    } else {
      los.push(lo);
      his.push(lo + k);
      lo += k;
    }
  }
  return { lo, hi };
}

/** RFC 9162 PATH(index, D[0:size]) as ranges. */
function planInclusion(index: number, size: number, folds: Map<string, Hash>): ProofPlan {
  const los: number[] = [];
  const his: number[] = [];
  descend(index, size, -1, los, his);
  return planFromRanges(los, his, folds);
}

/**
 * RFC 9162 SUBPROOF(size1, D[0:size2], true) as ranges, for 0 < size1 <= size2: the descent towards
 * leaf size1 - 1 that stops at the node ending at size1. That node's hash is root1 itself (the RFC's
 * b = true, omitted) unless the descent ever went right, i.e. unless it does not start at 0.
 */
function planConsistency(size1: number, size2: number, folds: Map<string, Hash>): ProofPlan {
  const los: number[] = [];
  const his: number[] = [];
  const { lo, hi } = descend(size1 - 1, size2, size1, los, his);
  if (lo !== 0) {
    los.push(lo);
    his.push(hi);
  }
  return planFromRanges(los, his, folds);
}

async function execute(reader: HashReader, plan: ProofPlan, folds: Map<string, Hash>): Promise<Hash[]> {
  if (plan.ends.length === 0) return [];
  return assemble(plan, plan.ids.length === 0 ? [] : await readChecked(reader, plan.ids), folds);
}

/** The proof of `plan` from `hashes`, the hashes of plan.ids in order. */
function assemble(plan: ProofPlan, hashes: readonly Hash[], folds: Map<string, Hash>): Hash[] {
  const proof = new Array<Hash>(plan.ends.length);
  let from = 0;
  for (let j = 0; j < plan.ends.length; j++) {
    const to = plan.ends[j]!;
    const known = plan.known[j];
    if (known !== undefined) {
      proof[j] = known.slice(); // callers own their proofs; the cached hash stays intact
    } else if (to - from === 1) {
      proof[j] = hashes[from]!;
    } else {
      const h = foldSubtrees(hashes, from, to);
      if (folds.size >= FOLD_CACHE_LIMIT) folds.clear();
      folds.set(`${plan.los[j]!}:${plan.his[j]!}`, h.slice());
      proof[j] = h;
    }
    from = to;
  }
  return proof;
}

/**
 * The inclusion proof of leaf `index` in the tree of the first `size` leaves behind `reader`
 * (which must hold at least `size` leaves), with one readHashes call. Rejects with ProofError
 * INVALID_NUMBER or INDEX_OUT_OF_RANGE for bad arguments, and passes on the reader's errors.
 */
export async function proveInclusion(reader: HashReader, index: number, size: number): Promise<Hash[]> {
  checkTreeNumber(index, "leaf index");
  checkTreeNumber(size, "tree size");
  if (index >= size) throw new ProofError("INDEX_OUT_OF_RANGE", `leaf index ${index} >= tree size ${size}`);
  const folds = foldCacheOf(reader);
  return execute(reader, planInclusion(index, size, folds), folds);
}

/**
 * The inclusion proofs of leaves `indices` in the tree of the first `size` leaves behind `reader`,
 * in order, byte for byte proveInclusion's, with ONE readHashes call for all of them: a subtree
 * that several proofs need (leaves close to each other, as a label's entries usually are, share
 * all but their lowest levels) is read once. The proofs of one call may share Hash objects: treat
 * them as read-only. Rejects as proveInclusion does.
 */
export async function proveInclusions(reader: HashReader, indices: readonly number[], size: number): Promise<Hash[][]> {
  checkTreeNumber(size, "tree size");
  for (const index of indices) {
    checkTreeNumber(index, "leaf index");
    if (index >= size) throw new ProofError("INDEX_OUT_OF_RANGE", `leaf index ${index} >= tree size ${size}`);
  }
  const folds = foldCacheOf(reader);
  const plans = indices.map((index) => planInclusion(index, size, folds));
  // Each distinct subtree once: slot[k] is where plan ids (in plan order) find their hash.
  const unique: SubtreeId[] = [];
  const slotOf: Map<number, number>[] = []; // by level, then subtree index
  const slots: number[] = [];
  for (const plan of plans) {
    for (const id of plan.ids) {
      const atLevel = (slotOf[id.level] ??= new Map());
      let slot = atLevel.get(id.index);
      if (slot === undefined) {
        slot = unique.length;
        atLevel.set(id.index, slot);
        unique.push(id);
      }
      slots.push(slot);
    }
  }
  const hashes = unique.length === 0 ? [] : await readChecked(reader, unique);
  let at = 0;
  return plans.map((plan) => {
    const mine = new Array<Hash>(plan.ids.length);
    for (let k = 0; k < mine.length; k++) mine[k] = hashes[slots[at++]!]!;
    return plan.ends.length === 0 ? [] : assemble(plan, mine, folds);
  });
}

/**
 * The consistency proof from the tree of `size1` leaves to the tree of `size2` leaves behind
 * `reader`, with one readHashes call. size1 = size2 gives an empty proof, and so does size1 = 0:
 * the proof C2SP tlog-witness expects from the empty tree (RFC 9162 defines none; see
 * ConsistencyOptions in proof.ts). Rejects with ProofError INVALID_NUMBER or SIZE_ORDER.
 */
export async function proveConsistency(reader: HashReader, size1: number, size2: number): Promise<Hash[]> {
  checkTreeNumber(size1, "size1");
  checkTreeNumber(size2, "size2");
  if (size1 > size2) throw new ProofError("SIZE_ORDER", `size1 ${size1} > size2 ${size2}`);
  if (size1 === 0) return [];
  const folds = foldCacheOf(reader);
  return execute(reader, planConsistency(size1, size2, folds), folds);
}
