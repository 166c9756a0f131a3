// A registry that trusts nothing it reads back: start-ups over SQLite stores changed behind its
// back (an entry, a torn restore, an older copy, a lost or swapped key), and the background
// scrub finding a change made while it serves.
import { execFile } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { bytesEqual } from "../../log/bytes.js";
import { cosigner } from "../../log/cosignature.js";
import { generateSignerKey, parseVerifierKey } from "../../log/note-keys.js";
import { categoryPublished, issuerAccredited, issuerKey, labelIssued, sign } from "../../test/statement-kit.js";
import { readSignerKeyFile } from "../config/key-files.js";
import { RegistryError } from "../sequencer/errors.js";
import {
  devAuthorityKeyPath,
  logKeyPath,
  startRegistry,
  type RunningRegistry,
  type ServerConfig,
} from "../../app/server.js";
import { SQLITE_FILE } from "../store/sqlite.js";
import { startWitnessServer } from "../witness/http.js";
import { WitnessState } from "../witness/state.js";
import { Witness } from "../witness/witness.js";
import { fsck } from "./fsck.js";
import { IntegrityError } from "./integrity-error.js";
import { LogKeyError } from "./log-key.js";
import { publishedSizePath } from "./rollback.js";

const root = mkdtempSync(join(tmpdir(), "labelreg-startup-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let dirs = 0;
const newDir = () => join(root, `d${++dirs}`);
const ORIGIN = "test.example/startup";

function start(dataDir: string, extra: Partial<ServerConfig> = {}): Promise<RunningRegistry> {
  return startRegistry({
    dataDir,
    grpcAddress: "127.0.0.1:0",
    origin: ORIGIN,
    batch: { lingerMs: 1 },
    scrubEntriesPerSecond: 0,
    ...extra,
  });
}

const issuer = issuerKey(77);
const impostor = issuerKey(78);

/** A log of `labels + 2` entries: a category (0), an accreditation of `issuer` (1), labels. */
async function populate(dataDir: string, labels = 3, extra: Partial<ServerConfig> = {}): Promise<void> {
  const r = await start(dataDir, extra);
  try {
    const authority = readSignerKeyFile(devAuthorityKeyPath(dataDir));
    if (r.registry.view.size === 0) {
      await r.registry.submit(sign(authority, categoryPublished("cat"), ORIGIN));
      await r.registry.submit(sign(authority, issuerAccredited("acc", "TST", issuer), ORIGIN));
    }
    const from = r.registry.view.size;
    for (let n = from; n < from + labels; n++)
      await r.registry.submit(sign(issuer, labelIssued(`l${n}`, "TST", `N${n}`), ORIGIN));
  } finally {
    await r.close();
  }
}

function withDb<T>(dataDir: string, fn: (db: Database.Database) => T): T {
  const db = new Database(join(dataDir, SQLITE_FILE));
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function replaceBytes(haystack: Uint8Array, needle: Uint8Array, by: Uint8Array): Uint8Array {
  for (let i = 0; i + needle.length <= haystack.length; i++) {
    if (bytesEqual(haystack.subarray(i, i + needle.length), needle)) {
      const out = haystack.slice();
      out.set(by, i);
      return out;
    }
  }
  throw new Error("needle not found");
}

/** The attack: the accreditation entry now names another public key. */
function swapAccreditedKey(dataDir: string): void {
  withDb(dataDir, (db) => {
    const entry = db.prepare<[], Buffer>("SELECT data FROM entries WHERE idx = 2").pluck().get()!;
    db.prepare("UPDATE entries SET data = ? WHERE idx = 2").run(
      replaceBytes(entry, issuer.publicKey, impostor.publicKey),
    );
  });
}

async function startFailure(dataDir: string, extra: Partial<ServerConfig> = {}): Promise<Error> {
  const e = await start(dataDir, extra).then(
    async (r) => {
      await r.close();
      return undefined;
    },
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(Error);
  return e as Error;
}

function copyStore(from: string, to: string): void {
  for (const f of readdirSync(from)) if (f.startsWith(SQLITE_FILE)) copyFileSync(join(from, f), join(to, f));
}

// Sizes: every write here is a batch of its own, a statement and its map commitment; populate's
// set-up puts the accreditation at index 2.
describe("start-up checks the store against the log's key and tree", () => {
  it("an accreditation entry rewritten to another public key: the start reads no old entry, its scrub names entry 2 at once, fsck names it too", async () => {
    const dir = newDir();
    await populate(dir);
    swapAccreditedKey(dir);
    // Start-up opens from the state tables (it checks the right edge, the newest commitment and
    // the newest batch's rows); the scrub starts from the first entry.
    const r = await start(dir, { scrubEntriesPerSecond: 100_000 });
    try {
      const e = await new Promise<IntegrityError>((res) => r.registry.onIntegrityFailure(res));
      expect(e).toBeInstanceOf(IntegrityError);
      expect(e).toMatchObject({ problem: "tree-mismatch", index: 2 });
      expect(e.message).toContain("entry 2 does not hash");
    } finally {
      await r.close();
    }
    await expect(fsck({ dataDir: dir })).rejects.toMatchObject({ problem: "tree-mismatch", index: 2 });
  });

  it("labelreg fsck: OK on an untouched store, exit 1 naming the entry on a changed one", async () => {
    const dir = newDir();
    await populate(dir, 2);
    const cli = (args: string[]) =>
      promisify(execFile)(
        process.execPath,
        ["--import", "tsx", resolve("app/cli/main.ts"), "fsck", "--data", dir, ...args],
        { encoding: "utf8" },
      ).then(
        (r) => ({ code: 0, out: r.stdout }),
        (x: { code: number; stdout: string; stderr: string }) => ({ code: x.code, out: x.stdout + x.stderr }),
      );
    const ok = await cli([]);
    expect(ok.out).toContain("labelreg fsck: OK: 8 entries");
    expect(ok.out).toContain("map commitments not checked (give --authority-key)");
    expect(ok.code).toBe(0);
    const authorityKey = readSignerKeyFile(devAuthorityKeyPath(dir)).verifierKey;
    const withMap = await cli(["--authority-key", authorityKey]);
    expect(withMap.out).toContain("check out, and every map commitment");
    expect(withMap.code).toBe(0);
    swapAccreditedKey(dir);
    const bad = await cli([]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain("FAILED (tree-mismatch, entry 2)");
  });

  it("entries stored past the latest checkpoint (a torn restore) get a clear start-up error", async () => {
    const dir = newDir();
    await populate(dir, 1);
    withDb(dir, (db) => db.prepare("INSERT INTO entries (idx, data) VALUES (6, x'00'), (7, x'01')").run());
    const e = await startFailure(dir);
    expect(e).toMatchObject({ problem: "entries-beyond-checkpoint" });
    expect(e.message).toContain("holds 2 entries at indexes 6 and above, past its latest checkpoint (size 6)");
    await expect(fsck({ dataDir: dir })).rejects.toMatchObject({ problem: "entries-beyond-checkpoint" });
  });

  it("the background scrub finds an entry changed while serving: sequencing stops, naming the entry; reads go on", async () => {
    const dir = newDir();
    await populate(dir, 3);
    const r = await start(dir, { scrubEntriesPerSecond: 100_000 });
    try {
      const stopped = new Promise<IntegrityError>((res) => r.registry.onIntegrityFailure(res));
      swapAccreditedKey(dir);
      const e = await stopped;
      expect(e).toMatchObject({ problem: "tree-mismatch", index: 2 });
      const refused = await r.registry
        .submit(sign(issuer, labelIssued("after", "TST", "N99"), ORIGIN))
        .catch((x: unknown) => x);
      expect(refused).toBeInstanceOf(RegistryError);
      expect(refused).toMatchObject({ code: "DATA_LOSS", rule: "integrity-failure" });
      expect((refused as Error).message).toContain("entry 2");
      expect(r.registry.view.state.issuers.size).toBeGreaterThan(0);
    } finally {
      await r.close();
    }
  });
});

describe("the log key and the store", () => {
  it("a missing log.key on a store that holds a log is refused, never replaced by a new key", async () => {
    const dir = newDir();
    await populate(dir, 1);
    unlinkSync(logKeyPath(dir));
    const e = await startFailure(dir);
    expect(e).toBeInstanceOf(LogKeyError);
    expect(e.message).toMatch(
      /log\.key is missing, but the store holds a log \(size 6, checkpoint signed by test\.example\/startup\+[0-9a-f]{8}\)/,
    );
    expect(existsSync(logKeyPath(dir))).toBe(false);
  });

  it("another log's key is refused with the key ids of both", async () => {
    const dir = newDir();
    await populate(dir, 1);
    unlinkSync(logKeyPath(dir));
    writeFileSync(logKeyPath(dir), generateSignerKey(ORIGIN).signerKey + "\n", { mode: 0o600 });
    const e = await startFailure(dir);
    expect(e).toBeInstanceOf(LogKeyError);
    expect(e.message).toContain("does not verify the store's latest checkpoint");
  });

  it("an empty or damaged log.key is a clear error, not a new key", async () => {
    const dir = newDir();
    await populate(dir, 1);
    writeFileSync(logKeyPath(dir), "", { mode: 0o600 });
    expect((await startFailure(dir)).message).toContain("the key file is empty");
    writeFileSync(logKeyPath(dir), "PRIVATE+KEY+test.example/startup+0000", { mode: 0o600 });
    const e = await startFailure(dir);
    expect(e.message).toContain("not a signer key string");
  });

  it("a new store gets a new log key, written whole with mode 0600 and its .pub", async () => {
    const dir = newDir();
    const r = await start(dir);
    await r.close();
    expect(statSync(logKeyPath(dir)).mode & 0o777).toBe(0o600);
    expect(readSignerKeyFile(logKeyPath(dir)).verifierKey).toBe(r.logVerifierKey);
    expect(readdirSync(dir).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("a read replica takes the verifier key only: without --log-key it is refused; a private key there is not echoed", async () => {
    const dir = newDir();
    await populate(dir, 1);
    const pub = readSignerKeyFile(logKeyPath(dir)).verifierKey;
    expect((await startFailure(dir, { readOnly: true })).message).toContain("needs the log's verifier key: --log-key");
    const privateKey = generateSignerKey(ORIGIN).signerKey;
    const e = await startFailure(dir, { readOnly: true, logKey: privateKey });
    // The secret is the base64 after PRIVATE+KEY+<name>+<id>+ (base64 may itself hold a "+").
    const secret = privateKey.split("+").slice(4).join("+");
    expect(secret.length).toBeGreaterThan(40);
    expect(e.message).not.toContain(secret);
    expect(e.message).toContain("a private signer key");
    // With the verifier key it serves, and never reads log.key (here: gone).
    unlinkSync(logKeyPath(dir));
    const replica = await start(dir, { readOnly: true, logKey: pub });
    try {
      expect(replica.registry.view.size).toBe(6);
      expect(replica.logVerifierKey).toBe(pub);
    } finally {
      await replica.close();
    }
    // A verifier key of another log is refused.
    const other = generateSignerKey(ORIGIN).verifierKey;
    expect(await startFailure(dir, { readOnly: true, logKey: other })).toBeInstanceOf(LogKeyError);
  });
});

describe("rollback of the store", () => {
  it("an older copy of the store is refused at start-up; --accept-rollback starts it", async () => {
    const dir = newDir();
    const backup = newDir();
    await populate(dir, 1);
    const { mkdirSync } = await import("node:fs");
    mkdirSync(backup);
    copyStore(dir, backup);
    await populate(dir, 2);
    copyStore(backup, dir);
    const e = await startFailure(dir);
    expect(e).toMatchObject({ problem: "rollback" });
    expect(e.message).toContain("the store's log has size 6, behind size 10 that this registry already published");
    expect(e.message).toContain("--accept-rollback");
    const r = await start(dir, { acceptRollback: true });
    await r.close();
    // Accepted: the record now follows the restored store.
    const again = await start(dir);
    expect(again.registry.view.size).toBe(6);
    await again.close();
  });

  it("a store with another history at the recorded size is refused", async () => {
    const dir = newDir();
    await populate(dir, 1);
    const record = JSON.parse((await import("node:fs")).readFileSync(publishedSizePath(dir), "utf8")) as {
      size: number;
    };
    expect(record.size).toBe(6);
    writeFileSync(publishedSizePath(dir), JSON.stringify({ ...record, root: "00".repeat(32) }));
    const e = await startFailure(dir);
    expect(e).toMatchObject({ problem: "rollback" });
    expect(e.message).toContain("does not extend the root");
  });

  it("a witness that cosigned a larger size refuses the start, even without the record", async () => {
    const dir = newDir();
    const backup = newDir();
    const witnessDir = newDir();
    const { mkdirSync } = await import("node:fs");
    mkdirSync(backup);
    mkdirSync(witnessDir);
    const key = cosigner("witness.test/startup", new Uint8Array(32).fill(5));
    const first = await start(dir);
    const logKey = first.logVerifierKey;
    await first.close();
    const state = new WitnessState(witnessDir);
    const server = await startWitnessServer(new Witness({ cosigner: key, logs: [parseVerifierKey(logKey)], state }));
    try {
      const witnessing = {
        witnesses: [{ url: server.url, verifierKey: key.verifierKey }],
        required: 1,
        timeoutMs: 5000,
      };
      await populate(dir, 1, { witnessing });
      copyStore(dir, backup);
      await populate(dir, 2, { witnessing });
      copyStore(backup, dir);
      unlinkSync(publishedSizePath(dir));
      const e = await startFailure(dir, { witnessing });
      expect(e).toMatchObject({ problem: "rollback" });
      expect(e.message).toContain(
        `witness ${server.url} cosigned size 10 of this log, but the store holds only size 6`,
      );
    } finally {
      await server.close();
      state.close();
    }
  });
});
