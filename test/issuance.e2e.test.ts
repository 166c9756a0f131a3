// The write path end to end over real gRPC on loopback: the authority and an issuer take a label
// through its life with the client SDK, then again with the `labelreg` CLI in child processes
// (including a CSV bulk issuance with bad rows). Every receipt is checked with the log library
// alone (log/): signed checkpoint, inclusion proof, entry bytes; and every checkpoint's root is
// recomputed from all the entries, so each is a prefix of one log.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesEqual, toHex } from "../log/bytes.js";
import { openCheckpoint } from "../log/checkpoint.js";
import { parseVerifierKey } from "../log/note-keys.js";
import { verifyInclusion } from "../log/proof.js";
import { LogEntry, Receipt, type SignedStatement } from "../proto/gen/messages/labelreg/v1/entry.js";
import { Statement, Tier } from "../proto/gen/messages/labelreg/v1/statement.js";
import type { RegistryClient } from "../services/client/client.js";
import { formatCsv } from "../services/csv/csv.js";
import { LABEL_COLUMNS } from "../app/cli/label-fields.js";
import * as S from "../services/client/statements.js";
import { labelreg } from "./labelreg-cli.js";
import { naiveRoot } from "./naive-merkle.js";
import { CATEGORY, sampleLabel, startIssuanceFixture, type IssuanceFixture } from "./issuance-fixture.js";
import { hasher } from "../log/hasher.js";

const reason = (text: string) => ({ code: 1, text });
const evidence = (n: number) => ({ sha256: new Uint8Array(32).fill(n), uri: `https://lab.example/reports/${n}.pdf` });

/** Checks a receipt with log/ only; returns the decoded entry and the checkpoint. */
function checkWithLogLibrary(logKey: string, receipt: Receipt, submitted?: SignedStatement) {
  const { checkpoint } = openCheckpoint(receipt.checkpoint, parseVerifierKey(logKey));
  const index = Number(receipt.index);
  verifyInclusion(index, checkpoint.size, hasher.leafHash(receipt.entry), receipt.inclusionProof, checkpoint.root);
  const entry = LogEntry.decode(receipt.entry);
  if (submitted) {
    expect(bytesEqual(entry.statement, submitted.statement)).toBe(true);
    expect(bytesEqual(entry.keyId, submitted.keyId)).toBe(true);
    expect(bytesEqual(entry.signature, submitted.signature)).toBe(true);
  }
  return { index, checkpoint, entry, statement: Statement.decode(entry.statement) };
}

/** Every receipt's checkpoint root equals the root of that prefix of all the entries. */
function checkOneLog(receipts: readonly Receipt[], logKey: string): void {
  const byIndex = new Map<number, Uint8Array>();
  // Each receipt also carries the map commitment that ends its checkpoint, so the receipts cover every index.
  for (const r of receipts) {
    byIndex.set(Number(r.index), r.entry);
    byIndex.set(openCheckpoint(r.checkpoint, parseVerifierKey(logKey)).checkpoint.size - 1, r.commitmentEntry);
  }
  const leaves = [...byIndex.keys()].sort((a, b) => a - b).map((i) => hasher.leafHash(byIndex.get(i)!));
  expect([...byIndex.keys()].sort((a, b) => a - b)).toEqual(leaves.map((_, i) => i));
  for (const r of receipts) {
    const { checkpoint } = openCheckpoint(r.checkpoint, parseVerifierKey(logKey));
    if (checkpoint.size <= leaves.length)
      expect(toHex(naiveRoot(leaves.slice(0, checkpoint.size), hasher))).toBe(toHex(checkpoint.root));
  }
}

