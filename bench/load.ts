// Load drivers for bench/issue.bench.ts over a raw grpc-js client (identity serializers: requests
// are encoded before timing, so the client spends the same on the registry and the no-op).
// Latency is from the moment a request was due to its response: for the open loop that is its
// scheduled time, so a stalled server is charged for the requests it delayed (no coordinated
// omission).
import * as grpc from "@grpc/grpc-js";
import { SubmitBulkResponse } from "../proto/gen/messages/labelreg/v1/issuance_service.js";
import { grpcFrame, h2UnaryClient, type UnaryCaller } from "./h2-unary.js";

export interface RunResult {
  readonly name: string;
  readonly count: number;
  /** Answered with a receipt (or the no-op's reply). */
  readonly ok: number;
  /** Refusals and failures by gRPC status name or rule. */
  readonly errors: Record<string, number>;
  readonly seconds: number;
  /** ok / seconds. */
  readonly rate: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Server CPU seconds used during the run (from /proc), if known. */
  serverCpuSeconds?: number;
  /** CPU seconds the load generator (this process) used during the run: it shares the cores. */
  clientCpuSeconds?: number;
}

/** What a response means: undefined for success, else a short error name. */
export type Judge = (response: Buffer) => string | undefined;

const identity = (b: Buffer) => b;

export function rawClient(address: string): grpc.Client {
  return new grpc.Client(address, grpc.credentials.createInsecure(), {
    "grpc.max_receive_message_length": 16 << 20,
    "grpc.max_send_message_length": 16 << 20,
  });
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A run's figures from its successful calls' latencies (ms). */
export function summarize(
  name: string,
  count: number,
  ok: number,
  errors: Record<string, number>,
  seconds: number,
  latencies: number[],
): RunResult {
  const sorted = Float64Array.from(latencies).sort();
  return {
    name,
    count,
    ok,
    errors,
    seconds,
    rate: ok / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length ? sorted[sorted.length - 1]! : NaN,
  };
}

function unaryCall(
  client: grpc.Client,
  path: string,
  req: Buffer,
  deadlineMs: number,
): Promise<{ err: grpc.ServiceError | null; res: Buffer | undefined }> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      identity,
      identity,
      req,
      new grpc.Metadata(),
      { deadline: Date.now() + deadlineMs },
      (err, res) => resolve({ err: err ?? null, res }),
    );
  });
}

function errorName(err: grpc.ServiceError): string {
  const rule = err.metadata?.get("labelreg-rule")[0];
  return `${grpc.status[err.code] ?? err.code}${rule ? `/${String(rule)}` : ""}`;
}

/**
 * How the unary runs call: `prepare` turns an encoded request into what `call` sends (done before
 * timing), `call` makes one call. grpc-js is the default; h2 is the lean client of h2-unary.ts.
 */
export interface UnaryTransport {
  readonly name: string;
  prepare(request: Buffer): Buffer;
  readonly call: UnaryCaller;
  close(): void;
}

export type UnaryClientKind = "grpc-js" | "h2";

export function unaryTransport(kind: UnaryClientKind, address: string): UnaryTransport {
  if (kind === "h2") {
    const c = h2UnaryClient(address);
    return { name: "h2", prepare: grpcFrame, call: c.call, close: c.close };
  }
  return grpcJsTransport(rawClient(address));
}

function grpcJsTransport(client: grpc.Client): UnaryTransport {
  return {
    name: "grpc-js",
    prepare: (b) => b,
    call: async (path, req) => {
      const { err, res } = await unaryCall(client, path, req, 60_000);
      return err ? { error: errorName(err) } : { response: res! };
    },
    close: () => client.close(),
  };
}

/** A grpc-js client as a transport (its requests as they are). */
const transportOf = (c: grpc.Client | UnaryTransport): UnaryTransport =>
  c instanceof grpc.Client ? grpcJsTransport(c) : c;

