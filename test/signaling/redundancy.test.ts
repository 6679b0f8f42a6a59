// Session redundancy (docs/openvocs-protocol.md §5, docs/design.md): all sockets of a user hear its switches, and the
// user's loop states and volumes persist across logout.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolClient } from '../support/protocol-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.stop();
});

async function bobAsGround(): Promise<ProtocolClient> {
  const client = await ProtocolClient.connect(server.apiUrl);
  await client.loginAs('bob', 'bob', 'ground');
  await client.ok('role_loops');
  return client;
}

describe('three sockets of one user and role', () => {
  it('a switch on one produces user broadcasts on all three; states persist across logout', async () => {
    const sockets = [await bobAsGround(), await bobAsGround(), await bobAsGround()];
    const [first, second, third] = sockets as [ProtocolClient, ProtocolClient, ProtocolClient];

    const reply = await first.ok('switch_loop_state', { loop: 'loop3', state: 'send' });
    expect(reply).toMatchObject({ loop: 'loop3', state: 'send' });
    for (const socket of sockets) {
      const broadcast = await socket.waitFor((m) => m.type === 'user_broadcast' && m.event === 'switch_loop_state');
      expect(broadcast.parameter).toMatchObject({ loop: 'loop3', state: 'send', user: 'bob', role: 'ground', client: first.clientId });
    }

    await second.ok('switch_loop_state', { loop: 'loop2', state: 'recv' });
    await third.ok('switch_loop_volume', { loop: 'loop2', volume: 73 });
    for (const socket of sockets) {
      const volume = await socket.waitFor((m) => m.type === 'user_broadcast' && m.event === 'switch_loop_volume');
      expect(volume.parameter).toMatchObject({ loop: 'loop2', volume: 73, user: 'bob', role: 'ground', client: third.clientId });
    }

    for (const socket of sockets) {
      await socket.ok('logout');
      expect(await socket.waitClosed()).toBe(1000);
    }

    const again = await ProtocolClient.connect(server.apiUrl);
    await again.loginAs('bob', 'bob', 'ground');
    const { loops } = (await again.ok('role_loops')) as { loops: Record<string, { state: string; volume: number }> };
    expect(loops.loop3).toMatchObject({ state: 'send', volume: 50 });
    expect(loops.loop2).toMatchObject({ state: 'recv', volume: 73 });
    expect(loops.loop1).toMatchObject({ state: 'none', volume: 50 });
    again.close();
  });

  it('other users do not get the user broadcast; loop subscribers get the loop broadcast', async () => {
    const bob = await bobAsGround();
    const alice = await ProtocolClient.connect(server.apiUrl);
    await alice.loginAs('alice', 'alice', 'flight');
    await alice.ok('role_loops');
    await bob.ok('switch_loop_state', { loop: 'loop1', state: 'recv' });
    const loopBroadcast = await alice.waitFor((m) => m.type === 'loop_broadcast' && m.parameter?.loop === 'loop1');
    expect(loopBroadcast.parameter).toMatchObject({ user: 'bob', state: 'recv', participants: [{ user: 'bob', role: 'ground', client: bob.clientId }] });
    expect(alice.pushes.some((m) => m.type === 'user_broadcast')).toBe(false);
    // Closing a socket leaves its loops: the others see the participant go.
    bob.close();
    const left = await alice.waitFor((m) => m.type === 'loop_broadcast' && m.parameter?.loop === 'loop1' && m.parameter.state === 'none');
    expect(left.parameter).toMatchObject({ user: 'bob', client: bob.clientId, participants: [] });
    alice.close();
  });
});
