// Structural validation of a decoded statement: everything that can be judged from the statement
// alone, without the registry's state. Stateless, so the pool runs it before sequencing.
import type {
  Evidence,
  IssuerAccredited,
  LabelIssued,
  Reason,
  Statement,
} from "../../proto/gen/messages/labelreg/v1/statement.js";
import * as L from "./limits.js";
import {
  CATEGORY_ID,
  checkBytes,
  checkId,
  checkPublicKey,
  checkText,
  checkTier,
  checkTime,
  checkUri,
  ISSUER_ID,
  LABEL_ID,
  REGISTRATION_CODE,
  REQUEST_ID,
} from "./syntax.js";
import { violation, type RuleViolation } from "./violation.js";

type Check = RuleViolation | undefined;

/** Statement kinds about one label; the others are the authority's. */
export const LABEL_KINDS = new Set([
  "labelIssued",
  "labelUpgraded",
  "labelDowngraded",
  "labelRenewed",
  "labelSuspended",
  "labelReinstated",
  "labelRevoked",
]);

const REASON_CODE_MAX = 9;

function missing(field: string): RuleViolation {
  return violation("INVALID_ARGUMENT", "missing-field", `${field} is required`);
}

function checkReason(field: string, r: Reason | undefined): Check {
  if (!r) return missing(field);
  if (!(r.code >= 1 && r.code <= REASON_CODE_MAX)) {
    return violation("INVALID_ARGUMENT", "reason-code", `${field}.code is ${r.code}, not a known reason code`);
  }
  return checkText(`${field}.text`, r.text, 1, L.MAX_REASON_BYTES);
}

function checkEvidence(field: string, e: Evidence | undefined, uriOptional: boolean): Check {
  if (!e) return missing(field);
  return checkBytes(`${field}.sha256`, e.sha256, L.DIGEST_BYTES) ?? checkUri(`${field}.uri`, e.uri, uriOptional);
}

function checkIssued(s: LabelIssued): Check {
  const m = s.manufacturer;
  const lab = s.testingLab;
  if (!m) return missing("manufacturer");
  if (!lab) return missing("testing_lab");
  return (
    checkText("manufacturer.name", m.name, 1, L.MAX_NAME_BYTES) ??
    checkId("manufacturer.registration_code", m.registrationCode, REGISTRATION_CODE) ??
    checkText("product_model", s.productModel, 1, L.MAX_MODEL_BYTES) ??
    checkId("category_id", s.categoryId, CATEGORY_ID) ??
    checkTier("tier", s.tier) ??
    checkTime("valid_from_unix", s.validFromUnix, false) ??
    checkTime("valid_until_unix", s.validUntilUnix, false) ??
    (s.validUntilUnix <= s.validFromUnix
      ? violation(
          "INVALID_ARGUMENT",
          "validity-period",
          "the end of validity (valid_until_unix) must be after its start (valid_from_unix)",
        )
      : undefined) ??
    checkTime("security_support_until_unix", s.securitySupportUntilUnix, true) ??
    checkText("testing_lab.name", lab.name, 1, L.MAX_NAME_BYTES) ??
    checkText("testing_lab.accreditation_code", lab.accreditationCode, 0, L.MAX_LAB_CODE_BYTES) ??
    checkText("standard_reference", s.standardReference, 1, L.MAX_STANDARD_REFERENCE_BYTES) ??
    checkEvidence("test_report", s.testReport, false) ??
    checkEvidence("declaration_of_conformity", s.declarationOfConformity, true) ??
    checkIndicators(s)
  );
}

function checkIndicators(s: LabelIssued): Check {
  if (s.keyIndicators.length > L.MAX_KEY_INDICATORS) {
    return violation(
      "INVALID_ARGUMENT",
      "too-many-entries",
      `key_indicators has ${s.keyIndicators.length} entries, at most ${L.MAX_KEY_INDICATORS}`,
    );
  }
  const names = new Set<string>();
  for (const [i, k] of s.keyIndicators.entries()) {
    const v =
      checkText(`key_indicators[${i}].name`, k.name, 1, L.MAX_INDICATOR_NAME_BYTES) ??
      checkText(`key_indicators[${i}].value`, k.value, 1, L.MAX_INDICATOR_VALUE_BYTES);
    if (v) return v;
    if (names.has(k.name))
      return violation(
        "INVALID_ARGUMENT",
        "duplicate-entry",
        `key_indicators[${i}].name repeats ${JSON.stringify(k.name)}`,
      );
    names.add(k.name);
  }
  return undefined;
}

