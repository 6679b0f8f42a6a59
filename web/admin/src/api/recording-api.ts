// The recorder's admin events (docs/recording.md "Retention, legal hold, erasure, export"), typed by the protocol
// contract. Retention and holds act on the scope given (one the admin administers; the server checks), erasure
// and export on every scope they administer; the server writes each to the audit log.
import type { ProtocolClient, ResponseOf } from '../../../../src/protocol/client/index.js';
import type { ScopeRef } from '../logic/model.js';

export type RecordingSettings = ResponseOf<'recording_settings'>;
export type Hold = RecordingSettings['holds'][number];
export type Erasure = ResponseOf<'recording_erase_user'>;
export type UserExport = ResponseOf<'recording_export_user'>;

export class RecordingApi {
  constructor(private readonly client: ProtocolClient) {}

  settings(scope: ScopeRef, retentionDays?: number): Promise<RecordingSettings> {
    return this.client.request('recording_settings', retentionDays === undefined ? { scope } : { scope, retention_days: retentionDays });
  }

  async hold(scope: ScopeRef, hold: { loop?: string; from: number; to: number; reason: string }): Promise<number> {
    return (await this.client.request('recording_hold', { scope, ...hold })).id;
  }

  async release(scope: ScopeRef, id: number): Promise<boolean> {
    return (await this.client.request('recording_hold_release', { scope, id })).released;
  }

  erase(user: string): Promise<Erasure> {
    return this.client.request('recording_erase_user', { user });
  }

  exportUser(user: string): Promise<UserExport> {
    return this.client.request('recording_export_user', { user }, { timeoutMs: 60_000 });
  }
}
