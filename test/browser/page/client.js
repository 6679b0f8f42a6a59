// A minimal browser client of the Loopcast protocol for media tests: login, authorize, the server's
// WebRTC offer, trickle ICE, loop switches, and a WebAudio analyser on the received audio.
const lc = { state: 'idle', mediaReady: false, errors: [] };
window.lc = lc;

lc.start = async (user, role) => {
  const ws = new WebSocket(`wss://${location.host}/api`);
  const client = crypto.randomUUID();
  const pending = new Map();
  let pc;
  const request = (event, parameter = {}) => {
    const uuid = crypto.randomUUID();
    ws.send(JSON.stringify({ event, uuid, client, type: 'unicast', parameter }));
    return new Promise((resolve, reject) => pending.set(uuid, { resolve, reject }));
  };
  ws.onmessage = (e) => {
    const m = JSON.parse(e.data);
    const waiter = m.request ? pending.get(m.uuid) : undefined;
    if (waiter) {
      pending.delete(m.uuid);
      if (m.error) waiter.reject(new Error(`${m.event}: ${m.error.code} ${m.error.description}`));
      else waiter.resolve(m.response);
    } else if (m.event === 'candidate' && pc) {
      pc.addIceCandidate({ candidate: m.parameter.candidate, sdpMid: String(m.parameter.sdpMid ?? '0'), sdpMLineIndex: 0 }).catch((err) => lc.errors.push(String(err)));
    } else if (m.event === 'media_ready') {
      lc.mediaReady = true;
    }
  };
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  await request('login', { user, password: user });
  await request('authorize', { role });
  await request('role_loops');

  const microphone = await navigator.mediaDevices.getUserMedia({ audio: true });
  pc = new RTCPeerConnection();
  for (const track of microphone.getAudioTracks()) pc.addTrack(track, microphone);
  pc.onicecandidate = (e) => {
    if (e.candidate) {
      const c = e.candidate;
      request('candidate', { candidate: c.candidate, sdpMid: c.sdpMid ?? '0', sdpMLineIndex: c.sdpMLineIndex ?? 0, ufrag: c.usernameFragment ?? '' }).catch(() => {});
    } else {
      request('end_of_candidates').catch(() => {});
    }
  };
  pc.ontrack = (e) => {
    const stream = e.streams[0] ?? new MediaStream([e.track]);
    // Chrome only feeds a remote WebRTC stream into WebAudio while a media element plays it.
    const sink = new Audio();
    sink.srcObject = stream;
    sink.muted = true;
    sink.play().catch(() => {});
    const ctx = new AudioContext();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 8192;
    ctx.createMediaStreamSource(stream).connect(analyser);
    lc.peak = () => {
      const bins = new Float32Array(analyser.frequencyBinCount);
      analyser.getFloatFrequencyData(bins);
      let best = 0;
      for (let i = 1; i < bins.length; i++) if (bins[i] > bins[best]) best = i;
      return { frequency: (best * ctx.sampleRate) / analyser.fftSize, db: bins[best] };
    };
  };
  const offer = await request('media', { type: 'request' });
  await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  await request('media', { type: 'answer', sdp: answer.sdp });
  lc.connectionState = () => pc.connectionState;
  lc.switch = (loop, state) => request('switch_loop_state', { loop, state });
  lc.state = 'ready';
};
