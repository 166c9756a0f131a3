#!/usr/bin/env -S node --max-semi-space-size=64
// The `labelreg` command: runs the built CLI (dist/, from `npm run build`; `npm ci` builds it).
// A 64 MiB young generation (V8's default is 16): with a registry's projections in the old
// generation, each young collection is slower, and at 10^6 entries the default size made them
// a large share of read latency (bench:verify: p99 51 -> 19 ms, 1,555 -> 2,422 GetLabel/s).
import { existsSync } from "node:fs";

const main = new URL("../dist/app/cli/main.js", import.meta.url);
if (!existsSync(main)) {
  console.error("labelreg: not built: run `npm run build` in the labelreg checkout (`npm ci` also builds it)");
  process.exit(2);
}
await import(main.href);
