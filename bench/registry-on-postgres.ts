// The registry on the PostgreSQL store, for `npm run bench:issue -- --store postgres` (the
// `labelreg serve` command has no store option yet). Prints the same start-up JSON line as
// `labelreg serve`, with a development authority key in the data directory.
//
//   node --import tsx bench/registry-on-postgres.ts <dataDir> <connectionString> [batchLingerMs]
import { startRegistry, DEFAULT_ORIGIN } from "../services/server.js";
import { openPostgresStore } from "../services/store/postgres.js";

const [dataDir, connectionString, linger] = process.argv.slice(2);
if (!dataDir || !connectionString) {
  process.stderr.write("usage: registry-on-postgres.ts <dataDir> <connectionString> [batchLingerMs]\n");
  process.exit(2);
}
const store = await openPostgresStore({ connectionString });
const running = await startRegistry({
  dataDir,
  grpcAddress: "127.0.0.1:0",
  origin: DEFAULT_ORIGIN,
  store,
  ...(linger !== undefined ? { batch: { lingerMs: Number(linger) } } : {}),
});
console.log(
  JSON.stringify({
    msg: "labelreg serving",
    grpc: running.grpc.address,
    treeSize: running.registry.view.size,
    logVerifierKey: running.logVerifierKey,
    authorityVerifierKey: running.authorityVerifierKey,
  }),
);
process.once("SIGTERM", () => void running.close().then(() => process.exit(0)));
