// From the registry's projected label (LabelRecord) to the page's view model (LabelView). The
// record's history says which entries concern the label; the tier and reason each event set are
// read from those entries themselves, so the page shows what the log says, word for word.

import { toHex } from "../../log/bytes.js";
import { decodeStatementEntry } from "../../services/domain/decode.js";
import {
  labelStatusAt,
  type LabelEventKind as DomainEventKind,
  type LabelRecord,
  type LabelStatus as DomainStatus,
  type RegistryState,
} from "../../services/domain/state.js";
import { isViolation } from "../../services/domain/violation.js";
import type { Evidence } from "../../proto/gen/messages/labelreg/v1/statement.js";
import type { LabelEventKind, LabelHistoryEntry, LabelStatus, LabelView, Tier } from "../page/label-view.js";

const EVENT: Record<DomainEventKind, LabelEventKind> = {
  labelIssued: "issued",
  labelUpgraded: "upgraded",
  labelDowngraded: "downgraded",
  labelRenewed: "renewed",
  labelSuspended: "suspended",
  labelReinstated: "reinstated",
  labelRevoked: "revoked",
};

/**
 * NOT_YET_VALID has no page status of its own: the page shows the label as active and its
 * validity period, which starts later. (The sequencer admits a start only within the clock skew.)
 */
const STATUS: Readonly<Record<DomainStatus, LabelStatus>> = {
  ACTIVE: "active",
  SUSPENDED: "suspended",
  REVOKED: "revoked",
  EXPIRED: "expired",
  NOT_YET_VALID: "active",
};

/** The status the page (and the printed label) shows for a record at a time. */
export function pageStatusAt(record: LabelRecord, nowUnix: bigint): LabelStatus {
  return STATUS[labelStatusAt(record, nowUnix)];
}

/** Reads entries [start, end) of the log (LogStore.readEntries). */
export type EntryReader = (start: number, end: number) => Promise<Uint8Array[]>;

/** A log entry named in a label's history does not decode as a statement about that label. */
export class LabelHistoryError extends Error {
  constructor(labelId: string, index: number, why: string) {
    super(`label ${labelId}: log entry ${index} ${why}`);
    this.name = "LabelHistoryError";
  }
}

const asTier = (n: number): Tier | undefined => (n === 1 || n === 2 || n === 3 ? n : undefined);
const dateOf = (unix: bigint): Date => new Date(Number(unix) * 1000);
const digest = (e: Evidence | undefined): string => (e && e.sha256.length > 0 ? `sha256:${toHex(e.sha256)}` : "");

async function historyOf(record: LabelRecord, read: EntryReader): Promise<LabelHistoryEntry[]> {
  return Promise.all(
    record.history.map(async (h): Promise<LabelHistoryEntry> => {
      const [bytes] = await read(h.index, h.index + 1);
      const e = bytes && decodeStatementEntry(bytes);
      if (!e || isViolation(e)) throw new LabelHistoryError(record.labelId, h.index, "does not decode");
      const s = e.statement;
      if (s.labelId !== record.labelId || s.kind?.$case !== h.kind)
        throw new LabelHistoryError(record.labelId, h.index, `is not the ${h.kind} the projection names`);
      const k = s.kind;
      const tier =
        k.$case === "labelIssued" || k.$case === "labelUpgraded" || k.$case === "labelDowngraded"
          ? asTier(k.value.tier)
          : undefined;
      const reason =
        k.$case === "labelDowngraded" ||
        k.$case === "labelSuspended" ||
        k.$case === "labelReinstated" ||
        k.$case === "labelRevoked"
          ? k.value.reason?.text
          : undefined;
      return {
        logIndex: h.index,
        kind: EVENT[h.kind],
        time: dateOf(h.sequencedAtUnix),
        ...(tier === undefined ? {} : { tier }),
        ...(reason ? { reason } : {}),
      };
    }),
  );
}

/**
 * Maps label history to view entries, reading each event's entry once per record: records are
 * immutable and replaced on every change, so a record is its own cache key.
 */
export class LabelViews {
  private readonly histories = new WeakMap<LabelRecord, Promise<LabelHistoryEntry[]>>();

  constructor(private readonly read: EntryReader) {}

  /** The view of `record` as of now (`nowUnix`) at checkpoint `checkpointSize`. Rejects with LabelHistoryError on a corrupt log. */
  async view(state: RegistryState, record: LabelRecord, nowUnix: bigint, checkpointSize: number): Promise<LabelView> {
    let history = this.histories.get(record);
    if (!history) {
      history = historyOf(record, this.read);
      history.catch(() => this.histories.delete(record));
      this.histories.set(record, history);
    }
    const tier = asTier(record.tier);
    if (tier === undefined)
      throw new LabelHistoryError(record.labelId, record.history[0]?.index ?? -1, `left tier ${record.tier}`);
    const support = record.securitySupportUntilUnix;
    const reportUri = record.testReport.uri;
    return {
      labelId: record.labelId,
      tier,
      status: pageStatusAt(record, nowUnix),
      productModel: record.productModel,
      manufacturer: {
        name: record.manufacturer.name,
        ...(record.manufacturer.registrationCode ? { registrationCode: record.manufacturer.registrationCode } : {}),
      },
      category: state.categories.get(record.categoryId)?.name ?? record.categoryId,
      names: { category: state.categories.get(record.categoryId), issuer: state.issuers.get(record.issuerId) },
      issuer: { name: state.issuers.get(record.issuerId)?.name ?? record.issuerId, id: record.issuerId },
      testingLab: {
        name: record.testingLab.name,
        ...(record.testingLab.accreditationCode ? { id: record.testingLab.accreditationCode } : {}),
      },
      standard: record.standardReference,
      validFrom: dateOf(record.validFromUnix),
      validUntil: dateOf(record.validUntilUnix),
      ...(support > 0n ? { securitySupportEnd: dateOf(support) } : {}),
      testReportDigest: digest(record.testReport),
      ...(reportUri ? { testReportUri: reportUri } : {}),
      declarationDigest: digest(record.declarationOfConformity),
      keyIndicators: record.keyIndicators.map((k) => ({ name: k.name, value: k.value })),
      history: await history,
      checkpointSize,
    };
  }
}
