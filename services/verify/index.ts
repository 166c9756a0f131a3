// The portable label verifier: bundles, compact bulk streams, receipts, freshness.
export { verifyLabelBundle, type VerifyOptions } from "./bundle.js";
export { CompactBundles } from "./compact.js";
export { checkFreshness, type Fresher } from "./freshness.js";
export { verifyReceipt, type ReceiptVerdict } from "./receipt.js";
export { memoizedTrust } from "./memo.js";
export { replayEntries, type IndexedEntry, type Replayed } from "./replay.js";
export { resolveTrust, type ResolvedTrust, type TrustConfig } from "./trust.js";
export * from "./verdict.js";
