// `labelreg keygen`: a new Ed25519 key in the signed-note key-string formats.
import type { Command } from "commander";
import { generateSignerKey } from "../../log/note-keys.js";
import { writeSignerKeyFile } from "../../services/config/key-files.js";
import { nodeEd25519 } from "../../services/crypto/ed25519-node.js";
import { writeFileSync } from "node:fs";

export function registerKeygen(cmd: Command): void {
  cmd
    .requiredOption("--name <name>", "key name (for an issuer: its issuer id; for a log: its origin)")
    .requiredOption("--out <file>", "private key file to create (refuses to overwrite)")
    .action((o: { name: string; out: string }) => {
      const { signerKey, verifierKey } = generateSignerKey(o.name, undefined, nodeEd25519);
      writeSignerKeyFile(o.out, signerKey);
      writeFileSync(`${o.out}.pub`, verifierKey + "\n", { mode: 0o644 });
      console.log(verifierKey);
    });
}
