// The media edge: terminates every client's WebRTC (ICE, DTLS-SRTP, Opus) on ONE UDP port via
// libdatachannel's ICE UDP mux (libjuice demultiplexes STUN by ufrag and the rest by remote
// address). One instance per process; close() closes all sessions and frees the port.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { EdgeError } from './edge-error.js';
import { EdgeSession } from './edge-session.js';
import { MuxAnchor } from './mux-anchor.js';
import type { RtcConfig } from '../webrtc-native.js';
import { assertUdpPortFree, pickFreeUdpPort } from './free-port.js';

export interface WebRtcEdgeOptions {
  /** UDP port shared by all sessions; 0 (default) = ephemeral, read the bound one from `port`. */
  port?: number;
  /** Local address to bind; default: all interfaces (libjuice gathers one host candidate each). */
  bindAddress?: string;
  /**
   * Addresses to advertise instead of the gathered host addresses (public IP behind 1:1 NAT, a
   * load balancer, a DNS-less VIP). Each host candidate becomes one candidate per address, same port.
   */
  announcedAddresses?: string[];
  /** STUN/TURN URLs ("stun:host:port") for server-reflexive candidates; default none. */
  iceServers?: string[];
  /** A session not connected this long after its offer fails with 'timeout'. Default 30 s. */
  connectTimeoutMs?: number;
  /** A connected session that stays ICE-disconnected this long fails. Default 10 s. */
  disconnectTimeoutMs?: number;
  /** Upper bound on waiting for candidate gathering in createOffer(). Default 2 s. */
  gatherTimeoutMs?: number;
}

export type WebRtcEdgeEvents = {
  session: [session: EdgeSession];
  close: [];
};

/** SSRCs up to 66000 are reserved for non-WebRTC sources (docs/openvocs-protocol.md §9). */
const MIN_SSRC = 66001;

export class WebRtcEdge extends EventEmitter<WebRtcEdgeEvents> {
  /** The UDP port every session uses. */
  readonly port: number;
  private readonly opts: WebRtcEdgeOptions;
  private readonly anchor: MuxAnchor;
  private readonly rtcConfig: RtcConfig;
  private readonly sessionsById = new Map<string, EdgeSession>();
  private closed = false;

  /** Binds the shared UDP port; it stays bound until close(). */
  static async start(opts: WebRtcEdgeOptions = {}): Promise<WebRtcEdge> {
    const requested = opts.port ?? 0;
    const timeoutMs = opts.gatherTimeoutMs ?? 2000;
    // An ephemeral port is picked first; retry in the unlikely case another process grabs it meanwhile.
    for (let attempt = 1; ; attempt++) {
      const port = requested !== 0 ? requested : await pickFreeUdpPort(opts.bindAddress);
      if (requested !== 0) await assertUdpPortFree(port, opts.bindAddress);
      try {
        const anchor = await MuxAnchor.open(rtcConfigFor(opts, port), timeoutMs);
        return new WebRtcEdge(opts, anchor, port);
      } catch (err) {
        if (requested === 0 && attempt < 3) continue;
        throw err;
      }
    }
  }

  private constructor(opts: WebRtcEdgeOptions, anchor: MuxAnchor, port: number) {
    super();
    this.opts = opts;
    this.anchor = anchor;
    this.port = port;
    this.rtcConfig = rtcConfigFor(opts, port);
  }

  get sessionCount(): number {
    return this.sessionsById.size;
  }

  sessions(): IterableIterator<EdgeSession> {
    return this.sessionsById.values();
  }

  getSession(id: string): EdgeSession | undefined {
    return this.sessionsById.get(id);
  }

  /** Creates a session for one client; call createOffer() on it next. */
  createSession(opts: { id?: string } = {}): EdgeSession {
    if (this.closed) throw new EdgeError('closed', 'edge is closed');
    const id = opts.id ?? randomUUID();
    if (this.sessionsById.has(id)) throw new EdgeError('bad-state', `session ${id} exists`);
    const session = new EdgeSession({
      id,
      ssrc: this.allocateSsrc(),
      rtcConfig: this.rtcConfig,
      announcedAddresses: this.opts.announcedAddresses ?? [],
      connectTimeoutMs: this.opts.connectTimeoutMs ?? 30_000,
      disconnectTimeoutMs: this.opts.disconnectTimeoutMs ?? 10_000,
      gatherTimeoutMs: this.opts.gatherTimeoutMs ?? 2000,
    });
    this.sessionsById.set(id, session);
    session.once('close', () => this.sessionsById.delete(id));
    this.emit('session', session);
    return session;
  }

  /** Closes every session, then releases the UDP port. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.sessionsById.values()]) s.close();
    this.anchor.close();
    this.emit('close');
  }

  private allocateSsrc(): number {
    const used = new Set([...this.sessionsById.values()].map((s) => s.ssrc));
    for (;;) {
      const ssrc = MIN_SSRC + Math.floor(Math.random() * (0x100000000 - MIN_SSRC));
      if (!used.has(ssrc)) return ssrc;
    }
  }
}

function rtcConfigFor(opts: WebRtcEdgeOptions, port: number): RtcConfig {
  const config: RtcConfig = {
    iceServers: opts.iceServers ?? [],
    enableIceUdpMux: true,
    portRangeBegin: port,
    portRangeEnd: port,
  };
  if (opts.bindAddress !== undefined) config.bindAddress = opts.bindAddress;
  return config;
}
