// Starting the media plane from configuration: edge (one UDP port), loop bus, plane.
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { LoopcastConfig } from '../../config/config.js';
import type { LoopAddress } from '../control.js';
import { WebRtcEdge } from '../edge/index.js';
import { InProcessLoopBus, MulticastLoopBus, type LoopBus } from '../loopbus/index.js';
import { MediaPlane } from './media-plane.js';

export interface KnownLoop {
  id: string;
  address?: LoopAddress;
}

export async function startMediaPlane(config: LoopcastConfig, httpsPort: number, loops: KnownLoop[], log: Logger, registry?: Registry): Promise<MediaPlane> {
  const media = config.media;
  const edge = await WebRtcEdge.start({
    port: media.port ?? httpsPort,
    ...(media.bindAddress ? { bindAddress: media.bindAddress } : {}),
    ...(media.announcedAddresses.length > 0 ? { announcedAddresses: media.announcedAddresses } : {}),
  });
  let bus: LoopBus;
  try {
    const iface = media.multicast.interface;
    bus = media.bus === 'multicast' && iface ? await MulticastLoopBus.start({ interface: iface, ttl: media.multicast.ttl, loops }) : new InProcessLoopBus();
  } catch (err) {
    edge.close();
    throw err;
  }
  log.info({ udpPort: edge.port, bus: media.bus }, 'media plane started');
  const plane = new MediaPlane({
    edge,
    bus,
    log,
    maxSessions: media.maxSessions,
    guard: { requireTalking: media.requireTalking, talkTimeoutMs: media.talkTimeoutMs },
    mixer: { playout: { targetFrames: media.playoutFrames } },
    mixerEngines: media.mixerWorkers === 'cores' ? availableParallelism() : media.mixerWorkers,
    mixerIsolation: media.mixerIsolation,
    ...(registry ? { registry } : {}),
  });
  try {
    await plane.engine.ready();
  } catch (err) {
    await plane.close();
    throw err;
  }
  return plane;
}
