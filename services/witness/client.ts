// The log's side of tlog-witness v1: submit a checkpoint with a consistency proof, and read the
// answer. The answer's cosignatures are not trusted here: the caller verifies them against the
// witness's key (witnessing.ts keeps only those that verify).
import type { Hash } from "../../log/hash.js";
import { formatAddCheckpointRequest } from "./request.js";
import { TLOG_SIZE_CONTENT_TYPE } from "./witness.js";

export type AddCheckpointOutcome =
  /** 200: the signature lines the witness returned, each "— name base64\n". */
  | { readonly kind: "cosigned"; readonly lines: string }
  /** 409 with the witness's stored size: resubmit with a proof from that size. */
  | { readonly kind: "conflict"; readonly size: number }
  /** 409 without a size (equal size, other root), 4xx or 5xx. */
  | { readonly kind: "refused"; readonly status: number; readonly message: string };

/** Largest answer read from a witness. */
const MAX_ANSWER_BYTES = 16 * 1024;

/** POSTs to `<submissionPrefix>/add-checkpoint`. Rejects only on network errors and aborts. */
export async function addCheckpoint(
  submissionPrefix: string,
  oldSize: number,
  proof: readonly Hash[],
  note: Uint8Array,
  signal?: AbortSignal,
): Promise<AddCheckpointOutcome> {
  const res = await fetch(`${submissionPrefix.replace(/\/+$/, "")}/add-checkpoint`, {
    method: "POST",
    body: Uint8Array.from(formatAddCheckpointRequest(oldSize, proof, note)),
    headers: { "content-type": "text/plain; charset=utf-8" },
    ...(signal ? { signal } : {}),
  });
  const body = await res.text();
  if (body.length > MAX_ANSWER_BYTES) return { kind: "refused", status: res.status, message: "answer too large" };
  if (res.status === 200) return { kind: "cosigned", lines: body };
  if (res.status === 409 && (res.headers.get("content-type") ?? "").startsWith(TLOG_SIZE_CONTENT_TYPE)) {
    const m = /^(0|[1-9][0-9]*)\n$/.exec(body);
    const size = m ? Number(m[1]) : NaN;
    if (Number.isSafeInteger(size)) return { kind: "conflict", size };
  }
  return { kind: "refused", status: res.status, message: body.slice(0, 300).trim() };
}
