// Witnessing with failover on a shared PostgreSQL log: only the process holding the sequencer
// lease asks witnesses to cosign. A standby that starts beside the sequencer sends nothing (it
// would store cosignatures into a log it does not write); once promoted, it asks for its latest
// checkpoint at once. A throwaway cluster of its own (test/postgres.ts).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cosigner } from "../log/cosignature.js";
import { parseVerifierKey } from "../log/note-keys.js";
import { usePostgres } from "../test/postgres.js";
import { shareKeys, waitUntil } from "../test/shared-store.js";
import { categoryPublished, sign } from "../test/statement-kit.js";
import { readSignerKeyFile } from "./config/key-files.js";
import {
  devAuthorityKeyPath,
  DEFAULT_ORIGIN,
  startRegistry,
  type RunningRegistry,
  type ServerConfig,
} from "../app/server.js";
import { startWitnessServer, type RunningWitnessServer } from "./witness/http.js";
import { WitnessState } from "./witness/state.js";
import { Witness } from "./witness/witness.js";

const cluster = usePostgres();
const dir = mkdtempSync(join(tmpdir(), "labelreg-witness-failover-"));
const running: { close(): unknown }[] = [];
afterAll(async () => {
  for (const r of running.reverse()) await r.close();
  rmSync(dir, { recursive: true, force: true });
});

const witnessKey = cosigner("witness.test/failover", new Uint8Array(32).fill(71));

describe("witnessing with a standby", () => {
  it("a standby asks no witness; once promoted it asks for its latest checkpoint", async () => {
    const url = await cluster().createDatabase("witness_failover");
    // A short lease so that the standby takes over soon after the sequencer stops.
    const common = {
      grpcAddress: "127.0.0.1:0",
      origin: DEFAULT_ORIGIN,
      storage: { kind: "postgres", url, leaseTtlMillis: 1000 } as const,
    };
    const aDir = join(dir, "a");
    // The witness needs the log's key, which the registry creates on its first start.
    const first = await startRegistry({ ...common, dataDir: aDir });
    await waitUntil("the first process takes the lease", () => !first.registry.readOnly, 5000);
    await first.registry.submit(
      sign(readSignerKeyFile(devAuthorityKeyPath(aDir)), categoryPublished("witnessed-cat"), first.registry.origin),
    );
    const logKey = parseVerifierKey(first.logVerifierKey);
    await first.close();
    shareKeys(aDir, join(dir, "b"));

    const state = new WitnessState(join(dir, "witness"));
    running.push(state);
    const witness: RunningWitnessServer = await startWitnessServer(
      new Witness({ cosigner: witnessKey, logs: [logKey], state }),
    );
    running.push(witness);
    let requests = 0;
    witness.server.on("request", () => requests++);
    const witnessing: ServerConfig["witnessing"] = {
      witnesses: [{ url: witness.url, verifierKey: witnessKey.verifierKey }],
      required: 1,
      timeoutMs: 3000,
    };

    const a: RunningRegistry = await startRegistry({ ...common, dataDir: aDir, witnessing });
    running.push(a);
    await waitUntil("the sequencer takes the lease", () => !a.registry.readOnly, 5000);
    await waitUntil("the sequencer has its latest checkpoint cosigned", () => requests >= 1, 5000);
    const size = a.registry.view.size;
    expect(size).toBeGreaterThan(0);

    const b: RunningRegistry = await startRegistry({ ...common, dataDir: join(dir, "b"), witnessing });
    running.push(b);
    const before = requests;
    // Longer than the standby's start-up and a few lease renewals: it must stay silent.
    await new Promise((r) => setTimeout(r, 1500));
    expect(b.registry.readOnly).toBe(true);
    expect(requests).toBe(before);

    await a.close();
    await waitUntil("the standby is promoted", () => !b.registry.readOnly, 10_000);
    await waitUntil("the promoted process asks the witness", () => requests > before, 5000);
    expect(b.registry.view.size).toBe(size);
  }, 60_000);
});
