// Channel credentials for a registry: plaintext on a trusted network, TLS otherwise (with the
// system roots or a given CA, and a client certificate where the registry requires mTLS).
import { readFileSync } from "node:fs";
import { credentials, type ChannelCredentials } from "@grpc/grpc-js";

export interface ClientTls {
  /** PEM CA bundle that signed the registry's certificate (default: the system's roots). */
  readonly caFile?: string;
  /** PEM client certificate chain, for a registry that requires client certificates. */
  readonly certFile?: string;
  /** PEM private key of `certFile`. */
  readonly keyFile?: string;
}

/** Insecure credentials when `tls` is undefined; TLS otherwise. Throws on unreadable files or a lone cert/key. */
export function channelCredentials(tls: ClientTls | undefined): ChannelCredentials {
  if (!tls) return credentials.createInsecure();
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined))
    throw new Error("a client certificate needs both its cert file and its key file");
  const read = (f: string | undefined) => (f === undefined ? null : readFileSync(f));
  return credentials.createSsl(read(tls.caFile), read(tls.keyFile), read(tls.certFile));
}
