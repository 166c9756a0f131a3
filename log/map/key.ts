// Map keys (DESIGN.md, "The state map"): key = SHA-256("labelreg/v1/map-key\n" || kind || "\n" || id),
// so keys spread evenly over the tree whatever the ids look like, and no two kinds share a key.
import { utf8 } from "../bytes.js";
import type { MapHasher, MapKey } from "./hash.js";

/**
 * What a key names. The id of each: `label` the label id, `product` the manufacturer's
 * registration code || "\n" || the model with ASCII letters upper-cased (services/domain/state.ts
 * productKey builds it), `manufacturer` the registration code, `issuer` the issuer id, `category`
 * the category id.
 */
export type MapKeyKind = "label" | "product" | "manufacturer" | "issuer" | "category";

export const MAP_KEY_KINDS: readonly MapKeyKind[] = ["label", "product", "manufacturer", "issuer", "category"];

const PREFIX = "labelreg/v1/map-key\n";

/** The map key of the thing of `kind` named `id` (UTF-8). */
export function mapKey(hasher: Pick<MapHasher, "digest">, kind: MapKeyKind, id: string): MapKey {
  return hasher.digest(utf8(`${PREFIX}${kind}\n${id}`));
}
