// The project's .proto files as loaded at run time: server reflection serves them, and the
// request framing check (framing.ts) reads its message shapes from them.
import { readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import * as protoLoader from "@grpc/proto-loader";

const protoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "proto");

function protoFiles(): string[] {
  const dir = join(protoRoot, "labelreg", "v1");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".proto"))
    .map((f) => join("labelreg", "v1", f));
}

let loaded: protoLoader.PackageDefinition | undefined;

/** Every message and service of proto/labelreg/v1, loaded once per process. */
export function protoPackage(): protoLoader.PackageDefinition {
  loaded ??= protoLoader.loadSync(protoFiles(), { includeDirs: [protoRoot], keepCase: true, longs: String });
  return loaded;
}
