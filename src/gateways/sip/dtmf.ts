// RFC 4733 telephone-events as talk keys: `*` starts talking, `#` stops (the DTMF talk mode of an
// account; docs/telephony.md). One event spans several packets with the same RTP timestamp.

export const DTMF_STAR = 10;
export const DTMF_HASH = 11;

/** The event code of a telephone-event payload, or undefined if malformed. */
export function dtmfEvent(payload: Buffer): number | undefined {
  if (payload.length < 4) return undefined;
  const event = payload[0] as number;
  return event <= 15 ? event : undefined;
}

/** Turns packets into talk decisions, once per event (retransmitted packets share a timestamp). */
export class DtmfTalkKeys {
  private lastTimestamp: number | undefined;

  /** true: talk, false: stop, undefined: nothing to do. */
  push(timestamp: number, payload: Buffer): boolean | undefined {
    const event = dtmfEvent(payload);
    if (event === undefined || timestamp === this.lastTimestamp) return undefined;
    this.lastTimestamp = timestamp;
    if (event === DTMF_STAR) return true;
    if (event === DTMF_HASH) return false;
    return undefined;
  }
}
