// Where SIP messages come from and go back to: UDP datagrams or TCP connections (RFC 3261 §18).
// TCP is a byte stream: messages are cut at the blank line plus Content-Length (§18.3).
import { createServer, type Server, type Socket } from 'node:net';
import { MAX_MESSAGE_BYTES, parseSip, type SipMessage } from './sip-message.js';

/** One peer as the gateway answers it: over the transport and address the request came from. */
export interface SipPeer {
  transport: 'UDP' | 'TCP';
  address: string;
  port: number;
  send(data: Buffer): void;
}

/** Splits a TCP byte stream into SIP messages; throws SipStreamError on anything unreadable. */
export class SipStreamReader {
  private buffer = Buffer.alloc(0);

  push(chunk: Buffer): SipMessage[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const out: SipMessage[] = [];
    for (;;) {
      // Keep-alive CRLFs between messages (RFC 5626 §3.5.1) are skipped.
      let start = 0;
      while (this.buffer[start] === 0x0d || this.buffer[start] === 0x0a) start++;
      if (start > 0) this.buffer = this.buffer.subarray(start);
      const end = this.buffer.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.buffer.length > MAX_MESSAGE_BYTES) throw new SipStreamError('header too large');
        return out;
      }
      const head = this.buffer.subarray(0, end).toString('utf8');
      const length = /^(?:content-length|l)[ \t]*:[ \t]*(\d{1,5})[ \t]*$/im.exec(head);
      // Over a stream Content-Length is mandatory (§18.3): without it the next message cannot be found.
      if (!length) throw new SipStreamError('Content-Length missing');
      const total = end + 4 + Number(length[1]);
      if (total > MAX_MESSAGE_BYTES) throw new SipStreamError('message too large');
      if (this.buffer.length < total) return out;
      const message = parseSip(this.buffer.subarray(0, total));
      if (!message) throw new SipStreamError('malformed message');
      out.push(message);
      this.buffer = this.buffer.subarray(total);
    }
  }
}

export class SipStreamError extends Error {
  override name = 'SipStreamError';
}

export interface TcpListenOptions {
  host: string;
  port: number;
  maxConnections: number;
  /** A connection silent for this long is closed. */
  idleMs: number;
  onMessage(message: SipMessage, peer: SipPeer): void;
}

/** Accepts SIP over TCP; a connection that sends garbage is closed, never answered. */
export function listenTcp(options: TcpListenOptions): Promise<Server> {
  const server = createServer((socket: Socket) => {
    const reader = new SipStreamReader();
    const peer: SipPeer = {
      transport: 'TCP',
      address: socket.remoteAddress ?? '',
      port: socket.remotePort ?? 0,
      send: (data) => {
        if (!socket.destroyed) socket.write(data);
      },
    };
    socket.setTimeout(options.idleMs, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      let messages: SipMessage[];
      try {
        messages = reader.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const message of messages) options.onMessage(message, peer);
    });
  });
  server.maxConnections = options.maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}

/**
 * UDP and TCP on one port number (RFC 3261 §18: a SIP port serves both). Asked for any port (0), the
 * number the kernel gives the UDP socket may already be taken for TCP — another socket's ephemeral
 * port (seen in the test suite: EADDRINUSE) —: then the UDP socket is closed and both are tried again
 * on a new number, `attempts` times in all. A configured port is tried once: taken is an error.
 */
export async function bindUdpAndTcp<U, T>(
  port: number,
  io: { bindUdp(port: number): Promise<{ socket: U; port: number }>; listenTcp(port: number): Promise<T>; closeUdp(socket: U): Promise<void> },
  attempts = 10,
): Promise<{ udp: U; tcp: T; port: number }> {
  for (let attempt = 1; ; attempt++) {
    const udp = await io.bindUdp(port);
    try {
      return { udp: udp.socket, tcp: await io.listenTcp(udp.port), port: udp.port };
    } catch (err) {
      await io.closeUdp(udp.socket);
      const taken = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      if (port !== 0 || !taken || attempt >= attempts) throw err;
    }
  }
}
