// One receiving socket per multicast group:port, shared by all handles of one bus on that loop.
// Bound to group:port (Linux then delivers only that group's datagrams to it) with reuseAddr, so
// several processes - and several buses in one process - can listen to the same group on a host.
import { createSocket } from 'node:dgram';
import type { Socket } from 'node:dgram';
import { parseRtp } from '../rtp.js';
import type { RtpPacket } from '../rtp.js';
import type { LoopAddress } from './loop-bus.js';

/** The receiving side of a handle, as the group sees it. */
export interface GroupMember {
  deliver(buf: Buffer, rtp: RtpPacket): void;
}

export interface MulticastGroupOptions {
  address: LoopAddress;
  /** IPv4 address of the interface to join on (always pinned). */
  interfaceAddress: string;
  receiveBufferBytes: number;
  onError: (err: Error) => void;
}

export class MulticastGroup {
  readonly members = new Set<GroupMember>();
  readonly ready: Promise<void>;
  /** Datagrams dropped because they carried one of our own SSRCs (loopback echo). */
  ownDropped = 0;
  malformed = 0;
  private readonly socket: Socket;
  /** SSRC → number of local senders using it; packets with these SSRCs are our own echo. */
  private readonly ownSsrcs = new Map<number, number>();
  private closed = false;

  constructor(private readonly opts: MulticastGroupOptions) {
    const { address, interfaceAddress } = opts;
    this.socket = createSocket({ type: 'udp4', reuseAddr: true });
    this.socket.on('message', (buf) => this.onMessage(buf));
    this.socket.on('error', (err) => opts.onError(err));
    this.ready = new Promise<void>((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind({ port: address.port, address: address.host }, () => {
        this.socket.off('error', reject);
        if (this.closed) return resolve();
        try {
          this.socket.addMembership(address.host, interfaceAddress);
          // Best effort: the kernel caps it at net.core.rmem_max.
          this.socket.setRecvBufferSize(opts.receiveBufferBytes);
          resolve();
        } catch (err) {
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
    });
    // Failures also go to onError; keep an unobserved rejection from crashing the process.
    this.ready.catch(() => undefined);
  }

  receiveBufferSize(): number {
    try {
      return this.socket.getRecvBufferSize();
    } catch {
      return 0;
    }
  }

  addOwnSsrc(ssrc: number): void {
    this.ownSsrcs.set(ssrc, (this.ownSsrcs.get(ssrc) ?? 0) + 1);
  }

  removeOwnSsrc(ssrc: number): void {
    const n = (this.ownSsrcs.get(ssrc) ?? 0) - 1;
    if (n > 0) this.ownSsrcs.set(ssrc, n);
    else this.ownSsrcs.delete(ssrc);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.members.clear();
    try {
      this.socket.close();
    } catch {
      // not bound yet or already closed
    }
  }

  private onMessage(buf: Buffer): void {
    const rtp = parseRtp(buf);
    if (rtp === undefined) {
      this.malformed++;
      return;
    }
    // Multicast loopback returns what this bus sent; its own handles already got it in-process.
    if (this.ownSsrcs.has(rtp.ssrc)) {
      this.ownDropped++;
      return;
    }
    for (const m of this.members) m.deliver(buf, rtp);
  }
}
