// The gap a listener hears when its media host is lost: the client after `media_lost` is a new
// WebRTC client (Operator.media changes), so the tone frames of the old and the new client together
// say how long the listener heard nothing.
import { levelAt } from '../../../testkit/signal/index.js';
import type { WebRtcTestClient } from '../../../testkit/webrtc-client.js';
import { sleep, type Operator } from '../../support/media-operator.js';

const HEARD_DBFS = -40;

function toneTimes(client: WebRtcTestClient, hz: number, since: number): number[] {
  return client.received
    .frames()
    .filter((f) => f.arrivedAt > since && levelAt(f.pcm, hz) > HEARD_DBFS)
    .map((f) => f.arrivedAt);
}

/**
 * `before`: the operator's client when the host was lost. Waits (up to `waitMs`) for a second of
 * tone on a new client and returns the longest silence from half a second before the loss on.
 */
export async function gapAcrossNewClient(op: Operator, before: WebRtcTestClient, lostAt: number, hz: number, waitMs = 15_000): Promise<number> {
  const deadline = performance.now() + waitMs;
  while (op.media === before || toneTimes(op.media, hz, lostAt).length < 50) {
    if (performance.now() > deadline) throw new Error(`${op.name} did not hear ${hz} Hz on a new media session within ${waitMs} ms (losses: ${JSON.stringify(op.losses)})`);
    await sleep(20);
  }
  const times = [...toneTimes(before, hz, lostAt - 500), ...toneTimes(op.media, hz, lostAt - 500)].sort((a, b) => a - b);
  if (times.length < 2 || (times[0] ?? Infinity) > lostAt) throw new Error(`${op.name} heard no tone before the loss`);
  return Math.max(...times.slice(1).map((t, i) => t - (times[i] ?? t)));
}
