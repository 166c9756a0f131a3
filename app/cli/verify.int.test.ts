// `labelreg verify` as a user runs it (a child process), against a registry on loopback: one id,
// a saved bundle offline (and a tampered one), a CSV in bulk, a product's or a manufacturer's
// labels with proofs (--product, --manufacturer); exit codes and JSON verdicts.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSignerKeyFile } from "../../services/config/key-files.js";
import { labelregBin as bin } from "../../test/built.js";
import { startRegistry, type RunningRegistry } from "../server.js";
import {
  categoryPublished,
  issuerAccredited,
  issuerKey,
  labelChange,
  labelIssued,
  sign,
} from "../../test/statement-kit.js";
import { labelIdsFromCsv } from "./verify.js";
import { Tier } from "../../proto/gen/messages/labelreg/v1/statement.js";

let dir: string;
let running: RunningRegistry;

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) =>
    execFile(
      process.execPath,
      [
        bin,
        "verify",
        "--registry",
        running.grpc.address,
        "--log-key",
        running.logVerifierKey,
        "--authority-key",
        running.authorityVerifierKey,
        ...args,
      ],
      (err, stdout, stderr) => res({ code: err ? Number(err.code) : 0, stdout, stderr }),
    ),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "labelreg-cli-verify-"));
  running = await startRegistry({
    dataDir: join(dir, "data"),
    grpcAddress: "127.0.0.1:0",
    origin: "test.example/cli",
    batch: { lingerMs: 1 },
  });
  const authority = readSignerKeyFile(running.devAuthorityKeyFile!);
  const issuer = issuerKey(77);
  const r = running.registry;
  await r.submit(sign(authority, categoryPublished("c1"), r.origin));
  await r.submit(sign(authority, issuerAccredited("a1", "CLIV", issuer), r.origin));
  await r.submit(sign(issuer, labelIssued("l1", "CLIV", "1"), r.origin));
  await r.submit(sign(issuer, labelIssued("l2", "CLIV", "2"), r.origin));
  await r.submit(sign(issuer, labelChange("l2r", "CLIV-2", 1n, "revoke"), r.origin));
}, 30_000);

