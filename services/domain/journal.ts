// An undo log for the projected state. The sequencer checks and applies a batch of statements
// to the live state (so each statement sees the earlier ones of its batch), then commits the
// batch to the store; if that fails it rolls the state back to where the batch began.

/** Records how to undo each mutation made while a transaction is open. */
export class Journal {
  private undo: (() => void)[] | undefined;

  /** Opens a transaction. Transactions do not nest. */
  begin(): void {
    if (this.undo) throw new Error("journal: a transaction is already open");
    this.undo = [];
  }

  /** Keeps every mutation since begin() and closes the transaction. */
  commit(): void {
    if (!this.undo) throw new Error("journal: no open transaction");
    this.undo = undefined;
  }

  /** Undoes every mutation since begin(), newest first, and closes the transaction. */
  rollback(): void {
    const undo = this.undo;
    if (!undo) throw new Error("journal: no open transaction");
    this.undo = undefined;
    for (let i = undo.length - 1; i >= 0; i--) undo[i]!();
  }

  get open(): boolean {
    return this.undo !== undefined;
  }

  /** Called before a mutation with the function that reverts it; a no-op outside a transaction. */
  record(revert: () => void): void {
    this.undo?.push(revert);
  }
}

/** A read of a key a partial map never loaded: the caller forgot to fetch it (a bug, never "absent"). */
export class NotLoadedError extends Error {
  constructor(
    readonly map: string,
    readonly key: unknown,
  ) {
    super(`state: ${map} ${JSON.stringify(String(key))} was read but never loaded`);
    this.name = "NotLoadedError";
  }
}

/**
 * What a partial map counts for a key and its value (undefined: the key is known absent) against
 * its cache's budget: an estimate of the heap they take, in bytes. Cheap (it runs on every change)
 * and the same for the same value, as the total is kept by adding and subtracting it.
 */
export type SizeOf<K, V> = (key: K, value: V | undefined) => number;

/** A partial map without a SizeOf counts each key as 1. */
const countKeys = () => 1;

/**
 * A Map whose set and delete are undoable through a Journal. Values must be treated as
 * immutable: a change replaces the value (the journal keeps the old one), never edits it.
 *
 * A partial map holds part of a table kept in the store: the keys loaded (present, or known to be
 * absent) and what was set or deleted since. Reading any other key throws NotLoadedError, so a
 * rule can never take a key it did not fetch for an absent one. Iterating a partial map sees only
 * what it holds. It keeps the total of `sizeOf` over what it holds (`bytes`), which evictTo()
 * brings down to a budget.
 */
export class JournaledMap<K, V> extends Map<K, V> {
  /** Keys known to be absent (partial maps only). */
  private readonly absent: Set<K> | undefined;
  private total = 0;
  protected readonly sizeOf: SizeOf<K, V>;

  constructor(
    protected readonly journal: Journal,
    /** Set for a partial map: its name, for NotLoadedError. */
    private readonly partialName?: string,
    sizeOf: SizeOf<K, V> = countKeys,
  ) {
    super();
    this.sizeOf = sizeOf;
    if (partialName !== undefined) {
      this.absent = new Set();
      // Only partial maps pay for the check: a complete one reads as a plain Map.
      this.get = this.partialGet;
      this.has = this.partialHas;
    }
  }

  get partial(): boolean {
    return this.absent !== undefined;
  }

  /** What a partial map holds, by its SizeOf (0 for a complete map, which counts nothing). */
  get bytes(): number {
    return this.total;
  }

  /** Whether `key` was loaded (present or known absent); always true for a complete map. */
  isLoaded(key: K): boolean {
    return this.absent === undefined || super.has(key) || this.absent.has(key);
  }

  /**
   * Records what the store holds for `key` (undefined: no row), unless the map already knows the
   * key: what it holds is as new as the store's or newer (set since), so it wins. Outside
   * transactions only; not journaled.
   */
  load(key: K, value: V | undefined): void {
    if (this.journal.open) throw new Error("journal: load inside a transaction");
    if (!this.absent) throw new Error("load on a complete map");
    if (this.isLoaded(key)) return;
    if (value === undefined) this.markAbsent(key);
    else this.hold(key, value);
  }

  /**
   * Forgets the oldest keys (by when each was first loaded or added; those known absent first,
   * they cost a row read to learn again, not a record) until what the map holds is at most
   * `maxBytes`; returns the keys forgotten. Outside transactions only.
   */
  evictTo(maxBytes: number): K[] {
    return this.evictWhile(() => this.total > maxBytes);
  }

