// The one public address of a label: what its QR code holds and what its page calls canonical.

import { safeHttpUrl } from "./escape.js";

/** The gateway's public base URL is not an absolute http(s) URL: a configuration error. */
export class InvalidBaseUrlError extends Error {
  constructor(readonly baseUrl: string) {
    super(`gateway: public base URL must be an absolute http(s) URL, got ${JSON.stringify(baseUrl)}`);
    this.name = "InvalidBaseUrlError";
  }
}

/** The label id cannot name a page: empty, or not well-formed Unicode (a lone surrogate). */
export class InvalidLabelIdError extends Error {
  constructor(readonly labelId: string) {
    super(`gateway: label id ${JSON.stringify(labelId)} is empty or not well-formed Unicode`);
    this.name = "InvalidLabelIdError";
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * `<publicBaseUrl>/l/<labelId>`, with the label id percent-encoded as one path segment and
 * trailing slashes of the base ignored (a base with a path, e.g. `https://x.cn/registry`, keeps
 * it). Throws InvalidBaseUrlError if the base is not an absolute http(s) URL, InvalidLabelIdError
 * if the id is empty or holds a lone surrogate.
 */
export function labelPageUrl(publicBaseUrl: string, labelId: string): string {
  const base = safeHttpUrl(publicBaseUrl);
  if (base === undefined || base.includes("?") || base.includes("#")) throw new InvalidBaseUrlError(publicBaseUrl);
  if (labelId === "" || LONE_SURROGATE.test(labelId)) throw new InvalidLabelIdError(labelId);
  return `${base.replace(/\/+$/, "")}/l/${encodeURIComponent(labelId)}`;
}
