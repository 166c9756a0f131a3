// The in-browser verifier: one minified ES module named by its content hash (so it is served
// immutable). `npm run build` bundles it with esbuild into a file beside this module's compiled
// copy, and built code serves that file, so production needs no esbuild. Run from TypeScript
// source (tests, tsx), this module bundles it in memory instead, with the same options.

import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { Asset, GatewayOptions } from "../gateway.js";
import type { Logger } from "../ops/log.js";

export interface VerifierAsset {
  readonly name: string;
  readonly asset: Asset;
}

/** The bundle's file name beside the compiled build.js; `npm run build` writes it. */
export const VERIFIER_BUNDLE_FILE = "verifier.bundle.js";

/** Bundles `entry` (gateway/verifier/browser.ts) with esbuild, a devDependency: for the build and for tests run from source. */
export async function bundleVerifier(entry: string): Promise<Uint8Array> {
  const esbuild = await import("esbuild");
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
  return out.outputFiles[0]!.contents;
}

let loaded: Promise<VerifierAsset> | undefined;

/** The verifier module, once per process; rejects if the bundle is missing (built code) or esbuild fails (source). */
export function loadVerifier(): Promise<VerifierAsset> {
  loaded ??= (async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const js = import.meta.url.endsWith(".ts")
      ? await bundleVerifier(join(here, "browser.ts"))
      : new Uint8Array(await readFile(join(here, VERIFIER_BUNDLE_FILE)));
    const hash = createHash("sha256").update(js).digest("hex").slice(0, 12);
    return {
      name: `verifier-${hash}.js`,
      asset: {
        contentType: "text/javascript; charset=utf-8",
        body: js,
        gz: gzipSync(js, { level: 9 }),
        immutable: true,
      },
    };
  })();
  loaded.catch(() => {
    loaded = undefined;
  });
  return loaded;
}

/**
 * The gateway options that serve the verifier under /assets/ and point label pages at it, with
 * each label's bundle from the JSON API. Empty (pages without it, which say so) when it cannot be
 * loaded, with a warning logged.
 */
export async function verifierOptions(logger: Logger): Promise<Pick<GatewayOptions, "assets" | "verifier">> {
  const verifier = await loadVerifier().catch((e: unknown) => {
    logger("warn", "in-browser verifier not available; label pages are served without it", {
      error: e instanceof Error ? e.message.slice(0, 200) : "unknown",
    });
    return undefined;
  });
  if (!verifier) return {};
  return {
    assets: new Map([[verifier.name, verifier.asset]]),
    verifier: {
      bundleUrl: `/assets/${verifier.name}`,
      dataUrl: (id: string) => `/api/v1/labels/${encodeURIComponent(id)}`,
    },
  };
}
