// Rechecking the log's entries from scratch with the registry's own rules (services/domain), in
// log order, as the sequencer should have: signature, signer accredited and in standing at that
// point of the log, scope, state transitions, request-id uniqueness (a "replay" verdict for an
// entry that is in the log means the same request id was sequenced twice), and sequencing times
// that never go back. Each rule is evaluated at the entry's own sequenced-at time.
//
// The state map is recomputed beside the projections, and every commitment entry checked against
// it: it must count exactly the entries before it (its own index) and carry the root of the map
// they give. The map recomputed here, not the one committed, is what later commitments are
// checked against, so one wrong root is one finding.
//
// Signatures are verified ahead of the rules, in parallel (on a worker pool), which needs each
// entry's public key before the state reaches it: key ids are SHA-256 of the public key, so a
// table of every key any accreditation or rotation statement names (valid or not) maps ids to
// keys without ambiguity, and whether that key may sign at that point stays the rules' call.
import { StatsFold } from "../stats/fold.js";
import { authenticateWith, checkRules } from "../domain/check.js";
import type { DomainConfig } from "../domain/config.js";
import { statementSigningInput } from "../domain/signing.js";
import { bytesEqual, toHex } from "../../log/bytes.js";
import { isCommitment, type CommitmentEntry, type DecodedEntry, type DecodedLogEntry } from "../domain/decode.js";
import { StateMap } from "../readmodel/state-map.js";
import { RegistryState } from "../domain/state.js";
import { isViolation, type RuleViolation } from "../domain/violation.js";
import { KeyTable } from "./entry-check.js";
import type { Finding } from "./findings.js";

/** The detail of a violation, without the "<rule>: " prefix its message starts with. */
export function violationDetail(v: RuleViolation): string {
  return v.message.startsWith(`${v.rule}: `) ? v.message.slice(v.rule.length + 2) : v.message;
}

export class Replayer {
  readonly state: RegistryState;
  /** Sequencing time of the newest entry replayed. */
  lastSequencedAt = 0n;
  /** The state map recomputed from the entries (only the newest version is needed). */
  readonly map = new StateMap(1);
  /** The statistics, folded from the entries the rules accept (as the registry's, services/stats/). */
  readonly stats = new StatsFold();
  /** Whether the last entry replayed is a commitment entry (a checkpoint must end with one). */
  lastWasCommitment = false;
  /** Every key the log has named so far, by key id (see the header). */
  private readonly keyTable = new KeyTable();
  /** The entry being checked, and its signature verdict computed ahead (undefined: not known). */
  private current: DecodedEntry | undefined;
  private sigOk: boolean | undefined = false;
  /** authenticate()'s signature check for `current`: the verdict computed ahead, or verified now. */
  private readonly signatureValid = (publicKey: Uint8Array): boolean => {
    const e = this.current!;
    return this.sigOk ?? this.config.verify(publicKey, statementSigningInput(e.statementBytes), e.signature);
  };
  /** Told of each key the log names for the first time (a CheckPool's teach). */
  onNewKeys: ((keys: Uint8Array[]) => void) | undefined;

  constructor(readonly config: DomainConfig) {
    this.state = new RegistryState(config.authorityPublicKey);
    this.keyTable.add(config.authorityPublicKey);
  }

  /** Entries replayed so far: the index the next must have. */
  get size(): number {
    return this.state.size;
  }

  /** Records the keys an entry names, so later entries signed with them can be verified ahead. */
  learnKeys(e: DecodedLogEntry): void {
    if (isCommitment(e)) return;
    const named = this.keyTable.learn(e);
    if (named.length > 0) this.onNewKeys?.(named);
  }

  /** The public key an entry's key id names, if the log has named it so far. */
  publicKeyOf(e: DecodedLogEntry): Uint8Array | undefined {
    return isCommitment(e) ? undefined : this.keyTable.get(e.keyId);
  }

