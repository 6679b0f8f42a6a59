// Picks a free UDP port for an ephemeral edge. libjuice keys its ICE UDP mux by the *requested*
// port, so two edges asking for port 0 in one process would share one socket; resolving 0 to a
// concrete free port first keeps edges independent and makes the bound port known up front.
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

export function pickFreeUdpPort(bindAddress?: string): Promise<number> {
  const socket = createSocket({ type: bindAddress !== undefined && isIPv6(bindAddress) ? 'udp6' : 'udp4' });
  return new Promise((resolve, reject) => {
    socket.once('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.bind({ port: 0, address: bindAddress, exclusive: true }, () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}
