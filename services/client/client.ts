// The registry client a certification body (or the authority) imports: submit signed
// statements over gRPC and get back receipts that have already been verified.
import { Metadata, type ChannelOptions } from "@grpc/grpc-js";
import { parseVerifierKey } from "../../log/note-keys.js";
import type { NoteVerifier } from "../../log/note.js";
import type { Receipt, SignedStatement } from "../../proto/gen/messages/labelreg/v1/entry.js";
import { IssuanceServiceClient } from "../grpc/clients.js";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { nodeEd25519 } from "../crypto/ed25519-node.js";
import { channelCredentials, type ClientTls } from "./connect.js";
import { fromServiceError, RegistryClientError, UnverifiedReceiptError } from "./errors.js";
import { verifySubmission, type VerifiedReceipt } from "./receipt.js";
import { DEFAULT_RETRY, withRetry, type RetryPolicy } from "./retry.js";
import type { StatementSigner } from "./signer.js";

export interface RegistryClientOptions {
  /** host:port of the registry's gRPC endpoint. */
  readonly address: string;
  /** The log's verifier key string (or a NoteVerifier): every receipt is checked against it. */
  readonly logKey: string | NoteVerifier;
  /** TLS settings; plaintext when absent. */
  readonly tls?: ClientTls;
  readonly retry?: Partial<RetryPolicy>;
  /** Deadline of each attempt (default 30 s). */
  readonly deadlineMs?: number;
  /** Extra grpc-js channel options. */
  readonly channelOptions?: ChannelOptions;
}

const isRetryable = (e: unknown): e is RegistryClientError => e instanceof RegistryClientError && e.retryable;

export class RegistryClient {
  /** The generated gRPC stub (for the bulk submitter and for callers who need it raw). */
  readonly stub: IssuanceServiceClient;
  readonly log: NoteVerifier;
  /**
   * The log's origin: the name of its verifier key, which is the first line of its checkpoints
   * (receipts are verified against it), and what every statement for it names as log_origin.
   */
  readonly origin: string;
  readonly retry: RetryPolicy;
  readonly deadlineMs: number;

  constructor(opts: RegistryClientOptions) {
    this.log = typeof opts.logKey === "string" ? parseVerifierKey(opts.logKey.trim(), nodeEd25519) : opts.logKey;
    this.origin = this.log.name;
    this.retry = { ...DEFAULT_RETRY, ...opts.retry };
    this.deadlineMs = opts.deadlineMs ?? 30_000;
    this.stub = new IssuanceServiceClient(opts.address, channelCredentials(opts.tls), {
      "grpc.max_receive_message_length": 16 * 1024 * 1024,
      ...opts.channelOptions,
    });
  }

  /**
   * Submits a signed statement and returns its receipt once verified (see verifySubmission): the
   * statement is then durable in the log. Retries UNAVAILABLE and RESOURCE_EXHAUSTED with the
   * same bytes. Throws RegistryClientError with the registry's status and rule.
   */
  async submit(signed: SignedStatement): Promise<VerifiedReceipt> {
    const receipt = await withRetry(this.retry, () => this.submitOnce(signed), isRetryable);
    return this.verify(receipt, signed);
  }

  /** Signs `statement` with `signer` and submits it; an empty log_origin is set to this log's. */
  submitStatement(signer: StatementSigner, statement: Statement): Promise<VerifiedReceipt> {
    return this.submit(this.sign(signer, statement));
  }

  /** Signs `statement` for this log (an empty log_origin set to this log's), to submit now or later. */
  sign(signer: StatementSigner, statement: Statement): SignedStatement {
    return signer.sign(this.forThisLog(statement));
  }

  /** `statement` with log_origin set to this log's origin if it names none. */
  forThisLog(statement: Statement): Statement {
    return statement.logOrigin === "" ? { ...statement, logOrigin: this.origin } : statement;
  }

  /**
   * Checks a receipt against this client's log key and the statement it is for. A receipt that
   * does not verify throws UnverifiedReceiptError, which carries it: the write may have happened.
   */
  verify(receipt: Receipt, signed?: SignedStatement): VerifiedReceipt {
    try {
      return verifySubmission(receipt, this.log, signed);
    } catch (e) {
      if (e instanceof RegistryClientError && e.rule === "bad-receipt") throw new UnverifiedReceiptError(receipt, e);
      throw e;
    }
  }

  private submitOnce(signed: SignedStatement): Promise<Receipt> {
    return new Promise((resolve, reject) => {
      this.stub.submit(
        { signedStatement: signed },
        new Metadata(),
        { deadline: Date.now() + this.deadlineMs },
        (err, res) => {
          if (err) reject(fromServiceError(err));
          else if (!res?.receipt)
            reject(new RegistryClientError("DATA_LOSS", "bad-receipt", "the registry answered without a receipt"));
          else resolve(res.receipt);
        },
      );
    });
  }

  close(): void {
    this.stub.close();
  }
}
