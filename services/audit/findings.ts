// What an audit found, in words for people and as JSON for machines.

/**
 * - log: the log's structure (checkpoint signature, consistency, tiles, bundles): the operator
 *   published something its signed checkpoint does not vouch for, or a fork.
 * - rule: an entry the registry's rules would have refused (the sequencer was bypassed or wrong).
 * - operator: the operator's read API says something else than the log.
 */
export type FindingKind = "log" | "rule" | "operator";

export interface Finding {
  readonly kind: FindingKind;
  /** Stable machine name: a domain rule (e.g. "issuer-withdrawn") or an audit rule (e.g. "tile-mismatch"). */
  readonly rule: string;
  /** The log entry the finding is about, when there is one. */
  readonly index?: number;
  readonly message: string;
}

export function formatFinding(f: Finding): string {
  const at = f.index === undefined ? "" : `entry ${f.index}: `;
  return `${f.kind === "log" ? "LOG" : f.kind === "rule" ? "RULE" : "OPERATOR"} ${at}${f.rule}: ${f.message}`;
}
