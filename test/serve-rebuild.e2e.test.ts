// `labelreg serve` and its state tables, through the built CLI on a real SQLite data directory:
// `--rebuild` rebuilds them from the log before serving and says so; an upgraded directory
// (tables created empty and marked as needing a rebuild), and one whose tables claim to be in step
// but lack the newest batch's rows, are rebuilt at start-up by themselves, with a log line saying
// why; a directory in step starts without a rebuild. After each start the rows are those a
// rebuild writes.
import Database from "better-sqlite3";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SQLITE_FILE, openSqliteStore } from "../services/store/sqlite.js";
import { auditState } from "./crash-audit.js";
import { Connection, submitOnce } from "./issuance-load.js";
import { startRegistryChild, type RegistryChild } from "./registry-child.js";
import { categoryPublished, issuerAccredited, issuerKey, labelIssued, sign } from "./statement-kit.js";

const dir = mkdtempSync(join(tmpdir(), "labelreg-serve-rebuild-"));
const dataDir = join(dir, "data");
let server: RegistryChild | undefined;
afterAll(async () => {
  await server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const REBUILDING = "rebuilding the state tables from the log";

/** Starts the server, sends `statements` (signed by the authority or the issuer), stops it. */
async function serve(args: string[], statements: (s: RegistryChild) => Parameters<typeof submitOnce>[1][] = () => []) {
  server = await startRegistryChild({ dataDir, args });
  const conn = new Connection();
  conn.set(server.address);
  const client = await conn.get();
  for (const signed of statements(server)) await submitOnce(client, signed);
  conn.clear();
  const out = server.stdout();
  const authority = server.authority.publicKey;
  await server.stop();
  server = undefined;
  const store = await openSqliteStore({ dir: dataDir });
  try {
    expect(await auditState(store, authority)).toBeGreaterThan(0);
  } finally {
    await store.close();
  }
  return out;
}

function sql(statements: string): void {
  const db = new Database(join(dataDir, SQLITE_FILE));
  try {
    db.exec(statements);
  } finally {
    db.close();
  }
}

const issuer = issuerKey(4242);
let serial = 0;
const label = (s: RegistryChild) => sign(issuer, labelIssued(`l-${++serial}`, "REBUILD", `${serial}`), s.origin);

describe("serve and the state tables", () => {
  it("rebuilds them with --rebuild, after an upgrade, and when the newest rows are missing; not when in step", async () => {
    const first = await serve([], (s) => [
      sign(s.authority, categoryPublished("cat"), s.origin),
      sign(s.authority, issuerAccredited("acc", "REBUILD", issuer), s.origin),
      label(s),
      label(s),
    ]);
    expect(first).not.toContain(REBUILDING);

    // In step: a restart serves from the tables as they are.
    expect(await serve([], (s) => [label(s)])).not.toContain(REBUILDING);

    // Asked to: it rebuilds, says why and how far it got, then serves and sequences.
    const asked = await serve(["--rebuild"], (s) => [label(s)]);
    expect(asked).toContain(REBUILDING);
    expect(asked).toContain("asked to (--rebuild)");
    expect(asked).toMatch(/"msg":"labelreg: state rebuild","phase":"write"/);

    // An upgrade: the state tables created empty beside the log, marked as needing a rebuild.
    sql("DELETE FROM state_rows; DELETE FROM map_nodes; DELETE FROM map_values; UPDATE state_meta SET rebuild = 1;");
    const upgraded = await serve([], (s) => [label(s)]);
    expect(upgraded).toContain(REBUILDING);
    expect(upgraded).toContain("marked as needing a rebuild");

    // Tables that claim to be in step but lack rows (written by a build that wrote none).
    sql("DELETE FROM state_rows;");
    const empty = await serve([]);
    expect(empty).toContain(REBUILDING);
    expect(empty).toContain("the newest batch's rows fail the start-up check");

    expect(await serve([])).not.toContain(REBUILDING);
  });
});