  /**
   * Replays an entry an earlier run audited, without verifying its signature again: `refused`
   * says whether that run found it invalid (then it is skipped, as then).
   */
  applyTrusted(index: number, e: DecodedLogEntry | RuleViolation, refused: boolean): void {
    if (!isViolation(e) && isCommitment(e)) {
      this.check(index, e, undefined);
      return;
    }
    this.lastWasCommitment = false;
    if (refused || isViolation(e)) {
      if (!isViolation(e)) this.learnKeys(e);
      this.state.advance();
      return;
    }
    this.check(index, e, true);
  }

  /**
   * Checks entry `index` (decoded, or the violation decoding gave) with its signature verdict
   * (undefined: not verified yet; then it is verified here if the rules need it), and applies it if the rules accept it; an entry they refuse is skipped (its index still
   * advances). Returns the findings: empty when the entry is valid.
   */
  check(index: number, e: DecodedLogEntry | RuleViolation, signatureValid: boolean | undefined): Finding[] {
    if (index !== this.state.size) throw new Error(`replay: entry ${index} is not the next index ${this.state.size}`);
    this.lastWasCommitment = !isViolation(e) && isCommitment(e);
    if (!isViolation(e) && isCommitment(e)) return this.checkCommitment(index, e);
    if (isViolation(e)) {
      this.state.advance();
      return [{ kind: "rule", rule: e.rule, index, message: violationDetail(e) }];
    }
    this.learnKeys(e);
    const findings: Finding[] = [];
    if (e.sequencedAtUnix < this.lastSequencedAt) {
      findings.push({
        kind: "rule",
        rule: "sequenced-at-went-back",
        index,
        message: `sequenced at ${e.sequencedAtUnix}, before the previous entry's ${this.lastSequencedAt}`,
      });
    } else {
      this.lastSequencedAt = e.sequencedAtUnix;
    }
    this.current = e;
    this.sigOk = signatureValid;
    const signer = authenticateWith(this.state, e, this.signatureValid);
    if (isViolation(signer)) return this.refuse(index, signer, findings);
    const r = checkRules(this.state, e, signer, e.sequencedAtUnix, this.config);
    if (r.kind === "replay") {
      this.state.advance();
      findings.push({
        kind: "rule",
        rule: "duplicate-request-id",
        index,
        message: `request id ${JSON.stringify(e.statement.requestId)} was already sequenced at index ${r.index}`,
      });
      return findings;
    }
    if (r.kind === "violation") return this.refuse(index, r, findings);
    this.stats.apply(this.state, e, index);
    this.map.note(this.state, e.statement);
    return findings;
  }

  /** Checks a commitment entry against the map recomputed from the entries before it. */
  private checkCommitment(index: number, e: CommitmentEntry): Finding[] {
    const findings: Finding[] = [];
    if (e.sequencedAtUnix < this.lastSequencedAt) {
      findings.push({
        kind: "rule",
        rule: "sequenced-at-went-back",
        index,
        message: `sequenced at ${e.sequencedAtUnix}, before the previous entry's ${this.lastSequencedAt}`,
      });
    } else {
      this.lastSequencedAt = e.sequencedAtUnix;
    }
    if (e.commitment.size !== BigInt(index)) {
      findings.push({
        kind: "rule",
        rule: "map-commitment-size",
        index,
        message: `the map commitment counts ${e.commitment.size} entries; at index ${index} it must count ${index}`,
      });
    }
    const prepared = this.map.prepareNow(this.state, index);
    if (!bytesEqual(prepared.update.root, e.commitment.root)) {
      findings.push({
        kind: "rule",
        rule: "map-commitment-root",
        index,
        message: `the map commitment's root ${toHex(e.commitment.root)} is not the root ${toHex(prepared.update.root)} of the map the entries before it give`,
      });
    }
    this.map.commit(prepared, e.sequencedAtUnix);
    this.stats.apply(this.state, e, index);
    return findings;
  }

  private refuse(index: number, v: RuleViolation, findings: Finding[]): Finding[] {
    this.state.advance();
    findings.push({ kind: "rule", rule: v.rule, index, message: violationDetail(v) });
    return findings;
  }
}
