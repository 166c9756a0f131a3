// Builds a registry log of a given size for bench/scale.bench.ts through the normal append path:
// a Registry (sequencer, rules, state map, receipts) in this process over the SQLite store of a
// data directory, fed signed statements as an operator's issuers would send them. The content
// aims at a realistic mix rather than a uniform one:
//   - a catalogue of product categories and a few thousand issuers, each accredited for a few
//     categories up to some tier (a handful of large bodies for everything), the large bodies
//     issuing most labels;
//   - manufacturers with a skewed number of products each;
//   - most labels issued once and never changed; the rest renewed, upgraded, downgraded,
//     suspended (by their issuer or the authority) and reinstated, or revoked; some revoked
//     products labelled again.
// Statements are generated from a seeded PRNG (the same data each build) and signed at the real
// clock, as the sequencer's clock-skew rule wants. Every one must be accepted: a refusal stops the
// build, since it would mean the generator and the rules disagree.
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SignedStatement } from "../proto/gen/messages/labelreg/v1/entry.js";
import { ReasonCode, type Statement } from "../proto/gen/messages/labelreg/v1/statement.js";
import { devAuthorityKeyPath, logKeyPath } from "../app/server.js";
import { loadOrCreateSignerKey } from "../services/config/key-files.js";
import { Registry } from "../services/registry.js";
import { RegistryError } from "../services/sequencer/errors.js";
import { openSqliteStore, SQLITE_FILE } from "../services/store/sqlite.js";
import { issuerKey, nowUnix, sign, type RawSigner } from "../test/statement-kit.js";
import { prng } from "./measure.js";

/** The catalogue: product categories of the labelling scheme. */
export const CATEGORIES = [
  "consumer-network-camera",
  "home-router",
  "smart-lock",
  "smart-speaker",
  "smart-tv",
  "smart-watch",
  "fitness-band",
  "baby-monitor",
  "smart-plug",
  "smart-bulb",
  "robot-vacuum",
  "smart-doorbell",
  "smart-thermostat",
  "air-conditioner",
  "refrigerator",
  "washing-machine",
  "water-heater",
  "ev-charger",
  "drone",
  "network-storage",
  "printer",
  "set-top-box",
  "vehicle-dashcam",
  "smart-meter",
  "industrial-iot-gateway",
  "plc-controller",
  "medical-wearable",
  "toy-connected",
  "gaming-console",
  "mesh-wifi-node",
] as const;

const DAY = 86_400n;
const YEAR = 365n * DAY;
/** Renewals may not take a label further than this from now (the rules allow 3 years of 366 days). */
const MAX_AHEAD = 3n * YEAR;
const LABS = ["CNAS L0001", "CNAS L0217", "CNAS L1180", "CNAS L2045", "CNAS L3302", "CNAS L4410", "CNAS L5120"];
const STANDARDS = ["GB/T 45670-2025", "GB/T 45671-2025", "GB/T 41387-2022", "YD/T 4502-2023"];

export interface IssuerProfile {
  readonly index: number;
  readonly id: string;
  readonly key: RawSigner;
  readonly scope: readonly { readonly category: number; readonly maxTier: number }[];
}

/** The few large certification bodies, accredited for every category at every tier. */
const LARGE_ISSUERS = 8;

/** Issuer number `n`: a pure function of n, so a later run finds the same ids, keys and scopes. */
export function issuerProfile(n: number): IssuerProfile {
  const rand = prng(0x15_5e_00 + n);
  const id = `I${n.toString(36).toUpperCase().padStart(3, "0")}`;
  const key = issuerKey(50_000 + n);
  if (n < LARGE_ISSUERS)
    return { index: n, id, key, scope: CATEGORIES.map((_, category) => ({ category, maxTier: 3 })) };
  const count = 1 + Math.floor(rand() * rand() * 6);
  const first = Math.floor(rand() * CATEGORIES.length);
  const r = rand();
  const maxTier = r < 0.6 ? 3 : r < 0.85 ? 2 : 1;
  return {
    index: n,
    id,
    key,
    scope: Array.from({ length: count }, (_, k) => ({ category: (first + k * 7) % CATEGORIES.length, maxTier })),
  };
}