/** An optional name in one language: absent, or a name like any other (present but empty is refused). */
function checkTranslatedName(field: string, value: string | undefined): Check {
  return value === undefined ? undefined : checkText(field, value, 1, L.MAX_NAME_BYTES);
}

function checkAccredited(s: IssuerAccredited): Check {
  const v =
    checkId("issuer_id", s.issuerId, ISSUER_ID) ??
    checkText("name", s.name, 1, L.MAX_NAME_BYTES) ??
    checkTranslatedName("name_en", s.nameEn) ??
    checkTranslatedName("name_zh", s.nameZh) ??
    checkPublicKey("public_key", s.publicKey);
  if (v) return v;
  if (s.scope.length < 1 || s.scope.length > L.MAX_SCOPE_ENTRIES) {
    return violation(
      "INVALID_ARGUMENT",
      "too-many-entries",
      `scope has ${s.scope.length} entries, not within 1..${L.MAX_SCOPE_ENTRIES}`,
    );
  }
  const seen = new Set<string>();
  for (const [i, e] of s.scope.entries()) {
    const w =
      checkId(`scope[${i}].category_id`, e.categoryId, CATEGORY_ID) ?? checkTier(`scope[${i}].max_tier`, e.maxTier);
    if (w) return w;
    if (seen.has(e.categoryId))
      return violation("INVALID_ARGUMENT", "duplicate-entry", `scope[${i}] repeats category ${e.categoryId}`);
    seen.add(e.categoryId);
  }
  return undefined;
}

function checkKind(s: Statement): Check {
  const k = s.kind;
  switch (k?.$case) {
    case undefined:
      return violation("INVALID_ARGUMENT", "missing-kind", "the statement names no kind (empty oneof)");
    case "labelIssued":
      return checkIssued(k.value);
    case "labelUpgraded":
      return checkTier("tier", k.value.tier) ?? checkEvidence("test_report", k.value.testReport, false);
    case "labelDowngraded":
      return checkTier("tier", k.value.tier) ?? checkReason("reason", k.value.reason);
    case "labelRenewed":
      return (
        checkTime("valid_until_unix", k.value.validUntilUnix, false) ??
        checkTime("security_support_until_unix", k.value.securitySupportUntilUnix, true) ??
        (k.value.testReport ? checkEvidence("test_report", k.value.testReport, false) : undefined)
      );
    case "labelSuspended":
    case "labelReinstated":
    case "labelRevoked":
      return checkReason("reason", k.value.reason);
    case "issuerAccredited":
      return checkAccredited(k.value);
    case "issuerKeyRotated":
      return (
        checkId("issuer_id", k.value.issuerId, ISSUER_ID) ??
        checkPublicKey("new_public_key", k.value.newPublicKey) ??
        checkReason("reason", k.value.reason)
      );
    case "issuerSuspended":
    case "issuerWithdrawn":
      return checkId("issuer_id", k.value.issuerId, ISSUER_ID) ?? checkReason("reason", k.value.reason);
    case "categoryPublished":
      return (
        checkId("category_id", k.value.categoryId, CATEGORY_ID) ??
        checkText("name", k.value.name, 1, L.MAX_NAME_BYTES) ??
        checkTranslatedName("name_en", k.value.nameEn) ??
        checkTranslatedName("name_zh", k.value.nameZh) ??
        checkText("description", k.value.description, 0, L.MAX_DESCRIPTION_BYTES)
      );
  }
}

/** Common fields: label id and version only on label statements; issuance expects version 0. */
function checkCommon(s: Statement): Check {
  const v = checkId("request_id", s.requestId, REQUEST_ID) ?? checkTime("signed_at_unix", s.signedAtUnix, false);
  if (v || !s.kind) return v;
  if (!LABEL_KINDS.has(s.kind.$case)) {
    if (s.labelId !== "" || s.expectedLabelVersion !== 0n) {
      return violation(
        "INVALID_ARGUMENT",
        "label-fields-not-allowed",
        `label_id and expected_label_version must be empty on ${s.kind.$case}`,
      );
    }
    return undefined;
  }
  const w = checkId("label_id", s.labelId, LABEL_ID);
  if (w) return w;
  const issuance = s.kind.$case === "labelIssued";
  if (issuance !== (s.expectedLabelVersion === 0n)) {
    return violation(
      "INVALID_ARGUMENT",
      "expected-version-range",
      issuance
        ? "expected_label_version must be 0 for issuance"
        : "expected_label_version must be at least 1 for a change",
    );
  }
  return undefined;
}

/** Every structural rule, in a fixed order; the first broken one is returned (INVALID_ARGUMENT). */
export function validateStatement(s: Statement): RuleViolation | undefined {
  return checkCommon(s) ?? checkKind(s);
}
