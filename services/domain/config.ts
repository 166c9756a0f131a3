// What the rules need to know beyond the log itself.

/** Verifies an Ed25519 signature; injected so the domain needs no particular Ed25519 library. */
export type VerifyFn = (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean;

export interface DomainConfig {
  /**
   * The origin of the log the rules run for (its checkpoints' first line): a statement whose
   * log_origin differs is refused (`wrong-log`). An auditor takes it from the checkpoint.
   */
  readonly logOrigin: string;
  /** The authority's Ed25519 public key (32 bytes): the trust root that accredits issuers. */
  readonly authorityPublicKey: Uint8Array;
  /** Signature verification (strict RFC 8032 / ZIP-215 as the Ed25519 layer decides). */
  readonly verify: VerifyFn;
  /** A statement's signed-at may differ from the sequencing time by at most this, either way. */
  readonly clockSkewSeconds: number;
  /** The longest validity a label may have from its start (issuance and renewals). */
  readonly maxValiditySeconds: number;
}

/** Defaults: 5 minutes of skew (as Kerberos and most token schemes); 3 years of validity (the longest term of comparable schemes). */
export const DEFAULT_CLOCK_SKEW_SECONDS = 300;
export const DEFAULT_MAX_VALIDITY_SECONDS = 3 * 366 * 24 * 3600;

export function domainConfig(
  logOrigin: string,
  authorityPublicKey: Uint8Array,
  verify: VerifyFn,
  overrides: Partial<Pick<DomainConfig, "clockSkewSeconds" | "maxValiditySeconds">> = {},
): DomainConfig {
  return {
    logOrigin,
    authorityPublicKey,
    verify,
    clockSkewSeconds: overrides.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS,
    maxValiditySeconds: overrides.maxValiditySeconds ?? DEFAULT_MAX_VALIDITY_SECONDS,
  };
}
