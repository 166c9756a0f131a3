// The labelreg client SDK: sign statements, submit them to a registry over gRPC, get verified receipts;
// read labels, products, manufacturers and issuers with their proofs verified (RegistryReader).
export { RegistryClient, type RegistryClientOptions } from "./client.js";
export { submitBulk, DEFAULT_BULK_WINDOW, type BulkOptions, type BulkResult, type BulkSummary } from "./bulk.js";
export { channelCredentials, type ClientTls } from "./connect.js";
export {
  RegistryClientError,
  UnverifiedReceiptError,
  fromServiceError,
  statusName,
  RULE_METADATA_KEY,
  type StatusName,
} from "./errors.js";
export {
  RegistryReader,
  type RegistryReaderOptions,
  type BulkLabelResult,
  type Found,
  type LabelLookup,
  type ManufacturerProducts,
} from "./reader.js";
export { verifySubmission, type VerifiedReceipt } from "./receipt.js";
export { receiptToJson, receiptFromJson } from "./receipt-json.js";
export { DEFAULT_RETRY, type RetryPolicy } from "./retry.js";
export { StatementSigner } from "./signer.js";
export * from "./statements.js";
export { Tier, ReasonCode } from "../../proto/gen/messages/labelreg/v1/statement.js";
export type {
  LabelIssued,
  Evidence,
  Reason,
  ScopeEntry,
  Statement,
} from "../../proto/gen/messages/labelreg/v1/statement.js";
export type { Receipt, SignedStatement, LogEntry } from "../../proto/gen/messages/labelreg/v1/entry.js";
