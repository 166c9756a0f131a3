// A mixed read load for bench/scale.bench.ts: `concurrency` callers, each making one call at a
// time for `seconds`, every call drawn at random among GetLabel, LookupProduct, VerifyLabels (a
// small list, compact) and GetEntries (a short range at a random index), on one grpc-js
// connection. Requests are encoded as they are drawn (cheap beside the calls). Each kind gets its
// own rate and latency percentiles.
import * as grpc from "@grpc/grpc-js";
import { GetEntriesRequest, GetEntriesResponse } from "../proto/gen/messages/labelreg/v1/log_service.js";
import {
  GetLabelRequest,
  LookupProductRequest,
  LookupProductResponse,
  VerifyLabelsRequest,
  VerifyLabelsResponse,
} from "../proto/gen/messages/labelreg/v1/verification_service.js";
import { rawClient, summarize, type RunResult } from "./load.js";
import { prng } from "./measure.js";

export interface ReadTargets {
  readonly labelIds: readonly string[];
  readonly products: readonly { registrationCode: string; model: string }[];
  /** Tree size: GetEntries reads below it. */
  readonly size: number;
}

/** Labels per VerifyLabels call, and entries per GetEntries call. */
const VERIFY_IDS = 20;
const ENTRIES = 16;

type Outcome = string | undefined;

interface Kind {
  readonly name: string;
  /** Share of the calls. */
  readonly weight: number;
  call(client: grpc.Client, rand: () => number, t: ReadTargets): Promise<Outcome>;
}

const identity = (b: Buffer) => b;
const pick = <T>(xs: readonly T[], rand: () => number): T => xs[Math.floor(rand() * xs.length)]!;
const statusName = (e: grpc.ServiceError) => grpc.status[e.code] ?? String(e.code);

function unary(client: grpc.Client, path: string, req: Uint8Array, judge: (b: Buffer) => Outcome): Promise<Outcome> {
  return new Promise((resolve) =>
    client.makeUnaryRequest(path, identity, identity, Buffer.from(req), (err, res) =>
      resolve(err ? statusName(err) : judge(res!)),
    ),
  );
}

const KINDS: readonly Kind[] = [
  {
    name: "GetLabel",
    weight: 0.5,
    call: (c, rand, t) =>
      unary(
        c,
        "/labelreg.v1.VerificationService/GetLabel",
        GetLabelRequest.encode({ labelId: pick(t.labelIds, rand) }).finish(),
        (b) => (b.length > 0 ? undefined : "empty"),
      ),
  },
  {
    name: "LookupProduct",
    weight: 0.2,
    call: (c, rand, t) => {
      const p = pick(t.products, rand);
      return unary(
        c,
        "/labelreg.v1.VerificationService/LookupProduct",
        LookupProductRequest.encode({ registrationCode: p.registrationCode, productModel: p.model }).finish(),
        (b) => (LookupProductResponse.decode(b).labels.length > 0 ? undefined : "no-labels"),
      );
    },
  },
  {
    name: `VerifyLabels(${VERIFY_IDS})`,
    weight: 0.1,
    call: (c, rand, t) =>
      new Promise((resolve) => {
        const call = c.makeBidiStreamRequest("/labelreg.v1.VerificationService/VerifyLabels", identity, identity);
        let results = 0;
        let bad: string | undefined;
        call.on("data", (b: Buffer) => {
          const m = VerifyLabelsResponse.decode(b).message;
          if (m?.$case !== "result") return;
          results++;
          if (m.value.result?.$case !== "label") bad ??= `label-error/${m.value.result?.value.rule ?? "?"}`;
        });
        call.on("error", (e: grpc.ServiceError) => resolve(statusName(e)));
        call.on("end", () => resolve(bad ?? (results === VERIFY_IDS ? undefined : `results-${results}`)));
        const labelIds = Array.from({ length: VERIFY_IDS }, () => pick(t.labelIds, rand));
        call.write(Buffer.from(VerifyLabelsRequest.encode({ labelIds, compact: true }).finish()));
        call.end();
      }),
  },
  {
    name: `GetEntries(${ENTRIES})`,
    weight: 0.2,
    call: (c, rand, t) =>
      new Promise((resolve) => {
        const start = Math.floor(rand() * Math.max(1, t.size - ENTRIES));
        const req = GetEntriesRequest.encode({ start: BigInt(start), end: BigInt(start + ENTRIES) }).finish();
        const call = c.makeServerStreamRequest(
          "/labelreg.v1.LogService/GetEntries",
          identity,
          identity,
          Buffer.from(req),
        );
        let got = 0;
        call.on("data", (b: Buffer) => (got += GetEntriesResponse.decode(b).entries.length));
        call.on("error", (e: grpc.ServiceError) => resolve(statusName(e)));
        call.on("end", () => resolve(got === ENTRIES ? undefined : `entries-${got}`));
      }),
  },
];

/** Runs the mixed load; one RunResult per kind of call, in KINDS order. */
export async function mixedReads(
  address: string,
  targets: ReadTargets,
  seconds: number,
  concurrency: number,
  seed: number,
): Promise<RunResult[]> {
  const client = rawClient(address);
  const rand = prng(seed);
  const latencies = KINDS.map(() => [] as number[]);
  const errors = KINDS.map(() => ({}) as Record<string, number>);
  const counts = KINDS.map(() => 0);
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      let r = rand();
      let k = 0;
      while (k < KINDS.length - 1 && r >= KINDS[k]!.weight) r -= KINDS[k++]!.weight;
      const started = performance.now();
      const outcome = await KINDS[k]!.call(client, rand, targets);
      counts[k]!++;
      if (outcome === undefined) latencies[k]!.push(performance.now() - started);
      else errors[k]![outcome] = (errors[k]![outcome] ?? 0) + 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - t0) / 1000;
  client.close();
  return KINDS.map((kind, k) =>
    summarize(kind.name, counts[k]!, latencies[k]!.length, errors[k]!, elapsed, latencies[k]!),
  );
}
