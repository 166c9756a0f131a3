// `labelreg verify --product CODE/MODEL` and `--manufacturer CODE`: a product's labels, or every
// product of a manufacturer with its labels (brand monitoring), read with the state map's proofs
// and verified with the two keys (RegistryReader). Exit code 0 when the answer verifies and the
// product or manufacturer exists; 1 when the registry proves it does not exist, or its answer
// does not verify; a connection failure throws (exit 2).
import { RegistryClientError } from "../../services/client/errors.js";
import { RegistryReader } from "../../services/client/reader.js";
import type {
  MapAbsenceVerdict,
  ProvenLabel,
  ProvenProduct,
  StateVerdict,
} from "../../services/verify/state-answers.js";
import type { ResolvedTrust } from "../../services/verify/trust.js";
import type { CheckpointRef } from "../../services/verify/verdict.js";
import { unreachable } from "./unreachable.js";

export interface StateVerifyOptions {
  readonly registry: string;
  readonly tlsCa?: string;
  readonly json?: boolean;
  /** REGISTRATION_CODE/MODEL (the model may itself hold "/"). */
  readonly product?: string;
  readonly manufacturer?: string;
}

/** Runs the read, prints the verdict, returns the exit code. */
export async function verifyState(o: StateVerifyOptions, trust: ResolvedTrust): Promise<number> {
  const reader = new RegistryReader({
    address: o.registry,
    trust,
    ...(o.tlsCa ? { tls: { caFile: o.tlsCa } } : {}),
  });
  try {
    if (o.product !== undefined) {
      const at = o.product.indexOf("/");
      if (at <= 0 || at === o.product.length - 1)
        throw new Error("--product takes REGISTRATION_CODE/MODEL, e.g. 91330100MA2AXXXX1X/EV-C300");
      const code = o.product.slice(0, at);
      const model = o.product.slice(at + 1);
      const what = `product ${code} / ${model}`;
      return await answer(o, what, async () => {
        const r = await reader.lookupProduct(code, model);
        if (!r.found) return { absent: r.absence };
        const p = r.verdict.product!;
        const lines = r.verdict.labels.map(labelLine);
        return {
          verdict: r.verdict,
          head: `${what}: ${p.labelIds.length} label${p.labelIds.length === 1 ? "" : "s"}, live ${p.liveLabelId || "none"}`,
          lines,
          json: { product: p, labels: r.verdict.labels },
          complete: "the product's complete, current list of labels",
        };
      });
    }
    const code = o.manufacturer!;
    const what = `manufacturer ${code}`;
    return await answer(o, what, async () => {
      const r = await reader.allManufacturerProducts(code);
      if (!r.found) return { absent: r.absence };
      const last = r.all.pages[r.all.pages.length - 1]!;
      const n = r.all.products.length;
      return {
        verdict: last,
        head: `${what}: ${n} product${n === 1 ? "" : "s"}`,
        lines: r.all.products.map(productLine),
        json: { registrationCode: code, products: r.all.products, pages: r.all.pages.length },
        complete:
          r.all.pages.length === 1
            ? "the manufacturer's complete, current list of products"
            : `the manufacturer's complete list of products (read in ${r.all.pages.length} pages; this is the last page's checkpoint)`,
      };
    });
  } finally {
    reader.close();
  }
}

interface Found {
  readonly verdict: StateVerdict;
  readonly head: string;
  readonly lines: readonly string[];
  readonly json: object;
  /** What the answer is, complete as of its checkpoint. */
  readonly complete: string;
}

async function answer(
  o: StateVerifyOptions,
  what: string,
  read: () => Promise<Found | { absent: MapAbsenceVerdict }>,
): Promise<number> {
  let r: Found | { absent: MapAbsenceVerdict };
  try {
    r = await read();
  } catch (e) {
    if (!(e instanceof RegistryClientError)) throw e;
    if (e.code === "UNAVAILABLE" || e.code === "DEADLINE_EXCEEDED")
      throw new Error(unreachable("the registry", o.registry, e.message));
    if (e.code !== "DATA_LOSS" && e.code !== "INVALID_ARGUMENT") throw new Error(`registry: ${e.message}`);
    const status = e.code === "DATA_LOSS" ? "not-verifiable" : "refused";
    if (o.json) console.log(JSON.stringify({ status, rule: e.rule, message: e.message }, null, 2));
    else console.log(`${what}: ${status.toUpperCase()}\n    ${e.rule}: ${e.message}`);
    return 1;
  }
  if ("absent" in r) {
    const a = r.absent;
    if (o.json) console.log(JSON.stringify({ status: "absent", ...a }, null, 2));
    else
      console.log(
        `${what}: NOT FOUND — the registry proves there is none${asOf(a.asOf, a.completeAsOf?.sequencedAtUnix)}`,
      );
    return 1;
  }
  const v = r.verdict;
  if (o.json)
    console.log(
      JSON.stringify(
        { status: "verified", ...r.json, asOf: v.asOf, completeAsOf: v.completeAsOf, doesNotProve: v.doesNotProve },
        null,
        2,
      ),
    );
  else {
    console.log([r.head, ...r.lines.map((l) => `    ${l}`)].join("\n"));
    console.log(`    ${r.complete}${asOf(v.asOf, v.completeAsOf?.sequencedAtUnix)}`);
    console.log(`\nThis answer does not prove:\n${v.doesNotProve.map((d) => `  - ${d}`).join("\n")}`);
  }
  return 0;
}

function asOf(ref: CheckpointRef | undefined, unix: number | undefined): string {
  if (!ref) return "";
  const when = unix !== undefined ? `, ${new Date(unix * 1000).toISOString()}` : "";
  return ` as of checkpoint ${ref.origin} size ${ref.size}${when}`;
}

const date = (unix: number) => new Date(unix * 1000).toISOString().slice(0, 10);

function labelLine(l: ProvenLabel): string {
  return `${l.labelId}  ${l.state}  tier ${l.tier}  issuer ${l.issuerId}  valid ${date(l.validFromUnix)} to ${date(l.validUntilUnix)}  (${l.version} entries)`;
}

function productLine(p: ProvenProduct): string {
  return `${p.model}  labels ${p.labelIds.join(", ")}  live ${p.liveLabelId || "none"}`;
}
