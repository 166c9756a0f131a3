// POST /api/v1/tender:check: the list as text/csv, the criteria as query parameters; the answer
// is the canonical evidence file itself, byte for byte what `labelreg verify --evidence` checks.
import type { IncomingMessage } from "node:http";
import { ApiRequestError } from "../api/status.js";
import { readBody } from "../http/body.js";
import type { Reply } from "../http/reply.js";
import { tenderCriteria, type TenderCheck } from "./tender-check.js";

export async function tenderCheckReply(
  check: TenderCheck,
  req: IncomingMessage,
  query: URLSearchParams,
  maxBodyBytes: number,
): Promise<Reply> {
  const criteria = tenderCriteria((name) => query.get(name));
  if (!/^text\/csv\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i.test(req.headers["content-type"] ?? ""))
    throw new ApiRequestError("bad-content-type", "the body must be the list as text/csv (UTF-8)");
  const result = await check.run(await readBody(req, maxBodyBytes), criteria);
  return evidenceReply(result.evidence);
}

/** The evidence file as the answer, named for saving. */
export function evidenceReply(evidence: string): Reply {
  return {
    status: 200,
    headers: {
      "content-type": "application/json",
      "content-disposition": 'attachment; filename="evidence.json"',
      "cache-control": "no-store",
    },
    body: evidence,
  };
}
