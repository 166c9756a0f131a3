// `labelreg witness serve`: a C2SP tlog-witness v1 witness for one or more logs.
import { join } from "node:path";
import type { Command } from "commander";
import { readVerifierKey } from "../../services/config/key-files.js";
import { nodeEd25519 } from "../../services/crypto/ed25519-node.js";
import { parseVerifierKey } from "../../log/note-keys.js";
import { startWitnessServer } from "../../services/witness/http.js";
import { loadOrCreateWitnessKey } from "../../services/witness/key.js";
import { WitnessState } from "../../services/witness/state.js";
import { Witness } from "../../services/witness/witness.js";

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerWitness(witness: Command): void {
  witness
    .command("serve")
    .description("cosign checkpoints of the configured logs that are consistent with what this witness saw before")
    .requiredOption(
      "--log <vkey|file>",
      "a log's verifier key (its name is the log's origin); repeat for more logs",
      collect,
    )
    .option("--data <dir>", "directory for the witness key and its state", "witness-data")
    .option("--name <name>", "the witness's name, for a new key", "localhost/labelreg-witness")
    .option("--listen <host:port>", "HTTP listen address", "127.0.0.1:7380")
    .option("--prefix <path>", "submission prefix (the URL path before /add-checkpoint)", "")
    .action(async (o: { log: string[]; data: string; name: string; listen: string; prefix: string }) => {
      const cosigner = loadOrCreateWitnessKey(join(o.data, "witness.key"), o.name);
      const logs = o.log.map((k) => parseVerifierKey(readVerifierKey(k), nodeEd25519));
      const state = new WitnessState(o.data);
      const w = new Witness({
        cosigner,
        logs,
        state,
        onEvidence: (e) =>
          console.log(
            JSON.stringify({
              level: "warn",
              msg: "witness: refused a validly signed checkpoint",
              origin: e.origin,
              status: e.status,
              reason: e.reason,
              note: Buffer.from(e.note).toString("utf8"),
            }),
          ),
      });
      const at = o.listen.lastIndexOf(":");
      const server = await startWitnessServer(w, {
        host: o.listen.slice(0, at),
        port: Number(o.listen.slice(at + 1)),
        prefix: o.prefix,
      });
      console.log(`labelreg witness: POST ${server.url}/add-checkpoint`);
      console.log(`labelreg witness: verifier key ${cosigner.verifierKey}`);
      console.log(`labelreg witness: logs ${logs.map((l) => l.name).join(", ")}`);
      const stop = async () => {
        await server.close();
        state.close();
        process.exit(0);
      };
      process.once("SIGINT", () => void stop());
      process.once("SIGTERM", () => void stop());
    });
}
