// The standalone gateway (`labelreg gateway --registry`): tiles, bundles and the checkpoint read
// through a registry's LogService over real gRPC equal, byte for byte, what the gateway inside
// the registry serves; tiles beyond the tree are 404.

import { credentials } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesEqual } from "../../log/bytes.js";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { CATEGORY, signStatement as signFor, statement, type TestKey } from "../../test/domain-testkit.js";
import { startTestRegistry, type TestRegistry } from "../../test/gateway/grpc-registry.js";
import { authority, issue, issuerKey as issuer } from "../../test/gateway/registry-fixture.js";
import { silentLogger } from "../ops/log.js";
import { startGateway, type RunningGateway } from "../server.js";
import { grpcLogSource, type GrpcLogSource } from "./grpc-log-source.js";

let reg: TestRegistry;
let source: GrpcLogSource;
let standalone: RunningGateway;

beforeAll(async () => {
  reg = await startTestRegistry();
  const r = reg.registry;
  const signStatement = (key: TestKey, s: Statement) => signFor(key, { ...s, logOrigin: r.origin });
  await r.submit(
    signStatement(
      authority,
      statement({ $case: "categoryPublished", value: { categoryId: CATEGORY, name: "Cameras", description: "" } }),
    ),
  );
  await r.submit(
    signStatement(
      authority,
      statement({
        $case: "issuerAccredited",
        value: {
          issuerId: "CCRC",
          name: "CCRC",
          publicKey: issuer.publicKey,
          scope: [{ categoryId: CATEGORY, maxTier: 3 }],
        },
      }),
    ),
  );
  await Promise.all(
    Array.from({ length: 300 }, (_, i) => r.submit(signStatement(issuer, issue(`CCRC-S${i}`, `M-${i}`)))),
  );
  source = grpcLogSource(reg.grpc.address, credentials.createInsecure(), 0);
  standalone = await startGateway({ address: "127.0.0.1:0", log: source, logger: silentLogger });
});
afterAll(async () => {
  await standalone?.close();
  source?.close();
  await reg?.dispose();
});

describe("gateway over the registry's LogService", () => {
  it("serves the same checkpoint, tiles and bundles as the gateway inside the registry", async () => {
    // 302 statements; how many map commitments (one per batch) depends on how they were batched.
    expect((await reg.registry.view.store.state!.scanState("requestId", undefined, 1000)).rows).toHaveLength(302);
    const w = reg.registry.view.size - 256;
    for (const path of [
      "checkpoint",
      "tile/0/000",
      `tile/0/001.p/${w}`,
      "tile/0/001.p/3",
      "tile/1/000.p/1",
      "tile/entries/000",
      `tile/entries/001.p/${w}`,
    ]) {
      const a = await fetch(`${standalone.url}/${path}`);
      const b = await fetch(`${reg.http!.url}/${path}`);
      expect(a.status, path).toBe(200);
      expect(a.headers.get("cache-control"), path).toBe(b.headers.get("cache-control"));
      expect(bytesEqual(new Uint8Array(await a.arrayBuffer()), new Uint8Array(await b.arrayBuffer())), path).toBe(true);
    }
  });

  it("404 beyond the tree; label pages are not served standalone", async () => {
    const past = reg.registry.view.size - 255;
    expect(past).toBeLessThan(256); // the second tile stays partial
    for (const path of ["tile/0/001", `tile/0/001.p/${past}`, "tile/entries/001", "tile/0/002.p/1"])
      expect((await fetch(`${standalone.url}/${path}`)).status, path).toBe(404);
    expect((await fetch(`${standalone.url}/l/CCRC-S1`)).status).toBe(404);
    expect((await fetch(`${standalone.url}/healthz`)).status).toBe(200);
  });
});