/** An issuer number drawn so that the large bodies and the lower numbers issue most labels. */
export function pickIssuer(rand: () => number, issuers: number): number {
  return rand() < 0.5 ? Math.floor(rand() * LARGE_ISSUERS) : Math.floor(issuers * rand() ** 3);
}

export const registrationCodeOf = (manufacturer: number) =>
  `91330100MA${manufacturer.toString(36).toUpperCase().padStart(8, "0")}`;

const reasonTexts: [ReasonCode, string][] = [
  [ReasonCode.REASON_CODE_UNFIXED_VULNERABILITY, "a known vulnerability was not fixed within 90 days"],
  [ReasonCode.REASON_CODE_NONCONFORMITY, "market surveillance found default passwords enabled"],
  [ReasonCode.REASON_CODE_SUPPORT_ENDED, "the manufacturer ended security updates"],
  [ReasonCode.REASON_CODE_MANUFACTURER_REQUEST, "withdrawn from the market at the manufacturer's request"],
  [ReasonCode.REASON_CODE_MISUSE, "label shown on a model it was not issued for"],
];

function digest(rand: () => number): Uint8Array {
  const d = new Uint8Array(32);
  for (let i = 0; i < 32; i += 4) new DataView(d.buffer).setUint32(i, Math.floor(rand() * 2 ** 32));
  return d;
}

/** What a build leaves in the data directory (scale-build.json), written once the log is complete. */
export interface BuildRecord {
  readonly generator: number;
  readonly targetEntries: number;
  /** Tree size when the build finished. */
  readonly entries: number;
  readonly statements: number;
  readonly labels: number;
  readonly products: number;
  readonly manufacturers: number;
  readonly issuers: number;
  /** Labels by how many statements they have (index 1 = issued only), as built. */
  readonly historyLengths: Record<string, number>;
  readonly seconds: number;
  readonly finishedAt: string;
  /** A uniform sample of the labels and products, for the reads. */
  readonly sample: {
    readonly labelIds: string[];
    readonly products: { registrationCode: string; model: string }[];
  };
}

/** Bumped when the generator changes what it builds, so an older build is not reused. */
const GENERATOR_VERSION = 1;
export const BUILD_RECORD = "scale-build.json";
const SAMPLE = 20_000;

/** The build record of `dataDir` if it holds a complete build for `entries` from this generator. */
export function completeBuild(dataDir: string, entries: number): BuildRecord | undefined {
  const file = join(dataDir, BUILD_RECORD);
  if (!existsSync(file)) return undefined;
  const r = JSON.parse(readFileSync(file, "utf8")) as BuildRecord;
  return r.generator === GENERATOR_VERSION && r.targetEntries === entries ? r : undefined;
}

/** A statement and the key to sign it with when it is sent. */
interface Unsigned {
  readonly key: RawSigner;
  readonly statement: Statement;
}

/** Label states the generator tracks (what the rules will see once the statement is sequenced). */
const ACTIVE = 0;
const SUSPENDED_BY_ISSUER = 1;
const SUSPENDED_BY_AUTHORITY = 2;
const REVOKED = 3;

/**
 * The statement stream. A change only ever goes to a label whose last statement was submitted
 * at least `settle` submissions earlier: statements in flight may reach the sequencer in another
 * order than they were submitted (signatures are checked on worker threads), and a change must
 * come after the statement it builds on.
 */
class Generator {
  private readonly rand = prng(0x5ca1e);
  private readonly issuerProfiles: IssuerProfile[];
  // Per label, by label number.
  private readonly labelIssuer: Uint16Array;
  private readonly labelProduct: Uint32Array;
  private readonly labelVersion: Uint16Array;
  private readonly labelState: Uint8Array;
  private readonly labelTier: Uint8Array;
  private readonly labelUntil: Float64Array;
  private readonly labelTouched: Float64Array;
  // Per product.
  private readonly productCategory: Uint8Array;
  private readonly productManufacturer: Uint32Array;
  private readonly manufacturerProducts: Uint16Array;
  /** Products whose label was revoked, with the submission number of the revocation: candidates for a new label. */
  private readonly revoked: { product: number; issuer: number; at: number }[] = [];
  /** The oldest entry of `revoked` not yet relabelled (a queue without shift(), which copies). */
  private revokedHead = 0;
  labels = 0;
  products = 0;
  manufacturers = 0;
  submitted = 0;
  readonly sampleLabels: string[] = [];
  readonly sampleProducts: number[] = [];

