import { describe, expect, it } from 'vitest';
import { IdempotencyCache } from '../../src/control/idempotency.js';
import { leastLoaded, serviceInfoSchema, ServiceTable } from '../../src/control/service-table.js';
import type { ServiceInfo } from '../../src/control/control-plane.js';

const svc = (id: string, capacity: number, load: number): ServiceInfo => ({ id, kind: 'mixer', backend: 'a', capacity, load });

describe('ServiceTable', () => {
  it('adds on the first heartbeat, expires silent services, up again when an expired one beats, never revives a withdrawn one', () => {
    const table = new ServiceTable(100);
    expect(table.heartbeat(svc('a', 1, 0), 0)).toBe(true);
    expect(table.heartbeat(svc('a', 1, 1), 50)).toBe(false);
    expect(table.heartbeat(svc('b', 1, 0), 60)).toBe(true);
    expect(table.expire(145).map((s) => s.id)).toEqual([]);
    expect(table.expire(155).map((s) => s.id)).toEqual(['a']);
    // Cut off for a while, not dead (e.g. a media host behind a network split): up again, new work goes there.
    expect(table.heartbeat(svc('a', 1, 0), 170)).toBe(true);
    expect(table.list().map((s) => s.id)).toEqual(['a', 'b']);
    expect(table.withdraw('a')?.id).toBe('a');
    expect(table.withdraw('b')?.id).toBe('b');
    expect(table.heartbeat(svc('b', 1, 0), 180)).toBe(false);
  });

  it('picks the service with the most free capacity, skipping full and excluded ones', () => {
    const services = [svc('x', 10, 9), svc('y', 10, 2), svc('z', 4, 0), svc('full', 1, 1)];
    expect(leastLoaded(services)?.id).toBe('y');
    expect(leastLoaded(services, new Set(['y']))?.id).toBe('z');
    expect(leastLoaded([svc('full', 1, 1)])).toBeUndefined();
  });

  it('refuses hostile heartbeats', () => {
    expect(serviceInfoSchema.safeParse({ ...svc('a', 1, 0), extra: 1 }).success).toBe(false);
    expect(serviceInfoSchema.safeParse({ ...svc('a.b', 1, 0) }).success).toBe(false);
    expect(serviceInfoSchema.safeParse({ ...svc('a', -1, 0) }).success).toBe(false);
    expect(serviceInfoSchema.safeParse({ ...svc('a', 1, 0), kind: 'db' }).success).toBe(false);
  });
});

describe('IdempotencyCache', () => {
  it('runs a key once, keeps refusals, forgets the oldest beyond its bound', async () => {
    const cache = new IdempotencyCache(2);
    let runs = 0;
    const task = (): Promise<number> => Promise.resolve(++runs);
    expect(await cache.run('k1', task)).toBe(1);
    expect(await cache.run('k1', task)).toBe(1);
    await expect(cache.run('bad', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    await expect(cache.run('bad', task)).rejects.toThrow('no');
    await cache.run('k3', task);
    expect(await cache.run('k1', task)).toBe(3);
  });
});
