// The registry's public reads, independent of any transport: the gRPC VerificationService and the
// HTTP gateway's JSON API call these same functions. Every answer is as of one pinned snapshot
// and names its checkpoint. Refusals are RegistryErrors (NOT_FOUND, INVALID_ARGUMENT naming the
// limit); the adapters map them to their statuses.
import {
  LabelStatus,
  type Category,
  type GetIssuerResponse,
  type GetLabelResponse,
  type IssuerState,
  LabelBundle,
  type ListCatalogueResponse,
  type ListIssuersResponse,
  type LookupProductResponse,
  type ProvenEntry,
  type SearchLabelsRequest,
  type SearchLabelsResponse,
  type GetStatsResponse,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import type { DomainConfig } from "../domain/config.js";
import { decodeLogEntry, onlyStatement } from "../domain/decode.js";
import { proveMapKey, proveMapKeys, withMapAbsence } from "./map-proof.js";
import { MAX_MODEL_BYTES } from "../domain/limits.js";
import { productKey, type IssuerRecord, type LabelRecord } from "../domain/state.js";
import { checkId, checkText, ISSUER_ID, LABEL_ID, REGISTRATION_CODE } from "../domain/syntax.js";
import { isViolation } from "../domain/violation.js";
import { RegistryError } from "../sequencer/errors.js";
import type { LogView } from "../readmodel/log-view.js";
import { replayEntries } from "../verify/replay.js";
import { toIssuerState, toLabelState } from "./convert.js";
import { ProvenEntries } from "./entries.js";
import { pinSnapshot, witnessedSnapshotFor, type Snapshot } from "./snapshot.js";
import { StateSizeError } from "../store/state-fetch.js";
import { normalizeQuery, pageOffset, pageSize, searchLabels } from "./search.js";

/** Reads tried while the store and the view's state are at different sizes, and the wait between. */
const STATE_READ_ATTEMPTS = 3;
const STATE_WAIT_MS = 1000;

export interface ReadsOptions {
  /** The clock that label statuses (expiry) are evaluated at, Unix seconds. */
  readonly now?: () => bigint;
}

export class Reads {
  readonly entries: ProvenEntries;
  private readonly now: () => bigint;
  /** Rules for replays of committed entries: the sequencer already checked their signatures. */
  private readonly trusting: DomainConfig;

  constructor(
    readonly view: LogView,
    domain: DomainConfig,
    opts: ReadsOptions = {},
  ) {
    this.entries = new ProvenEntries(view);
    this.now = opts.now ?? (() => BigInt(Math.floor(Date.now() / 1000)));
    this.trusting = { ...domain, verify: () => true };
  }

  snapshot(): Snapshot {
    return pinSnapshot(this.view);
  }

  /**
   * A label's state and bundle as of `snap`; by default as of the newest witnessed checkpoint
   * that holds all of it (witnessedSnapshotFor), else the latest. NOT_FOUND for an unknown label
   * (with its proof of absence), INVALID_ARGUMENT for a malformed id. */
  async getLabel(labelId: string, at?: Snapshot): Promise<GetLabelResponse> {
    const v = checkId("label_id", labelId, LABEL_ID);
    if (v) throw RegistryError.fromViolation(v);
    // Pinned before the record is read: records are as of the view's size when read, or later.
    const latest = at ?? this.snapshot();
    const [read] = await this.view.records().labels([labelId]);
    const snap = at ?? publicSnapshot(this.view, latest, read);
    let found;
    try {
      found = this.labelAt(labelId, snap, read);
    } catch (e) {
      if (e instanceof RegistryError && e.rule === "label-not-found") throw await this.absent(labelId, snap, e);
      throw e;
    }
    const { record, indices } = found;
    return this.labelAnswer(labelId, snap, record, indices, await this.entries.read(snap, indices));
  }

  /**
   * getLabel for each of `labelIds` at `snap`, in order, each settled on its own (a refusal is
   * that id's `error`); a store failure rejects the whole. All their entries are read and proven
   * together: subtrees that several proofs need are read once.
   */
  async getLabels(
    labelIds: readonly string[],
    snap: Snapshot,
  ): Promise<({ ok: GetLabelResponse } | { error: unknown; absence?: LabelBundle })[]> {
    const wellFormed = labelIds.filter((id) => !checkId("label_id", id, LABEL_ID));
    const fetched = await this.view.records().labels(wellFormed);
    const records = new Map(wellFormed.map((id, k) => [id, fetched[k]]));
    const found = labelIds.map((id) => {
      try {
        return this.labelAt(id, snap, records.get(id));
      } catch (error) {
        return { error };
      }
    });
    const all: number[] = [];
    for (const f of found) if (!("error" in f)) all.push(...f.indices);
    const entries = await this.entries.read(snap, all);
    const absences = await this.absenceBundles(
      labelIds.filter((_, k) => isLabelNotFound(found[k]!)),
      snap,
    );
    let at = 0;
    let absent = 0;
    return Promise.all(
      found.map((f, k) => {
        if ("error" in f) {
          if (!isLabelNotFound(f)) return f;
          const absence = absences[absent++];
          return absence ? { error: f.error, absence } : f;
        }
        const mine = entries.slice(at, (at += f.indices.length));
        return this.labelAnswer(labelIds[k]!, snap, f.record, f.indices, mine).then(
          (ok) => ({ ok }),
          (error: unknown) => ({ error }),
        );
      }),
    );
  }

  /**
   * The NOT_FOUND for an unknown label, with its proof of absence when the snapshot's checkpoint
   * ends with a map commitment (an unknown id is valid syntax, so any id may be asked about).
   */
  private async absent(labelId: string, snap: Snapshot, e: RegistryError): Promise<RegistryError> {
    const [bundle] = await this.absenceBundles([labelId], snap);
    if (!bundle) return e;
    return new RegistryError(e.code, e.rule, e.message, { absence: LabelBundle.encode(bundle).finish() });
  }

  /** Absence bundles for unknown `labelIds`, proven together; none without a map commitment. */
  private async absenceBundles(labelIds: readonly string[], snap: Snapshot): Promise<(LabelBundle | undefined)[]> {
    if (labelIds.length === 0) return [];
    const things = labelIds.map((id) => ({ kind: "label" as const, id }));
    const { commitment, mapProofs } = await proveMapKeys(this.view, this.entries, snap, things);
    return labelIds.map((labelId, k) =>
      commitment
        ? {
            labelId,
            checkpoint: snap.checkpoint,
            entries: [],
            contextEntries: [],
            contextIndices: [],
            commitment,
            mapProof: mapProofs[k]!,
          }
        : undefined,
    );
  }

  /**
   * The label's record (as read: at `snap` or later) and the indices of its entries at `snap`,
   * or the refusal getLabel gives.
   */
  private labelAt(
    labelId: string,
    snap: Snapshot,
    record: LabelRecord | undefined,
  ): { record: LabelRecord; indices: number[] } {
    const v = checkId("label_id", labelId, LABEL_ID);
    if (v) throw RegistryError.fromViolation(v);
    if (!record || record.history[0]!.index >= snap.size) throw notFound("label", labelId);
    return { record, indices: record.history.filter((h) => h.index < snap.size).map((h) => h.index) };
  }

  /** The answer for a label whose own entries (at `indices`) are proven as `entries`. */
  private async labelAnswer(
    labelId: string,
    snap: Snapshot,
    record: LabelRecord,
    indices: readonly number[],
    entries: ProvenEntry[],
  ): Promise<GetLabelResponse> {
    const contextEntries = await this.labelContext(snap, record);
    const { commitment, mapProof } = await proveMapKey(this.view, this.entries, snap, "label", labelId);
    const bundle: LabelBundle = {
      labelId,
      checkpoint: snap.checkpoint,
      entries,
      contextEntries: [...contextEntries],
      contextIndices: [],
      commitment,
      mapProof,
    };
    if (indices.length === record.history.length) return { label: toLabelState(record, this.now()), bundle };
    // The projections already hold entries beyond the snapshot: derive the label from its entries.
    const replayed = this.replay([...entries, ...contextEntries]);
    return { label: toLabelState(replayed.state.labels.get(labelId)!, this.now(), replayed.logIndex), bundle };
  }

  /** The entries a label's entries rely on: its issuer's entries and the catalogue entries they name. */
  labelContext(snap: Snapshot, record: LabelRecord): Promise<readonly ProvenEntry[]> {
    return this.issuerContext(snap, record.issuerId, record.categoryId);
  }

  private issuerContext(snap: Snapshot, issuerId: string, categoryId: string): Promise<readonly ProvenEntry[]> {
    return this.entries.context(snap, `${issuerId}\n${categoryId}`, async () => {
      const state = this.view.state;
      const issuer = state.issuers.get(issuerId);
      const own = issuer ? issuer.history.filter((h) => h.index < snap.size).map((h) => h.index) : [];
      const issuerEntries = await this.entries.read(snap, own, true);
      const categories = new Set(categoryId ? [categoryId] : []);
      for (const p of issuerEntries) {
        const d = onlyStatement(decodeLogEntry(p.entry));
        if (!isViolation(d) && d.statement.kind?.$case === "issuerAccredited")
          for (const s of d.statement.kind.value.scope) categories.add(s.categoryId);
      }
      const catIndices: number[] = [];
      for (const c of categories) {
        const rec = state.categories.get(c);
        if (rec && rec.index < snap.size) catIndices.push(rec.index);
      }
      const catEntries = await this.entries.read(snap, catIndices, true);
      return [...issuerEntries, ...catEntries].sort((a, b) => Number(a.index - b.index));
    });
  }

  private replay(entries: readonly ProvenEntry[]) {
    const indexed = [...entries]
      .sort((a, b) => Number(a.index - b.index))
      .map((p) => {
        const d = onlyStatement(decodeLogEntry(p.entry));
        if (isViolation(d)) throw new Error(`store: entry ${p.index} does not decode: ${d.message}`);
        return { index: Number(p.index), decoded: d };
      });
    const r = replayEntries(indexed, this.trusting);
    if ("code" in r) throw new Error(`store: committed entries do not replay: ${r.message}`);
    return r;
  }

  /** The labels of a product, oldest first, and its live label. NOT_FOUND if it has none. */
  async lookupProduct(registrationCode: string, productModel: string): Promise<LookupProductResponse> {
    const v =
      checkId("registration_code", registrationCode, REGISTRATION_CODE) ??
      checkText("product_model", productModel, 1, MAX_MODEL_BYTES);
    if (v) throw RegistryError.fromViolation(v);
    const snap = this.snapshot();
    const key = productKey(registrationCode, productModel);
    const records = this.view.records();
    const [product] = await records.products([key]);
    const ids = product?.labelIds ?? [];
    const found = await records.labels(ids);
    const labels = [];
    for (const r of found) {
      if (!r || r.history[0]!.index >= snap.size) continue;
      labels.push(
        r.history.every((h) => h.index < snap.size)
          ? toLabelState(r, this.now())
          : (await this.getLabel(r.labelId, snap)).label!,
      );
    }
    if (labels.length === 0) {
      const e = new RegistryError(
        "NOT_FOUND",
        "product-not-found",
        `no label was ever issued for product ${registrationCode} / ${productModel}`,
      );
      throw await withMapAbsence(this.view, this.entries, snap, "product", key, e);
    }
    const live = [...labels].reverse().find((l) => l.status !== LabelStatus.LABEL_STATUS_REVOKED);
    const { commitment, mapProofs } = await proveMapKeys(this.view, this.entries, snap, [
      { kind: "product", id: key },
      ...labels.map((l) => ({ kind: "label" as const, id: l.labelId })),
    ]);
    return {
      labels,
      liveLabelId: live?.labelId ?? "",
      checkpoint: snap.checkpoint,
      commitment,
      mapProof: mapProofs[0] ?? new Uint8Array(0),
      labelMapProofs: mapProofs.slice(1),
    };
  }

  /** An issuer's state, keys and history, with its entries (and its scope's catalogue entries) proven. */
  async getIssuer(issuerId: string): Promise<GetIssuerResponse> {
    const v = checkId("issuer_id", issuerId, ISSUER_ID);
    if (v) throw RegistryError.fromViolation(v);
    const snap = this.snapshot();
    const record = this.view.state.issuers.get(issuerId);
    if (!record || record.history[0]!.index >= snap.size)
      throw await withMapAbsence(this.view, this.entries, snap, "issuer", issuerId, notFound("issuer", issuerId));
    const entries = await this.issuerContext(snap, issuerId, "");
    const { commitment, mapProof } = await proveMapKey(this.view, this.entries, snap, "issuer", issuerId);
    return {
      issuer: await this.issuerAsOf(snap, record, entries),
      entries: [...entries],
      checkpoint: snap.checkpoint,
      commitment,
      mapProof,
    };
  }

  private async issuerAsOf(
    snap: Snapshot,
    record: IssuerRecord,
    entries?: readonly ProvenEntry[],
  ): Promise<IssuerState> {
    if (record.history.every((h) => h.index < snap.size)) {
      const keys = [...this.view.state.keys.values()]
        .filter((k) => k.issuerId === record.issuerId)
        .sort((a, b) => a.fromIndex - b.fromIndex);
      return toIssuerState(record, keys);
    }
    const replayed = this.replay(entries ?? (await this.issuerContext(snap, record.issuerId, "")));
    const keys = [...replayed.state.keys.values()].sort((a, b) => a.fromIndex - b.fromIndex);
    return toIssuerState(replayed.state.issuers.get(record.issuerId)!, keys, replayed.logIndex);
  }

  /** Every issuer that exists at the snapshot, by issuer id. */
  async listIssuers(): Promise<ListIssuersResponse> {
    const snap = this.snapshot();
    const records = [...this.view.state.issuers.values()]
      .filter((r) => r.history[0]!.index < snap.size)
      .sort((a, b) => (a.issuerId < b.issuerId ? -1 : 1));
    const issuers = [];
    for (const r of records) issuers.push(await this.issuerAsOf(snap, r));
    return { issuers, checkpoint: snap.checkpoint };
  }

  /** The catalogue at the snapshot, in log order. */
  listCatalogue(): ListCatalogueResponse {
    const snap = this.snapshot();
    const categories: Category[] = [...this.view.state.categories.values()]
      .filter((c) => c.index < snap.size)
      .sort((a, b) => a.index - b.index)
      .map((c) => ({
        categoryId: c.categoryId,
        name: c.name,
        description: c.description,
        index: BigInt(c.index),
        nameEn: c.nameEn,
        nameZh: c.nameZh,
      }));
    return { categories, checkpoint: snap.checkpoint };
  }

  /** One page of the labels a person's query finds (services/reads/search.ts). */
  async searchLabels(req: SearchLabelsRequest): Promise<SearchLabelsResponse> {
    const query = normalizeQuery(req.query);
    const size = pageSize(req.pageSize);
    const from = pageOffset(req.pageToken);
    const snap = this.snapshot();
    const { hits, truncated } = await this.inStep(() =>
      searchLabels(this.view.records(), this.view.search, query, snap.size, this.now()),
    );
    const to = from + size;
    return {
      hits: hits.slice(from, to),
      nextPageToken: to < hits.length ? `p${to}` : "",
      total: hits.length,
      truncated,
      checkpoint: snap.checkpoint,
    };
  }

  /**
   * `read`, again after the view's next advance while the store's tables are at another size
   * than the view's state (StateSizeError): a commit the view has not applied yet, which it
   * soon will (this process's sequencer) or catches up with (a replica).
   */
  private async inStep<T>(read: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await read();
      } catch (e) {
        if (!(e instanceof StateSizeError)) throw e;
        if (attempt >= STATE_READ_ATTEMPTS)
          throw new RegistryError(
            "UNAVAILABLE",
            "store-unavailable",
            `the registry's state is catching up with the store (${e.message}); retry`,
            { cause: e },
          );
        await this.view.advancedPast(this.view.size, STATE_WAIT_MS);
      }
    }
  }

  /** The statistics as of the latest checkpoint (services/stats/). */
  async getStats(): Promise<GetStatsResponse> {
    const view = this.view;
    const stats = await view.currentStats();
    // Taken together, with no await between: the statistics are as of this checkpoint.
    return { stats: stats.snapshot(view.state, view.checkpoint), checkpoint: view.checkpoint };
  }
}

function isLabelNotFound(f: object): f is { error: RegistryError } {
  return "error" in f && f.error instanceof RegistryError && f.error.rule === "label-not-found";
}

function notFound(what: "label" | "issuer", id: string): RegistryError {
  return new RegistryError("NOT_FOUND", `${what}-not-found`, `${what} ${id} is not in the log`);
}

/**
 * The snapshot a public read about `record` answers from: the newest witnessed checkpoint that
 * holds all of it (witnessedSnapshotFor), if it is no later than `latest` (pinned before the
 * record was read, so the record is as of it or later); else `latest`.
 */
function publicSnapshot(view: LogView, latest: Snapshot, record: LabelRecord | undefined): Snapshot {
  const w = witnessedSnapshotFor(view, record?.history);
  return w && w.size <= latest.size ? w : latest;
}
