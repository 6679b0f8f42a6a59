// Rough edge cost per relayed packet: N test clients in a child process send Opus at 50 packets/s;
// the edge (this process) relays each client's uplink to the next client's downlink. CPU time of
// this process only (SRTP decrypt, JS callback, parse, rewrite, serialize, SRTP encrypt, send)
// divided by relayed packets. Run: npx tsx test/support/webrtc-relay-bench.ts [clients] [seconds]
// (NO_RELAY=1 measures the receive path alone: packets are counted, not sent on).
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LocalCandidate } from '../../src/media/control.js';
import type { EdgeSession } from '../../src/media/edge/edge-session.js';
import { WebRtcEdge } from '../../src/media/edge/webrtc-edge.js';
import { FRAME_SAMPLES } from '../../src/media/opus.js';
import { WebRtcTestClient } from '../../testkit/webrtc-client.js';

type ToChild = { t: 'offer'; i: number; sdp: string } | { t: 'cand'; i: number; c: LocalCandidate } | { t: 'go'; i: number } | { t: 'send' } | { t: 'stop' };
type ToParent = { t: 'answer'; i: number; sdp: string } | { t: 'cand'; i: number; c: LocalCandidate } | { t: 'up'; i: number };

async function parent(clients: number, seconds: number): Promise<void> {
  const edge = await WebRtcEdge.start({ port: 0, bindAddress: '127.0.0.1' });
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['child'], { execArgv: ['--import', 'tsx'] });
  const sessions: EdgeSession[] = [];
  const connectMs: number[] = [];
  let relayed = 0;
  const up = new Set<number>();
  const allUp = new Promise<void>((resolve) => {
    child.on('message', (m: ToParent) => {
      const s = sessions[m.i];
      if (!s) return;
      if (m.t === 'answer') void s.setAnswer(m.sdp).then(() => child.send({ t: 'go', i: m.i } satisfies ToChild));
      else if (m.t === 'cand') s.addRemoteCandidate(m.c);
      else if (m.t === 'up' && (up.add(m.i), up.size === clients)) resolve();
    });
  });
  for (let i = 0; i < clients; i++) {
    const s = edge.createSession();
    sessions.push(s);
    s.on('localCandidate', (c) => child.send({ t: 'cand', i, c } satisfies ToChild));
    s.on('connected', () => connectMs.push(s.connectMs ?? 0));
    s.on('rtp', (p) => {
      if (process.env.NO_RELAY) relayed++;
      else if (sessions[(i + 1) % clients]?.sendRtp(p)) relayed++;
    });
    child.send({ t: 'offer', i, sdp: await s.createOffer() } satisfies ToChild);
  }
  await allUp;
  child.send({ t: 'send' } satisfies ToChild);
  await new Promise((r) => setTimeout(r, 1000)); // warm-up
  const threads0 = threadTicks();
  const cpu0 = process.cpuUsage();
  const n0 = relayed;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const threads1 = threadTicks();
  const n = relayed - n0;
  const wall = (performance.now() - t0) / 1000;
  const us = (cpu.user + cpu.system) / n;
  connectMs.sort((a, b) => a - b);
  console.log(
    `clients=${clients} relayed=${n} (${(n / wall).toFixed(0)}/s) cpu=${((cpu.user + cpu.system) / 1e6 / wall * 100).toFixed(1)}% ` +
      `=> ${us.toFixed(1)} µs CPU per relayed packet; connect p50=${connectMs[connectMs.length >> 1]?.toFixed(1)} ms max=${connectMs.at(-1)?.toFixed(1)} ms`,
  );
  // Split by thread: the JS main thread vs libdatachannel/libjuice threads (SRTP, sockets).
  const split = [...threads1].map(([name, t]) => [name, t - (threads0.get(name) ?? 0)] as const).filter(([, t]) => t > 0);
  console.log('cpu ticks (10 ms) by thread:', split.map(([name, t]) => `${name}=${t}`).join(' '));
  child.send({ t: 'stop' } satisfies ToChild);
  edge.close();
  child.once('exit', () => process.exit(0));
}

/** utime+stime clock ticks per thread name of this process (Linux /proc). */
function threadTicks(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const key = tid === String(process.pid) ? 'main' : name;
      out.set(key, (out.get(key) ?? 0) + Number(f[11]) + Number(f[12]));
    } catch {
      // thread exited
    }
  }
  return out;
}

function childMain(): void {
  const clients = new Map<number, WebRtcTestClient>();
  const pcm = new Int16Array(FRAME_SAMPLES).map((_, k) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * k) / 48000)));
  process.on('message', (m: ToChild) => {
    if (m.t === 'offer') {
      const c = new WebRtcTestClient({ source: () => pcm, onLocalCandidate: (cand) => process.send?.({ t: 'cand', i: m.i, c: cand } satisfies ToParent) });
      clients.set(m.i, c);
      c.once('connected', () => process.send?.({ t: 'up', i: m.i } satisfies ToParent));
      void c.answer(m.sdp).then((sdp) => process.send?.({ t: 'answer', i: m.i, sdp } satisfies ToParent));
    } else if (m.t === 'cand') clients.get(m.i)?.addRemoteCandidate(m.c);
    else if (m.t === 'go') clients.get(m.i)?.startConnectivity();
    else if (m.t === 'send') for (const c of clients.values()) c.startSending();
    else {
      for (const c of clients.values()) c.close();
      setTimeout(() => process.exit(0), 100);
    }
  });
}

if (process.argv[2] === 'child') childMain();
else void parent(Number(process.argv[2] ?? 20), Number(process.argv[3] ?? 5));
