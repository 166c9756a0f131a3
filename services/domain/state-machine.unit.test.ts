// The label state machine, table-driven over every (state, event, signer) triple.
import { describe, expect, it } from "vitest";
import type { Statement } from "../../proto/gen/messages/labelreg/v1/statement.js";
import { labelStatusAt } from "./state.js";
import { DAY, labelIssued, reason, statement, T0, testKey, TestRegistry } from "../../test/domain-testkit.js";
import type { ViolationCode } from "./violation.js";

const ISSUER = testKey(2);
const LABEL = "CCRC-0001";
const UNTIL = T0 + 365n * DAY;

type Start = "ACTIVE" | "SUSPENDED_BY_ISSUER" | "SUSPENDED_BY_AUTHORITY" | "REVOKED" | "EXPIRED";
type Event = "upgrade" | "downgrade" | "renew" | "suspend" | "reinstate" | "revoke";
type Outcome = "ok" | ViolationCode;

const ok = "ok";
const FP = "FAILED_PRECONDITION";
const PD = "PERMISSION_DENIED";

// Expected outcomes, written out by hand from DESIGN.md's state machine (not derived from the code).
// The authority only enforces (suspend, reinstate, revoke); an authority suspension binds the issuer.
const EXPECTED: Record<"issuer" | "authority", Record<Start, Record<Event, Outcome>>> = {
  issuer: {
    ACTIVE: { upgrade: ok, downgrade: ok, renew: ok, suspend: ok, reinstate: FP, revoke: ok },
    SUSPENDED_BY_ISSUER: { upgrade: FP, downgrade: FP, renew: FP, suspend: FP, reinstate: ok, revoke: ok },
    SUSPENDED_BY_AUTHORITY: { upgrade: FP, downgrade: FP, renew: FP, suspend: FP, reinstate: PD, revoke: ok },
    REVOKED: { upgrade: FP, downgrade: FP, renew: FP, suspend: FP, reinstate: FP, revoke: FP },
    EXPIRED: { upgrade: FP, downgrade: FP, renew: FP, suspend: FP, reinstate: FP, revoke: ok },
  },
  authority: {
    ACTIVE: { upgrade: PD, downgrade: PD, renew: PD, suspend: ok, reinstate: FP, revoke: ok },
    SUSPENDED_BY_ISSUER: { upgrade: PD, downgrade: PD, renew: PD, suspend: FP, reinstate: ok, revoke: ok },
    SUSPENDED_BY_AUTHORITY: { upgrade: PD, downgrade: PD, renew: PD, suspend: FP, reinstate: ok, revoke: ok },
    REVOKED: { upgrade: PD, downgrade: PD, renew: PD, suspend: FP, reinstate: FP, revoke: FP },
    EXPIRED: { upgrade: PD, downgrade: PD, renew: PD, suspend: FP, reinstate: FP, revoke: ok },
  },
};

/** The status a label reads as after the event was accepted. */
const AFTER: Record<Event, string> = {
  upgrade: "ACTIVE",
  downgrade: "ACTIVE",
  renew: "ACTIVE",
  suspend: "SUSPENDED",
  reinstate: "ACTIVE",
  revoke: "REVOKED",
};

function eventStatement(e: Event, version: bigint, signedAt: bigint): Statement {
  const common = { labelId: LABEL, expectedLabelVersion: version, signedAtUnix: signedAt };
  switch (e) {
    case "upgrade":
      return statement(
        {
          $case: "labelUpgraded",
          value: { tier: 3, testReport: { sha256: new Uint8Array(32).fill(9), uri: "https://lab.example/r2" } },
        },
        common,
      );
    case "downgrade":
      return statement({ $case: "labelDowngraded", value: { tier: 1, reason: reason() } }, common);
    case "renew":
      return statement(
        {
          $case: "labelRenewed",
          value: { validUntilUnix: UNTIL + 30n * DAY, securitySupportUntilUnix: 0n, testReport: undefined },
        },
        common,
      );
    case "suspend":
      return statement({ $case: "labelSuspended", value: { reason: reason() } }, common);
    case "reinstate":
      return statement({ $case: "labelReinstated", value: { reason: reason() } }, common);
    case "revoke":
      return statement({ $case: "labelRevoked", value: { reason: reason() } }, common);
  }
}

/** A registry with the label in state `start`; returns it and the label's version. */
function setUp(start: Start): { reg: TestRegistry; version: bigint } {
  const reg = new TestRegistry();
  reg.publishCategory();
  reg.accredit("CCRC", ISSUER);
  reg.must(
    ISSUER,
    statement({ $case: "labelIssued", value: labelIssued({ validUntilUnix: UNTIL }) }, { labelId: LABEL }),
  );
  let version = 1n;
  if (start === "SUSPENDED_BY_ISSUER" || start === "SUSPENDED_BY_AUTHORITY") {
    const by = start === "SUSPENDED_BY_ISSUER" ? ISSUER : reg.authority;
    reg.must(by, eventStatement("suspend", version++, reg.now));
  } else if (start === "REVOKED") {
    reg.must(ISSUER, eventStatement("revoke", version++, reg.now));
  } else if (start === "EXPIRED") {
    reg.now = UNTIL + 10n;
  }
  return { reg, version };
}

