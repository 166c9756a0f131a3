// The consumer page of a registry run with a witness (`labelreg serve --witness url=vkey
// --witness-required 1`), in Debian's Chromium: the page pins the witness's key, the in-browser
// verifier requires its cosignature on the bundle's checkpoint and names it. Screenshot in
// test-output/gateway/.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cosigner } from "../log/cosignature.js";
import { formatVerifierKey, parseVerifierKey, SIG_TYPE_ED25519 } from "../log/note-keys.js";
import { startRegistry, type RunningRegistry } from "../app/server.js";
import { startWitnessServer, type RunningWitnessServer } from "../services/witness/http.js";
import { WitnessState } from "../services/witness/state.js";
import { Witness } from "../services/witness/witness.js";
import { launchChromium } from "../test/gateway/chromium.js";
import { authority, seedLabels } from "../test/gateway/registry-fixture.js";

const OUT = join(process.cwd(), "test-output", "gateway");
const witnessKey = cosigner("witness.test/gw", new Uint8Array(32).fill(62));
let dir: string;
let registry: RunningRegistry;
let witness: RunningWitnessServer;
let witnessState: WitnessState;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  dir = mkdtempSync(join(tmpdir(), "labelreg-gw-witnessed-"));
  const config = {
    dataDir: join(dir, "reg"),
    grpcAddress: "127.0.0.1:0",
    origin: "gateway.test/witnessed",
    authorityKey: formatVerifierKey("authority", SIG_TYPE_ED25519, authority.publicKey),
  };
  // The witness needs the log's key, which the registry creates on its first start.
  const first = await startRegistry(config);
  const logVerifierKey = first.logVerifierKey;
  await first.close();
  witnessState = new WitnessState(join(dir, "witness"));
  witness = await startWitnessServer(
    new Witness({ cosigner: witnessKey, logs: [parseVerifierKey(logVerifierKey)], state: witnessState }),
  );
  registry = await startRegistry({
    ...config,
    http: { address: "127.0.0.1:0" },
    witnessing: {
      witnesses: [{ url: witness.url, verifierKey: witnessKey.verifierKey }],
      required: 1,
      timeoutMs: 3000,
    },
  });
  // Signed on the real clock: the browser verifier checks signing times with the default skew.
  await seedLabels(registry.registry, BigInt(Math.floor(Date.now() / 1000)));
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await registry?.close();
  await witness?.close();
  witnessState?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("consumer page with a witness", () => {
  it("pins the witness policy and shows the label verified and witnessed", async () => {
    const html = await (await fetch(`${registry.http!.url}/l/CCRC-1?lang=en`)).text();
    expect(html).toContain(witnessKey.verifierKey);
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "en-US" });
    const page = await ctx.newPage();
    await page.goto(`${registry.http!.url}/l/CCRC-1`);
    await expect
      .poll(() => page.locator("#verify-status").getAttribute("data-state"), { timeout: 15_000 })
      .not.toBe("pending");
    const text = (await page.locator("#verify-status").textContent()) ?? "";
    expect(await page.locator("#verify-status").getAttribute("data-state"), text).toBe("ok");
    expect(text).toContain(`checkpoint ${registry.registry.view.size}`);
    expect(text).toContain("Witnessed by: witness.test/gw");
    await page.screenshot({ path: join(OUT, "witnessed.en.png"), fullPage: true });
    await ctx.close();
  });
});
