// A new label from named text fields: the CSV columns of bulk issuance and the options of
// `labelreg issuer issue` are the same names (column `lab_name` is option `--lab-name`).
import type { LabelIssued, Statement } from "../../proto/gen/grpc/labelreg/v1/statement.js";
import { issueLabel, nowUnix } from "../../services/client/statements.js";
import { validateStatement } from "../../services/domain/validate.js";
import { FieldError, parseDigest, parseIndicators, parseTier, parseTime } from "./field-values.js";

/** The columns, in the order the README documents them. */
export const LABEL_COLUMNS = [
  "label_id",
  "manufacturer_name",
  "registration_code",
  "product_model",
  "category_id",
  "tier",
  "valid_from",
  "valid_until",
  "security_support_until",
  "lab_name",
  "lab_accreditation_code",
  "standard_reference",
  "test_report_sha256",
  "test_report_uri",
  "doc_sha256",
  "doc_uri",
  "key_indicators",
  "request_id",
] as const;

export type LabelColumn = (typeof LABEL_COLUMNS)[number];

export const REQUIRED_COLUMNS: readonly LabelColumn[] = [
  "label_id",
  "manufacturer_name",
  "registration_code",
  "product_model",
  "category_id",
  "tier",
  "valid_until",
  "lab_name",
  "standard_reference",
  "test_report_sha256",
  "test_report_uri",
  "doc_sha256",
];

export type LabelFields = Partial<Record<LabelColumn, string>>;

/**
 * The issuance statement for `fields`, checked by every stateless rule of the registry (the
 * same code the registry runs), so a row that would be refused as malformed is never sent.
 * Throws FieldError naming the column (or the rule, for the registry's own checks).
 */
export function labelStatementFromFields(fields: LabelFields, now: bigint = nowUnix()): Statement {
  const get = (c: LabelColumn): string => fields[c]?.trim() ?? "";
  for (const c of REQUIRED_COLUMNS) if (get(c) === "") throw new FieldError(c, "is required");
  const opt = (c: LabelColumn, parse: (f: string, t: string) => bigint, dflt: bigint) => (get(c) === "" ? dflt : parse(c, get(c)));
  const label: LabelIssued = {
    manufacturer: { name: get("manufacturer_name"), registrationCode: get("registration_code") },
    productModel: get("product_model"),
    categoryId: get("category_id"),
    tier: parseTier("tier", get("tier")),
    validFromUnix: opt("valid_from", parseTime, now),
    validUntilUnix: parseTime("valid_until", get("valid_until")),
    securitySupportUntilUnix: opt("security_support_until", parseTime, 0n),
    testingLab: { name: get("lab_name"), accreditationCode: get("lab_accreditation_code") },
    standardReference: get("standard_reference"),
    testReport: { sha256: parseDigest("test_report_sha256", get("test_report_sha256")), uri: get("test_report_uri") },
    declarationOfConformity: { sha256: parseDigest("doc_sha256", get("doc_sha256")), uri: get("doc_uri") },
    keyIndicators: parseIndicators("key_indicators", get("key_indicators").split(";")),
  };
  const requestId = get("request_id");
  const s = issueLabel(get("label_id"), label, { signedAtUnix: now, ...(requestId ? { requestId } : {}) });
  const v = validateStatement(s);
  if (v) throw new FieldError(v.rule, v.message, false);
  return s;
}
