// The recording keys: the current one seals new files, old ones (after a rotation) still open the
// files they sealed. A key is 32 bytes, written as 64 hex digits or base64; its id (a hash, never the
// key) goes into each file's header so a reader picks the right key. Keys are never logged.
import { createHash } from 'node:crypto';

export interface RecordingKey {
  /** 8 bytes: SHA-256 of a label and the key, truncated; names the key without revealing it. */
  id: Buffer;
  key: Buffer;
}

export interface RecordingKeys {
  /** Seals new files; undefined = files are written as plain Ogg Opus. */
  current: RecordingKey | undefined;
  /** Every key that may open a file (current first), by hex id. */
  byId: ReadonlyMap<string, RecordingKey>;
}

export const NO_KEYS: RecordingKeys = { current: undefined, byId: new Map() };

/** 32 bytes from hex or base64 (standard or url-safe); throws without echoing the value. */
export function parseKey(text: string, what: string): Buffer {
  const t = text.trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(t)) key = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) key = Buffer.from(t, 'base64');
  if (key?.length !== 32) throw new Error(`${what}: must be 32 bytes as 64 hex digits or base64`);
  return key;
}

export function keyId(key: Buffer): Buffer {
  return createHash('sha256').update('loopcast recording key id\0').update(key).digest().subarray(0, 8);
}

export function recordingKeys(current: string | undefined, old: readonly string[] = []): RecordingKeys {
  const byId = new Map<string, RecordingKey>();
  const add = (text: string, what: string): RecordingKey => {
    const key = parseKey(text, what);
    const k = { id: keyId(key), key };
    if (!byId.has(k.id.toString('hex'))) byId.set(k.id.toString('hex'), k);
    return k;
  };
  const cur = current === undefined ? undefined : add(current, 'recorder.encryptionKey');
  old.forEach((text, i) => add(text, `recorder.oldEncryptionKeys[${i}]`));
  return { current: cur, byId };
}
