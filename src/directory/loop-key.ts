// A loop's identity across the whole directory. Loop ids are unique only inside a scope (tenant isolation), so
// hub groups, media loops, the SIP gateway and the recorder key loops by scope and id. The key is a branded
// string (cheap as a Map key, stable in logs and files); only this module builds it or reads it back.
import type { ScopeKind } from './model.js';

export type LoopKey = string & { readonly __brand: 'LoopKey' };

export interface LoopKeyParts {
  scopeKind: ScopeKind;
  scopeId: string;
  loopId: string;
}

export function loopKey(scope: { kind: ScopeKind; id: string }, loopId: string): LoopKey {
  return `${scope.kind}/${scope.id}/${loopId}` as LoopKey;
}

/** Ids never contain '/' (idSchema), so the three parts are exact. */
export function loopKeyParts(key: LoopKey): LoopKeyParts {
  const first = key.indexOf('/');
  const last = key.lastIndexOf('/');
  return { scopeKind: key.slice(0, first) as ScopeKind, scopeId: key.slice(first + 1, last), loopId: key.slice(last + 1) };
}

export function loopIdOf(key: LoopKey): string {
  return loopKeyParts(key).loopId;
}
