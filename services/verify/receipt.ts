// Receipts from the write path, through the same checks as bundles: the checkpoint under the
// trust configuration, the inclusion proof, the entry's decoding. A receipt carries no key
// chain, so the statement's signature is checked only when the authority signed it, or when the
// caller passes the bundle context that accredits the issuer key (e.g. from GetIssuer).
import type { Receipt } from "../../proto/gen/messages/labelreg/v1/entry.js";
import type { ProvenEntry } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { hasher } from "../../log/hasher.js";
import { verifyInclusion } from "../../log/proof.js";
import type { MapValue } from "../../proto/gen/messages/labelreg/v1/map.js";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import type { Checkpoint } from "../../log/checkpoint.js";
import { decodeStatementEntry, type DecodedEntry } from "../domain/decode.js";
import { statementMapKey } from "../domain/map-values.js";
import { proveCommitment, proveMapKey, type ProvenCommitment } from "./map-commitment.js";
import { keyIdHex, keyIdOf, statementSigningInput } from "../domain/signing.js";
import { isViolation } from "../domain/violation.js";
import { errorText, openTrustedCheckpoint, type CheckpointTrust, type OpenedCheckpoint } from "./checkpoint.js";
import { replayEntries } from "./replay.js";
import { resolveTrust, type ResolvedTrust, type TrustConfig } from "./trust.js";
import type { CheckpointRef, VerdictReason } from "./verdict.js";

export type ReceiptVerdict =
  | {
      readonly ok: true;
      readonly index: number;
      readonly asOf: CheckpointRef;
      readonly entry: DecodedEntry;
      /** "authority", "context" (key chain checked through `context`), or "unchecked". */
      readonly signature: "authority" | "context" | "unchecked";
      /** The state the write left, proven by the checkpoint's map commitment (undefined: the receipt carries none). */
      readonly state: ReceiptState | undefined;
    }
  | { readonly ok: false; readonly reason: VerdictReason };

/** The key a receipt's statement changed, as the map commits it at the receipt's checkpoint. */
export interface ReceiptState {
  readonly commitment: ProvenCommitment;
  readonly value: MapValue;
}

/**
 * The receipt's map part: the commitment entry is the checkpoint's last leaf, and the key the
 * statement changed is in its map with a value last changed at `index` or later (a later entry of
 * the same batch may have changed it again). undefined when the receipt carries no commitment.
 */
export function proveReceiptState(
  receipt: Receipt,
  checkpoint: Checkpoint,
  index: number,
  statement: Statement,
): ReceiptState | undefined | VerdictReason {
  if (receipt.commitmentEntry.length === 0) return undefined;
  const commitment = proveCommitment(checkpoint, receipt.commitmentEntry, receipt.commitmentInclusionProof);
  if ("code" in commitment) return commitment;
  const k = statementMapKey(statement);
  if (!k) return { code: "map-proof", message: "the statement changes nothing the map holds" };
  const r = proveMapKey(commitment, k.kind, k.id, receipt.mapProof);
  if ("code" in r) return r;
  if (!r.value) return { code: "map-proof", message: `the map proves the ${k.kind} ${k.id} absent after the write` };
  if (r.value.lastIndex < BigInt(index))
    return {
      code: "map-proof",
      message: `the ${k.kind} ${k.id}'s map value was last changed at ${r.value.lastIndex}, before the write at ${index}`,
    };
  return { commitment, value: r.value };
}

/**
 * What every receipt check shares: the checkpoint opened under the log's key (and the witness
 * policy, if any), the index below its size, and the entry's inclusion proof. Never throws.
 */
export function proveReceiptEntry(
  receipt: Receipt,
  trust: CheckpointTrust,
): { readonly cp: OpenedCheckpoint; readonly index: number } | VerdictReason {
  const cp = openTrustedCheckpoint(receipt.checkpoint, trust);
  if ("code" in cp) return cp;
  if (receipt.index >= BigInt(cp.checkpoint.size))
    return { code: "index-beyond-checkpoint", message: `index ${receipt.index} is not below ${cp.checkpoint.size}` };
  const index = Number(receipt.index);
  try {
    verifyInclusion(
      index,
      cp.checkpoint.size,
      hasher.leafHash(receipt.entry),
      receipt.inclusionProof,
      cp.checkpoint.root,
    );
  } catch (e) {
    return { code: "inclusion-proof", message: errorText(e) };
  }
  return { cp, index };
}

/** Verifies a receipt; never throws. `context`: entries (proven under the same checkpoint) accrediting the signer. */
export function verifyReceipt(
  receipt: Receipt,
  trust: TrustConfig | ResolvedTrust,
  context: readonly ProvenEntry[] = [],
): ReceiptVerdict {
  const t = "domain" in trust ? trust : resolveTrust(trust);
  const no = (reason: VerdictReason): ReceiptVerdict => ({ ok: false, reason });
  try {
    const proven = proveReceiptEntry(receipt, t);
    if ("code" in proven) return no(proven);
    const { cp, index } = proven;
    const entry = decodeStatementEntry(receipt.entry);
    if (isViolation(entry)) return no({ code: "entry-malformed", message: entry.message });
    const state = proveReceiptState(receipt, cp.checkpoint, index, entry.statement);
    if (state && "code" in state) return no(state);
    const base = { ok: true as const, index, asOf: cp.ref, entry, state };
    if (keyIdHex(entry.keyId) === keyIdHex(keyIdOf(t.domain.authorityPublicKey))) {
      if (!t.domain.verify(t.domain.authorityPublicKey, statementSigningInput(entry.statementBytes), entry.signature)) {
        return no({ code: "bad-signature", message: "the authority's signature does not verify" });
      }
      return { ...base, signature: "authority" };
    }
    if (context.length === 0) return { ...base, signature: "unchecked" };
    const ctx = [];
    for (const p of context) {
      if (p.index >= receipt.index) continue;
      try {
        verifyInclusion(
          Number(p.index),
          cp.checkpoint.size,
          hasher.leafHash(p.entry),
          p.inclusionProof,
          cp.checkpoint.root,
        );
      } catch (e) {
        return no({ code: "inclusion-proof", message: `context entry ${p.index}: ${errorText(e)}` });
      }
      const d = decodeStatementEntry(p.entry);
      if (isViolation(d)) return no({ code: "entry-malformed", message: `context entry ${p.index}: ${d.message}` });
      ctx.push({ index: Number(p.index), decoded: d });
    }
    const chain = replayEntries(ctx, t.domain);
    if ("code" in chain) return no(chain);
    const key = chain.state.keys.get(keyIdHex(entry.keyId));
    if (!key || key.untilIndex !== undefined)
      return no({
        code: "unknown-key",
        message: "the context does not accredit the receipt's key as current before its entry",
      });
    if (!t.domain.verify(key.publicKey, statementSigningInput(entry.statementBytes), entry.signature)) {
      return no({ code: "bad-signature", message: "the statement's signature does not verify with the issuer's key" });
    }
    return { ...base, signature: "context" };
  } catch (e) {
    return no({ code: "malformed-receipt", message: errorText(e) });
  }
}
