// Builds one log for bench/scale.bench.ts in a process of its own, so that the heap the
// in-process registry grows while building is returned when it exits, before the registry under
// measurement starts beside the benchmark.
//
//   node dist/bench/scale-build.js <data dir> <entries> <issuers> <origin>
import { buildScaleLog } from "./scale-log.js";

const [dataDir, entries, issuers, origin] = process.argv.slice(2);
if (!dataDir || !entries || !issuers || !origin) {
  process.stderr.write("usage: scale-build.js <data dir> <entries> <issuers> <origin>\n");
  process.exit(2);
}
await buildScaleLog(dataDir, Number(entries), {
  issuers: Number(issuers),
  origin,
  log: (s) => console.log(s),
  progress: (s) => (process.stdout.isTTY ? process.stdout.write(`\r${s}\x1b[K`) : console.log(s)),
});
