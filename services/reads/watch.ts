// WatchLabels: the log is the feed. Entries are read in order from `from_index`, label events
// that pass the filter are sent, and after each run a progress message says how far the feed has
// looked, so a client that resumes from the last `next_index` it saw gets no gap and no
// duplicate, across reconnects and server restarts alike.
import {
  LabelEventKind,
  type WatchLabelsRequest,
  type WatchLabelsResponse,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { decodeLogEntry, isCommitment } from "../domain/decode.js";
import { keyIdHex } from "../domain/signing.js";
import type { LabelEventKind as DomainKind } from "../domain/state.js";
import { CATEGORY_ID, checkId, ISSUER_ID, LABEL_ID, labelIssuerId, REGISTRATION_CODE } from "../domain/syntax.js";
import { isViolation } from "../domain/violation.js";
import { RegistryError } from "../sequencer/errors.js";
import type { LogView } from "../readmodel/log-view.js";
import { EVENT_KIND } from "./convert.js";
import { MAX_WATCH_FILTER_IDS, MAX_WATCH_LABEL_IDS, WATCH_CHUNK } from "./limits.js";
import type { Reads } from "./reads.js";

interface Filter {
  readonly labels: ReadonlySet<string> | undefined;
  readonly issuers: ReadonlySet<string> | undefined;
  readonly categories: ReadonlySet<string> | undefined;
  readonly manufacturers: ReadonlySet<string> | undefined;
  readonly kinds: ReadonlySet<LabelEventKind> | undefined;
}

function idSet(field: string, ids: readonly string[], syntax: RegExp, max: number): ReadonlySet<string> | undefined {
  if (ids.length > max)
    throw new RegistryError(
      "INVALID_ARGUMENT",
      "too-many-filter-ids",
      `${field}: at most ${max} ids (got ${ids.length})`,
    );
  for (const id of ids) {
    const v = checkId(field, id, syntax);
    if (v) throw RegistryError.fromViolation(v);
  }
  return ids.length > 0 ? new Set(ids) : undefined;
}

/** Validates a watch request's filters and start; throws INVALID_ARGUMENT naming the limit or field. */
export function watchFilter(req: WatchLabelsRequest): Filter {
  const kinds = req.eventKinds;
  if (kinds.length > 7 * 2)
    throw new RegistryError(
      "INVALID_ARGUMENT",
      "too-many-filter-ids",
      `event_kinds: at most 14 values (got ${kinds.length})`,
    );
  for (const k of kinds) {
    if (!(k >= LabelEventKind.LABEL_EVENT_KIND_ISSUED && k <= LabelEventKind.LABEL_EVENT_KIND_REVOKED)) {
      throw new RegistryError(
        "INVALID_ARGUMENT",
        "bad-event-kind",
        `event_kinds: ${k} is not a label event kind (1..7)`,
      );
    }
  }
  return {
    labels: idSet("label_ids", req.labelIds, LABEL_ID, MAX_WATCH_LABEL_IDS),
    issuers: idSet("issuer_ids", req.issuerIds, ISSUER_ID, MAX_WATCH_FILTER_IDS),
    categories: idSet("category_ids", req.categoryIds, CATEGORY_ID, MAX_WATCH_FILTER_IDS),
    manufacturers: idSet("manufacturer_codes", req.manufacturerCodes, REGISTRATION_CODE, MAX_WATCH_FILTER_IDS),
    kinds: kinds.length > 0 ? new Set(kinds) : undefined,
  };
}

/** Resolves once the view's size exceeds `size`, or when `signal` aborts. */
function advancePast(view: LogView, size: number, signal: AbortSignal): Promise<void> {
  if (view.size > size || signal.aborted) return Promise.resolve();
  return new Promise((res) => {
    const done = () => {
      off();
      signal.removeEventListener("abort", done);
      res();
    };
    const off = view.onAdvance((n) => {
      if (n > size) done();
    });
    signal.addEventListener("abort", done);
  });
}

/**
 * The feed from `req.fromIndex`, until `signal` aborts. Throws INVALID_ARGUMENT for bad filters
 * and for a start beyond the log (rule from-index-beyond-log): that log is not this one.
 */
export async function* watchLabels(
  reads: Reads,
  req: WatchLabelsRequest,
  signal: AbortSignal,
): AsyncGenerator<WatchLabelsResponse> {
  const filter = watchFilter(req);
  const view = reads.view;
  const first = reads.snapshot();
  if (req.fromIndex > BigInt(first.size)) {
    throw new RegistryError(
      "INVALID_ARGUMENT",
      "from-index-beyond-log",
      `from_index ${req.fromIndex} is beyond the log's size ${first.size}`,
    );
  }
  let next = Number(req.fromIndex);
  while (!signal.aborted) {
    const snap = reads.snapshot();
    while (next < snap.size && !signal.aborted) {
      const end = Math.min(snap.size, next + WATCH_CHUNK);
      const entries = await view.store.readEntries(next, end);
      const decoded = entries.map((bytes, i) => {
        const d = decodeLogEntry(bytes);
        if (isViolation(d)) throw new Error(`store: entry ${next + i} does not decode: ${d.message}`);
        return d;
      });
      // A label's category and manufacturer never change after issuance: any record of it, as
      // read now, gives the event's.
      const ids = new Set<string>();
      for (const d of decoded)
        if (!isCommitment(d) && d.statement.kind?.$case.startsWith("label")) ids.add(d.statement.labelId);
      const found = await view.records().labels([...ids]);
      const labels = new Map([...ids].map((id, k) => [id, found[k]]));
      for (let i = 0; i < entries.length; i++) {
        const index = next + i;
        const d = decoded[i]!;
        if (isCommitment(d)) continue;
        const s = d.statement;
        const c = s.kind?.$case;
        if (!c?.startsWith("label")) continue;
        const kind = EVENT_KIND[c as DomainKind];
        const issuerId = labelIssuerId(s.labelId) ?? "";
        const label = labels.get(s.labelId);
        const categoryId = label?.categoryId ?? "";
        const manufacturerCode = label?.manufacturer.registrationCode ?? "";
        if (filter.labels && !filter.labels.has(s.labelId)) continue;
        if (filter.issuers && !filter.issuers.has(issuerId)) continue;
        if (filter.categories && !filter.categories.has(categoryId)) continue;
        if (filter.manufacturers && !filter.manufacturers.has(manufacturerCode)) continue;
        if (filter.kinds && !filter.kinds.has(kind)) continue;
        yield {
          nextIndex: BigInt(index + 1),
          message: {
            $case: "event",
            value: {
              index: BigInt(index),
              labelId: s.labelId,
              kind,
              issuerId,
              categoryId,
              sequencedAtUnix: d.sequencedAtUnix,
              byAuthority: view.state.authorityKeyIdHex === keyIdHex(d.keyId),
              entry: entries[i]!,
              manufacturerCode,
            },
          },
        };
      }
      next = end;
    }
    if (signal.aborted) break;
    yield { nextIndex: BigInt(next), message: { $case: "progress", value: { checkpoint: snap.checkpoint } } };
    await advancePast(view, next, signal);
  }
}
