// A new label from named text fields: the CSV columns of bulk issuance and the options of
// `labelreg issuer issue` are the same names (column `lab_name` is option `--lab-name`).
import type { LabelIssued, Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
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

/** What each column holds, in the words `issuer issue --help` shows beside its option. */
export const COLUMN_HELP: Readonly<Record<LabelColumn, string>> = {
  label_id: "<issuer id>-<serial>, e.g. CCRC-2026000123",
  manufacturer_name: "the manufacturer's legal name",
  registration_code: "the manufacturer's registration code (unified social credit code, 18 characters)",
  product_model: "the product model, e.g. EV-C200",
  category_id: "a published catalogue category, e.g. consumer-network-camera",
  tier: "1, 2, 3 or basic, enhanced, leading",
  valid_from: "start of validity (default: now)",
  valid_until: "end of validity, exclusive: YYYY-MM-DD (UTC midnight), RFC 3339 with a zone, or Unix seconds",
  security_support_until: "the manufacturer's security-support end date (same formats)",
  lab_name: "the testing lab's name",
  lab_accreditation_code: "the testing lab's accreditation code",
  standard_reference: 'the standard relied on, e.g. "GB/T 00000-2025"',
  test_report_sha256: "SHA-256 of the test report: 64 hex digits (sha256sum FILE)",
  test_report_uri: "https URI of the test report",
  doc_sha256: "SHA-256 of the declaration of conformity: 64 hex digits",
  doc_uri: "https URI of the declaration of conformity",
  key_indicators: '"name=value; name=value", e.g. "vuln-disclosure=yes; update-years=5"',
  request_id: "idempotency key (default: a random UUID)",
};

export type LabelFields = Partial<Record<LabelColumn, string>>;

/**
 * The issuance statement for `fields`, checked by every stateless rule of the registry (the
 * same code the registry runs), so a row that would be refused as malformed is never sent.
 * Throws FieldError naming the column (or the rule, for the registry's own checks).
 */
export function labelStatementFromFields(fields: LabelFields, now: bigint = nowUnix()): Statement {
  const get = (c: LabelColumn): string => fields[c]?.trim() ?? "";
  const missing = REQUIRED_COLUMNS.filter((c) => get(c) === "");
  if (missing.length === 1) throw new FieldError(missing[0]!, "is required");
  if (missing.length > 1)
    throw new FieldError(missing[0]!, `${missing.length} required fields are missing: ${missing.join(", ")}`, false);
  const opt = (c: LabelColumn, parse: (f: string, t: string) => bigint, dflt: bigint) =>
    get(c) === "" ? dflt : parse(c, get(c));
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
  // Said here in the words of the options, before the registry's rule (named after proto fields) would.
  if (label.validUntilUnix <= label.validFromUnix) {
    const until = get("valid_until");
    throw new FieldError(
      "validity-period",
      get("valid_from") === ""
        ? `valid_until: the end date ${until} is in the past; give a later one`
        : `valid_until: the end date ${until} is not after the start date (valid_from ${get("valid_from")})`,
      false,
    );
  }
  const requestId = get("request_id");
  const s = issueLabel(get("label_id"), label, { signedAtUnix: now, ...(requestId ? { requestId } : {}) });
  const v = validateStatement(s);
  if (v) throw new FieldError(v.rule, v.message, false);
  return s;
}
