import { existsSync } from "node:fs";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { findPostgresBin, startPostgres } from "./postgres.js";

async function scalar(url: string, sql: string): Promise<unknown> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query(sql);
    const row = result.rows[0] as Record<string, unknown> | undefined;
    return row === undefined ? undefined : Object.values(row)[0];
  } finally {
    await client.end();
  }
}

describe("test/postgres: throwaway cluster", () => {
  it("finds the newest installed server and refuses a missing one with the install hint", () => {
    expect(findPostgresBin()).toMatch(/^\/usr\/lib\/postgresql\/\d+(\.\d+)?\/bin$/);
    expect(() => findPostgresBin("/nonexistent")).toThrow(/apt-get install .*postgresql/);
  });

  it("starts on loopback with fsync on, gives separate databases, survives a kill, and is removed", async () => {
    const cluster = await startPostgres();
    try {
      expect(cluster.port).toBeGreaterThan(0);
      const a = await cluster.createDatabase("harness");
      const b = await cluster.createDatabase("harness");
      expect(a).not.toBe(b);
      expect(await scalar(a, "SHOW fsync")).toBe("on");
      expect(await scalar(a, "SHOW synchronous_commit")).toBe("on");
      expect(await scalar(a, "SHOW listen_addresses")).toBe("127.0.0.1");

      await scalar(a, "CREATE TABLE t AS SELECT 42 AS v");
      await cluster.kill();
      expect(await cluster.running()).toBe(false);
      await expect(scalar(a, "SELECT 1")).rejects.toThrow();
      await cluster.start();
      expect(await scalar(a, "SELECT v FROM t")).toBe(42);
    } finally {
      await cluster.destroy();
    }
    expect(existsSync(cluster.dir)).toBe(false);
    await cluster.destroy(); // idempotent
  });
});
