// The statistics as CSV (RFC 4180, CRLF line ends): one figure per row, `section,key,name,metric,value`,
// so a spreadsheet can pivot any of them and a script needs no knowledge of the sections.
import { formatCsv, spreadsheetText } from "../csv/csv.js";
import { tierToJSON } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { issuerStatusToJSON, type RegistryStats } from "../../proto/gen/messages/labelreg/v1/verification_service.js";

export const STATS_CSV_HEADER = ["section", "key", "name", "metric", "value"] as const;

/**
 * Every figure of `s`, in the order of RegistryStats' fields. Names are the signers' free text,
 * made safe for spreadsheets (spreadsheetText); ids and figures follow syntaxes that cannot start
 * a formula.
 */
export function statsRows(s: RegistryStats): string[][] {
  const rows: string[][] = [];
  const row = (section: string, key: string, name: string, metric: string, value: bigint | number | string) =>
    rows.push([section, key, spreadsheetText(name), metric, String(value)]);
  row("log", "", "", "tree_size", s.treeSize);
  row("log", "", "", "as_of", new Date(Number(s.asOfUnix) * 1000).toISOString());
  row("log", "", "", "statements", s.statements);
  row("log", "", "", "commitments", s.commitments);
  row("log", "", "", "labels", s.labels);
  for (const t of s.activeByTier) row("active_by_tier", tierToJSON(t.tier), "", "active", t.labels);
  for (const c of s.activeByCategory) row("active_by_category", c.categoryId, c.name, "active", c.labels);
  for (const w of s.weeks) {
    row("week", w.week, "", "issued", w.issued);
    row("week", w.week, "", "suspended", w.suspended);
    row("week", w.week, "", "revoked", w.revoked);
  }
  for (const i of s.issuers) {
    row("issuer", i.issuerId, i.name, "status", issuerStatusToJSON(i.status));
    row("issuer", i.issuerId, i.name, "issued", i.issued);
    row("issuer", i.issuerId, i.name, "suspended", i.suspended);
    row("issuer", i.issuerId, i.name, "revoked", i.revoked);
    row("issuer", i.issuerId, i.name, "active", i.active);
  }
  for (const c of s.cosignatures)
    row(
      "cosignature",
      c.name,
      "",
      "timestamp",
      c.timestampUnix === 0n ? "" : new Date(Number(c.timestampUnix) * 1000).toISOString(),
    );
  return rows;
}

export function statsCsv(s: RegistryStats): string {
  return formatCsv([STATS_CSV_HEADER, ...statsRows(s)]);
}
