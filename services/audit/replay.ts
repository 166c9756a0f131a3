// Rechecking the log's entries from scratch with the registry's own rules (services/domain), in
// log order, as the sequencer should have: signature, signer accredited and in standing at that
// point of the log, scope, state transitions, request-id uniqueness (a "replay" verdict for an
// entry that is in the log means the same request id was sequenced twice), and sequencing times
// that never go back. Each rule is evaluated at the entry's own sequenced-at time.
//
// Signatures are verified ahead of the rules, in parallel (on a worker pool), which needs each
// entry's public key before the state reaches it: key ids are SHA-256 of the public key, so a
// table of every key any accreditation or rotation statement names (valid or not) maps ids to
// keys without ambiguity, and whether that key may sign at that point stays the rules' call.
import { apply } from "../domain/apply.js";
import { authenticateWith, checkRules } from "../domain/check.js";
import type { DomainConfig } from "../domain/config.js";
import { statementSigningInput } from "../domain/signing.js";
import type { DecodedEntry } from "../domain/decode.js";
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
  learnKeys(e: DecodedEntry): void {
    const named = this.keyTable.learn(e);
    if (named.length > 0) this.onNewKeys?.(named);
  }

  /** The public key an entry's key id names, if the log has named it so far. */
  publicKeyOf(e: DecodedEntry): Uint8Array | undefined {
    return this.keyTable.get(e.keyId);
  }

  /**
   * Replays an entry an earlier run audited, without verifying its signature again: `refused`
   * says whether that run found it invalid (then it is skipped, as then).
   */
  applyTrusted(index: number, e: DecodedEntry | RuleViolation, refused: boolean): void {
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
  check(index: number, e: DecodedEntry | RuleViolation, signatureValid: boolean | undefined): Finding[] {
    if (index !== this.state.size) throw new Error(`replay: entry ${index} is not the next index ${this.state.size}`);
    if (isViolation(e)) {
      this.state.advance();
      return [{ kind: "rule", rule: e.rule, index, message: violationDetail(e) }];
    }
    this.learnKeys(e);
    const findings: Finding[] = [];
    if (e.sequencedAtUnix < this.lastSequencedAt) {
      findings.push({ kind: "rule", rule: "sequenced-at-went-back", index, message: `sequenced at ${e.sequencedAtUnix}, before the previous entry's ${this.lastSequencedAt}` });
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
      findings.push({ kind: "rule", rule: "duplicate-request-id", index, message: `request id ${JSON.stringify(e.statement.requestId)} was already sequenced at index ${r.index}` });
      return findings;
    }
    if (r.kind === "violation") return this.refuse(index, r, findings);
    apply(this.state, e, index);
    return findings;
  }

  private refuse(index: number, v: RuleViolation, findings: Finding[]): Finding[] {
    this.state.advance();
    findings.push({ kind: "rule", rule: v.rule, index, message: violationDetail(v) });
    return findings;
  }
}
