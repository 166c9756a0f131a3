// `labelreg serve`: runs the registry. With no options: the embedded SQLite store in ./data,
// a log key and a development authority key created on first start, gRPC on 127.0.0.1:50051.
import { Option, type Command } from "commander";
import { DEFAULT_RATE_LIMIT } from "../../services/sequencer/rate-limit.js";
import { DEFAULT_MAP_CACHE_BYTES } from "../../services/readmodel/stored-map.js";
import { DEFAULT_STATE_CACHE_BYTES, DEFAULT_TILE_CACHE_BYTES } from "../../services/readmodel/log-view.js";
import { DEFAULT_READ_CACHE_BYTES } from "../../services/store/read-cache.js";
import { REBUILD_HEARTBEAT_MS } from "../../services/integrity/rebuild.js";
import { REBUILD_STALE_MS } from "../../services/integrity/state-start-up.js";
import { memoryOptions, parseNonNegative, parsePositive, type MemoryFlags } from "./serve-flags.js";
import { DEFAULT_HTTP_ADDRESS, publicUrlWarning } from "../../gateway/server.js";
import { logFormatOf, withLogFormat } from "./log-format.js";
import { DEFAULT_GRPC_ADDRESS, DEFAULT_ORIGIN, startRegistry } from "../server.js";
import { storeSpecFromFlags, type StoreFlags } from "../../services/store/open.js";
import {
  DEFAULT_GRPC_CONNECTION_LIMITS as L,
  type GrpcConnectionLimits,
} from "../../services/grpc/connection-limits.js";
import { DEFAULT_SCRUB_RATE } from "../../services/integrity/scrub.js";

const MB = 1024 * 1024;

