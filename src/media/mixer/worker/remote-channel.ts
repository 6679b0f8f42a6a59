// A mixer engine on a mixer host (`serve --services mixer`), reached over the control plane: the same
// engine messages as a worker thread's (messages.ts), encoded by wire.ts, on two stream topics per
// engine (`mixer.<engine>.in` to it, `mixer.<engine>.out` from it). The engine is opened by a command
// to the mixer host and is gone — like a crashed worker — when the open fails, when the host says it
// closed it (it thought this edge gone), or when a probe finds it dead: replies that stay out for
// PROBE_AFTER_TICKS, or the host going down in the registry, make the channel ask the host about its
// engine, and no answer (on NATS a killed host's subject has no responders, known at once) or "unknown
// engine" ends it; a host that answers is left to the engine pool's HUNG_TICKS rule (1 s), as any
// worker. A host only missing heartbeats under load thus keeps its engine and its listeners.
import { z } from 'zod';
import type { ControlPlane } from '../../../control/control-plane.js';
import type { ChannelEvents, EngineChannel } from './channel.js';
import { decodeWire, encodeWire } from './wire.js';

/** The command a mixer host serves (src/media/remote/mixer-service.ts). */
export const MIXER_ENGINE_COMMAND = 'mixer-engine';
/** Ticks without any reply (100 ms at four ticks per frame) before the host is asked about its engine. */
export const PROBE_AFTER_TICKS = 20;
const PROBE_TIMEOUT_MS = 500;

/** What an edge may choose of its remote engine's mixing: the rest is the mixer host's own configuration. */
export const remoteEngineSettingsSchema = z.strictObject({
  /** Mixing phases per 20 ms frame: the edge ticks the engine that often. */
  phases: z.number().int().min(1).max(8),
  /** The playout's lowest target in frames (media.playoutFrames of the edge). */
  targetFrames: z.number().int().min(1).max(25).optional(),
});
export type RemoteEngineSettings = z.infer<typeof remoteEngineSettingsSchema>;

const engineId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);
export const mixerEngineCommandSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('open'), engine: engineId, edge: engineId, settings: remoteEngineSettingsSchema }),
  z.strictObject({ op: z.literal('close'), engine: engineId }),
  z.strictObject({ op: z.literal('ping'), engine: engineId }),
]);
/** A mixer host's answer to `ping`. */
export const pingReplySchema = z.strictObject({ known: z.boolean() });
export type MixerEngineCommand = z.infer<typeof mixerEngineCommandSchema>;

export const engineTopics = (engine: string): { in: string; out: string } => ({ in: `mixer.${engine}.in`, out: `mixer.${engine}.out` });

export interface RemoteEngineTarget {
  control: ControlPlane;
  /** The mixer host's service id. */
  mixer: string;
  /** This engine's id, unique (a subject token). */
  engine: string;
  /** The edge's service id: the mixer host drops the engine when that service is down. */
  edge: string;
  settings: RemoteEngineSettings;
  /** Per attempt of the open command (default 1000 ms, one retry). */
  openTimeoutMs?: number;
}

export function remoteChannel(target: RemoteEngineTarget, events: ChannelEvents): EngineChannel {
  const { control, mixer, engine } = target;
  const topics = engineTopics(engine);
  let exited = false;
  let unanswered = 0;
  let probing = false;
  const stopReceiving = control.subscribe(topics.out, (data) => {
    if (exited) return;
    const decoded = decodeWire(data);
    if (!decoded.ok) {
      events.undecodable?.(decoded.error);
      return;
    }
    unanswered = 0;
    if (decoded.msg.type === 'closed') exit(new Error(`mixer host ${mixer} closed engine ${engine}`));
    else events.message(decoded.msg);
  });
  const stopWatching = control.on('down', (service) => {
    if (service.id === mixer && !probing && !exited) probe();
  });
  function exit(err: Error | undefined): void {
    if (exited) return;
    exited = true;
    stopReceiving();
    stopWatching();
    events.exit(err);
  }
  /** Best effort: an engine the host may still have (an open whose answer was lost) is not left there. */
  const closeOnHost = async (): Promise<void> => {
    const close: MixerEngineCommand = { op: 'close', engine };
    await control.request(mixer, MIXER_ENGINE_COMMAND, close, { timeoutMs: 500, retries: 0 }).catch(() => undefined);
  };
  // Subscribed first: the engine's 'ready' is published as soon as the mixer host opened it.
  const open: MixerEngineCommand = { op: 'open', engine, edge: target.edge, settings: target.settings };
  control.request(mixer, MIXER_ENGINE_COMMAND, open, { timeoutMs: target.openTimeoutMs ?? 1000, retries: 1, idempotencyKey: `open-${engine}` }).catch((err: unknown) => {
    if (exited) return;
    exit(err instanceof Error ? err : new Error(String(err)));
    void closeOnHost();
  });
  const probe = (): void => {
    probing = true;
    const ping: MixerEngineCommand = { op: 'ping', engine };
    control.request(mixer, MIXER_ENGINE_COMMAND, ping, { timeoutMs: PROBE_TIMEOUT_MS, retries: 0 }).then(
      (reply) => {
        probing = false;
        const parsed = pingReplySchema.safeParse(reply);
        if (!parsed.success || !parsed.data.known) exit(new Error(`mixer host ${mixer} does not know engine ${engine}`));
        // Alive but slow: asked again after as many more ticks; HUNG_TICKS decides in the end.
        else unanswered = 0;
      },
      (err: unknown) => {
        probing = false;
        if (exited) return;
        exit(new Error(`mixer host ${mixer} did not answer a probe: ${err instanceof Error ? err.message : String(err)}`));
        void closeOnHost(); // a host only stalled would otherwise keep it
      },
    );
  };
  return {
    isolation: 'remote',
    pid: undefined,
    send: (msg) => {
      if (exited) return;
      control.publish(topics.in, encodeWire(msg));
      if (msg.type === 'tick' && ++unanswered >= PROBE_AFTER_TICKS && !probing) probe();
    },
    stop: async () => {
      if (exited) return;
      exit(undefined);
      // A host that does not answer drops the engine when this edge is down for it.
      await closeOnHost();
    },
  };
}