/** `concurrency` calls in flight until every request is answered (closed loop). */
export async function closedLoopUnary(
  name: string,
  via: grpc.Client | UnaryTransport,
  path: string,
  requests: readonly Buffer[],
  concurrency: number,
  judge: Judge,
): Promise<RunResult> {
  const client = transportOf(via);
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let ok = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < requests.length) {
      const req = requests[next++]!;
      const start = performance.now();
      const { error, response } = await client.call(path, req);
      const e = error ?? judge(response!);
      if (e) errors[e] = (errors[e] ?? 0) + 1;
      else {
        ok++;
        latencies.push(performance.now() - start);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return summarize(name, requests.length, ok, errors, (performance.now() - t0) / 1000, latencies);
}

/** Sends at a fixed offered rate regardless of answers (open loop). */
export async function openLoopUnary(
  name: string,
  via: grpc.Client | UnaryTransport,
  path: string,
  requests: readonly Buffer[],
  ratePerSecond: number,
  judge: Judge,
): Promise<RunResult> {
  const client = transportOf(via);
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let ok = 0;
  let sent = 0;
  let answered = 0;
  const t0 = performance.now();
  await new Promise<void>((done) => {
    const tick = () => {
      const due = Math.min(requests.length, Math.floor(((performance.now() - t0) / 1000) * ratePerSecond) + 1);
      for (; sent < due; sent++) {
        const scheduled = t0 + (sent / ratePerSecond) * 1000;
        void client.call(path, requests[sent]!).then(({ error, response }) => {
          const e = error ?? judge(response!);
          if (e) errors[e] = (errors[e] ?? 0) + 1;
          else {
            ok++;
            latencies.push(performance.now() - scheduled);
          }
          if (++answered === requests.length) done();
        });
      }
      if (sent < requests.length) setTimeout(tick, 1);
    };
    tick();
  });
  return summarize(name, requests.length, ok, errors, (performance.now() - t0) / 1000, latencies);
}

/** What a bulk response means: its sequence number, and undefined or an error name. */
export type BulkJudge = (response: Buffer) => { sequence: number; error: string | undefined };

/** SubmitBulk's answers: a receipt is success, a status the refusal's code and rule. */
export const judgeSubmitBulk: BulkJudge = (res) => {
  const r = SubmitBulkResponse.decode(res);
  const error =
    r.result?.$case === "receipt"
      ? undefined
      : r.result?.$case === "status"
        ? `status ${r.result.value.code}/${r.result.value.rule}`
        : "empty";
  return { sequence: Number(r.sequence), error };
};

/**
 * `streams` bidirectional streams share the requests; each keeps at most `window` unanswered.
 * requests[i] must carry sequence number i + 1.
 */
export async function streaming(
  name: string,
  client: grpc.Client,
  path: string,
  requests: readonly Buffer[],
  streams: number,
  window: number,
  judge: BulkJudge,
): Promise<RunResult> {
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const started = new Float64Array(requests.length + 1);
  let ok = 0;
  let next = 0;
  const t0 = performance.now();
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const call = client.makeBidiStreamRequest(path, identity, identity);
      let inFlight = 0;
      let finished = false;
      const pump = () => {
        while (inFlight < window && next < requests.length) {
          const i = next++;
          started[i + 1] = performance.now();
          inFlight++;
          call.write(requests[i]!);
        }
        if (next >= requests.length && inFlight === 0 && !finished) {
          finished = true;
          call.end();
        }
      };
      call.on("data", (res: Buffer) => {
        const { sequence, error } = judge(res);
        inFlight--;
        if (error) errors[error] = (errors[error] ?? 0) + 1;
        else {
          ok++;
          latencies.push(performance.now() - started[sequence]!);
        }
        pump();
      });
      call.on("error", reject);
      call.on("end", () => resolve());
      pump();
    });
  await Promise.all(Array.from({ length: streams }, one));
  return summarize(name, requests.length, ok, errors, (performance.now() - t0) / 1000, latencies);
}

/**
 * SubmitBulk at a fixed offered rate regardless of answers (open loop): request i is due at
 * t0 + i / rate and is written on stream i % streams when due; latency is from that scheduled
 * time, as for openLoopUnary. requests[i] must carry sequence number i + 1.
 */
export async function openLoopStream(
  name: string,
  client: grpc.Client,
  path: string,
  requests: readonly Buffer[],
  ratePerSecond: number,
  streams: number,
  judge: BulkJudge,
): Promise<RunResult> {
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  let ok = 0;
  let answered = 0;
  const t0 = performance.now();
  const calls = Array.from({ length: streams }, () => client.makeBidiStreamRequest(path, identity, identity));
  await new Promise<void>((done, fail) => {
    for (const call of calls) {
      call.on("data", (res: Buffer) => {
        const { sequence, error } = judge(res);
        if (error) errors[error] = (errors[error] ?? 0) + 1;
        else {
          ok++;
          latencies.push(performance.now() - (t0 + ((sequence - 1) / ratePerSecond) * 1000));
        }
        if (++answered === requests.length) done();
      });
      call.on("error", fail);
    }
    let sent = 0;
    const tick = () => {
      const due = Math.min(requests.length, Math.floor(((performance.now() - t0) / 1000) * ratePerSecond) + 1);
      for (; sent < due; sent++) calls[sent % streams]!.write(requests[sent]!);
      if (sent < requests.length) setTimeout(tick, 1);
    };
    tick();
  });
  const seconds = (performance.now() - t0) / 1000;
  for (const call of calls) call.end();
  return summarize(name, requests.length, ok, errors, seconds, latencies);
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
export async function processCpuSeconds(pid: number): Promise<number | undefined> {
  try {
    const { readFileSync } = await import("node:fs");
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}
