// The auditor: trusts two keys (the log's, the authority's), reads the log through the public
// tlog-tiles read path, and checks everything:
//
//   1. the checkpoint is signed by the log's key;
//   2. it is consistent with the last checkpoint this auditor verified (state file): same root
//      at the same size, an RFC 9162 consistency proof (computed from tiles verified against the
//      new root) otherwise; a fork is located with the old right edge kept in the state file;
//   3. every hash tile is verified against the checkpoint's root (log/tile-reader.ts), and every
//      entry bundle against its verified level-0 tile;
//   4. every new entry is rechecked with the registry's domain rules (replay.ts) while the
//      projections are rebuilt; with a CheckPool, the per-entry work that needs no state (leaf
//      hash, decoding, signature) runs on worker threads a few chunks ahead, and this thread
//      keeps only what must run in log order;
//   5. optionally, a sample of the operator's GetLabel answers is compared with the projections.
//
// A run audits only what is new since the state file's checkpoint (the older entries are
// replayed into the projections after their bundles are checked against the tiles, without
// signature checks). Log-structure failures (bad signature, fork, tile or bundle mismatch) end
// the run; rule and operator findings are collected, at most `maxFindings`.
import { bytesEqual, concatBytes, fromUtf8 } from "../../log/bytes.js";
import { decodeBundle } from "../../log/bundle.js";
import { CheckpointError, openCheckpoint, type Checkpoint } from "../../log/checkpoint.js";
import { HASH_SIZE } from "../../log/hash.js";
import { hasher } from "../../log/hasher.js";
import { NoteError, type NoteVerifier } from "../../log/note.js";
import { ProofError } from "../../log/proof-error.js";
import { verifyConsistency } from "../../log/proof.js";
import { proveConsistency } from "../../log/prove.js";
import type { SubtreeId } from "../../log/subtree.js";
import { TileCache, TileHashReader, TileVerificationError } from "../../log/tile-reader.js";
import { TILE_HEIGHT, TILE_WIDTH, TileDataError, fetchTile, type TileCoord } from "../../log/tile.js";
import { loadTreeState } from "../../log/tree-state.js";
import type { DomainConfig } from "../domain/config.js";
import { decodeLogEntry, isCommitment, type DecodedLogEntry } from "../domain/decode.js";
import { statementSigningInput } from "../domain/signing.js";
import { isViolation, type RuleViolation } from "../domain/violation.js";
import type { VerifyAsyncFn } from "../crypto/verify-pool.js";
import type { CheckPool } from "./check-pool.js";
import { SIG_UNCHECKED, SIG_VALID, type EntryResults } from "./entry-check.js";
import { locateDivergence } from "./fork.js";
import type { Finding } from "./findings.js";
import { compareLabel, type LabelReader } from "./operator.js";
import { Replayer } from "./replay.js";
import { readAuditState, writeAuditState, type AuditState } from "./state-file.js";
import { TlogFetchError, type TlogSource } from "./tlog-client.js";

/** Entries per pipeline step: 16 bundles. */
const CHUNK = 16 * TILE_WIDTH;
/** Chunks in flight ahead of the one being replayed. */
const PREFETCH = 3;

export interface AuditorOptions {
  readonly source: TlogSource;
  /** The log's verifier key; its name is the origin. */
  readonly logKey: NoteVerifier;
  /** Domain rules with the authority's public key (config.verify is used only without `verifyAsync`). */
  readonly domain: DomainConfig;
  /** Signature checks off the main thread (a VerifyPool); default config.verify inline. */
  readonly verifyAsync?: VerifyAsyncFn;
  /**
   * Leaf hashes, decoding and signatures of new entries on worker threads, in parallel over
   * every core (check-pool.ts); then `verifyAsync` is not used. Same findings either way.
   */
  readonly checkPool?: CheckPool;
  /** Where the last verified checkpoint is kept between runs; none: every run starts from scratch. */
  readonly statePath?: string;
  /** false: verify tiles, bundles and consistency only (no decoding, signatures or rules). */
  readonly rules?: boolean;
  /** The operator's GetLabel, to compare a sample of answers with. */
  readonly operator?: LabelReader;
  /** Labels to compare (default 100; all when larger than the number of labels). */
  readonly sample?: number;
  readonly maxFindings?: number;
  /** Called as entries are verified; `phase` "replay" for entries audited earlier, "audit" for new ones. */
  readonly onProgress?: (p: { phase: "replay" | "audit"; done: number; total: number }) => void;
  /** Bytes of verified tiles kept in memory. */
  readonly tileCacheBytes?: number;
}

