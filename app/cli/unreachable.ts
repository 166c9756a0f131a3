// What the CLI says when it cannot reach a registry or a gateway: where it tried and the cause in
// a few words, instead of the transport library's diagnostics ("Resolution note: ...").

/** The cause of a connection failure, from a grpc-js or fetch error message. */
function cause(detail: string): string {
  if (/ECONNREFUSED/.test(detail)) return "connection refused: is it running, and listening at that address?";
  if (/ENOTFOUND|EAI_AGAIN|Name resolution failed/i.test(detail)) return "the host name does not resolve";
  if (/ETIMEDOUT|DEADLINE_EXCEEDED|Deadline exceeded|timed? ?out/i.test(detail)) return "no answer in time";
  if (/ECONNRESET|socket hang up/i.test(detail)) return "the connection was reset";
  if (/certificate|SSL|TLS|handshake/i.test(detail)) return `TLS failed: ${firstSentence(detail)}`;
  return firstSentence(detail);
}

function firstSentence(detail: string): string {
  const s = detail.replace(/^\d+ [A-Z_]+: /, "").split(/\. |\n/, 1)[0] ?? "";
  return s.slice(0, 200);
}

/** "could not connect to the registry at 127.0.0.1:50051 (connection refused: ...)" */
export function unreachable(what: string, address: string, detail: string): string {
  return `could not connect to ${what} at ${address} (${cause(detail)})`;
}

/** Whether a gRPC failure is the transport's (no server, wrong address, TLS), not a refusal by the registry. */
export function isConnectionFailure(code: string, rule: string): boolean {
  return (code === "UNAVAILABLE" || code === "DEADLINE_EXCEEDED") && rule === "transport";
}
