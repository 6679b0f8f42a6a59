// The deployed bus: every loop is an IP multicast group:port, so any process on the audio LAN
// (mixers, edges, recorders, the second backend) hears it. The outgoing interface and every group
// membership are ALWAYS pinned to the configured interface: unpinned, the kernel picks the default
// route's NIC (and in tests packets would leave the machine).
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { DEFAULT_MULTICAST_RANGE, isMulticastIpv4, LoopAddressAllocator } from './address-allocator.js';
import type { MulticastRange } from './address-allocator.js';
import type { LoopAddress, LoopBus } from './loop-bus.js';
import { MulticastGroup } from './multicast-group.js';
import { MulticastLoopHandle } from './multicast-loop-handle.js';

export interface MulticastLoopBusOptions {
  /** IPv4 address of the multicast interface, e.g. the audio LAN NIC; '127.0.0.1' in tests. */
  interface: string;
  /** Multicast TTL (hops); default 1 = stay on the local network. */
  ttl?: number;
  /** Deliver our own multicast to other sockets on this host (other processes); default true. */
  loopback?: boolean;
  /** Receive buffer per group socket; default 4 MiB (the kernel caps it at net.core.rmem_max). */
  receiveBufferBytes?: number;
  /** Range for loops without an address; default 239.255.0.0/16, port 20000. */
  range?: MulticastRange;
  /**
   * Every loop this deployment knows (with its address if configured). Explicit addresses are
   * reserved and the rest allocated in sorted order, so all processes agree on every address.
   */
  loops?: Array<{ id: string; address?: LoopAddress }>;
}

export type MulticastLoopBusEvents = {
  /** A socket error (e.g. a failed membership); the affected loop stays silent. */
  socketError: [error: Error, address: LoopAddress | undefined];
};

const MIN_RECEIVE_BUFFER = 1 << 20;

export class MulticastLoopBus extends EventEmitter<MulticastLoopBusEvents> implements LoopBus {
  readonly allocator: LoopAddressAllocator;
  private readonly opts: MulticastLoopBusOptions;
  private readonly sender: Socket;
  private readonly groups = new Map<string, MulticastGroup>();
  private readonly configured = new Map<string, LoopAddress>();
  private closed = false;

  /** Creates the bus with its sending socket bound to the interface (so it can be pinned). */
  static async start(opts: MulticastLoopBusOptions): Promise<MulticastLoopBus> {
    const sender = createSocket({ type: 'udp4' });
    await new Promise<void>((resolve, reject) => {
      sender.once('error', reject);
      sender.bind({ port: 0, address: opts.interface }, () => {
        sender.off('error', reject);
        resolve();
      });
    });
    try {
      sender.setMulticastInterface(opts.interface);
      sender.setMulticastTTL(opts.ttl ?? 1);
      sender.setMulticastLoopback(opts.loopback ?? true);
    } catch (err) {
      sender.close();
      throw err;
    }
    return new MulticastLoopBus(opts, sender);
  }

  private constructor(opts: MulticastLoopBusOptions, sender: Socket) {
    super();
    this.opts = opts;
    this.sender = sender;
    sender.on('error', (err) => this.emit('socketError', err, undefined));
    this.allocator = new LoopAddressAllocator(opts.range ?? DEFAULT_MULTICAST_RANGE);
    for (const loop of opts.loops ?? []) {
      if (loop.address) {
        this.configured.set(loop.id, loop.address);
        this.allocator.reserve(loop.address);
      }
    }
    this.allocator.allocateAll((opts.loops ?? []).filter((l) => !l.address).map((l) => l.id));
  }

  /** The address a loop uses on this bus: configured, given at join, or allocated. */
  addressOf(loopId: string, address?: LoopAddress): LoopAddress {
    const known = address ?? this.configured.get(loopId);
    if (known) {
      if (!isMulticastIpv4(known.host)) throw new RangeError(`${known.host} is not a multicast group`);
      this.allocator.reserve(known);
      return known;
    }
    return this.allocator.allocate(loopId);
  }

  join(loopId: string, address?: LoopAddress): MulticastLoopHandle {
    if (this.closed) throw new Error('loop bus is closed');
    const addr = this.addressOf(loopId, address);
    const key = `${addr.host}:${addr.port}`;
    let group = this.groups.get(key);
    if (group === undefined) {
      group = new MulticastGroup({
        address: addr,
        interfaceAddress: this.opts.interface,
        receiveBufferBytes: Math.max(MIN_RECEIVE_BUFFER, this.opts.receiveBufferBytes ?? 4 << 20),
        onError: (err) => this.emit('socketError', err, addr),
      });
      this.groups.set(key, group);
    }
    const g = group;
    const handle = new MulticastLoopHandle(loopId, addr, {
      group: g,
      send: (buf, to) => this.send(buf, to),
      detach: (h) => {
        g.members.delete(h);
        if (g.members.size === 0 && this.groups.get(key) === g) {
          this.groups.delete(key);
          g.close();
        }
      },
    });
    g.members.add(handle);
    return handle;
  }

  /** Number of open group sockets (for tests and metrics). */
  get groupCount(): number {
    return this.groups.size;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const g of [...this.groups.values()]) {
      for (const m of [...g.members]) if (m instanceof MulticastLoopHandle) m.leave();
      g.close();
    }
    this.groups.clear();
    this.sender.close();
  }

  private send(buf: Buffer, to: LoopAddress): void {
    if (this.closed) return;
    this.sender.send(buf, to.port, to.host, (err) => {
      if (err) this.emit('socketError', err, to);
    });
  }
}
