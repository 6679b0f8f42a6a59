// `loopcast serve --services edge,mixer`: a media host. The WebRTC edge and the mixer engines of one
// process (as in a whole backend), without directory or signaling: the signaling processes of its
// backend place client sessions here over the control plane (src/media/remote/media-service.ts).
// Loops reach the other hosts only over the multicast bus, so a media host requires it. With
// `--services edge` (no mixer) its listeners are mixed on the mixer hosts of its backend (serve-mixer.ts).
import { randomBytes } from 'node:crypto';
import { ConfigError, type LoopcastConfig } from '../config/config.js';
import { NatsControlPlane } from '../control/nats/nats-control-plane.js';
import { createLogger } from '../log/logger.js';
import { startMediaPlane } from '../media/plane/start.js';
import { MediaService } from '../media/remote/media-service.js';
import { connectControl, controlTiming, roleOf, type ServeSettings } from './serve.js';
import { mixOnMixerHosts } from './serve-mixer.js';
import { serviceHttpAddress, ServiceEndpoints } from './service-endpoints.js';

export interface RunningMediaHost {
  id: string;
  udpPort: number;
  /** Port of its health and metrics listener (service-endpoints.ts). */
  httpPort: number;
  service: MediaService;
  close(): Promise<void>;
}

export async function serveMediaHost(config: LoopcastConfig, settings: ServeSettings): Promise<RunningMediaHost> {
  if (roleOf(settings.services) !== 'media-host') throw new ConfigError('serveMediaHost: --services must be edge,mixer or edge');
  if (config.media.bus !== 'multicast') {
    throw new ConfigError('--services edge,mixer: a media host needs media.bus "multicast" (with media.multicast.interface): its loops reach the other hosts only over the audio LAN');
  }
  const log = createLogger(config.logLevel);
  const connection = await connectControl(settings, 'media');
  try {
    const control = new NatsControlPlane(connection, controlTiming(settings));
    const id = `${settings.backend}-media-${randomBytes(4).toString('hex')}`;
    const capacity = config.media.maxSessions;
    const endpoints = new ServiceEndpoints({ backend: settings.backend, role: 'media-host', id, services: settings.services, capacity }, connection, control);
    // Addresses come with every loop from signaling (loop-addresses.ts): no loop list here.
    const plane = await startMediaPlane(config, config.port, [], log, endpoints.registry);
    const service = new MediaService({ control, media: plane, maxSessions: capacity, id, backend: settings.backend, log, meta: { udpPort: String(plane.edge.port) } });
    const readiness = { sessions: () => service.sessionCount, capacity, media: plane, ...(config.media.bindAddress ? { udpBindAddress: config.media.bindAddress } : {}) };
    const http = await endpoints.listen(serviceHttpAddress(config, settings.http), readiness, config.metrics.token).catch(async (err: unknown) => {
      await service.close();
      await plane.close();
      throw err;
    });
    const mixers = settings.services.includes('mixer') ? undefined : mixOnMixerHosts({ plane, control, edge: id, backend: settings.backend, config, log });
    log.info({ id, udpPort: plane.edge.port, httpPort: http.port, backend: settings.backend }, 'media host ready');
    return {
      id,
      udpPort: plane.edge.port,
      httpPort: http.port,
      service,
      async close() {
        await http.close();
        await service.close();
        await mixers?.close();
        await control.close();
        await plane.close();
        await connection.drain();
      },
    };
  } catch (err) {
    await connection.close();
    throw err;
  }
}
