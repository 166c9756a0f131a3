// Runs the `labelreg` command (bin/labelreg.mjs) in a child process, as a user at a shell would.
import { execFile } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export function labelreg(cwd: string, args: string[]): Promise<CliRun> {
  return new Promise((res) => {
    execFile(process.execPath, [join(root, "bin", "labelreg.mjs"), ...args], { cwd, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 99) : 0;
      res({ code, stdout, stderr });
    });
  });
}
