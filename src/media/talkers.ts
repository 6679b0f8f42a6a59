// Who talks with which SSRC on the loop bus. A process that owns client sessions (its media plane, or
// signaling driving media hosts) knows the uplink SSRC of each and tells listeners when one appears or
// goes; deployed, those are published in the control plane's shared talker table (another backend's
// recorder hears the same SSRC over multicast and names the talker from there). docs/recording.md.
import type { MediaClientInfo } from './control.js';

export interface TalkerChange {
  ssrc: number;
  client: MediaClientInfo;
  /** true: the session talks with this SSRC from now on; false: it ended. */
  present: boolean;
}

/** A media control that knows its sessions' uplink SSRCs (MediaPlane, RemoteMediaControl). */
export interface TalkerSource {
  /** The one session of this process with `ssrc` (undefined when none, or when two share it). */
  clientOfSsrc(ssrc: number): MediaClientInfo | undefined;
  /** Every session with a known SSRC now, then each change; returns the unsubscribe. */
  onTalker(listener: (change: TalkerChange) => void): () => void;
}

/** Where a process publishes its own talkers (the replicated table when deployed). */
export interface TalkerPublisher {
  publish(ssrc: number, client: MediaClientInfo): void;
  withdraw(ssrc: number, client: MediaClientInfo): void;
}

export function isTalkerSource(media: unknown): media is TalkerSource {
  const candidate = media as Partial<TalkerSource> | null;
  return typeof candidate?.clientOfSsrc === 'function' && typeof candidate.onTalker === 'function';
}

/** Publishes every talker of `source` (present ones at once) until the returned function is called. */
export function publishTalkers(source: TalkerSource, publisher: TalkerPublisher): () => void {
  return source.onTalker((change) => (change.present ? publisher.publish(change.ssrc, change.client) : publisher.withdraw(change.ssrc, change.client)));
}

/** The listener list of a TalkerSource: a throwing listener never reaches the media path. */
export class TalkerListeners {
  private readonly listeners = new Set<(change: TalkerChange) => void>();

  add(listener: (change: TalkerChange) => void, present: Iterable<Omit<TalkerChange, 'present'>>): () => void {
    this.listeners.add(listener);
    for (const talker of present) call(listener, { ...talker, present: true });
    return () => this.listeners.delete(listener);
  }

  emit(change: TalkerChange): void {
    for (const listener of this.listeners) call(listener, change);
  }
}

function call(listener: (change: TalkerChange) => void, change: TalkerChange): void {
  try {
    listener(change);
  } catch {
    // A publisher's failure (the control plane down) must not fail opening or closing a session.
  }
}
