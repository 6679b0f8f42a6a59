// JetStream writes that survive a node dying under them, and never overwrite a change they did not see.
//
// Conditional on the whole bucket: each write expects the stream's last sequence to be the last one
// this writer saw (`Nats-Expected-Last-Sequence`). The per-key condition (`Expected-Last-Subject-
// Sequence`, what kv.update uses) is not enough on nats-server 2.9 clusters: two concurrent updates
// of one key can both be accepted (measured: 6 of 30 races; the stream-wide check: 0 of 30).
// When the stream moved on because of another key, the write is tried again at the new sequence;
// when the key itself moved on, it is a conflict. A write whose acknowledgement was lost may still
// have been stored: the key is read back, and our own value there means our write went in.
import { headers, NatsError, type JetStreamClient, type KV, type KvEntry } from 'nats';

export class ConcurrentChangeError extends Error {
  constructor(readonly key: string) {
    super(`"${key}" was changed by another writer at the same time`);
    this.name = 'ConcurrentChangeError';
  }
}

/** The sequence the stream is really at, from JetStream error 10071 ("wrong last sequence: N"). */
export function wrongLastSequence(err: unknown): number | undefined {
  if (!(err instanceof NatsError)) return undefined;
  const match = /wrong last sequence: (\d+)/i.exec(err.api_error?.description ?? err.message);
  return match ? Number(match[1]) : undefined;
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((v, i) => v === b[i]);

export interface KvTarget {
  js: JetStreamClient;
  kv: KV;
  bucket: string;
}

export interface WriteExpectation {
  /** The key's revision as the writer knows it (0: absent or deleted). */
  keyRevision: number;
  /** The bucket's last sequence as the writer knows it. */
  streamSequence: number;
}

export interface RetryPolicy {
  deadlineMs: number;
  pauseMs: number;
  /** Per attempt. */
  timeoutMs: number;
}

/** nats-server elects a new stream leader after 4–9 s without heartbeats (measured stalls: 4–7 s): wait that out. */
export const DEFAULT_KV_RETRY: RetryPolicy = { deadlineMs: 12_000, pauseMs: 100, timeoutMs: 1500 };

/** Ours already in place (lost acknowledgement), someone else's (conflict), or unchanged (undefined). */
function judge(key: string, current: KvEntry | null, value: Uint8Array | null, expected: WriteExpectation): number | undefined {
  const revision = current?.revision ?? 0;
  if (revision <= expected.keyRevision) return undefined;
  const ours = value === null ? current?.operation !== 'PUT' : current?.operation === 'PUT' && sameBytes(current.value, value);
  if (ours) return revision;
  throw new ConcurrentChangeError(key);
}

/** Writes (or deletes, value null) `key`; resolves with its new revision once the cluster acknowledged it. */
export async function durableKvWrite(target: KvTarget, key: string, value: Uint8Array | null, expected: WriteExpectation, policy = DEFAULT_KV_RETRY): Promise<number> {
  const deadline = Date.now() + policy.deadlineMs;
  let streamSequence = expected.streamSequence;
  let uncertain = false;
  let lastError: unknown = new Error(`cannot write ${key}`);
  while (Date.now() < deadline) {
    try {
      if (uncertain) {
        // An earlier attempt may have gone in without us hearing the acknowledgement.
        const settled = judge(key, await target.kv.get(key), value, expected);
        if (settled !== undefined) return settled;
      }
      const h = headers();
      h.set('Nats-Expected-Last-Sequence', String(streamSequence));
      if (value === null) h.set('KV-Operation', 'DEL');
      const ack = await target.js.publish(`$KV.${target.bucket}.${key}`, value ?? new Uint8Array(), { headers: h, timeout: policy.timeoutMs });
      return ack.seq;
    } catch (err) {
      if (err instanceof ConcurrentChangeError) throw err;
      lastError = err;
      const actual = wrongLastSequence(err);
      if (actual !== undefined) {
        uncertain = true;
        streamSequence = actual;
        continue;
      }
      uncertain = true;
      await new Promise((resolve) => setTimeout(resolve, policy.pauseMs));
    }
  }
  throw lastError;
}
