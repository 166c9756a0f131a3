// What a handler answers: status, headers, body. Handlers build replies; one function writes
// them, so HEAD, Content-Length and the common headers are right everywhere.

import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";

export interface Reply {
  readonly status: number;
  readonly headers: OutgoingHttpHeaders;
  readonly body: Uint8Array | string;
}

/** Headers every response carries: the read path is public data, readable from any origin. */
export const COMMON_HEADERS: OutgoingHttpHeaders = {
  "access-control-allow-origin": "*",
  "x-content-type-options": "nosniff",
};

export const NO_STORE = "no-store";

export function textReply(status: number, text: string, headers: OutgoingHttpHeaders = {}): Reply {
  return {
    status,
    headers: { "content-type": "text/plain; charset=utf-8", "cache-control": NO_STORE, ...headers },
    body: `${text}\n`,
  };
}

export function jsonReply(status: number, value: unknown, headers: OutgoingHttpHeaders = {}): Reply {
  return {
    status,
    headers: { "content-type": "application/json", "cache-control": NO_STORE, ...headers },
    body: JSON.stringify(value),
  };
}

/** Writes `reply` (no body for HEAD). */
export function send(req: IncomingMessage, res: ServerResponse, reply: Reply): void {
  const body = typeof reply.body === "string" ? Buffer.from(reply.body, "utf8") : reply.body;
  res.writeHead(reply.status, { ...COMMON_HEADERS, ...reply.headers, "content-length": body.byteLength });
  if (req.method === "HEAD") res.end();
  else res.end(body);
}
