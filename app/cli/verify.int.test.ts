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