describe("issuance with the client SDK", () => {
  let f: IssuanceFixture;
  let client: RegistryClient;
  const receipts: Receipt[] = [];
  beforeAll(async () => {
    f = await startIssuanceFixture();
    client = f.client();
  });
  afterAll(() => f.close());

  async function submit(signer: { sign(s: Statement): SignedStatement }, s: Statement) {
    const signed = signer.sign(client.forThisLog(s));
    const r = await client.submit(signed);
    receipts.push(r.receipt);
    const checked = checkWithLogLibrary(f.logKey, r.receipt, signed);
    expect(checked.index).toBe(r.index);
    return checked;
  }

  it("authority publishes, accredits; the issuer takes a label through its whole life; every receipt verifies", async () => {
    expect(
      (await submit(f.authority, S.publishCategory({ categoryId: CATEGORY, name: "Consumer network cameras" }))).index,
    ).toBe(0);
    const issuer = f.newIssuerKey("CCRC").signer;
    await submit(
      f.authority,
      S.accreditIssuer({
        issuerId: "CCRC",
        name: "CCRC Certification",
        publicKey: issuer.publicKey,
        scope: [{ categoryId: CATEGORY, maxTier: Tier.TIER_LEADING }],
      }),
    );

    const label = "CCRC-2026000123";
    const steps: [Statement, string][] = [
      [S.issueLabel(label, sampleLabel("EV-C200", undefined, Tier.TIER_BASIC)), "labelIssued"],
      [
        S.upgradeLabel({ labelId: label, expectedVersion: 1 }, { tier: Tier.TIER_LEADING, testReport: evidence(3) }),
        "labelUpgraded",
      ],
      [
        S.downgradeLabel(
          { labelId: label, expectedVersion: 2 },
          { tier: Tier.TIER_ENHANCED, reason: reason("penetration test finding") },
        ),
        "labelDowngraded",
      ],
      [
        S.renewLabel({ labelId: label, expectedVersion: 3 }, { validUntilUnix: S.nowUnix() + 700n * 86_400n }),
        "labelRenewed",
      ],
      [S.suspendLabel({ labelId: label, expectedVersion: 4 }, reason("unfixed vulnerability")), "labelSuspended"],
      [S.reinstateLabel({ labelId: label, expectedVersion: 5 }, reason("fixed in firmware 2.1")), "labelReinstated"],
      [S.revokeLabel({ labelId: label, expectedVersion: 6 }, reason("support ended")), "labelRevoked"],
    ];
    for (const [s, kind] of steps) {
      const c = await submit(issuer, s);
      expect(c.statement.kind?.$case).toBe(kind);
      expect(c.statement.labelId).toBe(label);
      expect(toHex(c.entry.keyId)).toBe(toHex(issuer.keyId));
    }
    const state = f.running.registry.view.state.labels.get(label);
    expect(state).toMatchObject({ state: "REVOKED", version: 7n, tier: Tier.TIER_ENHANCED });
    // REVOKED is final
    await expect(
      client.submit(f.sign(issuer, S.reinstateLabel({ labelId: label, expectedVersion: 7 }, reason("no")))),
    ).rejects.toMatchObject({ code: "FAILED_PRECONDITION", rule: "transition-not-allowed" });
  });

  it("the authority suspends and revokes another issuer's label, rotates the issuer's key, suspends and withdraws it", async () => {
    const first = f.newIssuerKey("CQC");
    await submit(
      f.authority,
      S.accreditIssuer({
        issuerId: "CQC",
        name: "CQC",
        publicKey: first.signer.publicKey,
        scope: [{ categoryId: CATEGORY, maxTier: Tier.TIER_ENHANCED }],
      }),
    );
    await submit(first.signer, S.issueLabel("CQC-1", sampleLabel("R-1")));
    await submit(f.authority, S.suspendLabel({ labelId: "CQC-1", expectedVersion: 1 }, reason("market surveillance")));
    const second = f.newIssuerKey("CQC");
    await submit(
      f.authority,
      S.rotateIssuerKey({
        issuerId: "CQC",
        newPublicKey: second.signer.publicKey,
        reason: { code: 8, text: "annual rotation" },
      }),
    );
    await expect(client.submit(f.sign(first.signer, S.issueLabel("CQC-2", sampleLabel("R-2"))))).rejects.toMatchObject({
      code: "UNAUTHENTICATED",
      rule: "key-retired",
    });
    await submit(second.signer, S.issueLabel("CQC-2", sampleLabel("R-2")));
    await submit(f.authority, S.revokeLabel({ labelId: "CQC-1", expectedVersion: 2 }, reason("fraud")));
    await submit(f.authority, S.suspendIssuer("CQC", reason("audit")));
    await expect(client.submit(f.sign(second.signer, S.issueLabel("CQC-3", sampleLabel("R-3"))))).rejects.toMatchObject(
      { code: "PERMISSION_DENIED", rule: "issuer-suspended" },
    );
    await submit(f.authority, S.withdrawIssuer("CQC", reason("accreditation ended")));
    expect(f.running.registry.view.state.issuers.get("CQC")?.status).toBe("WITHDRAWN");
  });

  it("every checkpoint seen is a prefix of one log", () => {
    expect(receipts.length).toBe(f.statementCount());
    checkOneLog(receipts, f.logKey);
  });
});

