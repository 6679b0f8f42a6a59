// Multicast addresses for loops that have none configured. The slot is a hash of the loop id (so
// every process computes the same group for the same loop) with linear probing past slots that
// are taken (so no two loops share a group). Probing depends on which loops are known: give every
// process the same loop list via allocateAll() - it sorts ids first - and results agree everywhere.
import type { LoopAddress } from '../control.js';

export interface MulticastRange {
  /** First address of the range, e.g. '239.255.0.0' (IPv4 administratively scoped). */
  base: string;
  /** Range size as a prefix length, e.g. 16 for 239.255.0.0/16 (8..30). */
  prefixLength: number;
  /** UDP port used for every allocated group (groups differ, so the port can be shared). */
  port: number;
}

export const DEFAULT_MULTICAST_RANGE: MulticastRange = { base: '239.255.0.0', prefixLength: 16, port: 20000 };

// Well-known groups inside 239.255.0.0/16 that other software uses on LANs (SSDP, SLPv2).
const WELL_KNOWN = new Set(['239.255.255.250', '239.255.255.253']);

export function ipv4ToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new RangeError(`not an IPv4 address: ${ip}`);
  }
  return parts.reduce((acc, p) => acc * 256 + p, 0);
}

export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function isMulticastIpv4(ip: string): boolean {
  const first = ipv4ToInt(ip) >>> 24;
  return first >= 224 && first <= 239;
}

/** FNV-1a over UTF-8: tiny, stable across processes and versions (unlike a runtime hash). */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  return h;
}

export class LoopAddressAllocator {
  private readonly base: number;
  private readonly size: number;
  private readonly range: MulticastRange;
  /** slot → loop id (allocated) or '' (reserved by an explicit address). */
  private readonly slots = new Map<number, string>();
  private readonly byLoop = new Map<string, LoopAddress>();

  constructor(range: MulticastRange = DEFAULT_MULTICAST_RANGE) {
    if (range.prefixLength < 8 || range.prefixLength > 30) throw new RangeError('prefixLength must be 8..30');
    if (!isMulticastIpv4(range.base)) throw new RangeError(`${range.base} is not a multicast address`);
    this.range = range;
    this.size = 2 ** (32 - range.prefixLength);
    const mask = (0xffffffff << (32 - range.prefixLength)) >>> 0;
    this.base = (ipv4ToInt(range.base) & mask) >>> 0;
  }

  /** Marks an explicitly configured address as taken so no allocated loop lands on it. */
  reserve(address: LoopAddress): void {
    if (address.port !== this.range.port) return;
    const slot = ipv4ToInt(address.host) - this.base;
    if (slot >= 0 && slot < this.size && !this.slots.has(slot)) this.slots.set(slot, '');
  }

  /** The loop's address; the same loop id always gets the same answer from one allocator. */
  allocate(loopId: string): LoopAddress {
    const known = this.byLoop.get(loopId);
    if (known) return known;
    // Slot 0 (the network address) and the last slot are never used.
    const usable = this.size - 2;
    const start = fnv1a(loopId) % usable;
    for (let i = 0; i < usable; i++) {
      const slot = 1 + ((start + i) % usable);
      const host = intToIpv4(this.base + slot);
      if (this.slots.has(slot) || WELL_KNOWN.has(host)) continue;
      this.slots.set(slot, loopId);
      const address = { host, port: this.range.port };
      this.byLoop.set(loopId, address);
      return address;
    }
    throw new RangeError(`multicast range ${this.range.base}/${this.range.prefixLength} is full`);
  }

  /** Allocates a whole loop list in sorted order: the result does not depend on join order. */
  allocateAll(loopIds: Iterable<string>): Map<string, LoopAddress> {
    const out = new Map<string, LoopAddress>();
    for (const id of [...new Set(loopIds)].sort()) out.set(id, this.allocate(id));
    return out;
  }
}