  constructor(
    capacity: number,
    issuers: number,
    private readonly authority: RawSigner,
    private readonly origin: string,
    private readonly settle: number,
  ) {
    this.issuerProfiles = Array.from({ length: issuers }, (_, n) => issuerProfile(n));
    this.labelIssuer = new Uint16Array(capacity);
    this.labelProduct = new Uint32Array(capacity);
    this.labelVersion = new Uint16Array(capacity);
    this.labelState = new Uint8Array(capacity);
    this.labelTier = new Uint8Array(capacity);
    this.labelUntil = new Float64Array(capacity);
    this.labelTouched = new Float64Array(capacity);
    this.productCategory = new Uint8Array(capacity);
    this.productManufacturer = new Uint32Array(capacity);
    this.manufacturerProducts = new Uint16Array(capacity);
  }

  /** The catalogue and the accreditations, signed by the authority: what must be sequenced first. */
  setUp(): { catalogue: Unsigned[]; accreditations: Unsigned[] } {
    const catalogue = CATEGORIES.map((categoryId) =>
      this.unsigned(this.authority, {
        ...this.base(`cat-${categoryId}`),
        kind: {
          $case: "categoryPublished",
          value: { categoryId, name: categoryId.replace(/-/g, " "), description: `Connected products: ${categoryId}` },
        },
      }),
    );
    const accreditations = this.issuerProfiles.map((p) =>
      this.unsigned(this.authority, {
        ...this.base(`acc-${p.id}`),
        kind: {
          $case: "issuerAccredited",
          value: {
            issuerId: p.id,
            name: `${p.id} Certification Centre Co., Ltd.`,
            publicKey: p.key.publicKey,
            scope: p.scope.map((s) => ({ categoryId: CATEGORIES[s.category]!, maxTier: s.maxTier })),
          },
        },
      }),
    );
    return { catalogue, accreditations };
  }

  /** The next label statement. */
  next(): Unsigned {
    const seq = this.submitted++;
    const r = this.rand();
    const oldest = this.revoked[this.revokedHead];
    if (r < 0.02 && oldest !== undefined && oldest.at + this.settle < seq) {
      this.revokedHead++;
      return this.issue(seq, oldest.issuer, oldest.product);
    }
    if (r < 0.8 || this.labels === 0) return this.issueNew(seq);
    const j = Math.floor(this.rand() * this.labels);
    if (this.labelTouched[j]! + this.settle >= seq || this.labelState[j] === REVOKED) return this.issueNew(seq);
    return this.change(seq, j);
  }

  private issueNew(seq: number): Unsigned {
    const issuer = pickIssuer(this.rand, this.issuerProfiles.length);
    const scope = this.issuerProfiles[issuer]!.scope;
    const category = scope[Math.floor(this.rand() * scope.length)]!.category;
    // A new manufacturer now and then; otherwise an existing one, the older (larger) ones more often.
    let m =
      this.manufacturers === 0 || this.rand() < 0.04
        ? this.manufacturers++
        : Math.floor(this.manufacturers * this.rand() ** 2);
    if (this.manufacturerProducts[m]! >= 4000) m = this.manufacturers++;
    this.manufacturerProducts[m]!++;
    const p = this.products++;
    this.productCategory[p] = category;
    this.productManufacturer[p] = m;
    if (this.sampleProducts.length < SAMPLE) this.sampleProducts.push(p);
    else {
      const k = Math.floor(this.rand() * this.products);
      if (k < SAMPLE) this.sampleProducts[k] = p;
    }
    return this.issue(seq, issuer, p);
  }

