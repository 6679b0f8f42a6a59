// Telephony and LDAP calls of the console (docs/telephony.md, docs/ldap.md), typed by the protocol contract.
import type { ResponseOf } from '../../../../src/protocol/client/index.js';
import type { CallPermission } from '../logic/telephony.js';
import type { AdminApi } from './admin-api.js';

export function listCalls(api: AdminApi): Promise<ResponseOf<'list_calls'>> {
  return api.client.request('list_calls');
}

export async function hangup(api: AdminApi, call: string, loop: string): Promise<void> {
  await api.client.request('hangup', { call, loop });
}

export function sipStatus(api: AdminApi): Promise<ResponseOf<'list_sip_status'>> {
  return api.client.request('list_sip_status');
}

export async function permitCall(api: AdminApi, permission: CallPermission): Promise<void> {
  await api.client.request('permit_call', permission);
}

export async function revokeCall(api: AdminApi, permission: CallPermission): Promise<void> {
  await api.client.request('revoke_call', permission);
}

export function ldapSettings(api: AdminApi): Promise<ResponseOf<'admin_ldap_settings'>> {
  return api.client.request('admin_ldap_settings');
}

export function ldapTestLogin(api: AdminApi, user: string, password: string): Promise<ResponseOf<'admin_ldap_test'>> {
  return api.client.request('admin_ldap_test', { user, password });
}
