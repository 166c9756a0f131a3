// POST /api/v1/tender:check on loopback, in-process gateway: the evidence it answers re-verifies
// offline with the portable verifier and fails once any byte of it changes; bad criteria, bad
// CSV, too many rows and wrong content types are 400s naming the rule, never a 500.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyEvidence } from "../../services/verify/tender-evidence.js";
import { resolveTrust } from "../../services/verify/trust.js";
import { authority, fixtureLogSigner, openFixture, type Fixture } from "../../test/gateway/registry-fixture.js";
import { LogReads } from "../../services/logreads/log-reads.js";
import { Reads } from "../../services/reads/reads.js";
import { RegistryError } from "../../services/sequencer/errors.js";
import { InProcessReadApi } from "../api/read-api.js";
import { MAX_GATEWAY_TENDER_ROWS, TenderCheck } from "./tender-check.js";

const CODE = "91330100MA2AXXXX1X";
let fx: Fixture;
beforeAll(async () => {
  fx = await openFixture();
});
afterAll(async () => {
  await fx?.close();
});

const trust = resolveTrust({ logKey: fixtureLogSigner.verifierKey, authorityPublicKey: authority.publicKey });
const LIST = [
  "label_id,registration_code,model",
  "CCRC-1,,",
  "CCRC-2,,",
  "CCRC-404,,",
  `,${CODE},EV-C200`,
  `,${CODE},EV-C300`,
  `,${CODE},NOPE`,
].join("\r\n");

function post(query: string, body: string | Uint8Array<ArrayBuffer>, type = "text/csv") {
  return fetch(`${fx.gw.url}/api/v1/tender:check?${query}`, {
    method: "POST",
    headers: { "content-type": type },
    body,
  });
}

