// `labelreg watch --manufacturer CODE`: brand watch, as domain owners watch Certificate
// Transparency. Follows the log's label feed filtered by manufacturer, and for every event fetches
// the label's bundle and verifies it (the event's entry is in the log, and the label's record is
// complete as of the checkpoint) before reporting it: on stdout as a JSON line, and to --exec
// (the event as JSON on stdin) or --webhook (POSTed as JSON). Every checkpoint the feed reaches is
// checked to extend the previous one (a consistency proof), across runs too: the state file keeps
// the newest one, where the feed stopped, and the labels already reported, so a watch that was off
// resumes without a gap or a repeat. A report is made at least once: the state moves past an event
// only after it was delivered. On start it proves each manufacturer's complete current list of
// labels (the state map's values) and, once the feed has read past that checkpoint, checks the
// feed reported every one of them: a feed that hides a label is caught, not trusted.
//
// Exit codes (for cron, with --once): 0 nothing new, 1 new events reported, 2 usage, connection
// or delivery failure, 3 a proof did not verify (the registry's answer cannot be trusted).
import { spawn } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import type { Command } from "commander";
import { openCheckpoint, type Checkpoint } from "../../log/checkpoint.js";
import { bytesEqual } from "../../log/bytes.js";
import { verifyConsistency } from "../../log/proof.js";
import type { GetConsistencyProofResponse } from "../../proto/gen/messages/labelreg/v1/log_service.js";
import {
  type GetLabelResponse,
  labelEventKindToJSON,
  type LabelEvent,
  type WatchLabelsResponse,
} from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { LogServiceClient, VerificationServiceClient } from "../../services/grpc/clients.js";
import { channelCredentials } from "../../services/client/connect.js";
import { RegistryReader } from "../../services/client/reader.js";
import { publicKeyOfVerifierKey, readVerifierKey } from "../../services/config/key-files.js";
import { nodeEd25519 } from "../../services/crypto/ed25519-node.js";
import { REGISTRATION_CODE } from "../../services/domain/syntax.js";
import { verifyLabelBundle } from "../../services/verify/bundle.js";
import { resolveTrust, type ResolvedTrust } from "../../services/verify/trust.js";
import type { Verdict } from "../../services/verify/verdict.js";
import { unreachable } from "./unreachable.js";
import { loadWatchState, saveWatchState, type WatchState } from "./watch-state.js";

interface WatchOptions {
  manufacturer: string[];
  registry: string;
  logKey: string;
  authorityKey: string;
  state: string;
  exec?: string;
  webhook?: string;
  once?: boolean;
  tlsCa?: string;
}

/** A proof that did not verify: the registry's answer cannot be trusted (exit 3). */
class UntrustedAnswer extends Error {}

/** What the watch reports for one event. */
export interface WatchReport {
  readonly type: "event";
  readonly index: number;
  readonly labelId: string;
  readonly event: string;
  readonly manufacturerCode: string;
  readonly issuerId: string;
  readonly byAuthority: boolean;
  readonly sequencedAt: string;
  /** The label as the verified bundle shows it now (it may have changed again since the event). */
  readonly label: {
    readonly status: Verdict["status"];
    readonly tier: number;
    readonly productModel: string;
    readonly manufacturerName: string;
    readonly version: number;
  };
  /** The checkpoint the bundle was verified against, and whether it proved the record complete. */
  readonly checkpointSize: number;
  readonly complete: boolean;
}

