#!/usr/bin/env node
// labelreg: the command line. Each subcommand lives in its own file; this one only wires them.
// A command's module is imported only when that command runs: the registry, the gRPC clients and
// the auditor each take long to load, and a script calls the CLI once per label, so `--help` and
// each command load only what they use. The top-level help needs only the names and descriptions
// below.
import type { Command } from "commander";
import { LabelregCommand } from "./command.js";

type Register = (cmd: Command) => void;

const COMMANDS: readonly { spec: string; description: string; load: () => Promise<Register> }[] = [
  { spec: "serve", description: "run the registry", load: async () => (await import("./serve.js")).registerServe },
  {
    spec: "keygen",
    description: "create an Ed25519 key: the private key file (mode 0600) and <file>.pub with the verifier key",
    load: async () => (await import("./keygen.js")).registerKeygen,
  },
  {
    spec: "authority",
    description: "the authority's statements: accredit issuers, manage their keys, publish catalogue categories",
    load: async () => (await import("./authority.js")).registerAuthority,
  },
  {
    spec: "issuer",
    description: "an issuer's label statements: issue, upgrade, downgrade, renew, suspend, reinstate, revoke",
    load: async () => (await import("./issuer.js")).registerIssuer,
  },
  {
    spec: "witness",
    description: "a transparency-log witness (C2SP tlog-witness v1)",
    load: async () => (await import("./witness.js")).registerWitness,
  },
  {
    spec: "audit",
    description: "audit a registry's log from its public tlog-tiles read path: every proof, every entry, every rule",
    load: async () => (await import("./audit.js")).registerAudit,
  },
  {
    spec: "verify [label-id]",
    description:
      "verify labels with the log's and the authority's keys: one id (asks the registry), --bundle FILE (offline), or --csv FILE (bulk)",
    load: async () => (await import("./verify.js")).registerVerify,
  },
  {
    spec: "gateway",
    description: "run the HTTP gateway (tlog-tiles, label pages, JSON API) against a registry's gRPC address",
    load: async () => (await import("./gateway.js")).registerGateway,
  },
  {
    spec: "watch",
    description:
      "brand watch: report every label event naming a manufacturer, each verified with its proofs (--exec, --webhook, --once for cron)",
    load: async () => (await import("./watch.js")).registerWatch,
  },
  {
    spec: "tender",
    description: "tender check: a procurement list against minimum tier, validity and category, with offline evidence",
    load: async () => (await import("./tender.js")).registerTender,
  },
  {
    spec: "fsck",
    description: "check a registry's stored log: checkpoint signature, every entry against the hash tiles, the root",
    load: async () => (await import("./fsck.js")).registerFsck,
  },
];

/** The command the arguments name (`labelreg help X` names X), if any: the program itself takes no options with values. */
function namedCommand(args: readonly string[]): string | undefined {
  const i = args.findIndex((a) => !a.startsWith("-"));
  return args[i] === "help" ? args[i + 1] : args[i];
}

async function main(): Promise<void> {
  const program = new LabelregCommand();
  program
    .name("labelreg")
    .description("The cybersecurity label registry: a verifiable transparency log of label events")
    .showHelpAfterError();
  const named = namedCommand(process.argv.slice(2));
  for (const c of COMMANDS) {
    const cmd = program.command(c.spec).description(c.description);
    if (c.spec.split(" ")[0] === named) (await c.load())(cmd);
  }
  await program.parseAsync(process.argv);
}

main().catch((e: unknown) => {
  console.error(`labelreg: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
});
