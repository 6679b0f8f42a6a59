// Building the SIP gateway for one Loopcast process (used by src/app.ts): on the media plane's loop
// bus, numbers and rights from the directory, call/hangup/talking broadcasts to the loop's sockets.
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { LoopcastConfig } from '../../config/config.js';
import type { Directory } from '../../directory/directory.js';
import { loopIdOf } from '../../directory/loop-key.js';
import type { MediaControl } from '../../media/control.js';
import { MediaPlane } from '../../media/plane/media-plane.js';
import { push } from '../../protocol/envelope.js';
import type { Hub } from '../../signaling/hub.js';
import { DirectorySipAccess } from './directory-access.js';
import { SipGateway } from './sip-gateway.js';
import { registerSipMetrics } from './sip-metrics.js';

export interface TelephonyDeps {
  directory: Directory;
  media: MediaControl;
  hub: Hub;
  log: Logger;
  /** Where `loopcast_sip_registrations` is registered (the process's metrics). */
  registry?: Registry;
}

export async function startTelephony(config: LoopcastConfig, deps: TelephonyDeps): Promise<SipGateway | undefined> {
  const sip = config.sip;
  if (!sip) return undefined;
  // Calls join loops on the bus the media plane hears; without a local plane there is nothing to join.
  if (!(deps.media instanceof MediaPlane)) throw new Error('sip: the gateway needs the media plane (media.enabled)');
  const access = new DirectorySipAccess(deps.directory, sip);
  const gateway = await SipGateway.start({
    host: sip.host,
    port: sip.port,
    realm: sip.realm,
    maxCalls: sip.maxCalls,
    mediaTimeoutMs: sip.mediaTimeoutMs,
    ...(sip.outbound ? { outbound: sip.outbound } : {}),
    ringTimeoutMs: sip.ringTimeoutMs,
    pinTimeoutMs: sip.pinTimeoutMs,
    pinAttempts: sip.pinAttempts,
    registrations: sip.registrations,
    access,
    bus: deps.media.bus,
    log: deps.log.child({ component: 'sip' }),
  });
  if (deps.registry) registerSipMetrics(deps.registry, () => gateway.registrationStatus());
  const { hub } = deps;
  // Rights are the directory's: a change applies to running calls too, not only to the next one.
  deps.directory.on('changed', () => gateway.recheck());
  gateway.on('call', (c) => hub.toLoop(c.loop, push('call', 'loop_broadcast', { loop: loopIdOf(c.loop), 'call-id': c.callId, peer: c.peer })));
  gateway.on('hangup', (c) => hub.toLoop(c.loop, push('hangup', 'loop_broadcast', { loop: loopIdOf(c.loop), 'call-id': c.callId })));
  // A caller talks like an operator: the loop's keys show it (voice-operated, no PTT on a phone).
  gateway.on('talking', (c, state) => {
    // Incoming callers act as their account's user and role; calls out as the operator who placed them.
    const identity = access.identityOf(c.user) ?? { user: c.user, role: 'sip' };
    hub.toLoop(c.loop, push('talking', 'loop_broadcast', { loop: loopIdOf(c.loop), state, user: identity.user, role: identity.role, client: `sip:${c.callId}` }));
  });
  return gateway;
}
