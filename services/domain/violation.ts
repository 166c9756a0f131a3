// A refused statement: the gRPC status to answer with and the rule it broke.

/** The gRPC status codes a rule can refuse with (names as in google.rpc.Code). */
export type ViolationCode =
  | "INVALID_ARGUMENT"
  | "UNAUTHENTICATED"
  | "PERMISSION_DENIED"
  | "FAILED_PRECONDITION"
  | "ABORTED"
  | "ALREADY_EXISTS"
  | "NOT_FOUND";

/** Numeric google.rpc.Code values, for gRPC servers and SubmitStatus.code. */
export const GRPC_CODE: Readonly<Record<ViolationCode, number>> = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNAUTHENTICATED: 16,
};

/**
 * A rule the statement broke. `rule` is a stable machine name (kebab-case) that clients and the
 * auditor may match on; `message` is for people and always names the rule. A value, not an
 * exception: checks return it, so a refusal never unwinds the sequencer.
 */
export interface RuleViolation {
  readonly kind: "violation";
  readonly code: ViolationCode;
  readonly rule: string;
  readonly message: string;
}

export function violation(code: ViolationCode, rule: string, detail: string): RuleViolation {
  return { kind: "violation", code, rule, message: `${rule}: ${detail}` };
}

export function isViolation(x: unknown): x is RuleViolation {
  return typeof x === "object" && x !== null && (x as { kind?: unknown }).kind === "violation";
}
