// The state map: a compressed binary sparse Merkle tree over 256-bit keys (README.md here).
export * from "./hash.js";
export * from "./key.js";
export * from "./node.js";
export * from "./plan.js";
export * from "./proof.js";
export * from "./prove.js";
export * from "./store.js";
export * from "./update.js";
export * from "./verify.js";
