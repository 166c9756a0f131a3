// Read replicas on a shared PostgreSQL store: a `--read-only` registry follows the sequencing one
// and, once its view reaches a receipt's tree size, serves the new label over its HTTP JSON API;
// it refuses writes with UNAVAILABLE naming the rule. A throwaway cluster of its own
// (test/postgres.ts). How long a replica lags is a figure of `npm run bench:issue -- --store postgres`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { usePostgres } from "../test/postgres.js";
import { reaches, startPrimaryAndReplica, type RegistryPair } from "../test/shared-store.js";
import { categoryPublished, issuerAccredited, issuerKey, labelIssued, sign } from "../test/statement-kit.js";
import { readSignerKeyFile } from "./config/key-files.js";
import { RegistryError } from "./sequencer/errors.js";
import { devAuthorityKeyPath, type RunningRegistry } from "../app/server.js";

const cluster = usePostgres();
let pair: RegistryPair;
let primary: RunningRegistry;
let replica: RunningRegistry;

beforeAll(async () => {
  pair = await startPrimaryAndReplica(await cluster().createDatabase("replica"));
  ({ primary, replica } = pair);
});

afterAll(async () => {
  await pair?.close();
});

const authority = () => readSignerKeyFile(devAuthorityKeyPath(pair.primaryDir));
const issuer = issuerKey(7);

async function labelStatus(base: string, labelId: string): Promise<number> {
  const res = await fetch(`${base}/api/v1/labels/${encodeURIComponent(labelId)}`);
  await res.arrayBuffer();
  return res.status;
}

describe("read replica on a shared PostgreSQL store", () => {
  it("follows each receipt and then serves its label over HTTP", async () => {
    await primary.registry.submit(sign(authority(), categoryPublished("cat"), primary.registry.origin));
    await primary.registry.submit(sign(authority(), issuerAccredited("acc", "RPL", issuer), primary.registry.origin));
    for (let i = 0; i < 40; i++) {
      const receipt = await primary.registry.submit(
        sign(issuer, labelIssued(`one-${i}`, "RPL", `O${i}`), primary.registry.origin),
      );
      await reaches(replica.registry.view, receipt.treeSize);
      expect(await labelStatus(replica.http!.url, `RPL-O${i}`)).toBe(200);
    }
    expect(await labelStatus(replica.http!.url, "RPL-NEVER")).toBe(404);
  });

  it("catches up with a burst of 2,000 statements, with the same checkpoint", async () => {
    const receipts = await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        primary.registry.submit(sign(issuer, labelIssued(`burst-${i}`, "RPL", `B${i}`), primary.registry.origin)),
      ),
    );
    const size = Math.max(...receipts.map((r) => r.treeSize));
    await reaches(replica.registry.view, size);
    expect(replica.registry.view.size).toBe(size);
    expect(replica.registry.view.checkpoint).toBe(primary.registry.view.checkpoint);
    expect(replica.registry.view.tree.root).toEqual(primary.registry.view.tree.root);
    const tlog = await fetch(`${replica.http!.url}/checkpoint`);
    expect(await tlog.text()).toBe(primary.registry.view.checkpoint);
    expect(await labelStatus(replica.http!.url, "RPL-B1999")).toBe(200);
  });

  it("refuses writes with UNAVAILABLE naming the read-only rule, and writes nothing", async () => {
    await reaches(replica.registry.view, primary.registry.view.size);
    const before = replica.registry.view.size;
    const err = await replica.registry
      .submit(sign(issuer, labelIssued("to-replica", "RPL", "NOPE"), replica.registry.origin))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(err).toMatchObject({ code: "UNAVAILABLE", rule: "read-only" });
    expect(replica.registry.view.size).toBe(before);
    expect(primary.registry.view.size).toBe(before);
  });
});
