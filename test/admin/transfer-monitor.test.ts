// Pure console logic: export/import of scopes, and parsing of the live view and audit log.
import { describe, expect, it } from 'vitest';
import { filterAudit, parseAudit } from '../../web/admin/src/logic/audit.js';
import { loopsIn, mediaQuality, parseLiveSnapshot } from '../../web/admin/src/logic/live.js';
import type { ScopeRecord } from '../../web/admin/src/logic/model.js';
import { exportDocument, withoutSecrets } from '../../web/admin/src/logic/transfer-export.js';
import { planImport, readExport, type ImportContext } from '../../web/admin/src/logic/transfer-import.js';

const project: ScopeRecord = {
  id: 'apollo',
  name: 'Apollo',
  domain: 'd',
  users: { dave: { id: 'dave', name: 'Dave', password: { hash: 'h', salt: 's' } } },
  roles: {
    retro: { id: 'retro', name: 'Retro', users: { dave: null }, layout: { l1: [{ page: 1, row: 1, column: 1 }] } },
    admin: { id: 'admin', users: { dave: null } },
  },
  loops: { l1: { id: 'l1', name: 'L1', roles: { retro: true }, multicast: { host: '239.255.0.1', port: 20010 } } },
};

const ctx = (over: Partial<ImportContext> = {}): ImportContext => ({
  target: { type: 'project', id: 'apollo' },
  existing: undefined,
  domain: 'd',
  otherLoops: [],
  takenElsewhere: () => false,
  ...over,
});

describe('export', () => {
  it('never carries a password, wherever it sits', () => {
    const doc = exportDocument('project', project, undefined, new Date(0));
    expect(JSON.stringify(doc)).not.toContain('password');
    expect(doc).toMatchObject({ format: 'loopcast-admin-export', version: 1, type: 'project', id: 'apollo', exportedAt: '1970-01-01T00:00:00.000Z' });
    expect(withoutSecrets([{ password: 1, a: { password: 2, b: 3 } }])).toEqual([{ a: { b: 3 } }]);
  });
});

describe('import', () => {
  const text = JSON.stringify(exportDocument('project', project));

  it('refuses files that are not exports', () => {
    expect(readExport('nope').errors[0]).toMatch(/not JSON/);
    expect(readExport('{"format":"x","type":"user","data":1}').errors).toEqual(['$.format: expected "loopcast-admin-export"', '$.type: expected "project" or "domain"', '$.data: expected an object']);
  });

  it('plans create + update for a new project, admin rights via add_project_admin, layouts last', () => {
    const { doc } = readExport(text);
    const plan = planImport(doc!.data, ctx());
    expect(plan.errors).toEqual([]);
    expect(plan.requests.map((r) => r.event)).toEqual(['create', 'update', 'create', 'update', 'create', 'update', 'add_project_admin', 'create', 'update', 'set_layout']);
    expect(plan.requests[0]).toEqual({ event: 'create', parameter: { type: 'project', id: 'apollo', scope: { type: 'domain', id: 'd' } } });
    expect(plan.requests[6]).toEqual({ event: 'add_project_admin', parameter: { project: 'apollo', user: 'dave' } });
    expect(JSON.stringify(plan.requests)).not.toContain('password');
    expect(plan.warnings).toEqual(['user dave has no password yet: set one before it can log in']);
  });

  it('only updates what already exists in the target', () => {
    const plan = planImport(project, ctx({ existing: project }));
    expect(plan.requests.filter((r) => r.event === 'create')).toEqual([]);
    expect(plan.warnings).toEqual([]);
  });

  it('validates everything first: references, ids taken elsewhere, multicast conflicts', () => {
    const broken: ScopeRecord = {
      ...project,
      roles: { retro: { id: 'retro', users: { ghost: null }, layout: { nope: [{ page: 0, row: 1, column: 1 }] } } },
      loops: { l1: { id: 'l1', roles: { missing: true }, multicast: { host: '239.255.0.1', port: 20001 } } },
    };
    const plan = planImport(broken, ctx({ otherLoops: [{ id: 'loop1', multicast: { host: '239.255.0.1', port: 20001 } }], takenElsewhere: (k, id) => k === 'user' && id === 'dave' }));
    expect(plan.requests).toEqual([]);
    expect(plan.errors).toEqual([
      '$.data.users["dave"]: user id already used in another scope',
      '$.data.roles["retro"].users: unknown user ghost',
      '$.data.roles["retro"].layout: unknown loop nope',
      '$.data.roles["retro"].layout.nope: page, row and column must be whole numbers ≥ 1',
      '$.data.loops["l1"].roles: unknown role missing',
      '$.data.loops["l1"].multicast: 239.255.0.1:20001 is already used by loop loop1',
    ]);
  });
});

describe('live view and audit log', () => {
  it('parses the admin_live reply defensively and rates media quality', () => {
    const snapshot = parseLiveSnapshot({
      sockets: [
        { client: 'c2', user: 'zed', role: null, scope: { type: 'project', id: 'p' }, address: '10.0.0.2', loops: {}, talking: [], media: null },
        { client: 'c1', user: 'amy', role: 'flight', scope: { type: 'project', id: 'p' }, address: '10.0.0.1', loops: { l1: 'send', l2: 'recv', l3: 'none' }, talking: ['l1', 7], media: { connected: true, packetsIn: 5, packetsOut: 6, uplinkLoss: 0.02, uplinkJitterMs: 4 } },
        { user: 'broken' },
      ],
    });
    expect(snapshot.sockets.map((s) => s.user)).toEqual(['amy', 'zed']);
    const amy = snapshot.sockets[0]!;
    expect([loopsIn(amy, 'send'), loopsIn(amy, 'recv'), amy.talking, amy.scope]).toEqual([['l1'], ['l2'], ['l1'], 'project p']);
    expect(mediaQuality(amy.media)).toBe('fair');
    expect(mediaQuality(null)).toBe('offline');
    expect(mediaQuality({ connected: true, loss: 0, jitter: 60, packetsIn: 0, packetsOut: 0 })).toBe('poor');
    expect(mediaQuality({ connected: true, loss: 0.001, jitter: 3, packetsIn: 0, packetsOut: 0 })).toBe('good');
  });

  it('parses admin_audit entries newest first and filters them', () => {
    const entries = parseAudit({
      entries: [
        { time: '2026-01-01T10:00:00Z', user: 'admin', event: 'create', target: { type: 'user', id: 'eve' }, domain: 'd', project: 'p', summary: 'create user eve' },
        { time: '2026-01-01T11:00:00Z', user: 'admin', event: 'save', target: null, domain: 'd', project: null, summary: 'save' },
        { nonsense: true },
      ],
    });
    expect(entries.map((e) => [e.event, e.scope, e.target?.id])).toEqual([['save', 'domain d', undefined], ['create', 'project p', 'eve']]);
    expect(filterAudit(entries, 'EVE').map((e) => e.event)).toEqual(['create']);
    expect(filterAudit(entries, ' ')).toHaveLength(2);
  });
});
