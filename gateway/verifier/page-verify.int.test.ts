// The page's verifier decision (what the browser shows) over real bundles from an in-memory
// registry: the pinned witness policy is applied, and the witnesses that cosigned are named.

import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { cosignCheckpoint, cosigner } from "../../log/cosignature.js";
import { generateSignerKey } from "../../log/note-keys.js";
import { GetLabelResponse } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { T0 } from "../../test/domain-testkit.js";
import { toBase64 } from "../../log/bytes.js";
import { authority, buildFixture, LABELS, logSigner, type Fixture } from "../../test/verification-fixture.js";
import type { PageConfig } from "../page/label-page.js";
import { MESSAGES } from "../page/messages.js";
import { verifyForPage, withTime } from "./page-verify.js";

const NOW = T0 + 10n;
const w1 = cosigner("witness.test/w1", new Uint8Array(32).fill(21), { clock: () => NOW });
const w2 = cosigner("witness.test/w2", new Uint8Array(32).fill(22), { clock: () => NOW });
/** A log key of the same name as the fixture's, but another key. */
const cosignerLogKey = generateSignerKey(logSigner.name, new Uint8Array(32).fill(19)).verifierKey;
let fx: Fixture;
let plain: unknown;
let cosigned: unknown;

function config(labelId: string, status: PageConfig["status"], witnesses?: PageConfig["witnesses"]): PageConfig {
  return {
    labelId,
    lang: "en",
    logVerifierKey: logSigner.verifierKey,
    authorityPublicKey: toBase64(authority.publicKey),
    ...(witnesses ? { witnesses } : {}),
    status,
    checkpointSize: 0,
    timeZone: "Asia/Shanghai",
    messages: MESSAGES.en.verifier,
  };
}

beforeAll(async () => {
  fx = await buildFixture();
  const r = await fx.reads.getLabel(LABELS.valid);
  plain = GetLabelResponse.toJSON(r);
  cosigned = GetLabelResponse.toJSON({
    ...r,
    bundle: { ...r.bundle!, checkpoint: cosignCheckpoint(r.bundle!.checkpoint, w1) },
  });
});

/** The completeness sentence for the fixture's newest checkpoint, as the page words it. */
function complete(lang: "en" | "zh-CN"): string {
  const c = fx.registry.view.map.latest!;
  return withTime(
    MESSAGES[lang].verifier.complete.replace("{size}", String(c.size + 1)),
    { lang, timeZone: "Asia/Shanghai" },
    Number(c.sequencedAtUnix),
  );
}

