// What every write command shares: the options to reach a registry and sign, and the step that
// signs, submits, checks the receipt, saves it as JSON and prints the outcome.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Command } from "commander";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { RegistryClient } from "../../services/client/client.js";
import type { ClientTls } from "../../services/client/connect.js";
import { RegistryClientError, UnverifiedReceiptError } from "../../services/client/errors.js";
import { receiptToJson } from "../../services/client/receipt-json.js";
import type { Receipt } from "../../proto/gen/messages/labelreg/v1/entry.js";
import type { VerifiedReceipt } from "../../services/client/receipt.js";
import { StatementSigner } from "../../services/client/signer.js";
import { labelOutcome } from "../../services/client/statements.js";
import { readVerifierKey } from "../../services/config/key-files.js";
import { DEFAULT_GRPC_ADDRESS } from "../server.js";
import { REASON_CODES } from "./field-values.js";
import { isConnectionFailure, unreachable } from "./unreachable.js";

export interface SubmitOptions {
  key: string;
  registry: string;
  logKey: string;
  tls?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  out?: string;
  requestId?: string;
  json?: boolean;
}

/** Adds the connection and signing options to a write command. */
export function withSubmitOptions(
  cmd: Command,
  outHelp = "receipt JSON file (default: receipts/<index>-<subject>.json)",
): Command {
  return cmd
    .requiredOption("--key <file>", "the signer's private key file (labelreg keygen; mode 0600)")
    .requiredOption("--log-key <vkey|file>", "the log's verifier key, to check the receipt")
    .option("--registry <host:port>", "the registry's gRPC address", DEFAULT_GRPC_ADDRESS)
    .option("--tls", "connect with TLS (system CA roots unless --tls-ca)")
    .option("--tls-ca <file>", "PEM CA bundle for the registry's certificate (implies --tls)")
    .option("--tls-cert <file>", "PEM client certificate, for a registry that requires one (implies --tls)")
    .option("--tls-key <file>", "PEM private key of --tls-cert")
    .option("--out <path>", outHelp)
    .option("--request-id <id>", "the idempotency key (default: a random UUID)")
    .option("--json", "print the outcome as one JSON line");
}

export interface ReasonOptions {
  reason: string;
  reasonCode: string;
}

/** Adds --reason and --reason-code (see REASON_CODES). */
export function withReason(cmd: Command, defaultCode: string): Command {
  return cmd
    .requiredOption("--reason <text>", "why, in one line (shown with the record)")
    .option("--reason-code <code>", `one of ${Object.keys(REASON_CODES).join(", ")}`, defaultCode);
}

export function clientTls(o: SubmitOptions): ClientTls | undefined {
  if (!o.tls && !o.tlsCa && !o.tlsCert && !o.tlsKey) return undefined;
  return {
    ...(o.tlsCa ? { caFile: o.tlsCa } : {}),
    ...(o.tlsCert ? { certFile: o.tlsCert } : {}),
    ...(o.tlsKey ? { keyFile: o.tlsKey } : {}),
  };
}

export function openClient(o: SubmitOptions): RegistryClient {
  const tls = clientTls(o);
  return new RegistryClient({ address: o.registry, logKey: readVerifierKey(o.logKey), ...(tls ? { tls } : {}) });
}

/** The request id option, for the builders' envelope. */
export function envelopeOf(o: { requestId?: string }): { requestId?: string } {
  return o.requestId ? { requestId: o.requestId } : {};
}

function subjectOf(s: Statement): string {
  const k = s.kind;
  if (s.labelId) return s.labelId;
  if (k && "issuerId" in k.value) return k.value.issuerId;
  if (k?.$case === "categoryPublished") return k.value.categoryId;
  return "statement";
}

/** What a command prints about an accepted statement (and --json gives as one line). */
export function outcomeOf(r: VerifiedReceipt, savedTo: string): Record<string, unknown> {
  const s = r.statement;
  const label = labelOutcome(s);
  return {
    index: r.index,
    treeSize: r.checkpoint.size,
    kind: s.kind?.$case,
    subject: subjectOf(s),
    ...(label ? { labelId: s.labelId, state: label.state, version: label.version.toString() } : {}),
    requestId: s.requestId,
    receipt: savedTo,
  };
}

/** Writes the receipt as proto3 JSON, creating the directory. */
export function saveReceipt(path: string, r: { receipt: Receipt }): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, receiptToJson(r.receipt));
}

