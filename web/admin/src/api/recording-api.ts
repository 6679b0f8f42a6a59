// The recorder's admin events (docs/recording.md "Retention, legal hold, erasure, export"), typed by the protocol
// contract. The server applies them to the scope the admin signed in to (erasure and export: every scope they
// administer) and writes each to the audit log.
import type { ProtocolClient, ResponseOf } from '../../../../src/protocol/client/index.js';

export type RecordingSettings = ResponseOf<'recording_settings'>;
export type Hold = RecordingSettings['holds'][number];
export type Erasure = ResponseOf<'recording_erase_user'>;
export type UserExport = ResponseOf<'recording_export_user'>;

export class RecordingApi {
  constructor(private readonly client: ProtocolClient) {}

  settings(retentionDays?: number): Promise<RecordingSettings> {
    return this.client.request('recording_settings', retentionDays === undefined ? {} : { retention_days: retentionDays });
  }

  async hold(hold: { loop?: string; from: number; to: number; reason: string }): Promise<number> {
    return (await this.client.request('recording_hold', hold)).id;
  }

  async release(id: number): Promise<boolean> {
    return (await this.client.request('recording_hold_release', { id })).released;
  }

  erase(user: string): Promise<Erasure> {
    return this.client.request('recording_erase_user', { user });
  }

  exportUser(user: string): Promise<UserExport> {
    return this.client.request('recording_export_user', { user }, { timeoutMs: 60_000 });
  }
}
