// The built labelreg (dist/, what production runs), for tests and benchmarks that start it in a
// child process. Importing this module brings the build up to date first, once per process and
// outside any test's timeout: a digest check when it is fresh, a build (tens of seconds) when not.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./testdata.js";

execFileSync(process.execPath, [join(repoRoot, "scripts", "build.mjs"), "--if-stale"], { stdio: "inherit" });

/** The compiled CLI's entry module. */
export const builtCli = join(repoRoot, "dist", "app", "cli", "main.js");
/** The in-browser verifier that the build bundled, which the built gateway serves. */
export const builtVerifierBundle = join(repoRoot, "dist", "gateway", "verifier", "verifier.bundle.js");
/** The `labelreg` bin, which runs `builtCli`. */
export const labelregBin = join(repoRoot, "bin", "labelreg.mjs");