export interface AuditReport {
  readonly ok: boolean;
  readonly origin: string;
  /** The checkpoint size audited before this run (0 if none). */
  readonly fromSize: number;
  /** The checkpoint size this run verified (or tried to). */
  readonly size: number;
  readonly checkpoint: string;
  readonly findings: readonly Finding[];
  /** Entries whose bytes were verified against the tiles in this run. */
  readonly entriesVerified: number;
  /** Entries whose signature and rules were checked in this run. */
  readonly entriesChecked: number;
  readonly labelsCompared: number;
  /** The operator comparison was asked for but could not run (why), or was not asked for. */
  readonly operatorNote: string;
  readonly seconds: number;
}

/** A failure of the log's structure that ends the run. */
class Fatal extends Error {
  constructor(readonly finding: Finding) {
    super(finding.message);
  }
}

interface Verified {
  readonly checkpoint: Checkpoint;
  readonly note: string;
  readonly edge: readonly Uint8Array[];
}

interface Chunk {
  readonly start: number;
  readonly entries: Uint8Array[];
  readonly decoded?: (DecodedLogEntry | RuleViolation)[];
  readonly signatures?: Promise<boolean[]>;
  /** From a CheckPool: the chunk's entries checked in batches, in order. */
  readonly checked?: EntryResults[];
}

export class Auditor {
  private replayer: Replayer;
  private verified: Verified | undefined;
  private refused = new Set<number>();
  private loaded = false;
  private readonly cache: TileCache;

  constructor(private readonly opts: AuditorOptions) {
    // The rules run for the log being audited: its checkpoints verify under logKey, whose name is their origin.
    this.replayer = new Replayer({ ...opts.domain, logOrigin: opts.logKey.name });
    if (opts.checkPool) this.replayer.onNewKeys = (keys) => opts.checkPool!.teach(keys);
    this.cache = new TileCache(opts.tileCacheBytes ?? 64 * 1024 * 1024);
  }

  /** The projections as of the last verified checkpoint (what the operator comparison uses). */
  get state() {
    return this.replayer.state;
  }

  /** Audits up to the log's current checkpoint. Never throws for what the log serves; see the report. */
  async run(): Promise<AuditReport> {
    const started = performance.now();
    const findings: Finding[] = [];
    const fromSize = this.verifiedState()?.checkpoint.size ?? 0;
    let size = fromSize;
    let note = "";
    let verifiedEntries = 0;
    let checkedEntries = 0;
    let labelsCompared = 0;
    let operatorNote = this.opts.operator ? "" : "not asked for (no --operator-grpc)";
    const origin = this.opts.logKey.name;
    try {
      note = fromUtf8(await this.guard(() => this.opts.source.checkpoint()));
      const cp = this.openCheckpoint(note);
      size = cp.size;
      const reader = new TileHashReader(cp.size, this.opts.source.tile, { root: cp.root, cache: this.cache });
      await this.checkConsistency(cp, note, reader);
      const prior = this.verifiedState();
      const auditFrom = prior?.checkpoint.size ?? 0;
      // Projections: entries audited by an earlier run are replayed without signature checks.
      if (this.replayer.size < auditFrom) {
        verifiedEntries += await this.walk(this.replayer.size, auditFrom, cp.size, reader, "replay", findings);
      }
      const n = await this.walk(auditFrom, cp.size, cp.size, reader, "audit", findings);
      verifiedEntries += n;
      // Every batch ends with the map's commitment, so every checkpoint's last entry is one.
      if (
        n > 0 &&
        this.opts.rules !== false &&
        !this.replayer.lastWasCommitment &&
        findings.length < (this.opts.maxFindings ?? 1000)
      ) {
        findings.push({
          kind: "rule",
          rule: "checkpoint-without-commitment",
          index: cp.size - 1,
          message: `the checkpoint of size ${cp.size} does not end with a map commitment`,
        });
      }
      if (this.opts.rules !== false) checkedEntries += n;
      const edge = (
        await this.guard(() => loadTreeState(cp.size, this.opts.source.tile, { expectedRoot: cp.root }), cp.size)
      ).edge;
      this.verified = { checkpoint: cp, note, edge };
      for (const f of findings) if (f.index !== undefined && f.kind === "rule") this.refused.add(f.index);
      this.save();
      if (this.opts.operator && this.opts.rules !== false) {
        const r = await this.compareOperator(cp.size, findings);
        labelsCompared = r.compared;
        operatorNote = r.note;
      }
    } catch (e) {
      if (e instanceof Fatal) findings.push(e.finding);
      else throw e;
    }
    return {
      ok: findings.length === 0,
      origin,
      fromSize,
      size,
      checkpoint: note,
      findings,
      entriesVerified: verifiedEntries,
      entriesChecked: checkedEntries,
      labelsCompared,
      operatorNote,
      seconds: (performance.now() - started) / 1000,
    };
  }

