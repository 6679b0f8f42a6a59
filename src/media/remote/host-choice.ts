// Which media host takes a new session (pure): a live media host of this backend with free capacity,
// the least loaded first. The load a host reports lags by up to a heartbeat, so sessions this
// signaling service placed there since count too (otherwise a burst of opens all lands on one host).
import type { ServiceInfo } from '../../control/control-plane.js';
import { leastLoaded } from '../../control/service-table.js';
import { MEDIA_HOST_ROLE } from './messages.js';

export function isMediaHost(service: ServiceInfo, backend: string): boolean {
  return service.kind === 'edge' && service.backend === backend && service.meta?.role === MEDIA_HOST_ROLE;
}

/** `placed`: sessions this signaling service has on each host now; `exclude`: hosts not to use now. */
export function chooseMediaHost(services: ServiceInfo[], backend: string, placed: ReadonlyMap<string, number>, exclude: ReadonlySet<string> = new Set()): ServiceInfo | undefined {
  const hosts = services.filter((s) => isMediaHost(s, backend)).map((s) => ({ ...s, load: Math.max(s.load, placed.get(s.id) ?? 0) }));
  return leastLoaded(hosts, exclude);
}
