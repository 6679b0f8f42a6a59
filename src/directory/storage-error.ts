// A durable write that failed (read-only or full disk, permissions): nothing was changed, in memory or
// on disk. Answered as error 1000 `storageFailed` (docs/operations.md "Files").
export class StorageError extends Error {
  constructor(
    readonly file: string,
    override readonly cause: unknown,
  ) {
    super(`cannot write ${file}: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'StorageError';
  }
}
