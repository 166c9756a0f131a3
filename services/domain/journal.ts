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

/**
 * A Map whose set and delete are undoable through a Journal. Values must be treated as
 * immutable: a change replaces the value (the journal keeps the old one), never edits it.
 */
export class JournaledMap<K, V> extends Map<K, V> {
  constructor(protected readonly journal: Journal) {
    super();
  }

  override set(key: K, value: V): this {
    // Map's constructor calls set before the journal field exists; it is called with no entries.
    if (this.journal?.open) {
      if (super.has(key)) {
        const old = super.get(key) as V;
        this.journal.record(() => super.set(key, old));
      } else this.journal.record(() => super.delete(key));
    }
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    if (!super.has(key)) return false;
    if (this.journal.open) {
      const old = super.get(key) as V;
      this.journal.record(() => super.set(key, old));
    }
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
