import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ApiRequestError } from "../api/status.js";
import { formFields } from "./multipart.js";

const BOUNDARY = "----formboundaryX7a";
/** A form as a browser encodes it. */
function multipart(fields: readonly [string, string][], boundary = BOUNDARY): Buffer {
  const parts = fields.map(
    ([name, value]) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"${name === "csv" ? '; filename="l.csv"\r\nContent-Type: text/csv' : ""}\r\n\r\n${value}\r\n`,
  );
  return Buffer.from(`${parts.join("")}--${boundary}--\r\n`, "utf8");
}
const TYPE = `multipart/form-data; boundary=${BOUNDARY}`;

describe("formFields", () => {
  it("reads a browser's multipart form: fields, a file, the first of a repeated name", () => {
    const f = formFields(
      TYPE,
      multipart([
        ["csv", "label_id\r\nCCRC-1\r\n"],
        ["minTier", "2"],
        ["text", "第一行\n"],
        ["minTier", "3"],
      ]),
    );
    expect(f.get("csv")?.toString()).toBe("label_id\r\nCCRC-1\r\n");
    expect(f.get("minTier")?.toString()).toBe("2");
    expect(f.get("text")?.toString()).toBe("第一行\n");
  });

  it("reads a url-encoded form", () => {
    const f = formFields(
      "application/x-www-form-urlencoded",
      Buffer.from("minTier=2&text=label_id%0D%0AAB-1&x=%E4%B8%AD"),
    );
    expect(f.get("text")?.toString()).toBe("label_id\r\nAB-1");
    expect(f.get("x")?.toString()).toBe("中");
  });

  it("refuses what a form does not send, naming the rule", () => {
    const rule = (type: string, body: string) => {
      try {
        formFields(type, Buffer.from(body));
        return "accepted";
      } catch (e) {
        return e instanceof ApiRequestError ? e.rule : "threw";
      }
    };
    expect(rule("text/csv", "a")).toBe("bad-content-type");
    expect(rule(TYPE, "no delimiter")).toBe("bad-multipart");
    expect(rule(TYPE, `--${BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\nopen`)).toBe("bad-multipart");
    expect(rule(TYPE, `--${BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n--${BOUNDARY}--`)).toBe("bad-multipart");
    const many = multipart(Array.from({ length: 17 }, (_, i) => [`f${i}`, "v"] as [string, string]));
    expect(rule(TYPE, many.toString())).toBe("bad-multipart");
  });

  it("fuzz: round-trips any fields a browser could send", () => {
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,10}$/);
    const value = fc.string({ maxLength: 40 }).filter((v) => !v.includes(`\r\n--${BOUNDARY}`));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(name, value), { maxLength: 8, selector: ([n]) => n }), (fields) => {
        const f = formFields(TYPE, multipart(fields));
        for (const [n, v] of fields) expect(f.get(n)?.toString("utf8")).toBe(v);
      }),
    );
  });

  it("fuzz: any body gives fields or an ApiRequestError, never another exception", () => {
    const pieces = fc.constantFrom(
      `--${BOUNDARY}`,
      "\r\n",
      "\r\n\r\n",
      'Content-Disposition: form-data; name="a"',
      "--",
      "x",
    );
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
      fc.array(pieces, { maxLength: 12 }).map((p) => Buffer.from(p.join(""))),
    );
    const type = fc.constantFrom(TYPE, "application/x-www-form-urlencoded", "multipart/form-data", "text/plain", "");
    fc.assert(
      fc.property(type, body, (t, b) => {
        try {
          formFields(t, b);
        } catch (e) {
          expect(e).toBeInstanceOf(ApiRequestError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
