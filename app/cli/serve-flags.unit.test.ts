// `labelreg serve`'s memory and rebuild-timing flags: what they ask for, and bad values refused
// with a message naming the flag and its rule.
import { describe, expect, it } from "vitest";
import { memoryOptions, type MemoryFlags } from "./serve-flags.js";

const MB = 1024 * 1024;

describe("serve's memory and rebuild flags", () => {
  it("gives only the options asked for, caches in bytes", () => {
    expect(memoryOptions({})).toEqual({});
    expect(memoryOptions({ mapCacheMb: "64", stateCacheMb: "32", tileCacheMb: "1024", readCacheMb: "1" })).toEqual({
      mapCacheBytes: 64 * MB,
      stateCacheBytes: 32 * MB,
      tileCacheBytes: 1024 * MB,
      readCacheBytes: MB,
    });
    expect(memoryOptions({ rebuildHeartbeatMs: "500" })).toEqual({ stateRebuildTiming: { heartbeatMs: 500 } });
    expect(memoryOptions({ rebuildStaleMs: "60000" })).toEqual({ stateRebuildTiming: { staleAfterMs: 60_000 } });
    expect(memoryOptions({ rebuildHeartbeatMs: "1000", rebuildStaleMs: "2000" })).toEqual({
      stateRebuildTiming: { heartbeatMs: 1000, staleAfterMs: 2000 },
    });
  });

  it("refuses bad values, naming the flag and the rule", () => {
    const cases: [MemoryFlags, RegExp][] = [
      ...["0", "-1", "1.5", "", "1e3", " 64", "abc", "64MB"].flatMap((v): [MemoryFlags, RegExp][] => [
        [{ stateCacheMb: v }, /--state-cache-mb must be a positive whole number/],
        [{ tileCacheMb: v }, /--tile-cache-mb must be a positive whole number/],
        [{ readCacheMb: v }, /--read-cache-mb must be a positive whole number/],
        [{ mapCacheMb: v }, /--map-cache-mb must be a positive whole number/],
        [{ rebuildHeartbeatMs: v }, /--rebuild-heartbeat-ms must be a positive whole number/],
        [{ rebuildStaleMs: v }, /--rebuild-stale-ms must be a positive whole number/],
      ]),
      [{ stateCacheMb: "1048577" }, /--state-cache-mb must be at most 1048576 MiB/],
      [{ tileCacheMb: "99999999" }, /--tile-cache-mb must be at most 1048576 MiB/],
      [{ rebuildHeartbeatMs: "600001" }, /--rebuild-heartbeat-ms must be at most 600000 ms/],
      [{ rebuildStaleMs: "3600001" }, /--rebuild-stale-ms must be at most 3600000 ms/],
      [
        { rebuildHeartbeatMs: "1000", rebuildStaleMs: "1999" },
        /--rebuild-stale-ms \(1999\) must be at least 2 times --rebuild-heartbeat-ms \(1000\)/,
      ],
      // Against the other's default.
      [{ rebuildHeartbeatMs: "20000" }, /--rebuild-stale-ms \(30000, the default\) must be at least 2 times/],
      [{ rebuildStaleMs: "3000" }, /--rebuild-heartbeat-ms \(2000, the default\)/],
      // The flag the byte budget replaced names its replacement.
      [{ stateCacheRecords: "100000" }, /--state-cache-records is no longer a flag.*--state-cache-mb/],
    ];
    for (const [flags, message] of cases) expect(() => memoryOptions(flags), JSON.stringify(flags)).toThrow(message);
  });
});
