// A LogSource over a registry's LogService (gRPC), for a gateway running as its own process:
// `labelreg gateway --registry HOST:PORT`. The checkpoint is polled (at most every ttl), tiles
// and entries fetched on demand; full tiles and bundles are then cached by the read path.

import { Metadata, status, type ChannelCredentials, type ServiceError } from "@grpc/grpc-js";
import { utf8 } from "../../log/bytes.js";
import { TILE_WIDTH, tileWidthInTree } from "../../log/tile.js";
import { LogServiceClient } from "../../services/grpc/clients.js";
import { StoreUnavailableError } from "../../services/store/port.js";
import { cachedCheckpoint, type LogSource, type PublishedCheckpoint } from "./log-source.js";

/** Unary calls give up after this long: a reader is waiting. */
const DEADLINE_MS = 10_000;

function unavailable(e: unknown): Error {
  const code = (e as { code?: number }).code;
  return code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED
    ? new StoreUnavailableError(`registry LogService: ${(e as Error).message}`, { cause: e })
    : (e as Error);
}

export interface GrpcLogSource extends LogSource {
  close(): void;
}

export function grpcLogSource(address: string, credentials: ChannelCredentials, checkpointTtlMs = 500): GrpcLogSource {
  const client = new LogServiceClient(address, credentials, { "grpc.max_receive_message_length": 16 * 1024 * 1024 });
  const deadline = () => ({ deadline: Date.now() + DEADLINE_MS });
  // The latest checkpoint, and what to publish: the registry's witnessed one while the latest
  // awaits its cosignatures (as the registry's own gateway publishes), else the latest.
  const cp = cachedCheckpoint(
    () =>
      new Promise<(PublishedCheckpoint & { published: PublishedCheckpoint }) | undefined>((resolve, reject) =>
        client.getCheckpoint({}, new Metadata(), deadline(), (err, res) => {
          if (err) return reject(unavailable(err));
          if (res.checkpoint === "") return resolve(undefined);
          const latest = { size: Number(res.treeSize), note: utf8(res.checkpoint) };
          const published =
            res.witnessedCheckpoint === ""
              ? latest
              : { size: Number(res.witnessedTreeSize), note: utf8(res.witnessedCheckpoint), pendingSize: latest.size };
          resolve({ ...latest, published });
        }),
      ),
    checkpointTtlMs,
  );
  return {
    checkpoint: async () => (await cp.checkpoint())?.published,
    async freshCheckpoint() {
      const c = await cp.freshCheckpoint();
      return c && { size: c.size, note: c.note };
    },
    async readTile(level, index) {
      const latest = await cp.checkpoint();
      const width = latest ? tileWidthInTree(level, index, latest.size) : 0;
      if (width === 0) return undefined;
      return new Promise((resolve, reject) =>
        client.getTile(
          { level, index: BigInt(index), width: width === TILE_WIDTH ? 0 : width, entryBundle: false },
          new Metadata(),
          deadline(),
          (err, res) => {
            if (err) return err.code === status.NOT_FOUND ? resolve(undefined) : reject(unavailable(err));
            resolve({ level, index, width, data: res.data });
          },
        ),
      );
    },
    readEntries(start, end) {
      return new Promise((resolve, reject) => {
        const out: Uint8Array[] = [];
        const call = client.getEntries({ start: BigInt(start), end: BigInt(end) }, deadline());
        call.on("data", (m: { entries: Uint8Array[] }) => out.push(...m.entries));
        call.on("error", (e: ServiceError) =>
          reject(e.code === status.OUT_OF_RANGE ? new RangeError(e.message) : unavailable(e)),
        );
        call.on("end", () => resolve(out));
      });
    },
    close: () => client.close(),
  };
}
