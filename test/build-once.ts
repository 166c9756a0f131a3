// Vitest's global setup. Tests that start the registry or the CLI in a child process run the build
// in dist/, as production does; this brings it up to date first (when it is, a digest check).
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./testdata.js";

export default function setup(): void {
  execFileSync(process.execPath, [join(repoRoot, "scripts", "build.mjs"), "--if-stale"], { stdio: "inherit" });
}
