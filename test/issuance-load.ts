// Clients that keep a registry busy with real work and remember everything it acknowledged, for
// the crash test (test/crash.e2e.test.ts). Each lane drives its own labels through the state
// machine (issue, upgrade, suspend, reinstate, downgrade, renew, revoke, then a new label); an
// authority lane accredits, suspends, re-accredits and withdraws extra issuers. A statement whose
// outcome is unknown (server gone, deadline) is resubmitted with the same bytes until answered,
// so the registry's idempotency decides whether it was already in the log.
import * as grpc from "@grpc/grpc-js";
import { toHex } from "../log/bytes.js";
import { openCheckpoint } from "../log/checkpoint.js";
import { parseVerifierKey } from "../log/note-keys.js";
import type { NoteVerifier } from "../log/note.js";
import { verifyInclusion } from "../log/proof.js";
import type { Receipt, SignedStatement } from "../proto/gen/messages/labelreg/v1/entry.js";
import { IssuanceServiceClient } from "../services/grpc/clients.js";
import { nodeEd25519 } from "../services/crypto/ed25519-node.js";
import { Tier } from "../proto/gen/messages/labelreg/v1/statement.js";
import { issuerAccredited, issuerKey, labelChange, labelIssued, sign, type RawSigner } from "./statement-kit.js";
import { hasher } from "../log/hasher.js";

export interface Acked {
  readonly signed: SignedStatement;
  readonly index: number;
  readonly entry: Uint8Array;
}

/** Everything clients were told: receipts, and every checkpoint they saw (size -> root hex). */
export class ReceiptBook {
  readonly acked: Acked[] = [];
  readonly roots = new Map<number, string>();
  /** Two different roots seen for one size, or a receipt that did not verify. */
  readonly problems: string[] = [];
  /** Definitive refusals (none expected: every lane knows its labels' versions). */
  readonly refusals: string[] = [];
  private readonly log: NoteVerifier;

  constructor(logVerifierKey: string) {
    this.log = parseVerifierKey(logVerifierKey, nodeEd25519);
  }

  /** The log's origin (its key's name): statements for it name it as log_origin. */
  get origin(): string {
    return this.log.name;
  }

  /** Verifies a receipt as a client would and records it; returns its index. */
  record(signed: SignedStatement, r: Receipt): number {
    const index = Number(r.index);
    try {
      const { checkpoint } = openCheckpoint(r.checkpoint, this.log);
      verifyInclusion(index, checkpoint.size, hasher.leafHash(r.entry), r.inclusionProof, checkpoint.root);
      this.seen(checkpoint.size, toHex(checkpoint.root));
    } catch (e) {
      this.problems.push(`receipt for index ${index} does not verify: ${String(e)}`);
    }
    this.acked.push({ signed, index, entry: r.entry });
    return index;
  }

  seen(size: number, rootHex: string): void {
    const before = this.roots.get(size);
    if (before === undefined) this.roots.set(size, rootHex);
    else if (before !== rootHex) this.problems.push(`two roots for size ${size}: ${before} and ${rootHex}`);
  }
}

/** The current server's client; lanes wait here while the server is down. */
export class Connection {
  private client: IssuanceServiceClient | undefined;
  private waiters: ((c: IssuanceServiceClient) => void)[] = [];

  set(address: string): void {
    this.client = new IssuanceServiceClient(address, grpc.credentials.createInsecure());
    for (const w of this.waiters.splice(0)) w(this.client);
  }

  clear(): void {
    this.client?.close();
    this.client = undefined;
  }

  get(): Promise<IssuanceServiceClient> {
    return this.client ? Promise.resolve(this.client) : new Promise((r) => this.waiters.push(r));
  }
}

