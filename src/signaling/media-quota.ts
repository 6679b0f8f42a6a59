// One account must not take all media capacity: a per-user cap in front of the media plane. A socket
// holds at most one media session (a new request replaces it), so a user's sessions are counted as
// that user's other sockets that have one.
import type { MediaClientInfo, MediaControl, MediaSession, VoiceActivity } from '../media/control.js';
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import type { Hub } from './hub.js';

export class PerUserMediaQuota implements MediaControl {
  constructor(
    private readonly inner: MediaControl,
    private readonly hub: Hub,
    private readonly maxPerUser: number,
  ) {}

  openSession(client: MediaClientInfo): MediaSession {
    const others = this.hub.socketsOfUser(client.user).filter((c) => c.id !== client.connectionId && c.media !== undefined).length;
    if (others >= this.maxPerUser) {
      throw new ProtocolError(ErrorCode.userMediaLimit, `user ${client.user} already has ${others} media sessions (limit ${this.maxPerUser})`);
    }
    return this.inner.openSession(client);
  }

  onVoiceActivity(listener: (activity: VoiceActivity) => void): void {
    this.inner.onVoiceActivity(listener);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
