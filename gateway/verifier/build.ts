// Builds the in-browser verifier with esbuild, once per process, into memory: one minified ES
// module named by its content hash (so it is served immutable).

import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { Asset, GatewayOptions } from "../gateway.js";
import type { Logger } from "../ops/log.js";

export interface VerifierAsset {
  readonly name: string;
  readonly asset: Asset;
}

let built: Promise<VerifierAsset> | undefined;

/** The verifier module; rejects if esbuild is not installed or the build fails. */
export function buildVerifier(): Promise<VerifierAsset> {
  built ??= (async () => {
    const esbuild = await import("esbuild");
    const entry = join(dirname(fileURLToPath(import.meta.url)), "browser.ts");
    const out = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      format: "esm",
      platform: "browser",
      target: "es2022",
      minify: true,
      write: false,
      legalComments: "none",
      logLevel: "silent",
    });
    const js = out.outputFiles[0]!.contents;
    const hash = createHash("sha256").update(js).digest("hex").slice(0, 12);
    return { name: `verifier-${hash}.js`, asset: { contentType: "text/javascript; charset=utf-8", body: js, gz: gzipSync(js, { level: 9 }), immutable: true } };
  })();
  built.catch(() => {
    built = undefined;
  });
  return built;
}

/**
 * The gateway options that serve the verifier under /assets/ and point label pages at it, with
 * each label's bundle from the JSON API. Empty (pages without it, which say so) when the build
 * fails, with a warning logged.
 */
export async function verifierOptions(logger: Logger): Promise<Pick<GatewayOptions, "assets" | "verifier">> {
  const verifier = await buildVerifier().catch((e: unknown) => {
    logger("warn", "in-browser verifier not built; label pages are served without it", { error: e instanceof Error ? e.message.slice(0, 200) : "unknown" });
    return undefined;
  });
  if (!verifier) return {};
  return {
    assets: new Map([[verifier.name, verifier.asset]]),
    verifier: { bundleUrl: `/assets/${verifier.name}`, dataUrl: (id: string) => `/api/v1/labels/${encodeURIComponent(id)}` },
  };
}
