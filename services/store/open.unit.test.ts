// `labelreg serve --store ...` flags, holder ids and the fenced connection string.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { newHolderId } from "./lease.js";
import { StoreConfigError, storeSpecFromFlags } from "./open.js";
import { fencedConnectionString } from "./postgres-lease.js";

describe("storeSpecFromFlags", () => {
  it("defaults to SQLite and infers the kind from a connection string", () => {
    expect(storeSpecFromFlags({})).toEqual({ kind: "sqlite" });
    expect(storeSpecFromFlags({ postgresUrl: "postgresql://u@h/db" })).toEqual({
      kind: "postgres",
      url: "postgresql://u@h/db",
    });
    expect(storeSpecFromFlags({ store: "postgres", postgresUrl: "postgres://h/db", postgresSchema: "reg2" })).toEqual({
      kind: "postgres",
      url: "postgres://h/db",
      schema: "reg2",
    });
    expect(storeSpecFromFlags({ kurrentdb: "kurrentdb://a,b,c?nodePreference=leader", kurrentdbPrefix: "cn" })).toEqual(
      {
        kind: "kurrentdb",
        url: "kurrentdb://a,b,c?nodePreference=leader",
        prefix: "cn",
      },
    );
  });

  it("names the missing or stray flag", () => {
    const cases: [Parameters<typeof storeSpecFromFlags>[0], RegExp][] = [
      [{ store: "postgres" }, /needs --postgres-url/],
      [{ store: "kurrentdb" }, /needs --kurrentdb/],
      [{ store: "mysql" }, /sqlite, postgres or kurrentdb/],
      [{ store: "sqlite", postgresUrl: "postgresql://h/db" }, /--postgres-url does not go with --store sqlite/],
      [{ store: "postgres", postgresUrl: "postgresql://h/db", kurrentdb: "kurrentdb://h" }, /--kurrentdb does not go/],
      [
        { store: "kurrentdb", kurrentdb: "kurrentdb://h", postgresUrl: "postgresql://h/db" },
        /--postgres-url does not go/,
      ],
      [{ store: "postgres", postgresUrl: "mysql://h/db" }, /postgresql:\/\/ URL/],
      [{ store: "kurrentdb", kurrentdb: "http://h:2113" }, /kurrentdb:\/\//],
      [{ leaseTtlMs: "3000" }, /--lease-ttl-ms does not go with --store sqlite/],
      [{ kurrentdb: "kurrentdb://h", leaseTtlMs: "3000" }, /--lease-ttl-ms does not go with --store kurrentdb/],
      ...["499", "60001", "1e3", "-1", "3000.5", "", " 3000", "abc"].map(
        (v): [Parameters<typeof storeSpecFromFlags>[0], RegExp] => [
          { postgresUrl: "postgresql://h/db", leaseTtlMs: v },
          /--lease-ttl-ms must be a whole number of milliseconds from 500 to 60000/,
        ],
      ),
    ];
    for (const [flags, message] of cases)
      expect(() => storeSpecFromFlags(flags), JSON.stringify(flags)).toThrow(message);
    expect(() => storeSpecFromFlags({ store: "x" })).toThrow(StoreConfigError);
  });

  it("takes the PostgreSQL lease's time to live", () => {
    expect(storeSpecFromFlags({ postgresUrl: "postgresql://h/db", leaseTtlMs: "500" })).toEqual({
      kind: "postgres",
      url: "postgresql://h/db",
      leaseTtlMillis: 500,
    });
    expect(storeSpecFromFlags({ postgresUrl: "postgresql://h/db", leaseTtlMs: "60000" })).toEqual({
      kind: "postgres",
      url: "postgresql://h/db",
      leaseTtlMillis: 60_000,
    });
    fc.assert(
      fc.property(fc.string({ maxLength: 10 }), (v) => {
        try {
          const spec = storeSpecFromFlags({ postgresUrl: "postgresql://h/db", leaseTtlMs: v });
          expect(spec).toEqual({ kind: "postgres", url: "postgresql://h/db", leaseTtlMillis: Number(v) });
          expect(Number(v)).toBeGreaterThanOrEqual(500);
        } catch (e) {
          expect(e).toBeInstanceOf(StoreConfigError);
        }
      }),
    );
  });
});

describe("holder ids and the fence's session setting", () => {
  it("a holder id is safe in a startup option whatever the host name", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), fc.nat(), fc.string({ maxLength: 12 }), (host, pid, random) => {
        const id = newHolderId(host, pid, random);
        expect(id).toMatch(/^[A-Za-z0-9_.-]{1,60}$/);
        const url = new URL(fencedConnectionString("postgresql://u@127.0.0.1:5432/db", id));
        expect(url.searchParams.get("options")).toBe(`-c labelreg.sequencer=${id}`);
      }),
    );
  });

  it("keeps other startup options and refuses unsafe holder ids", () => {
    const url = new URL(
      fencedConnectionString("postgresql://u@h/db?options=-c%20search_path%3Dx&sslmode=disable", "node-1"),
    );
    expect(url.searchParams.get("options")).toBe("-c search_path=x -c labelreg.sequencer=node-1");
    expect(url.searchParams.get("sslmode")).toBe("disable");
    for (const bad of ["", "a b", "x;DROP", "a".repeat(61), "é"])
      expect(() => fencedConnectionString("postgresql://h/db", bad)).toThrow(RangeError);
  });
});
