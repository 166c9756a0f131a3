// `labelreg gateway --registry HOST:PORT`: the HTTP gateway as its own process, reading the log
// from a registry's LogService. It serves the tlog-tiles read path, /healthz and /metrics; label
// pages and the JSON API need the registry's projections and run inside `labelreg serve`.
import type { Command } from "commander";
import { channelCredentials } from "../client/connect.js";
import { jsonLogger } from "../../gateway/ops/log.js";
import { DEFAULT_HTTP_ADDRESS, startGateway } from "../../gateway/server.js";
import { grpcLogSource } from "../../gateway/tiles/grpc-log-source.js";

export function registerGateway(program: Command): void {
  program
    .command("gateway")
    .description("run the HTTP gateway (tlog-tiles read path) against a registry's gRPC LogService")
    .requiredOption("--registry <host:port>", "the registry's gRPC address")
    .option("--http <host:port>", "HTTP listen address", DEFAULT_HTTP_ADDRESS)
    .option("--public-url <url>", "the gateway's public base URL")
    .option("--registry-ca <file>", "PEM CA of the registry's TLS certificate (connect with TLS)")
    .option("--tls-cert <file>", "PEM certificate to serve HTTPS")
    .option("--tls-key <file>", "PEM private key for --tls-cert")
    .option("--access-log", "log every HTTP request as a JSON line")
    .action(async (o: Record<string, string | boolean | undefined>) => {
      if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw new Error("--tls-cert and --tls-key go together");
      const source = grpcLogSource(String(o.registry), channelCredentials(o.registryCa ? { caFile: String(o.registryCa) } : undefined));
      const running = await startGateway({
        address: String(o.http),
        log: source,
        ...(o.publicUrl ? { publicBaseUrl: String(o.publicUrl) } : {}),
        ...(o.tlsCert ? { tls: { certFile: String(o.tlsCert), keyFile: String(o.tlsKey) } } : {}),
        ...(o.accessLog ? { accessLog: true } : {}),
        logger: jsonLogger,
      });
      console.log(`labelreg: HTTP gateway on ${running.url} (tlog-tiles from ${String(o.registry)})`);
      console.log(JSON.stringify({ msg: "labelreg gateway serving", http: running.url, registry: o.registry }));
      const stop = async () => {
        await running.close();
        source.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void stop());
      process.once("SIGTERM", () => void stop());
    });
}
