// `labelreg tender check` as a buyer runs it (a child process) against a registry on loopback,
// then `labelreg verify --evidence` re-checking the evidence offline: every outcome, the report,
// and evidence that fails once any part of it is changed.
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Tier } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { labelregBin as bin } from "../../test/built.js";
import { startCliRegistry, type CliRegistry } from "../../test/cli-registry.js";
import { labelChange, labelIssued } from "../../test/statement-kit.js";
import { tenderRows } from "../../services/verify/tender-collect.js";

let reg: CliRegistry;
let dir: string;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const keys = ["--log-key", reg.running.logVerifierKey, "--authority-key", reg.running.authorityVerifierKey];
  return new Promise((res) =>
    execFile(process.execPath, [bin, ...args, ...keys], { cwd: dir }, (err, stdout, stderr) =>
      res({ code: err ? Number(err.code) : 0, stdout, stderr }),
    ),
  );
}

const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  reg = await startCliRegistry("TEN", 93);
  dir = reg.dir;
  const submit = reg.submit;
  await submit(labelIssued("l1", "TEN", "1", Tier.TIER_BASIC));
  await submit(labelIssued("l2", "TEN", "2", Tier.TIER_LEADING));
  await submit(labelIssued("l3", "TEN", "3", Tier.TIER_LEADING));
  await submit(labelIssued("l4", "TEN", "4", Tier.TIER_LEADING));
  await submit(labelChange("s3", "TEN-3", 1n, "suspend"));
  await submit(labelChange("r4", "TEN-4", 1n, "revoke"));
  writeFileSync(
    join(dir, "list.csv"),
    [
      "label_id,registration_code,model",
      "TEN-1,,",
      "TEN-2,,",
      "TEN-3,,",
      "TEN-4,,",
      ",91330100MATEN,M2",
      ",91330100MATEN,M404",
      "TEN-999,,",
      ",91330100MATEN,M4",
    ].join("\n"),
  );
}, 30_000);

afterAll(() => reg?.close());

/** `labelreg tender check` of list.csv into `out`. */
function check(minTier: string, validThrough: string, out: string) {
  const args = ["--csv", "list.csv", "--min-tier", minTier, "--valid-through", validThrough, "--out", out];
  return cli(["tender", "check", ...args, "--registry", reg.running.grpc.address]);
}

describe("labelreg tender check", () => {
  it("answers every row from proofs, and the evidence re-verifies offline", async () => {
    const through = inDays(30);
    const r = await check("2", through, "out");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("2 of 8 rows meet the tender");
    const evidence = JSON.parse(readFileSync(join(dir, "out", "evidence.json"), "utf8"));
    expect(evidence.rows.map((x: { outcome: string }) => x.outcome)).toEqual([
      "below-tier",
      "meets",
      "suspended",
      "revoked",
      "meets",
      "no-label",
      "no-label",
      "no-label",
    ]);
    expect(evidence.rows[4].checkedLabelId).toBe("TEN-2");
    expect(evidence.rows[5].reason).toMatch(/no such product exists \(proven/);
    expect(evidence.rows[6].reason).toMatch(/no label TEN-999 exists \(proven/);
    expect(evidence.rows[7].reason).toBe("the product has no live label (proven; its labels: TEN-4)");
    const report = readFileSync(join(dir, "out", "report.html"), "utf8");
    expect(report).toContain("符合 · Meets");
    expect(report).toContain("已撤销 · Revoked");
    expect(report).toContain(`${through}`);

    const ok = await cli(["verify", "--evidence", "out/evidence.json"]);
    expect(ok.stdout).toContain("evidence verified: 8 rows (2 meet the tender)");
    expect(ok.code).toBe(0);

    // A longer validity requirement than the labels have: expires-before.
    const later = await check("1", inDays(800), "later");
    expect(later.stdout).toMatch(/row 1: expires-before — label TEN-1 is valid until/);
  }, 60_000);

  it("evidence changed anywhere does not verify: an answer, a proof byte, even its layout", async () => {
    const text = readFileSync(join(dir, "out", "evidence.json"), "utf8");
    const tampered = (name: string, t: string) => {
      writeFileSync(join(dir, name), t);
      return cli(["verify", "--evidence", name]);
    };
    const answer = await tampered("answer.json", text.replace('"outcome": "below-tier"', '"outcome": "meets"'));
    expect(answer.code).toBe(1);
    expect(answer.stdout).toMatch(/row 1: the evidence says meets, its proofs say below-tier/);
    // One base64 character of the first inclusion proof in the stream.
    const at = text.indexOf('"inclusionProof": [') + 25;
    const flipped = text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);
    const proof = await tampered("proof.json", flipped);
    expect(proof.code).toBe(1);
    expect(proof.stdout).toContain("evidence does NOT verify");
    const layout = await tampered("layout.json", text.replace("\n", "\n "));
    expect(layout.code).toBe(1);
    expect(layout.stdout).toMatch(/canonical form/);
  }, 60_000);

  it("refuses bad criteria and lists with a message naming the problem", async () => {
    const bad = await cli([
      "tender",
      "check",
      "--csv",
      "list.csv",
      "--min-tier",
      "4",
      "--valid-through",
      "2027-12-31",
      "--out",
      "x",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/min-tier must be 1, 2 or 3/);
    const date = await cli([
      "tender",
      "check",
      "--csv",
      "list.csv",
      "--min-tier",
      "2",
      "--valid-through",
      "2027-02-30",
      "--out",
      "x",
    ]);
    expect(date.stderr).toMatch(/valid-through must be a date YYYY-MM-DD/);
    expect(() => tenderRows("label_id\nAB-1\n", 10)).not.toThrow();
    expect(() => tenderRows("label_id\nA-1\n", 10)).toThrow(/not a label id/);
    expect(() => tenderRows("model\nX\n", 10)).toThrow(/header must name label_id/);
    expect(() => tenderRows("label_id,registration_code,model\n,91330100MATEN,\n", 10)).toThrow(/row 1 \(line 2\)/);
  });
});