  /** Forgets the oldest keys, as evictTo, while `over()`, calling `gone` with each. */
  evictWhile(over: () => boolean, gone?: (key: K) => void): K[] {
    if (this.journal.open) throw new Error("journal: evict inside a transaction");
    const out: K[] = [];
    if (!this.absent) return out;
    for (const k of this.absent) {
      if (!over()) return out;
      this.unmarkAbsent(k);
      out.push(k);
      gone?.(k);
    }
    for (const k of super.keys()) {
      if (!over()) return out;
      this.release(k);
      out.push(k);
      gone?.(k);
    }
    return out;
  }

  /** Forgets `key` (it reads as unknown again). Outside transactions only. */
  forget(key: K): void {
    if (this.journal.open) throw new Error("journal: forget inside a transaction");
    this.release(key);
    if (this.absent) this.unmarkAbsent(key);
  }

  private partialGet(key: K): V | undefined {
    const v = super.get(key);
    if (v === undefined && !this.absent!.has(key) && !super.has(key)) throw new NotLoadedError(this.partialName!, key);
    return v;
  }

  private partialHas(key: K): boolean {
    if (super.has(key)) return true;
    if (this.absent!.has(key)) return false;
    throw new NotLoadedError(this.partialName!, key);
  }

  override set(key: K, value: V): this {
    // Map's constructor calls set before the journal field exists; it is called with no entries.
    const absent = this.absent;
    if (!absent) {
      if (this.journal?.open) {
        if (super.has(key)) {
          const old = super.get(key) as V;
          this.journal.record(() => super.set(key, old));
        } else this.journal.record(() => super.delete(key));
      }
      return super.set(key, value);
    }
    if (this.journal.open) {
      if (super.has(key)) {
        const old = super.get(key) as V;
        this.journal.record(() => this.hold(key, old));
      } else if (absent.has(key)) {
        this.journal.record(() => {
          this.release(key);
          this.markAbsent(key);
        });
      } else this.journal.record(() => this.release(key));
    }
    this.unmarkAbsent(key);
    this.hold(key, value);
    return this;
  }

  override delete(key: K): boolean {
    if (!super.has(key)) {
      if (this.absent && !this.absent.has(key)) throw new NotLoadedError(this.partialName!, key);
      return false;
    }
    const absent = this.absent;
    if (this.journal.open) {
      const old = super.get(key) as V;
      this.journal.record(() => {
        if (absent) {
          this.unmarkAbsent(key);
          this.hold(key, old);
        } else super.set(key, old);
      });
    }
    if (!absent) return super.delete(key);
    this.release(key);
    this.markAbsent(key);
    return true;
  }

  override clear(): void {
    throw new Error("JournaledMap: clear is not undoable");
  }

  /** Adds `bytes` to what a partial map holds: its value at `key` grew in place (JournaledLists). */
  protected grew(bytes: number): void {
    if (this.absent) this.total += bytes;
  }

  // The one place each of a partial map's held keys and absent keys changes, so that the total
  // follows them. Complete maps never get here.
  private hold(key: K, value: V): void {
    if (super.has(key)) this.total -= this.sizeOf(key, super.get(key));
    this.total += this.sizeOf(key, value);
    super.set(key, value);
  }

  private release(key: K): void {
    if (!super.has(key)) return;
    this.total -= this.sizeOf(key, super.get(key));
    super.delete(key);
  }

  private markAbsent(key: K): void {
    if (this.absent!.has(key)) return;
    this.absent!.add(key);
    this.total += this.sizeOf(key, undefined);
  }

  private unmarkAbsent(key: K): void {
    if (this.absent!.delete(key)) this.total -= this.sizeOf(key, undefined);
  }
}

/**
 * A JournaledMap of lists that only grow. append() adds to the list in place, undone by a pop:
 * replacing a long list by a copy one item longer made a manufacturer's thousands of products
 * cost quadratic time. A list returned by get() may grow after it is read (never shrink, outside
 * a rollback): a reader that awaits copies it first. A partial map's SizeOf of a list must be
 * the sum of `itemSize` over its items and a part that does not change as it grows: an append
 * adds the item's size to the total, without summing the list again.
 */
export class JournaledLists<K, T> extends JournaledMap<K, readonly T[]> {
  constructor(
    journal: Journal,
    partialName?: string,
    sizeOf?: SizeOf<K, readonly T[]>,
    private readonly itemSize: (item: T) => number = () => 0,
  ) {
    super(journal, partialName, sizeOf);
  }

  append(key: K, item: T): void {
    const list = this.get(key) as T[] | undefined;
    if (list === undefined) {
      this.set(key, [item]);
      return;
    }
    const bytes = this.itemSize(item);
    list.push(item);
    this.grew(bytes);
    this.journal.record(() => {
      list.pop();
      this.grew(-bytes);
    });
  }
}
