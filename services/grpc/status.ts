// Mapping between the core's RegistryError and gRPC statuses, in one place for every service.
import * as grpc from "@grpc/grpc-js";
import { RegistryError, type RegistryErrorCode } from "../sequencer/errors.js";
import { ABSENCE_METADATA_KEY, MAP_ABSENCE_METADATA_KEY } from "../client/errors.js";
import { framingError, requestFraming } from "./framing.js";
import { protoPackage } from "./proto-package.js";

const CODES: Record<RegistryErrorCode, grpc.status> = {
  INVALID_ARGUMENT: grpc.status.INVALID_ARGUMENT,
  NOT_FOUND: grpc.status.NOT_FOUND,
  ALREADY_EXISTS: grpc.status.ALREADY_EXISTS,
  PERMISSION_DENIED: grpc.status.PERMISSION_DENIED,
  FAILED_PRECONDITION: grpc.status.FAILED_PRECONDITION,
  ABORTED: grpc.status.ABORTED,
  UNAUTHENTICATED: grpc.status.UNAUTHENTICATED,
  RESOURCE_EXHAUSTED: grpc.status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: grpc.status.UNAVAILABLE,
  INTERNAL: grpc.status.INTERNAL,
  DEADLINE_EXCEEDED: grpc.status.DEADLINE_EXCEEDED,
  DATA_LOSS: grpc.status.DATA_LOSS,
};

/** Metadata key carrying the stable rule name of a refusal. */
export const RULE_METADATA_KEY = "labelreg-rule";

export function grpcCode(code: RegistryErrorCode): grpc.status {
  return CODES[code];
}

/**
 * A gRPC error for any thrown value. Unexpected errors become INTERNAL with a generic message:
 * their text may name files or internals, and it goes to the server log instead.
 */
export function toServiceError(
  e: unknown,
  log: (msg: string, err: unknown) => void = defaultLog,
): Partial<grpc.ServiceError> {
  if (e instanceof RegistryError) {
    const metadata = new grpc.Metadata();
    metadata.set(RULE_METADATA_KEY, e.rule);
    if (e.absence) metadata.set(ABSENCE_METADATA_KEY, Buffer.from(e.absence));
    if (e.mapAbsence) metadata.set(MAP_ABSENCE_METADATA_KEY, Buffer.from(e.mapAbsence));
    return { code: CODES[e.code], details: e.message, metadata };
  }
  log("internal error", e);
  return { code: grpc.status.INTERNAL, details: "internal error" };
}

function defaultLog(msg: string, err: unknown): void {
  console.error(JSON.stringify({ level: "error", msg, error: err instanceof Error ? err.message : String(err) }));
}

/** A request whose bytes did not decode; handlers answer it with INVALID_ARGUMENT. */
export class MalformedRequest {
  constructor(readonly reason: string) {}
}

/**
 * The service definition with request decoding that never throws: grpc-js answers a throwing
 * deserializer with INTERNAL, but malformed input is the caller's error (INVALID_ARGUMENT).
 * Requests follow ordinary protobuf rules (unknown fields skipped, any field order); the framing
 * check (framing.ts) first refuses length prefixes that the generated decoder would read past.
 */
export function withSafeDecoding<D extends grpc.ServiceDefinition>(definition: D): D {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, m] of Object.entries(definition)) {
    const framing = requestFraming(protoPackage(), m.path);
    out[name] = {
      ...m,
      requestDeserialize: (bytes: Buffer) => {
        const broken = framingError(bytes, framing);
        if (broken !== undefined) return new MalformedRequest(broken);
        try {
          return m.requestDeserialize(bytes);
        } catch (e) {
          return new MalformedRequest(e instanceof Error ? e.message : String(e));
        }
      },
    };
  }
  return out as D;
}

/** Throws INVALID_ARGUMENT for a request that did not decode; narrows the type otherwise. */
export function wellFormed<T>(req: T | MalformedRequest): T {
  if (req instanceof MalformedRequest) {
    throw new RegistryError(
      "INVALID_ARGUMENT",
      "malformed-request",
      `the request does not decode as protobuf: ${req.reason}`,
    );
  }
  return req;
}
