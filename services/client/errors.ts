// The one error type the client SDK throws for anything the registry or the transport refused.
// No grpc-js import: receipt verification, which throws it, also runs in a browser.
import type { Receipt } from "../../proto/gen/messages/labelreg/v1/entry.js";

/** gRPC status names (google.rpc.Code), indexed by their number. */
export const STATUS_NAMES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
] as const;

export type StatusName = (typeof STATUS_NAMES)[number];

/** Metadata key in which the registry names the broken rule (services/grpc/status.ts). */
export const RULE_METADATA_KEY = "labelreg-rule";
/** Metadata key carrying a NOT_FOUND label's proof of absence (an encoded LabelBundle). */
export const ABSENCE_METADATA_KEY = "labelreg-absence-bin";
/** Metadata key carrying a NOT_FOUND product's, manufacturer's or issuer's proof of absence (an encoded MapAbsence). */
export const MAP_ABSENCE_METADATA_KEY = "labelreg-map-absence-bin";

/**
 * A refusal or a failure, typed for callers: `code` is the gRPC status name, `rule` the stable
 * machine name of the broken rule ("label-version-mismatch", ...) when the registry gave one,
 * otherwise what the client saw: "transport" (no rule in the status), "bad-receipt" (the
 * registry answered with a receipt that does not verify: code DATA_LOSS).
 */
export class RegistryClientError extends Error {
  constructor(
    readonly code: StatusName,
    readonly rule: string,
    message: string,
    options?: { cause?: unknown; absence?: Uint8Array; mapAbsence?: Uint8Array },
  ) {
    super(message, options);
    this.name = "RegistryClientError";
    this.absence = options?.absence;
    this.mapAbsence = options?.mapAbsence;
  }

  /** A NOT_FOUND label's proof of absence (an encoded LabelBundle), as the registry sent it. */
  readonly absence: Uint8Array | undefined;

  /** A NOT_FOUND product's, manufacturer's or issuer's proof of absence (an encoded MapAbsence), as sent. */
  readonly mapAbsence: Uint8Array | undefined;

  /** Whether sending the same signed bytes again may succeed (the pool was full, the server away). */
  get retryable(): boolean {
    return this.code === "UNAVAILABLE" || this.code === "RESOURCE_EXHAUSTED";
  }
}

/** The status name of a numeric gRPC code ("UNKNOWN" for a number outside google.rpc.Code). */
export function statusName(code: number): StatusName {
  return STATUS_NAMES[code] ?? "UNKNOWN";
}

interface StatusLike {
  readonly code?: unknown;
  readonly details?: unknown;
  readonly message?: unknown;
  readonly metadata?: { get(key: string): unknown[] };
}

/** A RegistryClientError from a failed gRPC call (a grpc-js ServiceError); the rule comes from the trailers. */
export function fromServiceError(e: unknown): RegistryClientError {
  if (e instanceof RegistryClientError) return e;
  const se = (typeof e === "object" && e !== null ? e : {}) as StatusLike;
  if (typeof se.code !== "number") {
    return new RegistryClientError("UNKNOWN", "client", e instanceof Error ? e.message : String(e), { cause: e });
  }
  const code = statusName(se.code);
  const rule = se.metadata?.get(RULE_METADATA_KEY)[0];
  const absence = se.metadata?.get(ABSENCE_METADATA_KEY)[0];
  const mapAbsence = se.metadata?.get(MAP_ABSENCE_METADATA_KEY)[0];
  const text =
    typeof se.details === "string" && se.details !== ""
      ? se.details
      : typeof se.message === "string"
        ? se.message
        : code;
  return new RegistryClientError(code, typeof rule === "string" && rule !== "" ? rule : "transport", text, {
    cause: e,
    absence: absence instanceof Uint8Array ? absence : undefined,
    mapAbsence: mapAbsence instanceof Uint8Array ? mapAbsence : undefined,
  });
}

export function badReceipt(message: string, cause?: unknown): RegistryClientError {
  return new RegistryClientError(
    "DATA_LOSS",
    "bad-receipt",
    `the registry's receipt does not verify: ${message}`,
    cause === undefined ? undefined : { cause },
  );
}

/**
 * The registry answered a statement with a receipt, but the receipt does not verify under the
 * log key the client was given (most often the wrong key). The statement may well be in the log:
 * keep `receipt` and check it, rather than send the statement again.
 */
export class UnverifiedReceiptError extends RegistryClientError {
  constructor(
    readonly receipt: Receipt,
    cause: RegistryClientError,
  ) {
    super("DATA_LOSS", "bad-receipt", cause.message, { cause });
    this.name = "UnverifiedReceiptError";
  }

  /** The index the registry says the statement is at (not verified). */
  get claimedIndex(): bigint {
    return this.receipt.index;
  }
}
