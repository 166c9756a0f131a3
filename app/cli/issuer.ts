// `labelreg issuer ...`: an issuer's label statements. The authority may use suspend, reinstate
// and revoke too, with its own key. Changes name the label's current version (--expected-version),
// so a change made by someone else in between is refused (ABORTED) rather than overwritten.
import type { Command } from "commander";
import {
  downgradeLabel,
  reinstateLabel,
  renewLabel,
  revokeLabel,
  suspendLabel,
  upgradeLabel,
  type LabelChange,
} from "../../services/client/statements.js";
import { parseDigest, parseReason, parseTier, parseTime, parseVersion } from "./field-values.js";
import { addCsvOptions, issueFromCsv, type CsvIssueOptions } from "./issue-csv.js";
import {
  COLUMN_HELP,
  LABEL_COLUMNS,
  REQUIRED_COLUMNS,
  labelStatementFromFields,
  type LabelFields,
} from "./label-fields.js";
import {
  envelopeOf,
  signAndSubmit,
  withReason,
  withSubmitOptions,
  type ReasonOptions,
  type SubmitOptions,
} from "./submit-command.js";

interface ChangeOptions extends SubmitOptions {
  labelId: string;
  expectedVersion: string;
}

const camel = (col: string) => col.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function change(o: ChangeOptions): LabelChange {
  return { labelId: o.labelId, expectedVersion: parseVersion("expected-version", o.expectedVersion) };
}

function labelChangeCommand(issuer: Command, name: string, description: string): Command {
  return withSubmitOptions(
    issuer
      .command(name)
      .description(description)
      .requiredOption("--label-id <id>", "the label, e.g. CCRC-2026000123")
      .requiredOption("--expected-version <n>", "the label's current version (1 after issuance, +1 per change)"),
  );
}

export function registerIssuer(issuer: Command): void {
  const issue = withSubmitOptions(
    issuer
      .command("issue")
      .description("issue a new label (one from the options, or many from --csv; see README 'Issuing labels')"),
    "receipt JSON file; with --csv, the directory for one receipt per label (default: receipts/)",
  );
  // Required unless --csv gives the labels; commander cannot say "one or the other", so the
  // help marks them and labelStatementFromFields reports every missing one at once.
  for (const col of LABEL_COLUMNS) {
    if (col === "request_id") continue;
    issue.option(
      `--${col.replaceAll("_", "-")} <value>`,
      `${REQUIRED_COLUMNS.includes(col) ? "(required) " : ""}${COLUMN_HELP[col]}`,
    );
  }
  addCsvOptions(issue);
  issue.action(async (o: SubmitOptions & Record<string, string | undefined> & { csv?: string }) => {
    if (o.csv !== undefined) return issueFromCsv(o as unknown as CsvIssueOptions);
    const fields: LabelFields = {};
    for (const col of LABEL_COLUMNS) {
      const v = o[camel(col)];
      if (v !== undefined) fields[col] = v;
    }
    if (o.requestId) fields.request_id = o.requestId;
    const missing = REQUIRED_COLUMNS.filter((c) => !fields[c]?.trim()).map((c) => `--${c.replaceAll("_", "-")}`);
    if (missing.length)
      throw new Error(
        `required options not specified: ${missing.join(", ")} (or --csv FILE for many labels; see --help)`,
      );
    await signAndSubmit(o, () => labelStatementFromFields(fields));
  });

  labelChangeCommand(issuer, "upgrade", "raise a label's tier after new testing")
    .requiredOption("--tier <tier>", "the new tier: 1..3 or basic, enhanced, leading")
    .requiredOption("--test-report-sha256 <hex>", "SHA-256 of the new test report")
    .requiredOption("--test-report-uri <uri>", "https URI of the new test report")
    .action((o: ChangeOptions & { tier: string; testReportSha256: string; testReportUri: string }) =>
      signAndSubmit(o, () =>
        upgradeLabel(
          change(o),
          {
            tier: parseTier("tier", o.tier),
            testReport: { sha256: parseDigest("test-report-sha256", o.testReportSha256), uri: o.testReportUri },
          },
          envelopeOf(o),
        ),
      ),
    );

  withReason(
    labelChangeCommand(issuer, "downgrade", "lower a label's tier").requiredOption("--tier <tier>", "the new tier"),
    "nonconformity",
  ).action((o: ChangeOptions & ReasonOptions & { tier: string }) =>
    signAndSubmit(o, () =>
      downgradeLabel(
        change(o),
        { tier: parseTier("tier", o.tier), reason: parseReason(o.reasonCode, o.reason) },
        envelopeOf(o),
      ),
    ),
  );

  labelChangeCommand(issuer, "renew", "extend a label's validity")
    .requiredOption("--valid-until <time>", "the new end of validity (Unix seconds, YYYY-MM-DD or RFC 3339)")
    .option("--security-support-until <time>", "a new security-support end date")
    .option("--test-report-sha256 <hex>", "SHA-256 of a new test report")
    .option("--test-report-uri <uri>", "https URI of a new test report")
    .action(
      (
        o: ChangeOptions & {
          validUntil: string;
          securitySupportUntil?: string;
          testReportSha256?: string;
          testReportUri?: string;
        },
      ) =>
        signAndSubmit(o, () =>
          renewLabel(
            change(o),
            {
              validUntilUnix: parseTime("valid-until", o.validUntil),
              ...(o.securitySupportUntil
                ? { securitySupportUntilUnix: parseTime("security-support-until", o.securitySupportUntil) }
                : {}),
              ...(o.testReportSha256
                ? {
                    testReport: {
                      sha256: parseDigest("test-report-sha256", o.testReportSha256),
                      uri: o.testReportUri ?? "",
                    },
                  }
                : {}),
            },
            envelopeOf(o),
          ),
        ),
    );

  const simple = [
    ["suspend", "suspend a label", "nonconformity", suspendLabel],
    ["reinstate", "reinstate a suspended label", "other", reinstateLabel],
    ["revoke", "revoke a label (final)", "nonconformity", revokeLabel],
  ] as const;
  for (const [name, description, code, build] of simple) {
    withReason(labelChangeCommand(issuer, name, description), code).action((o: ChangeOptions & ReasonOptions) =>
      signAndSubmit(o, () => build(change(o), parseReason(o.reasonCode, o.reason), envelopeOf(o))),
    );
  }
}
