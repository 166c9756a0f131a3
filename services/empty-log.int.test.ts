// A new log publishes its size-0 checkpoint at once, over gRPC and HTTP: signed, verifiable as Go's
// sumdb/note verifies notes (checked here from the C2SP signed-note text alone, not with the
// project's note code), stored (a restart serves the same bytes), cosigned by a witness; the first
// real append then grows the log from it.
import { createHash, createPublicKey, verify } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { afterAll, describe, expect, it } from "vitest";
import { cosigner } from "../log/cosignature.js";
import { parseVerifierKey } from "../log/note-keys.js";
import type { GetCheckpointResponse } from "../proto/gen/messages/labelreg/v1/log_service.js";
import { LogServiceClient } from "./grpc/clients.js";
import { categoryPublished, sign } from "../test/statement-kit.js";
import { readSignerKeyFile } from "./config/key-files.js";
import { startRegistry, type RunningRegistry } from "../app/server.js";
import { startWitnessServer, type RunningWitnessServer } from "./witness/http.js";
import { WitnessState } from "./witness/state.js";
import { Witness } from "./witness/witness.js";

const dir = mkdtempSync(join(tmpdir(), "labelreg-empty-log-"));
const ORIGIN = "empty.test/log";
const EMPTY_ROOT = createHash("sha256").update("").digest("base64");
const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

/**
 * Verifies a signed note the way golang.org/x/mod/sumdb/note does, from its spec: the text ends at
 * the blank line; a signature line "— <name> <base64(key id || signature)>" whose key id is the
 * first 4 bytes of SHA-256(name || "\n" || 0x01 || public key) carries an Ed25519 signature over
 * the text. Returns the text's lines.
 */
function goVerifyNote(note: string, verifierKey: string): string[] {
  // name+hash+base64: the base64 may itself hold "+".
  const [, name = "", keyB64 = ""] = /^([^+]+)\+[0-9a-f]{8}\+(.+)$/.exec(verifierKey) ?? [];
  const key = Buffer.from(keyB64, "base64");
  expect(key[0]).toBe(0x01);
  const publicKey = key.subarray(1);
  const keyId = createHash("sha256")
    .update(Buffer.concat([Buffer.from(`${name}\n`), key]))
    .digest()
    .subarray(0, 4);
  const split = note.indexOf("\n\n");
  expect(split).toBeGreaterThan(0);
  const text = note.slice(0, split + 1);
  const lines = note
    .slice(split + 2)
    .split("\n")
    .filter((l) => l !== "");
  const mine = lines
    .map((l) => /^\u2014 (\S+) (\S+)$/.exec(l)!)
    .find((m) => m[1] === name && Buffer.from(m[2]!, "base64").subarray(0, 4).equals(keyId));
  expect(mine, "a signature line of the log's key").toBeDefined();
  const sig = Buffer.from(mine![2]!, "base64").subarray(4);
  const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), publicKey]);
  expect(verify(null, Buffer.from(text), createPublicKey({ key: spki, format: "der", type: "spki" }), sig)).toBe(true);
  return text.slice(0, -1).split("\n");
}

function grpcCheckpoint(address: string): Promise<GetCheckpointResponse> {
  const c = new LogServiceClient(address, grpc.credentials.createInsecure());
  return new Promise((res, rej) => c.getCheckpoint({}, (err, r) => (c.close(), err ? rej(err) : res(r))));
}

async function start(witnessing?: Parameters<typeof startRegistry>[0]["witnessing"]): Promise<RunningRegistry> {
  const r = await startRegistry({
    dataDir: join(dir, "reg"),
    grpcAddress: "127.0.0.1:0",
    origin: ORIGIN,
    http: { address: "127.0.0.1:0" },
    batch: { lingerMs: 1 },
    ...(witnessing ? { witnessing } : {}),
  });
  cleanups.push(() => r.close());
  return r;
}

describe("a new log's checkpoint", () => {
  it("is published at size 0 on gRPC and HTTP, verifies like Go's note package, is stored, then grows", async () => {
    const first = await start();
    const fromGrpc = await grpcCheckpoint(first.grpc.address);
    expect(fromGrpc.treeSize).toBe(0n);
    const res = await fetch(`${first.http!.url}/checkpoint`);
    expect(res.status).toBe(200);
    const note = await res.text();
    expect(note).toBe(fromGrpc.checkpoint);
    expect(goVerifyNote(note, first.logVerifierKey)).toEqual([ORIGIN, "0", EMPTY_ROOT]);
    // WatchCheckpoints from the start sends it too.
    const watcher = new LogServiceClient(first.grpc.address, grpc.credentials.createInsecure());
    const watched = await new Promise<bigint>((res, rej) => {
      const call = watcher.watchCheckpoints({ afterSize: 0n });
      call.on("data", (m: { treeSize: bigint }) => {
        res(m.treeSize);
        call.cancel();
      });
      call.on("error", (e: grpc.ServiceError) => e.code !== grpc.status.CANCELLED && rej(e));
    });
    watcher.close();
    expect(watched).toBe(0n);
    await first.close();

    // Stored, not signed again: a restart serves the very same note, and a witness started
    // from it cosigns it (old size 0, empty proof) and then each growth.
    const logKey = first.logVerifierKey;
    const witnessKey = cosigner("witness.test/empty", new Uint8Array(32).fill(77));
    const state = new WitnessState(join(dir, "witness"));
    cleanups.push(() => state.close());
    const witness: RunningWitnessServer = await startWitnessServer(
      new Witness({ cosigner: witnessKey, logs: [parseVerifierKey(logKey)], state }),
    );
    cleanups.push(() => witness.close());
    const again = await start({
      witnesses: [{ url: witness.url, verifierKey: witnessKey.verifierKey }],
      required: 1,
      timeoutMs: 5000,
    });
    expect(again.logVerifierKey).toBe(logKey);
    let cosigned = note;
    for (let i = 0; i < 100 && !cosigned.includes(witnessKey.name); i++) {
      await new Promise((r) => setTimeout(r, 50));
      cosigned = (await grpcCheckpoint(again.grpc.address)).checkpoint;
    }
    expect(cosigned.startsWith(note)).toBe(true);
    expect(cosigned).toContain(`\u2014 ${witnessKey.name} `);
    expect(state.get(ORIGIN)?.size).toBe(0);

    const authority = readSignerKeyFile(again.devAuthorityKeyFile ?? join(dir, "reg", "authority.key"));
    const receipt = await again.registry.submit(sign(authority, categoryPublished("first"), again.registry.origin));
    expect(receipt.index).toBe(0);
    expect(receipt.treeSize).toBe(2); // the statement and its batch's map commitment
    expect(goVerifyNote(receipt.checkpoint, logKey).slice(0, 2)).toEqual([ORIGIN, "2"]);
    expect(receipt.checkpoint).toContain(`\u2014 ${witnessKey.name} `);
    expect(state.get(ORIGIN)?.size).toBe(2);
  }, 60_000);
});
