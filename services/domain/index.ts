// The registry's domain: statement decoding and validation, the projected state, the rules
// (check) and their effect (apply). Pure functions, no I/O, no Node built-ins: the sequencer,
// the auditor and the browser verifier share them.
export * from "./apply.js";
export * from "./check.js";
export * from "./config.js";
export * from "./decode.js";
export * from "./limits.js";
export * from "./signing.js";
export * from "./state.js";
export * from "./syntax.js";
export * from "./validate.js";
export * from "./violation.js";
export { Journal, JournaledMap } from "./journal.js";
