// The engine messages (messages.ts) as bytes for a network transport (a mixer engine on another host,
// over the control plane): a 4-byte big-endian length, a JSON header (the message without `bytes`),
// then the packed payload bytes. JSON, never a structured-clone format: what arrives from the network
// may be hostile, so decoding only splits and parses, and the caller still checks the result
// (validate.ts parseToEngine / parseFromEngine) before anything uses it.
import type { FromWorker, ToWorker } from './messages.js';

/** A header longer than this is refused unread (a tick's pushes or a reply's outputs stay far below). */
export const MAX_WIRE_HEADER = 256 * 1024;

/** The engine is gone on the other side (what a closed IPC channel says for a thread or a process). */
export interface EngineClosed {
  type: 'closed';
}

export function encodeWire(msg: ToWorker | FromWorker | EngineClosed): Uint8Array {
  const payload = 'bytes' in msg ? new Uint8Array(msg.bytes) : new Uint8Array(0);
  const header = Buffer.from(JSON.stringify(msg, (key, value: unknown) => (key === 'bytes' ? undefined : value)), 'utf8');
  const out = Buffer.allocUnsafe(4 + header.length + payload.byteLength);
  out.writeUInt32BE(header.length, 0);
  header.copy(out, 4);
  out.set(payload, 4 + header.length);
  return out;
}

export type WireDecoded = { ok: true; msg: Record<string, unknown> } | { ok: false; error: string };

/**
 * Splits and parses a message; `msg.bytes` is a fresh ArrayBuffer holding the payload (none when the
 * payload is empty). The message's fields are not checked here: pass it to validate.ts.
 */
export function decodeWire(data: Uint8Array): WireDecoded {
  if (data.byteLength < 4) return { ok: false, error: 'shorter than its length prefix' };
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const headerLength = view.getUint32(0);
  if (headerLength > MAX_WIRE_HEADER) return { ok: false, error: `header of ${headerLength} bytes` };
  if (4 + headerLength > data.byteLength) return { ok: false, error: 'truncated header' };
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(data.buffer, data.byteOffset + 4, headerLength).toString('utf8'));
  } catch {
    return { ok: false, error: 'header is not JSON' };
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return { ok: false, error: 'header is not an object' };
  // JSON.parse makes `__proto__` an own property, never a prototype; the schemas drop unknown keys.
  const msg = { ...(header as Record<string, unknown>) };
  if ('bytes' in msg) return { ok: false, error: 'bytes in the header' };
  const payload = data.subarray(4 + headerLength);
  if (payload.byteLength > 0 || msg.type === 'tick' || msg.type === 'mixed') msg.bytes = new Uint8Array(payload).buffer; // a copy of exactly the payload
  return { ok: true, msg };
}
