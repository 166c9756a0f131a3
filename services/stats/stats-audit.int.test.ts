// The registry's statistics are checkable: a registry (gateway inside, one witness) serves
// GET /api/v1/stats, and `labelreg audit --stats FILE` (the built CLI, in a child process)
// recomputes the same figures from the public tiles alone, with the checkpoint's cosignature.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cosigner } from "../../log/cosignature.js";
import { parseVerifierKey } from "../../log/note-keys.js";
import { Tier } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { startRegistry, type RunningRegistry } from "../../app/server.js";
import { labelregBin } from "../../test/built.js";
import { labelreg } from "../../test/labelreg-cli.js";
import {
  categoryPublished,
  issuerAccredited,
  issuerKey,
  labelChange,
  labelIssued,
  sign,
} from "../../test/statement-kit.js";
import { readSignerKeyFile } from "../config/key-files.js";
import { startWitnessServer, type RunningWitnessServer } from "../witness/http.js";
import { WitnessState } from "../witness/state.js";
import { Witness } from "../witness/witness.js";

const dir = mkdtempSync(join(tmpdir(), "stats-audit-"));
const witnessKey = cosigner("witness.test/stats", new Uint8Array(32).fill(71));
let registry: RunningRegistry;
let witness: RunningWitnessServer;
let witnessState: WitnessState;

beforeAll(async () => {
  void labelregBin; // brings dist/ up to date before the timed tests
  const origin = "stats.test/log";
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
  const a = issuerKey(5);
  const b = issuerKey(6);
  const r = registry.registry;
  const submit = (key: typeof a, s: Parameters<typeof sign>[1]) => r.submit(sign(key, s, r.origin));
  await submit(authority, categoryPublished("c1"));
  await submit(authority, issuerAccredited("a1", "STA", a));
  await submit(authority, issuerAccredited("b1", "STB", b));
  for (let i = 0; i < 8; i++)
    await submit(i % 2 ? a : b, labelIssued(`l${i}`, i % 2 ? "STA" : "STB", `${i}`, ((i % 3) + 1) as Tier));
  await submit(a, labelChange("s1", "STA-1", 1n, "suspend"));
  await submit(authority, labelChange("v1", "STB-2", 1n, "revoke"));
  await submit(a, labelChange("u1", "STA-3", 1n, "upgrade", Tier.TIER_LEADING));
  await submit(b, labelChange("s2", "STB-4", 1n, "suspend"));
  await submit(b, labelChange("r2", "STB-4", 2n, "reinstate"));
}, 180_000);

afterAll(async () => {
  await registry?.close();
  await witness?.close();
  witnessState?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("statistics recomputed by the auditor", () => {
  it("GET /api/v1/stats equals `labelreg audit --stats` over the same log", async () => {
    const served = await (await fetch(`${registry.http!.url}/api/v1/stats`)).json();
    const out = join(dir, "stats.json");
    const run = await labelreg(dir, [
      "audit",
      "--url",
      registry.http!.url,
      "--log-key",
      registry.logVerifierKey,
      "--authority-key",
      registry.authorityVerifierKey,
      "--state",
      join(dir, "audit-state.json"),
      "--no-progress",
      "--stats",
      out,
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const recomputed = JSON.parse(readFileSync(out, "utf8"));
    expect(recomputed).toEqual(served);
    // The figures are the log's, not zeros: 8 issued, one suspension still on, one revocation.
    expect(served.stats.labels).toBe("8");
    expect(served.stats.issuers.map((i: { issuerId: string }) => i.issuerId)).toEqual(["STA", "STB"]);
    const total = served.stats.weeks.reduce(
      (n: number, w: { issued?: string; suspended?: string; revoked?: string }) =>
        n + Number(w.issued ?? 0) + Number(w.suspended ?? 0) + Number(w.revoked ?? 0),
      0,
    );
    expect(total).toBe(8 + 2 + 1);
    const active = served.stats.activeByTier.reduce(
      (n: number, t: { labels?: string }) => n + Number(t.labels ?? 0),
      0,
    );
    expect(active).toBe(6);
    expect(served.stats.cosignatures.map((c: { name: string }) => c.name)).toEqual([witnessKey.name]);
    expect(served.stats.treeSize).toBe(String(registry.registry.view.size));

    // The CSV form from the same run of figures.
    const csvOut = join(dir, "stats.csv");
    const again = await labelreg(dir, [
      "audit",
      "--url",
      registry.http!.url,
      "--log-key",
      registry.logVerifierKey,
      "--authority-key",
      registry.authorityVerifierKey,
      "--state",
      join(dir, "audit-state.json"),
      "--no-progress",
      "--stats",
      csvOut,
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(csvOut, "utf8")).toBe(await (await fetch(`${registry.http!.url}/stats.csv`)).text());
  }, 120_000);
});
