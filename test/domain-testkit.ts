// Test support for anything that needs real signed statements (domain, sequencer, auditor tests):
// deterministic Ed25519 keys, statement builders with valid defaults, and a small registry that
// checks and applies. Uses @noble/ed25519 directly, not the project's Ed25519 layer.
import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";
import type { SignedStatement } from "../proto/gen/messages/labelreg/v1/entry.js";
import { Statement, Tier, type LabelIssued } from "../proto/gen/messages/labelreg/v1/statement.js";
import { apply } from "../services/domain/apply.js";
import { check, type CheckResult } from "../services/domain/check.js";
import { domainConfig, type DomainConfig, type VerifyFn } from "../services/domain/config.js";
import { parseSignedStatement } from "../services/domain/decode.js";
import { keyIdOf, statementSigningInput } from "../services/domain/signing.js";
import { RegistryState } from "../services/domain/state.js";
import { isViolation } from "../services/domain/violation.js";

ed.hashes.sha512 = sha512;

export interface TestKey {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
  readonly keyId: Uint8Array;
}

/** A deterministic key from one seed byte (distinct bytes, distinct keys). */
export function testKey(seed: number): TestKey {
  const secretKey = new Uint8Array(32).fill(seed & 255);
  const publicKey = ed.getPublicKey(secretKey);
  return { secretKey, publicKey, keyId: keyIdOf(publicKey) };
}

export const nobleVerify: VerifyFn = (publicKey, message, signature) => {
  try {
    return ed.verify(signature, message, publicKey);
  } catch {
    return false;
  }
};

export function signStatement(key: TestKey, statement: Statement | Uint8Array): SignedStatement {
  const bytes = statement instanceof Uint8Array ? statement : Statement.encode(statement).finish();
  return { statement: bytes, keyId: key.keyId, signature: ed.sign(statementSigningInput(bytes), key.secretKey) };
}

export const T0 = 1_800_000_000n;
export const DAY = 86_400n;
export const CATEGORY = "consumer-network-camera";
/** The origin of the testkit's logs: TestRegistry's, and every statement()'s unless overridden. */
export const TEST_ORIGIN = "registry.test/log";

let counter = 0;
/** A fresh request id. */
export function rid(): string {
  return `req-${++counter}`;
}

export function statement(kind: Statement["kind"], fields: Partial<Statement> = {}): Statement {
  return {
    requestId: rid(),
    signedAtUnix: T0,
    labelId: "",
    expectedLabelVersion: 0n,
    logOrigin: TEST_ORIGIN,
    kind,
    ...fields,
  };
}

export function labelIssued(fields: Partial<LabelIssued> = {}): LabelIssued {
  return {
    manufacturer: { name: "Hangzhou Example Vision Co., Ltd.", registrationCode: "91330100MA2AXXXX1X" },
    productModel: "EV-C200",
    categoryId: CATEGORY,
    tier: Tier.TIER_ENHANCED,
    validFromUnix: T0 - 10n,
    validUntilUnix: T0 + 365n * DAY,
    securitySupportUntilUnix: T0 + 5n * 365n * DAY,
    testingLab: { name: "Example Testing Lab", accreditationCode: "CNAS L0001" },
    standardReference: "GB/T 00000-2025",
    testReport: { sha256: new Uint8Array(32).fill(1), uri: "https://lab.example/reports/1.pdf" },
    declarationOfConformity: { sha256: new Uint8Array(32).fill(2), uri: "" },
    keyIndicators: [{ name: "default passwords", value: "none" }],
    ...fields,
  };
}

export const reason = (text = "test reason") => ({ code: 1, text });

/** A registry in memory: check, and apply what is accepted at the next index. */
export class TestRegistry {
  readonly authority = testKey(1);
  readonly config: DomainConfig;
  readonly state: RegistryState;
  now = T0;

  constructor(overrides: Parameters<typeof domainConfig>[3] = {}) {
    this.config = domainConfig(TEST_ORIGIN, this.authority.publicKey, nobleVerify, overrides);
    this.state = new RegistryState(this.authority.publicKey);
  }

  /** Checks the signed statement at `this.now`; applies it if accepted. */
  submitSigned(signed: SignedStatement): CheckResult {
    const r = check(this.state, signed, this.now, this.config);
    if (r.kind === "accepted") apply(this.state, { ...r.submission, sequencedAtUnix: this.now }, this.state.size);
    return r;
  }

  submit(key: TestKey, s: Statement): CheckResult {
    return this.submitSigned(signStatement(key, s));
  }

  /** Submits and throws unless accepted: for setting up a scenario. */
  must(key: TestKey, s: Statement): void {
    const r = this.submit(key, s);
    if (r.kind !== "accepted")
      throw new Error(`setup statement refused: ${JSON.stringify(isViolation(r) ? r.message : r)}`);
  }

  publishCategory(categoryId = CATEGORY): void {
    this.must(
      this.authority,
      statement({
        $case: "categoryPublished",
        value: { categoryId, name: "Consumer network cameras", description: "" },
      }),
    );
  }

  accredit(issuerId: string, key: TestKey, scope = [{ categoryId: CATEGORY, maxTier: 3 }]): void {
    this.must(
      this.authority,
      statement({
        $case: "issuerAccredited",
        value: { issuerId, name: `${issuerId} certification`, publicKey: key.publicKey, scope },
      }),
    );
  }

  /** The parsed form of a signed statement (for tests of the stages). */
  static parse(signed: SignedStatement) {
    const p = parseSignedStatement(signed);
    if (isViolation(p)) throw new Error(p.message);
    return p;
  }
}
