// One signaling WebSocket of the keyset: the protocol client library (src/protocol/client) on a browser WebSocket.
// A reply that does not come in time closes the socket, so the reconnect logic takes over; closing rejects every
// pending request (callers never hang across an outage).
import { ProtocolClient, RequestError, RequestTimeoutError, type JsonObject, type Push, type RequestArgs, type RequestName, type RequestParams, type ResponseOf } from '../../../../src/protocol/client/index.js';
import type { PingOutcome } from '../logic/liveness.js';

/** The parameter may be left out for events whose parameter may be `{}`; then an optional timeout (ms). */
type SocketArgs<E extends RequestName> = Record<never, never> extends RequestParams<E>
  ? [parameter?: RequestParams<E>, timeoutMs?: number]
  : [parameter: RequestParams<E>, timeoutMs?: number];

export class ProtocolSocket {
  onPush: (push: Push) => void = () => {};
  onClose: () => void = () => {};

  private constructor(private readonly client: ProtocolClient) {
    client.onPush((push) => this.onPush(push));
    client.onClose(() => this.onClose());
  }

  /** Opens a socket; rejects when it does not open within `timeoutMs`. */
  static async open(url: string, client: string, timeoutMs = 8000): Promise<ProtocolSocket> {
    const library = await ProtocolClient.open(new WebSocket(url), { client, connectTimeoutMs: timeoutMs, timeoutMs: 10_000, closeOnTimeout: true });
    return new ProtocolSocket(library);
  }

  get isOpen(): boolean {
    return this.client.isOpen;
  }

  /** Typed by the contract; the response also reads as a plain object for fields the keyset checks itself. */
  request<E extends RequestName>(event: E, ...[parameter, timeoutMs]: SocketArgs<E>): Promise<ResponseOf<E> & JsonObject> {
    const args = [parameter, timeoutMs === undefined ? {} : { timeoutMs }] as RequestArgs<E>;
    return this.client.request(event, ...args) as Promise<ResponseOf<E> & JsonObject>;
  }

  /** One liveness probe (logic/liveness.ts). */
  async ping(timeoutMs: number): Promise<PingOutcome> {
    try {
      await this.request('ping', {}, timeoutMs);
      return 'answered';
    } catch (error) {
      if (error instanceof RequestTimeoutError) return 'silent';
      // A temporary refusal (rate limit) is an answer from a live server that knows `ping`.
      if (error instanceof RequestError) return error.temporary ? 'answered' : 'refused';
      return 'closed';
    }
  }

  close(): void {
    this.client.close();
  }
}
