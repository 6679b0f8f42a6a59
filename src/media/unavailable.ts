// The media control used while no media plane is configured: every `media` request is refused with
// a clear error instead of a fake offer.
import { ErrorCode, ProtocolError } from '../protocol/errors.js';
import type { MediaControl, MediaSession } from './control.js';

export class UnavailableMediaControl implements MediaControl {
  openSession(): MediaSession {
    throw new ProtocolError(ErrorCode.noResources, 'no media plane is running on this server');
  }

  /** Without a media plane nothing is ever heard. */
  onVoiceActivity(): void {}

  close(): Promise<void> {
    return Promise.resolve();
  }
}