describe("verifyForPage", () => {
  const size = () => fx.registry.view.size;
  it("says the record is complete and current as of the checkpoint, with its time, in both languages", () => {
    expect(complete("en")).toMatch(
      /^This is the label's complete, current record as of checkpoint \d+, .+ \(China Standard Time\)\.$/,
    );
    const zh = verifyForPage(
      { ...config(LABELS.valid, "active"), lang: "zh-CN", messages: MESSAGES["zh-CN"].verifier },
      plain,
      NOW,
    );
    expect(zh).toEqual({
      state: "ok",
      text: `已核验：此记录包含在日志检查点 ${size()} 中，签名有效。${" "}${complete("zh-CN")}`,
    });
    expect(complete("zh-CN")).toMatch(/^这是截至日志检查点 \d+（.+，中国标准时间）此标识完整、最新的记录。$/);
  });

  it("without a map proof says plainly that completeness is not proven, and does not claim it", () => {
    const stripped = structuredClone(plain) as { bundle: Record<string, unknown> };
    delete stripped.bundle.commitment;
    delete stripped.bundle.mapProof;
    for (const lang of ["en", "zh-CN"] as const) {
      const r = verifyForPage(
        { ...config(LABELS.valid, "active"), lang, messages: MESSAGES[lang].verifier },
        stripped,
        NOW,
      );
      expect(r.state).toBe("incomplete");
      expect(r.text).toContain(MESSAGES[lang].verifier.incomplete);
      expect(r.text).not.toContain(lang === "en" ? "complete, current record" : "完整、最新的记录");
    }
  });

  it("names the witnesses that cosigned under the pinned policy", () => {
    const r = verifyForPage(
      config(LABELS.valid, "active", { verifierKeys: [w1.verifierKey, w2.verifierKey], required: 1 }),
      cosigned,
      NOW,
    );
    expect(r).toEqual({
      state: "ok",
      text: `Verified: this record is in log checkpoint ${size()}, and its signatures are valid. ${complete("en")} Witnessed by: witness.test/w1`,
    });
  });

  it("says 'awaiting witnesses', never 'verified' nor 'failed', when only cosignatures are missing", () => {
    const r = verifyForPage(
      config(LABELS.valid, "active", { verifierKeys: [w1.verifierKey, w2.verifierKey], required: 2 }),
      cosigned,
      NOW,
    );
    expect(r.state).toBe("awaiting");
    expect(r.text).toBe(MESSAGES.en.verifier.awaiting.replace("{size}", String(size())));
    expect(r.detail).toMatch(/cosignature/);
    const none = verifyForPage(
      config(LABELS.valid, "active", { verifierKeys: [w1.verifierKey], required: 1 }),
      plain,
      NOW,
    );
    expect(none.state).toBe("awaiting");
    // In Chinese, all in Chinese.
    const zh = verifyForPage(
      {
        ...config(LABELS.valid, "active", { verifierKeys: [w1.verifierKey], required: 1 }),
        lang: "zh-CN",
        messages: MESSAGES["zh-CN"].verifier,
      },
      plain,
      NOW,
    );
    expect(zh.text).toBe(MESSAGES["zh-CN"].verifier.awaiting.replace("{size}", String(size())));
  });

  it("missing cosignatures do not hide another failure: a wrong status still fails", () => {
    const r = verifyForPage(
      config(LABELS.valid, "revoked", { verifierKeys: [w1.verifierKey], required: 1 }),
      plain,
      NOW,
    );
    expect(r.state).toBe("failed");
    const zh = verifyForPage(
      { ...config(LABELS.valid, "revoked"), lang: "zh-CN", messages: MESSAGES["zh-CN"].verifier },
      plain,
      NOW,
    );
    expect(zh.text).toBe(
      "核验失败：日志记录的状态为“有效”，本页却显示为“已撤销”。此页面显示的内容不可信，请勿以此作为购买依据。",
    );
  });

  it("does not count a cosignature by a key the page does not pin", () => {
    const r = verifyForPage(
      config(LABELS.valid, "active", { verifierKeys: [w2.verifierKey], required: 1 }),
      cosigned,
      NOW,
    );
    expect(r.state).toBe("awaiting");
  });

  it("a checkpoint signed by another log key fails, in the page's language, with the detail in English beside it", () => {
    const other = {
      ...config(LABELS.valid, "active"),
      logVerifierKey: cosignerLogKey,
      lang: "zh-CN" as const,
      messages: MESSAGES["zh-CN"].verifier,
    };
    const r = verifyForPage(other, plain, NOW);
    expect(r.state).toBe("failed");
    expect(r.text).toBe("核验失败：日志检查点没有有效的签名。此页面显示的内容不可信，请勿以此作为购买依据。");
    expect(r.detail).toMatch(/checkpoint/);
  });

  it("without a policy verifies against the log's key alone and names no witness", () => {
    for (const json of [plain, cosigned]) {
      const r = verifyForPage(config(LABELS.valid, "active"), json, NOW);
      expect(r).toEqual({
        state: "ok",
        text: `Verified: this record is in log checkpoint ${size()}, and its signatures are valid. ${complete("en")}`,
      });
    }
  });

  it("fails on a status the log does not prove, a malformed witness key, and junk", () => {
    expect(verifyForPage(config(LABELS.valid, "revoked"), plain, NOW).text).toContain(
      "the log says the label is active, but the page says revoked",
    );
    expect(verifyForPage(config(LABELS.valid, "revoked"), plain, NOW).state).toBe("failed");
    expect(
      verifyForPage(config(LABELS.valid, "active", { verifierKeys: ["not a key"], required: 1 }), plain, NOW).state,
    ).toBe("failed");
    expect(
      verifyForPage(config(LABELS.valid, "active", { verifierKeys: [w1.verifierKey], required: 2 }), plain, NOW).state,
    ).toBe("failed");
    for (const junk of [null, 7, "x", {}, { bundle: { checkpoint: 5 } }])
      expect(verifyForPage(config(LABELS.valid, "active"), junk, NOW).state).toBe("failed");
  });

  it("never throws and never says ok for arbitrary JSON or arbitrary witness keys (fuzzed)", () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.array(fc.string(), { maxLength: 3 }),
        fc.integer({ min: -1, max: 4 }),
        (json, keys, k) => {
          const r = verifyForPage(config(LABELS.valid, "active", { verifierKeys: keys, required: k }), json, NOW);
          expect(r.state).toBe("failed");
        },
      ),
      { numRuns: 300 },
    );
  });
});
