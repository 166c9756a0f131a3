// Replica lag for benchmarks: watches the checkpoints of the sequencing registry and of a read
// replica (LogService.WatchCheckpoints on each) and records, for every tree size the sequencer
// published, how much later the replica's view reached it. That is the delay before every read
// path of the replica serves a commit.
import * as grpc from "@grpc/grpc-js";
import type { WatchCheckpointsResponse } from "../proto/gen/messages/labelreg/v1/log_service.js";
import { LogServiceClient } from "../services/grpc/clients.js";

export interface LagSummary {
  /** Sequencer checkpoints the replica reached. */
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Sequencer checkpoints the replica had not reached when the probe stopped. */
  readonly unreached: number;
}

export class ReplicaLagProbe {
  private readonly published: { size: number; at: number }[] = [];
  private readonly reached: { size: number; at: number }[] = [];
  private readonly clients: LogServiceClient[];
  private readonly calls: grpc.ClientReadableStream<WatchCheckpointsResponse>[] = [];

  constructor(primaryAddress: string, replicaAddress: string) {
    this.clients = [primaryAddress, replicaAddress].map(
      (a) => new LogServiceClient(a, grpc.credentials.createInsecure()),
    );
    this.clients.forEach((client, i) => {
      const into = i === 0 ? this.published : this.reached;
      const call = client.watchCheckpoints({ afterSize: 0n });
      call.on("data", (r: WatchCheckpointsResponse) => into.push({ size: Number(r.treeSize), at: performance.now() }));
      call.on("error", () => undefined); // cancelled at stop()
      this.calls.push(call);
    });
  }

  /** Waits (up to `graceMs`) for the replica to reach the sequencer's last size, then summarises. */
  async stop(graceMs = 5000): Promise<LagSummary> {
    const last = this.published.at(-1)?.size ?? 0;
    const until = performance.now() + graceMs;
    while ((this.reached.at(-1)?.size ?? 0) < last && performance.now() < until)
      await new Promise((r) => setTimeout(r, 10));
    for (const c of this.calls) c.cancel();
    for (const c of this.clients) c.close();
    return summarise(this.published, this.reached);
  }
}

/** For each published size, the delay until the first reached size at or above it. */
export function summarise(
  published: readonly { size: number; at: number }[],
  reached: readonly { size: number; at: number }[],
): LagSummary {
  const lags: number[] = [];
  let unreached = 0;
  let j = 0;
  for (const p of published) {
    while (j < reached.length && reached[j]!.size < p.size) j++;
    const r = reached[j];
    if (r === undefined) unreached++;
    else lags.push(Math.max(0, r.at - p.at));
  }
  lags.sort((a, b) => a - b);
  const pct = (q: number) => (lags.length === 0 ? NaN : lags[Math.min(lags.length - 1, Math.floor(q * lags.length))]!);
  return { samples: lags.length, p50Ms: pct(0.5), p99Ms: pct(0.99), maxMs: lags.at(-1) ?? NaN, unreached };
}
