// The CLI as a new user meets it, following the README: the `labelreg` command in child
// processes against a registry on loopback (gateway included, no --public-url). Each case is a
// mistake a first user makes, and what the command must say about it: in plain words, naming
// what to do, never changing what it should not (permissions, the log).
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cosigner } from "../log/cosignature.js";
import { Tier } from "../proto/gen/messages/labelreg/v1/statement.js";
import { receiptFromJson } from "../services/client/receipt-json.js";
import { issueLabel, nowUnix } from "../services/client/statements.js";
import { CATEGORY, sampleLabel, startIssuanceFixture, type IssuanceFixture } from "./issuance-fixture.js";
import { labelreg } from "./labelreg-cli.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const mode = (path: string) => statSync(path).mode & 0o777;
const LABEL = "CCRC-2026000123";

describe("labelreg as a new user meets it", () => {
  let f: IssuanceFixture;
  let R: string[];
  let K: string[];
  const cli = (args: string[]) => labelreg(f.dir, args);
  let issuerKey: string;

  beforeAll(async () => {
    f = await startIssuanceFixture({ http: { address: "127.0.0.1:0" } });
    R = ["--registry", f.address, "--log-key", join(f.dir, "data", "log.pub")];
    K = ["--log-key", join(f.dir, "data", "log.pub"), "--authority-key", join(f.dir, "data", "authority.pub")];
    const issuer = await f.accredited("CCRC");
    issuerKey = issuer.file;
    await f
      .client()
      .submitStatement(issuer.signer, issueLabel(LABEL, sampleLabel("EV-C200", undefined, Tier.TIER_ENHANCED)));
  }, 60_000);
  afterAll(() => f?.close());

  it("keygen creates a missing directory 0700 and leaves an existing directory's mode alone", async () => {
    const shared = join(f.dir, "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o755);
    const [a, b] = await Promise.all([
      cli(["keygen", "--name", "CCRC", "--out", "shared/x.key"]),
      cli(["keygen", "--name", "CCRC", "--out", "new/keys/y.key"]),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(mode(shared)).toBe(0o755);
    expect(mode(join(shared, "x.key"))).toBe(0o600);
    expect(mode(join(f.dir, "new", "keys"))).toBe(0o700);
    expect(mode(join(f.dir, "new", "keys", "y.key"))).toBe(0o600);
  });

  it("a --log-key of another log on a write: refused as wrong-log before anything is written, naming the key to check", async () => {
    const before = f.treeSize();
    const r = await cli([
      "issuer",
      "suspend",
      "--key",
      issuerKey,
      "--registry",
      f.address,
      "--log-key",
      `${issuerKey}.pub`,
      "--label-id",
      LABEL,
      "--expected-version",
      "1",
      "--reason",
      "unfixed CVE",
      "--reason-code",
      "unfixed-vulnerability",
    ]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("refused: INVALID_ARGUMENT wrong-log");
    expect(r.stderr).toContain(
      `the statement was signed for the log that ${issuerKey}.pub names; is that this registry's log key (its data/log.pub)? Nothing was written`,
    );
    expect(f.treeSize()).toBe(before);
  });

  it("a wrong --log-key of this log's name on a write: says the statement was logged at index N but its receipt did not verify, saves it marked unverified, exits 3", async () => {
    // A key with this log's name but other bytes (a stale or mistyped copy): the statement names
    // the right log, so it is written, and only the receipt check can notice.
    const origin = readFileSync(join(f.dir, "data", "log.pub"), "utf8")
      .trim()
      .split("+")[0]!;
    expect((await cli(["keygen", "--name", origin, "--out", "stale-log.key"])).code).toBe(0);
    const before = f.treeSize();
    const r = await cli([
      "issuer",
      "suspend",
      "--key",
      issuerKey,
      "--registry",
      f.address,
      "--log-key",
      "stale-log.key.pub",
      "--label-id",
      LABEL,
      "--expected-version",
      "1",
      "--reason",
      "unfixed CVE",
      "--reason-code",
      "unfixed-vulnerability",
    ]);
    expect(r.code, r.stderr).toBe(3);
    const index = before;
    const saved = `receipts/${index}-${LABEL}.unverified.json`;
    expect(r.stderr).toContain(
      `labelSuspended ${LABEL} was logged at index ${index} (as the registry says), but its receipt did not verify under the log key stale-log.key.pub`,
    );
    expect(r.stderr).toContain("probably the wrong key");
    expect(r.stderr).toContain(`saved, marked unverified, in ${saved}`);
    expect(r.stderr).not.toContain("refused");
    // It was written, and the saved receipt verifies under the right key.
    expect(f.treeSize()).toBeGreaterThan(before);
    const receipt = receiptFromJson(readFileSync(join(f.dir, saved), "utf8"));
    expect(f.client().verify(receipt).index).toBe(index);
  });

  it("a public key given as --key is named as such", async () => {
    const r = await cli([
      "issuer",
      "revoke",
      "--key",
      `${issuerKey}.pub`,
      ...R,
      "--label-id",
      LABEL,
      "--expected-version",
      "2",
      "--reason",
      "x",
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("this is a public (verifier) key; a private key file is needed here");
    expect(r.stderr).not.toContain("chmod");
  });

  it("every missing required option is reported at once; issue --help gives formats and marks the required ones", async () => {
    const [suspend, issue, help] = await Promise.all([
      cli(["issuer", "suspend", "--key", issuerKey, ...R]),
      cli(["issuer", "issue", "--key", issuerKey, ...R, "--label-id", "CCRC-9"]),
      cli(["issuer", "issue", "--help"]),
    ]);
    expect(suspend.code).not.toBe(0);
    expect(suspend.stderr).toContain(
      "error: required options not specified: '--label-id <id>', '--expected-version <n>', '--reason <text>'",
    );
    expect(issue.code).toBe(2);
    expect(issue.stderr).toContain(
      "required options not specified: --manufacturer-name, --registration-code, --product-model, --category-id, --tier, --valid-until, --lab-name, --standard-reference, --test-report-sha256, --test-report-uri, --doc-sha256 (or --csv FILE",
    );
    const h = help.stdout.replace(/\s+/g, " ");
    expect(h).toContain("--tier <value> (required) 1, 2, 3 or basic, enhanced, leading");
    expect(h).toContain("--valid-until <value> (required) end of validity, exclusive: YYYY-MM-DD");
    expect(h).toContain(
      "--test-report-sha256 <value> (required) SHA-256 of the test report: 64 hex digits (sha256sum FILE)",
    );
    expect(h).toContain("--valid-from <value> start of validity");
  });

  it("dates: an end date in the past and a validity that is too long are said in days and years, not field names or seconds", async () => {
    const issue = (until: string) =>
      cli([
        "issuer",
        "issue",
        "--key",
        issuerKey,
        ...R,
        "--label-id",
        "CCRC-7",
        "--manufacturer-name",
        "M",
        "--registration-code",
        "91330100MA2AXXXX1X",
        "--product-model",
        "EV-7",
        "--category-id",
        CATEGORY,
        "--tier",
        "1",
        "--valid-until",
        until,
        "--lab-name",
        "L",
        "--standard-reference",
        "GB/T 00000-2025",
        "--test-report-sha256",
        "ab".repeat(32),
        "--test-report-uri",
        "https://lab.example/r.pdf",
        "--doc-sha256",
        "cd".repeat(32),
      ]);
    const [past, long] = await Promise.all([
      issue("2020-01-01"),
      issue(new Date((Number(nowUnix()) + 10 * 366 * 86_400) * 1000).toISOString().slice(0, 10)),
    ]);
    expect(past.code).toBe(2);
    expect(past.stderr).toContain("valid_until: the end date 2020-01-01 is in the past; give a later one");
    expect(past.stderr).not.toContain("valid_from_unix");
    expect(long.code).toBe(1);
    expect(long.stderr).toMatch(
      /validity-too-long: the label would be valid for \d+ days, longer than the 1098 days \(about 3 years\) allowed/,
    );
  });

  it("a registry that is not there: says it could not connect, and where", async () => {
    const r = await cli([
      "issuer",
      "revoke",
      "--key",
      issuerKey,
      "--registry",
      "127.0.0.1:1",
      "--log-key",
      join(f.dir, "data", "log.pub"),
      "--label-id",
      LABEL,
      "--expected-version",
      "2",
      "--reason",
      "x",
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("could not connect to the registry at 127.0.0.1:1 (connection refused");
    expect(r.stderr).not.toContain("Resolution note");
  });

  it("a port in use: says so, without the gRPC library's lines", async () => {
    const r = await cli(["serve", "--data", "busy-data", "--grpc", f.address, "--http", "off"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot listen for gRPC on ${f.address}: the address is already in use`);
    expect(r.stderr).not.toContain("No address added");
    expect(r.stderr).not.toMatch(/EADDRINUSE/);
  });

  it("verify shows a suspension's reason (text and JSON), an unknown id without an empty heading, a malformed id without a doubled rule", async () => {
    writeFileSync(join(f.dir, "ids.csv"), `label_id\n${LABEL}\nnot-an-id\n`);
    const [text, json, unknown, csv] = await Promise.all([
      cli(["verify", LABEL, "--registry", f.address, ...K]),
      cli(["verify", LABEL, "--registry", f.address, ...K, "--json"]),
      cli(["verify", "CCRC-404", "--registry", f.address, ...K]),
      cli(["verify", "--csv", "ids.csv", "--registry", f.address, ...K]),
    ]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(
      new RegExp(
        `${LABEL}: SUSPENDED .*\\n\\s+suspended: label ${LABEL} is suspended \\(by its issuer\\): unfixed CVE \\(unfixed-vulnerability\\)`,
      ),
    );
    const verdict = JSON.parse(json.stdout) as {
      status: string;
      reasons: { code: string; stated?: { code: string; text: string } }[];
    };
    expect(verdict.status).toBe("suspended");
    expect(verdict.reasons[0]).toMatchObject({
      code: "suspended",
      stated: { code: "unfixed-vulnerability", text: "unfixed CVE" },
    });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toContain("CCRC-404: NOT-VERIFIABLE");
    expect(unknown.stdout).not.toContain("A bundle does not prove:");
    expect(csv.stdout).toMatch(/not-an-id: NOT-VERIFIABLE\n\s+malformed-id: (?!malformed-id)/);
  });

  it("verify takes a witness policy: a checkpoint without those cosignatures does not verify", async () => {
    const witness = cosigner("witness.test/first-use", new Uint8Array(32).fill(77)).verifierKey;
    const r = await cli(["verify", LABEL, "--registry", f.address, ...K, "--witness-key", witness, "--json"]);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: "not-verifiable", reasons: [{ code: "witness-policy" }] });
    const bad = await cli([
      "verify",
      LABEL,
      "--registry",
      f.address,
      ...K,
      "--witness-key",
      witness,
      "--witness-required",
      "2",
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--witness-required must be a whole number from 1 to 1");
  });

  it("audit with the two keys swapped says they look swapped; an unreachable --url says so, not '(nothing new)'", async () => {
    const url = f.running.http!.url;
    const swapped = await cli([
      "audit",
      "--url",
      url,
      "--log-key",
      join(f.dir, "data", "authority.pub"),
      "--authority-key",
      join(f.dir, "data", "log.pub"),
      "--state",
      "a1.json",
      "--no-progress",
    ]);
    expect(swapped.code).toBe(1);
    expect(swapped.stdout).toContain("is the name of the --authority-key: --log-key and --authority-key look swapped");
    const down = await cli(["audit", "--url", "http://127.0.0.1:1", ...K, "--state", "a2.json", "--no-progress"]);
    expect(down.code).toBe(1);
    expect(down.stdout).toContain("could not connect to the log's read path at http://127.0.0.1:1 (connection refused");
    expect(down.stdout).not.toContain("nothing new");
  });

  it("without --public-url the printed label says where its QR code leads; a suspended label prints marked", async () => {
    const res = await fetch(`${f.running.http!.url}/l/${LABEL}/label.svg`);
    const svg = await res.text();
    expect(res.headers.get("warning")).toContain("start with --public-url");
    expect(svg).toContain(`QR → ${f.running.http!.url}: set --public-url before printing`);
    expect(svg).toContain(">已暂停 · SUSPENDED</text>");
  });
});

describe("labelreg serve start-up", () => {
  let busy: Server;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((res) => busy.listen(0, "127.0.0.1", res));
  });
  afterAll(() => new Promise<void>((res) => busy.close(() => res())));

  it("an HTTP port in use is said plainly too", async () => {
    const port = (busy.address() as { port: number }).port;
    const dir = join(root, "test-output", "first-use-serve");
    mkdirSync(dir, { recursive: true });
    const r = await labelreg(dir, [
      "serve",
      "--data",
      join(dir, `data-${process.pid}`),
      "--grpc",
      "127.0.0.1:0",
      "--http",
      `127.0.0.1:${port}`,
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`cannot listen for HTTP on 127.0.0.1:${port}: the address is already in use`);
    expect(r.stderr).not.toMatch(/EADDRINUSE/);
  });

  it("prints its start-up facts once: lines for a person, or JSON with --log-format json", async () => {
    const dir = join(root, "test-output", "first-use-serve");
    mkdirSync(dir, { recursive: true });
    const startUp = (format: string) =>
      new Promise<string>((res, rej) => {
        const c = spawn(
          process.execPath,
          [
            join(root, "bin", "labelreg.mjs"),
            "serve",
            "--data",
            join(dir, `data-${format}-${process.pid}`),
            "--grpc",
            "127.0.0.1:0",
            "--http",
            "127.0.0.1:0",
            "--log-format",
            format,
          ],
          { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
        );
        let out = "";
        const timer = setTimeout(() => (c.kill("SIGKILL"), rej(new Error(`no start-up in time: ${out}`))), 60_000);
        c.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          // The last start-up fact of each format.
          if (/authority verifier key:.*\n/.test(out) || /"msg":"labelreg serving".*\n/.test(out))
            setTimeout(() => c.kill("SIGTERM"), 200);
        });
        c.once("exit", () => (clearTimeout(timer), res(out)));
      });
    const [human, json] = await Promise.all([startUp("human"), startUp("json")]);
    expect(human).toMatch(/^labelreg: gRPC on 127\.0\.0\.1:\d+, log size 0\n/);
    expect(human).not.toContain("{");
    const lines = json.trim().split("\n");
    expect(lines.every((l) => l.startsWith("{"))).toBe(true);
    expect(lines.filter((l) => l.includes('"msg":"labelreg serving"'))).toHaveLength(1);
  });
});
