import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCheckpoint } from "../../log/checkpoint.js";
import { decodeBundle } from "../../log/bundle.js";
import { parseVerifierKey } from "../../log/note-keys.js";
import { verifyConsistency, verifyInclusion } from "../../log/proof.js";
import {
  type GetCheckpointRequest,
  type GetCheckpointResponse,
  type GetConsistencyProofRequest,
  type GetConsistencyProofResponse,
  type GetInclusionProofRequest,
  type GetInclusionProofResponse,
  type GetTileRequest,
  type GetTileResponse,
  type GetEntriesResponse,
  type WatchCheckpointsResponse,
} from "../../proto/gen/messages/labelreg/v1/log_service.js";
import { LogServiceClient } from "./clients.js";
import {
  fixtureIssuer,
  fixtureLogSigner,
  issueStatement,
  openFixtureRegistry,
  populate,
  submitAs,
} from "../../test/audit-fixture.js";
import type { Registry } from "../registry.js";
import { logService } from "./log.js";
import { startGrpcServer, type RunningGrpcServer } from "./server.js";
import { hasher } from "../../log/hasher.js";

let registry: Registry;
let server: RunningGrpcServer;
let client: LogServiceClient;
const logKey = parseVerifierKey(fixtureLogSigner.verifierKey);

type Unary<Req, Res> = (req: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => grpc.ClientUnaryCall;
const call = <Req, Res>(fn: Unary<Req, Res>, req: Req) =>
  new Promise<Res>((res, rej) => fn.call(client, req, (e, r) => (e ? rej(e) : res(r))));

function stream<T>(s: grpc.ClientReadableStream<T>): Promise<T[]> {
  return new Promise((res, rej) => {
    const out: T[] = [];
    s.on("data", (d: T) => out.push(d));
    s.on("error", rej);
    s.on("end", () => res(out));
  });
}

beforeAll(async () => {
  registry = await openFixtureRegistry();
  await populate(registry, 300);
  server = await startGrpcServer({
    address: "127.0.0.1:0",
    maxMessageBytes: 16 << 20,
    services: [logService(registry)],
  });
  client = new LogServiceClient(server.address, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await server?.close();
  await registry?.close();
});

describe("LogService over gRPC", () => {
  it("GetCheckpoint returns the signed checkpoint of the current size", async () => {
    const r = await call(client.getCheckpoint as Unary<GetCheckpointRequest, GetCheckpointResponse>, {});
    const { checkpoint } = openCheckpoint(r.checkpoint, logKey);
    expect(checkpoint.size).toBe(registry.view.size);
    expect(Number(r.treeSize)).toBe(checkpoint.size);
    expect(r.cosigners).toEqual([]);
  });

  it("GetInclusionProof by index and by leaf hash verifies against the checkpoint", async () => {
    const cp = openCheckpoint(
      (await call(client.getCheckpoint as Unary<GetCheckpointRequest, GetCheckpointResponse>, {})).checkpoint,
      logKey,
    ).checkpoint;
    for (const index of [0, 1, 255, 256, cp.size - 1]) {
      const r = await call(client.getInclusionProof as Unary<GetInclusionProofRequest, GetInclusionProofResponse>, {
        leaf: { $case: "index", value: BigInt(index) },
        treeSize: 0n,
      });
      expect(Number(r.index)).toBe(index);
      verifyInclusion(index, cp.size, hasher.leafHash(r.entry), r.proof, cp.root);
      const byHash = await call(
        client.getInclusionProof as Unary<GetInclusionProofRequest, GetInclusionProofResponse>,
        { leaf: { $case: "leafHash", value: hasher.leafHash(r.entry) }, treeSize: 0n },
      );
      expect(Number(byHash.index)).toBe(index);
      expect(byHash.checkpoint).toBe(r.checkpoint);
    }
    // At an older size: no checkpoint, proof against that size.
    const old = await call(client.getInclusionProof as Unary<GetInclusionProofRequest, GetInclusionProofResponse>, {
      leaf: { $case: "index", value: 3n },
      treeSize: 10n,
    });
    expect(old.checkpoint).toBe("");
    expect(Number(old.treeSize)).toBe(10);
  });

  it("a leaf hash added after the index was built is found (the index extends)", async () => {
    const rc = await submitAs(registry, fixtureIssuer, issueStatement("CCRC-LATE", "LATE-1"));
    const r = await call(client.getInclusionProof as Unary<GetInclusionProofRequest, GetInclusionProofResponse>, {
      leaf: { $case: "leafHash", value: hasher.leafHash(rc.entry) },
      treeSize: 0n,
    });
    expect(Number(r.index)).toBe(rc.index);
  });

  it("GetConsistencyProof verifies between sizes", async () => {
    const cp = openCheckpoint(
      (await call(client.getCheckpoint as Unary<GetCheckpointRequest, GetCheckpointResponse>, {})).checkpoint,
      logKey,
    ).checkpoint;
    const r10 = await call(client.getInclusionProof as Unary<GetInclusionProofRequest, GetInclusionProofResponse>, {
      leaf: { $case: "index", value: 0n },
      treeSize: 10n,
    });
    expect(r10.proof.length).toBeGreaterThan(0);
    const c = await call(client.getConsistencyProof as Unary<GetConsistencyProofRequest, GetConsistencyProofResponse>, {
      firstSize: 10n,
      secondSize: 0n,
    });
    expect(Number(c.secondSize)).toBe(cp.size);
    // Root of size 10 from a fresh reader, to check the proof for real.
    const { treeRoot } = await import("../../log/tree.js");
    const root10 = await treeRoot(registry.view.hashReader(), 10);
    verifyConsistency(10, cp.size, c.proof, root10, cp.root);
  });

  it("GetEntries streams the range in order; GetTile serves tiles and bundles that match", async () => {
    const got = await stream<GetEntriesResponse>(
      client.getEntries({ start: 5n, end: 600n > BigInt(registry.view.size) ? BigInt(registry.view.size) : 600n }),
    );
    const entries = got.flatMap((m) => m.entries);
    expect(Number(got[0]!.start)).toBe(5);
    expect(entries.length).toBe(Math.min(600, registry.view.size) - 5);
    const t = await call(client.getTile as Unary<GetTileRequest, GetTileResponse>, {
      level: 0,
      index: 0n,
      width: 0,
      entryBundle: false,
    });
    expect(t.path).toBe("tile/0/000");
    const b = await call(client.getTile as Unary<GetTileRequest, GetTileResponse>, {
      level: 0,
      index: 0n,
      width: 0,
      entryBundle: true,
    });
    const bundle = decodeBundle(b.data, 256);
    expect(Buffer.from(hasher.leafHash(bundle[5]!))).toEqual(Buffer.from(t.data.subarray(5 * 32, 6 * 32)));
    expect(Buffer.from(bundle[5]!)).toEqual(Buffer.from(entries[0]!));
  });

  it("refuses bad requests with precise codes", async () => {
    const size = BigInt(registry.view.size);
    await expect(
      call(client.getInclusionProof as Unary<GetInclusionProofRequest, GetInclusionProofResponse>, {
        leaf: { $case: "index", value: size },
        treeSize: 0n,
      }),
    ).rejects.toMatchObject({ code: grpc.status.OUT_OF_RANGE });
    await expect(
      call(client.getInclusionProof as Unary<GetInclusionProofRequest, GetInclusionProofResponse>, {
        leaf: { $case: "leafHash", value: new Uint8Array(31) },
        treeSize: 0n,
      }),
    ).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(
      call(client.getInclusionProof as Unary<GetInclusionProofRequest, GetInclusionProofResponse>, {
        leaf: { $case: "leafHash", value: new Uint8Array(32) },
        treeSize: 0n,
      }),
    ).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(
      call(client.getInclusionProof as Unary<GetInclusionProofRequest, GetInclusionProofResponse>, {
        leaf: undefined,
        treeSize: 0n,
      }),
    ).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(
      call(client.getConsistencyProof as Unary<GetConsistencyProofRequest, GetConsistencyProofResponse>, {
        firstSize: 0n,
        secondSize: 0n,
      }),
    ).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(
      call(client.getConsistencyProof as Unary<GetConsistencyProofRequest, GetConsistencyProofResponse>, {
        firstSize: 5n,
        secondSize: size + 1n,
      }),
    ).rejects.toMatchObject({ code: grpc.status.OUT_OF_RANGE });
    await expect(stream(client.getEntries({ start: 0n, end: 70_000n }))).rejects.toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    });
    await expect(stream(client.getEntries({ start: 0n, end: size + 1n }))).rejects.toMatchObject({
      code: grpc.status.OUT_OF_RANGE,
    });
    await expect(
      call(client.getTile as Unary<GetTileRequest, GetTileResponse>, {
        level: 0,
        index: 1000n,
        width: 0,
        entryBundle: false,
      }),
    ).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(
      call(client.getTile as Unary<GetTileRequest, GetTileResponse>, {
        level: 64,
        index: 0n,
        width: 0,
        entryBundle: false,
      }),
    ).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(
      call(client.getTile as Unary<GetTileRequest, GetTileResponse>, {
        level: 0,
        index: 0n,
        width: 257,
        entryBundle: false,
      }),
    ).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
  });

  it("WatchCheckpoints sends the current checkpoint, then each new one", async () => {
    const s = client.watchCheckpoints({ afterSize: 0n });
    const seen: WatchCheckpointsResponse[] = [];
    const two = new Promise<void>((res, rej) => {
      s.on("data", (m: WatchCheckpointsResponse) => {
        seen.push(m);
        if (seen.length === 2) res();
      });
      s.on("error", (e: grpc.ServiceError) => (e.code === grpc.status.CANCELLED ? undefined : rej(e)));
    });
    await new Promise((r) => setTimeout(r, 50));
    const rc = await submitAs(registry, fixtureIssuer, issueStatement("CCRC-WATCH", "WATCH-1"));
    await two;
    s.cancel();
    // The batch: the statement and its map commitment.
    expect(Number(seen[1]!.treeSize)).toBe(rc.index + 2);
    expect(openCheckpoint(seen[1]!.checkpoint, logKey).checkpoint.size).toBe(rc.index + 2);
  });
});
