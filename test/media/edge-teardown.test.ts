// Leak checks: opening and closing many sessions must not grow fds, threads or UDP sockets.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebRtcEdge } from '../../src/media/edge/webrtc-edge.js';
import { openFdCount, threadCount, udpSocketPorts, waitFor } from '../support/media-sockets.js';
import { connectPair } from '../support/webrtc-pair.js';

describe('WebRtcEdge teardown', () => {
  let edge: WebRtcEdge;
  beforeAll(async () => {
    edge = await WebRtcEdge.start({ port: 0, bindAddress: '127.0.0.1' });
    // Warm up: libdatachannel's thread pool, certificate cache and the mux socket come up once.
    for (let i = 0; i < 3; i++) (await connectPair(edge)).close();
  });
  afterAll(() => edge.close());

  it('opens and closes 200 offered sessions without growing fds, threads or sockets', async () => {
    await waitFor(() => edge.sessionCount === 0, 2000, 'warm-up sessions closed');
    // Warm-up clients close their sockets asynchronously: start from a settled baseline.
    await waitFor(() => udpSocketPorts().length === 1, 5000, 'only the edge socket open');
    const fds = openFdCount();
    const threads = threadCount();
    const udp = udpSocketPorts().length;
    for (let i = 0; i < 200; i++) {
      const session = edge.createSession();
      await session.createOffer();
      session.close();
    }
    expect(edge.sessionCount).toBe(0);
    // Native teardown finishes on libdatachannel's threads: poll instead of sleeping.
    await waitFor(() => openFdCount() <= fds + 2, 5000, `fds back to ${fds}`);
    expect(threadCount()).toBeLessThanOrEqual(threads + 2);
    expect(udpSocketPorts().length).toBeLessThanOrEqual(udp);
    expect(udpSocketPorts().filter((p) => p === edge.port)).toHaveLength(1);
  });

  it('connects and closes 20 client pairs without leaks', async () => {
    await waitFor(() => udpSocketPorts().length === 1, 5000, 'only the edge socket open');
    const fds = openFdCount();
    for (let i = 0; i < 20; i++) (await connectPair(edge)).close();
    await waitFor(() => openFdCount() <= fds + 2, 5000, `fds back to ${fds}`);
    await waitFor(() => udpSocketPorts().length === 1, 5000, 'client sockets closed');
    expect(udpSocketPorts().filter((p) => p === edge.port)).toHaveLength(1);
  });

  it('closes the edge: sessions close in cascade and the UDP port is released', async () => {
    const own = await WebRtcEdge.start({ port: 0, bindAddress: '127.0.0.1' });
    const pair = await connectPair(own);
    const events: string[] = [];
    pair.session.on('close', () => events.push('session'));
    own.on('close', () => events.push('edge'));
    own.close();
    pair.client.close();
    expect(events).toEqual(['session', 'edge']);
    expect(own.sessionCount).toBe(0);
    await waitFor(() => !udpSocketPorts().includes(own.port), 5000, 'edge port released');
  });
});

describe('WebRtcEdge process exit', () => {
  it('leaves nothing that keeps the event loop alive after close()', async () => {
    const child = fork(fileURLToPath(new URL('../support/webrtc-exit-check.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: 'inherit',
    });
    let closedAt = 0;
    child.on('message', () => (closedAt = performance.now()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 15_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(closedAt).toBeGreaterThan(0);
    expect(code).toBe(0);
    expect(performance.now() - closedAt).toBeLessThan(5000);
  });
});
