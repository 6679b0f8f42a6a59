// A minimal openvocs-protocol client for the latency benchmark, bundled into the page (mute-client-bundle.ts):
// its push-to-talk only mutes its track and sends no `talking`, like the openvocs web client. Signaling goes
// through the one protocol client library. window.benchClient.start(user, role), .loop(loop, state), .ptt(on).
import { ProtocolClient, type LoopState } from '../../../src/protocol/client/index.js';

const epoch = (): number => performance.timeOrigin + performance.now();

class MuteClient {
  ready = false;
  private client: ProtocolClient | undefined;
  private track: MediaStreamTrack | undefined;

  async start(user: string, role: string): Promise<void> {
    const client = await ProtocolClient.open(new WebSocket(`wss://${location.host}/api`));
    this.client = client;
    await client.request('login', { user, password: user });
    await client.request('authorize', { role });
    await client.request('role_loops');
    // Noise suppression would learn the steady test tone as noise and remove it after a few seconds.
    const mic = await navigator.mediaDevices.getUserMedia({ audio: { noiseSuppression: false, autoGainControl: false } });
    const track = mic.getAudioTracks()[0];
    if (!track) throw new Error('no microphone track');
    track.enabled = false;
    this.track = track;
    const pc = new RTCPeerConnection();
    pc.addTrack(track, mic);
    client.on('candidate', (p) => {
      pc.addIceCandidate({ candidate: p.candidate, sdpMid: String(p.sdpMid ?? '0'), sdpMLineIndex: 0 }).catch(() => undefined);
    });
    client.on('media_ready', () => {
      this.ready = true;
    });
    pc.onicecandidate = (e) => {
      const sent = e.candidate
        ? client.request('candidate', {
            candidate: e.candidate.candidate,
            sdpMid: e.candidate.sdpMid ?? '0',
            sdpMLineIndex: e.candidate.sdpMLineIndex ?? 0,
            ufrag: e.candidate.usernameFragment ?? '',
          })
        : client.request('end_of_candidates');
      sent.catch(() => undefined);
    };
    const offer = await client.request('media', { type: 'request' });
    await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    await client.request('media', { type: 'answer', sdp: answer.sdp ?? '' });
  }

  async loop(loop: string, state: LoopState): Promise<number> {
    const at = epoch();
    await this.client?.request('switch_loop_state', { loop, state });
    return at;
  }

  ptt(on: boolean): number {
    if (this.track) this.track.enabled = on;
    return epoch();
  }
}

(globalThis as unknown as { benchClient: MuteClient }).benchClient = new MuteClient();
