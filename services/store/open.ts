// Opening the configured event store (`labelreg serve --store ...`): SQLite in the data
// directory, a shared PostgreSQL database, or a KurrentDB cluster. A sequencing process on
// PostgreSQL also gets the sequencer lease, so that several processes can share the log with one
// active sequencer at a time (services/sequencer/leadership.ts).
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { openKurrentDbStore } from "./kurrentdb.js";
import { newHolderId, type SequencerLease } from "./lease.js";
import { fencedConnectionString, openPostgresLease } from "./postgres-lease.js";
import { openPostgresStore } from "./postgres.js";
import type { LogStore } from "./port.js";
import { withReadCache } from "./read-cache.js";
import { openSqliteStore } from "./sqlite.js";

export type StoreSpec =
  | { readonly kind: "sqlite" }
  | { readonly kind: "postgres"; readonly url: string; readonly schema?: string; readonly leaseTtlMillis?: number }
  | { readonly kind: "kurrentdb"; readonly url: string; readonly prefix?: string };

export class StoreConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreConfigError";
  }
}

/** The store options of `labelreg serve`, as commander gives them. */
export interface StoreFlags {
  readonly store?: string;
  readonly postgresUrl?: string;
  readonly postgresSchema?: string;
  readonly kurrentdb?: string;
  readonly kurrentdbPrefix?: string;
  /** --lease-ttl-ms, as commander gives it (a string). */
  readonly leaseTtlMs?: string;
}

/** Checks the flags fit together; throws StoreConfigError naming the missing or stray flag. */
export function storeSpecFromFlags(f: StoreFlags): StoreSpec {
  const kind = f.store ?? (f.postgresUrl ? "postgres" : f.kurrentdb ? "kurrentdb" : "sqlite");
  const stray = (flag: string, value: unknown) => {
    if (value !== undefined) throw new StoreConfigError(`${flag} does not go with --store ${kind}`);
  };
  switch (kind) {
    case "sqlite":
      stray("--postgres-url", f.postgresUrl);
      stray("--kurrentdb", f.kurrentdb);
      stray("--lease-ttl-ms", f.leaseTtlMs);
      return { kind };
    case "postgres":
      stray("--kurrentdb", f.kurrentdb);
      if (!f.postgresUrl)
        throw new StoreConfigError("--store postgres needs --postgres-url postgresql://user@host:5432/db");
      if (!/^postgres(ql)?:\/\//.test(f.postgresUrl))
        throw new StoreConfigError("--postgres-url must be a postgresql:// URL");
      return {
        kind,
        url: f.postgresUrl,
        ...(f.postgresSchema ? { schema: f.postgresSchema } : {}),
        ...leaseTtl(f.leaseTtlMs),
      };
    case "kurrentdb":
      stray("--postgres-url", f.postgresUrl);
      // KurrentDB elects its own leader; the registry holds no lease there.
      stray("--lease-ttl-ms", f.leaseTtlMs);
      if (!f.kurrentdb)
        throw new StoreConfigError(
          "--store kurrentdb needs --kurrentdb kurrentdb://host1,host2,host3?nodePreference=leader",
        );
      if (!/^(kurrentdb|kdb|esdb|eventstore)(\+discover)?:\/\//.test(f.kurrentdb))
        throw new StoreConfigError("--kurrentdb must be a kurrentdb:// connection string");
      return { kind, url: f.kurrentdb, ...(f.kurrentdbPrefix ? { prefix: f.kurrentdbPrefix } : {}) };
    default:
      throw new StoreConfigError(`--store must be sqlite, postgres or kurrentdb, not ${JSON.stringify(kind)}`);
  }
}

/**
 * The sequencer lease's time to live: how long a crashed leader blocks failover, and how often a
 * live one must renew (every 0.5 s, or a third of it if shorter). Below 500 ms a busy database's latency would lose live
 * leases; above 60 s an outage lasts too long to be worth allowing.
 */
function leaseTtl(value: string | undefined): { leaseTtlMillis?: number } {
  if (value === undefined) return {};
  const ms = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!(ms >= 500 && ms <= 60_000))
    throw new StoreConfigError(
      `--lease-ttl-ms must be a whole number of milliseconds from 500 to 60000, not ${JSON.stringify(value)}`,
    );
  return { leaseTtlMillis: ms };
}

export interface OpenedStore {
  readonly store: LogStore;
  /** The sequencer lease, for a sequencing process on a backend that has one. */
  readonly lease?: SequencerLease;
}

/**
 * Opens the store of `spec`. A sequencing (not read-only) process on PostgreSQL gets a lease and
 * a store whose connections name its holder id to the lease fence. Remote stores get a read cache
 * (read-cache.ts), so reads keep serving while the store is down.
 */
export async function openConfiguredStore(
  spec: StoreSpec,
  options: { dataDir: string; readOnly: boolean; readCacheBytes?: number },
): Promise<OpenedStore> {
  const cached = (inner: LogStore) =>
    withReadCache(inner, options.readCacheBytes !== undefined ? { maxBytes: options.readCacheBytes } : {});
  switch (spec.kind) {
    case "sqlite":
      return { store: await openSqliteStore({ dir: options.dataDir }) };
    case "kurrentdb":
      return {
        store: cached(
          await openKurrentDbStore({ connectionString: spec.url, ...(spec.prefix ? { prefix: spec.prefix } : {}) }),
        ),
      };
    case "postgres": {
      // Short bounds: a registry answers UNAVAILABLE soon rather than hang on a stalled database
      // (a batch append takes milliseconds; catch-up reads are chunked).
      const schema = spec.schema ? { schema: spec.schema } : {};
      const bounds = { ...schema, connectTimeoutMillis: 1000, statementTimeoutMillis: 1500 };
      if (options.readOnly)
        return { store: cached(await openPostgresStore({ connectionString: spec.url, ...bounds })) };
      const holder = newHolderId(hostname(), process.pid, randomBytes(6).toString("hex"));
      const store = await openPostgresStore({ connectionString: fencedConnectionString(spec.url, holder), ...bounds });
      try {
        const lease = await openPostgresLease({
          connectionString: spec.url,
          holder,
          ...schema,
          ...(spec.leaseTtlMillis ? { ttlMillis: spec.leaseTtlMillis } : {}),
        });
        return { store: cached(store), lease };
      } catch (e) {
        await store.close();
        throw e;
      }
    }
  }
}
