// The scene both engine-loss tests play (worker thread terminated, engine process SIGKILLed): alice talks
// 440 Hz on loop1, bob (volume 50) and carol listen; then what bob hears, and his longest silence.
import { FRAME_SAMPLES } from '../../../src/media/opus.js';
import { concat, dominantFrequency, levelAt, tone } from '../../../testkit/signal/index.js';
import { Operator } from '../../support/media-operator.js';
import { until } from '../../support/until.js';

const TONE_HZ = 440;
const HEARD_DBFS = -40;

/** Connects alice (talking), bob and carol in that order (engine placement follows it) and starts the talk. */
export async function toneScene(apiUrl: string, operators: Operator[]): Promise<{ alice: Operator; bob: Operator; carol: Operator }> {
  const source = (i: number) => tone({ frequency: TONE_HZ, dbfs: -12, samples: FRAME_SAMPLES, startSample: i * FRAME_SAMPLES });
  const connect = async (user: string, role: string, talk = false) => {
    const op = await Operator.connect(apiUrl, user, role, talk ? { source } : {});
    operators.push(op);
    return op;
  };
  const alice = await connect('alice', 'flight', true);
  const bob = await connect('bob', 'ground');
  const carol = await connect('carol', 'flight');
  return { alice, bob, carol };
}

/** Switches the scene on: bob at volume 50 and carol listen, alice talks. */
export async function startTalk({ alice, bob, carol }: { alice: Operator; bob: Operator; carol: Operator }): Promise<void> {
  await bob.switch('loop1', 'recv');
  await bob.volume('loop1', 50);
  await carol.switch('loop1', 'recv');
  await alice.switch('loop1', 'send');
  alice.media.startSending();
}

/**
 * Waits until `op` hears the tone in 20 frames that arrived after `sinceMs`; their frequency and the
 * tone's level as the median of the frames' levels, so that a frame or two concealed under load does
 * not move it, but a wrong volume (6 dB and more) does.
 */
export async function heard(op: Operator, sinceMs: number): Promise<{ level: number; frequency: number }> {
  let frames = op.media.received.frames();
  await until(`${op.name} hearing ${TONE_HZ} Hz`, () => {
    frames = op.media.received.frames().filter((f) => f.arrivedAt > sinceMs);
    return frames.length >= 20 && levelAt(concat(frames.slice(-20).map((f) => f.pcm)), TONE_HZ) > HEARD_DBFS;
  }, { pollMs: 10 });
  const last = frames.slice(-20);
  const levels = last.map((f) => levelAt(f.pcm, TONE_HZ)).sort((a, b) => a - b);
  return { level: levels[10] ?? -Infinity, frequency: dominantFrequency(concat(last.map((f) => f.pcm))) };
}

/**
 * Waits for a second of tone at `op` after `lostAt` (the gap, wherever it fell, is behind us then) and
 * returns the longest silence between two tone frames from half a second before the loss on.
 */
export async function longestSilenceAround(op: Operator, lostAt: number): Promise<number> {
  const toneTimes = () => op.media.received.frames().filter((f) => f.arrivedAt > lostAt - 500 && levelAt(f.pcm, TONE_HZ) > HEARD_DBFS).map((f) => f.arrivedAt);
  await until(`${op.name} hearing a second of tone after the loss`, () => toneTimes().filter((t) => t > lostAt).length >= 50, { pollMs: 10 });
  const times = toneTimes();
  return Math.max(...times.slice(1).map((t, i) => t - (times[i] ?? t)));
}
