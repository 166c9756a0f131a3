// `labelreg serve` alone, for tests and benchmarks that run the server in a child process: the
// same command code (app/cli/serve.ts) without loading the CLI's other commands.
//
//   node --import tsx test/serve-only.ts serve --data DIR --grpc HOST:PORT ...
import { Command } from "commander";
import { registerServe } from "../app/cli/serve.js";

const program = new Command("labelreg");
registerServe(program);
await program.parseAsync(process.argv);
