// Label pages for a gateway running on its own: each label is read with the registry's GetLabel,
// its bundle verified against the log's and the authority's keys (the gateway trusts the
// registry's answer no more than a consumer's phone does), and its entries replayed into a
// small state holding the label, its category and its issuer, the same records the registry
// projects, so the page is the one the registry's own gateway serves.

import { decodeStatementEntry } from "../../services/domain/decode.js";
import type { LabelRecord } from "../../services/domain/state.js";
import { isViolation } from "../../services/domain/violation.js";
import { RegistryClientError } from "../../services/client/errors.js";
import { RegistryError } from "../../services/sequencer/errors.js";
import { StoreUnavailableError } from "../../services/store/port.js";
import { replayEntries, type IndexedEntry } from "../../services/verify/replay.js";
import { verifyLabelBundle } from "../../services/verify/bundle.js";
import type { ResolvedTrust } from "../../services/verify/trust.js";
import type { ReadApi } from "../api/read-api.js";
import type { LabelSnapshot, LabelSource } from "./label-source.js";
import { ByteLru } from "../../log/lru.js";
import { LabelViews } from "./label-view-map.js";

/** The registry answered with a bundle that does not verify: nothing in it is shown. */
export class BadBundleError extends Error {
  constructor(labelId: string, why: string) {
    super(`the registry's bundle for label ${labelId} does not verify: ${why}`);
    this.name = "BadBundleError";
  }
}

/** Bytes of verified snapshots kept (by their bundles' size): a scanned label is hot. */
export const DEFAULT_SNAPSHOT_CACHE_BYTES = 16 * 1024 * 1024;

interface Cached {
  readonly checkpoint: string;
  readonly snap: LabelSnapshot;
  readonly byteLength: number;
}

/**
 * Labels read with `reads.getLabel`, each bundle verified under `trust` before it is shown. The
 * registry is asked every time (a revocation shows at once); a bundle at the checkpoint of the
 * last one verified for the label reuses that snapshot (and so the rendered page) instead of
 * verifying again: what one checkpoint proves about a label does not change.
 */
export function bundleLabelSource(
  reads: Pick<ReadApi, "getLabel">,
  trust: ResolvedTrust,
  cacheBytes = DEFAULT_SNAPSHOT_CACHE_BYTES,
): LabelSource {
  const cache = new ByteLru<string, Cached>(cacheBytes, (c) => c.byteLength);
  return {
    authorityPublicKey: trust.domain.authorityPublicKey,
    async label(labelId): Promise<LabelSnapshot | undefined> {
      let bundle;
      try {
        bundle = (await reads.getLabel(labelId)).bundle;
      } catch (e) {
        if ((e instanceof RegistryClientError || e instanceof RegistryError) && e.code === "NOT_FOUND")
          return undefined;
        if (e instanceof RegistryClientError && (e.code === "UNAVAILABLE" || e.code === "DEADLINE_EXCEEDED")) {
          throw new StoreUnavailableError(`registry VerificationService: ${e.message}`, { cause: e });
        }
        throw e;
      }
      if (!bundle) throw new BadBundleError(labelId, "the answer has no bundle");
      const hit = cache.get(labelId);
      if (hit && hit.checkpoint === bundle.checkpoint) return hit.snap;
      // Status does not matter here (an expired label still verifies); the time only must not fail it.
      const verdict = verifyLabelBundle(bundle, trust, { expectedLabelId: labelId });
      if (verdict.status === "not-verifiable" || !verdict.asOf)
        throw new BadBundleError(labelId, verdict.reasons.map((r) => r.code).join(", "));
      const bytes = new Map<number, Uint8Array>();
      const entries: IndexedEntry[] = [];
      for (const p of [...bundle.contextEntries, ...bundle.entries].sort((a, b) => (a.index < b.index ? -1 : 1))) {
        const decoded = decodeStatementEntry(p.entry);
        if (isViolation(decoded)) throw new BadBundleError(labelId, `entry ${p.index} does not decode`);
        const index = Number(p.index);
        bytes.set(index, p.entry);
        entries.push({ index, decoded });
      }
      const replayed = replayEntries(entries, trust.domain);
      if (!("state" in replayed)) throw new BadBundleError(labelId, replayed.code);
      const partial = replayed.state.labels.get(labelId);
      if (!partial) throw new BadBundleError(labelId, "the label is not among its entries");
      // The replay numbers entries by position; the page shows log indices.
      const record: LabelRecord = {
        ...partial,
        history: partial.history.map((h) => ({ ...h, index: replayed.logIndex[h.index] ?? -1 })),
      };
      const views = new LabelViews(async (start, end) =>
        Array.from({ length: end - start }, (_, i) => bytes.get(start + i) ?? new Uint8Array()),
      );
      const snap: LabelSnapshot = { record, state: replayed.state, size: verdict.asOf.size, views };
      let byteLength = bundle.checkpoint.length;
      for (const b of bytes.values()) byteLength += b.length;
      cache.set(labelId, { checkpoint: bundle.checkpoint, snap, byteLength });
      return snap;
    },
  };
}
