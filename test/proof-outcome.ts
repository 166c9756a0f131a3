import { ProofError } from "../log/proof-error.js";

/** "ok" if `run` returns, the ProofError's code if it throws one; any other exception propagates (and fails a test). */
export function proofOutcome(run: () => void): string {
  try {
    run();
    return "ok";
  } catch (e) {
    if (e instanceof ProofError) return e.code;
    throw e;
  }
}
