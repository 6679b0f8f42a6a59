// The recorder's admin events over the protocol: who may change retention, holds, erase and export,
// and that each action reaches the audit log. Signaling only (no media plane).
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolClient } from '../support/protocol-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const SCOPE = 'project/mcc@127.0.0.1';
let server: TestServer;
let recDir: string;
let alice: ProtocolClient;
let bob: ProtocolClient;

function talk(user: string, startMs: number): number {
  const repo = server.services.recording!.recorder.repo;
  const t = repo.insertTalk({ loop: `${SCOPE}/loop1`, scope: SCOPE, user, role: 'flight', ssrc: 1, startMs, file: '' }, (id) => `t/${id}.opus`);
  const path = join(recDir, t.file);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, 'OggS fake audio');
  repo.updateTalk(t.id, startMs + 1000, 15, false);
  return t.id;
}

beforeAll(async () => {
  recDir = await mkdtemp(join(tmpdir(), 'loopcast-recev-'));
  server = await startTestServer({ config: { recorder: { dir: recDir } } });
  alice = await ProtocolClient.connect(server.apiUrl);
  await alice.loginAs('alice', 'alice', 'flight');
  bob = await ProtocolClient.connect(server.apiUrl);
  await bob.loginAs('bob', 'bob', 'ground');
});
afterAll(async () => {
  alice.close();
  bob.close();
  await server.stop();
  await rm(recDir, { recursive: true, force: true });
});

describe('recorder admin events', () => {
  it('are refused to non-admins and audited for admins', async () => {
    const now = Date.now();
    talk('carol', now - 60_000);
    talk('bob', now - 50_000);
    for (const [event, parameter] of [
      ['recording_settings', { retention_days: 1 }],
      ['recording_hold', { from: 0, to: now, reason: 'x' }],
      ['recording_erase_user', { user: 'carol' }],
      ['recording_export_user', { user: 'carol' }],
      ['record_start', { loop: 'loop1' }],
    ] as const) {
      expect((await bob.request(event, parameter)).error?.code, event).toBe(5000);
    }
    expect((await bob.request('recording_search', { loops: ['loop1'], from: 0, to: now })).error?.code).toBe(5004);

    const settings = await alice.ok('recording_settings', { retention_days: 7 });
    expect(settings.retention_days).toBe(7);
    const { id } = await alice.ok('recording_hold', { loop: 'loop1', from: now - 50_500, to: now - 49_500, reason: 'incident' });
    expect((await alice.ok('recording_settings')).holds).toEqual([{ id, loop: 'loop1', from: now - 50_500, to: now - 49_500, reason: 'incident', by: 'alice' }]);
    const found = await alice.ok('recording_search', { loops: ['loop1'], from: now - 120_000, to: now });
    expect((found.talks as Array<{ user: string }>).map((t) => t.user)).toEqual(['carol', 'bob']);
    const exported = await alice.ok('recording_export_user', { user: 'carol' });
    expect((exported.records as unknown[]).length).toBe(1);
    // bob's talk is under the hold: pseudonymised, not deleted.
    expect(await alice.ok('recording_erase_user', { user: 'bob' })).toEqual({ erased: 0, pseudonymised: 1, pending: 0 });
    expect(await alice.ok('recording_erase_user', { user: 'carol' })).toEqual({ erased: 1, pseudonymised: 0, pending: 0 });
    expect((await alice.ok('recording_hold_release', { id })).released).toBe(true);
    expect((await alice.request('recording_hold', { from: 10, to: 5, reason: 'x' })).error?.code).toBe(1008);

    const trail = server.services.audit.query((e) => e.event.startsWith('recording_'), 50).map((e) => `${e.user}:${e.event}`).reverse();
    expect(trail).toEqual([
      'alice:recording_retention',
      'alice:recording_hold',
      'alice:recording_search',
      'alice:recording_export',
      'alice:recording_erase',
      'alice:recording_erase',
      'alice:recording_hold_release',
    ]);
    expect(alice.contractViolations).toEqual([]);
  });

  it("let a domain admin reach the recordings of the domain's projects (the openvocs admin client logs in as one)", async () => {
    const now = Date.now();
    talk('carol', now - 10_000);
    const admin = await ProtocolClient.connect(server.apiUrl);
    try {
      await admin.loginAs('admin', 'admin');
      await admin.ok('record_start', { loop: 'loop1' });
      expect((await admin.ok('get_recorded_loops')).result).toEqual([{ loop: 'loop1' }]);
      const rows = await admin.library.request('get_recording', { loop: 'loop1', from: (now - 20_000) / 1000, to: now / 1000 });
      expect(rows.length).toBe(1);
      // bob, no admin anywhere, still cannot.
      expect((await bob.request('record_stop', { loop: 'loop1' })).error?.code).toBe(5000);
    } finally {
      admin.close();
    }
  });
  it("let a domain admin set a project's retention and holds by naming the scope; only scopes the caller administers", async () => {
    const project = { type: 'project', id: 'mcc@127.0.0.1' } as const;
    const domain = { type: 'domain', id: '127.0.0.1' } as const;
    const admin = await ProtocolClient.connect(server.apiUrl);
    try {
      await admin.loginAs('admin', 'admin');
      const domainDays = (await admin.ok('recording_settings')).retention_days;
      expect((await admin.ok('recording_settings', { scope: project, retention_days: 3 })).retention_days).toBe(3);
      // The project's admin sees the change in their own scope; the domain's retention is untouched.
      expect((await alice.ok('recording_settings')).retention_days).toBe(3);
      expect((await admin.ok('recording_settings', { scope: domain })).retention_days).toBe(domainDays);
      expect((await admin.ok('recording_settings')).retention_days).toBe(domainDays);

      const now = Date.now();
      const { id } = await admin.ok('recording_hold', { scope: project, loop: 'loop1', from: now - 1000, to: now, reason: 'audit' });
      expect((await alice.ok('recording_settings')).holds).toEqual([{ id, loop: 'loop1', from: now - 1000, to: now, reason: 'audit', by: 'admin' }]);
      // Released only where it is: not through the domain's scope, but through the project's.
      expect((await admin.ok('recording_hold_release', { scope: domain, id })).released).toBe(false);
      expect((await admin.ok('recording_hold_release', { scope: project, id })).released).toBe(true);

      // A project admin cannot reach up to the domain, nor an operator into the project; unknown scopes look the same.
      expect((await alice.request('recording_settings', { scope: domain, retention_days: 1 })).error?.code).toBe(5000);
      expect((await bob.request('recording_settings', { scope: project })).error?.code).toBe(5000);
      expect((await bob.request('recording_hold', { scope: project, from: 0, to: now, reason: 'x' })).error?.code).toBe(5000);
      expect((await admin.request('recording_settings', { scope: { type: 'project', id: 'nowhere@127.0.0.1' } })).error?.code).toBe(5000);
      expect((await admin.request('recording_settings', { scope: { type: 'planet', id: 'x' } })).error?.code).toBe(1008);
      expect((await admin.ok('recording_settings', { scope: domain })).retention_days).toBe(domainDays);
      expect(admin.contractViolations).toEqual([]);
    } finally {
      admin.close();
    }
  });
});
