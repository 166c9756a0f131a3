// A real registry on a temp data directory (in this process, real gRPC on loopback) with the
// parties of the write path: the development authority and freshly generated issuer keys.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSignerKey } from "../log/note-keys.js";
import type { SignedStatement } from "../proto/gen/messages/labelreg/v1/entry.js";
import { Tier, type LabelIssued, type Statement } from "../proto/gen/messages/labelreg/v1/statement.js";
import { RegistryClient, type RegistryClientOptions } from "../services/client/client.js";
import { StatementSigner } from "../services/client/signer.js";
import { accreditIssuer, nowUnix, publishCategory } from "../services/client/statements.js";
import { writeSignerKeyFile } from "../services/config/key-files.js";
import { nodeEd25519 } from "../services/crypto/ed25519-node.js";
import { CATEGORY, labelIssued } from "./domain-testkit.js";
import { startRegistry, type RunningRegistry, type ServerConfig } from "../app/server.js";

export { CATEGORY };
const DAY = 86_400n;

export interface IssuanceFixture {
  readonly dir: string;
  readonly running: RunningRegistry;
  readonly address: string;
  readonly logKey: string;
  /** The log's origin (its key's name), which statements for it name. */
  readonly origin: string;
  readonly authority: StatementSigner;
  readonly authorityKeyFile: string;
  /** Signs `statement` for this registry's log (log_origin set to its origin). */
  sign(signer: StatementSigner, statement: Statement): SignedStatement;
  /** A client on the registry (closed by close()). */
  client(opts?: Partial<RegistryClientOptions>): RegistryClient;
  /** A new issuer key file in the fixture's directory. */
  newIssuerKey(issuerId: string): { signer: StatementSigner; file: string; verifierKeyFile: string };
  /** Publishes CATEGORY and accredits `issuerId` with a new key, up to tier 3. */
  accredited(issuerId: string): Promise<{ signer: StatementSigner; file: string }>;
  treeSize(): number;
  /** Statements in the log (its entries but the map commitments that end each batch). */
  statementCount(): number;
  close(): Promise<void>;
}

export async function startIssuanceFixture(config: Partial<ServerConfig> = {}): Promise<IssuanceFixture> {
  const dir = mkdtempSync(join(tmpdir(), "labelreg-issuance-"));
  const running = await startRegistry({
    dataDir: join(dir, "data"),
    grpcAddress: "127.0.0.1:0",
    origin: "test.example/labelreg",
    ...config,
  });
  const authorityKeyFile = running.devAuthorityKeyFile!;
  const clients: RegistryClient[] = [];
  let categoryPublished = false;
  const f: IssuanceFixture = {
    dir,
    running,
    address: running.grpc.address,
    logKey: running.logVerifierKey,
    origin: running.registry.origin,
    sign: (signer, statement) => signer.sign({ ...statement, logOrigin: running.registry.origin }),
    authority: StatementSigner.fromKeyFile(authorityKeyFile),
    authorityKeyFile,
    client(opts = {}) {
      const c = new RegistryClient({ address: running.grpc.address, logKey: running.logVerifierKey, ...opts });
      clients.push(c);
      return c;
    },
    newIssuerKey(issuerId) {
      const file = join(dir, `${issuerId}-${Math.random().toString(36).slice(2)}.key`);
      const { signerKey, verifierKey } = generateSignerKey(issuerId, undefined, nodeEd25519);
      writeSignerKeyFile(file, signerKey);
      writeFileSync(`${file}.pub`, verifierKey + "\n");
      return { signer: StatementSigner.fromKeyFile(file), file, verifierKeyFile: `${file}.pub` };
    },
    async accredited(issuerId) {
      const c = f.client();
      if (!categoryPublished) {
        await c.submitStatement(
          f.authority,
          publishCategory({ categoryId: CATEGORY, name: "Consumer network cameras" }),
        );
        categoryPublished = true;
      }
      const key = f.newIssuerKey(issuerId);
      await c.submitStatement(
        f.authority,
        accreditIssuer({
          issuerId,
          name: `${issuerId} Certification`,
          publicKey: key.signer.publicKey,
          scope: [{ categoryId: CATEGORY, maxTier: Tier.TIER_LEADING }],
        }),
      );
      return key;
    },
    treeSize: () => running.registry.view.size,
    statementCount: () => running.registry.view.state.requests.size,
    async close() {
      for (const c of clients) c.close();
      await running.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return f;
}

/** A valid label (testkit's, with times around now) for product model `model` of a manufacturer with `registrationCode`. */
export function sampleLabel(
  model: string,
  registrationCode = "91330100MA2AXXXX1X",
  tier: Tier = Tier.TIER_BASIC,
): LabelIssued {
  const now = nowUnix();
  return labelIssued({
    manufacturer: { name: "Hangzhou Example Vision Co., Ltd.", registrationCode },
    productModel: model,
    tier,
    validFromUnix: now - 60n,
    validUntilUnix: now + 365n * DAY,
    securitySupportUntilUnix: now + 5n * 365n * DAY,
  });
}
