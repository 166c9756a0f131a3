// `labelreg gateway --registry HOST:PORT`: the HTTP gateway as its own process. The tlog-tiles
// read path, /healthz and /metrics come from the registry's LogService; with --log-key and
// --authority-key, the label pages and the JSON API come from its VerificationService, each
// label's bundle verified against those keys before a page shows it.
import type { Command } from "commander";
import { channelCredentials } from "../../services/client/connect.js";
import { publicKeyOfVerifierKey, readVerifierKey } from "../../services/config/key-files.js";
import { jsonLogger } from "../../gateway/ops/log.js";
import { DEFAULT_HTTP_ADDRESS, publicUrlWarning } from "../../gateway/server.js";
import { logFormatOf, withLogFormat } from "./log-format.js";
import { startStandaloneGateway } from "../../gateway/standalone.js";

export function registerGateway(cmd: Command): void {
  withLogFormat(cmd)
    .requiredOption("--registry <host:port>", "the registry's gRPC address")
    .option("--http <host:port>", "HTTP listen address", DEFAULT_HTTP_ADDRESS)
    .option("--public-url <url>", "the gateway's public base URL")
    .option(
      "--log-key <vkey|file>",
      "the log's verifier key (with --authority-key: serve label pages and the JSON API)",
    )
    .option("--authority-key <vkey|file>", "the authority's verifier key")
    .option(
      "--witness-key <vkey>",
      "a witness's cosignature verifier key, pinned in label pages; repeat for more",
      (v: string, p: string[] = []) => [...p, v],
    )
    .option("--witness-required <k>", "cosignatures the page's verifier requires (default: all --witness-key)", (v) =>
      parseInt(v, 10),
    )
    .option("--registry-ca <file>", "PEM CA of the registry's TLS certificate (connect with TLS)")
    .option("--tls-cert <file>", "PEM certificate to serve HTTPS")
    .option("--tls-key <file>", "PEM private key for --tls-cert")
    .option("--access-log", "log every HTTP request as a JSON line")
    .action(async (o: Record<string, string | boolean | string[] | number | undefined>) => {
      if ((o.tlsCert === undefined) !== (o.tlsKey === undefined))
        throw new Error("--tls-cert and --tls-key go together");
      if ((o.logKey === undefined) !== (o.authorityKey === undefined))
        throw new Error("--log-key and --authority-key go together");
      const trust = o.logKey
        ? {
            logVerifierKey: readVerifierKey(String(o.logKey)),
            authorityPublicKey: publicKeyOfVerifierKey(readVerifierKey(String(o.authorityKey))),
          }
        : undefined;
      const running = await startStandaloneGateway({
        registry: String(o.registry),
        credentials: channelCredentials(o.registryCa ? { caFile: String(o.registryCa) } : undefined),
        address: String(o.http),
        ...(trust ? { trust } : {}),
        ...(Array.isArray(o.witnessKey)
          ? {
              witnesses: {
                verifierKeys: o.witnessKey,
                required: typeof o.witnessRequired === "number" ? o.witnessRequired : o.witnessKey.length,
              },
            }
          : {}),
        ...(o.publicUrl ? { publicBaseUrl: String(o.publicUrl) } : {}),
        ...(o.tlsCert ? { tls: { certFile: String(o.tlsCert), keyFile: String(o.tlsKey) } } : {}),
        ...(o.accessLog ? { accessLog: true } : {}),
        logger: jsonLogger,
      });
      const serves = trust
        ? "tlog-tiles, label pages and JSON API"
        : "tlog-tiles only: pass --log-key and --authority-key for label pages";
      const warning = publicUrlWarning(String(o.http), o.publicUrl ? String(o.publicUrl) : undefined);
      if (logFormatOf(o.logFormat) === "json") {
        console.log(
          JSON.stringify({
            msg: "labelreg gateway serving",
            http: running.url,
            registry: o.registry,
            labels: Boolean(trust),
          }),
        );
        if (warning) console.log(JSON.stringify({ level: "warn", msg: warning }));
      } else {
        console.log(`labelreg: HTTP gateway on ${running.url} (${serves}, from ${String(o.registry)})`);
        if (warning) console.error(`labelreg: warning: ${warning}`);
      }
      const stop = async () => {
        await running.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void stop());
      process.once("SIGTERM", () => void stop());
    });
}
