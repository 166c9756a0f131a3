// Prometheus metrics for the gateway and, when it runs inside the registry, the sequencer. Each
// gateway owns its own prom-client registry (no process-global state), so tests and several
// gateways in one process do not collide.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** What the sequencer reports after each committed batch (Registry.open's onBatch). */
export interface BatchInfo {
  readonly size: number;
  readonly entries: number;
  readonly statements: number;
  readonly ms: number;
}

export interface GatewayMetricsOptions {
  /** Also export Node's process metrics (CPU, memory, event loop lag). Default true. */
  readonly processMetrics?: boolean;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"route" | "code">;
  private readonly latency: Histogram<"route">;
  private readonly batchEntries: Histogram;
  private readonly batchSeconds: Histogram;
  private readonly committedSize: Gauge;
  private logSizeFn: (() => number | undefined) | undefined;

  constructor(opts: GatewayMetricsOptions = {}) {
    const registers = [this.registry];
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: "labelreg_" });
    this.requests = new Counter({
      name: "labelreg_http_requests_total",
      help: "HTTP requests answered, by route and status code",
      labelNames: ["route", "code"],
      registers,
    });
    this.latency = new Histogram({
      name: "labelreg_http_request_duration_seconds",
      help: "Time from request to response written, by route",
      labelNames: ["route"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    const logSize = this;
    new Gauge({
      name: "labelreg_log_size",
      help: "Entries in the log at the latest checkpoint this process serves",
      registers,
      collect() {
        const n = logSize.logSizeFn?.();
        if (n !== undefined) this.set(n);
      },
    });
    this.committedSize = new Gauge({
      name: "labelreg_sequencer_tree_size",
      help: "Tree size after the latest batch this process sequenced",
      registers,
    });
    this.batchEntries = new Histogram({
      name: "labelreg_sequencer_batch_entries",
      help: "Entries appended per sequenced batch",
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048],
      registers,
    });
    this.batchSeconds = new Histogram({
      name: "labelreg_sequencer_batch_duration_seconds",
      help: "Time to check, integrate, sign and durably commit one batch",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
  }

  /** Where labelreg_log_size comes from (read at scrape time). */
  setLogSize(fn: () => number | undefined): void {
    this.logSizeFn = fn;
  }

  /** Pass as Registry.open's onBatch. */
  readonly observeBatch = (b: BatchInfo): void => {
    this.batchEntries.observe(b.entries);
    this.batchSeconds.observe(b.ms / 1000);
    this.committedSize.set(b.size);
  };

  // Label children resolved once per (route, code): the hot path skips prom-client's label hashing.
  private readonly requestChildren = new Map<string, Counter.Internal>();
  private readonly latencyChildren = new Map<string, Histogram.Internal<"route">>();

  observeRequest(route: string, code: number, seconds: number): void {
    const key = `${route}|${code}`;
    let c = this.requestChildren.get(key);
    if (!c) this.requestChildren.set(key, (c = this.requests.labels({ route, code: String(code) })));
    c.inc();
    let h = this.latencyChildren.get(route);
    if (!h) this.latencyChildren.set(route, (h = this.latency.labels({ route })));
    h.observe(seconds);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
