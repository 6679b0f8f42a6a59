// Loop multicast addresses (group:port). Every loop is one IP multicast group:port on the audio LAN
// (docs/design.md); two loops on the same address would mix into each other, so conflicts are refused.
import type { Multicast } from './model.js';

/** The group the console allocates in (administratively scoped, RFC 2365). */
export const DEFAULT_GROUP = '239.255.0.1';
/** First port when no loop has one yet (the openvocs fixtures use 20001…). */
export const FIRST_PORT = 20001;

export type ParsedMulticast = { ok: true; value: Multicast | undefined } | { ok: false; problem: string };

function ipv4(host: string): number[] | undefined {
  const parts = host.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p))) return undefined;
  const octets = parts.map(Number);
  return octets.every((o) => o <= 255) ? octets : undefined;
}

/** `group:port` as typed by the admin; empty means "allocate automatically". */
export function parseMulticast(text: string): ParsedMulticast {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, value: undefined };
  const match = /^([^:\s]+):(\d{1,5})$/.exec(trimmed);
  if (!match) return { ok: false, problem: 'use group:port, e.g. 239.255.0.1:20001' };
  const [, host = '', portText = ''] = match;
  const octets = ipv4(host);
  if (!octets) return { ok: false, problem: `${host} is not an IPv4 address` };
  const first = octets[0] ?? 0;
  if (first < 224 || first > 239) return { ok: false, problem: `${host} is not a multicast group (224.0.0.0 – 239.255.255.255)` };
  const port = Number(portText);
  if (port < 1 || port > 65535) return { ok: false, problem: 'port must be 1 – 65535' };
  return { ok: true, value: { host, port } };
}

export function formatMulticast(m: Multicast | undefined): string {
  return m ? `${m.host}:${m.port}` : '';
}

export interface KnownLoop {
  id: string;
  multicast?: Multicast | undefined;
}

/** The loop already using this address, ignoring the loop being edited. */
export function conflictingLoop(address: Multicast, loops: readonly KnownLoop[], selfId?: string): string | undefined {
  return loops.find((l) => l.id !== selfId && l.multicast?.host === address.host && l.multicast.port === address.port)?.id;
}

/**
 * A free address: one above the directory's highest port (`get_highest_port`, which sees loops of
 * every tenant) and above every port this console knows, skipping taken ones.
 */
export function allocateMulticast(highestPort: number, loops: readonly KnownLoop[], group = DEFAULT_GROUP): Multicast {
  let port = Math.max(highestPort, FIRST_PORT - 1, ...loops.map((l) => l.multicast?.port ?? 0)) + 1;
  while (conflictingLoop({ host: group, port }, loops) !== undefined) port++;
  if (port > 65535) throw new Error('no free multicast port left above the highest one in use');
  return { host: group, port };
}
