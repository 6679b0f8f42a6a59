// Audio quality from RTCPeerConnection.getStats numbers: loss over the last interval, jitter, RTT.
export interface StatsSample {
  packetsReceived: number;
  packetsLost: number;
  /** Seconds, as inbound-rtp reports it. */
  jitter?: number;
  /** Seconds, from the nominated candidate pair. */
  rtt?: number;
}

export type Grade = 'good' | 'fair' | 'poor' | 'unknown';

export interface Quality {
  lossPercent: number;
  jitterMs?: number;
  rttMs?: number;
  grade: Grade;
}

/** Loss between two samples (cumulative counters), graded with thresholds usual for voice. */
export function assessQuality(previous: StatsSample | undefined, current: StatsSample): Quality {
  const received = current.packetsReceived - (previous?.packetsReceived ?? 0);
  const lost = Math.max(0, current.packetsLost - (previous?.packetsLost ?? 0));
  const lossPercent = received + lost > 0 ? (100 * lost) / (received + lost) : 0;
  const jitterMs = current.jitter !== undefined ? current.jitter * 1000 : undefined;
  const rttMs = current.rtt !== undefined ? current.rtt * 1000 : undefined;
  let grade: Grade = 'good';
  if (lossPercent > 5 || (jitterMs ?? 0) > 60 || (rttMs ?? 0) > 400) grade = 'poor';
  else if (lossPercent > 1 || (jitterMs ?? 0) > 30 || (rttMs ?? 0) > 200) grade = 'fair';
  return { lossPercent, jitterMs, rttMs, grade };
}
