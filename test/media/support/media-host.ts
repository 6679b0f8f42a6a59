// A media host for in-process tests: a real media plane (loopback WebRTC, 4 sessions) behind a
// MediaService with id `h1` on backend `a`, on an in-process control plane. Call inside a describe:
// the hooks start it before the tests and close it after them.
import { tmpdir } from 'node:os';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { InProcessControlPlane } from '../../../src/control/in-process.js';
import { resolveConfig } from '../../../src/config/config.js';
import type { MediaPlane } from '../../../src/media/plane/media-plane.js';
import { startMediaPlane } from '../../../src/media/plane/start.js';
import { MediaService } from '../../../src/media/remote/media-service.js';

export interface MediaHost {
  readonly control: InProcessControlPlane;
  readonly plane: MediaPlane;
  readonly service: MediaService;
}

export function useMediaHost(): MediaHost {
  const control = new InProcessControlPlane({ heartbeatMs: 100, expiryMs: 1000 });
  let plane: MediaPlane | undefined;
  let service: MediaService | undefined;
  beforeAll(async () => {
    const config = resolveConfig({ dataDir: tmpdir(), host: '127.0.0.1', port: 0, media: { enabled: true, bindAddress: '127.0.0.1', maxSessions: 4 } });
    plane = await startMediaPlane(config, 0, [], pino({ level: 'silent' }));
    service = new MediaService({ control, media: plane, maxSessions: 4, id: 'h1', backend: 'a', log: pino({ level: 'silent' }) });
  }, 30_000);
  afterAll(async () => {
    await service?.close();
    await plane?.close();
    await control.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the media host starts in beforeAll');
    return value;
  };
  return {
    control,
    get plane() {
      return started(plane);
    },
    get service() {
      return started(service);
    },
  };
}
