// Bounds on everything a client sends the gateway. Each is checked before any work is done on
// the input, so a hostile request costs at most these many bytes of parsing.

export interface GatewayLimits {
  /** Longest request target (path + query) in bytes; longer gets 414. */
  readonly maxUrlBytes: number;
  /** Longest query string in bytes; longer gets 414. */
  readonly maxQueryBytes: number;
  /** Largest request body (JSON API POSTs); larger gets 413. Bodies are refused on GET routes. */
  readonly maxBodyBytes: number;
  /** Largest total request header size (node:http maxHeaderSize); larger gets 431. */
  readonly maxHeaderBytes: number;
  /** Time allowed to receive a whole request (headers and body), in ms; slower gets 408. */
  readonly requestTimeoutMs: number;
  /** Time allowed to receive the headers, in ms. */
  readonly headersTimeoutMs: number;
  /** Idle keep-alive connections are closed after this many ms. */
  readonly keepAliveTimeoutMs: number;
}

export const DEFAULT_LIMITS: GatewayLimits = {
  maxUrlBytes: 2048,
  maxQueryBytes: 512,
  maxBodyBytes: 1024 * 1024,
  maxHeaderBytes: 16 * 1024,
  requestTimeoutMs: 30_000,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
};
