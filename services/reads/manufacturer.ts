// ListManufacturerProducts: a manufacturer's products, each with the state map's proof of its
// labels, and the manufacturer's own value proving the list whole (brand monitoring). A page is
// a run of the manufacturer's product list, which only grows at its end, so offsets stay valid
// from one checkpoint to the next.
import type { ListManufacturerProductsResponse } from "../../proto/gen/messages/labelreg/v1/verification_service.js";
import { splitProductKey } from "../domain/map-values.js";
import { checkId, REGISTRATION_CODE } from "../domain/syntax.js";
import { RegistryError } from "../sequencer/errors.js";
import { MAX_PRODUCTS_PAGE } from "./limits.js";
import { proveMapKeys, withMapAbsence } from "./map-proof.js";
import type { Reads } from "./reads.js";

/**
 * The products of the manufacturer `registrationCode` from `offset` on, at most `limit` (0:
 * MAX_PRODUCTS_PAGE), as of the latest checkpoint. NOT_FOUND (with its proof of absence) for a
 * manufacturer with no product; INVALID_ARGUMENT for a malformed code, a limit over
 * MAX_PRODUCTS_PAGE or an offset past the end of the list.
 */
export async function listManufacturerProducts(
  reads: Reads,
  registrationCode: string,
  offset: number,
  limit: number,
): Promise<ListManufacturerProductsResponse> {
  const v = checkId("registration_code", registrationCode, REGISTRATION_CODE);
  if (v) throw RegistryError.fromViolation(v);
  if (limit > MAX_PRODUCTS_PAGE)
    throw new RegistryError(
      "INVALID_ARGUMENT",
      "too-many-products",
      `at most ${MAX_PRODUCTS_PAGE} products per ListManufacturerProducts call (limit ${limit})`,
    );
  const { view, entries } = reads;
  const snap = reads.snapshot();
  const records = view.records();
  const [all = []] = await records.manufacturers([registrationCode]);
  // Products are listed in the order of their first label, so those at the snapshot are a
  // prefix; the list may be read as of a later size: products first labelled after the
  // snapshot end it, and are rare (at most a batch's).
  let total = all.length;
  while (total > 0) {
    const [product] = await records.products([all[total - 1]!]);
    const [first] = await records.labels(product ? product.labelIds.slice(0, 1) : []);
    if (!first)
      throw new Error(`state: product ${all[total - 1]} of manufacturer ${registrationCode} has no first label`);
    if (first.history[0]!.index < snap.size) break;
    total--;
  }
  if (total === 0) {
    const e = new RegistryError(
      "NOT_FOUND",
      "manufacturer-not-found",
      `no label was ever issued for a product of manufacturer ${registrationCode}`,
    );
    throw await withMapAbsence(view, entries, snap, "manufacturer", registrationCode, e);
  }
  if (offset > total)
    throw new RegistryError(
      "INVALID_ARGUMENT",
      "offset-beyond-products",
      `offset ${offset} is past the ${total} products of manufacturer ${registrationCode}`,
    );
  const page = all.slice(offset, Math.min(total, offset + (limit || MAX_PRODUCTS_PAGE)));
  const { commitment, mapProofs } = await proveMapKeys(view, entries, snap, [
    { kind: "manufacturer", id: registrationCode },
    ...page.map((id) => ({ kind: "product" as const, id })),
  ]);
  const end = offset + page.length;
  return {
    checkpoint: snap.checkpoint,
    commitment,
    mapProof: mapProofs[0] ?? new Uint8Array(0),
    products: page.map((key, k) => ({
      model: splitProductKey(key).model,
      mapProof: mapProofs[k + 1] ?? new Uint8Array(0),
    })),
    offset,
    nextOffset: end < total ? end : 0,
  };
}
