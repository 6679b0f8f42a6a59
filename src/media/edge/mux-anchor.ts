// Keeps the edge's one UDP port bound for the edge's whole life.
//
// libjuice (libdatachannel's ICE) opens the ICE UDP mux socket when the first agent on that port
// starts gathering and closes it when the last one goes. An idle edge would therefore give its
// port back to the OS. node-datachannel's IceUdpMuxListener is meant to hold it, but in 0.33.4 /
// libdatachannel 0.24.5 its stop() does not release the socket unless an agent came and went, and
// a later rtc cleanup() can double-free or hang. So the edge holds the port with one dormant
// PeerConnection instead: it gathers (binding the port) and never gets a remote description.
import { parseCandidate } from './candidates.js';
import { EdgeError } from './edge-error.js';
import { guard, native, wireCleanup } from '../webrtc-native.js';
import type { PeerConnection, RtcConfig } from '../webrtc-native.js';

export class MuxAnchor {
  private constructor(
    private readonly pc: PeerConnection,
    readonly port: number,
  ) {}

  /** Binds `config.portRangeBegin` through a dormant agent; rejects if the port is not ours. */
  static open(config: RtcConfig, timeoutMs: number): Promise<MuxAnchor> {
    const pc = new native.PeerConnection('edge-mux-anchor', config);
    wireCleanup(pc);
    return new Promise<MuxAnchor>((resolve, reject) => {
      const fail = (message: string, cause?: unknown): void => {
        clearTimeout(timer);
        pc.close();
        reject(new EdgeError('native', message, { cause }));
      };
      const timer = setTimeout(
        () => fail(`UDP port ${config.portRangeBegin ?? 0} could not be bound (no ICE candidate in ${timeoutMs} ms)`),
        timeoutMs,
      );
      pc.onLocalCandidate(
        guard((candidate: string) => {
          const parsed = parseCandidate(candidate);
          if (parsed === undefined || parsed.type !== 'host') return;
          if (config.portRangeBegin && parsed.port !== config.portRangeBegin) {
            fail(`UDP port ${config.portRangeBegin} is taken (libjuice bound ${parsed.port})`);
            return;
          }
          clearTimeout(timer);
          resolve(new MuxAnchor(pc, parsed.port));
        }),
      );
      try {
        wireCleanup(pc.addTrack(new native.Audio('0', 'SendRecv')));
        pc.setLocalDescription('offer');
      } catch (err) {
        fail('cannot start the mux anchor', err);
      }
    });
  }

  close(): void {
    try {
      this.pc.close();
    } catch {
      // already closed
    }
  }
}
