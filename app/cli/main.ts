#!/usr/bin/env node
// labelreg: the command line. Each subcommand lives in its own file; this one only wires them.
import { LabelregCommand } from "./command.js";
import { registerServe } from "./serve.js";
import { registerKeygen } from "./keygen.js";
import { registerAuthority } from "./authority.js";
import { registerIssuer } from "./issuer.js";
import { registerWitness } from "./witness.js";
import { registerAudit } from "./audit.js";
import { registerVerify } from "./verify.js";
import { registerGateway } from "./gateway.js";

const program = new LabelregCommand();
program.name("labelreg").description("The cybersecurity label registry: a verifiable transparency log of label events").showHelpAfterError();
registerServe(program);
registerKeygen(program);
registerAuthority(program);
registerIssuer(program);
registerWitness(program);
registerAudit(program);
registerVerify(program);
registerGateway(program);

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`labelreg: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(2);
});
