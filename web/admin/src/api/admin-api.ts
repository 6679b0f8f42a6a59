// Typed calls of the admin API (docs/openvocs-protocol.md §7, docs/protocol.md) and the console's extensions
// (web/admin/LIVE_API.md). Every change the console makes goes through one of these.
import { normaliseScope, type EntityType, type MemberType, type Position, type ScopeRecord, type ScopeRef } from '../logic/model.js';
import type { ApiConnection } from './connection.js';

export interface AdminProject {
  id: string;
  domain: string;
  name: string | null;
}

export class AdminApi {
  constructor(readonly connection: ApiConnection) {}

  private call(event: string, parameter: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    return this.connection.request(event, parameter);
  }

  async login(user: string, password: string): Promise<void> {
    await this.call('login', { user, password });
  }

  async logout(): Promise<void> {
    await this.call('logout');
  }

  async domains(): Promise<string[]> {
    const r = await this.call('admin_domains');
    return Array.isArray(r.domains) ? r.domains.filter((d): d is string => typeof d === 'string') : [];
  }

  async projects(): Promise<AdminProject[]> {
    const r = await this.call('admin_projects');
    return Object.values((r.projects ?? {}) as Record<string, AdminProject>);
  }

  async getScope(scope: ScopeRef): Promise<ScopeRecord> {
    const r = await this.call('get', { type: scope.type, id: scope.id });
    return normaliseScope(r.result);
  }

  async idExists(id: string, scope: EntityType): Promise<boolean> {
    return (await this.call('check_id_exists', { id, scope })).result === true;
  }

  async create(type: EntityType, id: string, scope: ScopeRef): Promise<void> {
    await this.call('create', { type, id, scope });
  }

  async update(type: EntityType, id: string, data: Record<string, unknown>): Promise<void> {
    await this.call('update', { type, id, data });
  }

  async updateKey(type: EntityType, id: string, key: string, data: unknown): Promise<void> {
    await this.call('update_key', { type, id, key, data });
  }

  async deleteKey(type: EntityType, id: string, key: string): Promise<void> {
    await this.call('delete_key', { type, id, key });
  }

  async remove(type: EntityType | MemberType, id: string): Promise<void> {
    await this.call('delete', { type, id });
  }

  async setPassword(user: string, password: string): Promise<void> {
    await this.call('update_password', { user, password });
  }

  async setLayout(role: string, layout: Record<string, Position[]>): Promise<void> {
    await this.call('set_layout', { role, layout });
  }

  async addAdmin(scope: ScopeRef, user: string): Promise<void> {
    if (scope.type === 'domain') await this.call('add_domain_admin', { domain: scope.id, user });
    else await this.call('add_project_admin', { project: scope.id, user });
  }

  async highestPort(): Promise<number> {
    const port = (await this.call('get_highest_port')).port;
    return typeof port === 'number' ? port : 0;
  }

  async keysetLayout(domain: string, name: string): Promise<Record<string, unknown>> {
    return ((await this.call('get_keyset_layout', { domain, layout: name })).layout ?? {}) as Record<string, unknown>;
  }

  async setKeysetLayout(domain: string, name: string, layout: Record<string, unknown>): Promise<void> {
    await this.call('set_keyset_layout', { domain, name, layout });
  }

  async broadcast(message: Record<string, unknown>): Promise<void> {
    await this.call('broadcast', message);
  }

  /** Generic request (import applies a list of prepared requests). */
  send(event: string, parameter: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.call(event, parameter);
  }
}
