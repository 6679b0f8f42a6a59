// The live view's data (event `admin_live`, docs/protocol.md § Extensions and web/admin/LIVE_API.md):
// parsing is defensive because the server side evolves separately, and one malformed entry must not
// blank the whole view.

export type LoopState = 'recv' | 'send';

export interface MediaQuality {
  connected: boolean;
  /** Lost / expected packets of the operator's uplink, 0..1 (server field `uplinkLoss`). */
  loss: number;
  /** Uplink interarrival jitter in milliseconds (server field `uplinkJitterMs`). */
  jitter: number;
  packetsIn: number;
  packetsOut: number;
}

export interface LiveSocket {
  client: string;
  user: string;
  role: string | null;
  scope: string;
  address: string;
  loops: Record<string, LoopState>;
  talking: string[];
  media: MediaQuality | null;
}

export interface LiveSnapshot {
  sockets: LiveSocket[];
}

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseMedia(v: unknown): MediaQuality | null {
  if (!isObject(v)) return null;
  return {
    connected: v.connected === true,
    loss: num(v.uplinkLoss),
    jitter: num(v.uplinkJitterMs),
    packetsIn: num(v.packetsIn),
    packetsOut: num(v.packetsOut),
  };
}

function parseSocket(v: unknown): LiveSocket | undefined {
  if (!isObject(v) || typeof v.client !== 'string' || typeof v.user !== 'string') return undefined;
  const loops: Record<string, LoopState> = {};
  if (isObject(v.loops)) for (const [id, state] of Object.entries(v.loops)) if (state === 'recv' || state === 'send') loops[id] = state;
  const scope = isObject(v.scope) ? `${str(v.scope.type)} ${str(v.scope.id)}` : '';
  return {
    client: v.client,
    user: v.user,
    role: typeof v.role === 'string' ? v.role : null,
    scope,
    address: str(v.address),
    loops,
    talking: Array.isArray(v.talking) ? v.talking.filter((t): t is string => typeof t === 'string') : [],
    media: parseMedia(v.media),
  };
}

export function parseLiveSnapshot(v: unknown): LiveSnapshot {
  const raw = isObject(v) ? v : {};
  const sockets = (Array.isArray(raw.sockets) ? raw.sockets : []).map(parseSocket).filter((s): s is LiveSocket => s !== undefined);
  sockets.sort((a, b) => a.user.localeCompare(b.user) || a.client.localeCompare(b.client));
  return { sockets };
}

export type Quality = 'good' | 'fair' | 'poor' | 'offline';

/** Thresholds for voice: ≤1 % loss and ≤20 ms jitter are inaudible with Opus FEC; >5 % / >50 ms are not. */
export function mediaQuality(media: MediaQuality | null): Quality {
  if (!media || !media.connected) return 'offline';
  if (media.loss > 0.05 || media.jitter > 50) return 'poor';
  if (media.loss > 0.01 || media.jitter > 20) return 'fair';
  return 'good';
}

export function loopsIn(socket: LiveSocket, state: LoopState): string[] {
  return Object.entries(socket.loops)
    .filter(([, s]) => s === state)
    .map(([id]) => id)
    .sort();
}