export function registerServe(cmd: Command): void {
  withLogFormat(cmd)
    .option("--data <dir>", "data directory (store and keys)", "data")
    .option("--grpc <host:port>", "gRPC listen address", DEFAULT_GRPC_ADDRESS)
    .option(
      "--http <host:port|off>",
      "HTTP gateway listen address (tlog-tiles, JSON API, label pages), or off",
      DEFAULT_HTTP_ADDRESS,
    )
    .option("--public-url <url>", "the gateway's public base URL, which QR codes hold (default: its listen address)")
    .option("--access-log", "log every HTTP request as a JSON line")
    .option("--origin <name>", "the log's origin (checkpoint key name) for a new log", DEFAULT_ORIGIN)
    .option(
      "--authority-key <vkey|file>",
      "the authority's verifier key; without it a development authority key is created",
    )
    .option("--tls-cert <file>", "PEM certificate for gRPC and HTTP")
    .option("--tls-key <file>", "PEM private key for --tls-cert")
    .option("--tls-client-ca <file>", "require client certificates signed by this CA (mTLS)")
    .option("--rate-limit <n>", "statements per second per signer (issuer or authority)", (v) => parseFloat(v))
    .option("--rate-burst <n>", "statements a signer may send at once", (v) => parseInt(v, 10))
    .option("--batch-max <n>", "most statements per batch", (v) => parseInt(v, 10))
    .option("--batch-linger-ms <ms>", "how long an idle sequencer waits to fill a batch", (v) => parseInt(v, 10))
    .option("--max-pending <n>", "statements waiting before RESOURCE_EXHAUSTED", (v) => parseInt(v, 10))
    .option("--read-only", "serve reads only (a read replica): follow the shared store, refuse writes; needs --log-key")
    .option(
      "--log-key <vkey|file>",
      "the log's verifier key: required with --read-only (replicas hold no private key); a sequencer checks its log.key against it",
    )
    .option(
      "--accept-rollback",
      "start although the store is behind the size this registry recorded as published (it was restored from an older copy): accepts a fork",
    )
    .option(
      "--scrub-rate <entries/s>",
      `pace of the background integrity scrub (re-hashes every stored entry, pass after pass); 0 turns it off (default ${DEFAULT_SCRUB_RATE})`,
      (v) => parseNonNegative("--scrub-rate", v),
    )
    .option(
      "--rebuild",
      "rebuild the store's state tables from the log before serving, checking every map commitment (done by itself when they are out of step)",
    )
    .option(
      "--map-cache-mb <MB>",
      `memory for the state map's nodes read from the store (default ${DEFAULT_MAP_CACHE_BYTES / MB})`,
    )
    .option(
      "--state-cache-mb <MB>",
      `memory for the labels, products, manufacturers and request ids the sequencer keeps between batches (estimated); the rest are read from the store (default ${DEFAULT_STATE_CACHE_BYTES / MB})`,
    )
    // Refused with a message naming its replacement, rather than as an unknown option.
    .addOption(new Option("--state-cache-records <n>").hideHelp())
    .option(
      "--tile-cache-mb <MB>",
      `memory for the log's tiles, hashed up, that proofs read (default ${DEFAULT_TILE_CACHE_BYTES / MB})`,
    )
    .option(
      "--read-cache-mb <MB>",
      `memory for entries and tiles read from PostgreSQL or KurrentDB, served while it is down (default ${DEFAULT_READ_CACHE_BYTES / MB})`,
    )
    .option(
      "--rebuild-heartbeat-ms <ms>",
      `the longest a state-table rebuild goes without recording a step (default ${REBUILD_HEARTBEAT_MS})`,
    )
    .option(
      "--rebuild-stale-ms <ms>",
      `a rebuild whose last step is this old died and is taken over; at least twice the heartbeat (default ${REBUILD_STALE_MS})`,
    )
    .option(
      "--scrub-map",
      "each scrub pass also recomputes the state map and checks every commitment (costs about a start-up's replay per pass)",
    )
    .option(
      "--grpc-max-connections <n>",
      `most gRPC connections at once; at the cap the quietest is closed for a new one (default ${L.maxConnections})`,
      (v) => parsePositive("--grpc-max-connections", v),
    )
    .option("--grpc-idle-ms <ms>", `close a gRPC connection with no call for this long (default ${L.idleMs})`, (v) =>
      parsePositive("--grpc-idle-ms", v),
    )
    .option(
      "--grpc-max-age-ms <ms>",
      `ask any gRPC connection to reconnect after this long (default ${L.maxAgeMs})`,
      (v) => parsePositive("--grpc-max-age-ms", v),
    )
    .option(
      "--grpc-age-grace-ms <ms>",
      `then close it this much later even with calls running (default ${L.ageGraceMs})`,
      (v) => parsePositive("--grpc-age-grace-ms", v),
    )
    .option("--grpc-keepalive-ms <ms>", `ping each gRPC connection this often (default ${L.keepaliveTimeMs})`, (v) =>
      parsePositive("--grpc-keepalive-ms", v),
    )
    .option(
      "--grpc-keepalive-timeout-ms <ms>",
      `close it when a ping is not answered within this (default ${L.keepaliveTimeoutMs})`,
      (v) => parsePositive("--grpc-keepalive-timeout-ms", v),
    )
    .option(
      "--grpc-first-byte-timeout-ms <ms>",
      `close a connection that sends nothing for this long after connecting (default ${L.firstByteTimeoutMs})`,
      (v) => parsePositive("--grpc-first-byte-timeout-ms", v),
    )
    .option("--store <kind>", "event store: sqlite (in --data), postgres (shared; failover) or kurrentdb (cluster)")
    .option("--postgres-url <url>", "PostgreSQL connection string for --store postgres")
    .option("--postgres-schema <name>", "schema holding the log (default labelreg)")
    .option(
      "--lease-ttl-ms <ms>",
      "the PostgreSQL sequencer lease's time to live: how long a crashed leader blocks failover (default 3000)",
    )
    .option(
      "--kurrentdb <url>",
      "KurrentDB connection string for --store kurrentdb, e.g. kurrentdb://h1,h2,h3?nodePreference=leader",
    )
    .option("--kurrentdb-prefix <name>", "stream name prefix of the log (default labelreg)")
    .option(
      "--witness <url=vkey>",
      "a witness: its submission URL and cosignature verifier key; repeat for more",
      (v: string, p: string[] = []) => [...p, v],
    )
    .option(
      "--witness-required <k>",
      "cosignatures each checkpoint should get before receipts go out (default: all witnesses)",
      (v) => parseInt(v, 10),
    )
    .option(
      "--witness-timeout-ms <ms>",
      "the longest receipts wait for those cosignatures",
      (v) => parseInt(v, 10),
      2000,
    )
    .addOption(
      // For bench:issue's baseline only, so hidden: it measures what the state map costs.
      new Option(
        "--no-map-commitments",
        "benchmarks only, on a new log: batches end without a state map commitment (the log fails completeness checks)",
      ).hideHelp(),
    )
    .action(async (o: Record<string, string | number | boolean | undefined>) => {
      if ((o.tlsCert === undefined) !== (o.tlsKey === undefined))
        throw new Error("--tls-cert and --tls-key go together");
      // The tables are the sequencer's to write: a replica rebuilding them would race it.
      if (o.rebuild && o.readOnly) throw new Error("--rebuild is for the sequencing registry, not with --read-only");
      const format = logFormatOf(o.logFormat);
      const batch = {
        ...(typeof o.batchMax === "number" ? { maxBatch: o.batchMax } : {}),
        ...(typeof o.batchLingerMs === "number" ? { lingerMs: o.batchLingerMs } : {}),
        ...(typeof o.maxPending === "number" ? { maxPending: o.maxPending } : {}),
      };
      const running = await startRegistry({
        dataDir: String(o.data),
        grpcAddress: String(o.grpc),
        origin: String(o.origin),
        ...(o.authorityKey ? { authorityKey: String(o.authorityKey) } : {}),
        ...(o.tlsCert
          ? {
              tls: {
                certFile: String(o.tlsCert),
                keyFile: String(o.tlsKey),
                ...(o.tlsClientCa ? { clientCaFile: String(o.tlsClientCa) } : {}),
              },
            }
          : {}),
        batch,
        ...(typeof o.rateLimit === "number" || typeof o.rateBurst === "number"
          ? {
              rateLimit: {
                perSecond: typeof o.rateLimit === "number" ? o.rateLimit : DEFAULT_RATE_LIMIT.perSecond,
                burst: typeof o.rateBurst === "number" ? o.rateBurst : DEFAULT_RATE_LIMIT.burst,
              },
            }
          : {}),
        ...(o.readOnly ? { readOnly: true } : {}),
        ...(o.mapCommitments === false ? { mapCommitments: false } : {}),
        ...(o.logKey ? { logKey: String(o.logKey) } : {}),
        ...(o.acceptRollback ? { acceptRollback: true } : {}),
        ...(typeof o.scrubRate === "number" ? { scrubEntriesPerSecond: o.scrubRate } : {}),
        ...(o.scrubMap ? { scrubMap: true } : {}),
        ...(o.rebuild ? { rebuild: true } : {}),
        ...memoryOptions(o as MemoryFlags),
        grpcConnections: grpcConnectionFlags(o),
        storage: storeSpecFromFlags(o as StoreFlags),
        ...(Array.isArray(o.witness)
          ? { witnessing: witnessingOptions(o.witness, o.witnessRequired, o.witnessTimeoutMs) }
          : {}),
        ...(o.http !== "off"
          ? {
              http: {
                address: String(o.http),
                ...(o.publicUrl ? { publicBaseUrl: String(o.publicUrl) } : {}),
                ...(o.accessLog ? { accessLog: true } : {}),
              },
            }
          : {}),
      });
      const info = {
        msg: "labelreg serving",
        grpc: running.grpc.address,
        ...(running.http ? { http: running.http.url } : {}),
        tls: Boolean(o.tlsCert),
        treeSize: running.registry.view.size,
        logVerifierKey: running.logVerifierKey,
        authorityVerifierKey: running.authorityVerifierKey,
        ...(running.devAuthorityKeyFile ? { devAuthorityKeyFile: running.devAuthorityKeyFile } : {}),
      };
      const warning =
        o.http !== "off" ? publicUrlWarning(String(o.http), o.publicUrl ? String(o.publicUrl) : undefined) : undefined;
      if (format === "json") {
        console.log(JSON.stringify(info));
        if (warning) console.log(JSON.stringify({ level: "warn", msg: warning }));
      } else {
        console.log(`labelreg: gRPC on ${running.grpc.address}${o.tlsCert ? " (TLS)" : ""}, log size ${info.treeSize}`);
        if (running.http)
          console.log(
            `labelreg: HTTP gateway on ${running.http.url} (tlog-tiles, label pages /l/<id>, JSON API /api/v1/, /metrics)`,
          );
        console.log(`labelreg: log verifier key:       ${running.logVerifierKey}`);
        console.log(`labelreg: authority verifier key: ${running.authorityVerifierKey}`);
        if (running.devAuthorityKeyFile)
          console.log(
            `labelreg: DEVELOPMENT authority key in ${running.devAuthorityKeyFile} (for production pass --authority-key with the verifier key only)`,
          );
        if (warning) console.error(`labelreg: warning: ${warning}`);
      }
      const stop = async (signal: string) => {
        console.log(
          format === "json" ? JSON.stringify({ msg: "labelreg stopping", signal }) : `labelreg: stopping (${signal})`,
        );
        await running.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void stop("SIGINT"));
      process.once("SIGTERM", () => void stop("SIGTERM"));
    });
}