afterAll(async () => {
  await running?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("labelreg verify", () => {
  it("one id: valid exits 0; revoked and unknown exit 1", async () => {
    const ok = await cli(["CLIV-1"]);
    expect(ok.stdout).toContain("CLIV-1: VALID");
    expect(ok.code).toBe(0);
    const revoked = await cli(["CLIV-2", "--json"]);
    expect(revoked.code).toBe(1);
    expect(JSON.parse(revoked.stdout).status).toBe("revoked");
    const unknown = await cli(["CLIV-9"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain("label-not-found");
  }, 30_000);

  it("a saved bundle verifies offline; a tampered one is not verifiable", async () => {
    const file = join(dir, "b.json");
    expect((await cli(["CLIV-1", "--save-bundle", file])).code).toBe(0);
    const offline = await cli(["--bundle", file, "--registry", "127.0.0.1:1", "--json"]);
    expect(JSON.parse(offline.stdout).status).toBe("valid");
    const json = JSON.parse(readFileSync(file, "utf8"));
    json.checkpoint = json.checkpoint.replace(/\n(\d+)\n/, (_: string, n: string) => `\n${Number(n) + 1}\n`);
    writeFileSync(file, JSON.stringify(json));
    const bad = await cli(["--bundle", file, "--json"]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).reasons[0].code).toBe("checkpoint-signature");
  }, 30_000);

  it("a CSV in bulk: exit 0 only when every label is valid", async () => {
    const all = join(dir, "all.csv");
    writeFileSync(all, "label_id,note\nCLIV-1,x\n");
    expect((await cli(["--csv", all])).code).toBe(0);
    writeFileSync(all, "CLIV-1\nCLIV-2\nCLIV-404\n");
    const mixed = await cli(["--csv", all, "--json"]);
    expect(mixed.code).toBe(1);
    expect(JSON.parse(mixed.stdout).map((v: { status: string }) => v.status)).toEqual([
      "valid",
      "revoked",
      "not-verifiable",
    ]);
  }, 30_000);

  it("reads label ids from a header column or the first column", () => {
    expect(labelIdsFromCsv("model,label_id\nx,A-1\ny,B-2\n")).toEqual(["A-1", "B-2"]);
    expect(labelIdsFromCsv("A-1\n\nB-2\n")).toEqual(["A-1", "B-2"]);
  });
});

describe("labelreg verify --product / --manufacturer", () => {
  // The registry above: CLIV-1 (product M1), CLIV-2 (product M2, revoked), one manufacturer.
  it("--product: the product's labels, proven complete, exit 0; an unknown product is a proven absence, exit 1", async () => {
    const r = await cli(["--product", `91330100MACLIV/m2`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^product 91330100MACLIV \/ m2: 1 label, live none\n {4}CLIV-2 {2}REVOKED/);
    expect(r.stdout).toContain("the product's complete, current list of labels as of checkpoint test.example/cli size");
    const gone = await cli(["--product", `91330100MACLIV/NOPE`]);
    expect(gone.code).toBe(1);
    expect(gone.stdout).toMatch(/NOT FOUND — the registry proves there is none as of checkpoint/);
  });

  it("--manufacturer: every product with its labels; --json for machines", async () => {
    const r = await cli(["--manufacturer", "91330100MACLIV", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { status: string; products: { model: string; labelIds: string[] }[] };
    expect(j.status).toBe("verified");
    expect(j.products.map((p) => [p.model, p.labelIds])).toEqual([
      ["M1", ["CLIV-1"]],
      ["M2", ["CLIV-2"]],
    ]);
    const gone = await cli(["--manufacturer", "91110000000000000X", "--json"]);
    expect(gone.code).toBe(1);
    expect(JSON.parse(gone.stdout)).toMatchObject({ status: "absent", verified: true, kind: "manufacturer" });
  });

  it("usage errors: a malformed --product, two modes at once", async () => {
    const bad = await cli(["--product", "no-slash"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("REGISTRATION_CODE/MODEL");
    const two = await cli(["CLIV-1", "--manufacturer", "91330100MACLIV"]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain("give exactly one of");
  });
});

/** Resolves just after the next whole second, so the next entry is sequenced a second later. */
const nextSecond = () => new Promise((r) => setTimeout(r, 1020 - (Date.now() % 1000)));

describe("labelreg verify --at: a point in time from the complete history", () => {
  /** Sequencing times of CLIV-3's entries: issued (1 star), upgraded (2 stars), revoked. */
  let issued: number;
  let upgraded: number;
  let revoked: number;
  let file: string;

  beforeAll(async () => {
    const r = running.registry;
    const issuer = issuerKey(77);
    await r.submit(sign(issuer, labelIssued("l3", "CLIV", "3", Tier.TIER_BASIC), r.origin));
    await nextSecond();
    await r.submit(sign(issuer, labelChange("l3u", "CLIV-3", 1n, "upgrade", Tier.TIER_ENHANCED), r.origin));
    await nextSecond();
    await r.submit(sign(issuer, labelChange("l3r", "CLIV-3", 2n, "revoke"), r.origin));
    const times = r.view.state.labels.get("CLIV-3")!.history.map((h) => Number(h.sequencedAtUnix));
    [issued, upgraded, revoked] = [times[0]!, times[1]!, times[2]!];
    expect(issued < upgraded && upgraded < revoked).toBe(true);
    file = join(dir, "at.json");
    expect((await cli(["CLIV-3", "--save-bundle", file])).code).toBe(1); // revoked now
  }, 30_000);

  it("yes (exit 0): 2 stars once upgraded, before the revocation; live and from a saved bundle", async () => {
    for (const source of [["CLIV-3"], ["--bundle", file]]) {
      const yes = await cli([...source, "--at", String(upgraded), "--min-tier", "2"]);
      expect(yes.stdout).toMatch(/^CLIV-3 at .*: YES \(valid with at least 2 stars\?\)/);
      expect(yes.stdout).toContain("then: valid, ★★ tier 2");
      expect(yes.stdout).toContain("from the label's complete history as of checkpoint");
      expect(yes.code, yes.stdout + yes.stderr).toBe(0);
    }
  }, 30_000);

  it("no (exit 1): 1 star before the upgrade, though valid then", async () => {
    const no = await cli(["CLIV-3", "--at", String(issued), "--min-tier", "2", "--json"]);
    expect(no.code).toBe(1);
    const j = JSON.parse(no.stdout);
    expect(j).toMatchObject({ answer: "no", complete: true, stateAt: { status: "valid", tier: 1 } });
    expect(j.reasons.map((x: { code: string }) => x.code)).toEqual(["tier-below"]);
    expect((await cli(["CLIV-3", "--at", String(issued)])).code).toBe(0);
  }, 30_000);

  it("before issuance: no, the label did not exist yet", async () => {
    const r = await cli(["--bundle", file, "--at", String(issued - 1)]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("not-issued: label CLIV-3 did not exist yet");
  }, 30_000);

  it("after the revocation: no, revoked (a date, and an instant with its offset)", async () => {
    const at = new Date(revoked * 1000).toISOString().replace(".000Z", "+00:00");
    const r = await cli(["CLIV-3", "--at", at, "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ answer: "no", stateAt: { status: "revoked", version: 3 } });
    const later = await cli(["--bundle", file, "--at", "2099-01-01"]);
    expect(later.code).toBe(1);
    expect(later.stdout).toContain("revoked: label CLIV-3 was revoked");
    expect(later.stdout).toContain("after that checkpoint");
  }, 30_000);

  it("an incomplete bundle (the revocation and the map proof left out) is refused (exit 3) unless --allow-incomplete", async () => {
    const json = JSON.parse(readFileSync(file, "utf8"));
    json.entries = json.entries.slice(0, -1);
    delete json.commitment;
    delete json.mapProof;
    const cut = join(dir, "at-cut.json");
    writeFileSync(cut, JSON.stringify(json));
    const refused = await cli(["--bundle", cut, "--at", String(revoked), "--json"]);
    expect(refused.code).toBe(3);
    expect(JSON.parse(refused.stdout)).toMatchObject({
      answer: "unverifiable",
      reasons: [{ code: "no-map-commitment" }],
    });
    const allowed = await cli(["--bundle", cut, "--at", String(revoked), "--allow-incomplete"]);
    // The hidden revocation makes it look valid: why the flag says so, and is off by default.
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain("NOT proven complete");
    // History left out with the map proof kept: caught, not answered.
    const kept = JSON.parse(readFileSync(file, "utf8"));
    kept.entries = kept.entries.slice(0, -1);
    writeFileSync(cut, JSON.stringify(kept));
    const caught = await cli(["--bundle", cut, "--at", String(revoked), "--allow-incomplete", "--json"]);
    expect(caught.code).toBe(3);
    expect(JSON.parse(caught.stdout).reasons[0].code).toBe("incomplete-history");
  }, 30_000);

  it("an unknown label: no, by its verified proof of absence; a bad date is a usage error (exit 2)", async () => {
    const r = await cli(["CLIV-404", "--at", "2026-09-01"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("no-such-label: the registry holds no label CLIV-404 as of checkpoint");
    const bad = await cli(["CLIV-3", "--at", "2026-02-30"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--at");
    expect((await cli(["CLIV-3", "--min-tier", "4"])).code).toBe(2);
  }, 30_000);
});
