// Loop bus: in-process fan-out, address allocation, and multicast between two bus instances
// (standing in for two processes) on 127.0.0.1 only.
import { afterEach, describe, expect, it } from 'vitest';
import { LoopAddressAllocator } from '../../src/media/loopbus/address-allocator.js';
import { InProcessLoopBus } from '../../src/media/loopbus/in-process-loop-bus.js';
import type { LoopHandle } from '../../src/media/loopbus/loop-bus.js';
import { MulticastLoopBus } from '../../src/media/loopbus/multicast-loop-bus.js';
import { waitFor } from '../support/media-sockets.js';
import { busPacket } from '../support/media-rtp.js';

function collect(handle: LoopHandle): number[] {
  const ssrcs: number[] = [];
  handle.on('packet', (_buf, rtp) => ssrcs.push(rtp.ssrc));
  return ssrcs;
}

describe('InProcessLoopBus', () => {
  it('fans out to the other handles of the loop only, never back to the sender', () => {
    const bus = new InProcessLoopBus();
    const a = bus.join('loop1');
    const b = bus.join('loop1');
    const c = bus.join('loop1');
    const other = bus.join('loop2');
    const [ra, rb, rc, ro] = [collect(a), collect(b), collect(c), collect(other)];
    const buffers: Buffer[] = [];
    b.on('packet', (buf) => buffers.push(buf));
    const pkt = busPacket(111, 1);
    expect(a.send(pkt)).toBe(true);
    expect(ra).toEqual([]);
    expect(rb).toEqual([111]);
    expect(rc).toEqual([111]);
    expect(ro).toEqual([]);
    expect(buffers[0]).toBe(pkt); // zero-copy
    b.leave();
    c.send(busPacket(333, 1));
    expect(ra).toEqual([333]);
    expect(rb).toEqual([111]);
    expect(b.send(pkt)).toBe(false);
    expect(a.send(Buffer.from('not rtp'))).toBe(false);
    bus.close();
    expect(a.closed && c.closed && other.closed).toBe(true);
    expect(bus.memberCount('loop1')).toBe(0);
  });
});

describe('LoopAddressAllocator', () => {
  it('is deterministic from the loop id and conflict-free', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `loop-${i}@mcc`);
    const a = new LoopAddressAllocator().allocateAll(ids);
    const b = new LoopAddressAllocator().allocateAll([...ids].reverse());
    expect([...a.entries()]).toEqual([...b.entries()].sort(([x], [y]) => (x < y ? -1 : 1)));
    const hosts = [...a.values()].map((x) => `${x.host}:${x.port}`);
    expect(new Set(hosts).size).toBe(ids.length);
    for (const { host, port } of a.values()) {
      expect(host).toMatch(/^239\.255\.\d+\.\d+$/);
      expect(host).not.toBe('239.255.0.0');
      expect(host).not.toBe('239.255.255.255');
      expect(port).toBe(20000);
    }
    // Same id, fresh allocator: same address.
    expect(new LoopAddressAllocator().allocate('loop-7@mcc')).toEqual(a.get('loop-7@mcc'));
  });

  it('skips reserved addresses and honours a custom range', () => {
    const probe = new LoopAddressAllocator({ base: '239.1.2.0', prefixLength: 24, port: 30000 }).allocate('x');
    const alloc = new LoopAddressAllocator({ base: '239.1.2.0', prefixLength: 24, port: 30000 });
    alloc.reserve(probe);
    const moved = alloc.allocate('x');
    expect(moved).not.toEqual(probe);
    expect(moved.host).toMatch(/^239\.1\.2\.\d+$/);
    expect(() => new LoopAddressAllocator({ base: '10.0.0.0', prefixLength: 16, port: 1 })).toThrow();
  });
});

describe('MulticastLoopBus on 127.0.0.1', () => {
  const buses: MulticastLoopBus[] = [];
  afterEach(() => {
    for (const b of buses.splice(0)) b.close();
  });
  const start = async (): Promise<MulticastLoopBus> => {
    const bus = await MulticastLoopBus.start({ interface: '127.0.0.1', ttl: 0, range: { base: '239.255.0.0', prefixLength: 16, port: 20000 + (process.pid % 10000) } });
    buses.push(bus);
    return bus;
  };

  it('two buses exchange packets on a 239.255.x.y group and drop their own echo', async () => {
    const [p1, p2] = [await start(), await start()];
    const address = { host: '239.255.77.1', port: 21000 + (process.pid % 20000) };
    const a = p1.join('loopA', address);
    const a2 = p1.join('loopA', address); // second local participant in "process 1"
    const b = p2.join('loopA', address);
    await Promise.all([a.ready, a2.ready, b.ready]);
    const [ra, ra2, rb] = [collect(a), collect(a2), collect(b)];
    for (let i = 0; i < 5; i++) {
      a.send(busPacket(1001, i));
      b.send(busPacket(2002, i));
    }
    await waitFor(() => ra.length >= 5 && rb.length >= 5 && ra2.length >= 10, 3000, 'multicast delivery');
    await new Promise((r) => setTimeout(r, 50)); // let any stray echo arrive before checking
    expect(ra.every((s) => s === 2002)).toBe(true);
    expect(rb.every((s) => s === 1001)).toBe(true);
    expect(ra2.filter((s) => s === 1001)).toHaveLength(5); // in-process, exactly once
    expect(ra2.filter((s) => s === 2002)).toHaveLength(5);
  });

  it('allocates the same group for the same loop in both buses and frees sockets on leave', async () => {
    const [p1, p2] = [await start(), await start()];
    const a = p1.join('ops-loop');
    const b = p2.join('ops-loop');
    expect(a.address).toEqual(b.address);
    expect(a.address.host).toMatch(/^239\.255\./);
    await Promise.all([a.ready, b.ready]);
    const rb = collect(b);
    a.send(busPacket(42, 1));
    await waitFor(() => rb.length === 1, 3000, 'allocated-group delivery');
    expect(p1.groupCount).toBe(1);
    a.leave();
    expect(p1.groupCount).toBe(0);
    expect(a.send(busPacket(42, 2))).toBe(false);
  });

  it('does not deliver across loops on different groups', async () => {
    const [p1, p2] = [await start(), await start()];
    const x = p1.join('loopX');
    const y = p2.join('loopY');
    const x2 = p2.join('loopX');
    await Promise.all([x.ready, y.ready, x2.ready]);
    const [ry, rx2] = [collect(y), collect(x2)];
    x.send(busPacket(7, 1));
    await waitFor(() => rx2.length === 1, 3000, 'loopX delivery');
    await new Promise((r) => setTimeout(r, 50));
    expect(ry).toEqual([]);
  });
});
