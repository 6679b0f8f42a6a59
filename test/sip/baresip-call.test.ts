// A real softphone (Debian's baresip, headless, audio from a WAV file) dials into a loop through
// the gateway with digest credentials and is heard on the loop.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CallInfo, SipGateway } from '../../src/gateways/sip/sip-gateway.js';
import { dominantFrequency, rmsDbfs, tone } from '../../testkit/signal/index.js';
import type { InProcessLoopBus } from '../../src/media/loopbus/index.js';
import { wavFile } from '../support/wav.js';
import { startTestGateway, stopTestGateway } from './support/test-gateway.js';
import { staticAccess } from './support/static-access.js';
import { LoopListener } from './support/loop-probe.js';

const LOOP = 'project/mcc/loop2';
let dir: string;
let bus: InProcessLoopBus;
let gateway: SipGateway;

beforeAll(async () => {
  ({ dir, bus, gateway } = await startTestGateway('loopcast-baresip-', {
    access: staticAccess({ '1002': LOOP }, { softphone: { password: 'soft-pw', loops: [LOOP] } }),
  }));
});

afterAll(() => stopTestGateway({ gateway, bus, dir }));

async function runBaresip(seconds: number, dial: string): Promise<string> {
  await writeFile(
    join(dir, 'config'),
    [
      'poll_method epoll',
      'sip_listen 127.0.0.1:0',
      'net_interface 127.0.0.1',
      `audio_source aufile,${join(dir, 'voice.wav')}`,
      'audio_player aubridge,nowhere',
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aufile.so',
      'module aubridge.so',
      'module menu.so',
      'module_app account.so',
      '',
    ].join('\n'),
  );
  await writeFile(join(dir, 'accounts'), `<sip:softphone@127.0.0.1:${gateway.port}>;auth_pass=soft-pw;regint=0;audio_codecs=PCMA\n`);
  return new Promise((resolve, reject) => {
    const child = spawn('baresip', ['-f', dir, '-t', String(seconds), '-e', `/dial ${dial}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
    child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 10) * 1000);
    child.once('error', reject);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

it('baresip dials a loop, authenticates and is heard', async () => {
  await writeFile(join(dir, 'voice.wav'), wavFile(tone({ frequency: 440, dbfs: -10, samples: 8000 * 8, sampleRate: 8000 }), 8000));
  const listener = new LoopListener(bus, LOOP);
  const calls: CallInfo[] = [];
  const ended: string[] = [];
  gateway.on('call', (c) => calls.push(c));
  gateway.on('hangup', (_c, reason) => ended.push(reason));
  try {
    const output = await runBaresip(5, `sip:1002@127.0.0.1:${gateway.port}`);
    expect(calls.map((c) => [c.loop, c.user]), output).toEqual([[LOOP, 'softphone']]);
    const talkers = listener.talkers();
    expect(talkers, output).toHaveLength(1);
    const heard = listener.audio(talkers[0] as number, 10);
    expect(heard.length).toBeGreaterThan(48000);
    expect(Math.abs(dominantFrequency(heard) - 440)).toBeLessThan(5);
    expect(rmsDbfs(heard)).toBeGreaterThan(-20);
    // baresip hangs up when it quits: BYE ends the call.
    const deadline = Date.now() + 5000;
    while (gateway.list().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(gateway.list()).toEqual([]);
    expect(ended).toEqual(['remote hangup']);
  } finally {
    gateway.removeAllListeners();
    listener.close();
  }
});
