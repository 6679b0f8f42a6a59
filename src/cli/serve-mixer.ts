// `loopcast serve --services mixer`: a mixer host. Mixer engines for the media hosts of its backend
// that run without a mixer of their own (`--services edge`), over the control plane
// (src/media/remote/mixer-service.ts): no WebRTC, no loop bus, no directory. Killed, its engines'
// listeners move to other engines of their edge within the registry's expiry (docs/deployment.md).
import { randomBytes } from 'node:crypto';
import { ConfigError, type LoopcastConfig } from '../config/config.js';
import { NatsControlPlane } from '../control/nats/nats-control-plane.js';
import type { Logger } from 'pino';
import type { ControlPlane } from '../control/control-plane.js';
import { createLogger } from '../log/logger.js';
import { MIX_PHASES, type MediaPlane } from '../media/plane/media-plane.js';
import { MixerService } from '../media/remote/mixer-service.js';
import { RemoteMixers } from '../media/remote/remote-mixers.js';
import { connectControl, controlTiming, roleOf, type ServeSettings } from './serve.js';
import { serviceHttpAddress, ServiceEndpoints } from './service-endpoints.js';
import { SERVICE_HTTP_DEFAULT_PORT } from '../health/service-http.js';

export interface RunningMixerHost {
  id: string;
  /** Port of its health and metrics listener (service-endpoints.ts). */
  httpPort: number;
  service: MixerService;
  close(): Promise<void>;
}

export async function serveMixerHost(config: LoopcastConfig, settings: ServeSettings): Promise<RunningMixerHost> {
  if (roleOf(settings.services) !== 'mixer-host') throw new ConfigError('serveMixerHost: --services must be mixer');
  const log = createLogger(config.logLevel);
  const connection = await connectControl(settings, 'mixer');
  try {
    const timing = controlTiming(settings);
    const control = new NatsControlPlane(connection, timing);
    const id = `${settings.backend}-mixer-${randomBytes(4).toString('hex')}`;
    const capacity = config.media.maxSessions;
    const endpoints = new ServiceEndpoints({ backend: settings.backend, role: 'mixer-host', id, services: settings.services, capacity }, connection, control);
    const service = new MixerService({
      control,
      id,
      backend: settings.backend,
      log,
      capacity,
      mixer: { playout: { targetFrames: config.media.playoutFrames } },
      expiryMs: timing.expiryMs,
    });
    const readiness = { sessions: () => service.listeners, capacity, unit: 'listener(s)' };
    const http = await endpoints.listen(serviceHttpAddress(config, settings.http, SERVICE_HTTP_DEFAULT_PORT.mixerHost), readiness, config.metrics.token).catch(async (err: unknown) => {
      await service.close();
      throw err;
    });
    log.info({ id, backend: settings.backend, capacity, httpPort: http.port }, 'mixer host ready');
    return {
      id,
      httpPort: http.port,
      service,
      async close() {
        await http.close();
        await service.close();
        await control.close();
        await connection.drain();
      },
    };
  } catch (err) {
    await connection.close();
    throw err;
  }
}

/**
 * A media host without a mixer (`--services edge`): its listeners go to engines on the mixer hosts of
 * its backend, mixed as its own engine would (same phases and playout target); with none up, the
 * plane's own engines mix (a degraded but audible backend rather than silence).
 */
export function mixOnMixerHosts(o: { plane: MediaPlane; control: ControlPlane; edge: string; backend: string; config: LoopcastConfig; log: Logger }): RemoteMixers {
  return new RemoteMixers({
    control: o.control,
    backend: o.backend,
    edge: o.edge,
    pool: o.plane.engine,
    settings: { phases: MIX_PHASES, targetFrames: o.config.media.playoutFrames },
    log: o.log,
  });
}
