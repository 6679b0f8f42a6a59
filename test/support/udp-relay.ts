// A UDP relay between one WebRTC client and the edge, for fault tests: the edge sees the relay's
// address as the client's, so a test can send datagrams "from the client's address and port"
// (spoofing, without raw sockets). Loopback only.
import { createSocket, type Socket } from 'node:dgram';

export class UdpRelay {
  /** The client's address as the edge sees it (the relay's own port). */
  readonly port: number;
  private client: { address: string; port: number } | undefined;

  private constructor(
    private readonly socket: Socket,
    private readonly edgePort: number,
  ) {
    this.port = socket.address().port;
    socket.on('message', (msg, from) => {
      if (from.port === edgePort) {
        if (this.client) socket.send(msg, this.client.port, this.client.address);
      } else {
        this.client = { address: from.address, port: from.port }; // the latest client (a new one after re-establishing)
        socket.send(msg, edgePort, '127.0.0.1');
      }
    });
  }

  static async open(edgePort: number): Promise<UdpRelay> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
    return new UdpRelay(socket, edgePort);
  }

  /** Rewrites a server candidate so the client talks to the relay instead of the edge. */
  candidate(candidate: string): string {
    return candidate.replace(/^(candidate:\S+ \d+ \S+ \d+ )127\.0\.0\.1 \d+ /, `$1127.0.0.1 ${this.port} `);
  }

  /**
   * Operator options that put this relay on every path between one client and the edge: server
   * candidates point at the relay, and the client's own candidates are withheld. Were they sent, the
   * edge's checks would reach the client directly and ICE could nominate that peer-reflexive pair
   * without the client ever using the relay; the edge's ICE mux then drops datagrams from the relay
   * as from an unknown address, and a "spoof from the client's address" has no effect.
   */
  routing(): { serverCandidate: (candidate: string) => string; clientCandidate: () => undefined } {
    return { serverCandidate: (candidate) => this.candidate(candidate), clientCandidate: () => undefined };
  }

  /** One datagram to the edge from the client's address and port. */
  sendToEdge(datagram: Buffer): void {
    this.socket.send(datagram, this.edgePort, '127.0.0.1');
  }

  close(): void {
    this.socket.close();
  }
}

/**
 * A DTLS 1.2 record header + body: `epoch` 1 is the epoch of every record after the handshake.
 * No key is needed to build one; that is the point of the spoofing tests.
 */
export function dtlsRecord(contentType: number, epoch: number, sequence: number, body: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header[0] = contentType;
  header[1] = 0xfe;
  header[2] = 0xfd;
  header.writeUInt16BE(epoch, 3);
  header.writeUIntBE(sequence, 5, 6);
  header.writeUInt16BE(body.length, 11);
  return Buffer.concat([header, body]);
}

/** A fatal handshake_failure alert, in the clear. */
export const spoofedAlert = (epoch: number, sequence: number): Buffer => dtlsRecord(21, epoch, sequence, Buffer.from([2, 40]));
