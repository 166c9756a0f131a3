// `labelreg fsck --data DIR`: checks a stored log through and through (services/integrity/):
// the latest checkpoint's signature under the log key, every entry re-hashed, every hash tile
// compared, the root recomputed, nothing stored past the checkpoint and, with --authority-key,
// the state map recomputed and every commitment entry checked. Exit 1 names the problem and the
// entry index.
import type { Command } from "commander";
import { fsck } from "../../services/integrity/fsck.js";
import { IntegrityError } from "../../services/integrity/integrity-error.js";
import { storeSpecFromFlags, type StoreFlags } from "../../services/store/open.js";

export function registerFsck(cmd: Command): void {
  cmd
    .option("--data <dir>", "data directory (store, log.pub)", "data")
    .option("--log-key <vkey|file>", "the log's verifier key (default <data>/log.pub)")
    .option(
      "--authority-key <vkey|file>",
      "the authority's verifier key: also recompute the state map and check every map commitment entry",
    )
    .option("--store <kind>", "event store: sqlite (in --data), postgres or kurrentdb")
    .option("--postgres-url <url>", "PostgreSQL connection string for --store postgres")
    .option("--postgres-schema <name>", "schema holding the log (default labelreg)")
    .option("--kurrentdb <url>", "KurrentDB connection string for --store kurrentdb")
    .option("--kurrentdb-prefix <name>", "stream name prefix of the log (default labelreg)")
    .action(async (o: Record<string, string | undefined>) => {
      const started = performance.now();
      try {
        const r = await fsck({
          dataDir: String(o.data),
          ...(o.logKey ? { logKey: o.logKey } : {}),
          ...(o.authorityKey ? { authorityKey: o.authorityKey } : {}),
          storage: storeSpecFromFlags(o as StoreFlags),
        });
        console.log(
          `labelreg fsck: OK: ${r.entriesChecked} entries, every tile and the signed root of size ${r.size} check out` +
            (o.authorityKey ? ", and every map commitment" : "; map commitments not checked (give --authority-key)") +
            ` (${((performance.now() - started) / 1000).toFixed(1)} s)`,
        );
      } catch (e) {
        if (!(e instanceof IntegrityError)) throw e;
        console.log(
          `labelreg fsck: FAILED (${e.problem}${e.index !== undefined ? `, entry ${e.index}` : ""}): ${e.message}`,
        );
        process.exitCode = 1;
      }
    });
}
