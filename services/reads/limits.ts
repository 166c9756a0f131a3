// Limits of the read API, named in the INVALID_ARGUMENT refusals that enforce them.

/** Label ids per VerifyLabels call (over the whole stream). */
export const MAX_VERIFY_LABEL_IDS = 100_000;
/** Label ids in a WatchLabels filter. */
export const MAX_WATCH_LABEL_IDS = 10_000;
/** Issuer ids, and category ids, in a WatchLabels filter. */
export const MAX_WATCH_FILTER_IDS = 1000;
/** Entries read from the store per step of a watch feed. */
export const WATCH_CHUNK = 1024;
/** Labels of a bulk call built concurrently. */
export const BULK_CONCURRENCY = 64;
/** Products per ListManufacturerProducts call (each comes with a map proof). */
export const MAX_PRODUCTS_PAGE = 256;