  private verifiedState(): Verified | undefined {
    if (!this.loaded) {
      this.loaded = true;
      const s = this.opts.statePath ? readAuditState(this.opts.statePath) : undefined;
      if (s) {
        if (s.origin !== this.opts.logKey.name)
          throw new Error(`audit state is for log ${s.origin}, not ${this.opts.logKey.name}`);
        this.verified = {
          checkpoint: { origin: s.origin, size: s.size, root: s.root, extensions: [] },
          note: s.checkpoint,
          edge: s.edge,
        };
        this.refused = new Set(s.refused);
      }
    }
    return this.verified;
  }

  private save(): void {
    const v = this.verified;
    if (!this.opts.statePath || !v) return;
    const s: AuditState = {
      origin: v.checkpoint.origin,
      size: v.checkpoint.size,
      root: v.checkpoint.root,
      checkpoint: v.note,
      edge: v.edge,
      lastSequencedAt: this.replayer.lastSequencedAt,
      refused: [...this.refused].sort((a, b) => a - b),
      auditedAt: new Date().toISOString(),
    };
    writeAuditState(this.opts.statePath, s);
  }

  private openCheckpoint(note: string): Checkpoint {
    try {
      return openCheckpoint(note, this.opts.logKey).checkpoint;
    } catch (e) {
      if (e instanceof NoteError || e instanceof CheckpointError) {
        throw new Fatal({
          kind: "log",
          rule: "checkpoint-not-signed",
          message: `the checkpoint is not validly signed by ${this.opts.logKey.name}: ${e.message}`,
        });
      }
      throw e;
    }
  }

  /** Step 2 of the header: the new checkpoint against the last verified one. */
  private async checkConsistency(cp: Checkpoint, note: string, reader: TileHashReader): Promise<void> {
    const prior = this.verifiedState();
    if (!prior) return;
    const old = prior.checkpoint;
    if (cp.size < old.size) {
      throw new Fatal({
        kind: "log",
        rule: "log-shrank",
        index: cp.size,
        message: `the checkpoint has size ${cp.size}, below the ${old.size} verified earlier: entries from ${cp.size} on were removed`,
      });
    }
    let consistent: boolean;
    if (cp.size === old.size) consistent = cp.root.every((b, i) => b === old.root[i]);
    else {
      const proof = await this.guard(() => proveConsistency(reader, old.size, cp.size), cp.size);
      try {
        verifyConsistency(old.size, cp.size, proof, old.root, cp.root);
        consistent = true;
      } catch (e) {
        if (!(e instanceof ProofError)) throw e;
        consistent = false;
      }
    }
    if (consistent) return;
    const d = await this.guard(() => locateDivergence(old.size, prior.edge, reader), cp.size);
    const where = d
      ? d.exact
        ? `entry ${d.index} differs`
        : `the entries ${d.index}..${d.end - 1} differ`
      : "the trees differ";
    throw new Fatal({
      kind: "log",
      rule: "fork",
      ...(d ? { index: d.index } : {}),
      message: `the log signed two different trees: size ${old.size} verified earlier and size ${cp.size} now are not consistent (${where}); both signed checkpoints are evidence:\n${prior.note}\n${note}`,
    });
  }

