// One WebSocket to Loopcast's /api through the protocol client library (src/protocol/client): typed requests,
// errors as RequestError (code, symbolic name, field path), pushes to listeners.
import { ProtocolClient } from '../../../../src/protocol/client/index.js';

/** Same host as the page: the console is served by the server it administers. */
export function apiUrl(location: Location = window.location): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api`;
}

export async function openConnection(url = apiUrl()): Promise<ProtocolClient> {
  try {
    return await ProtocolClient.open(new WebSocket(url), { timeoutMs: 15_000 });
  } catch {
    throw new Error(`cannot reach the server at ${url}`);
  }
}
