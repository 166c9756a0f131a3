// Replays a few entries of the log (a label's entries and the entries they rely on) through the
// domain rules, as an auditor replays the whole log: each entry is checked against the state
// the earlier ones leave (signature, signer standing, scope, state machine, clock skew at its
// sequencing time), then applied.
//
// The state is partial (it holds only these entries), so a rule that forbids something the
// missing entries might hold (request-id reuse, another live label of the product) passes here:
// the completeness caveat of a bundle. Everything a rule requires to be present must be in the
// entries given, or the replay fails.
import { apply } from "../domain/apply.js";
import { check } from "../domain/check.js";
import type { DomainConfig } from "../domain/config.js";
import type { DecodedEntry } from "../domain/decode.js";
import { RegistryState } from "../domain/state.js";
import { isViolation } from "../domain/violation.js";
import type { VerdictReason } from "./verdict.js";

export interface IndexedEntry {
  readonly index: number;
  readonly decoded: DecodedEntry;
}

export interface Replayed {
  readonly state: RegistryState;
  /**
   * The log index of each applied entry, by its position in the replay: apply() numbers entries
   * consecutively, the bundle's are sparse, so indices in `state` are positions here.
   */
  readonly logIndex: readonly number[];
}

/**
 * Checks and applies `entries` (strictly increasing log indices, non-decreasing sequencing
 * times) on an empty state rooted at the authority's key. Returns the state, or the first
 * reason the entries do not form a valid history.
 */
export function replayEntries(entries: readonly IndexedEntry[], config: DomainConfig): Replayed | VerdictReason {
  const state = new RegistryState(config.authorityPublicKey);
  const logIndex: number[] = [];
  let lastIndex = -1;
  let lastTime = 0n;
  for (const { index, decoded } of entries) {
    if (index <= lastIndex)
      return {
        code: "entry-order",
        message: `entry ${index} comes after entry ${lastIndex}: entries must be in log order, each once`,
      };
    if (decoded.sequencedAtUnix < lastTime) {
      return {
        code: "entry-time-order",
        message: `entry ${index} was sequenced at ${decoded.sequencedAtUnix}, before the earlier entry ${lastIndex} (${lastTime})`,
      };
    }
    const r = check(state, decoded, decoded.sequencedAtUnix, config);
    if (isViolation(r)) {
      const code = r.rule === "bad-signature" || r.rule === "unknown-key" ? r.rule : `rule-${r.rule}`;
      return { code, message: `entry ${index}: ${r.message}` };
    }
    if (r.kind === "replay")
      return { code: "entry-duplicate", message: `entry ${index} repeats the statement of an earlier entry` };
    apply(state, decoded, state.size);
    logIndex.push(index);
    lastIndex = index;
    lastTime = decoded.sequencedAtUnix;
  }
  return { state, logIndex };
}
