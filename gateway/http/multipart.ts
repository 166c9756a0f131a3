// The fields of an HTML form post, multipart/form-data (RFC 7578: a file input) or
// application/x-www-form-urlencoded. Only what a browser's form sends is understood: named parts,
// no nesting; anything else is refused with the rule it breaks, never guessed at.
import { ApiRequestError } from "../api/status.js";

/** Parts in one form: a handful of fields and one file. */
const MAX_PARTS = 16;
const MAX_PART_HEADER_BYTES = 1024;

/** The form's fields by name (the first part of each name), as bytes. */
export function formFields(contentType: string, body: Buffer): Map<string, Buffer> {
  if (/^application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType)) {
    const fields = new Map<string, Buffer>();
    for (const [k, v] of new URLSearchParams(body.toString("utf8")))
      if (!fields.has(k)) fields.set(k, Buffer.from(v, "utf8"));
    return fields;
  }
  const m = /^multipart\/form-data\s*;.*\bboundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  if (!m) throw bad("bad-content-type", "the form must be multipart/form-data or application/x-www-form-urlencoded");
  return multipart(body, `--${m[1] ?? m[2]}`);
}

function bad(rule: string, message: string): ApiRequestError {
  return new ApiRequestError(rule, message);
}

function multipart(body: Buffer, delimiter: string): Map<string, Buffer> {
  const fields = new Map<string, Buffer>();
  const dash = Buffer.from(delimiter, "latin1");
  const next = Buffer.from(`\r\n${delimiter}`, "latin1");
  let at = body.indexOf(dash);
  if (at < 0) throw bad("bad-multipart", "the body has no part");
  for (let parts = 0; ; parts++) {
    at += dash.length;
    if (body.subarray(at, at + 2).toString("latin1") === "--") return fields;
    if (parts >= MAX_PARTS) throw bad("bad-multipart", `at most ${MAX_PARTS} parts in a form`);
    if (body.subarray(at, at + 2).toString("latin1") !== "\r\n")
      throw bad("bad-multipart", "a delimiter is not followed by CRLF");
    const headEnd = body.indexOf("\r\n\r\n", at + 2, "latin1");
    if (headEnd < 0 || headEnd - at > MAX_PART_HEADER_BYTES) throw bad("bad-multipart", "a part's headers do not end");
    const head = body.subarray(at + 2, headEnd).toString("utf8");
    const end = body.indexOf(next, headEnd + 4);
    if (end < 0) throw bad("bad-multipart", "the body's closing delimiter is missing");
    const name = /^content-disposition:\s*form-data\s*;(?:.*;)?\s*name="([^"]*)"/im.exec(head)?.[1];
    if (name === undefined) throw bad("bad-multipart", "a part has no form-data name");
    if (!fields.has(name)) fields.set(name, body.subarray(headEnd + 4, end));
    at = end + 2;
  }
}
