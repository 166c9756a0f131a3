// What SearchLabels needs beyond the projections: manufacturers by name and products by model.
// Kept up to date as entries apply (LogView.applyEntry); label ids and registration codes are
// looked up in the projections themselves.
import { isCommitment, type CommitmentEntry } from "../domain/decode.js";
import type { SequencedStatement } from "../domain/apply.js";
import { foldModel } from "../domain/state.js";

/** Distinct names kept per registration code: labels normally agree on one. */
const MAX_NAMES_PER_CODE = 8;

interface Named {
  readonly name: string;
  readonly lower: string;
}

export class SearchIndex {
  /** Registration code -> the manufacturer names its labels give. */
  private readonly names = new Map<string, Named[]>();
  /**
   * Folded model -> the registration code of the product with that model, or the codes when
   * several manufacturers use it (rare: kept as one string otherwise, as there are as many models as products).
   */
  private readonly models = new Map<string, string | string[]>();

  /** Notes an entry as it is applied. */
  note(entry: SequencedStatement | CommitmentEntry): void {
    if (isCommitment(entry) || entry.statement.kind?.$case !== "labelIssued") return;
    const v = entry.statement.kind.value;
    const code = v.manufacturer?.registrationCode ?? "";
    const name = v.manufacturer?.name ?? "";
    const named = this.names.get(code);
    if (!named) this.names.set(code, [{ name, lower: name.toLowerCase() }]);
    else if (named.length < MAX_NAMES_PER_CODE && !named.some((n) => n.name === name))
      named.push({ name, lower: name.toLowerCase() });
    const model = foldModel(v.productModel);
    const codes = this.models.get(model);
    if (codes === undefined) this.models.set(model, code);
    else if (typeof codes === "string") {
      if (codes !== code) this.models.set(model, [codes, code]);
    } else if (!codes.includes(code)) codes.push(code);
  }

  /** Registration codes with a product of this (folded) model. */
  codesWithModel(folded: string): readonly string[] {
    const codes = this.models.get(folded);
    return codes === undefined ? [] : typeof codes === "string" ? [codes] : codes;
  }

  /**
   * Registration codes one of whose names holds every word (lower-cased), with the name that
   * matched, by name then code. Scans the manufacturers: there are far fewer than labels.
   */
  codesNamed(words: readonly string[]): { code: string; name: string }[] {
    const out: { code: string; name: string }[] = [];
    for (const [code, named] of this.names) {
      const hit = named.find((n) => words.every((w) => n.lower.includes(w)));
      if (hit) out.push({ code, name: hit.name });
    }
    return out.sort((a, b) => compare(a.name, b.name) || compare(a.code, b.code));
  }
}

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