const RETRY = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.CANCELLED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.INTERNAL,
  grpc.status.UNKNOWN,
]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function submitOnce(
  client: IssuanceServiceClient,
  signed: SignedStatement,
  deadlineMs = 5000,
): Promise<Receipt> {
  return new Promise((resolve, reject) => {
    client.submit(
      { signedStatement: signed },
      new grpc.Metadata(),
      { deadline: Date.now() + deadlineMs },
      (err, res) => {
        if (err) reject(err);
        else if (!res.receipt) reject(new Error("response without a receipt"));
        else resolve(res.receipt);
      },
    );
  });
}

export class Load {
  private stopped = false;
  private readonly lanes: Promise<void>[] = [];
  /** Statements sent whose outcome was unknown at least once (retried with the same bytes). */
  retried = 0;

  constructor(
    private readonly conn: Connection,
    private readonly book: ReceiptBook,
  ) {}

  /** Submits until the registry answers; false if stopped first or refused. */
  private async submit(signed: SignedStatement, what: string): Promise<boolean> {
    for (let attempt = 0; !this.stopped; attempt++) {
      if (attempt === 1) this.retried++;
      const client = await this.conn.get();
      if (this.stopped) return false;
      try {
        this.book.record(signed, await submitOnce(client, signed));
        return true;
      } catch (e) {
        const code = (e as grpc.ServiceError).code;
        if (code === undefined || !RETRY.has(code)) {
          this.book.refusals.push(`${what}: ${String((e as Error).message)}`);
          return false;
        }
        await sleep(20 + Math.random() * 30);
      }
    }
    return false;
  }

  /** A lane of label work for `issuer`. */
  labelLane(issuerId: string, key: RawSigner, lane: number): void {
    this.lanes.push(
      (async () => {
        for (let n = 0; !this.stopped; n++) {
          const serial = `L${lane}N${n}`;
          const labelId = `${issuerId}-${serial}`;
          const steps = [
            () => labelIssued(`${labelId}-0`, issuerId, serial),
            () => labelChange(`${labelId}-1`, labelId, 1n, "upgrade", Tier.TIER_ENHANCED),
            () => labelChange(`${labelId}-2`, labelId, 2n, "suspend"),
            () => labelChange(`${labelId}-3`, labelId, 3n, "reinstate"),
            () => labelChange(`${labelId}-4`, labelId, 4n, "downgrade", Tier.TIER_BASIC),
            () => labelChange(`${labelId}-5`, labelId, 5n, "renew"),
            () => labelChange(`${labelId}-6`, labelId, 6n, "revoke"),
          ];
          for (const step of steps) {
            if (!(await this.submit(sign(key, step(), this.book.origin), labelId))) return;
          }
        }
      })(),
    );
  }

  /** The authority's lane: extra issuers accredited, suspended, re-accredited, withdrawn. */
  authorityLane(authority: RawSigner, prefix: string): void {
    this.lanes.push(
      (async () => {
        for (let n = 0; !this.stopped; n++) {
          const id = `${prefix}${n}`;
          const key = issuerKey(50_000 + n);
          const steps = [
            issuerAccredited(`${id}-a`, id, key),
            {
              requestId: `${id}-s`,
              signedAtUnix: issuerAccredited("x", id, key).signedAtUnix,
              labelId: "",
              expectedLabelVersion: 0n,
              logOrigin: "",
              kind: {
                $case: "issuerSuspended" as const,
                value: { issuerId: id, reason: { code: 8, text: "crash test" } },
              },
            },
            issuerAccredited(`${id}-b`, id, key),
            {
              requestId: `${id}-w`,
              signedAtUnix: issuerAccredited("x", id, key).signedAtUnix,
              labelId: "",
              expectedLabelVersion: 0n,
              logOrigin: "",
              kind: {
                $case: "issuerWithdrawn" as const,
                value: { issuerId: id, reason: { code: 8, text: "crash test" } },
              },
            },
          ];
          for (const s of steps) if (!(await this.submit(sign(authority, s, this.book.origin), id))) return;
        }
      })(),
    );
  }

  /** Stops the lanes after their current statement (or at once while no server is up). */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.lanes);
  }
}
