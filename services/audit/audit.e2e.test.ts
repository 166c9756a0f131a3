// End to end: a registry with its HTTP gateway and a witness; `labelreg audit` (the CLI, in a
// child process) audits it through the gateway's tlog-tiles read path and compares the operator's
// gRPC GetLabel answers; the witness cosigned every checkpoint.
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cosigner, parseCosignatureVerifierKey } from "../../log/cosignature.js";
import { ed25519NoteSigner, parseVerifierKey } from "../../log/note-keys.js";
import { openWitnessedCheckpoint, witnessPolicy } from "../../log/witness-policy.js";
import { labelregBin } from "../../test/built.js";
import {
  categoryPublished,
  issuerAccredited,
  issuerKey,
  labelChange,
  labelIssued,
  sign,
} from "../../test/statement-kit.js";
import { readSignerKeyFile } from "../config/key-files.js";
import { startRegistry, type RunningRegistry } from "../../app/server.js";
import { startWitnessServer, type RunningWitnessServer } from "../witness/http.js";
import { WitnessState } from "../witness/state.js";
import { Witness } from "../witness/witness.js";

const run = promisify(execFile);
const root = resolve(import.meta.dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "audit-e2e-"));
const witnessKey = cosigner("witness.test/e2e", new Uint8Array(32).fill(61));
let registry: RunningRegistry;
let witness: RunningWitnessServer;
let witnessState: WitnessState;

beforeAll(async () => {
  const origin = "e2e.test/log";
  // The log key is created by the registry; the witness needs it first, so start the registry
  // once to create its keys, then again with the witness configured.
  const first = await startRegistry({ dataDir: join(dir, "reg"), grpcAddress: "127.0.0.1:0", origin });
  const logVerifierKey = first.logVerifierKey;
  await first.close();
  witnessState = new WitnessState(join(dir, "witness"));
  witness = await startWitnessServer(
    new Witness({ cosigner: witnessKey, logs: [parseVerifierKey(logVerifierKey)], state: witnessState }),
  );
  registry = await startRegistry({
    dataDir: join(dir, "reg"),
    grpcAddress: "127.0.0.1:0",
    origin,
    http: { address: "127.0.0.1:0" },
    witnessing: {
      witnesses: [{ url: witness.url, verifierKey: witnessKey.verifierKey }],
      required: 1,
      timeoutMs: 3000,
    },
  });
  const authority = readSignerKeyFile(registry.devAuthorityKeyFile!);
  const issuer = issuerKey(5);
  const r = registry.registry;
  await r.submit(sign(authority, categoryPublished("c1"), r.origin));
  await r.submit(sign(authority, issuerAccredited("a1", "E2E", issuer), r.origin));
  for (let i = 0; i < 20; i++) await r.submit(sign(issuer, labelIssued(`l${i}`, "E2E", `${i}`), r.origin));
  await r.submit(sign(authority, labelChange("rv1", "E2E-3", 1n, "revoke"), r.origin));
}, 120_000);

afterAll(async () => {
  await registry?.close();
  await witness?.close();
  witnessState?.close();
  rmSync(dir, { recursive: true, force: true });
});

function audit(...extra: string[]) {
  return run(
    process.execPath,
    [
      labelregBin,
      "audit",
      "--url",
      registry.http!.url,
      "--log-key",
      registry.logVerifierKey,
      "--authority-key",
      registry.authorityVerifierKey,
      "--state",
      join(dir, "audit-state.json"),
      "--operator-grpc",
      registry.grpc.address,
      "--sample",
      "1000",
      ...extra,
    ],
    { cwd: root },
  );
}

describe("labelreg audit against a running registry", () => {
  it("audits the log through the gateway, compares GetLabel answers, and exits 0", async () => {
    const { stdout } = await audit("--json");
    const report = JSON.parse(stdout.trim().split("\n").at(-1)!);
    expect(report).toMatchObject({
      ok: true,
      fromSize: 0,
      size: registry.registry.view.size,
      labelsCompared: 20,
      findings: [],
    });
    expect(report.entriesChecked).toBe(registry.registry.view.size);
    // The plain-words form, second run: nothing new.
    const again = await audit();
    expect(again.stdout).toMatch(/nothing new/);
    expect(again.stdout).toMatch(/OK: no violations/);
  });

  it("the published checkpoint carries the witness's cosignature", async () => {
    const note = await (await fetch(`${registry.http!.url}/checkpoint`)).text();
    const policy = witnessPolicy(1, [parseCosignatureVerifierKey(witnessKey.verifierKey)]);
    const opened = openWitnessedCheckpoint(note, parseVerifierKey(registry.logVerifierKey), policy);
    expect(opened.cosignatures.map((c) => c.name)).toEqual([witnessKey.name]);
    expect(witnessState.get("e2e.test/log")!.size).toBe(registry.registry.view.size);
  });

  it("exits non-zero naming the rule when the checkpoint is not signed by the key it trusts", async () => {
    const impostor = ed25519NoteSigner("e2e.test/log", new Uint8Array(32).fill(1)).verifierKey;
    const args = [
      labelregBin,
      "audit",
      "--url",
      registry.http!.url,
      "--log-key",
      impostor,
      "--authority-key",
      registry.authorityVerifierKey,
      "--state",
      join(dir, "other.json"),
    ];
    const failed = await run(process.execPath, args, { cwd: root }).then(
      () => undefined,
      (e: { code: number; stdout: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toMatch(/LOG checkpoint-not-signed/);
  });
});