  private issue(seq: number, issuer: number, product: number): Unsigned {
    const j = this.labels++;
    const profile = this.issuerProfiles[issuer]!;
    const category = this.productCategory[product]!;
    const maxTier = profile.scope.find((s) => s.category === category)!.maxTier;
    const tier = 1 + Math.floor(this.rand() * maxTier);
    const now = nowUnix();
    const until = now + (this.rand() < 0.7 ? 2n : 1n) * YEAR;
    this.labelIssuer[j] = issuer;
    this.labelProduct[j] = product;
    this.labelVersion[j] = 1;
    this.labelState[j] = ACTIVE;
    this.labelTier[j] = tier;
    this.labelUntil[j] = Number(until);
    this.labelTouched[j] = seq;
    const labelId = this.labelIdOf(j);
    if (this.sampleLabels.length < SAMPLE) this.sampleLabels.push(labelId);
    else {
      const k = Math.floor(this.rand() * this.labels);
      if (k < SAMPLE) this.sampleLabels[k] = labelId;
    }
    const m = this.productManufacturer[product]!;
    const indicators = [
      { name: "default passwords", value: "none" },
      { name: "security updates", value: `until ${2028 + (product % 6)}` },
      { name: "data encryption", value: tier >= 2 ? "in transit and at rest" : "in transit" },
    ].slice(0, 1 + (product % 3));
    return this.unsigned(profile.key, {
      ...this.base(`L${j}`),
      labelId,
      kind: {
        $case: "labelIssued",
        value: {
          manufacturer: { name: `Manufacturer ${m} Electronics Co., Ltd.`, registrationCode: registrationCodeOf(m) },
          productModel: this.modelOf(product),
          categoryId: CATEGORIES[category]!,
          tier,
          validFromUnix: now - 60n,
          validUntilUnix: until,
          securitySupportUntilUnix: now + 5n * YEAR,
          testingLab: { name: "Example Testing Laboratory", accreditationCode: LABS[j % LABS.length]! },
          standardReference: STANDARDS[category % STANDARDS.length]!,
          testReport: { sha256: digest(this.rand), uri: `https://lab.example.cn/reports/${labelId}.pdf` },
          declarationOfConformity: { sha256: digest(this.rand), uri: "" },
          keyIndicators: indicators,
        },
      },
    });
  }

  private change(seq: number, j: number): Unsigned {
    const profile = this.issuerProfiles[this.labelIssuer[j]!]!;
    const state = this.labelState[j]!;
    const tier = this.labelTier[j]!;
    const maxTier = profile.scope.find((s) => s.category === this.productCategory[this.labelProduct[j]!])!.maxTier;
    const now = nowUnix();
    const renewTo = BigInt(this.labelUntil[j]!) + YEAR;
    const r = this.rand();
    const reason = () => {
      const [code, text] = reasonTexts[Math.floor(this.rand() * reasonTexts.length)]!;
      return { code, text };
    };
    let signer: RawSigner = profile.key;
    let kind: Statement["kind"];
    let next = state;
    if (state === SUSPENDED_BY_AUTHORITY) {
      signer = this.authority;
      if (r < 0.6) {
        kind = { $case: "labelReinstated", value: { reason: reason() } };
        next = ACTIVE;
      } else {
        kind = { $case: "labelRevoked", value: { reason: reason() } };
        next = REVOKED;
      }
    } else if (state === SUSPENDED_BY_ISSUER) {
      if (r < 0.7) {
        kind = { $case: "labelReinstated", value: { reason: reason() } };
        next = ACTIVE;
      } else {
        kind = { $case: "labelRevoked", value: { reason: reason() } };
        next = REVOKED;
      }
    } else if (r < 0.35 && renewTo <= now + MAX_AHEAD) {
      kind = {
        $case: "labelRenewed",
        value: { validUntilUnix: renewTo, securitySupportUntilUnix: 0n, testReport: undefined },
      };
      this.labelUntil[j] = Number(renewTo);
    } else if (r < 0.5 && tier < maxTier) {
      kind = {
        $case: "labelUpgraded",
        value: {
          tier: tier + 1,
          testReport: { sha256: digest(this.rand), uri: `https://lab.example.cn/reports/${this.labelIdOf(j)}-up.pdf` },
        },
      };
      this.labelTier[j] = tier + 1;
    } else if (r < 0.55 && tier > 1) {
      kind = { $case: "labelDowngraded", value: { tier: tier - 1, reason: reason() } };
      this.labelTier[j] = tier - 1;
    } else if (r < 0.8) {
      // A fifth of suspensions are the authority's (market surveillance); only it lifts them.
      const byAuthority = this.rand() < 0.2;
      if (byAuthority) signer = this.authority;
      kind = { $case: "labelSuspended", value: { reason: reason() } };
      next = byAuthority ? SUSPENDED_BY_AUTHORITY : SUSPENDED_BY_ISSUER;
    } else {
      kind = { $case: "labelRevoked", value: { reason: reason() } };
      next = REVOKED;
    }
    const version = this.labelVersion[j]!;
    this.labelVersion[j] = version + 1;
    this.labelState[j] = next;
    this.labelTouched[j] = seq;
    // Half the revoked products come back with a new label from the same issuer.
    if (next === REVOKED && this.rand() < 0.5)
      this.revoked.push({ product: this.labelProduct[j]!, issuer: this.labelIssuer[j]!, at: seq });
    return this.unsigned(signer, {
      ...this.base(`C${seq}`),
      labelId: this.labelIdOf(j),
      expectedLabelVersion: BigInt(version),
      kind,
    });
  }