describe("label state machine", () => {
  for (const actor of ["issuer", "authority"] as const) {
    for (const [start, row] of Object.entries(EXPECTED[actor]) as [Start, Record<Event, Outcome>][]) {
      for (const [event, expected] of Object.entries(row) as [Event, Outcome][]) {
        it(`${actor}: ${event} from ${start} -> ${expected}`, () => {
          const { reg, version } = setUp(start);
          const before = reg.state.labels.get(LABEL)!;
          const key = actor === "issuer" ? ISSUER : reg.authority;
          const r = reg.submit(key, eventStatement(event, version, reg.now));
          if (expected === "ok") {
            expect(r.kind).toBe("accepted");
            const after = reg.state.labels.get(LABEL)!;
            expect(labelStatusAt(after, reg.now)).toBe(AFTER[event]);
            expect(after.version).toBe(version + 1n);
            expect(after.history.at(-1)!.kind).toMatch(/^label/);
            if (event === "upgrade") expect(after.tier).toBe(3);
            if (event === "downgrade") expect(after.tier).toBe(1);
            if (event === "renew") expect(after.validUntilUnix).toBe(UNTIL + 30n * DAY);
          } else {
            expect(r).toMatchObject({ kind: "violation", code: expected });
            // A refusal changes nothing.
            expect(reg.state.labels.get(LABEL)).toBe(before);
          }
        });
      }
    }
  }

  it("issuance: the issuer may, the authority may not; a label id is issued once", () => {
    const { reg } = setUp("ACTIVE");
    const again = reg.submit(
      ISSUER,
      statement({ $case: "labelIssued", value: labelIssued({ productModel: "OTHER-1" }) }, { labelId: LABEL }),
    );
    expect(again).toMatchObject({ code: "ALREADY_EXISTS", rule: "label-id-taken" });
    const byAuthority = reg.submit(
      reg.authority,
      statement({ $case: "labelIssued", value: labelIssued({ productModel: "OTHER-2" }) }, { labelId: "CCRC-0002" }),
    );
    expect(byAuthority).toMatchObject({ code: "PERMISSION_DENIED", rule: "authority-cannot-assess" });
    const l = reg.state.labels.get(LABEL)!;
    expect(l).toMatchObject({ issuerId: "CCRC", tier: 2, version: 1n, state: "ACTIVE" });
    expect(labelStatusAt(l, T0)).toBe("ACTIVE");
  });

  it("changes of an unknown label are NOT_FOUND for both signers", () => {
    const { reg } = setUp("ACTIVE");
    for (const key of [ISSUER, reg.authority]) {
      const r = reg.submit(
        key,
        statement(
          { $case: "labelRevoked", value: { reason: reason() } },
          { labelId: "CCRC-9999", expectedLabelVersion: 1n },
        ),
      );
      expect(r).toMatchObject({ code: "NOT_FOUND", rule: "label-not-found" });
    }
  });

  it("direction rules: an upgrade raises, a downgrade lowers, a renewal extends", () => {
    const { reg } = setUp("ACTIVE");
    const up = reg.submit(
      ISSUER,
      statement(
        {
          $case: "labelUpgraded",
          value: { tier: 2, testReport: { sha256: new Uint8Array(32), uri: "https://x.example/r" } },
        },
        { labelId: LABEL, expectedLabelVersion: 1n },
      ),
    );
    expect(up).toMatchObject({ code: FP, rule: "upgrade-must-raise-tier" });
    const down = reg.submit(
      ISSUER,
      statement(
        { $case: "labelDowngraded", value: { tier: 3, reason: reason() } },
        { labelId: LABEL, expectedLabelVersion: 1n },
      ),
    );
    expect(down).toMatchObject({ code: FP, rule: "downgrade-must-lower-tier" });
    const renew = reg.submit(
      ISSUER,
      statement(
        {
          $case: "labelRenewed",
          value: { validUntilUnix: UNTIL, securitySupportUntilUnix: 0n, testReport: undefined },
        },
        { labelId: LABEL, expectedLabelVersion: 1n },
      ),
    );
    expect(renew).toMatchObject({ code: FP, rule: "renewal-must-extend" });
  });

  it("a stale expected version is ABORTED before the transition is judged", () => {
    const { reg } = setUp("REVOKED");
    const r = reg.submit(ISSUER, eventStatement("suspend", 1n, reg.now));
    expect(r).toMatchObject({ code: "ABORTED", rule: "label-version-mismatch" });
  });

  it("labelStatusAt reads expiry and start from the clock, revocation first", () => {
    const { reg } = setUp("ACTIVE");
    const l = reg.state.labels.get(LABEL)!;
    expect(labelStatusAt(l, l.validFromUnix - 1n)).toBe("NOT_YET_VALID");
    expect(labelStatusAt(l, UNTIL - 1n)).toBe("ACTIVE");
    expect(labelStatusAt(l, UNTIL)).toBe("EXPIRED");
    expect(labelStatusAt({ ...l, state: "REVOKED" }, UNTIL + 1n)).toBe("REVOKED");
    expect(labelStatusAt({ ...l, state: "SUSPENDED" }, UNTIL + 1n)).toBe("EXPIRED");
  });

  it("a label not yet in force (start within the skew window) can be changed like an active one", () => {
    const reg = new TestRegistry();
    reg.publishCategory();
    reg.accredit("CCRC", ISSUER);
    reg.must(
      ISSUER,
      statement({ $case: "labelIssued", value: labelIssued({ validFromUnix: T0 + 100n }) }, { labelId: LABEL }),
    );
    expect(labelStatusAt(reg.state.labels.get(LABEL)!, T0)).toBe("NOT_YET_VALID");
    expect(reg.submit(ISSUER, eventStatement("upgrade", 1n, T0)).kind).toBe("accepted");
    expect(reg.submit(ISSUER, eventStatement("reinstate", 2n, T0))).toMatchObject({ code: FP });
    expect(reg.submit(reg.authority, eventStatement("suspend", 2n, T0)).kind).toBe("accepted");
  });
});
