// The home page's lookup (GET /l?id=): a number as people type it (any case, spaces) redirects to
// its page; anything else is the form again, with what was typed shown escaped (fuzzed).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LABEL_ID } from "../../services/domain/syntax.js";
import { lookupReply } from "./label-routes.js";

describe("lookupReply", () => {
  it("redirects a label number typed loosely to its canonical page, keeping the language", () => {
    expect(lookupReply(" ccrc - 2026x1 ", "en")).toMatchObject({
      status: 303,
      headers: { location: "/l/CCRC-2026X1?lang=en" },
    });
  });

  it("anything: a 303 to a label page for a label number, else a 400 page that never echoes markup (fuzzed)", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 100 }), fc.stringMatching(/^[a-z0-9]{2,16}-[a-z0-9]{1,32}$/)),
        (typed) => {
          const r = lookupReply(typed, "zh-CN");
          if (r.status === 303) {
            const m = /^\/l\/([^?]+)\?lang=zh-CN$/.exec(r.headers.location ?? "");
            expect(m).not.toBeNull();
            expect(LABEL_ID.test(decodeURIComponent(m![1]!))).toBe(true);
          } else {
            expect(r.status).toBe(400);
            const body = String(r.body);
            expect(body.match(/<script/g)).toBeNull();
            expect(body).toContain('role="alert"');
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
