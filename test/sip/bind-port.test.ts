// The gateway's SIP port: UDP and TCP on one number. With port 0 the number the kernel picks for UDP
// can already be taken for TCP (another socket's ephemeral port: a test run failed on EADDRINUSE);
// both are then tried again on a new number. A configured port that is taken is an error at once.
import { createServer, type Server } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { SipGateway } from '../../src/gateways/sip/sip-gateway.js';
import { bindUdpAndTcp } from '../../src/gateways/sip/sip-transport.js';
import { InProcessLoopBus } from '../../src/media/loopbus/index.js';
import { staticAccess } from './support/static-access.js';

const taken = (): Error => Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });

/** Binders over made-up ports: UDP hands out 5000, 5001, …; TCP refuses the numbers in `busy`. */
function fakeIo(busy: Set<number>, tcpError: () => Error = taken) {
  let next = 5000;
  const closed: number[] = [];
  return {
    closed,
    io: {
      bindUdp: (port: number) => {
        const p = port === 0 ? next++ : port;
        return Promise.resolve({ socket: p, port: p });
      },
      listenTcp: (port: number) => (busy.has(port) ? Promise.reject(tcpError()) : Promise.resolve(`tcp:${port}`)),
      closeUdp: (socket: number) => {
        closed.push(socket);
        return Promise.resolve();
      },
    },
  };
}

describe('UDP and TCP on one SIP port', () => {
  it('port 0: a number taken for TCP is given back and another one tried', async () => {
    const { io, closed } = fakeIo(new Set([5000, 5001]));
    expect(await bindUdpAndTcp(0, io)).toEqual({ udp: 5002, tcp: 'tcp:5002', port: 5002 });
    expect(closed).toEqual([5000, 5001]);
  });

  it('gives up after the attempts, and at once on a configured port or another error', async () => {
    const all = fakeIo(new Set(Array.from({ length: 20 }, (_, i) => 5000 + i)));
    await expect(bindUdpAndTcp(0, all.io, 3)).rejects.toThrow('EADDRINUSE');
    expect(all.closed).toEqual([5000, 5001, 5002]);
    const fixed = fakeIo(new Set([5060]));
    await expect(bindUdpAndTcp(5060, fixed.io)).rejects.toThrow('EADDRINUSE');
    expect(fixed.closed).toEqual([5060]);
    const other = fakeIo(new Set([5000]), () => Object.assign(new Error('permission denied'), { code: 'EACCES' }));
    await expect(bindUdpAndTcp(0, other.io)).rejects.toThrow('permission denied');
    expect(other.closed).toEqual([5000]);
  });

  it('a real gateway on a configured port whose TCP side is taken fails cleanly and leaves the UDP port free', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const bus = new InProcessLoopBus();
    const start = () => SipGateway.start({ realm: 'r', maxCalls: 1, mediaTimeoutMs: 5000, log: pino({ level: 'silent' }), host: '127.0.0.1', port, bus, access: staticAccess({}, {}) });
    try {
      await expect(start()).rejects.toThrow('EADDRINUSE');
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
      // The UDP socket of the failed attempt was closed: the same port now works for both.
      const gateway = await start();
      expect(gateway.port).toBe(port);
      await gateway.close();
    } finally {
      blocker.close();
      bus.close();
    }
  });
});