  /** Runs a read, turning tile and fetch failures into a located log finding. */
  private async guard<T>(fn: () => Promise<T>, size = 0): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof TileVerificationError || e instanceof TileDataError)
        throw new Fatal(await this.tileFinding(e.tile, e.message, size));
      if (e instanceof TlogFetchError) throw new Fatal({ kind: "log", rule: "read-failed", message: e.message });
      throw e;
    }
  }

  /**
   * Names the entry a bad tile misdescribes: the first hash of a level-0 tile that its bundle
   * contradicts. A failure of the right edge is reported on its top tile, so the edge's level-0
   * tile is examined too.
   */
  private async tileFinding(t: TileCoord, message: string, size: number): Promise<Finding> {
    const candidates: TileCoord[] = t.level === 0 ? [t] : [];
    if (size % TILE_WIDTH !== 0)
      candidates.push({ level: 0, index: Math.floor(size / TILE_WIDTH), width: size % TILE_WIDTH });
    for (const c of candidates) {
      try {
        const [tile, bundle] = await Promise.all([
          this.opts.source.tile(0, c.index, c.width),
          this.opts.source.bundle(c.index, c.width),
        ]);
        const entries = decodeBundle(bundle, c.width);
        for (let j = 0; j < c.width; j++) {
          const h = hasher.leafHash(entries[j]!);
          const index = c.index * TILE_WIDTH + j;
          if (!h.every((b, k) => b === tile[j * 32 + k])) {
            return {
              kind: "log",
              rule: "tile-mismatch",
              index,
              message: `${message}; hash ${j} of tile 0/${c.index} is not the hash of entry ${index}`,
            };
          }
        }
      } catch {
        // The bundle cannot tell which hash is wrong: fall back to the tile's first entry.
      }
    }
    const first = t.index * TILE_WIDTH ** (t.level + 1);
    return { kind: "log", rule: "tile-mismatch", index: first, message: `${message} (entries from ${first})` };
  }

  /**
   * Verifies entries [from, to) against the tiles of the tree of `size` (bundles fetched one
   * chunk ahead), and replays them: checked ("audit") or trusted ("replay"). Returns how many.
   */
  private async walk(
    from: number,
    to: number,
    size: number,
    reader: TileHashReader,
    phase: "replay" | "audit",
    findings: Finding[],
  ): Promise<number> {
    if (from >= to) return 0;
    const check = phase === "audit" && this.opts.rules !== false;
    const decode = this.opts.rules !== false;
    const total = to - from;
    // Chunks fetched and verified ahead of the one being replayed, so the server, the hashing
    // and the signature workers stay busy while the rules run.
    const ahead: Promise<Chunk>[] = [];
    let fetchedTo = from;
    const fill = () => {
      while (ahead.length < PREFETCH && fetchedTo < to) {
        const end = Math.min(to, fetchedTo + CHUNK - (fetchedTo % CHUNK));
        const p =
          check && this.opts.checkPool
            ? this.fetchChecked(fetchedTo, end, size, reader, this.opts.checkPool)
            : this.fetchChunk(fetchedTo, end, size, reader, check, decode);
        p.catch(() => undefined); // observed when its turn comes
        ahead.push(p);
        fetchedTo = end;
      }
    };
    let done = 0;
    fill();
    while (ahead.length > 0) {
      const chunk: Chunk = await ahead.shift()!;
      fill();
      if (chunk.checked) {
        let index = chunk.start;
        for (const batch of chunk.checked) {
          for (let j = 0; j < batch.entries.length; j++, index++) {
            const v = batch.verdict(j);
            const fs = this.replayer.check(index, batch.decoded(j), v === SIG_UNCHECKED ? undefined : v === SIG_VALID);
            for (const f of fs) if (findings.length < (this.opts.maxFindings ?? 1000)) findings.push(f);
          }
        }
      } else if (decode) {
        const sigs = await chunk.signatures;
        for (let i = 0; i < chunk.entries.length; i++) {
          const index = chunk.start + i;
          const e = chunk.decoded![i]!;
          if (check) {
            const fs = this.replayer.check(index, e, sigs![i]!);
            for (const f of fs) if (findings.length < (this.opts.maxFindings ?? 1000)) findings.push(f);
          } else {
            this.replayer.applyTrusted(index, e, this.refused.has(index));
          }
        }
      }
      done += chunk.entries.length;
      this.opts.onProgress?.({ phase, done, total });
    }
    return total;
  }

  /**
   * Level-0 tile `index` of `width` hashes, verified against the checkpoint. A full tile is
   * fetched and hashed up here (255 node hashes) and its root compared with the hash the
   * verifying reader gives for it (from the level-1 tile, verified up to the checkpoint), which
   * costs one tile read instead of 256 hash lookups; the partial tile of the right edge comes
   * from the reader itself (checked with the whole edge against the root).
   */
  private async levelZeroTile(index: number, width: number, reader: TileHashReader): Promise<Uint8Array> {
    if (width < TILE_WIDTH) {
      const ids: SubtreeId[] = [];
      for (let j = 0; j < width; j++) ids.push({ level: 0, index: index * TILE_WIDTH + j });
      return concatBytes(...(await reader.readHashes(ids)));
    }
    const coord = { level: 0, index, width };
    const [data, [root]] = await Promise.all([
      fetchTile(this.opts.source.tile, coord),
      reader.readHashes([{ level: TILE_HEIGHT, index }]),
    ]);
    if (!bytesEqual(tileRoot(data), root!)) {
      throw new TileVerificationError(coord, "does not hash to its entry in the parent tile");
    }
    return data;
  }

  /** Fetches, verifies and (optionally) decodes entries [start, end), and starts their signature checks. */
  private async fetchChunk(
    start: number,
    end: number,
    size: number,
    reader: TileHashReader,
    check: boolean,
    decode: boolean,
  ): Promise<Chunk> {
    const firstBundle = Math.floor(start / TILE_WIDTH);
    const lastBundle = Math.floor((end - 1) / TILE_WIDTH);
    const widthOf = (b: number) => Math.min(TILE_WIDTH, size - b * TILE_WIDTH);
    const bundles: Promise<Uint8Array>[] = [];
    const tiles: Promise<Uint8Array>[] = [];
    for (let b = firstBundle; b <= lastBundle; b++) {
      bundles.push(this.guard(() => this.opts.source.bundle(b, widthOf(b)), size));
      tiles.push(this.guard(() => this.levelZeroTile(b, widthOf(b), reader), size));
    }
    for (const p of [...bundles, ...tiles]) p.catch(() => undefined);
    const entries: Uint8Array[] = [];
    for (let b = firstBundle; b <= lastBundle; b++) {
      const width = widthOf(b);
      const tile = await tiles[b - firstBundle]!;
      let all: Uint8Array[];
      try {
        all = decodeBundle(await bundles[b - firstBundle]!, width);
      } catch (e) {
        if (e instanceof Fatal) throw e;
        throw new Fatal({
          kind: "log",
          rule: "bundle-malformed",
          index: b * TILE_WIDTH,
          message: `entry bundle ${b}: ${e instanceof Error ? e.message : String(e)}`,
        });
      }
      const lo = Math.max(start, b * TILE_WIDTH);
      const hi = Math.min(end, b * TILE_WIDTH + width);
      for (let i = lo; i < hi; i++) {
        const j = i - b * TILE_WIDTH;
        const entry = all[j]!;
        const got = hasher.leafHash(entry);
        for (let k = 0; k < HASH_SIZE; k++) {
          if (got[k] !== tile[j * HASH_SIZE + k]) {
            throw new Fatal({
              kind: "log",
              rule: "entry-mismatch",
              index: i,
              message: `the bytes served for entry ${i} do not hash to its leaf hash in the tiles the checkpoint vouches for`,
            });
          }
        }
        entries.push(entry);
      }
    }
    if (!decode) return { start, entries };
    const decoded = entries.map((e) => decodeLogEntry(e));
    if (!check) return { start, entries, decoded };
    // Keys named in this chunk must be known before its signatures are checked ahead.
    for (const d of decoded) if (!isViolation(d)) this.replayer.learnKeys(d);
    const verify = this.opts.verifyAsync ?? ((pk, m, s) => Promise.resolve(this.opts.domain.verify(pk, m, s)));
    const signatures = Promise.all(
      decoded.map((d) => {
        if (isViolation(d) || isCommitment(d)) return false;
        const pk = this.replayer.publicKeyOf(d);
        return pk ? verify(pk, statementSigningInput(d.statementBytes), d.signature) : false;
      }),
    );
    return { start, entries, decoded, signatures };
  }

  /**
   * fetchChunk with a CheckPool: each bundle is sent to the workers as soon as it arrives, which
   * hash, decode and verify it; the leaf hashes they computed are then compared with the
   * verified tiles here, bundle by bundle in log order, so the same failure is reported first.
   */
  private async fetchChecked(
    start: number,
    end: number,
    size: number,
    reader: TileHashReader,
    pool: CheckPool,
  ): Promise<Chunk> {
    const firstBundle = Math.floor(start / TILE_WIDTH);
    const lastBundle = Math.floor((end - 1) / TILE_WIDTH);
    const widthOf = (b: number) => Math.min(TILE_WIDTH, size - b * TILE_WIDTH);
    const steps: { tile: Promise<Uint8Array>; checked: Promise<EntryResults> }[] = [];
    for (let b = firstBundle; b <= lastBundle; b++) {
      const width = widthOf(b);
      const lo = Math.max(start, b * TILE_WIDTH) - b * TILE_WIDTH;
      const hi = Math.min(end, b * TILE_WIDTH + width) - b * TILE_WIDTH;
      const checked = this.guard(() => this.opts.source.bundle(b, width), size).then((bytes) => {
        let all: Uint8Array[];
        try {
          all = decodeBundle(bytes, width);
        } catch (e) {
          throw new Fatal({
            kind: "log",
            rule: "bundle-malformed",
            index: b * TILE_WIDTH,
            message: `entry bundle ${b}: ${e instanceof Error ? e.message : String(e)}`,
          });
        }
        return pool.check(all.slice(lo, hi));
      });
      const tile = this.guard(() => this.levelZeroTile(b, width, reader), size);
      for (const p of [checked, tile]) p.catch(() => undefined);
      steps.push({ tile, checked });
    }
    const entries: Uint8Array[] = [];
    const checked: EntryResults[] = [];
    for (const [k, step] of steps.entries()) {
      const b = firstBundle + k;
      const tile = await step.tile;
      const r = await step.checked;
      for (let j = 0; j < r.entries.length; j++) {
        const i = Math.max(start, b * TILE_WIDTH) + j;
        const got = r.leafHash(j);
        const at = (i - b * TILE_WIDTH) * HASH_SIZE;
        for (let x = 0; x < HASH_SIZE; x++) {
          if (got[x] !== tile[at + x]) {
            throw new Fatal({
              kind: "log",
              rule: "entry-mismatch",
              index: i,
              message: `the bytes served for entry ${i} do not hash to its leaf hash in the tiles the checkpoint vouches for`,
            });
          }
        }
        entries.push(r.entries[j]!);
      }
      checked.push(r);
    }
    return { start, entries, checked };
  }

  /** Step 5: a sample of labels, each asked of the operator and compared. */
  private async compareOperator(size: number, findings: Finding[]): Promise<{ compared: number; note: string }> {
    const ids = [...this.replayer.state.labels.keys()];
    const want = Math.min(ids.length, this.opts.sample ?? 100);
    // A partial Fisher-Yates shuffle: an operator cannot tell which labels will be asked.
    for (let i = 0; i < want; i++) {
      const j = i + Math.floor(Math.random() * (ids.length - i));
      [ids[i], ids[j]] = [ids[j]!, ids[i]!];
    }
    let compared = 0;
    for (const id of ids.slice(0, want)) {
      let answer;
      try {
        answer = await this.opts.operator!(id);
      } catch (e) {
        return {
          compared,
          note: `the operator's read API failed after ${compared} labels: ${e instanceof Error ? e.message : String(e)}`,
        };
      }
      for (const f of compareLabel(this.replayer.state.labels.get(id)!, size, answer))
        if (findings.length < (this.opts.maxFindings ?? 1000)) findings.push(f);
      compared++;
    }
    return { compared, note: `${compared} of ${ids.length} labels compared` };
  }
}

/** The root of a full tile's 256 hashes: 255 node hashes over views, no copies of the leaves. */
function tileRoot(data: Uint8Array): Uint8Array {
  let level: Uint8Array[] = [];
  for (let j = 0; j < TILE_WIDTH; j += 2) {
    level.push(
      hasher.nodeHash(
        data.subarray(j * HASH_SIZE, (j + 1) * HASH_SIZE),
        data.subarray((j + 1) * HASH_SIZE, (j + 2) * HASH_SIZE),
      ),
    );
  }
  while (level.length > 1) {
    const up: Uint8Array[] = [];
    for (let j = 0; j < level.length; j += 2) up.push(hasher.nodeHash(level[j]!, level[j + 1]!));
    level = up;
  }
  return level[0]!;
}
