// A value kept in one durable file, changed only through `update`: each change is applied to a copy,
// the copy is written (temp file + fsync + rename, see atomic-file.ts), and only then does it become
// the value everyone reads. A failed write leaves the value as it was on disk (StorageError).
// Changes requested while a write is in flight are written together in the next one (group commit):
// N concurrent changes cost at most two writes, and each caller resolves once its change is durable.
import { writeFileAtomic } from './atomic-file.js';
import { StorageError } from './storage-error.js';

export interface Codec<T> {
  /** A copy `apply` may change without touching the committed value. */
  copy(value: T): T;
  serialize(value: T): string;
}

interface Pending<T> {
  apply: (draft: T) => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A value whose changes are durable before they are visible: this file, or a replicated store (src/control). */
export interface DurableValue<T> {
  readonly value: T;
  update(apply: (draft: T) => void): Promise<void>;
  flush(): Promise<void>;
}

export class DurableState<T> implements DurableValue<T> {
  private committed: T;
  private pending: Array<Pending<T>> = [];
  private writing = false;

  constructor(
    readonly path: string,
    initial: T,
    private readonly codec: Codec<T>,
  ) {
    this.committed = initial;
  }

  /** The durable value. Read only: change it through `update`. */
  get value(): T {
    return this.committed;
  }

  /** Applies `apply` (which must not throw for valid input) and resolves once the result is durable. */
  update(apply: (draft: T) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ apply, resolve, reject });
      this.kick();
    });
  }

  /** Writes the current value again (admin `save`). */
  flush(): Promise<void> {
    return this.update(() => undefined);
  }

  private kick(): void {
    if (this.writing || this.pending.length === 0) return;
    this.writing = true;
    void this.writeBatch().finally(() => {
      this.writing = false;
      this.kick();
    });
  }

  private async writeBatch(): Promise<void> {
    const batch = this.pending.splice(0);
    let draft: T;
    try {
      draft = this.codec.copy(this.committed);
      for (const op of batch) op.apply(draft);
    } catch (err) {
      for (const op of batch) op.reject(err);
      return;
    }
    try {
      await writeFileAtomic(this.path, this.codec.serialize(draft));
    } catch (err) {
      const failure = new StorageError(this.path, err);
      for (const op of batch) op.reject(failure);
      return;
    }
    this.committed = draft;
    for (const op of batch) op.resolve();
  }
}