  labelIdOf(j: number): string {
    return `${this.issuerProfiles[this.labelIssuer[j]!]!.id}-2026${String(j).padStart(7, "0")}`;
  }

  modelOf(product: number): string {
    const category = CATEGORIES[this.productCategory[product]!]!;
    return `${category.slice(0, 3).toUpperCase()}-${product.toString(36).toUpperCase()}`;
  }

  historyLengths(): Record<string, number> {
    const out: Record<string, number> = {};
    for (let j = 0; j < this.labels; j++) {
      const v = String(this.labelVersion[j]);
      out[v] = (out[v] ?? 0) + 1;
    }
    return out;
  }

  private base(requestId: string): Statement {
    return {
      requestId,
      signedAtUnix: nowUnix(),
      labelId: "",
      expectedLabelVersion: 0n,
      logOrigin: this.origin,
      kind: undefined,
    };
  }

  private unsigned(key: RawSigner, statement: Statement): Unsigned {
    return { key, statement };
  }

  productSample(): { registrationCode: string; model: string }[] {
    return this.sampleProducts.map((p) => ({
      registrationCode: registrationCodeOf(this.productManufacturer[p]!),
      model: this.modelOf(p),
    }));
  }
}

/**
 * New labels for a sequencing run on a log of `treeSize` entries, signed now: products no earlier
 * run or build made (bench:scale's sequencing, bench/seq-memory.ts).
 */
export function newLabelStatements(
  count: number,
  treeSize: number,
  origin: string,
  issuers: number,
): SignedStatement[] {
  const rand = prng(treeSize);
  const profiles = new Map<number, IssuerProfile>();
  const now = nowUnix();
  return Array.from({ length: count }, (_, k) => {
    const n = pickIssuer(rand, issuers);
    const p = profiles.get(n) ?? issuerProfile(n);
    profiles.set(n, p);
    const scope = p.scope[Math.floor(rand() * p.scope.length)]!;
    const statement: Statement = {
      requestId: `S${treeSize}-${k}`,
      signedAtUnix: now,
      labelId: `${p.id}-S${treeSize}N${k}`,
      expectedLabelVersion: 0n,
      logOrigin: origin,
      kind: {
        $case: "labelIssued",
        value: {
          manufacturer: {
            name: "Sequencing Run Electronics Co., Ltd.",
            registrationCode: registrationCodeOf(1e9 + treeSize + Math.floor(k / 1000)),
          },
          productModel: `RUN-${k}`,
          categoryId: CATEGORIES[scope.category]!,
          tier: 1 + Math.floor(rand() * scope.maxTier),
          validFromUnix: now - 60n,
          validUntilUnix: now + 2n * 365n * 86_400n,
          securitySupportUntilUnix: 0n,
          testingLab: { name: "Example Testing Laboratory", accreditationCode: "CNAS L0001" },
          standardReference: "GB/T 45670-2025",
          testReport: { sha256: new Uint8Array(32).fill(7), uri: `https://lab.example.cn/reports/run-${k}.pdf` },
          declarationOfConformity: { sha256: new Uint8Array(32).fill(8), uri: "" },
          keyIndicators: [{ name: "default passwords", value: "none" }],
        },
      },
    };
    return sign(p.key, statement, origin);
  });
}

export interface BuildOptions {
  readonly issuers: number;
  /** The origin (log key name) of a new data directory. */
  readonly origin: string;
  readonly log: (line: string) => void;
  /** Progress line, rewritten in place on a terminal. */
  readonly progress: (line: string) => void;
}

/** Statements in flight at once (a client's window), smaller for a small log so that it still gets changes. */
const windowFor = (entries: number) => Math.max(64, Math.min(2048, Math.floor(entries / 100)));

