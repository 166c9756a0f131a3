// Reading a request body, never more than the limit: the gateway refuses a declared length over
// it before routing; this stops a chunked body that grows past it.
import type { IncomingMessage } from "node:http";
import { ApiRequestError } from "../api/status.js";

export async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > max) throw new ApiRequestError("body-too-large", `the body exceeds ${max} bytes`, "RESOURCE_EXHAUSTED");
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}
