// Wrappers that watch, delay or replace some steps of a store's state tables, for tests of what
// runs over them (a rebuild, a start-up) while keeping every other call the store's own.
import type { LogStore } from "../../services/store/port.js";
import type { StateTables } from "../../services/store/state.js";

/** `store` with its state tables replaced by `tables` (a wrapper that watches or delays steps). */
export function withTables(store: LogStore, tables: StateTables): LogStore {
  return overridingStore(store, { state: tables });
}

/** `store` with `overrides` in place of some of its members. */
export function overridingStore(store: LogStore, overrides: Partial<LogStore>): LogStore {
  return overridden(store, overrides);
}

/** `tables` with `overrides` in place of some of its steps. */
export function overriding(tables: StateTables, overrides: Partial<StateTables>): StateTables {
  return overridden(tables, overrides);
}

function overridden<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(t, p) {
      if (p in overrides) return overrides[p as keyof T];
      const v = Reflect.get(t, p) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    },
  });
}