/**
 * Builds a log of at least `entries` entries in `dataDir` (any earlier, incomplete build there is
 * removed first) and writes its BuildRecord.
 */
export async function buildScaleLog(dataDir: string, entries: number, opts: BuildOptions): Promise<BuildRecord> {
  for (const f of readdirSync(dataDir)) if (f.startsWith(SQLITE_FILE) || f === BUILD_RECORD) rmSync(join(dataDir, f));
  const { signer: logSigner } = loadOrCreateSignerKey(logKeyPath(dataDir), opts.origin);
  const { signer: authority } = loadOrCreateSignerKey(devAuthorityKeyPath(dataDir), "labelreg-dev-authority");
  const registry = await Registry.open({
    store: await openSqliteStore({ dir: dataDir }),
    logSigner,
    authorityPublicKey: authority.publicKey,
    // One client sends everything here; production's per-signer limit is not what is built.
    rateLimit: { perSecond: 1e9, burst: 1e9 },
  });
  try {
    const window = windowFor(entries);
    const gen = new Generator(entries, opts.issuers, authority, registry.origin, 4 * window);
    const t0 = performance.now();
    const { catalogue, accreditations } = gen.setUp();
    // Signed as sent: a statement signed long before the sequencer reaches it is refused (clock skew).
    const signNow = (u: Unsigned) => sign(u.key, { ...u.statement, signedAtUnix: nowUnix() }, registry.origin);
    await Promise.all(catalogue.map((u) => registry.submit(signNow(u))));
    await Promise.all(accreditations.map((u) => registry.submit(signNow(u))));
    let size = registry.view.size;
    let inFlight = 0;
    let lastShown = 0;
    const show = () => {
      const s = (performance.now() - t0) / 1000;
      const left = s > 0 && size > 0 ? ((entries - size) * s) / size : NaN;
      opts.progress(
        `  building: ${size.toLocaleString("en")} / ${entries.toLocaleString("en")} entries (${((100 * size) / entries).toFixed(1)}%), ` +
          `${(size / s).toFixed(0)} entries/s, ${s.toFixed(0)} s, about ${Number.isFinite(left) ? Math.max(0, left).toFixed(0) : "?"} s left`,
      );
    };
    await new Promise<void>((done, fail) => {
      let failed = false;
      const send = (u: Unsigned): void =>
        void registry.submit(signNow(u)).then(
          (receipt) => {
            inFlight--;
            if (receipt.treeSize > size) size = receipt.treeSize;
            if (performance.now() - lastShown > 2000) {
              lastShown = performance.now();
              show();
            }
            pump();
          },
          (e: unknown) => {
            // Waited past the clock-skew window (a stalled, shared machine): signed again and resent,
            // as a client would. Anything else means the generator and the rules disagree.
            if (e instanceof RegistryError && e.rule === "signed-at-outside-skew") return send(u);
            failed = true;
            fail(new Error(`a statement of the build was refused: ${String(e)}`, { cause: e }));
          },
        );
      const pump = () => {
        while (!failed && inFlight < window && size + inFlight < entries) {
          inFlight++;
          send(gen.next());
        }
        if (inFlight === 0 && !failed) done();
      };
      pump();
    });
    show();
    const seconds = (performance.now() - t0) / 1000;
    const record: BuildRecord = {
      generator: GENERATOR_VERSION,
      targetEntries: entries,
      entries: registry.view.size,
      statements: gen.submitted + catalogue.length + accreditations.length,
      labels: gen.labels,
      products: gen.products,
      manufacturers: gen.manufacturers,
      issuers: opts.issuers,
      historyLengths: gen.historyLengths(),
      seconds,
      finishedAt: new Date().toISOString(),
      sample: { labelIds: gen.sampleLabels, products: gen.productSample() },
    };
    opts.log(
      `\n  built ${record.entries.toLocaleString("en")} entries (${record.labels.toLocaleString("en")} labels, ` +
        `${record.products.toLocaleString("en")} products, ${record.manufacturers.toLocaleString("en")} manufacturers, ` +
        `${record.issuers} issuers) in ${seconds.toFixed(1)} s: ${(record.entries / seconds).toFixed(0)} entries/s`,
    );
    writeFileSync(join(dataDir, BUILD_RECORD), `${JSON.stringify(record)}\n`);
    return record;
  } finally {
    await registry.close();
  }
}
