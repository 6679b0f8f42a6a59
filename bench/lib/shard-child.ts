// A load-generator shard process (started by ChildShard, shard.ts): builds its fleet from the
// coordinator's init message, runs the calls it gets, and passes slot events both ways. It ends
// when the coordinator disconnects (also when the coordinator was killed).
import type { Fleet } from './fleet.js';
import { growFleet, shardFleet, type FromChild, type ShardMethod, type ToChild } from './shard.js';

const send = (msg: FromChild): void => {
  if (process.connected) process.send?.(msg);
};

let fleet: Fleet | undefined;

const methods: Record<ShardMethod, (f: Fleet, args: unknown[]) => unknown> = {
  grow: (f, [indexes]) => growFleet(f, indexes as number[]),
  startTalkers: (f) => f.startTalkers(),
  stopTalkers: (f) => f.stopTalkers(),
  rotate: (f) => f.rotate(),
  snapshot: (f, [since]) => f.snapshot(since as number),
  report: (f) => f.report(),
  close: (f) => f.close(),
};

process.on('message', (msg: ToChild) => {
  if (msg.type === 'init') {
    fleet = shardFleet(msg.init, (event) => send({ type: 'event', event }));
    send({ type: 'ready' });
  } else if (msg.type === 'event') fleet?.receive(msg.event);
  else {
    const f = fleet;
    const run = (): Promise<unknown> => (f ? Promise.resolve().then(() => methods[msg.method](f, msg.args)) : Promise.reject(new Error('shard not initialised')));
    run().then(
      (result) => {
        send({ type: 'reply', id: msg.id, result });
        // node-datachannel's native threads can outlive closed connections by a moment; do not wait for them.
        if (msg.method === 'close') setTimeout(() => process.exit(0), 100);
      },
      (err: unknown) => send({ type: 'reply', id: msg.id, error: (err as Error).message ?? String(err) }),
    );
  }
});

process.on('disconnect', () => process.exit(0));
