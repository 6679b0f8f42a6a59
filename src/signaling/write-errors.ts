// How refused and failed writes of the stores reach the client: a refused change is 1008
// `invalidChange` naming the JSON path; a write the disk did not take is 1000 `storageFailed`
// (docs/operations.md "Files"). Either way nothing was changed.
import { StorageError } from '../directory/storage-error.js';
import { DirectoryChangeError } from '../directory/validation.js';
import { ProtocolError } from '../protocol/errors.js';

/** The reply for a store error, or undefined for anything else. `ref` ties the reply to the log line. */
export function writeErrorReply(err: unknown, ref: string): ProtocolError | undefined {
  if (err instanceof DirectoryChangeError) {
    return ProtocolError.named('invalidChange', `invalid change: ${err.message}`, err.path ? { field: err.path } : {});
  }
  if (err instanceof StorageError) return ProtocolError.named('storageFailed', `the change could not be stored; nothing was changed (ref ${ref})`);
  return undefined;
}
