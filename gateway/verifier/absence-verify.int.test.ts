// The absent page's verifier decision over a real registry's NOT_FOUND (its proof of absence as
// the JSON API sends it): "ok" only for a proof of this very id that verifies; a tampered proof,
// another id's proof, a missing proof, a label that now exists, junk: never "ok".
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { toBase64 } from "../../log/bytes.js";
import { LabelBundle } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { generateSignerKey } from "../../log/note-keys.js";
import { authority, buildFixture, LABELS, logSigner, type Fixture } from "../../test/verification-fixture.js";
import type { AbsentPageConfig } from "../page/absent-page.js";
import { MESSAGES } from "../page/messages.js";
import { verifyAbsenceForPage } from "./absence-verify.js";
import { withTime } from "./page-verify.js";

/** A log key of the fixture log's name, but another key. */
const otherLogKey = generateSignerKey(logSigner.name, new Uint8Array(32).fill(19)).verifierKey;
let fx: Fixture;
/** The JSON API's 404 body for CCRC-999. */
let body: { absence: Record<string, unknown> };

const config = (labelId: string, lang: "en" | "zh-CN" = "en"): AbsentPageConfig => ({
  kind: "absent",
  labelId,
  lang,
  logVerifierKey: logSigner.verifierKey,
  authorityPublicKey: toBase64(authority.publicKey),
  timeZone: "Asia/Shanghai",
  messages: MESSAGES[lang].absent.verifier,
});

beforeAll(async () => {
  fx = await buildFixture();
  const e = (await fx.reads.getLabel("CCRC-999").catch((x: unknown) => x)) as { absence?: Uint8Array };
  body = { absence: LabelBundle.toJSON(LabelBundle.decode(e.absence!)) as Record<string, unknown> };
});

describe("verifyAbsenceForPage", () => {
  it("proves in both languages that no such label exists as of the checkpoint, with its time", () => {
    const c = fx.registry.view.map.latest!;
    for (const lang of ["en", "zh-CN"] as const) {
      const r = verifyAbsenceForPage(config("CCRC-999", lang), 404, body);
      const expected = withTime(
        MESSAGES[lang].absent.verifier.proven.replace("{id}", "CCRC-999").replace("{size}", String(c.size + 1)),
        { lang, timeZone: "Asia/Shanghai" },
        Number(c.sequencedAtUnix),
      );
      expect(r).toEqual({ state: "ok", text: expected });
    }
    expect(verifyAbsenceForPage(config("CCRC-999"), 404, body).text).toMatch(
      /^No label CCRC-999 exists in the registry as of checkpoint \d+, .+; verified in your browser\.$/,
    );
  });

  it("a tampered proof is not verified, and the page does not claim absence", () => {
    const b = LabelBundle.fromJSON(body.absence);
    for (const at of [0, 7, -1]) {
      const p = Uint8Array.from(b.mapProof);
      p[at < 0 ? p.length + at : at]! ^= 1;
      const r = verifyAbsenceForPage(config("CCRC-999"), 404, {
        absence: LabelBundle.toJSON({ ...b, mapProof: p }),
      });
      expect(r.state, `byte ${at}`).toBe("failed");
      expect(r.text).toMatch(/^This answer could not be verified: /);
      expect(r.text).not.toContain("No label");
    }
  });

  it("another id's proof, no proof, a label that exists now, a wrong log key: failed", async () => {
    expect(verifyAbsenceForPage(config("CCRC-998"), 404, body).state).toBe("failed");
    const relabelled = { absence: { ...body.absence, labelId: "CCRC-998" } };
    // The proof names CCRC-998 but proves the key of CCRC-999: the map proof fails.
    expect(verifyAbsenceForPage(config("CCRC-998"), 404, relabelled).state).toBe("failed");
    expect(verifyAbsenceForPage(config("CCRC-999"), 404, { code: 5 }).detail).toMatch(/no proof of absence/);
    const present = (await fx.reads.getLabel(LABELS.valid)).bundle!;
    const r = verifyAbsenceForPage(config(LABELS.valid), 404, {
      absence: LabelBundle.toJSON({ ...present, entries: [], contextEntries: [] }),
    });
    expect(r.state).toBe("failed");
    expect(verifyAbsenceForPage(config("CCRC-999"), 200, {}).text).toContain("now answers with a label");
    expect(verifyAbsenceForPage(config("CCRC-999"), 503, body).state).toBe("failed");
    const wrongLog = verifyAbsenceForPage({ ...config("CCRC-999", "zh-CN"), logVerifierKey: otherLogKey }, 404, body);
    expect(wrongLog.state).toBe("failed");
    expect(wrongLog.text).toBe("无法核验此答复：日志检查点没有有效的签名。这不能证明该标识不存在，也不能证明它存在。");
  });

  it("never says ok for arbitrary JSON (fuzzed)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.constantFrom(200, 404, 500), (json, status) => {
        expect(verifyAbsenceForPage(config("CCRC-999"), status, json).state).toBe("failed");
        expect(verifyAbsenceForPage(config("CCRC-999"), status, { absence: json }).state).toBe("failed");
      }),
      { numRuns: 300 },
    );
  });
});
