// What the consumer page shows about one label: a plain view model, free of protobuf and domain
// types. The registry maps its projected label state into it; the page and the label image read
// only this, so they can change independently of the wire format.

import type { Names } from "./names.js";

export type Tier = 1 | 2 | 3;

/** The label's state as a buyer should read it. `expired` is derived (validity end passed), not an event. */
export type LabelStatus = "active" | "suspended" | "revoked" | "expired";

/** The label events of DESIGN.md's state machine, as they appear in the history. */
export type LabelEventKind = "issued" | "upgraded" | "downgraded" | "renewed" | "suspended" | "reinstated" | "revoked";

export const TIERS: readonly Tier[] = [1, 2, 3];
export const LABEL_STATUSES: readonly LabelStatus[] = ["active", "suspended", "revoked", "expired"];
export const LABEL_EVENT_KINDS: readonly LabelEventKind[] = [
  "issued",
  "upgraded",
  "downgraded",
  "renewed",
  "suspended",
  "reinstated",
  "revoked",
];

export interface Party {
  readonly name: string;
  /** A stable identifier: an issuer's id in the log, a lab's accreditation number. */
  readonly id?: string;
}

export interface Manufacturer {
  readonly name: string;
  /** The manufacturer's registration code (in China, the unified social credit code). */
  readonly registrationCode?: string;
}

export interface LabelHistoryEntry {
  /** Index of the statement in the log. */
  readonly logIndex: number;
  readonly kind: LabelEventKind;
  /** When the log sequenced the statement. */
  readonly time: Date;
  /** The tier after this event, when the event sets or keeps one. */
  readonly tier?: Tier;
  /** The reason the issuer gave (suspensions, revocations, downgrades). */
  readonly reason?: string;
}

export interface KeyIndicator {
  readonly name: string;
  readonly value: string;
}

export interface LabelView {
  readonly labelId: string;
  readonly tier: Tier;
  readonly status: LabelStatus;
  readonly productModel: string;
  readonly manufacturer: Manufacturer;
  /** The catalogue category, already in the reader's words (e.g. "消费类网络摄像头"). */
  readonly category: string;
  /**
   * The category's and the issuer's names in English and Chinese where the authority published
   * them: the page shows the one in its language instead of `category` and `issuer.name`.
   */
  readonly names?: { readonly category?: Names; readonly issuer?: Names };
  readonly issuer: Party;
  readonly testingLab: Party;
  /** The standard or technical document the label relies on, e.g. "GB/T 41387-2022". */
  readonly standard: string;
  readonly validFrom: Date;
  readonly validUntil: Date;
  /** The date up to which the manufacturer promises security updates; absent if not declared. */
  readonly securitySupportEnd?: Date;
  /** Digest of the test report, as recorded (e.g. "sha256:3a7b…"). */
  readonly testReportDigest: string;
  /** Where the test report can be read; shown as a link only if it is an http(s) URL. */
  readonly testReportUri?: string;
  /** Digest of the manufacturer's declaration of conformity, as recorded. */
  readonly declarationDigest: string;
  readonly keyIndicators?: readonly KeyIndicator[];
  /** The label's events, oldest first. */
  readonly history: readonly LabelHistoryEntry[];
  /** Size of the checkpoint the server read this state at. */
  readonly checkpointSize: number;
}
