// Scripts the latency benchmark puts into browser pages (as strings: they run in Chromium, not Node).

/**
 * Listener side, before any page script: every RTCPeerConnection's received audio is tapped by a
 * ScriptProcessor that reports when it becomes audible (a 256-sample block above −40 dBFS) and when it
 * goes silent (the start of a run of blocks below −50 dBFS lasting 100 ms). Times are epoch ms
 * (performance.timeOrigin + now), comparable between browser processes on one machine.
 * The talker side records the moment PTT goes down (Space) and a click on a key's lit Listen target
 * (which leaves the loop).
 */
export const PAGE_PROBE = `(() => {
  const bench = { events: [], pressAt: 0, leaveAt: 0, taps: 0, errors: [] };
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
      this.addEventListener('track', (e) => {
        if (e.track.kind !== 'audio') return;
        bench.taps++;
        tap(e.streams[0] || new MediaStream([e.track])).catch((err) => bench.errors.push(String(err)));
      });
    }
  };
})();`;

/**
 * A minimal openvocs-protocol client whose push-to-talk only mutes its track (no 'talking' event),
 * like the openvocs web client: window.benchClient.start(user, role), .loop(loop, state), .ptt(on).
 */
export const MUTE_CLIENT = `(() => {
  const epoch = () => performance.timeOrigin + performance.now();
  window.benchClient = {
    async start(user, role) {
      const ws = new WebSocket('wss://' + location.host + '/api');
      const client = crypto.randomUUID();
      const pending = new Map();
      const request = (event, parameter = {}) => {
        const uuid = crypto.randomUUID();
        ws.send(JSON.stringify({ event, uuid, client, type: 'unicast', parameter }));
        return new Promise((resolve, reject) => pending.set(uuid, { resolve, reject }));
      };
      let pc;
      ws.onmessage = (e) => {
        const m = JSON.parse(e.data);
        const waiter = m.request ? pending.get(m.uuid) : undefined;
        if (waiter) { pending.delete(m.uuid); m.error ? waiter.reject(new Error(m.event + ': ' + m.error.code)) : waiter.resolve(m.response); }
        else if (m.event === 'candidate' && pc) pc.addIceCandidate({ candidate: m.parameter.candidate, sdpMid: String(m.parameter.sdpMid ?? '0'), sdpMLineIndex: 0 }).catch(() => {});
        else if (m.event === 'media_ready') this.ready = true;
      };
      await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
      await request('login', { user, password: user });
      await request('authorize', { role });
      await request('role_loops');
      // Noise suppression would learn the steady test tone as noise and remove it after a few seconds.
      const mic = await navigator.mediaDevices.getUserMedia({ audio: { noiseSuppression: false, autoGainControl: false } });
      this.track = mic.getAudioTracks()[0];
      this.track.enabled = false;
      pc = new RTCPeerConnection();
      pc.addTrack(this.track, mic);
      pc.onicecandidate = (e) => { if (e.candidate) request('candidate', { candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid ?? '0', sdpMLineIndex: e.candidate.sdpMLineIndex ?? 0, ufrag: e.candidate.usernameFragment ?? '' }).catch(() => {}); else request('end_of_candidates').catch(() => {}); };
      const offer = await request('media', { type: 'request' });
      await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      await request('media', { type: 'answer', sdp: answer.sdp });
      this.request = request;
    },
    loop(loop, state) { const at = epoch(); return this.request('switch_loop_state', { loop, state }).then(() => at); },
    ptt(on) { this.track.enabled = on; return epoch(); },
  };
})();`;
