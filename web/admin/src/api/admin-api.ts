// Typed calls of the admin API (docs/openvocs-protocol.md §7, docs/protocol.md) and the console's extensions
// (web/admin/LIVE_API.md), typed by the protocol contract. Every change the console makes goes through one of these.
import { RequestError, type JsonObject, type ProtocolClient, type ResponseOf } from '../../../../src/protocol/client/index.js';
import { normaliseScope, type EntityType, type MemberType, type Position, type ScopeRecord, type ScopeRef } from '../logic/model.js';

export interface AdminProject {
  id: string;
  domain: string;
  name: string | null;
}

export class AdminApi {
  constructor(readonly client: ProtocolClient) {}

  async login(user: string, password: string): Promise<void> {
    await this.client.request('login', { user, password });
  }

  async logout(): Promise<void> {
    await this.client.request('logout');
  }

  async domains(): Promise<string[]> {
    return (await this.client.request('admin_domains')).domains;
  }

  async projects(): Promise<AdminProject[]> {
    return Object.values((await this.client.request('admin_projects')).projects);
  }

  async getScope(scope: ScopeRef): Promise<ScopeRecord> {
    return normaliseScope((await this.client.request('get', { type: scope.type, id: scope.id })).result);
  }

  async idExists(id: string, scope: EntityType): Promise<boolean> {
    return (await this.client.request('check_id_exists', { id, scope })).result;
  }

  async create(type: EntityType, id: string, scope: ScopeRef): Promise<void> {
    await this.client.request('create', { type, id, scope });
  }

  async update(type: EntityType, id: string, data: Record<string, unknown>): Promise<void> {
    await this.client.request('update', { type, id, data });
  }

  async updateKey(type: EntityType, id: string, key: string, data: unknown): Promise<void> {
    await this.client.request('update_key', { type, id, key, data });
  }

  async deleteKey(type: EntityType, id: string, key: string): Promise<void> {
    await this.client.request('delete_key', { type, id, key });
  }

  async remove(type: EntityType | MemberType, id: string): Promise<void> {
    await this.client.request('delete', { type, id });
  }

  async setPassword(user: string, password: string): Promise<void> {
    await this.client.request('update_password', { user, password });
  }

  async setLayout(role: string, layout: Record<string, Position[]>): Promise<void> {
    await this.client.request('set_layout', { role, layout });
  }

  async addAdmin(scope: ScopeRef, user: string): Promise<void> {
    if (scope.type === 'domain') await this.client.request('add_domain_admin', { domain: scope.id, user });
    else await this.client.request('add_project_admin', { project: scope.id, user });
  }

  async highestPort(): Promise<number> {
    return (await this.client.request('get_highest_port')).port;
  }

  async keysetLayout(domain: string, name: string): Promise<Record<string, unknown>> {
    return (await this.client.request('get_keyset_layout', { domain, layout: name })).layout;
  }

  async setKeysetLayout(domain: string, name: string, layout: Record<string, unknown>): Promise<void> {
    await this.client.request('set_keyset_layout', { domain, name, layout });
  }

  async broadcast(message: Record<string, unknown>): Promise<void> {
    await this.client.request('broadcast', message);
  }

  live(): Promise<ResponseOf<'admin_live'>> {
    return this.client.request('admin_live');
  }

  auditLog(limit: number): Promise<ResponseOf<'admin_audit'>> {
    return this.client.request('admin_audit', { limit });
  }

  /** A prepared request of the import (any admin event); error replies reject with RequestError. */
  async send(event: string, parameter: JsonObject): Promise<JsonObject> {
    const reply = await this.client.exchange(event, parameter);
    if (reply.error) throw new RequestError(event, reply.error);
    return reply.response as JsonObject;
  }
}
