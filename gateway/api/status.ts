// The read API's refusals as HTTP: the gRPC status each read error carries, mapped the way
// google.api.http transcoding maps it, with a google.rpc.Status-shaped JSON body.

import { LogReadError } from "../../services/logreads/log-reads.js";
import { RegistryClientError } from "../../services/client/errors.js";
import { RegistryError } from "../../services/sequencer/errors.js";
import { jsonReply, type Reply } from "../http/reply.js";
import { LabelBundle, MapAbsence } from "../../proto/gen/messages/labelreg/v1/verification_service.js";

/** gRPC code name → [numeric code, HTTP status]. */
const CODES: Readonly<Record<string, readonly [number, number]>> = {
  INVALID_ARGUMENT: [3, 400],
  DEADLINE_EXCEEDED: [4, 504],
  NOT_FOUND: [5, 404],
  ALREADY_EXISTS: [6, 409],
  PERMISSION_DENIED: [7, 403],
  RESOURCE_EXHAUSTED: [8, 429],
  FAILED_PRECONDITION: [9, 400],
  ABORTED: [10, 409],
  OUT_OF_RANGE: [11, 400],
  INTERNAL: [13, 500],
  UNAVAILABLE: [14, 503],
  DATA_LOSS: [15, 500],
  UNAUTHENTICATED: [16, 401],
};

/** A malformed API request (bad JSON, a bad query parameter): INVALID_ARGUMENT. */
export class ApiRequestError extends Error {
  constructor(
    readonly rule: string,
    message: string,
    readonly code: "INVALID_ARGUMENT" | "RESOURCE_EXHAUSTED" = "INVALID_ARGUMENT",
  ) {
    super(message);
    this.name = "ApiRequestError";
  }
}

/**
 * The reply for a read error, or undefined if `e` is not one (an internal failure). A standalone
 * gateway's refusals come from the registry as RegistryClientError, with the same code and rule.
 */
export function apiErrorReply(e: unknown): Reply | undefined {
  if (
    !(
      e instanceof RegistryError ||
      e instanceof LogReadError ||
      e instanceof ApiRequestError ||
      e instanceof RegistryClientError
    )
  )
    return undefined;
  const [code, http] = CODES[e.code] ?? [13, 500];
  // An unknown label's proof of absence, as the LabelBundle JSON the label route answers with.
  const absence = e instanceof RegistryError || e instanceof RegistryClientError ? e.absence : undefined;
  // An unknown product's, manufacturer's or issuer's, as the MapAbsence JSON.
  const mapAbsence = e instanceof RegistryError || e instanceof RegistryClientError ? e.mapAbsence : undefined;
  return jsonReply(http, {
    code,
    status: e.code,
    message: e.message,
    rule: e.rule,
    ...(absence ? { absence: LabelBundle.toJSON(LabelBundle.decode(absence)) } : {}),
    ...(mapAbsence ? { absence: MapAbsence.toJSON(MapAbsence.decode(mapAbsence)) } : {}),
  });
}
