// The engine's side of a mixer engine in a worker thread or a child process, whatever carries the
// messages: one MixerEngine driven by the plane's messages (see messages.ts). The entries
// (engine-thread.ts, engine-process.ts) only connect it to their transport.
import { MixerEngine } from '../mixer-engine.js';
import { pack, type MixedReply, type ToWorker, type WorkerMixerOptions, type FromWorker } from './messages.js';
import { parseToEngine } from './validate.js';

export interface EngineHost {
  /** Handles one message from the plane; a malformed one is reported to `onMalformed` and dropped. */
  onMessage(msg: unknown): void;
  /** Listeners the engine mixes for now. */
  readonly listeners: number;
  close(): void;
}

/**
 * Serves one engine. `reply` sends a message to the plane (`transfer`: buffers it may move instead of
 * copying); the 'ready' message is sent at once.
 */
export function hostEngine(options: WorkerMixerOptions, reply: (msg: FromWorker, transfer: ArrayBuffer[]) => void, onMalformed: (error: string) => void): EngineHost {
  const engine = new MixerEngine(options);

  const tick = (msg: Extract<ToWorker, { type: 'tick' }>): MixedReply => {
    const started = performance.now();
    const bytes = Buffer.from(msg.bytes);
    for (const p of msg.pushes) {
      const payload = bytes.subarray(p.start, p.end);
      engine.push(p.loop, { ssrc: p.ssrc, sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, payload }, p.arrivalMs);
    }
    const { outputs } = engine.tick(msg.nowMs);
    const packed = pack(outputs.map((o) => o.frame));
    return {
      type: 'mixed',
      seq: msg.seq,
      tag: msg.tag,
      outputs: outputs.map((o, i) => {
        const [start, end] = packed.ranges[i] ?? [0, 0];
        return { kind: o.kind, listenerIds: o.listenerIds, talkers: o.talkers, start, end };
      }),
      bytes: packed.bytes,
      idle: engine.idle,
      counters: { ...engine.counters },
      busyMs: performance.now() - started,
    };
  };

  const handle = (msg: ToWorker): void => {
    switch (msg.type) {
      case 'setListener':
        engine.setListener(msg.id, { volumes: msg.volumes, ...(msg.ssrc !== undefined ? { ssrc: msg.ssrc } : {}) });
        break;
      case 'setVolume':
        // The plane mirrors its listeners; an unknown one here means a message was lost: ignore it.
        try {
          engine.setVolume(msg.id, msg.loop, msg.volume);
        } catch (err) {
          onMalformed(err instanceof Error ? err.message : String(err));
        }
        break;
      case 'removeListener':
        engine.removeListener(msg.id);
        break;
      case 'tick': {
        const r = tick(msg);
        reply(r, [r.bytes]);
        break;
      }
    }
  };

  reply({ type: 'ready' }, []);
  return {
    onMessage(msg) {
      const parsed = parseToEngine(msg);
      if (parsed.ok) handle(parsed.msg);
      else onMalformed(parsed.error);
    },
    get listeners() {
      return engine.listenerCount;
    },
    close: () => engine.close(),
  };
}
