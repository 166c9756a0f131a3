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
 * A Map whose set and delete are undoable through a Journal. Values must be treated as
 * immutable: a change replaces the value (the journal keeps the old one), never edits it.
 *
 * A partial map holds part of a table kept in the store: the keys loaded (present, or known to be
 * absent) and what was set or deleted since. Reading any other key throws NotLoadedError, so a
 * rule can never take a key it did not fetch for an absent one. Iterating a partial map sees only
 * what it holds.
 */
export class JournaledMap<K, V> extends Map<K, V> {
  /** Keys known to be absent (partial maps only). */
  private readonly absent: Set<K> | undefined;

  constructor(
    protected readonly journal: Journal,
    /** Set for a partial map: its name, for NotLoadedError. */
    private readonly partialName?: string,
  ) {
    super();
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

  /** Keys known to be absent (0 for a complete map): what a partial map holds beside its records. */
  get absentCount(): number {
    return this.absent?.size ?? 0;
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
    if (value === undefined) this.absent.add(key);
    else super.set(key, value);
  }

  /**
   * Forgets the oldest loaded keys until at most `keep` remain (present and absent counted
   * apart), oldest first by when each was first loaded or added; returns the keys forgotten.
   * Outside transactions only.
   */
  evict(keep: number): K[] {
    if (this.journal.open) throw new Error("journal: evict inside a transaction");
    const gone: K[] = [];
    if (!this.absent) return gone;
    for (const k of super.keys()) {
      if (super.size <= keep) break;
      super.delete(k);
      gone.push(k);
    }
    for (const k of this.absent) {
      if (this.absent.size <= keep) break;
      this.absent.delete(k);
      gone.push(k);
    }
    return gone;
  }

  /** Forgets `key` (it reads as unknown again). Outside transactions only. */
  forget(key: K): void {
    if (this.journal.open) throw new Error("journal: forget inside a transaction");
    super.delete(key);
    this.absent?.delete(key);
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
    if (this.journal?.open) {
      if (super.has(key)) {
        const old = super.get(key) as V;
        this.journal.record(() => super.set(key, old));
      } else if (absent?.has(key)) {
        this.journal.record(() => {
          super.delete(key);
          absent.add(key);
        });
      } else this.journal.record(() => super.delete(key));
    }
    absent?.delete(key);
    return super.set(key, value);
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
        absent?.delete(key);
        super.set(key, old);
      });
    }
    absent?.add(key);
    return super.delete(key);
  }

  override clear(): void {
    throw new Error("JournaledMap: clear is not undoable");
  }
}

/**
 * A JournaledMap of lists that only grow. append() adds to the list in place, undone by a pop:
 * replacing a long list by a copy one item longer made a manufacturer's thousands of products
 * cost quadratic time. A list returned by get() may grow after it is read (never shrink, outside
 * a rollback): a reader that awaits copies it first.
 */
export class JournaledLists<K, T> extends JournaledMap<K, readonly T[]> {
  append(key: K, item: T): void {
    const list = this.get(key) as T[] | undefined;
    if (list === undefined) {
      this.set(key, [item]);
      return;
    }
    list.push(item);
    this.journal.record(() => list.pop());
  }
}
