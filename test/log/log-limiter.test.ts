// The log rate limit: a flood of one message writes a bounded number of lines and reports the rest.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LimitedLog, LogLimiter } from '../../src/log/log-limiter.js';

describe('LogLimiter', () => {
  it('admits a burst per window, then counts; the next admitted line reports the count', () => {
    let now = 0;
    const limiter = new LogLimiter({ burst: 3, windowMs: 1000, now: () => now });
    expect([limiter.admit('a'), limiter.admit('a'), limiter.admit('a')]).toEqual([0, 0, 0]);
    for (let i = 0; i < 100; i++) expect(limiter.admit('a')).toBeUndefined();
    expect(limiter.admit('b')).toBe(0); // keys are independent
    now = 1000;
    expect(limiter.admit('a')).toBe(100);
    expect(limiter.admit('a')).toBe(0);
  });

  it('tracks a bounded number of keys', () => {
    const limiter = new LogLimiter({ burst: 1, windowMs: 1000, maxKeys: 2, now: () => 0 });
    limiter.admit('a');
    limiter.admit('b');
    limiter.admit('c'); // forgets 'a'
    expect(limiter.admit('a')).toBe(0);
  });
});

describe('LimitedLog', () => {
  it('writes at most the burst of 10 000 identical warnings, one line each', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    });
    const log = new LimitedLog(pino({ level: 'info' }, sink), { burst: 5, windowMs: 60_000 });
    for (let i = 0; i < 10_000; i++) log.warn({ conn: 'x', problem: 'garbage' }, 'media answer refused');
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(JSON.parse(line)).toMatchObject({ level: 40, msg: 'media answer refused', problem: 'garbage' });
  });
});