/** `--witness url=vkey` options as WitnessingOptions (k defaults to every witness). */
function witnessingOptions(specs: string[], required: unknown, timeoutMs: unknown) {
  const witnesses = specs.map((s) => {
    const at = s.indexOf("=");
    if (at < 0) throw new Error(`--witness ${s}: expected <url>=<verifier key>`);
    return { url: s.slice(0, at), verifierKey: s.slice(at + 1) };
  });
  return {
    witnesses,
    required: typeof required === "number" ? required : witnesses.length,
    timeoutMs: Number(timeoutMs),
  };
}

/** The --grpc-* connection limit flags given. */
function grpcConnectionFlags(o: Record<string, unknown>): Partial<GrpcConnectionLimits> {
  const pick = (flag: string, key: keyof GrpcConnectionLimits) =>
    typeof o[flag] === "number" ? { [key]: o[flag] } : {};
  return {
    ...pick("grpcMaxConnections", "maxConnections"),
    ...pick("grpcIdleMs", "idleMs"),
    ...pick("grpcMaxAgeMs", "maxAgeMs"),
    ...pick("grpcAgeGraceMs", "ageGraceMs"),
    ...pick("grpcKeepaliveMs", "keepaliveTimeMs"),
    ...pick("grpcKeepaliveTimeoutMs", "keepaliveTimeoutMs"),
    ...pick("grpcFirstByteTimeoutMs", "firstByteTimeoutMs"),
  };
}
