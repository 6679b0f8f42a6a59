// Where the write path makes a change durable (the seam between the directory and its storage).
// The default keeps the openvocs files (persistence.ts); a replicated store (src/control/nats) keeps
// the directory in JetStream so that several backends share one, and reports their changes back.
import type { DirectoryModel, Scope, ScopeData, ScopeKind } from './model.js';
import { createScope, readDirectory, removeScope, writeScope } from './persistence.js';

/** A change another writer made durable: `data` null = the scope was removed. */
export interface RemoteScopeChange {
  kind: ScopeKind;
  id: string;
  domainId: string;
  data: ScopeData | null;
}

type ScopeRef = Pick<Scope, 'kind' | 'id' | 'domainId'>;

export interface DirectoryStore {
  load(): Promise<DirectoryModel>;
  /** Each resolves once the change is durable; throws StorageError (or DirectoryChangeError on a conflict). */
  write(scope: ScopeRef, data: ScopeData): Promise<void>;
  create(scope: ScopeRef, data: ScopeData): Promise<void>;
  /** Returns an error when only a cleanup after the durable removal failed. */
  remove(scope: Scope): Promise<Error | undefined>;
  /** Changes by other writers, in order; `apply` resolves once the directory shows the change. */
  follow?(apply: (change: RemoteScopeChange) => Promise<void>): () => void;
}

export function fileDirectoryStore(root: string): DirectoryStore {
  return {
    load: () => readDirectory(root),
    write: (scope, data) => writeScope(root, scope, data),
    create: (scope, data) => createScope(root, scope, data),
    remove: (scope) => removeScope(root, scope),
  };
}
