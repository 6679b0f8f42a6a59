// The sealed recording format (pure, no I/O). A file is a 32-byte header — magic, version, the key's
// id and a random file id — followed by chunks, each sealed on its own with AES-256-GCM so a crash
// loses at most the chunk being written:
//   u32 plaintext length | u8 flags (1 = final) | 12-byte random nonce | ciphertext | 16-byte tag
// The additional data is the header, the chunk's index and its flags: a chunk cannot be moved to
// another place or file, and a closed file ends with a final chunk, so cutting it short is noticed.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { RecordingKey, RecordingKeys } from './keys.js';

export const SEALED_MAGIC = Buffer.from('LCSEAL', 'latin1');
const VERSION = 1;
export const HEADER_BYTES = 32;
const CHUNK_HEAD = 4 + 1 + 12;
const TAG = 16;
/** Larger than any flush (a flush is at most a few seconds of one talker); more is corruption. */
const MAX_CHUNK = 16 * 1024 * 1024;
const FINAL = 1;

export class SealedRecordingError extends Error {
  override name = 'SealedRecordingError';
}

export function isSealed(buf: Buffer): boolean {
  return buf.length >= SEALED_MAGIC.length && buf.subarray(0, SEALED_MAGIC.length).equals(SEALED_MAGIC);
}

function aad(header: Buffer, index: number, flags: number): Buffer {
  const tail = Buffer.alloc(5);
  tail.writeUInt32BE(index, 0);
  tail.writeUInt8(flags, 4);
  return Buffer.concat([header, tail]);
}

/** Seals the chunks of one file, in order. */
export class ChunkSealer {
  private constructor(private readonly key: RecordingKey, readonly header: Buffer, private index: number) {}

  static create(key: RecordingKey): ChunkSealer {
    const header = Buffer.alloc(HEADER_BYTES);
    SEALED_MAGIC.copy(header, 0);
    header.writeUInt8(VERSION, 6);
    key.id.copy(header, 8);
    randomBytes(16).copy(header, 16);
    return new ChunkSealer(key, header, 0);
  }

  /** Continues a file whose first `chunks` chunks exist (recovery closes a file cut short). */
  static resume(key: RecordingKey, header: Buffer, chunks: number): ChunkSealer {
    return new ChunkSealer(key, Buffer.from(header), chunks);
  }

  seal(plain: Buffer, final = false): Buffer {
    const flags = final ? FINAL : 0;
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key.key, nonce);
    cipher.setAAD(aad(this.header, this.index++, flags));
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    const head = Buffer.alloc(5);
    head.writeUInt32BE(plain.length, 0);
    head.writeUInt8(flags, 4);
    return Buffer.concat([head, nonce, body, cipher.getAuthTag()]);
  }
}

export interface OpenedRecording {
  plain: Buffer;
  /** File bytes up to the end of the last whole chunk. */
  validBytes: number;
  /** Whole chunks read. */
  chunks: number;
  /** Ends with the final chunk (the file was closed by the recorder or by recovery). */
  complete: boolean;
  /** Bytes after the last whole chunk: a write cut short by a kill or power cut. */
  torn: boolean;
  header: Buffer;
  key: RecordingKey;
}

/** Opens a sealed file. Throws SealedRecordingError for an unknown key, a wrong key or any tampering. */
export function openSealed(buf: Buffer, keys: RecordingKeys): OpenedRecording {
  if (buf.length < HEADER_BYTES || !isSealed(buf)) throw new SealedRecordingError('not a sealed recording (header cut short or wrong magic)');
  const header = buf.subarray(0, HEADER_BYTES);
  if (header.readUInt8(6) !== VERSION) throw new SealedRecordingError(`sealed recording version ${header.readUInt8(6)} is not supported`);
  const id = header.subarray(8, 16).toString('hex');
  const key = keys.byId.get(id);
  if (!key) throw new SealedRecordingError(`recording is sealed with key id ${id}, which is not configured (recorder.encryptionKey / oldEncryptionKeys)`);
  const parts: Buffer[] = [];
  let at = HEADER_BYTES;
  let index = 0;
  let complete = false;
  while (at < buf.length) {
    if (complete) throw new SealedRecordingError('data after the final chunk of a sealed recording');
    if (buf.length - at < CHUNK_HEAD) break;
    const length = buf.readUInt32BE(at);
    const flags = buf.readUInt8(at + 4);
    if (length > MAX_CHUNK || (flags & ~FINAL) !== 0) throw new SealedRecordingError(`chunk ${index} of a sealed recording has an invalid head`);
    const end = at + CHUNK_HEAD + length + TAG;
    if (end > buf.length) break;
    const decipher = createDecipheriv('aes-256-gcm', key.key, buf.subarray(at + 5, at + CHUNK_HEAD));
    decipher.setAAD(aad(header, index, flags));
    decipher.setAuthTag(buf.subarray(end - TAG, end));
    try {
      parts.push(decipher.update(buf.subarray(at + CHUNK_HEAD, end - TAG)), decipher.final());
    } catch {
      throw new SealedRecordingError(`chunk ${index} of a sealed recording fails authentication (wrong key or tampered file)`);
    }
    complete = (flags & FINAL) !== 0;
    at = end;
    index++;
  }
  return { plain: Buffer.concat(parts), validBytes: at, chunks: index, complete, torn: at < buf.length, header: Buffer.from(header), key };
}
