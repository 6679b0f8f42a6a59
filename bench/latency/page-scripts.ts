// Scripts the latency benchmark puts into browser pages (as strings: they run in Chromium, not Node).

/**
 * The listener's received-audio jitter buffer so far (RTCInboundRtpStreamStats, summed over its peer
 * connections): total delay in seconds and samples emitted; the mean delay of a stretch is the quotient of
 * the differences between two snapshots.
 */
export const JITTER_BUFFER_STATS = `(async () => {
  let delay = 0, emitted = 0, target = 0;
  for (const pc of window.__bench.pcs) {
    for (const s of (await pc.getStats()).values()) {
      if (s.type !== 'inbound-rtp' || s.kind !== 'audio') continue;
      delay += s.jitterBufferDelay || 0; emitted += s.jitterBufferEmittedCount || 0; target += s.jitterBufferTargetDelay || 0;
    }
  }
  return { delay, emitted, target };
})()`;

/**
 * Listener side, before any page script: every RTCPeerConnection's received audio is tapped by a
 * ScriptProcessor that reports when it becomes audible (a 256-sample block above −40 dBFS) and when it
 * goes silent (the start of a run of blocks below −50 dBFS lasting 100 ms). Times are epoch ms
 * (performance.timeOrigin + now), comparable between browser processes on one machine.
 * The talker side records the moment PTT goes down (Space) and a click on a key's lit Listen target
 * (which leaves the loop).
 */
export const PAGE_PROBE = `(() => {
  const bench = { events: [], pressAt: 0, leaveAt: 0, taps: 0, errors: [], pcs: [] };
  window.__bench = bench;
  const epoch = () => performance.timeOrigin + performance.now();
  addEventListener('keydown', (e) => { if (e.code === 'Space' && !e.repeat) bench.pressAt = epoch(); }, true);
  // Capture phase: the lit Listen target (.key-listen.on) is still lit when its click leaves the loop.
  addEventListener('click', (e) => { if (e.target instanceof Element && e.target.closest('.key-listen.on')) bench.leaveAt = epoch(); }, true);
  const Native = window.RTCPeerConnection;
  const tap = async (stream) => {
    const el = new Audio(); el.srcObject = stream; el.muted = true; el.play().catch(() => {});
    const ctx = new AudioContext({ latencyHint: 'interactive' });
    // A ScriptProcessor (256 samples = 5.3 ms): worklet modules would need a script URL the server's CSP allows.
    const proc = ctx.createScriptProcessor(256, 1, 1);
    let on = false, quiet = 0, quietStart = 0;
    proc.onaudioprocess = (ev) => {
      const ch = ev.inputBuffer.getChannelData(0);
      let s = 0;
      for (let i = 0; i < ch.length; i++) s += ch[i] * ch[i];
      const db = 10 * Math.log10(s / ch.length + 1e-20);
      const now = epoch();
      if (!on) {
        if (db > -40) { on = true; quiet = 0; bench.events.push({ on: true, at: now }); }
      } else if (db < -50) {
        if (quiet === 0) quietStart = now;
        quiet += ch.length;
        if (quiet >= ctx.sampleRate * 0.1) { on = false; bench.events.push({ on: false, at: quietStart }); }
      } else quiet = 0;
    };
    ctx.createMediaStreamSource(stream).connect(proc);
    proc.connect(ctx.destination);
    window.__benchKeep = [ctx, proc, el];
  };
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      bench.pcs.push(this); // for getStats(): the jitter buffer's delay (bench/latency.ts)
      this.addEventListener('track', (e) => {
        if (e.track.kind !== 'audio') return;
        bench.taps++;
        tap(e.streams[0] || new MediaStream([e.track])).catch((err) => bench.errors.push(String(err)));
      });
    }
  };
})();`;
