// One media session's set-up, from the request to media_ready: debug lines for each step and the
// loopcast_media_setup_seconds histogram (or a failure when it closes before it was ready).
import type { TrailServices } from './trail.js';

export interface MediaSetupTimer {
  ready(): void;
  closed(): void;
}

export function mediaSetupTimer(services: TrailServices, conn: string): MediaSetupTimer {
  const started = performance.now();
  let done = false;
  services.log.debug({ conn }, 'media requested');
  return {
    ready() {
      if (done) return;
      done = true;
      const seconds = (performance.now() - started) / 1000;
      services.metrics.mediaSetup.observe(seconds);
      services.log.debug({ conn, setupMs: Math.round(seconds * 1000) }, 'media ready');
    },
    closed() {
      if (done) return;
      done = true;
      services.metrics.mediaSetupFailures.inc();
      services.log.info({ conn }, 'media session closed before it was ready');
    },
  };
}