/**
 * Exit codes of the write commands: 0 written and receipt verified; 1 refused (nothing written)
 * or, in bulk, some row failed; 2 the command could not run (bad option, unreadable key or
 * file); 3 the registry answered with a receipt that does not verify under --log-key, so the
 * statement may be in the log: its receipt is saved marked unverified, and it must not be sent again blindly.
 */
export const EXIT_REFUSED = 1;
export const EXIT_UNVERIFIED_RECEIPT = 3;

/** Where a receipt that did not verify is kept: beside the verified ones, marked in its name. */
export function unverifiedReceiptPath(path: string): string {
  return path.replace(/(\.json)?$/, ".unverified.json");
}

/** What to say about a statement that was answered with a receipt the given log key does not verify. */
export function describeUnverified(what: string, e: UnverifiedReceiptError, logKey: string, savedTo: string): string {
  const origin = e.receipt.checkpoint.split("\n", 1)[0] ?? "";
  return (
    `${what} was logged at index ${e.claimedIndex} (as the registry says), but its receipt did not verify under the log key ${logKey}` +
    ` (probably the wrong key: the receipt's checkpoint is from log ${JSON.stringify(origin)}). ${e.message}.` +
    ` The receipt is saved, marked unverified, in ${savedTo}; do not send the statement again: check the receipt with the right key.`
  );
}

export function defaultReceiptPath(dir: string, r: VerifiedReceipt): string {
  return join(dir, `${r.index}-${subjectOf(r.statement)}.json`);
}

/**
 * Signs `build()`'s statement with --key, submits it, verifies and saves the receipt, and prints
 * the index and (for label statements) the label's new state and version. A refusal is printed
 * with its status and rule, and sets exit code 1.
 */
export async function signAndSubmit(o: SubmitOptions, build: () => Statement): Promise<void> {
  const signer = StatementSigner.fromKeyFile(o.key);
  const statement = build();
  const client = openClient(o);
  try {
    const r = await client.submitStatement(signer, statement);
    const path = o.out ?? defaultReceiptPath("receipts", r);
    saveReceipt(path, r);
    const out = outcomeOf(r, path);
    if (o.json) console.log(JSON.stringify(out));
    else {
      const state = out.state
        ? `: label ${String(out.labelId)} is ${String(out.state)} at version ${String(out.version)}`
        : "";
      console.log(
        `${String(out.kind)} ${String(out.subject)} logged at index ${r.index} (tree size ${r.checkpoint.size})${state}; receipt in ${path}`,
      );
    }
  } catch (e) {
    if (e instanceof UnverifiedReceiptError) {
      const path = unverifiedReceiptPath(o.out ?? join("receipts", `${e.claimedIndex}-${subjectOf(statement)}.json`));
      saveReceipt(path, e);
      if (o.json)
        console.log(
          JSON.stringify({
            error: { code: e.code, rule: "receipt-unverified", message: e.message },
            index: e.claimedIndex.toString(),
            receipt: path,
            verified: false,
          }),
        );
      console.error(
        `labelreg: ${describeUnverified(`${statement.kind?.$case ?? "statement"} ${subjectOf(statement)}`, e, o.logKey, path)}`,
      );
      process.exitCode = EXIT_UNVERIFIED_RECEIPT;
      return;
    }
    if (!(e instanceof RegistryClientError)) throw e;
    reportRefusal(e, o.json, o.registry, o.logKey);
  } finally {
    client.close();
  }
}

/** "CODE rule: detail" for people; registry messages already begin with the rule, so it is said once. */
export function describeRefusal(code: string, rule: string, message: string): string {
  return `${code} ${rule}: ${message.startsWith(`${rule}: `) ? message.slice(rule.length + 2) : message}`;
}

export function reportRefusal(e: RegistryClientError, json?: boolean, address?: string, logKey?: string): void {
  if (json) console.log(JSON.stringify({ error: { code: e.code, rule: e.rule, message: e.message } }));
  if (address !== undefined && isConnectionFailure(e.code, e.rule))
    console.error(`labelreg: ${unreachable("the registry", address, e.message)}; nothing was sent`);
  else console.error(`labelreg: refused: ${describeRefusal(e.code, e.rule, e.message)}`);
  // Statements are signed for the log whose key verifies the receipts, so a wrong --log-key shows
  // up here, before anything is written.
  if (e.rule === "wrong-log" && logKey !== undefined) {
    console.error(
      `labelreg: the statement was signed for the log that ${logKey} names; is that this registry's log key (its data/log.pub)? Nothing was written`,
    );
  }
  process.exitCode = EXIT_REFUSED;
}
