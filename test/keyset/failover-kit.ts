// What the keyset failover tests share: a rig (work dir, Chromium whose fake microphone plays a tone,
// a 3-node NATS cluster) and an ear (what a Node listener hears of that tone: when its frames arrived,
// waiting to hear it, the longest silence inside it — the gap a failover test prints and bounds).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { levelAt, tone } from '../../testkit/signal/index.js';
import { launchChromium } from '../support/chromium.js';
import { ensureBuilt } from '../support/kill-server.js';
import type { Operator } from '../support/media-operator.js';
import { startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { wavFile } from '../support/wav.js';

export interface FailoverRig {
  work: string;
  browser: Browser;
  cluster: NatsCluster;
  /** The cluster's password in a file, for `--nats-password-file`. */
  passwordFile: string;
}

/** Chromium first (before the servers: see keyset-browser.test.ts), then dist/ and the cluster; undone on failure. */
export async function startFailoverRig(prefix: string, hz: number): Promise<FailoverRig> {
  const work = await mkdtemp(join(tmpdir(), prefix));
  let browser: Browser | undefined;
  try {
    const wav = join(work, 'tone.wav');
    await writeFile(wav, wavFile(tone({ frequency: hz, dbfs: -6, samples: 48_000 * 4 }), 48_000));
    browser = await launchChromium({ fakeAudio: wav });
    await ensureBuilt();
    const cluster = await startNatsCluster({ nodes: 3 });
    const passwordFile = join(work, 'nats-password');
    await writeFile(passwordFile, `${cluster.password}\n`, { mode: 0o600 });
    return { work, browser, cluster, passwordFile };
  } catch (err) {
    await browser?.close();
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}

export interface ToneEar {
  /** Arrival times (performance.now) of every received frame with the tone above −40 dBFS. */
  toneAt: () => number[];
  /** Resolves once `frames` tone frames arrived after `t`; throws naming `what` after `timeoutMs`. */
  heardAfter: (t: number, what: string, frames?: number, timeoutMs?: number) => Promise<void>;
  /** The longest gap between tone frames that arrived after `from`. */
  longestSilence: (from: number) => number;
}

export function toneEar(listener: Operator, hz: number, name = 'the listener'): ToneEar {
  const toneAt = () =>
    listener.media.received
      .frames()
      .filter((f) => levelAt(f.pcm, hz) > -40)
      .map((f) => f.arrivedAt);
  return {
    toneAt,
    heardAfter: async (t, what, frames = 25, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (toneAt().filter((x) => x > t).length < frames) {
        if (Date.now() > deadline) throw new Error(`${name} does not hear the tone: ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    longestSilence: (from) => {
      const times = toneAt().filter((x) => x > from);
      return Math.max(0, ...times.slice(1).map((t, i) => t - times[i]!));
    },
  };
}