describe("POST /api/v1/tender:check", () => {
  it("answers the canonical evidence, which re-verifies offline; a changed answer does not", async () => {
    const r = await post("minTier=3&validThrough=2027-06-30", LIST);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json");
    const text = await r.text();
    const check = verifyEvidence(text, trust);
    expect(check.problems).toEqual([]);
    expect(check.ok).toBe(true);
    expect(check.rows.map((x) => [x.row, x.outcome, x.checkedLabelId])).toEqual([
      [1, "meets", "CCRC-1"],
      [2, "revoked", "CCRC-2"],
      [3, "no-label", "CCRC-404"],
      [4, "meets", "CCRC-1"],
      [5, "no-label", undefined],
      [6, "no-label", undefined],
    ]);
    expect(check.rows[2]!.reason).toMatch(/no label CCRC-404 exists \(proven/);
    // Evaluated on the gateway's clock, against the registry's latest checkpoint.
    expect(check.evaluatedAtUnix).toBe(1_800_000_100);
    expect(check.checkpoint).toBe(await (await fetch(`${fx.gw.url}/checkpoint`)).text());

    // And a changed answer that keeps the form canonical is caught by its proof.
    const lied = text.replace('"outcome": "revoked"', '"outcome": "meets"');
    expect(lied).not.toBe(text);
    expect(verifyEvidence(lied, trust).problems.join("\n")).toMatch(
      /row 2: the evidence says meets, its proofs say revoked/,
    );
  });

  it("no byte of the evidence is free: one changed anywhere verifies only as other criteria or time its proofs still answer", async () => {
    // Label rows and product rows (a product keeps only its own value's proof), present and absent.
    const r = await post("minTier=2&validThrough=2027-06-30", LIST);
    const text = await r.text();
    expect(verifyEvidence(text, trust).ok).toBe(true);
    const original = JSON.parse(text);
    const bytes = new TextEncoder().encode(text);
    // The criteria and the evaluation time are the checker's statement, bound only by the outcomes
    // they yield: another date the labels all reach, or another second, gives the same outcomes
    // from the same proofs and is as true. Every other byte (rows, outcomes, reasons, proofs,
    // checkpoint, layout) is bound.
    const { criteria: _c, evaluatedAtUnix: _t, ...bound } = original;
    fc.assert(
      fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (at, delta) => {
        const changed = bytes.slice();
        changed[at] = (changed[at]! + delta) & 0xff;
        const again = new TextDecoder().decode(changed);
        if (!verifyEvidence(again, trust).ok) return;
        const where = `byte ${at} + ${delta}: ${JSON.stringify(new TextDecoder().decode(changed.slice(Math.max(0, at - 60), at + 20)))}`;
        const { criteria: _c2, evaluatedAtUnix: _t2, ...still } = JSON.parse(again);
        expect(still, where).toEqual(bound);
      }),
      { numRuns: 300 },
    );
  });

  it("a category and a date the labels do not reach change the answers, still from proofs", async () => {
    const r = await post("minTier=1&validThrough=2099-12-31&category=routers", "label_id\nCCRC-1\n");
    expect(r.status).toBe(200);
    const check = verifyEvidence(await r.text(), trust);
    expect(check.ok).toBe(true);
    expect(check.criteria).toEqual({ minTier: 1, validThrough: "2099-12-31", categoryId: "routers" });
    expect(["expires-before", "wrong-category"]).toContain(check.rows[0]!.outcome);
  });

  it("a list of only unknown products still answers as of a checkpoint", async () => {
    const r = await post("minTier=2&validThrough=2027-06-30", `registration_code,model\n${CODE},NOPE\n`);
    expect(r.status).toBe(200);
    const check = verifyEvidence(await r.text(), trust);
    expect(check.ok).toBe(true);
    expect(check.checkpoint).not.toBe("");
  });

  it("bad input is a 400 naming the rule", async () => {
    const cases: [string, string | Uint8Array<ArrayBuffer>, string, string][] = [
      ["validThrough=2027-06-30", LIST, "text/csv", "bad-criteria"],
      ["minTier=4&validThrough=2027-06-30", LIST, "text/csv", "bad-criteria"],
      ["minTier=2&validThrough=2027-02-30", LIST, "text/csv", "bad-criteria"],
      ["minTier=2", LIST, "text/csv", "bad-criteria"],
      ["minTier=2&validThrough=2027-06-30", LIST, "application/json", "bad-content-type"],
      ["minTier=2&validThrough=2027-06-30", "model\nX\n", "text/csv", "bad-header"],
      ["minTier=2&validThrough=2027-06-30", "label_id,model\n,X\n", "text/csv", "bad-row"],
      ["minTier=2&validThrough=2027-06-30", 'label_id\n"open\n', "text/csv", "bad-csv"],
      ["minTier=2&validThrough=2027-06-30", "label_id\nccrc-1\n", "text/csv", "bad-label-id"],
      ["minTier=2&validThrough=2027-06-30", new Uint8Array([0x6c, 0xff, 0xfe]), "text/csv", "bad-encoding"],
      [
        "minTier=2&validThrough=2027-06-30",
        `label_id\n${"CCRC-1\n".repeat(MAX_GATEWAY_TENDER_ROWS + 1)}`,
        "text/csv",
        "too-many-rows",
      ],
    ];
    for (const [query, body, type, rule] of cases) {
      const r = await post(query, body, type);
      const json = (await r.json()) as { rule: string; message: string };
      expect([r.status, json.rule], `${query} ${rule}`).toEqual([400, rule]);
      expect(json.message.length).toBeGreaterThan(10);
    }
  });

  it("a body over the gateway's limit is refused before it is read", async () => {
    const r = await post("minTier=2&validThrough=2027-06-30", `label_id\n${"X".repeat(2 * 1024 * 1024)}\n`);
    expect(r.status).toBe(413);
  });

  it("fuzz: any criteria and any list get a 200 or a 400, never anything else", async () => {
    const value = fc.oneof(
      fc.constantFrom("1", "2", "3", "0", "2027-06-30", "2027-13-01", "", "routers", "c1"),
      fc.stringMatching(/^[A-Za-z0-9._~:,*-]{0,12}$/),
    );
    const query = fc
      .record({ minTier: value, validThrough: value, category: value }, { requiredKeys: [] })
      .map((q) => new URLSearchParams(q as Record<string, string>).toString());
    const cell = fc.oneof(
      fc.constantFrom("CCRC-1", "CCRC-2", "CCRC-404", CODE, "EV-C200", "", '"', '""', "a,b", "\n"),
      fc.string({ maxLength: 12 }),
    );
    const header = fc.constantFrom("label_id", "registration_code,model", "label_id,registration_code,model", "x");
    const body = fc
      .tuple(header, fc.array(fc.array(cell, { maxLength: 3 }), { maxLength: 6 }))
      .map(([h, rows]) => [h, ...rows.map((r) => r.join(","))].join("\n"));
    await fc.assert(
      fc.asyncProperty(query, body, async (q, b) => {
        const r = await post(q, b);
        const text = await r.text();
        expect([200, 400], `${q}\n${b}\n${text.slice(0, 300)}`).toContain(r.status);
        if (r.status === 200) expect(verifyEvidence(text, trust).problems).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it("runs at most its limit of checks at once: one more is refused with tender-busy, and later ones run", async () => {
    const reads = new InProcessReadApi(
      new Reads(fx.registry.view, fx.registry.domain),
      new LogReads(fx.registry.view, fx.registry.origin),
    );
    const check = new TenderCheck(reads, trust, undefined, 2);
    const criteria = { minTier: 1, validThrough: "2027-06-30" };
    const list = new TextEncoder().encode(LIST);
    const running = [check.run(list, criteria), check.run(list, criteria)];
    const refused = await check.run(list, criteria).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RegistryError);
    expect(refused).toMatchObject({ code: "RESOURCE_EXHAUSTED", rule: "tender-busy" });
    expect((await Promise.all(running)).map((r) => r.rows.length)).toEqual([6, 6]);
    // Finished checks free their places, failed ones too.
    await expect(check.run(new TextEncoder().encode("not,a\r\nlist"), criteria)).rejects.toThrow();
    expect((await check.run(list, criteria)).rows.length).toBe(6);
  });
});
