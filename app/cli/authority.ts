// `labelreg authority ...`: the authority's statements (signed with its offline key).
import type { Command } from "commander";
import type { ScopeEntry } from "../../proto/gen/messages/labelreg/v1/statement.js";
import {
  accreditIssuer,
  publishCategory,
  rotateIssuerKey,
  suspendIssuer,
  withdrawIssuer,
} from "../../services/client/statements.js";
import { publicKeyOfVerifierKey, readVerifierKey } from "../../services/config/key-files.js";
import { FieldError, parseReason, parseTier } from "./field-values.js";
import {
  envelopeOf,
  signAndSubmit,
  withReason,
  withSubmitOptions,
  type ReasonOptions,
  type SubmitOptions,
} from "./submit-command.js";

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** "category:tier", e.g. consumer-network-camera:3. */
function parseScope(items: readonly string[]): ScopeEntry[] {
  return items.map((s) => {
    const i = s.lastIndexOf(":");
    if (i <= 0) throw new FieldError("scope", `${JSON.stringify(s)} is not <category id>:<max tier>`);
    return { categoryId: s.slice(0, i), maxTier: parseTier("scope", s.slice(i + 1)) };
  });
}

const publicKeyOf = (vkey: string) => publicKeyOfVerifierKey(readVerifierKey(vkey));

export function registerAuthority(authority: Command): void {
  withSubmitOptions(
    authority
      .command("accredit")
      .description("accredit an issuer (or, for an existing one, replace its name and scope and lift a suspension)")
      .requiredOption("--issuer-id <id>", "the issuer id, e.g. CCRC")
      .requiredOption("--name <name>", "the issuer's name")
      .requiredOption("--public-key <vkey|file>", "the issuer's verifier key (the .pub that labelreg keygen wrote)")
      .requiredOption("--scope <category:tier>", "a category the issuer may label, up to a tier (repeatable)", collect),
  ).action((o: SubmitOptions & { issuerId: string; name: string; publicKey: string; scope: string[] }) =>
    signAndSubmit(o, () =>
      accreditIssuer(
        { issuerId: o.issuerId, name: o.name, publicKey: publicKeyOf(o.publicKey), scope: parseScope(o.scope) },
        envelopeOf(o),
      ),
    ),
  );

  withSubmitOptions(
    withReason(
      authority
        .command("rotate-key")
        .description("replace an issuer's key: from this log position on only the new key signs for it")
        .requiredOption("--issuer-id <id>", "the issuer id")
        .requiredOption("--new-public-key <vkey|file>", "the issuer's new verifier key"),
      "administrative",
    ),
  ).action((o: SubmitOptions & ReasonOptions & { issuerId: string; newPublicKey: string }) =>
    signAndSubmit(o, () =>
      rotateIssuerKey(
        {
          issuerId: o.issuerId,
          newPublicKey: publicKeyOf(o.newPublicKey),
          reason: parseReason(o.reasonCode, o.reason),
        },
        envelopeOf(o),
      ),
    ),
  );

  withSubmitOptions(
    withReason(
      authority
        .command("suspend-issuer")
        .description("suspend an issuer: it signs nothing until accredited again")
        .requiredOption("--issuer-id <id>", "the issuer id"),
      "other",
    ),
  ).action((o: SubmitOptions & ReasonOptions & { issuerId: string }) =>
    signAndSubmit(o, () => suspendIssuer(o.issuerId, parseReason(o.reasonCode, o.reason), envelopeOf(o))),
  );

  withSubmitOptions(
    withReason(
      authority
        .command("withdraw-issuer")
        .description("withdraw an issuer for good (its labels stay as they are)")
        .requiredOption("--issuer-id <id>", "the issuer id"),
      "administrative",
    ),
  ).action((o: SubmitOptions & ReasonOptions & { issuerId: string }) =>
    signAndSubmit(o, () => withdrawIssuer(o.issuerId, parseReason(o.reasonCode, o.reason), envelopeOf(o))),
  );

  withSubmitOptions(
    authority
      .command("publish-category")
      .description("add a product category to the catalogue")
      .requiredOption("--category-id <id>", "e.g. consumer-network-camera")
      .requiredOption("--name <name>", "e.g. Consumer network cameras")
      .option("--description <text>", "one line", ""),
  ).action((o: SubmitOptions & { categoryId: string; name: string; description: string }) =>
    signAndSubmit(o, () =>
      publishCategory({ categoryId: o.categoryId, name: o.name, description: o.description }, envelopeOf(o)),
    ),
  );
}
