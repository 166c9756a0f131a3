// Signed statements at the real clock, for tests and benchmarks that talk to a running registry
// (whose clock-skew rule refuses the fixed T0 of test/domain-testkit.ts). Signing uses Node's
// crypto (services/crypto/ed25519-node.ts): tens of microseconds a statement, so a benchmark can
// pre-sign tens of thousands.
import { nodeEd25519 } from "../services/crypto/ed25519-node.js";
import { keyIdOf, statementSigningInput } from "../services/domain/signing.js";
import type { SignedStatement } from "../proto/gen/messages/labelreg/v1/entry.js";
import { Statement, Tier, type LabelIssued } from "../proto/gen/messages/labelreg/v1/statement.js";

export const CATEGORY = "consumer-network-camera";
const DAY = 86_400n;

/** Anything that signs raw bytes with Ed25519: an Ed25519NoteSigner (the authority key file) or issuerKey(). */
export interface RawSigner {
  readonly publicKey: Uint8Array;
  sign(message: Uint8Array): Uint8Array;
}

/** A deterministic issuer key from a seed number (distinct numbers, distinct keys). */
export function issuerKey(seed: number): RawSigner {
  const bytes = new Uint8Array(32);
  new DataView(bytes.buffer).setUint32(0, seed);
  bytes[31] = 0x5a; // never all zero, never equal to testkit's fill(n) keys
  return nodeEd25519.signer(bytes);
}

export function nowUnix(): bigint {
  return BigInt(Math.floor(Date.now() / 1000));
}

/** Signs `statement` for the log of origin `logOrigin` (the registry's Registry.origin or log key name). */
export function sign(key: RawSigner, statement: Statement, logOrigin: string): SignedStatement {
  const bytes = Statement.encode({ ...statement, logOrigin }).finish();
  return { statement: bytes, keyId: keyIdOf(key.publicKey), signature: key.sign(statementSigningInput(bytes)) };
}

function base(requestId: string, kind: Statement["kind"], fields: Partial<Statement> = {}): Statement {
  return { requestId, signedAtUnix: nowUnix(), labelId: "", expectedLabelVersion: 0n, logOrigin: "", kind, ...fields };
}

export function categoryPublished(requestId: string, categoryId = CATEGORY): Statement {
  return base(requestId, {
    $case: "categoryPublished",
    value: { categoryId, name: "Consumer network cameras", description: "" },
  });
}

export function issuerAccredited(requestId: string, issuerId: string, key: RawSigner): Statement {
  return base(requestId, {
    $case: "issuerAccredited",
    value: {
      issuerId,
      name: `${issuerId} certification`,
      publicKey: key.publicKey,
      scope: [{ categoryId: CATEGORY, maxTier: Tier.TIER_LEADING }],
    },
  });
}

/**
 * The manufacturer of numbered product `serial`: one per 4,000 products (the first keeps the
 * issuer's plain code), under the registry's limit on one manufacturer's products.
 */
function registrationCodeOf(issuerId: string, serial: string): string {
  const n = /^\d+$/.test(serial) ? Math.floor(Number(serial) / 4000) : 0;
  return n === 0 ? `91330100MA${issuerId}` : `91330100MA${issuerId}-${n}`;
}

/** A new label `<issuerId>-<serial>` for product model `M<serial>` (of one manufacturer per 4,000). */
export function labelIssued(requestId: string, issuerId: string, serial: string, tier = Tier.TIER_BASIC): Statement {
  const now = nowUnix();
  const value: LabelIssued = {
    manufacturer: { name: "Hangzhou Example Vision Co., Ltd.", registrationCode: registrationCodeOf(issuerId, serial) },
    productModel: `M${serial}`,
    categoryId: CATEGORY,
    tier,
    validFromUnix: now - 60n,
    validUntilUnix: now + 365n * DAY,
    securitySupportUntilUnix: now + 5n * 365n * DAY,
    testingLab: { name: "Example Testing Lab", accreditationCode: "CNAS L0001" },
    standardReference: "GB/T 00000-2025",
    testReport: { sha256: new Uint8Array(32).fill(1), uri: `https://lab.example/reports/${serial}.pdf` },
    declarationOfConformity: { sha256: new Uint8Array(32).fill(2), uri: "" },
    keyIndicators: [{ name: "default passwords", value: "none" }],
  };
  return base(requestId, { $case: "labelIssued", value }, { labelId: `${issuerId}-${serial}` });
}

const reason = { code: 1, text: "load test" };

/** A change to an existing label at `version`; `kind` picks the event. */
export function labelChange(
  requestId: string,
  labelId: string,
  version: bigint,
  kind: "upgrade" | "downgrade" | "renew" | "suspend" | "reinstate" | "revoke",
  tier = Tier.TIER_ENHANCED,
): Statement {
  const fields = { labelId, expectedLabelVersion: version };
  switch (kind) {
    case "upgrade":
      return base(
        requestId,
        {
          $case: "labelUpgraded",
          value: { tier, testReport: { sha256: new Uint8Array(32).fill(3), uri: "https://lab.example/up.pdf" } },
        },
        fields,
      );
    case "downgrade":
      return base(requestId, { $case: "labelDowngraded", value: { tier, reason } }, fields);
    case "renew":
      return base(
        requestId,
        {
          $case: "labelRenewed",
          value: { validUntilUnix: nowUnix() + 700n * DAY, securitySupportUntilUnix: 0n, testReport: undefined },
        },
        fields,
      );
    case "suspend":
      return base(requestId, { $case: "labelSuspended", value: { reason } }, fields);
    case "reinstate":
      return base(requestId, { $case: "labelReinstated", value: { reason } }, fields);
    case "revoke":
      return base(requestId, { $case: "labelRevoked", value: { reason } }, fields);
  }
}
