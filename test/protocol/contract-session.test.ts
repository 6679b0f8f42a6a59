// The contract is enforced: a real server goes through a scripted session that sends every request of the
// contract, and every reply and push it sends is checked against src/protocol/contract.ts (the test client checks
// each message). A reply that breaks its schema is caught by the same check.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tone } from '../../testkit/signal/index.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { pushNames, requestNames } from '../../src/protocol/contract.js';
import { messageIssues, replyIssues } from '../../src/protocol/validate.js';
import { Operator } from '../support/media-operator.js';
import { ProtocolClient, type Message } from '../support/protocol-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * Events this script does not reach (they need a recorder, a SIP gateway, LDAP or admin changes while operators are
 * connected) → the test that sends or receives them through test/support/protocol-client.ts, which fails on any
 * message that breaks the contract.
 */
const exercisedElsewhere: Record<string, string> = {
  loop_participants: 'keyset/live-admin-pushes.test.ts',
  loop_state_forced: 'keyset/live-admin-pushes.test.ts',
  role_loops_changed: 'keyset/live-admin-pushes.test.ts',
  session_ended: 'keyset/live-admin-pushes.test.ts',
  get_recording: 'recorder/server.test.ts',
  record_start: 'recorder/events.test.ts',
  record_stop: 'recorder/server.test.ts',
  get_recorded_loops: 'recorder/server.test.ts',
  replay: 'recorder/server.test.ts',
  replay_end: 'recorder/server.test.ts',
  recording_mix: 'recorder/server.test.ts',
  recording_search: 'recorder/events.test.ts',
  recording_settings: 'recorder/events.test.ts',
  recording_hold: 'recorder/events.test.ts',
  recording_hold_release: 'recorder/events.test.ts',
  recording_erase_user: 'recorder/events.test.ts',
  recording_export_user: 'recorder/events.test.ts',
  is_ldap_enabled: 'ldap/ldap-login.test.ts',
  sip: 'sip/server-call.test.ts',
  list_calls: 'sip/server-call.test.ts',
  hangup: 'sip/server-call.test.ts',
  call: 'sip/server-call.test.ts',
  permit_call: 'sip/call-permissions.test.ts',
  revoke_call: 'sip/call-permissions.test.ts',
  list_call_permissions: 'sip/call-permissions.test.ts',
  list_sip_status: 'sip/call-permissions.test.ts',
  permit: 'sip/call-permissions.test.ts',
  revoke: 'sip/call-permissions.test.ts',
  admin_ldap_settings: 'ldap/ldap-admin.test.ts',
  admin_ldap_test: 'ldap/ldap-admin.test.ts',
  media_lost: 'support/media-operator.ts',
};

let server: TestServer;
let recordings: string;
const clients: ProtocolClient[] = [];
const sent = new Set<string>();

async function connect(): Promise<ProtocolClient> {
  const client = await ProtocolClient.connect(server.apiUrl);
  clients.push(client);
  return client;
}

/** A request that must succeed; records which events the session covered. */
async function ok(client: ProtocolClient, event: string, parameter: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  sent.add(event);
  return client.ok(event, parameter);
}

beforeAll(async () => {
  recordings = await mkdtemp(join(tmpdir(), 'loopcast-contract-rec-'));
  server = await startTestServer({ config: { media: { enabled: true, bindAddress: '127.0.0.1' }, recorder: { dir: recordings } } });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await server.stop();
  await rm(recordings, { recursive: true, force: true });
});

