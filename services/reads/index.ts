// Public reads over the log view, for every transport.
export { BulkVerification } from "./bulk.js";
export { EVENT_KIND, LABEL_STATUS, toIssuerState, toLabelState } from "./convert.js";
export * from "./limits.js";
export { Reads, type ReadsOptions } from "./reads.js";
export { pinSnapshot, type Snapshot } from "./snapshot.js";
export { watchFilter, watchLabels } from "./watch.js";