describe("issuance with the labelreg CLI", () => {
  let f: IssuanceFixture;
  let conn: string[];
  const cli = (args: string[]) => labelreg(f.dir, [...args, ...conn]);
  beforeAll(async () => {
    f = await startIssuanceFixture();
    conn = ["--registry", f.address, "--log-key", join(f.dir, "data", "log.pub")];
  });
  afterAll(() => f.close());

  const savedReceipt = (path: string) => Receipt.fromJSON(JSON.parse(readFileSync(join(f.dir, path), "utf8")));

  it("keygen, publish-category, accredit, issue, upgrade, revoke: each prints its outcome and saves a verifying receipt", async () => {
    const keygen = await labelreg(f.dir, ["keygen", "--name", "CCRC", "--out", "ccrc.key"]);
    expect(keygen.code, keygen.stderr).toBe(0);
    const auth = ["--key", f.authorityKeyFile, "--json"];
    const steps: [string[], Record<string, unknown>][] = [
      // Each command is a batch of its own: its statement and the batch's map commitment.
      [
        ["authority", "publish-category", ...auth, "--category-id", CATEGORY, "--name", "Consumer network cameras"],
        { index: 0, kind: "categoryPublished" },
      ],
      [
        [
          "authority",
          "accredit",
          ...auth,
          "--issuer-id",
          "CCRC",
          "--name",
          "CCRC Certification",
          "--public-key",
          "ccrc.key.pub",
          "--scope",
          `${CATEGORY}:3`,
        ],
        { index: 2, kind: "issuerAccredited" },
      ],
      [
        [
          "issuer",
          "issue",
          "--key",
          "ccrc.key",
          "--json",
          "--label-id",
          "CCRC-1",
          "--manufacturer-name",
          "Example Vision Co., Ltd.",
          "--registration-code",
          "91330100MA2AXXXX1X",
          "--product-model",
          "EV-C200",
          "--category-id",
          CATEGORY,
          "--tier",
          "basic",
          "--valid-until",
          "2027-12-31",
          "--security-support-until",
          "2030-12-31",
          "--lab-name",
          "Example Lab",
          "--lab-accreditation-code",
          "CNAS L0001",
          "--standard-reference",
          "GB/T 00000-2025",
          "--test-report-sha256",
          "ab".repeat(32),
          "--test-report-uri",
          "https://lab.example/r/1.pdf",
          "--doc-sha256",
          "cd".repeat(32),
          "--key-indicators",
          "default passwords=none; updates=5 years",
          "--out",
          "r/issue.json",
        ],
        { index: 4, kind: "labelIssued", state: "ACTIVE", version: "1", receipt: "r/issue.json" },
      ],
      [
        [
          "issuer",
          "upgrade",
          "--key",
          "ccrc.key",
          "--json",
          "--label-id",
          "CCRC-1",
          "--expected-version",
          "1",
          "--tier",
          "3",
          "--test-report-sha256",
          "ef".repeat(32),
          "--test-report-uri",
          "https://lab.example/r/2.pdf",
        ],
        { index: 6, state: "ACTIVE", version: "2" },
      ],
      [
        [
          "issuer",
          "revoke",
          "--key",
          "ccrc.key",
          "--json",
          "--label-id",
          "CCRC-1",
          "--expected-version",
          "2",
          "--reason",
          "support ended",
          "--reason-code",
          "support-ended",
        ],
        { index: 8, state: "REVOKED", version: "3" },
      ],
    ];
    for (const [args, want] of steps) {
      const r = await cli(args);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
      expect(out).toMatchObject(want);
      const c = checkWithLogLibrary(f.logKey, savedReceipt(String(out.receipt)));
      expect(c.index).toBe(want.index);
    }
    const issued = checkWithLogLibrary(f.logKey, savedReceipt("r/issue.json")).statement;
    expect(issued.kind?.$case === "labelIssued" && issued.kind.value).toMatchObject({
      tier: 1,
      validUntilUnix: BigInt(Date.UTC(2027, 11, 31) / 1000),
      keyIndicators: [
        { name: "default passwords", value: "none" },
        { name: "updates", value: "5 years" },
      ],
    });
    // human output names the index and the state
    const human = await cli([
      "issuer",
      "issue",
      "--key",
      "ccrc.key",
      "--label-id",
      "CCRC-2",
      "--manufacturer-name",
      "Example Vision Co., Ltd.",
      "--registration-code",
      "91330100MA2AXXXX1X",
      "--product-model",
      "EV-C300",
      "--category-id",
      CATEGORY,
      "--tier",
      "2",
      "--valid-until",
      "2027-12-31",
      "--lab-name",
      "Example Lab",
      "--standard-reference",
      "GB/T 00000-2025",
      "--test-report-sha256",
      "ab".repeat(32),
      "--test-report-uri",
      "https://lab.example/r/3.pdf",
      "--doc-sha256",
      "cd".repeat(32),
    ]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(
      /logged at index 10 .*CCRC-2 is ACTIVE at version 1; receipt in receipts\/10-CCRC-2\.json/,
    );
  });

  it("a refusal prints the status and rule, exits 1, and writes nothing", async () => {
    const size = f.treeSize();
    const r = await cli([
      "issuer",
      "revoke",
      "--key",
      "ccrc.key",
      "--label-id",
      "CCRC-2",
      "--expected-version",
      "5",
      "--reason",
      "stale",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("refused: ABORTED label-version-mismatch: label CCRC-2 is at version 1, not 5");
    const bad = await cli(["issuer", "issue", "--key", "ccrc.key", "--label-id", "CCRC-3"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/required options not specified: --manufacturer-name, --registration-code, /);
    expect(f.treeSize()).toBe(size);
  });

  it("bulk issuance from a CSV of 300 rows: valid rows issued with verifying receipts, bad rows reported with their rule, exit 1", async () => {
    const header = LABEL_COLUMNS.filter((c) => c !== "request_id" && c !== "valid_from");
    const rows: string[][] = [header];
    const expectedFailures = new Map<number, string>();
    for (let i = 1; i <= 300; i++) {
      const cell: Record<string, string> = {
        label_id: `CCRC-CSV${i}`,
        manufacturer_name: i % 2 ? "Shenzhen Example Tech, Inc." : 'Example "Quoted" Ltd.',
        registration_code: "91440300MA5EXXXX2Y",
        product_model: `CAM-${i}`,
        category_id: CATEGORY,
        tier: String((i % 3) + 1),
        valid_until: "2028-06-30",
        security_support_until: "",
        lab_name: "Example Lab",
        lab_accreditation_code: "",
        standard_reference: "GB/T 00000-2025",
        test_report_sha256: toHex(new Uint8Array(32).fill(i & 255)),
        test_report_uri: `https://lab.example/csv/${i}.pdf`,
        doc_sha256: "cd".repeat(32),
        doc_uri: "",
        key_indicators: "default passwords=none",
      };
      if (i % 50 === 7) (cell.tier = "4"), expectedFailures.set(i, "tier");
      if (i % 50 === 13) (cell.test_report_sha256 = "xyz"), expectedFailures.set(i, "test_report_sha256");
      if (i % 50 === 21) (cell.product_model = "CAM-1"), expectedFailures.set(i, "product-has-live-label");
      if (i % 50 === 33) (cell.category_id = "smart-kettle"), expectedFailures.set(i, "category-not-in-catalogue");
      if (i === 299) (cell.label_id = "CCRC-CSV298"), expectedFailures.set(i, "duplicate-label-id");
      if (i === 300) (cell.label_id = "QQQ-1"), expectedFailures.set(i, "label-id-not-issuers");
      rows.push(header.map((c) => cell[c]!));
    }
    rows[150] = rows[150]!.slice(0, 5);
    expectedFailures.set(150, "column-count");
    writeFileSync(join(f.dir, "labels.csv"), formatCsv(rows));
    const size = f.statementCount();
    const r = await cli([
      "issuer",
      "issue",
      "--key",
      "ccrc.key",
      "--csv",
      "labels.csv",
      "--out",
      "bulk",
      "--window",
      "32",
      "--json",
    ]);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout.trim()) as {
      rows: number;
      issued: number;
      failed: number;
      failures: { row: number; rule: string; code: string }[];
    };
    expect(out.rows).toBe(300);
    expect(Object.fromEntries(out.failures.map((x) => [x.row, x.rule]))).toEqual(Object.fromEntries(expectedFailures));
    expect(out.issued).toBe(300 - expectedFailures.size);
    expect(f.statementCount()).toBe(size + out.issued);
    const files = readdirSync(join(f.dir, "bulk"));
    expect(files.length).toBe(out.issued);
    for (const file of files) {
      const c = checkWithLogLibrary(f.logKey, savedReceipt(join("bulk", file)));
      expect(`${c.statement.labelId}.json`).toBe(file);
    }
  });
});
