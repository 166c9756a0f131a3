// The one public address of a label: what its QR code holds and what its page calls canonical.

import { safeHttpUrl } from "./escape.js";

/** The gateway's public base URL is not an absolute http(s) URL: a configuration error. */
export class InvalidBaseUrlError extends Error {
  constructor(readonly baseUrl: string) {
    super(`gateway: public base URL must be an absolute http(s) URL, got ${JSON.stringify(baseUrl)}`);
    this.name = "InvalidBaseUrlError";
  }
}

/**
 * `<publicBaseUrl>/l/<labelId>`, with the label id percent-encoded as one path segment and
 * trailing slashes of the base ignored (a base with a path, e.g. `https://x.cn/registry`, keeps
 * it). Throws InvalidBaseUrlError if the base is not an absolute http(s) URL.
 */
export function labelPageUrl(publicBaseUrl: string, labelId: string): string {
  const base = safeHttpUrl(publicBaseUrl);
  if (base === undefined || base.includes("?") || base.includes("#")) throw new InvalidBaseUrlError(publicBaseUrl);
  return `${base.replace(/\/+$/, "")}/l/${encodeURIComponent(labelId)}`;
}
