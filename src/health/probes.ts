// The I/O probes behind readiness: a real write in the directory's folder, and whether the media
// UDP port is still held. Each answers a CheckResult and never throws.
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { open, rm } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { join } from 'node:path';

export interface CheckResult {
  ok: boolean;
  /** Why not (or what was checked); never a secret. */
  detail?: string;
}

function errorText(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ?? (err instanceof Error ? err.message : String(err));
}

/** Resolves to the probe's result, or a failure if it takes longer than `ms` (a hung disk). */
export function withTimeout(probe: Promise<CheckResult>, ms: number, what: string): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, detail: `${what} did not answer within ${ms} ms` }), ms);
  });
  return Promise.race([probe, timeout]).finally(() => clearTimeout(timer));
}

/** Creates, writes, fsyncs and removes a probe file where the directory writes its files. */
export async function probeWritable(dir: string): Promise<CheckResult> {
  const path = join(dir, `.health-probe.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const file = await open(path, 'w', 0o600);
    try {
      await file.writeFile('probe\n');
      await file.sync();
    } finally {
      await file.close();
    }
    await rm(path, { force: true });
    return { ok: true };
  } catch (err) {
    await rm(path, { force: true }).catch(() => undefined);
    return { ok: false, detail: `directory not writable (${errorText(err)})` };
  }
}

/**
 * True when the edge still holds its UDP port: an exclusive bind of the same port must fail with
 * EADDRINUSE. A successful bind means the port was given back (and is released again at once).
 */
export function probeUdpPortHeld(port: number, bindAddress?: string): Promise<CheckResult> {
  const socket = createSocket({ type: bindAddress !== undefined && isIPv6(bindAddress) ? 'udp6' : 'udp4' });
  return new Promise((resolve) => {
    socket.once('error', (err) => {
      socket.close();
      const code = (err as NodeJS.ErrnoException).code;
      resolve(code === 'EADDRINUSE' ? { ok: true } : { ok: false, detail: `UDP port ${port}: ${errorText(err)}` });
    });
    socket.bind({ port, address: bindAddress, exclusive: true }, () => {
      socket.close(() => resolve({ ok: false, detail: `UDP port ${port} is not bound by the media edge` }));
    });
  });
}

/**
 * The NATS connection of the control plane answers a PING (nats.js rtt() refuses at once while
 * disconnected or reconnecting; a silent server hits the caller's timeout).
 */
export async function probeNats(connection: { rtt(): Promise<number>; isClosed(): boolean }): Promise<CheckResult> {
  if (connection.isClosed()) return { ok: false, detail: 'NATS connection closed' };
  try {
    const ms = await connection.rtt();
    return { ok: true, detail: `NATS round trip ${ms} ms` };
  } catch (err) {
    return { ok: false, detail: `NATS unreachable (${errorText(err)})` };
  }
}
