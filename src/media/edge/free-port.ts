// Picks a free UDP port for an ephemeral edge. libjuice keys its ICE UDP mux by the *requested*
// port, so two edges asking for port 0 in one process would share one socket; resolving 0 to a
// concrete free port first keeps edges independent and makes the bound port known up front.
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';

function probeUdpPort(port: number, bindAddress?: string): Promise<number> {
  const socket = createSocket({ type: bindAddress !== undefined && isIPv6(bindAddress) ? 'udp6' : 'udp4' });
  return new Promise((resolve, reject) => {
    socket.once('error', (err) => {
      socket.close();
      reject(err);
    });
    socket.bind({ port, address: bindAddress, exclusive: true }, () => {
      const bound = socket.address().port;
      socket.close(() => resolve(bound));
    });
  });
}

export function pickFreeUdpPort(bindAddress?: string): Promise<number> {
  return probeUdpPort(0, bindAddress);
}

/**
 * Fails cleanly when a fixed port is taken. libjuice reports a failed bind by throwing a C++
 * exception on its own thread, which aborts the whole process; a plain socket asks the OS first.
 */
export async function assertUdpPortFree(port: number, bindAddress?: string): Promise<void> {
  try {
    await probeUdpPort(port, bindAddress);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(`UDP port ${port} for WebRTC media is not available (${code ?? String(err)}): another process uses it; set media.port`, { cause: err });
  }
}