describe('the server keeps the contract', () => {
  it('answers a scripted session with replies and pushes that all fulfil their schemas', async () => {
    const admin = await connect();
    const alice = await connect();
    const bob = await connect();
    await ok(alice, 'register');
    await ok(alice, 'ping');
    const { session } = await ok(alice, 'login', { user: 'alice', password: 'alice' });
    await ok(alice, 'update_login', { user: 'alice', session });
    await ok(alice, 'get', { type: 'user', id: 'alice' });
    await ok(alice, 'user_roles');
    await ok(alice, 'authorize', { role: 'flight' });
    await ok(alice, 'role_loops');
    await ok(alice, 'get_keyset_layout', { domain: '127.0.0.1', layout: 'default' });
    await ok(alice, 'set_user_data', { theme: 'dark' });
    await ok(alice, 'get_user_data');
    await ok(bob, 'authenticate', { user: 'bob', password: 'bob' });
    await ok(bob, 'authorise', { role: 'flight' });
    await ok(bob, 'role_loops');
    await ok(bob, 'switch_loop_state', { loop: 'loop1', state: 'recv' });
    await ok(alice, 'switch_loop_state', { loop: 'loop1', state: 'send' });
    await ok(alice, 'switch_loop_volume', { loop: 'loop1', volume: 70 });
    await ok(alice, 'talking', { loop: 'loop1', state: true });
    await ok(alice, 'talking', { loop: 'loop1', state: false });
    expect(await ok(alice, 'replay_stop')).toEqual({ stopped: false });
    await bob.waitFor((m) => m.event === 'talking' && m.parameter?.state === false);

    await ok(admin, 'login', { user: 'admin', password: 'admin' });
    await ok(admin, 'admin_domains');
    await ok(admin, 'admin_projects');
    await ok(admin, 'check_id_exists', { id: 'loop1' });
    await ok(admin, 'get', { type: 'project', id: 'mcc@127.0.0.1' });
    await ok(admin, 'get_key', { type: 'loop', id: 'loop1', key: 'roles' });
    const scope = { type: 'project', id: 'mcc@127.0.0.1' };
    await ok(admin, 'create', { type: 'loop', id: 'contract-loop', scope });
    await ok(admin, 'update', { type: 'loop', id: 'contract-loop', data: { name: 'Contract', roles: { flight: true } } });
    await ok(admin, 'update_key', { type: 'loop', id: 'contract-loop', key: 'abbreviation', data: 'CTR' });
    await ok(admin, 'delete_key', { type: 'loop', id: 'contract-loop', key: 'abbreviation' });
    await ok(admin, 'set_layout', { role: 'flight', layout: { 'contract-loop': [{ page: 1, row: 3, column: 3 }] } });
    await ok(admin, 'get_layout', { role: 'flight' });
    await ok(admin, 'delete', { type: 'loop', id: 'contract-loop' });
    await ok(admin, 'create', { type: 'user', id: 'contract-user', scope });
    await ok(admin, 'update_password', { user: 'contract-user', password: 'contract-secret' });
    await ok(admin, 'add_project_admin', { project: 'mcc@127.0.0.1', user: 'contract-user' });
    await ok(admin, 'add_domain_admin', { domain: '127.0.0.1', user: 'admin' });
    await ok(admin, 'get_highest_port');
    await ok(admin, 'set_keyset_layout', { domain: '127.0.0.1', name: 'contract', layout: { grid_columns: 4 } });
    await ok(admin, 'admin_live');
    await ok(admin, 'admin_audit', { limit: 10 });
    await ok(admin, 'save');
    await ok(admin, 'load');
    await ok(admin, 'broadcast', { type: 'page_update' });
    await alice.waitFor((m) => m.event === 'broadcast');

    // Error replies are part of the contract too (envelope, catalogue name, field path).
    expect((await alice.request('switch_loop_state', { loop: 'loop1', state: 'talk' })).error).toMatchObject({ code: 1008, name: 'parameter', field: ['state'] });
    expect((await alice.request('no_such_event')).error).toMatchObject({ code: 1008, name: 'unknownEvent' });

    await ok(bob, 'switch_loop_state', { loop: 'loop1', state: 'none' });
    await ok(alice, 'logout');
    expect(await alice.waitClosed()).toBe(1000);

    // The media exchange: offer, answer, trickled candidates both ways, media_ready.
    // A talker with a tone makes the loop's voice activity (vad) go on.
    const source = (i: number) => tone({ frequency: 440, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES });
    const operator = await Operator.connect(server.apiUrl, 'carol', 'flight', { source });
    clients.push(operator.signaling);
    for (const event of ['media', 'candidate', 'end_of_candidates']) sent.add(event);
    await operator.switch('loop4', 'send');
    operator.media.startSending();
    await operator.signaling.waitFor((m) => m.event === 'vad' && m.parameter?.on === true, 5000);
    operator.media.stopSending();
    expect(operator.signaling.received.some((m) => m.event === 'candidate' && m.request !== undefined && !m.error)).toBe(true);
    operator.close();

    for (const c of clients) expect(c.contractViolations).toEqual([]);
    // Coverage: every event of the contract is sent here, or by a test that uses the contract-checking client.
    const elsewhere = (name: string) => Object.hasOwn(exercisedElsewhere, name);
    expect(requestNames.filter((name) => !sent.has(name) && !elsewhere(name))).toEqual([]);
    const pushed = new Set(clients.flatMap((c) => c.pushes.map((m) => m.event)));
    expect(pushNames.filter((name) => !pushed.has(name) && !elsewhere(name))).toEqual([]);
  });

  it('the events covered elsewhere are sent there through the contract-checking client', () => {
    for (const [name, file] of Object.entries(exercisedElsewhere)) {
      const text = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
      expect(text, `${file} sends ${name}`).toMatch(new RegExp(`['"]${name}['"]`));
      expect(text, `${file} uses the checking client`).toMatch(/(protocol-client|media-operator)\.js/);
    }
  });
});

describe('a reply that breaks its schema fails the check', () => {
  const roleLoops: Message = {
    event: 'role_loops',
    uuid: 'u1',
    client: 'c1',
    type: 'unicast',
    request: { event: 'role_loops', uuid: 'u1', client: 'c1', type: 'unicast', parameter: {} },
    response: { loops: { loop1: { id: 'loop1', name: 'Loop 1', type: 'audio', permission: 'send', state: 'recv', volume: 50, layout_position: [{ page: 1, row: 0, column: 0 }] } } },
  };

  it('accepts the well-formed reply', () => {
    expect(replyIssues(roleLoops)).toEqual([]);
  });

  it.each([
    ['an unknown loop state', { loops: { loop1: { ...(roleLoops.response?.loops as { loop1: object }).loop1, state: 'talk' } } }, 'role_loops.response.loops.loop1.state'],
    ['a missing field', { loops: { loop1: { id: 'loop1', name: 'Loop 1', type: 'audio', permission: 'send', state: 'recv', volume: 50 } } }, 'layout_position'],
    ['a volume out of range', { loops: { loop1: { ...(roleLoops.response?.loops as { loop1: object }).loop1, volume: 101 } } }, 'volume'],
  ])('rejects %s', (_what, response, where) => {
    const problems = replyIssues({ ...roleLoops, response });
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toContain(where);
  });

  it('rejects a reply without type, a push with a top-level client, and a push sent with the wrong type', () => {
    const { type: _type, ...untyped } = roleLoops;
    expect(replyIssues(untyped)).not.toEqual([]);
    const vad = { event: 'vad', uuid: 'p1', type: 'loop_broadcast', parameter: { loop: 'loop1', on: true } };
    expect(messageIssues(vad)).toEqual([]);
    expect(messageIssues({ ...vad, client: 'c1' })).not.toEqual([]);
    expect(messageIssues({ ...vad, type: 'user_broadcast' })).not.toEqual([]);
    expect(messageIssues({ ...vad, event: 'not_in_contract' })).not.toEqual([]);
  });
});
