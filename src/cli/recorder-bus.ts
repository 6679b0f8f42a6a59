// The loop bus of a signaling process's recorder when the media runs on media hosts: its own
// multicast sockets on the audio LAN, joining each loop at the group signaling gives the hosts
// (LoopAddresses), so it records what the hosts' clients say. Its talk records name the talkers from
// signaling's own sessions (the hosts tell their SSRCs) and the talker table (docs/recording.md "Who talks").
import type { LoopcastConfig } from '../config/config.js';
import type { LoopKey } from '../directory/loop-key.js';
import { MulticastLoopBus, type LoopBus } from '../media/loopbus/index.js';
import type { LoopAddresses } from '../media/remote/loop-addresses.js';

export interface RecorderBus {
  bus: LoopBus;
  /** The addresses to join at (known once the directory is loaded, before the recorder starts). */
  use(addresses: LoopAddresses): void;
}

export async function recorderBus(config: LoopcastConfig): Promise<RecorderBus> {
  const iface = config.media.multicast.interface;
  if (!iface) throw new Error('recorder bus: media.multicast.interface is required');
  const multicast = await MulticastLoopBus.start({ interface: iface, ttl: config.media.multicast.ttl });
  let addresses: LoopAddresses | undefined;
  return {
    bus: {
      join: (key, address) => multicast.join(key, address ?? addresses?.resolve({ key: key as LoopKey }).multicast),
      close: () => multicast.close(),
    },
    use: (a) => {
      addresses = a;
    },
  };
}
