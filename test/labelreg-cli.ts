// Runs the `labelreg` command (bin/labelreg.mjs, the built CLI) in a child process, as a user at a
// shell would.
import { execFile } from "node:child_process";
import { labelregBin } from "./built.js";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function labelreg(cwd: string, args: string[]): Promise<CliRun> {
  return new Promise((res) => {
    execFile(process.execPath, [labelregBin, ...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 99) : 0;
      res({ code, stdout, stderr });
    });
  });
}