export function registerWatch(cmd: Command): void {
  cmd
    .requiredOption(
      "--manufacturer <code>",
      "a manufacturer registration code to watch (repeat for more)",
      (v: string, p: string[] = []) => [...p, v],
    )
    .requiredOption("--log-key <vkey|file>", "the log's verifier key")
    .requiredOption("--authority-key <vkey|file>", "the authority's verifier key")
    .option("--registry <host:port>", "the registry's gRPC address", "127.0.0.1:50051")
    .option("--state <file>", "where the watch keeps its place (created on first run)", "labelreg-watch.json")
    .option("--exec <command>", "run this shell command for each event, with the event as JSON on stdin")
    .option("--webhook <url>", "POST each event as JSON to this URL (a non-2xx answer stops the watch)")
    .option("--once", "stop once the feed has caught up with the log (for cron)")
    .option("--tls-ca <file>", "connect with TLS, trusting this CA")
    .action(async (o: WatchOptions) => {
      for (const code of o.manufacturer)
        if (!REGISTRATION_CODE.test(code))
          throw new Error(`--manufacturer ${JSON.stringify(code)} is not a registration code (A-Z, 0-9 and -)`);
      if (o.exec !== undefined && o.webhook !== undefined) throw new Error("give --exec or --webhook, not both");
      if (o.webhook !== undefined && !/^https?:\/\//.test(o.webhook))
        throw new Error("--webhook must be an http:// or https:// URL");
      const trust = resolveTrust({
        logKey: readVerifierKey(o.logKey),
        authorityPublicKey: publicKeyOfVerifierKey(readVerifierKey(o.authorityKey)),
        ed25519: nodeEd25519,
      });
      const state = loadWatchState(o.state, o.manufacturer);
      const creds = channelCredentials(o.tlsCa ? { caFile: o.tlsCa } : undefined);
      const tls = o.tlsCa ? { caFile: o.tlsCa } : undefined;
      const watch = new Watch(
        o,
        trust,
        state,
        new VerificationServiceClient(o.registry, creds),
        new LogServiceClient(o.registry, creds),
        new RegistryReader({ address: o.registry, trust, ...(tls ? { tls } : {}) }),
      );
      try {
        const reported = await watch.run();
        process.exitCode = reported > 0 ? 1 : 0;
      } catch (e) {
        if (e instanceof UntrustedAnswer) {
          console.error(`labelreg watch: ${e.message}`);
          process.exitCode = 3;
          return;
        }
        throw e;
      } finally {
        watch.close();
      }
    });
}

/** A manufacturer's labels, proven complete as of a checkpoint, that the feed must have reported once it passes it. */
interface CompleteList {
  readonly manufacturerCode: string;
  readonly checkpointSize: number;
  readonly labelIds: readonly string[];
}

class Watch {
  private reported = 0;
  private readonly known: Set<string>;
  /** Proven lists not yet compared with what the feed reported (it has not read that far). */
  private pending: CompleteList[] = [];

  constructor(
    private readonly o: WatchOptions,
    private readonly trust: ResolvedTrust,
    private readonly state: WatchState,
    private readonly reads: VerificationServiceClient,
    private readonly log: LogServiceClient,
    private readonly reader: RegistryReader,
  ) {
    this.known = new Set(state.labels);
  }

  close(): void {
    this.reads.close();
    this.log.close();
    this.reader.stub.close();
  }

  /**
   * Proves each manufacturer's complete current list of labels (its map value and each of its
   * products'), reports it, and keeps it to compare with what the feed reports up to that
   * checkpoint: a label the feed left out (while the watch was off, or ever) is then caught.
   */
  private async proveLists(): Promise<void> {
    for (const code of this.state.manufacturers) {
      let r: Awaited<ReturnType<RegistryReader["allManufacturerProducts"]>>;
      try {
        r = await this.reader.allManufacturerProducts(code);
      } catch (e) {
        const rule = (e as { rule?: string }).rule;
        if (rule === "bad-answer" || rule === "manufacturer-vanished")
          throw new UntrustedAnswer(`manufacturer ${code}'s list: ${e instanceof Error ? e.message : String(e)}`);
        throw e;
      }
      const list: CompleteList = r.found
        ? {
            manufacturerCode: code,
            checkpointSize: r.all.pages.at(-1)?.asOf?.size ?? 0,
            labelIds: r.all.products.flatMap((p) => p.labelIds),
          }
        : { manufacturerCode: code, checkpointSize: r.absence.asOf?.size ?? 0, labelIds: [] };
      console.log(
        JSON.stringify({
          type: "complete-list",
          manufacturerCode: code,
          products: r.found ? r.all.products.length : 0,
          labels: list.labelIds.length,
          checkpointSize: list.checkpointSize,
        }),
      );
      this.pending.push(list);
    }
  }

  /** Compares the proven lists the feed has read past with what it reported. */
  private checkLists(): void {
    const due = this.pending.filter((l) => l.checkpointSize <= this.state.nextIndex);
    this.pending = this.pending.filter((l) => l.checkpointSize > this.state.nextIndex);
    for (const l of due) {
      const missed = l.labelIds.filter((id) => !this.known.has(id));
      if (missed.length > 0)
        throw new UntrustedAnswer(
          `the feed never reported ${missed.join(", ")}, proven to name ${l.manufacturerCode} as of checkpoint ${l.checkpointSize}`,
        );
    }
  }

  /**
   * Follows the feed until it has caught up (--once) or forever, reconnecting after a lost
   * connection (with --once, a lost connection is an error); returns how many events were reported.
   */
  async run(): Promise<number> {
    await this.proveLists();
    for (let wait = 1000; ; wait = Math.min(wait * 2, 30_000)) {
      const ended = await this.follow();
      if (ended === "caught-up") return this.reported;
      if (this.o.once) throw new Error(unreachable("the registry", this.o.registry, ended));
      console.error(
        `labelreg watch: ${unreachable("the registry", this.o.registry, ended)}; retrying in ${wait / 1000} s`,
      );
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** One connection to the feed: "caught-up" (with --once), or why it ended. */
  private async follow(): Promise<"caught-up" | string> {
    const call = this.reads.watchLabels({
      fromIndex: BigInt(this.state.nextIndex),
      labelIds: [],
      issuerIds: [],
      categoryIds: [],
      eventKinds: [],
      manufacturerCodes: [...this.state.manufacturers],
    });
    try {
      for await (const m of call as AsyncIterable<WatchLabelsResponse>) {
        const msg = m.message;
        if (msg?.$case === "event") await this.onEvent(msg.value, Number(m.nextIndex));
        else if (msg?.$case === "progress") {
          await this.onProgress(msg.value.checkpoint, Number(m.nextIndex));
          if (this.o.once && this.pending.length === 0) return "caught-up";
        }
      }
      return "the registry ended the feed";
    } catch (e) {
      const se = e as Partial<grpc.ServiceError>;
      if (se.code === grpc.status.UNAVAILABLE || se.code === grpc.status.DEADLINE_EXCEEDED)
        return se.details || se.message || "unavailable";
      if (se.code !== undefined) throw new Error(`registry: ${se.details || se.message}`);
      throw e;
    } finally {
      call.cancel();
    }
  }

  private async onEvent(ev: LabelEvent, nextIndex: number): Promise<void> {
    if (!this.state.manufacturers.includes(ev.manufacturerCode))
      throw new UntrustedAnswer(`the feed sent label ${ev.labelId} of ${ev.manufacturerCode}, which is not watched`);
    const res = await new Promise<GetLabelResponse | grpc.ServiceError>((r) =>
      this.reads.getLabel({ labelId: ev.labelId }, (e, v) => r(e ?? v!)),
    );
    if (res instanceof Error) {
      if (res.code === grpc.status.UNAVAILABLE || res.code === grpc.status.DEADLINE_EXCEEDED)
        throw new Error(unreachable("the registry", this.o.registry, res.details || res.message));
      throw new UntrustedAnswer(`the feed named label ${ev.labelId}, but the registry answers: ${res.details}`);
    }
    const v = verifyLabelBundle(res.bundle!, this.trust, { expectedLabelId: ev.labelId });
    const index = Number(ev.index);
    if (v.status === "not-verifiable" || !v.label)
      throw new UntrustedAnswer(
        `label ${ev.labelId}'s bundle does not verify: ${v.reasons.map((r) => `${r.code}: ${r.message}`).join("; ")}`,
      );
    if (!v.label.history.some((h) => h.index === index))
      throw new UntrustedAnswer(`label ${ev.labelId}'s verified history has no entry ${index}, as the feed said`);
    if (!this.state.manufacturers.includes(v.label.registrationCode))
      throw new UntrustedAnswer(`label ${ev.labelId} names ${v.label.registrationCode}, not a watched manufacturer`);
    await this.checkExtends(res.bundle!.checkpoint);
    const report: WatchReport = {
      type: "event",
      index,
      labelId: ev.labelId,
      event: labelEventKindToJSON(ev.kind).replace("LABEL_EVENT_KIND_", "").toLowerCase(),
      manufacturerCode: v.label.registrationCode,
      issuerId: ev.issuerId,
      byAuthority: ev.byAuthority,
      sequencedAt: new Date(Number(ev.sequencedAtUnix) * 1000).toISOString(),
      label: {
        status: v.status,
        tier: v.label.tier,
        productModel: v.label.productModel,
        manufacturerName: v.label.manufacturerName,
        version: v.label.version,
      },
      checkpointSize: v.asOf?.size ?? 0,
      complete: v.completeAsOf !== undefined,
    };
    await this.deliver(report);
    this.reported++;
    this.known.add(ev.labelId);
    this.state.labels = [...this.known].sort();
    this.state.nextIndex = nextIndex;
    saveWatchState(this.o.state, this.state);
  }

  private async onProgress(note: string, nextIndex: number): Promise<void> {
    await this.checkExtends(note);
    this.state.nextIndex = nextIndex;
    saveWatchState(this.o.state, this.state);
    this.checkLists();
  }

  /**
   * Verifies `note` with the log's key and that it extends the newest checkpoint the watch has
   * verified (a consistency proof), then keeps it as the newest. An older note is checked to be a
   * prefix of the newest instead.
   */
  private async checkExtends(note: string): Promise<void> {
    const next = this.open(note);
    if (this.state.checkpoint === "") {
      this.state.checkpoint = note;
      return;
    }
    const last = this.open(this.state.checkpoint);
    const [older, newer] = next.size >= last.size ? [last, next] : [next, last];
    if (older.size > 0 && older.size !== newer.size) {
      const proof = await new Promise<GetConsistencyProofResponse | grpc.ServiceError>((r) =>
        this.log.getConsistencyProof({ firstSize: BigInt(older.size), secondSize: BigInt(newer.size) }, (e, v) =>
          r(e ?? v!),
        ),
      );
      if (proof instanceof Error) throw new Error(`registry: consistency proof: ${proof.details || proof.message}`);
      try {
        verifyConsistency(older.size, newer.size, proof.proof, older.root, newer.root);
      } catch (e) {
        throw new UntrustedAnswer(
          `the log's checkpoint of size ${newer.size} does not extend the one of size ${older.size} (a rewritten log): ${e instanceof Error ? e.message : String(e)}`,
        );
      }
    } else if (older.size === newer.size && !bytesEqual(older.root, newer.root)) {
      throw new UntrustedAnswer(`the log signed two different roots for size ${older.size}`);
    }
    if (next.size > last.size) this.state.checkpoint = note;
  }

  private open(note: string): Checkpoint {
    try {
      return openCheckpoint(note, this.trust.log).checkpoint;
    } catch (e) {
      throw new UntrustedAnswer(
        `a checkpoint does not verify with the log key: ${e instanceof Error ? e.message : String(e)}`,
      );
    }
  }

  private async deliver(report: WatchReport): Promise<void> {
    const json = JSON.stringify(report);
    console.log(json);
    if (this.o.exec !== undefined) await runHook(this.o.exec, json);
    if (this.o.webhook !== undefined) {
      let res: Response;
      try {
        res = await fetch(this.o.webhook, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: json,
          signal: AbortSignal.timeout(30_000),
        });
      } catch (e) {
        throw new Error(
          unreachable("the webhook", this.o.webhook, e instanceof Error ? String(e.cause ?? e.message) : String(e)),
        );
      }
      if (!res.ok)
        throw new Error(
          `the webhook ${this.o.webhook} answered ${res.status} for entry ${report.index}; the watch will report it again`,
        );
    }
  }
}

/** Runs `command` in a shell with `input` on stdin; rejects unless it exits 0. */
function runHook(command: string, input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, { shell: true, stdio: ["pipe", "inherit", "inherit"] });
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      code === 0
        ? resolve()
        : reject(
            new Error(`--exec command failed (${signal ?? `exit ${code}`}); the watch will report this event again`),
          ),
    );
    child.stdin.end(input);
  });
}
