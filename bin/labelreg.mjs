#!/usr/bin/env -S node --max-semi-space-size=64
// The `labelreg` command: runs the TypeScript CLI through tsx's loader (no build step).
// A 64 MiB young generation (V8's default is 16): with a registry's projections in the old
// generation, each young collection is slower, and at 10^6 entries the default size made them
// a large share of read latency (bench:verify: p99 51 -> 19 ms, 1,555 -> 2,422 GetLabel/s).
import { register } from "tsx/esm/api";

register();
await import("../app/cli/main.ts");
